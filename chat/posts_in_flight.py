"""A socket's posts that are queued for storing and not yet done.

The socket reads its next frame as soon as a post is queued (chat/posting.py do_queue_post), so a
sender that posts faster than one commit per post fills batches of its own: one transaction, one
announcement for many of its posts, instead of one per post. Queued in the order read, they are
stored in that order (the commit queue is first in, first out).

At most `limit` are in flight: at that number the socket stops reading (the consumer does not
return, so the server stops reading the socket: backpressure) until one is done. When a post is
done, the answer that is its sender's alone is sent: nothing for a stored post (its echo comes
through the feed, like everyone's), the original for a repeated client_id, the refusal or the
failure otherwise, each with its client_id. Once the socket has left, answers are dropped: what was
stored stays stored and reached everyone else.
"""

import asyncio
import functools
import logging

log = logging.getLogger(__name__)


class PostsInFlight:
    def __init__(self, limit, answer):
        self.limit = max(1, limit)
        self.answer = answer  # async (done future, client_id): sends the sender's own answer
        self.count = 0
        self.closed = False
        self._room = None  # set once a place frees, while the socket waits for one
        self._answering = set()  # answer tasks still running (kept so they are not collected)

    async def add(self, stored, client_id):
        """Counts a queued post (the future of its Outcome) until it is done; returns at once unless
        `limit` posts are now in flight, then once one of them is done."""
        self.count += 1
        stored.add_done_callback(functools.partial(self._done, client_id))
        while self.count >= self.limit and not self.closed:
            self._room = asyncio.get_running_loop().create_future()
            await self._room

    def close(self):
        """The socket has left: nothing more is answered, nothing waits for a place."""
        self.closed = True
        self._free()
        for task in self._answering:
            task.cancel()

    def _done(self, client_id, stored):
        self.count -= 1
        self._free()
        if stored.cancelled():
            return
        error = stored.exception()  # read, so that an unanswered failure is not reported as lost
        if self.closed or (error is None and stored.result().created):
            return
        task = asyncio.get_running_loop().create_task(self._answer(stored, client_id))
        self._answering.add(task)
        task.add_done_callback(self._answering.discard)

    async def _answer(self, stored, client_id):
        try:
            await self.answer(stored, client_id)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.info("could not answer a post: the client is gone (%r)", error)

    def _free(self):
        if self._room is not None and not self._room.done():
            self._room.set_result(None)
