"""The process's own Redis client (presence, rate limit, the database claim), beside the channel layer's.

Every Redis use outside the channel layer gets its client here, so it follows the channel layer's
Redis: one Redis (REDIS_URL) or the primary the Sentinels name (REDIS_SENTINELS), passwords included.
"""

from django.conf import settings


def client():
    """A new client for the running event loop, or None without Redis. Close it with `await client.aclose()`."""
    if not settings.REDIS_CONNECTION:
        return None
    from channels_redis.utils import create_pool
    from redis import asyncio as aioredis

    # The pool the channel layer builds from the same entry; from_pool: aclose() closes the pool too.
    return aioredis.Redis.from_pool(create_pool(settings.REDIS_CONNECTION))
