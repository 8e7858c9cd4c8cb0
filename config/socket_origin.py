"""A socket may be opened by a page of this site only: the handshake's Origin must be the site's own
origin (scheme, host and port, as the request reached this server) or one of CSRF_TRUSTED_ORIGINS,
the rule Django's CSRF check applies to a form.

channels' AllowedHostsOriginValidator compares the host alone. A browser sends the signed-in user's
cookie with a socket that any page of the same site opens, and the same site spans every port and,
for an http site, both schemes: a page served by any other service on this host could open a
socket as the user and post.
"""

import io

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.handlers.asgi import ASGIRequest
from django.utils.http import is_same_domain

PAGE_SCHEME = {"ws": "http", "wss": "https"}


def same_origin(scope):
    """Whether the handshake's Origin is the site's own or a trusted one. A missing Origin, or "null"
    (a sandboxed frame, a file), is not. Reads the headers and settings only: no query."""
    origin = _origin(scope)
    return origin is not None and (origin == _own_origin(scope) or _trusted(origin))


async def refuse(receive, send):
    """Refuses the handshake (HTTP 403). Not channels' WebsocketDenier: as a consumer it takes a
    channel of the layer (a Redis subscription) for each refused handshake."""
    if (await receive())["type"] == "websocket.connect":
        await send({"type": "websocket.close"})  # a close before accept is the 403


def _origin(scope):
    for name, value in scope.get("headers", []):
        if name == b"origin":
            return value.decode("latin-1")
    return None


def _own_origin(scope):
    """The origin of this site's pages as the request reached it, worked out as for a page: Django's
    request gives the Host (checked against ALLOWED_HOSTS) and the scheme (a proxy's
    X-Forwarded-Proto when TRUST_X_FORWARDED_PROTO is set), as config/content_security_policy.py uses."""
    page = {**scope, "type": "http", "method": "GET", "scheme": PAGE_SCHEME.get(scope.get("scheme"), "http")}
    request = ASGIRequest(page, io.BytesIO())
    try:
        host = request.get_host()
    except DisallowedHost:
        return None
    return f"{'https' if request.is_secure() else 'http'}://{host}"


def _trusted(origin):
    # As Django's CSRF check reads the setting: exact origins, and "https://*.example.org" for the
    # subdomains of example.org.
    scheme, _, host = origin.partition("://")
    for trusted in settings.CSRF_TRUSTED_ORIGINS:
        if origin == trusted:
            return True
        trusted_scheme, _, pattern = trusted.partition("://")
        if "*" in pattern and scheme == trusted_scheme and is_same_domain(host, pattern.removeprefix("*")):
            return True
    return False
