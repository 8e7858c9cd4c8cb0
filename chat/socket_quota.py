"""How many sockets one user may hold open at once (CHAT_SOCKETS_PER_USER), across every server process.

With Redis, {prefix}:sockets:{user id} is a hash: server process -> sockets it holds for that user.
A process's entries count while its key {prefix}:sockets-alive:{process} lives; the process renews
it while it holds sockets, so the sockets of a process that died stop counting within
PRESENCE_TTL_SECONDS. Without Redis, or while Redis does not answer, each process counts its own.
"""

import asyncio
import logging
import uuid
from collections import Counter

from django.conf import settings

from chat import shared_redis
from chat.per_event_loop import PerEventLoop

log = logging.getLogger(__name__)

_quotas = PerEventLoop(lambda: SocketQuota())

# Counts the user's sockets on every process still alive (forgetting the others), and takes one
# more if that stays within the cap. One script: two processes cannot both take the last place.
_CLAIM = """
redis.call('SET', KEYS[2], '1', 'EX', ARGV[3])
local held = 0
local entries = redis.call('HGETALL', KEYS[1])
for i = 1, #entries, 2 do
  if entries[i] == ARGV[1] or redis.call('EXISTS', ARGV[4] .. entries[i]) == 1 then
    held = held + tonumber(entries[i + 1])
  else
    redis.call('HDEL', KEYS[1], entries[i])
  end
end
if held >= tonumber(ARGV[2]) then
  return 0
end
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
return 1
"""

_RELEASE = """
if redis.call('HINCRBY', KEYS[1], ARGV[1], -1) <= 0 then
  redis.call('HDEL', KEYS[1], ARGV[1])
end
"""


def current():
    return _quotas.current()


class SocketQuota:
    def __init__(self):
        self.id = uuid.uuid4().hex
        self.held = Counter()  # user id -> sockets this process holds
        self.redis = None
        self._claiming = 0
        self._renewal = None
        self._out_of_step = set()  # users whose count in Redis may be wrong: written again at renewal

    async def claim(self, user_id):
        """True, and the socket counts until release(), when the user holds fewer than the cap."""
        cap = settings.CHAT_SOCKETS_PER_USER
        if cap <= 0:
            self.held[user_id] += 1
            return True
        allowed = None
        if settings.REDIS_URL:
            self._start()
            self._claiming += 1
            try:
                keys = (self._user_key(user_id), self._alive_key(self.id))
                answer = await self.redis.eval(_CLAIM, 2, *keys, self.id, cap, self._ttl(), self._alive_key(""))
                allowed = bool(answer)
            except Exception:
                log.warning("socket cap: Redis unavailable, counting in this process", exc_info=True)
                self._out_of_step.add(user_id)
            except BaseException:  # cancelled: the script may have run; the renewal writes the count
                self._out_of_step.add(user_id)
                raise
            finally:
                self._claiming -= 1
        if allowed is None:
            allowed = self.held[user_id] < cap
        if allowed:
            self.held[user_id] += 1
        return allowed

    async def release(self, user_id):
        self.held[user_id] -= 1
        if self.held[user_id] <= 0:
            del self.held[user_id]
        if self.redis is None:
            return
        try:
            await self.redis.eval(_RELEASE, 1, self._user_key(user_id), self.id)
        except Exception:
            log.warning("socket cap: Redis unavailable; the count is written again later", exc_info=True)
            self._out_of_step.add(user_id)
        except BaseException:  # cancelled: the script may have run or not
            self._out_of_step.add(user_id)
            raise
        if not self.held and not self._claiming and not self._out_of_step:
            await self._stop()

    def _user_key(self, user_id):
        return f"{settings.REDIS_PREFIX}:sockets:{user_id}"

    def _alive_key(self, process_id):
        return f"{settings.REDIS_PREFIX}:sockets-alive:{process_id}"

    def _ttl(self):
        return settings.PRESENCE_TTL_SECONDS

    def _start(self):
        if self.redis is None:
            self.redis = shared_redis.client()
        if self._renewal is None:
            self._renewal = asyncio.get_running_loop().create_task(self._renew())

    async def _stop(self):
        redis, self.redis = self.redis, None
        renewal, self._renewal = self._renewal, None
        if renewal is not None and renewal is not asyncio.current_task():
            renewal.cancel()
        try:
            await redis.aclose()
        except Exception:
            log.warning("could not close the Redis client", exc_info=True)

    async def _renew(self):
        while True:
            await asyncio.sleep(self._ttl() / 3)
            try:
                async with self.redis.pipeline(transaction=True) as pipe:
                    pipe.exists(self._alive_key(self.id))
                    pipe.set(self._alive_key(self.id), "1", ex=self._ttl())
                    still_alive, _ = await pipe.execute()
                if not still_alive:
                    # Others took this process for dead and forgot its sockets: count them again.
                    self._out_of_step |= set(self.held)
                await self._write_again()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("socket cap: could not renew this process's counts; retrying", exc_info=True)
                continue
            if not self.held and not self._claiming:
                await self._stop()
                return

    async def _write_again(self):
        users, self._out_of_step = self._out_of_step, set()
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                for user_id in users:
                    if self.held[user_id]:
                        pipe.hset(self._user_key(user_id), self.id, self.held[user_id])
                    else:
                        pipe.hdel(self._user_key(user_id), self.id)
                await pipe.execute()
        except Exception:
            self._out_of_step |= users
            raise
