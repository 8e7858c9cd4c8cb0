"""The WebSocket endpoint: translates frames to the chat domain and the room feed back to frames.
What the socket still has to send, and how it reaches the server, are chat/socket_outbox.py's."""

import asyncio
import logging
import time
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from django.conf import settings
from django.db import DatabaseError

from chat import editing, frames, posting, resume, room_events, room_feed, server_frames, socket_quota, typing_throttle
from chat.changes_in_flight import ChangesInFlight
from chat.channel_free_consumer import ChannelFreeWebsocketConsumer
from chat.history_query import ID_MAX
from chat.refusal import Refused
from chat.revocation import SessionExpiryWatch, session_expiry
from chat.socket_outbox import SocketOutbox

log = logging.getLogger(__name__)

MAX_FRAME_BYTES = 64 * 1024

# Close codes (docs/protocol.md). Daphne refuses 1012, so application codes are in 4000-4999.
CLOSE_TOO_BIG = 1009
CLOSE_SESSION_ENDED = 4001  # signed out, password changed or account deactivated: sign in again
# 4002, fell behind: chat/socket_outbox.py
CLOSE_BAD_REQUEST = 4400  # the handshake's query was invalid
CLOSE_TOO_MANY_SOCKETS = 4429  # the user already holds CHAT_SOCKETS_PER_USER sockets: this new one is refused
CLOSE_UNAVAILABLE = 4503  # the database could not be read: reconnect with backoff


class ChatConsumer(ChannelFreeWebsocketConsumer):
    # No channel per socket: the process's room feed hands messages to every socket directly.
    feed = None
    quota = None  # set while this socket counts toward its user's cap
    outbox = None
    changes = None  # this socket's changes queued and not yet done, and the answers behind them
    session_watch = None

    async def connect(self):
        user = self.scope["user"]
        if not user.is_authenticated:
            await self.close()  # before accept: the handshake is refused
            return
        self.username = user.get_username()
        self.user_id = user.pk
        self.session_key = self.scope["session_key"]
        self.outbox = SocketOutbox(settings.CHAT_SEND_BACKLOG)
        # The feed hands frames straight to the outbox: no call of the consumer's per delivery.
        self.deliver = self.outbox.deliver
        self.changes = ChangesInFlight(settings.CHAT_CHANGES_IN_FLIGHT, _answer_change, self._send_frame)
        self.last_typing = 0.0
        try:
            after, since = _resume_parameters(self.scope)
        except ValueError:
            await self.accept()
            refusal = Refused("invalid_frame", "?since= or ?after= (one of them) must be a whole number from 0 to 2^63-1.")
            await self._send_frame(server_frames.error(refusal))
            await self.close(CLOSE_BAD_REQUEST)
            return
        quota = socket_quota.current()
        if not await quota.claim(self.user_id):
            await self.accept()
            await self.close(CLOSE_TOO_MANY_SOCKETS, "Too many open connections for this user.")
            return
        self.quota = quota
        try:
            # Join before accepting: once the client sees the socket open, it misses nothing.
            self.feed = room_feed.current()
            live_from = await self.feed.attach(self)
            expires = await database_sync_to_async(session_expiry)(self.session_key, self.user_id)
            if expires is None:
                await self.close()
                return
            owed = await database_sync_to_async(resume.owed)(after, since, live_from, settings.CHAT_REPLAY_LIMIT)
        except DatabaseError:
            log.warning("socket refused: database unavailable", exc_info=True)
            await self.accept()
            await self.close(CLOSE_UNAVAILABLE)
            return
        await self.accept()
        await self._greet(owed)
        self._serve()
        self.session_watch = SessionExpiryWatch(self, expires)

    async def _greet(self, owed):
        self.outbox.last_seq = owed.sent_up_to
        hello = server_frames.hello(self.username, owed.last_id, owed.last_seq, settings.CHAT_MAX_LENGTH)
        await self._send_frame(hello)
        await self._send_frame(server_frames.presence(self.feed.presence.now()))
        if owed.gap is not None:
            by, asked, first = owed.gap
            await self._send_frame(server_frames.gap_since(asked, first) if by == "since" else server_frames.gap(asked, first))
        for event in owed.events:
            await self._send_frame(server_frames.event(event))
        for message in owed.messages:
            await self._send_frame(server_frames.message(message))

    async def ended(self):
        # Whatever ended the socket, it leaves the room (disconnect() is not always called).
        await self._leave()

    async def disconnect(self, code):
        await self._leave()

    async def _leave(self):
        if self.outbox is not None:
            self.outbox.stop()
        if self.changes is not None:
            self.changes.close()
        if self.session_watch is not None:
            self.session_watch.cancel()
        try:
            if self.feed is not None:
                await self.feed.detach(self)  # a second call does nothing
        finally:
            if self.quota is not None:
                quota, self.quota = self.quota, None
                await quota.release(self.user_id)

    # --- from the room feed (deliver is the outbox's, set in connect) ----------------------------
    def revoke(self):
        self.outbox.close_soon(CLOSE_SESSION_ENDED)

    def stop_serving(self):
        self.outbox.close_soon(CLOSE_UNAVAILABLE)  # e.g. this process's database is not the room's

    def _serve(self):
        # base_send is the server's own send: no middleware wraps it (config/signed_in_socket.py).
        self.outbox.serve(self.base_send, self, self.feed.presence)

    # --- from the client ------------------------------------------------------------------------
    async def dispatch(self, message):
        # Channels closes stale database connections before every handler, in the database thread:
        # one hop per frame received, queued behind the batch being stored, so a socket could read
        # nothing while a commit ran. Every database call here is a database_sync_to_async, which
        # does the same check around itself; connect and disconnect keep Channels' way.
        if message["type"] == "websocket.receive":
            await self.websocket_receive(message)
        elif message["type"] == "websocket.connect":
            # The handshake's database calls leave context variables (asgiref's) set in the task they
            # run in: in a task of their own, those go with it instead of staying in the socket's.
            await asyncio.create_task(super().dispatch(message))
        else:
            await super().dispatch(message)

    async def receive(self, text_data=None, bytes_data=None):
        if _too_big(text_data, bytes_data):
            await self.close(CLOSE_TOO_BIG)
            return
        if text_data is None:
            await self._reply(server_frames.error(Refused("invalid_frame", "Binary frames are not accepted.")))
            return
        command = None
        try:
            command = frames.parse(text_data)
            await self._perform(command)
        except Exception as error:
            await self._reply(_failure(error, getattr(command, "client_id", None)))

    async def _perform(self, command):
        if isinstance(command, (frames.Post, frames.Edit, frames.Delete, frames.React)):
            # Queued, not awaited: the socket reads on while its earlier changes are stored (at most
            # CHAT_CHANGES_IN_FLIGHT of them); each is answered when done, in frame order (_answer_change).
            stored = await _queue(self._author(), command)
            await self.changes.add(stored, command)
        elif isinstance(command, frames.Typing):
            now = time.monotonic()
            # This socket's own check first: a socket that keeps typing costs nothing more.
            if now - self.last_typing >= typing_throttle.EVERY_SECONDS:
                self.last_typing = now
                if await typing_throttle.allow(self.user_id):
                    await room_events.announce_typing(self.username)
        elif isinstance(command, frames.Ping):
            await self._reply(server_frames.pong())

    def _author(self):
        # The socket keeps a slim record of its user; a frame that stores something needs a User.
        return self.scope["user"].as_user()

    async def _reply(self, frame):
        # An answer to a frame: after the answers of the changes before it (chat/changes_in_flight.py).
        await self.changes.reply(frame)

    async def _send_frame(self, frame):
        await self.send(text_data=server_frames.encode(frame))


def _answer_change(stored, command):
    """A change's answer to its sender alone, once done: None when it made an event (its echo comes
    through the feed, like everyone's), the original for a repeated post, `unchanged` for a change
    that would change nothing, else why it was not stored."""
    error = stored.exception()
    if error is not None:
        return _failure(error, command.client_id)
    outcome = stored.result()
    if outcome.event is not None:
        return None
    if isinstance(command, frames.Post):
        return server_frames.message(outcome.message)
    return server_frames.unchanged(command.client_id, outcome.message)


def _failure(error, client_id):
    """The error frame for a frame that could not be acted on: its refusal, or (the socket outlives
    any failure) that nothing was stored."""
    if isinstance(error, Refused):
        return server_frames.error(error)
    log.warning("could not act on a frame", exc_info=error)
    code, detail = ("unavailable", "The message could not be stored; send it again.")
    if not isinstance(error, DatabaseError):
        code, detail = ("server_error", "The server could not act on that frame.")
    return server_frames.error(Refused(code, detail, client_id))


def _too_big(text_data, bytes_data):
    if text_data is None:
        return len(bytes_data or b"") > MAX_FRAME_BYTES
    # A character is at most 4 bytes of UTF-8: only a long text needs encoding to know its size.
    return len(text_data) * 4 > MAX_FRAME_BYTES and len(text_data.encode("utf-8", "surrogatepass")) > MAX_FRAME_BYTES


def _resume_parameters(scope):
    """(after, since) from the handshake's query: at most one of them, each a stored id or seq."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    after, since = (_whole(query.get(name)) for name in ("after", "since"))
    if after is not None and since is not None:
        raise ValueError("both ?after= and ?since=")
    return after, since


def _whole(values):
    if not values:
        return None
    if not (values[-1].isascii() and values[-1].isdigit() and len(values[-1]) <= 19 and int(values[-1]) <= ID_MAX):
        raise ValueError(values[-1])
    return int(values[-1])


def _queue(user, command):
    """Checks and queues the change a frame asks for: the future of its Outcome (chat/changes.py)."""
    if isinstance(command, frames.Post):
        return posting.do_queue_post(user, command.message, command.client_id, command.reply_to)
    if isinstance(command, frames.Edit):
        return editing.do_queue_edit(user, command.id, command.message, command.rev, command.client_id)
    if isinstance(command, frames.Delete):
        return editing.do_queue_delete(user, command.id, command.client_id)
    if command.added:
        return editing.do_queue_react(user, command.id, command.emoji, command.client_id)
    return editing.do_queue_unreact(user, command.id, command.emoji, command.client_id)
