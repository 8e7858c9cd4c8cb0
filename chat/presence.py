"""Who is connected: each server process reports its own users; everyone() is the room's view.

With Redis, each process's report is a key that expires unless its heartbeat renews it, so the
users of a process that died (no chance to withdraw) drop out of everyone() within PRESENCE_TTL.
"""

import json

from django.conf import settings


class LocalPresence:
    """Presence for a single server process (the in-memory channel layer's world)."""

    def __init__(self):
        self._names = frozenset()

    async def report(self, feed_id, names):
        self._names = frozenset(names)

    async def everyone(self):
        return sorted(self._names)

    async def withdraw(self, feed_id):
        self._names = frozenset()


class RedisPresence:
    """Presence shared by every process on one Redis (and REDIS_PREFIX).

    {prefix}:presence:{feed id} holds that process's names and expires after PRESENCE_TTL unless
    reported again; {prefix}:presence lists the feed ids to look at (an id whose key has expired
    is removed by the next reader).
    """

    def __init__(self, redis, prefix, ttl_seconds):
        self.redis = redis
        self.index = f"{prefix}:presence"
        self.ttl = ttl_seconds

    def _key(self, feed_id):
        return f"{self.index}:{feed_id}"

    async def report(self, feed_id, names):
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(self._key(feed_id), json.dumps(sorted(names)), ex=self.ttl)
            pipe.sadd(self.index, feed_id)
            await pipe.execute()

    async def everyone(self):
        feed_ids = sorted(await self.redis.smembers(self.index))
        if not feed_ids:
            return []
        reports = await self.redis.mget([self._key(feed_id.decode()) for feed_id in feed_ids])
        names, gone = set(), []
        for feed_id, report in zip(feed_ids, reports):
            if report is None:
                gone.append(feed_id)
            else:
                names.update(json.loads(report))
        if gone:
            # A live process whose key lapsed (it missed its heartbeats) is listed again at its next one.
            await self.redis.srem(self.index, *gone)
        return sorted(names)

    async def withdraw(self, feed_id):
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(self._key(feed_id))
            pipe.srem(self.index, feed_id)
            await pipe.execute()


def for_this_deployment(redis=None):
    """redis: the process's client when there is Redis (see chat/shared_redis.py), else None."""
    if redis is not None:
        return RedisPresence(redis, settings.REDIS_PREFIX, settings.PRESENCE_TTL_SECONDS)
    return LocalPresence()
