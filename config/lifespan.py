"""ASGI lifespan: a server process refuses to start when its database is not the one the other
processes on its Redis use (chat/database_identity.py). uvicorn then exits with the message.

Checked here rather than in AppConfig.ready so management commands (migrate above all) never need
Redis. A process that starts anyway (e.g. under a server without lifespan) is stopped by its room
feed, which makes the same claim before serving any socket.
"""

import logging

from chat import database_identity, shared_redis

log = logging.getLogger(__name__)


async def application(scope, receive, send):
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            try:
                await _claim_redis_for_this_database()
            except database_identity.DatabaseMismatch as mismatch:
                log.error("%s", mismatch)
                await send({"type": "lifespan.startup.failed", "message": str(mismatch)})
                return
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _claim_redis_for_this_database():
    redis = shared_redis.client()
    if redis is None:
        return
    try:
        await database_identity.claim(redis)
    except database_identity.DatabaseMismatch:
        raise
    except Exception:
        # Redis or the database not there yet: serve anyway; /healthz says so, the feed claims later.
        log.warning("could not check that this database is the one on this Redis yet", exc_info=True)
    finally:
        await redis.aclose()
