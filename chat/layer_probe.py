"""/healthz's round trip through the channel layer: through the room feed's own channel while the
feed is serving (FeedPing), else through the process's one check channel (LayerProbe).

A channel of the pub/sub layer is a Redis subscription that ends only when a receive on it is
cancelled: a new channel per check left one subscription (and its queue) behind per request. The
process keeps one channel for its checks instead, for its whole life, and never cancels a receive on
it: a check that times out leaves its receive waiting for the next check. Checks that arrive while
one is in flight share its answer, so a flood of requests is one round trip at a time.
"""

import asyncio
import uuid

from channels.layers import get_channel_layer

from chat.per_event_loop import PerEventLoop

_probes = PerEventLoop(lambda: LayerProbe())


def current():
    return _probes.current()


class LayerProbe:
    def __init__(self):
        self.layer = get_channel_layer()
        self.channel = None
        self._receiving = None  # the one receive on self.channel, kept across checks
        self._check = None

    async def round_trip(self, timeout):
        """Returns once a message sent to this process's check channel came back; raises otherwise."""
        if self._check is None:
            self._check = asyncio.ensure_future(self._round_trip(timeout))
            self._check.add_done_callback(self._checked)
        await asyncio.shield(self._check)  # a caller that gives up does not end the others' check

    def _checked(self, check):
        self._check = None
        if not check.cancelled():
            check.exception()  # retrieved: every caller may have gone

    async def _round_trip(self, timeout):
        async with asyncio.timeout(timeout):
            if self.channel is None:
                self.channel = await self.layer.new_channel("healthz")
            token = uuid.uuid4().hex
            await self.layer.send(self.channel, {"type": "healthz", "token": token})
            while True:
                if self._receiving is None:
                    self._receiving = asyncio.ensure_future(self.layer.receive(self.channel))
                try:
                    message = await asyncio.shield(self._receiving)
                finally:
                    if self._receiving.done():  # received or failed; else timed out: it waits on
                        self._receiving = None
                if message.get("token") == token:
                    return
                # else: the late answer to a check that timed out


class FeedPing:
    """A companion of the room feed (chat/room_feed.py): a message sent through the channel layer to
    the feed's own channel, and received by it. While the feed is receiving, a second receiver on the
    process's channels_redis client timed out: the check goes through the feed instead."""

    def __init__(self, feed):
        self.feed = feed
        self.events = {"feed.ping": self.answer}
        self._waiting = {}  # token -> future

    async def start(self):
        pass

    async def stop(self):
        pass

    async def round_trip(self):
        token = uuid.uuid4().hex
        self._waiting[token] = asyncio.get_running_loop().create_future()
        try:
            await self.feed.layer.send(self.feed.channel, {"type": "feed.ping", "token": token})
            await self._waiting[token]
        finally:
            del self._waiting[token]

    async def answer(self, event):
        waiting = self._waiting.get(event["token"])
        if waiting is not None and not waiting.done():
            waiting.set_result(None)
