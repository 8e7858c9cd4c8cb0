"""The room as a file of its own: one JSON object per line, a header, every message oldest first in
its current state, and a last line with the count (a file without it was cut short). What `export_room` writes, `import_room` reads back into an empty
database, with the same ids, authors, times and client_ids.

Authors travel by user name. An author missing from the target database is created without a usable
password (nobody can sign in as them until staff set one), so the history reads as it did.
"""

import json
from datetime import UTC, datetime

from django.contrib.auth import get_user_model
from django.db import transaction

from chat.models import MAIN_ROOM, Message, Room

FORMAT = "kc3chat-room"
VERSION = 1
BATCH = 5000


class ArchiveError(Exception):
    """The file is not a room archive this version can read, or the target is not empty."""


def export_lines(on_progress=lambda done, total: None):
    """Yields the archive's lines (without newlines)."""
    # Ids are committed in order, so the messages up to the newest id now are a consistent room,
    # whatever is posted while the export runs (and no long transaction holds back posting).
    newest = Room.objects.filter(name=MAIN_ROOM).values_list("last_message_id", flat=True).first() or 0
    messages = Message.objects.filter(id__lte=newest).order_by("id")
    total = messages.count()  # for progress: a message deleted meanwhile is simply not written
    yield _encode({"format": FORMAT, "version": VERSION, "room": MAIN_ROOM, "messages": total})
    rows = messages.values_list("id", "author__username", "body", "created_at", "client_id")
    done = 0
    for message_id, user, body, created_at, client_id in rows.iterator(chunk_size=BATCH):
        yield _encode({"id": message_id, "user": user, "message": body, "ts": _timestamp(created_at),
                       "client_id": client_id})
        done += 1
        if done % BATCH == 0:
            on_progress(done, total)
    on_progress(done, total)
    yield _encode({"end": done})


def import_lines(lines, on_progress=lambda done, total: None):
    """Stores every message of an archive into a room with no messages; returns how many. All or nothing."""
    lines = iter(lines)
    header = _header(next(lines, ""))
    total = header["messages"]
    with transaction.atomic():
        room, _ = Room.objects.select_for_update().get_or_create(name=MAIN_ROOM)
        if room.last_message_id or Message.objects.exists():
            raise ArchiveError("The room already has messages: import only into an empty database.")
        authors, batch, done, last_id, end = {}, [], 0, 0, None
        for number, line in enumerate(lines, 2):
            if not line.strip():
                continue
            if end is not None:
                raise ArchiveError(f"Line {number}: nothing may follow the last line.")
            if line.startswith('{"end":'):
                end = _end(line, number)
                continue
            message = _message(line, number, authors, last_id)
            last_id = message.id
            batch.append(message)
            if len(batch) == BATCH:
                done = _store(batch, done, total, on_progress)
        done = _store(batch, done, total, on_progress)
        if end is None:
            raise ArchiveError(f"The file ends after {done} messages without its last line: it was cut short.")
        if end != done:
            raise ArchiveError(f"The file holds {done} messages, its last line says {end}.")
        room.last_message_id = last_id
        room.save(update_fields=["last_message_id"])
    return done


def _store(batch, done, total, on_progress):
    Message.objects.bulk_create(batch)
    done += len(batch)
    batch.clear()
    on_progress(done, total)
    return done


def _header(line):
    try:
        header = json.loads(line)
    except ValueError:
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ArchiveError("This is not a kc3chat room archive (its first line is not the header).")
    if header.get("version") != VERSION:
        raise ArchiveError(f"Archive version {header.get('version')!r}: this kc3chat reads version {VERSION}.")
    if not isinstance(header.get("messages"), int):
        raise ArchiveError("The header does not say how many messages follow.")
    return header


def _end(line, number):
    try:
        return int(json.loads(line)["end"])
    except (ValueError, KeyError, TypeError):
        raise ArchiveError(f"Line {number}: not a valid last line.") from None


def _message(line, number, authors, last_id):
    try:
        row = json.loads(line)
        message_id, user, body, ts, client_id = (row[key] for key in ("id", "user", "message", "ts", "client_id"))
        created_at = datetime.fromisoformat(ts.replace("Z", "+00:00"))
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ArchiveError(f"Line {number}: not a message ({error}).") from None
    if not (isinstance(message_id, int) and message_id > last_id and isinstance(user, str) and isinstance(body, str)):
        raise ArchiveError(f"Line {number}: ids must increase and name a user and a text.")
    if user not in authors:
        authors[user] = _author(user)
    return Message(id=message_id, author=authors[user], body=body, created_at=created_at, client_id=client_id)


def _author(username):
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username)
        user.set_unusable_password()
        user.save()
    return user


def _timestamp(moment):
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _encode(row):
    return json.dumps(row, ensure_ascii=False, separators=(",", ":"))
