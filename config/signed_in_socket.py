"""The one middleware of a chat socket: the handshake's Origin must pass origin_allowed (in
config/asgi.py, config/socket_origin.py's same_origin), the path picks the consumer
(config/socket_routes.py), then the session cookie gives scope["session_key"] and scope["user"].

Channels' AuthMiddlewareStack does the last part in three layers (cookie, session, auth), each
with its own copy of the scope and a coroutine frame that stay in memory as long as the socket is
open, and its session layer wraps every frame the socket sends. One layer here: no scope copy (it
adds its two keys to the server's scope), no frame once the consumer runs, and `send` is the
server's own. The user is read as channels' AuthMiddleware reads it (channels.auth.get_user: one
thread hop, the session row and the user row), in a task that the consumer awaits before its first
event (chat/channel_free_consumer.py's `before`); scope["user"] keeps what a socket needs of it
(config/signed_in_person.py's SignedInPerson), not the User instance.
"""

import asyncio
from importlib import import_module

from asgiref.sync import markcoroutinefunction
from channels.auth import get_user
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http.cookie import parse_cookie

from config.signed_in_person import SignedInPerson
from config.socket_origin import refuse

SessionStore = import_module(settings.SESSION_ENGINE).SessionStore


class SignedInSocket:
    """ASGI middleware for WebSocket scopes, outermost: a foreign Origin is refused before any query."""

    def __init__(self, routes, *, origin_allowed):
        self.routes = routes
        self.origin_allowed = origin_allowed

    # Not async, and marked as a coroutine function (servers tell an ASGI 3 application by that mark):
    # it returns the consumer's coroutine rather than awaiting it, so no frame of this layer stays in
    # an open socket's task (0.25 KiB).
    @markcoroutinefunction
    def __call__(self, scope, receive, send):
        if not self.origin_allowed(scope):
            return refuse(receive, send)
        consumer = self.routes.consumer_for(scope)  # before the query: an unknown path costs none
        session_key = _session_key(scope)
        # The handshake's headers have been read (origin, cookie): not kept as long as the socket is
        # open (a list of byte strings: 1.3 KiB in the benchmark, more with a browser's headers).
        del scope["headers"]
        # The server's own scope, not a copy (0.7 KiB per open socket): the server reads only its own
        # keys of it (the client's address and the path, for its log), and no layer sits between.
        # Of the session, the key only (revocation and the expiry read the session by it), not a store.
        scope["session_key"] = None
        scope["user"] = AnonymousUser()  # without a cookie: no query, and the consumer refuses the handshake
        signing_in = None
        if session_key:
            # In a task, which the consumer awaits before its first event: the thread hop sets context
            # variables (asgiref's) in the task it runs in, and the socket's would keep them.
            signing_in = asyncio.get_running_loop().create_task(_sign_in(scope, session_key))
        return consumer(scope, receive, send, before=signing_in)


async def _sign_in(scope, session_key):
    user = await get_user({"session": SessionStore(session_key)})
    if user.is_authenticated:
        scope["user"] = SignedInPerson(user)  # what the socket needs of the User instance (1 KiB) only
        scope["session_key"] = session_key


def _session_key(scope):
    # As channels' CookieMiddleware reads it: the first Cookie header.
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            return parse_cookie(value.decode("latin-1")).get(settings.SESSION_COOKIE_NAME)
    return None
