"""A Channels WebSocket consumer without a channel of its own, which awaits the server's receive itself.

AsyncConsumer.__call__ passes receive to channels.utils.await_many_dispatch, made to listen to a
channel of the layer as well: it runs each receive in a task of its own and waits for it with
asyncio.wait, so every open socket holds a task, a waiter and their callbacks (about 2 KiB,
bench/RESULTS.md). A consumer with channel_layer_alias = None has the one source: awaiting it in
the socket's own task dispatches the same events, in the same order, to the same handlers.

ended() runs whatever ended the socket: disconnect() is not always called (a client gone during the
handshake makes accept() or the first frame raise in connect()). Here rather than in a subclass's
__call__ around this one: one suspended frame fewer per open socket.
"""

from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer


class ChannelFreeWebsocketConsumer(AsyncWebsocketConsumer):
    channel_layer_alias = None
    channel_layer = None
    groups = ()  # no channel, so no groups: and no empty list per socket (channels makes one when None)

    async def __call__(self, scope, receive, send, before=None):
        """before: what the middleware still has to finish before the first event (an awaitable, e.g.
        config/signed_in_socket.py's reading of the user), awaited here rather than in a frame of its own."""
        self.scope = scope
        self.base_send = send
        try:
            if before is not None:
                await before
                before = None  # not kept (a done task keeps its coroutine and context) while the socket is open
            while True:
                await self.dispatch(await receive())
        except StopConsumer:
            pass
        finally:
            await self.ended()

    async def ended(self):
        pass
