"""What one socket still has to send, and the writer task that sends it.

The room feed only appends here (deliver), so a slow reader never holds up the others; the writer
awaits this socket's own sends. Stored messages count toward the backlog: past it the socket is
closed with 4002 and resumes with ?since=, never a silent hole. Live-only frames (typing, presence)
do not count: they are dropped for a socket that is behind, and presence is sent again once it has
caught up. Events with a seq already sent (the replay on connect) are skipped.
"""

import asyncio
import logging
from collections import deque

from chat import server_frames

log = logging.getLogger(__name__)

CLOSE_FELL_BEHIND = 4002  # too many unsent events: reconnect with ?since= at once


class SocketOutbox:
    def __init__(self, backlog):
        self.backlog = backlog  # CHAT_SEND_BACKLOG
        self.queue = deque()  # (seq or None, text)
        self.messages = 0  # stored events in the queue: only they count toward the backlog
        self.dropped = False  # live-only frames were dropped: send presence once caught up
        self.ready = asyncio.Event()
        self.closing_with = None
        self.last_seq = 0  # the last seq sent (or replayed) to this socket

    def deliver(self, text, seq):
        if self.closing_with is not None:
            return
        if seq is None:
            if len(self.queue) >= self.backlog:
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
        self.queue.append((seq, text))
        self.ready.set()

    def close_soon(self, code):
        self.closing_with = code
        self.queue.clear()
        self.messages = 0
        self.ready.set()

    async def write(self, send, close, presence_now):
        """The socket's writer: send(text) puts a frame on the wire, close(code) closes the socket,
        presence_now() is the room's presence to send once a reader that fell behind caught up."""
        try:
            while True:
                await self.ready.wait()
                self.ready.clear()
                if self.closing_with is not None:
                    await close(self.closing_with)
                    return
                while self.queue and self.closing_with is None:
                    seq, text = self.queue.popleft()
                    if seq is not None:
                        self.messages -= 1
                        if seq <= self.last_seq:
                            continue  # already replayed on connect
                        self.last_seq = seq
                    await send({"type": "websocket.send", "text": text})
                if self.dropped and not self.queue and self.closing_with is None:
                    self.dropped = False
                    presence = server_frames.encode(server_frames.presence(presence_now()))
                    await send({"type": "websocket.send", "text": presence})
        except asyncio.CancelledError:
            raise
        except Exception:
            log.info("socket writer stopped: the client is gone", exc_info=True)
