"""What docs/protocol.md promises for one client frame, written from the contract as a model.

The fuzz test compares every answer of a real server with this model. The model keeps the one piece
of state the contract makes visible to a single sender: which of its client_ids are stored, and the
room's last id (ids are consecutive, so the next new message gets last_id + 1).
"""

import json
import re
from dataclasses import dataclass

from chat.blank_text import is_blank

MAX_FRAME_BYTES = 64 * 1024  # uvicorn runs with --ws-max-size 65536; the consumer checks it too
MAX_LENGTH = 2000  # CHAT_MAX_LENGTH's default, announced in hello
CLIENT_ID_MAX = 64


@dataclass(frozen=True)
class Wire:
    """One WebSocket frame as it travels: a text frame's bytes need not be valid UTF-8."""

    binary: bool
    data: bytes


@dataclass(frozen=True)
class Closed:
    code: int


@dataclass(frozen=True)
class Error:
    code: str
    client_id: str | None


@dataclass(frozen=True)
class Pong:
    pass


@dataclass(frozen=True)
class Silent:
    """A typing notice: nothing goes back to its sender."""


@dataclass(frozen=True)
class Posted:
    message: str
    client_id: str | None


def answer_for(wire):
    """What the contract says the sender gets back: Closed, Error, Pong, Silent or Posted."""
    if len(wire.data) > MAX_FRAME_BYTES:
        return Closed(1009)
    if wire.binary:
        return Error("invalid_frame", None)
    try:
        text = wire.data.decode("utf-8")
    except UnicodeDecodeError:
        return Closed(1007)  # RFC 6455: a text frame must be UTF-8; the server fails the connection
    try:
        frame = json.loads(text)
    except (ValueError, RecursionError):
        return Error("invalid_json", None)
    if not isinstance(frame, dict):
        return Error("invalid_frame", None)
    kind = frame["type"] if "type" in frame else ("chat" if "message" in frame else None)
    if isinstance(kind, str) and kind == "ping":
        return Pong()
    if isinstance(kind, str) and kind == "typing":
        return Silent()
    client_id = frame.get("client_id")
    valid_client_id = client_id is None or (
        isinstance(client_id, str) and 1 <= len(client_id) <= CLIENT_ID_MAX and storable(client_id)
    )
    if not (isinstance(kind, str) and kind == "chat"):
        # Every frame may carry a client_id; the error about it carries it back when it is valid.
        return Error("invalid_frame", client_id if valid_client_id else None)
    if not valid_client_id:
        return Error("invalid_frame", None)
    message = frame.get("message")
    if not isinstance(message, str) or not storable(message):
        return Error("invalid_frame", client_id)
    if is_blank(message):  # the one definition of blank, shared by the server and the page
        return Error("empty_message", client_id)
    if len(message) > MAX_LENGTH:
        return Error("too_long", client_id)
    return Posted(message, client_id)


def storable(text):
    """No NUL and no unpaired surrogate: what a database can keep as text."""
    return "\x00" not in text and not any(0xD800 <= ord(c) <= 0xDFFF for c in text)


class SenderModel:
    """One sender's view of the room: the echo its next post should get, or the stored original."""

    def __init__(self, user, last_id=0, stored=None, last_seq=None):
        self.user = user
        self.last_id = last_id
        self.last_seq = last_id if last_seq is None else last_seq  # only posts: seq keeps pace with id
        self.stored = dict(stored or {})  # client_id -> the msg frame that answered it
        self.echoes = []  # every new msg, in id order

    def expect(self, posted):
        """(frame expected on the sender's socket, whether it is a new message for everyone)."""
        if posted.client_id is not None and posted.client_id in self.stored:
            return self.stored[posted.client_id], False
        self.last_id += 1
        self.last_seq += 1
        expected = {
            "type": "chat", "id": self.last_id, "user": self.user, "message": posted.message,
            "ts": ANY_TIMESTAMP, "client_id": posted.client_id, **new_message_fields(self.last_seq),
        }
        if posted.client_id is not None:
            self.stored[posted.client_id] = expected
        return expected, True

    def record(self, echo):
        """The echo that really came for an expected new message: repeats must equal it exactly."""
        self.echoes.append(echo)
        if echo["client_id"] is not None:
            self.stored[echo["client_id"]] = echo


def new_message_fields(seq):
    """What a `msg` just posted shows besides its text: the stream's fields, nothing changed yet."""
    return {"seq": seq, "rev": 0, "edited_at": None, "deleted": False, "reactions": [], "reply_to": None,
            "mentions": {"users": [], "here": False, "all": False}, "attachments": []}


class _AnyTimestamp:
    """Equal to a contract timestamp: UTC, milliseconds, 'Z'."""

    def __eq__(self, other):
        return isinstance(other, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", other) is not None

    def __repr__(self):
        return "<a UTC timestamp with milliseconds>"


ANY_TIMESTAMP = _AnyTimestamp()
