"""What one socket still has to send, and how it reaches the server's send.

The room feed hands every frame to every socket's deliver. While nothing is waiting, deliver sends
at once, in the feed's own loop over the sockets, as a raw ASGI broadcast does: no task wakes per
socket per message. A send that cannot finish at once (the client reads slowly, the server's write
buffer is full) is finished by this socket's writer task, and from then on frames queue here, in
order, until the writer has sent them all; then deliver sends at once again. So a slow reader never
holds up the others.

Stored events in the queue count toward the backlog: past it the socket is closed with 4002 and
resumes with ?since=, never a silent hole. Live-only frames (typing, presence) do not count: they
are dropped for a socket that is behind, and presence is sent again once it has caught up. Events
with a seq already sent (the replay on connect) are skipped.
"""

import asyncio
import logging
import types
from collections import deque

from chat import server_frames

log = logging.getLogger(__name__)

CLOSE_FELL_BEHIND = 4002  # too many unsent events: reconnect with ?since= at once
_GONE = "gone"  # closing_with once the client is gone: nothing more is sent, not even a close


class SocketOutbox:
    # One per open socket: slots, and no queue while nothing waits (an empty deque is about 0.7 KiB).
    __slots__ = ("backlog", "queue", "messages", "dropped", "closing_with", "last_seq", "direct", "unfinished",
                 "writer", "_send", "_socket", "_presence")

    def __init__(self, backlog):
        self.backlog = backlog  # CHAT_SEND_BACKLOG
        self.queue = None  # (seq or None, text) in a deque while frames wait for the writer
        self.messages = 0  # stored events in the queue: only they count toward the backlog
        self.dropped = False  # live-only frames were dropped: send presence once caught up
        self.closing_with = None
        self.last_seq = 0  # the last seq sent (or replayed) to this socket
        self.direct = False  # nothing is waiting: deliver sends at once (only while serving)
        self.unfinished = None  # a send that could not finish at once: (coroutine, what it awaits)
        self.writer = None  # the task sending what waits, while there is something
        self._send = self._socket = self._presence = None

    def serve(self, send, socket, presence):
        """From now on frames go out: send(event) is the server's ASGI send, socket.close(code) closes
        the socket, presence.now() is the room's presence to send once a reader that fell behind caught
        up. The objects rather than their bound methods: those would be two more objects per socket."""
        self._send, self._socket, self._presence = send, socket, presence
        if self.queue or self.closing_with is not None:
            self._wake()  # what the feed handed over while the socket was being greeted
        else:
            self.direct = True

    def stop(self):
        """The socket has ended: nothing more is sent."""
        self.closing_with = _GONE
        self.direct = False
        self._send = None
        if self.writer is not None:
            self.writer.cancel()

    def deliver(self, text, seq):
        if self.closing_with is not None:
            return
        if self.direct:
            if seq is not None:
                if seq <= self.last_seq:
                    return  # already replayed on connect
                self.last_seq = seq
            self._send_now(text)
            return
        if seq is None:
            if self.queue is not None and len(self.queue) >= self.backlog:
                # Typing and presence are live only: dropped for a socket that is behind, never a
                # reason to close it (presence is sent again once it has caught up).
                self.dropped = True
                return
        elif self.messages >= self.backlog:
            # Never a silent hole: close, and the client resumes with ?since= its last seq.
            self.close_soon(CLOSE_FELL_BEHIND)
            return
        else:
            self.messages += 1
        if self.queue is None:
            self.queue = deque()
        self.queue.append((seq, text))
        self._wake()

    def close_soon(self, code):
        if self.closing_with is _GONE:
            return
        self.closing_with = code
        self.queue = None
        self.messages = 0
        self.direct = False
        self._wake()

    def _send_now(self, text):
        # The server's send is a coroutine; stepped here once, it finishes at once unless it has to
        # wait (uvicorn waits only while the transport's write buffer is above its high-water mark).
        sending = self._send({"type": "websocket.send", "text": text})
        try:
            awaiting = sending.send(None)
        except StopIteration:
            return
        except Exception as error:
            # The feed learns here that a client is gone (its own receive will say so too): expected,
            # so one line, not a traceback.
            log.info("socket send failed: the client is gone (%r)", error)
            self._gone()
            return
        self.unfinished = (sending, awaiting)
        self.direct = False
        self._wake()

    def _wake(self):
        if self.writer is None and self._send is not None:
            self.writer = asyncio.get_running_loop().create_task(self._write())

    def _gone(self):
        self.closing_with = _GONE
        self.direct = False
        self.queue = None
        self.messages = 0

    async def _write(self):
        """The writer: finishes a send that had to wait, then sends what queued meanwhile, then
        hands back to deliver (or closes the socket, when asked to)."""
        try:
            if self.unfinished is not None:
                sending, awaiting = self.unfinished
                self.unfinished = None
                await _finish(sending, awaiting)
            while self.closing_with is None and (self.queue or self.dropped):
                if self.queue:
                    seq, text = self.queue.popleft()
                    if seq is not None:
                        self.messages -= 1
                        if seq <= self.last_seq:
                            continue  # already replayed on connect
                        self.last_seq = seq
                else:
                    self.dropped = False
                    text = server_frames.encode(server_frames.presence(self._presence.now()))
                await self._send({"type": "websocket.send", "text": text})
            if self.closing_with is None:
                self.queue = None  # empty: its memory goes back until something waits again
                self.direct = True  # nothing waits: deliver sends at once again
            elif self.closing_with is not _GONE:
                self._send = None  # one close; nothing after it
                await self._socket.close(self.closing_with)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.info("socket writer stopped: the client is gone (%r)", error)
            self._gone()
        finally:
            self.writer = None


@types.coroutine
def _finish(sending, awaiting):
    """Awaits the rest of a coroutine already stepped by hand: what it awaits goes to the task, what
    the task sends or throws back goes to the coroutine (as `await` would have done from the start)."""
    while True:
        try:
            answer = yield awaiting
        except BaseException as error:
            try:
                awaiting = sending.throw(error)
            except StopIteration as done:
                return done.value
        else:
            try:
                awaiting = sending.send(answer)
            except StopIteration as done:
                return done.value
