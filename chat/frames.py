"""What a client may send on the socket, parsed into commands; anything else is Refused."""

import json
from dataclasses import dataclass

from chat.refusal import Refused

CLIENT_ID_MAX = 64


@dataclass(frozen=True)
class Post:
    message: str
    client_id: str | None


@dataclass(frozen=True)
class Typing:
    pass


@dataclass(frozen=True)
class Ping:
    pass


def parse(text):
    try:
        frame = json.loads(text)
    except (ValueError, RecursionError):
        # ValueError covers bad JSON and integers too long to convert; RecursionError deep nesting.
        raise Refused("invalid_json", "The frame is not valid JSON.") from None
    if not isinstance(frame, dict):
        raise Refused("invalid_frame", "A frame must be a JSON object.")
    kind = frame.get("type", "chat" if "message" in frame else None)
    if kind == "chat":
        return _post(frame)
    if kind == "typing":
        return Typing()
    if kind == "ping":
        return Ping()
    raise Refused("invalid_frame", 'Unknown frame: "type" must be "chat", "typing" or "ping".')


def _post(frame):
    client_id = frame.get("client_id")
    if client_id is not None and not (isinstance(client_id, str) and 0 < len(client_id) <= CLIENT_ID_MAX):
        raise Refused("invalid_frame", f'"client_id" must be a string of 1 to {CLIENT_ID_MAX} characters.')
    if client_id is not None and not _storable(client_id):
        raise Refused("invalid_frame", '"client_id" contains characters that cannot be stored.')
    message = frame.get("message")
    if not isinstance(message, str):
        raise Refused("invalid_frame", '"message" must be a string.', client_id)
    if not _storable(message):
        raise Refused("invalid_frame", '"message" contains a NUL or an unpaired surrogate.', client_id)
    return Post(message, client_id)


def _storable(value):
    # JSON can carry "\u0000" and lone surrogates; no database stores them as text.
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True

