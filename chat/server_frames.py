"""Every frame a client can receive, built here and nowhere else (docs/protocol.md): the models and
the domain know nothing of the wire. What a client may send is parsed in chat/frames.py.

A `msg` shows what chat/message_state.py attached to the message (its reactions, the fields other
apps contribute); a message it did not load shows none."""

import json
from datetime import UTC

from chat.excerpt import excerpt

# The fields chat/ defines for other apps to fill (chat/hooks.py: message_fields).
CONTRIBUTED_DEFAULTS = {"mentions": lambda: {"users": [], "here": False, "all": False}, "attachments": list}


def encode(frame):
    """A server frame as the text sent on the wire: compact, and UTF-8 rather than \\u escapes."""
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


def timestamp(moment):
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def message(message):
    """The contract's `msg` object, in the message's current state: a chat frame, and an item of
    /api/messages/."""
    frame = {
        "type": "chat",
        "id": message.id,
        "user": message.author.get_username(),
        "message": "" if message.deleted else message.body,
        "ts": timestamp(message.created_at),
        "client_id": message.client_id,
        "seq": message.seq,
        "rev": message.rev,
        "edited_at": timestamp(message.edited_at) if message.edited_at else None,
        "deleted": message.deleted,
        "reactions": [{"emoji": emoji, "users": users} for emoji, users in getattr(message, "reaction_list", [])],
        "reply_to": _reply_to(message, None),
    }
    frame.update(_contributed(message))
    return frame


def message_with_versions(current, versions):
    """GET /api/messages/ID/: the msg and its earlier texts, oldest first."""
    return {**message(current), "versions": [{"message": v.text, "at": timestamp(v.written_at)} for v in versions]}


def event(row):
    """An Event (chat/models.py) as the frame it was live; the text of a message deleted since is
    gone ("deleted": true, "message": "")."""
    target = row.message
    if row.kind == "chat":
        frame = message(target)
        frame.update(seq=row.seq, rev=0, edited_at=None, reactions=[], reply_to=_reply_to(target, row.excerpt))
        frame["message"] = "" if target.deleted else row.text
        return frame
    if row.kind == "edit":
        return {"type": "edit", "seq": row.seq, "id": target.id, "message": "" if target.deleted else row.text,
                "rev": row.rev, "edited_at": timestamp(row.at), "deleted": target.deleted,
                "mentions": _contributed(target)["mentions"], "client_id": row.client_id}
    if row.kind == "delete":
        return {"type": "delete", "seq": row.seq, "id": target.id, "client_id": row.client_id}
    return {"type": "reaction", "seq": row.seq, "id": target.id, "emoji": row.emoji,
            "user": row.user.get_username(), "added": row.added, "client_id": row.client_id}


def unchanged(client_id, current):
    """To the sender alone: the frame would have changed nothing; the message as it is."""
    return {"type": "unchanged", "client_id": client_id, "msg": message(current)}


def _reply_to(message, excerpt_then):
    if message.reply_to_id is None:
        return None
    original = message.reply_to
    if original.deleted:
        return {"id": original.id, "deleted": True}
    text = excerpt(original.body) if excerpt_then is None else excerpt_then
    return {"id": original.id, "user": original.author.get_username(), "excerpt": text}


def _contributed(message):
    given = getattr(message, "contributed", {})
    return {name: given[name] if name in given else default() for name, default in CONTRIBUTED_DEFAULTS.items()} | {
        name: value for name, value in given.items() if name not in CONTRIBUTED_DEFAULTS
    }


def error(refusal):
    """A Refused (chat/refusal.py) as the contract's `error` frame."""
    frame = {"type": "error", "code": refusal.code, "detail": refusal.detail, "client_id": refusal.client_id}
    if refusal.retry_after is not None:
        frame["retry_after"] = refusal.retry_after
    return frame


def hello(user, last_id, last_seq, max_length):
    return {"type": "hello", "user": user, "last_id": last_id, "last_seq": last_seq, "max_length": max_length}


def presence(users):
    return {"type": "presence", "users": users}


def typing(user):
    return {"type": "typing", "user": user}


def gap(after, first):
    """?after= resume past the replay cap: messages from `first` follow."""
    return {"type": "gap", "after": after, "first": first}


def gap_since(since, first):
    """?since= resume past the replay cap: events from seq `first` follow."""
    return {"type": "gap", "since": since, "first": first}


def pong():
    return {"type": "pong"}
