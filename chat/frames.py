"""What a client may send on the socket, parsed into commands; anything else is Refused."""

import json
from dataclasses import dataclass

import emoji as emoji_data

from chat.refusal import Refused

CLIENT_ID_MAX = 64
ID_MAX = 2**63 - 1
EMOJI_MAX = 64  # characters: the longest ZWJ sequence is far shorter


@dataclass(frozen=True)
class Post:
    message: str
    client_id: str | None
    reply_to: int | None = None


@dataclass(frozen=True)
class Edit:
    id: int
    message: str
    rev: int | None
    client_id: str | None


@dataclass(frozen=True)
class Delete:
    id: int
    client_id: str | None


@dataclass(frozen=True)
class React:
    id: int
    emoji: str
    added: bool  # react: True, unreact: False
    client_id: str | None


@dataclass(frozen=True)
class Typing:
    pass


@dataclass(frozen=True)
class Ping:
    pass


KINDS = '"chat", "edit", "delete", "react", "unreact", "typing" or "ping"'


def parse(text):
    try:
        frame = json.loads(text)
    except (ValueError, RecursionError):
        # ValueError covers bad JSON and integers too long to convert; RecursionError deep nesting.
        raise Refused("invalid_json", "The frame is not valid JSON.") from None
    if not isinstance(frame, dict):
        raise Refused("invalid_frame", "A frame must be a JSON object.")
    kind = frame.get("type", "chat" if "message" in frame else None)
    if kind == "typing":
        return Typing()
    if kind == "ping":
        return Ping()
    if kind not in ("chat", "edit", "delete", "react", "unreact"):
        raise Refused("invalid_frame", f'Unknown frame: "type" must be {KINDS}.', _client_id_or_none(frame))
    client_id = _client_id(frame)
    if kind == "chat":
        return Post(_text(frame, client_id), client_id, _id(frame, "reply_to", client_id, required=False))
    if kind == "edit":
        rev = frame.get("rev")
        if rev is not None and not _whole(rev, 0):
            raise Refused("invalid_frame", '"rev" must be a whole number from 0.', client_id)
        return Edit(_id(frame, "id", client_id), _text(frame, client_id), rev, client_id)
    if kind == "delete":
        return Delete(_id(frame, "id", client_id), client_id)
    return React(_id(frame, "id", client_id), _emoji(frame, client_id), kind == "react", client_id)


def _client_id_or_none(frame):
    try:
        return _client_id(frame)
    except Refused:
        return None


def _client_id(frame):
    client_id = frame.get("client_id")
    if client_id is not None and not (isinstance(client_id, str) and 0 < len(client_id) <= CLIENT_ID_MAX):
        raise Refused("invalid_frame", f'"client_id" must be a string of 1 to {CLIENT_ID_MAX} characters.')
    if client_id is not None and not _storable(client_id):
        raise Refused("invalid_frame", '"client_id" contains characters that cannot be stored.')
    return client_id


def _text(frame, client_id):
    message = frame.get("message")
    if not isinstance(message, str):
        raise Refused("invalid_frame", '"message" must be a string.', client_id)
    if not _storable(message):
        raise Refused("invalid_frame", '"message" contains a NUL or an unpaired surrogate.', client_id)
    return message


def _id(frame, name, client_id, required=True):
    value = frame.get(name)
    if value is None and not required:
        return None
    if not _whole(value, 1):
        raise Refused("invalid_frame", f'"{name}" must be a message id (a whole number from 1).', client_id)
    return value


def _whole(value, least):
    # bool is an int in Python, never an id on the wire.
    return isinstance(value, int) and not isinstance(value, bool) and least <= value <= ID_MAX


def _emoji(frame, client_id):
    value = frame.get("emoji")
    if not (isinstance(value, str) and 0 < len(value) <= EMOJI_MAX and emoji_data.is_emoji(value)):
        raise Refused("invalid_frame", '"emoji" must be one emoji.', client_id)
    return value


def _storable(value):
    # JSON can carry "\u0000" and lone surrogates; no database stores them as text.
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
