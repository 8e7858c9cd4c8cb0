"""The room as one server process sees it: a single channel-layer subscription for all its sockets.

Every server process joins the room group once. Each event crosses Redis once per process and is
encoded once by its sender; the feed hands the same text to every local listener. Events (posts,
edits, deletes, reactions) are passed on strictly in seq order: a seq that jumps ahead is a hole (a
delivery lost by the layer, or another process's event still in flight), filled from the event log
before going on, and a poll of the room's newest seq catches what no later event reveals. See
docs/architecture.md.

The feed subscribes, orders and fans out. What else lives as long as it serves is a companion, with
the events it handles: presence (chat/room_presence.py), the sockets a revocation names
(chat/revoked_sockets.py), the database claim (chat/database_identity.py) and the health ping
(chat/layer_probe.py).
"""

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Protocol

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from chat import database_identity, history, layer_probe, room_presence, server_frames, shared_redis
from chat.per_event_loop import PerEventLoop
from chat.revoked_sockets import RevokedSockets

log = logging.getLogger(__name__)

ROOM_GROUP = "room.main"
CATCH_UP_SECONDS = 2.0
GROUP_REFRESH_SECONDS = 3600  # well inside channels_redis' group_expiry (settings: 86400)
RETRY_FIRST_SECONDS, RETRY_MAX_SECONDS = 0.2, 5.0

_feeds = PerEventLoop(lambda: RoomFeed())


class Listener(Protocol):
    """What the feed hands frames to: a socket (chat/consumers.py)."""

    username: str
    user_id: int
    session_key: str | None

    def deliver(self, text: str, seq: int | None) -> None:
        """Called for every frame, in order; seq is None for live-only frames."""

    def revoke(self) -> None:
        """The socket's session ended: close it (4001)."""

    def stop_serving(self) -> None:
        """This process must not serve the room: close the socket (4503)."""


class Companion(Protocol):
    """A concern that lives as long as the feed serves, and the events it handles."""

    events: dict[str, Callable[[dict], Awaitable[None]]]

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


def running():
    """This process's feed, if a socket has started it."""
    return _feeds.running()


def current():
    return _feeds.current()


class RoomFeed:
    def __init__(self):
        self.id = uuid.uuid4().hex
        self.layer = get_channel_layer()
        self.listeners = set()
        self.last_seq = 0
        self.redis = None  # this process's Redis client while the feed serves, for its companions
        self.presence = room_presence.RoomPresence(self)
        self.ping = layer_probe.FeedPing(self)
        # In start order: the claim first, so a process on the wrong database never serves.
        self.companions = [database_identity.DatabaseClaim(self), self.presence, RevokedSockets(self), self.ping]
        self._events = {kind: handler for companion in self.companions for kind, handler in companion.events.items()}
        self._order = asyncio.Lock()
        self._lifecycle = asyncio.Lock()
        self._tasks = []

    # --- listeners ------------------------------------------------------------------------------
    async def attach(self, listener: Listener):
        """Returns the seq after which this listener will be handed every event, in order."""
        async with self._lifecycle:
            if not self._tasks:
                await self._start()
            self.listeners.add(listener)
        self.presence.count(listener.username, +1)
        return self.last_seq

    async def detach(self, listener: Listener):
        if listener not in self.listeners:
            return
        self.listeners.discard(listener)
        self.presence.count(listener.username, -1)
        async with self._lifecycle:
            if not self.listeners and self._tasks:
                await self._stop()

    def fan_out(self, text):
        """A live-only frame (no seq) to every listener."""
        for listener in self.listeners:
            listener.deliver(text, None)

    async def publish_to_others(self, event):
        """An event for the other processes' feeds (this one has handled it already)."""
        await self.layer.group_send(ROOM_GROUP, {**event, "origin": self.id})

    # --- events -----------------------------------------------------------------------------------
    async def handle(self, event):
        kind = event["type"]
        if kind == "room.events":
            for seq, text in event["events"]:
                await self._on_event(seq, text)
        elif kind == "room.typing":
            for listener in self.listeners:
                if listener.username != event["user"]:
                    listener.deliver(event["text"], None)
        elif kind == "room.person":
            self.fan_out(event["text"])
        elif kind in self._events:
            await self._events[kind](event)

    async def catch_up(self):
        newest = await database_sync_to_async(history.newest_seq)()
        if newest > self.last_seq:
            async with self._order:
                await self._fill_to(newest + 1)

    async def _on_event(self, seq, text):
        async with self._order:
            if seq <= self.last_seq:
                return  # already passed on (a fill, the local shortcut, or a duplicate)
            if seq > self.last_seq + 1:
                await self._fill_to(seq)
            self._dispatch(seq, text)

    async def _fill_to(self, before_seq):
        # Commit order is seq order, so every seq below one we have seen is committed.
        for event in await database_sync_to_async(history.events_between)(self.last_seq, before_seq):
            self._dispatch(event.seq, server_frames.encode(server_frames.event(event)))
        self.last_seq = max(self.last_seq, before_seq - 1)

    def _dispatch(self, seq, text):
        self.last_seq = seq
        for listener in self.listeners:
            listener.deliver(text, seq)

    # --- subscription -----------------------------------------------------------------------------
    async def _start(self):
        self.redis = shared_redis.client()
        started = []
        try:
            for companion in self.companions:
                await companion.start()
                started.append(companion)
        except Exception:
            await self._stop_companions(started)
            await self._close_redis()
            raise
        self.channel = await self.layer.new_channel("room-feed")
        # Subscribe first, then read the newest seq: nothing falls between the two.
        try:
            await self.layer.group_add(ROOM_GROUP, self.channel)
        except Exception:
            log.warning("channel layer unavailable; the room feed will retry", exc_info=True)
        self.last_seq = await database_sync_to_async(history.newest_seq)()
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._receive()), loop.create_task(self._maintain())]

    async def _stop(self):
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        try:
            await self.layer.group_discard(ROOM_GROUP, self.channel)
        except Exception:
            log.warning("could not leave the room group", exc_info=True)
        await self._stop_companions(self.companions)
        await self._close_redis()

    async def _stop_companions(self, companions):
        for companion in reversed(companions):
            try:
                await companion.stop()
            except Exception:
                log.warning("could not stop %s", type(companion).__name__, exc_info=True)

    async def _close_redis(self):
        if self.redis is not None:
            try:
                await self.redis.aclose()
            except Exception:
                log.warning("could not close the Redis client", exc_info=True)
            self.redis = None

    async def _receive(self):
        delay = RETRY_FIRST_SECONDS
        while True:
            try:
                event = await self.layer.receive(self.channel)
                delay = RETRY_FIRST_SECONDS
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("room feed lost the channel layer; retrying in %.1fs", delay, exc_info=True)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX_SECONDS)
                await self._rejoin()
                continue
            if event.get("origin") == self.id:
                continue  # this process already handled its own event when it published it
            try:
                await self.handle(event)
            except Exception:
                # A failed fill leaves last_seq where it was; the next catch-up fills the hole.
                log.exception("room feed could not handle %s", event.get("type"))

    async def _rejoin(self):
        try:
            await self.layer.group_add(ROOM_GROUP, self.channel)
            await self.catch_up()
        except Exception:
            log.warning("room feed could not rejoin yet", exc_info=True)

    async def _maintain(self):
        loop = asyncio.get_running_loop()
        last_group_refresh = loop.time()
        while True:
            await asyncio.sleep(CATCH_UP_SECONDS)
            await self._attempt("catch up", self.catch_up)
            if loop.time() - last_group_refresh >= GROUP_REFRESH_SECONDS:
                # Group membership lapses after group_expiry unless added again: never while serving.
                last_group_refresh = loop.time()
                await self._attempt("refresh the group", self.layer.group_add, ROOM_GROUP, self.channel)

    async def _attempt(self, what, action, *args):
        try:
            await action(*args)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.warning("room feed could not %s; retrying", what, exc_info=True)
