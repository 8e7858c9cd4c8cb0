"""Processes that share a Redis must share the database: one room, one history, one id order.

Each database has a random id (migration 0003). A process serving the room claims
{prefix}:database in Redis with that id and renews the claim while it serves; a process whose
database has another id finds the claim taken and refuses to serve, saying what to set. When every
process of a database has stopped, the claim lapses after CLAIM_TTL and another database may take
the Redis.
"""

import asyncio
import logging

from channels.db import database_sync_to_async
from django.conf import settings
from django.db import DatabaseError, connection

log = logging.getLogger(__name__)

TABLE = "kc3chat_database_identity"  # created by chat/migrations/0003_database_identity.py
CLAIM_TTL_SECONDS = 60  # renewed by every serving process's room feed much more often than that

_cached = None


class DatabaseMismatch(DatabaseError):
    """A DatabaseError, so every path that handles an unusable database handles this one too."""


def this_database():
    global _cached
    if _cached is None:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id FROM {connection.ops.quote_name(TABLE)}")
            _cached = cursor.fetchone()[0]
    return _cached


async def claim(redis):
    """Claims (or renews) the Redis for this database; raises DatabaseMismatch when another has it."""
    mine = await database_sync_to_async(this_database)()
    key = f"{settings.REDIS_PREFIX}:database"
    for _ in range(3):
        if await redis.set(key, mine, nx=True, ex=CLAIM_TTL_SECONDS):
            return
        theirs = await redis.get(key)
        if theirs is None:
            continue  # lapsed between the two commands
        if theirs.decode() == mine:
            await redis.expire(key, CLAIM_TTL_SECONDS)
            return
        raise DatabaseMismatch(
            f"Another kc3chat process on this Redis (REDIS_URL, REDIS_PREFIX={settings.REDIS_PREFIX!r}) "
            f"uses a different database (id {theirs.decode()}; this one is {mine}). Processes sharing a "
            "Redis must share the database: set DATABASE_URL to the one the others use, or give this "
            "chat its own REDIS_PREFIX (or Redis)."
        )


class DatabaseClaim:
    """A companion of the room feed (chat/room_feed.py): claims the Redis for this database when the
    feed starts serving (a mismatch stops it from serving at all) and renews the claim while it
    serves; a mismatch found later closes every socket of this process."""

    def __init__(self, feed):
        self.feed = feed
        self.events = {}
        self._renewing = None

    async def start(self):
        if self.feed.redis is None:
            return
        try:
            await claim(self.feed.redis)
        except DatabaseMismatch:
            log.error("refusing to serve the room", exc_info=True)
            raise
        except Exception:
            log.warning("could not claim Redis for this database yet; the feed will retry", exc_info=True)
        self._renewing = asyncio.get_running_loop().create_task(self._renew())

    async def stop(self):
        if self._renewing is not None:
            self._renewing.cancel()
            await asyncio.gather(self._renewing, return_exceptions=True)
            self._renewing = None

    async def _renew(self):
        while True:
            await asyncio.sleep(settings.PRESENCE_TTL_SECONDS / 3)
            try:
                await claim(self.feed.redis)
            except asyncio.CancelledError:
                raise
            except DatabaseMismatch:
                log.error("stopping: closing every socket of this process", exc_info=True)
                for listener in list(self.feed.listeners):
                    listener.stop_serving()
            except Exception:
                log.warning("room feed could not renew the database claim; retrying", exc_info=True)
