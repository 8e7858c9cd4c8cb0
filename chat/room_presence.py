"""Who is in the room, as one server process's feed keeps it: counts this process's users as sockets
join and leave, reports them (chat/presence.py) and sends every local socket the room's list.

A join or leave settles for PRESENCE_SETTLE_SECONDS, then is reported and announced to the other
processes (room.presence), which read the room's list again. A heartbeat renews this process's report
and the list is read again every PRESENCE_CHECK_SECONDS, so the users of a dead process disappear once
its report lapses. A presence frame lists everyone, to everyone: N sockets x N names, so frames are
spaced out to at most PRESENCE_NAMES_PER_SECOND names per second.
"""

import asyncio
import logging
from collections import Counter

from django.conf import settings

from chat import presence, server_frames

log = logging.getLogger(__name__)

PRESENCE_CHECK_SECONDS = 2.0  # how soon the users of a dead process disappear after their report lapses
PRESENCE_SETTLE_SECONDS = 0.2  # coalesces a burst of joins into one presence frame
PRESENCE_NAMES_PER_SECOND = 2_000_000


class RoomPresence:
    """A companion of the room feed (chat/room_feed.py)."""

    def __init__(self, feed):
        self.feed = feed
        self.store = presence.LocalPresence()
        self.everyone = []
        self._users = Counter()
        self._serving = False
        self._tasks = []
        self._pending = None
        self._next_send = 0.0
        self._send_pending = None
        self.events = {"room.presence": self.refresh}

    def now(self):
        """The names to show a socket now: the room's last list and this process's own users."""
        return sorted(set(self.everyone) | set(self._users))

    def count(self, username, step):
        before = len(self._users)
        self._users[username] += step
        if self._users[username] <= 0:
            del self._users[username]
        if len(self._users) != before and self._pending is None and self._serving:
            self._pending = asyncio.get_running_loop().create_task(self._announce())

    async def start(self):
        self.store = presence.for_this_deployment(self.feed.redis)
        self._serving = True
        self._tasks = [asyncio.get_running_loop().create_task(self._maintain())]

    async def stop(self):
        self._serving = False
        tasks = self._tasks + [task for task in (self._pending, self._send_pending) if task is not None]
        self._tasks, self._pending, self._send_pending = [], None, None
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.everyone = []
        try:
            await self.store.withdraw(self.feed.id)
            await self.feed.publish_to_others({"type": "room.presence"})
        except Exception:
            log.warning("could not withdraw this process's presence", exc_info=True)

    async def _announce(self):
        await asyncio.sleep(PRESENCE_SETTLE_SECONDS)
        self._pending = None
        try:
            await self.store.report(self.feed.id, list(self._users))
            await self.refresh()
            await self.feed.publish_to_others({"type": "room.presence"})
        except Exception:
            log.warning("could not announce presence", exc_info=True)

    async def refresh(self, event=None):
        everyone = await self.store.everyone()
        if everyone == self.everyone:
            return
        self.everyone = everyone
        wait = self._next_send - asyncio.get_running_loop().time()
        if wait <= 0:
            self._send()
        elif self._send_pending is None:
            self._send_pending = asyncio.get_running_loop().create_task(self._send_later(wait))

    async def _send_later(self, wait):
        await asyncio.sleep(wait)
        self._send_pending = None
        self._send()

    def _send(self):
        self.feed.fan_out(server_frames.encode(server_frames.presence(self.everyone)))
        size = max(len(self.feed.listeners), len(self.everyone))
        interval = max(PRESENCE_SETTLE_SECONDS, size * size / PRESENCE_NAMES_PER_SECOND)
        self._next_send = asyncio.get_running_loop().time() + interval

    async def _maintain(self):
        loop = asyncio.get_running_loop()
        heartbeat_every = settings.PRESENCE_TTL_SECONDS / 3
        last_heartbeat = last_check = loop.time()
        while True:
            await asyncio.sleep(min(PRESENCE_CHECK_SECONDS, heartbeat_every))
            now = loop.time()
            if now - last_heartbeat >= heartbeat_every:
                last_heartbeat = now
                await _attempt("renew presence", self.store.report, self.feed.id, list(self._users))
            if now - last_check >= PRESENCE_CHECK_SECONDS:
                last_check = now
                await _attempt("check presence", self.refresh)


async def _attempt(what, action, *args):
    try:
        await action(*args)
    except asyncio.CancelledError:
        raise
    except Exception:
        log.warning("room presence could not %s; retrying", what, exc_info=True)
