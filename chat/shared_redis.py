"""The process's own Redis client (presence, the database claim), beside the channel layer's."""

from django.conf import settings


def client():
    """A new client for the running event loop, or None without REDIS_URL."""
    if not settings.REDIS_URL:
        return None
    from redis import asyncio as aioredis

    # Password (redis://:secret@host) and TLS (rediss://) come with the URL, as in channels_redis.
    return aioredis.from_url(settings.REDIS_URL)
