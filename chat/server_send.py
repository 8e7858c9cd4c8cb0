"""Frames to a chat socket go straight to the server's send, not through Channels' session middleware.

SessionMiddleware wraps `send` so that it can save the session on an HTTP response; for WebSocket
frames it only passes them on, after reading the lazy session's state. That is paid for every frame
to every socket (about a tenth of a broadcast's CPU in bench/RESULTS.md). This middleware, outside
the session middleware, keeps the server's own send in the scope for the socket's writer; accept and
close still go the usual way.
"""

SCOPE_KEY = "kc3chat.server_send"


class KeepServerSend:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        return await self.app({**scope, SCOPE_KEY: send}, receive, send)
