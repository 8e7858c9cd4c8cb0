"""A socket's changes (posts, edits, deletes, reactions) that are queued for storing and not yet
done, and the answers behind them.

The socket reads its next frame as soon as a change is queued (chat/posting.py do_queue_post,
chat/editing.py do_queue_*), so a sender that changes faster than one commit per change fills
batches of its own: one transaction, one announcement for many of its changes, instead of one per
change. Queued in the order read, they are stored in that order (the commit queue is first in,
first out): its edit of the post it just sent applies after the post.

The answers that are the sender's alone still come in the order of its frames (docs/protocol.md):
a change's own answer when it is done (nothing for a change that made an event, whose echo comes
through the feed like everyone's; `unchanged`, or the original for a repeated post; the refusal or
failure, with its client_id), and any answer to a later frame (an error, a pong) after it. At most
`limit` changes and answers wait: at that number the socket stops reading (the consumer does not
return, so the server stops reading the socket: backpressure) until the oldest is done. Once the
socket has left, what waits is dropped: what was stored stays stored and reached everyone else.
"""

import asyncio
import logging
from collections import deque

log = logging.getLogger(__name__)


class ChangesInFlight:
    # One per open socket: slots, and no deque while nothing waits (an empty deque is about 0.7 KiB).
    __slots__ = ("limit", "answer", "send", "waiting", "closed", "_writer", "_room")

    def __init__(self, limit, answer, send):
        self.limit = max(1, limit)
        self.answer = answer  # (done future, command) -> the frame for the sender alone, or None
        self.send = send  # async (frame): sends it to this socket
        self.waiting = None  # while any wait, a deque: (future, command) of a change, (None, frame) of a ready answer
        self.closed = False
        self._writer = None  # the task sending the answers that were waiting, while there are some
        self._room = None  # set once a place frees, while the socket waits for one

    async def add(self, stored, command):
        """Counts a queued change (the future of its Outcome; the frame's command it came from) until
        it is done and answered; returns at once unless `limit` changes and answers now wait, then
        once one of them has gone."""
        self._queue((stored, command))
        stored.add_done_callback(self._done)
        await self._while_full()

    async def reply(self, frame):
        """An answer to a frame of this socket: sent now, or after the answers of earlier changes."""
        if not self.waiting and self._writer is None:
            await self.send(frame)
            return
        self._queue((None, frame))
        await self._while_full()

    def close(self):
        """The socket has left: nothing more is answered, nothing waits for a place."""
        self.closed = True
        self.waiting = None
        self._free()
        if self._writer is not None:
            self._writer.cancel()

    def _queue(self, item):
        if self.waiting is None:
            self.waiting = deque()
        self.waiting.append(item)

    async def _while_full(self):
        while self.waiting is not None and len(self.waiting) >= self.limit and not self.closed:
            self._room = asyncio.get_running_loop().create_future()
            await self._room

    def _done(self, stored):
        if not stored.cancelled():
            stored.exception()  # read, so that a failure answered late is not reported as never read
        if not self.closed and self._writer is None and self._ready():
            self._writer = asyncio.get_running_loop().create_task(self._write())

    def _ready(self):
        return self.waiting and (self.waiting[0][0] is None or self.waiting[0][0].done())

    async def _write(self):
        try:
            while not self.closed and self._ready():
                stored, given = self.waiting.popleft()
                self._free()
                frame = given if stored is None else (None if stored.cancelled() else self.answer(stored, given))
                if frame is not None:
                    await self.send(frame)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.info("could not answer a frame: the client is gone (%r)", error)
        finally:
            self._writer = None
            if not self.waiting:
                self.waiting = None  # empty: its memory goes back until something waits again

    def _free(self):
        if self._room is not None and not self._room.done():
            self._room.set_result(None)
