"""Every frame a client can receive, built here and nowhere else (docs/protocol.md): the models and
the domain know nothing of the wire. What a client may send is parsed in chat/frames.py."""

import json
from datetime import UTC

from accounts.models import shown_name


def encode(frame):
    """A server frame as the text sent on the wire: compact, and UTF-8 rather than \\u escapes."""
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


def message(message):
    """The contract's `msg` object: a chat frame, and an item of /api/messages/."""
    return {
        "type": "chat",
        "id": message.id,
        "user": message.author.get_username(),
        "display_name": shown_name(message.author),  # its profile selected with it: history.AUTHOR
        "message": message.body,
        "ts": message.created_at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "client_id": message.client_id,
    }


def person(username, display_name):
    """A display name changed: live only, to every open page."""
    return {"type": "person", "user": username, "display_name": display_name}


def error(refusal):
    """A Refused (chat/refusal.py) as the contract's `error` frame."""
    frame = {"type": "error", "code": refusal.code, "detail": refusal.detail, "client_id": refusal.client_id}
    if refusal.retry_after is not None:
        frame["retry_after"] = refusal.retry_after
    return frame


def hello(user, last_id, max_length):
    return {"type": "hello", "user": user, "last_id": last_id, "max_length": max_length}


def presence(users):
    return {"type": "presence", "users": users}


def typing(user):
    return {"type": "typing", "user": user}


def gap(after, first):
    return {"type": "gap", "after": after, "first": first}


def pong():
    return {"type": "pong"}
