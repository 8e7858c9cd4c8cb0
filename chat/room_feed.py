"""The room as one server process sees it: a single channel-layer subscription for all its sockets.

Every server process joins the room group once. Each event crosses Redis once per process and is
encoded once by its sender; the feed hands the same text to every local listener. Messages are
passed on strictly in id order: an id that jumps ahead is a hole (a delivery lost by the layer, or
another process's message still in flight), filled from the database before going on, and a poll of
the room's newest id catches what no later message reveals. See docs/architecture.md.

A listener (the consumer) offers: username, user_id, session_hash, deliver(text, message_id),
revoke() and stop_serving().

With Redis, the feed also keeps this process's presence report alive and its claim that this
Redis belongs to this database (chat/database_identity.py) while it has listeners.
"""

import asyncio
import logging
import uuid
import weakref
from collections import Counter

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from chat import database_identity, history, presence, server_frames, shared_redis

log = logging.getLogger(__name__)

ROOM_GROUP = "room.main"
CATCH_UP_SECONDS = 2.0
GROUP_REFRESH_SECONDS = 3600  # well inside channels_redis' group_expiry (settings: 86400)
PRESENCE_CHECK_SECONDS = 2.0  # how soon the users of a dead process disappear after their report lapses
PRESENCE_SETTLE_SECONDS = 0.2  # coalesces a burst of joins into one presence frame
# A presence frame lists everyone, to everyone: N sockets x N names. Bound the names sent per
# second, so a room of thousands that is filling up is not flooded with near-identical lists.
PRESENCE_NAMES_PER_SECOND = 2_000_000
RETRY_FIRST_SECONDS, RETRY_MAX_SECONDS = 0.2, 5.0

_feeds = weakref.WeakKeyDictionary()  # event loop -> RoomFeed


def running():
    """This process's feed, if a socket has started it."""
    return _feeds.get(asyncio.get_running_loop())


def current():
    loop = asyncio.get_running_loop()
    if loop not in _feeds:
        _feeds[loop] = RoomFeed()
    return _feeds[loop]


class RoomFeed:
    def __init__(self):
        self.id = uuid.uuid4().hex
        self.layer = get_channel_layer()
        self.listeners = set()
        self.last_id = 0
        self.everyone = []
        self.redis = None
        self.presence = presence.LocalPresence()
        self._users = Counter()
        self._order = asyncio.Lock()
        self._lifecycle = asyncio.Lock()
        self._tasks = []
        self._presence_pending = None
        self._presence_next_send = 0.0
        self._presence_send_pending = None
        self._pings = {}  # token -> future, for round_trip()

    # --- listeners ------------------------------------------------------------------------------
    async def attach(self, listener):
        """Returns the id after which this listener will be handed every message, in order."""
        async with self._lifecycle:
            if not self._tasks:
                await self._start()
            self.listeners.add(listener)
        self._count(listener.username, +1)
        return self.last_id

    async def detach(self, listener):
        if listener not in self.listeners:
            return
        self.listeners.discard(listener)
        self._count(listener.username, -1)
        async with self._lifecycle:
            if not self.listeners and self._tasks:
                await self._stop()

    async def round_trip(self):
        """A message sent through the channel layer to this feed's own channel, and received."""
        token = uuid.uuid4().hex
        self._pings[token] = asyncio.get_running_loop().create_future()
        try:
            await self.layer.send(self.channel, {"type": "feed.ping", "token": token})
            await self._pings[token]
        finally:
            del self._pings[token]

    def presence_now(self):
        return sorted(set(self.everyone) | set(self._users))

    # --- events -----------------------------------------------------------------------------------
    async def handle(self, event):
        kind = event["type"]
        if kind == "room.messages":
            for message_id, text in event["messages"]:
                await self._on_message(message_id, text)
        elif kind == "room.typing":
            for listener in self.listeners:
                if listener.username != event["user"]:
                    listener.deliver(event["text"], None)
        elif kind == "room.presence":
            await self._refresh_presence()
        elif kind == "room.revoke":
            for listener in list(self.listeners):
                if listener.user_id == event["user_id"] and event["session"] in (None, listener.session_hash):
                    listener.revoke()

    async def catch_up(self):
        newest = await database_sync_to_async(history.newest_id)()
        if newest > self.last_id:
            async with self._order:
                await self._fill_to(newest + 1)

    async def _on_message(self, message_id, text):
        async with self._order:
            if message_id <= self.last_id:
                return  # already passed on (a fill, the local shortcut, or a duplicate)
            if message_id > self.last_id + 1:
                await self._fill_to(message_id)
            self._dispatch(message_id, text)

    async def _fill_to(self, before_id):
        # Commit order is id order, so every id below one we have seen is committed (or deleted).
        for message in await database_sync_to_async(history.between)(self.last_id, before_id):
            self._dispatch(message.id, server_frames.encode(server_frames.message(message)))
        self.last_id = max(self.last_id, before_id - 1)

    def _dispatch(self, message_id, text):
        self.last_id = message_id
        for listener in self.listeners:
            listener.deliver(text, message_id)

    # --- presence -------------------------------------------------------------------------------
    def _count(self, username, step):
        before = len(self._users)
        self._users[username] += step
        if self._users[username] <= 0:
            del self._users[username]
        if len(self._users) != before and self._presence_pending is None and self._tasks:
            self._presence_pending = asyncio.get_running_loop().create_task(self._announce_presence())

    async def _announce_presence(self):
        await asyncio.sleep(PRESENCE_SETTLE_SECONDS)
        self._presence_pending = None
        try:
            await self.presence.report(self.id, list(self._users))
            await self._refresh_presence()
            await self.layer.group_send(ROOM_GROUP, {"type": "room.presence", "origin": self.id})
        except Exception:
            log.warning("could not announce presence", exc_info=True)

    async def _refresh_presence(self):
        everyone = await self.presence.everyone()
        if everyone == self.everyone:
            return
        self.everyone = everyone
        wait = self._presence_next_send - asyncio.get_running_loop().time()
        if wait <= 0:
            self._send_presence()
        elif self._presence_send_pending is None:
            self._presence_send_pending = asyncio.get_running_loop().create_task(self._send_presence_later(wait))

    async def _send_presence_later(self, wait):
        await asyncio.sleep(wait)
        self._presence_send_pending = None
        self._send_presence()

    def _send_presence(self):
        text = server_frames.encode(server_frames.presence(self.everyone))
        for listener in self.listeners:
            listener.deliver(text, None)
        size = max(len(self.listeners), len(self.everyone))
        interval = max(PRESENCE_SETTLE_SECONDS, size * size / PRESENCE_NAMES_PER_SECOND)
        self._presence_next_send = asyncio.get_running_loop().time() + interval

    # --- subscription -----------------------------------------------------------------------------
    async def _start(self):
        self.redis = shared_redis.client()
        self.presence = presence.for_this_deployment(self.redis)
        if self.redis is not None:
            try:
                await database_identity.claim(self.redis)
            except database_identity.DatabaseMismatch:
                log.error("refusing to serve the room", exc_info=True)
                await self._close_redis()
                raise
            except Exception:
                log.warning("could not claim Redis for this database yet; the feed will retry", exc_info=True)
        self.channel = await self.layer.new_channel("room-feed")
        # Subscribe first, then read the newest id: nothing falls between the two.
        try:
            await self.layer.group_add(ROOM_GROUP, self.channel)
        except Exception:
            log.warning("channel layer unavailable; the room feed will retry", exc_info=True)
        self.last_id = await database_sync_to_async(history.newest_id)()
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._receive()), loop.create_task(self._maintain())]

    async def _stop(self):
        for pending in (self._presence_pending, self._presence_send_pending):
            if pending is not None:
                self._tasks.append(pending)
        self._presence_pending = self._presence_send_pending = None
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        self.everyone = []
        try:
            await self.layer.group_discard(ROOM_GROUP, self.channel)
            await self.presence.withdraw(self.id)
            await self.layer.group_send(ROOM_GROUP, {"type": "room.presence", "origin": self.id})
        except Exception:
            log.warning("could not leave the room group", exc_info=True)
        await self._close_redis()

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
            if event["type"] == "feed.ping":
                waiting = self._pings.get(event["token"])
                if waiting is not None and not waiting.done():
                    waiting.set_result(None)
                continue
            if event.get("origin") == self.id:
                continue  # this process already handled its own event when it published it
            try:
                await self.handle(event)
            except Exception:
                # A failed fill leaves last_id where it was; the next catch-up fills the hole.
                log.exception("room feed could not handle %s", event.get("type"))

    async def _rejoin(self):
        try:
            await self.layer.group_add(ROOM_GROUP, self.channel)
            await self.catch_up()
        except Exception:
            log.warning("room feed could not rejoin yet", exc_info=True)

    async def _maintain(self):
        loop = asyncio.get_running_loop()
        heartbeat_every = settings.PRESENCE_TTL_SECONDS / 3
        last_heartbeat = last_group_refresh = last_presence_check = loop.time()
        while True:
            await asyncio.sleep(min(CATCH_UP_SECONDS, PRESENCE_CHECK_SECONDS, heartbeat_every))
            now = loop.time()
            await self._attempt("catch up", self.catch_up)
            if now - last_heartbeat >= heartbeat_every:
                last_heartbeat = now
                await self._attempt("renew presence", self.presence.report, self.id, list(self._users))
                if self.redis is not None:
                    await self._attempt("renew the database claim", self._renew_claim)
            if now - last_presence_check >= PRESENCE_CHECK_SECONDS:
                last_presence_check = now
                await self._attempt("check presence", self._refresh_presence)
            if now - last_group_refresh >= GROUP_REFRESH_SECONDS:
                # Group membership lapses after group_expiry unless added again: never while serving.
                last_group_refresh = now
                await self._attempt("refresh the group", self.layer.group_add, ROOM_GROUP, self.channel)

    async def _attempt(self, what, action, *args):
        try:
            await action(*args)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.warning("room feed could not %s; retrying", what, exc_info=True)

    async def _renew_claim(self):
        try:
            await database_identity.claim(self.redis)
        except database_identity.DatabaseMismatch:
            log.error("stopping: closing every socket of this process", exc_info=True)
            for listener in list(self.listeners):
                listener.stop_serving()
