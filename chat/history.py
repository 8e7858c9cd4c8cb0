"""Reading the room: messages by id (keyset pages, catch-up, the replay of ?after=), events by seq
(the replay of ?since=, /api/events/, the feed's hole filling), each read in one snapshot when it
must agree with the room's counters. Messages come in their current state, events as they were
live (chat/server_frames.py), loaded in a fixed number of queries (chat/message_state.py)."""

from contextlib import contextmanager
from typing import NamedTuple

from django.db import connection, transaction

from chat import message_state
from chat.models import MAIN_ROOM, EditVersion, Event, Message, Room


class Page(NamedTuple):
    messages: list  # oldest first
    has_more: bool


@contextmanager
def snapshot():
    """Reads that see one moment of the room: nothing committed between them shows in one but not
    another (PostgreSQL: a repeatable-read transaction; SQLite: a transaction is one already)."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:  # only a transaction's first statement may set it
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def _messages():
    return Message.objects.select_related("author", "reply_to__author")


def _loaded(rows):
    return message_state.load(rows)


def newest(limit):
    return before(None, limit)


def before(message_id, limit):
    """The `limit` messages older than message_id (or the newest ones); has_more: older exist."""
    query = _messages().order_by("-id")
    if message_id is not None:
        query = query.filter(id__lt=message_id)
    rows = list(query[: limit + 1])
    return Page(_loaded(rows[:limit][::-1]), len(rows) > limit)


def after(message_id, limit):
    """The `limit` messages newer than message_id; has_more: newer ones exist beyond them."""
    rows = list(_messages().filter(id__gt=message_id).order_by("id")[: limit + 1])
    return Page(_loaded(rows[:limit]), len(rows) > limit)


def one(message_id):
    """(message, its earlier versions oldest first), or None."""
    message = _messages().filter(id=message_id).first()
    if message is None:
        return None
    return _loaded([message])[0], list(EditVersion.objects.filter(message=message).order_by("id"))


def replay(after_id, cap):
    """What a socket resuming ?after=after_id is owed: (messages, first_id) where first_id is set
    when more than `cap` are owed and only the newest `cap` are returned."""
    rows = list(_messages().filter(id__gt=after_id).order_by("-id")[: cap + 1])
    if len(rows) > cap:
        rows = rows[:cap][::-1]
        return _loaded(rows), rows[0].id if rows else None
    return _loaded(rows[::-1]), None


def _events():
    return Event.objects.select_related("message__author", "message__reply_to__author", "user")


def _frames_ready(events):
    message_state.load(list({e.message_id: e.message for e in events}.values()), reactions=False)
    return events


def events_after(seq, limit):
    """The `limit` events with seq > seq, oldest first, and whether more follow."""
    rows = list(_events().filter(seq__gt=seq).order_by("seq")[: limit + 1])
    return _frames_ready(rows[:limit]), len(rows) > limit


def events_between(after_seq, before_seq):
    """Every event with after_seq < seq < before_seq, oldest first (the feed fills seq holes with it)."""
    return _frames_ready(list(_events().filter(seq__gt=after_seq, seq__lt=before_seq).order_by("seq")))


def replay_events(since, cap):
    """What a socket resuming ?since=since is owed: (events, first_seq) where first_seq is set when
    more than `cap` are owed and only the newest `cap` are returned."""
    rows = list(_events().filter(seq__gt=since).order_by("-seq")[: cap + 1])
    if len(rows) > cap:
        rows = rows[:cap][::-1]
        return _frames_ready(rows), rows[0].seq if rows else None
    return _frames_ready(rows[::-1]), None


def newest_id():
    return Room.objects.filter(name=MAIN_ROOM).values_list("last_message_id", flat=True).first() or 0


def newest_seq():
    return Room.objects.filter(name=MAIN_ROOM).values_list("last_seq", flat=True).first() or 0


def counters():
    """(newest message id, newest seq) in one read."""
    row = Room.objects.filter(name=MAIN_ROOM).values_list("last_message_id", "last_seq").first()
    return row or (0, 0)
