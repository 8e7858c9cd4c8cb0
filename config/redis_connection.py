"""Where Redis is, from the environment: one description for the channel layer and the process's own client.

The description is a channels_redis host entry, so the channel layer (hosts=[entry]) and
chat/shared_redis.py build their connection pools from it with the same function
(channels_redis.utils.create_pool). Either one Redis (REDIS_URL), or a primary found through
Sentinels (REDIS_SENTINELS, REDIS_SENTINEL_MASTER): each new connection asks the Sentinels where the
primary is, so after a failover the clients reconnect to the promoted replica by themselves.
"""

from django.core.exceptions import ImproperlyConfigured

from config import environment as env


def from_environment():
    """The host entry, or None without Redis (one process, in-memory layer)."""
    url, sentinels = env.text("REDIS_URL"), env.words("REDIS_SENTINELS", [])
    password = {"password": env.text("REDIS_PASSWORD")} if env.text("REDIS_PASSWORD") else {}
    if url and sentinels:
        raise ImproperlyConfigured("set REDIS_URL (one Redis) or REDIS_SENTINELS (Sentinel), not both")
    if url:
        # A password in the URL wins over REDIS_PASSWORD (redis-py's from_url).
        return {"address": url, **password}
    if not sentinels:
        return None
    master = env.text("REDIS_SENTINEL_MASTER")
    if not master:
        raise ImproperlyConfigured("REDIS_SENTINELS needs REDIS_SENTINEL_MASTER: the name the Sentinels monitor")
    # A Sentinel that hangs is skipped after a second, not waited on, while looking for the primary.
    sentinel_kwargs = {"socket_timeout": 1.0, "socket_connect_timeout": 1.0}
    if env.text("REDIS_SENTINEL_PASSWORD"):
        sentinel_kwargs["password"] = env.text("REDIS_SENTINEL_PASSWORD")
    return {
        "master_name": master,
        "sentinels": [_host_and_port(entry) for entry in sentinels],
        "sentinel_kwargs": sentinel_kwargs,
        **password,
    }


def _host_and_port(entry):
    host, _, port = entry.rpartition(":")
    if not host or not port.isdigit():
        raise ImproperlyConfigured(f"REDIS_SENTINELS: {entry!r} is not host:port")
    return host.strip("[]"), int(port)
