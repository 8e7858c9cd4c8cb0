"""Reading the room's messages by id: keyset pages, catch-up and the replay of a resuming socket."""

from typing import NamedTuple

from django.contrib.auth import get_user_model

from chat.models import MAIN_ROOM, Message, Room


class Page(NamedTuple):
    messages: list  # oldest first
    has_more: bool


# The author's display name is read with the message, in the same query (server_frames.display_name).
AUTHOR = ("author", "author__profile")


def _messages():
    return Message.objects.select_related(*AUTHOR)


def with_current_authors(messages):
    """The messages, each with its author read again (one query for all): a socket's user object
    keeps the display name it had when the socket opened."""
    authors = get_user_model()._default_manager.select_related("profile").in_bulk({m.author_id for m in messages})
    for message in messages:
        message.author = authors.get(message.author_id, message.author)
    return messages


def newest(limit):
    return before(None, limit)


def before(message_id, limit):
    """The `limit` messages older than message_id (or the newest ones); has_more: older exist."""
    query = _messages().order_by("-id")
    if message_id is not None:
        query = query.filter(id__lt=message_id)
    rows = list(query[: limit + 1])
    return Page(rows[:limit][::-1], len(rows) > limit)


def after(message_id, limit):
    """The `limit` messages newer than message_id; has_more: newer ones exist beyond them."""
    rows = list(_messages().filter(id__gt=message_id).order_by("id")[: limit + 1])
    return Page(rows[:limit], len(rows) > limit)


def between(after_id, before_id):
    """Every message with after_id < id < before_id, oldest first (the feed fills id gaps with it)."""
    return list(_messages().filter(id__gt=after_id, id__lt=before_id).order_by("id"))


def replay(after_id, cap):
    """What a socket resuming ?after=after_id is owed: (messages, first_id) where first_id is set
    when more than `cap` are owed and only the newest `cap` are returned."""
    rows = list(_messages().filter(id__gt=after_id).order_by("-id")[: cap + 1])
    if len(rows) > cap:
        rows = rows[:cap][::-1]
        return rows, rows[0].id if rows else None
    return rows[::-1], None


def newest_id():
    return Room.objects.filter(name=MAIN_ROOM).values_list("last_message_id", flat=True).first() or 0
