"""The ASGI application by the scope's type (http, websocket, lifespan), as channels'
ProtocolTypeRouter picks it, without a coroutine of its own.

ProtocolTypeRouter awaits the application it picks: its coroutine frame stays in an open socket's
task as long as the socket is open (0.25 KiB each). This router returns the picked application's
awaitable instead, so the server's task awaits that directly.
"""

from asgiref.sync import markcoroutinefunction


class ScopeTypeRouter:
    def __init__(self, application_mapping):
        self.application_mapping = application_mapping

    # Not async, and marked as a coroutine function: servers tell an ASGI 3 application by that mark.
    @markcoroutinefunction
    def __call__(self, scope, receive, send):
        if scope["type"] not in self.application_mapping:
            raise ValueError("No application configured for scope type %r" % scope["type"])
        return self.application_mapping[scope["type"]](scope, receive, send)
