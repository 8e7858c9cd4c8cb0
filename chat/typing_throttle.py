"""At most one typing notice per user every 2 s, however many sockets and server processes they type on.

The same token bucket as the posting rate (chat/rate_limit.py), of one token refilled in 2 s: in
Redis when there is one, so that it holds across processes, else in this process.
"""

import logging

from django.conf import settings

from chat import rate_limit, room_feed

log = logging.getLogger(__name__)

EVERY_SECONDS = 2.0

_here = rate_limit.TokenBucket(1 / EVERY_SECONDS, 1)


async def allow(user_id):
    feed = room_feed.running()
    if feed is not None and feed.redis is not None:
        try:
            key = f"{settings.REDIS_PREFIX}:typing:{user_id}"
            return await rate_limit.take_in_redis(feed.redis, key, 1 / EVERY_SECONDS, 1) == 0
        except Exception:
            log.warning("typing throttle: Redis unavailable, counting in this process", exc_info=True)
    return _here.take(user_id) == 0
