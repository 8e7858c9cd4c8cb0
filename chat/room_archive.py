"""The room as a file of its own: one JSON object per line, a header, every message oldest first in
its current state, and a last line with the count (a file without it was cut short). What `export_room` writes, `import_room` reads back into an empty
database, with the same ids, authors, times and client_ids, and (version 2) each message's rev,
edit time, deletion, reply, reactions and earlier versions.

What it does not carry is the event log: an imported room starts its seqs again, one chat event per
message (its text as it is now), so clients resume it by ?since= from its last_seq, not from a seq
of the old database. Version 1 files (before edits and reactions) are still read.

Authors travel by user name. An author missing from the target database is created without a usable
password (nobody can sign in as them until staff set one), so the history reads as it did.
"""

import json
from datetime import UTC, datetime

from django.contrib.auth import get_user_model
from django.db import transaction

from chat.bulk_insert import bulk_insert
from chat.models import MAIN_ROOM, EditVersion, Event, Message, Reaction, Room

FORMAT = "kc3chat-room"
VERSION = 2
READABLE = (1, 2)
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
    done, last = 0, 0
    while True:
        # Keyset chunks: each costs three queries (messages, reactions, versions), never one per message.
        chunk = list(messages.filter(id__gt=last).values_list(
            "id", "author__username", "body", "created_at", "client_id", "rev", "edited_at", "deleted", "reply_to_id"
        )[:BATCH])
        if not chunk:
            break
        ids = [row[0] for row in chunk]
        reactions, versions = _reactions_of(ids), _versions_of(ids)
        for message_id, user, body, created_at, client_id, rev, edited_at, deleted, reply_to in chunk:
            yield _encode({"id": message_id, "user": user, "message": body, "ts": _timestamp(created_at),
                           "client_id": client_id, "rev": rev, "edited_at": _timestamp(edited_at) if edited_at else None,
                           "deleted": deleted, "reply_to": reply_to, "reactions": reactions.get(message_id, []),
                           "versions": versions.get(message_id, [])})
        done += len(chunk)
        last = ids[-1]
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
        authors, batch, done, last_id, end, seen = {}, [], 0, 0, None, set()
        for number, line in enumerate(lines, 2):
            if not line.strip():
                continue
            if end is not None:
                raise ArchiveError(f"Line {number}: nothing may follow the last line.")
            if line.startswith('{"end":'):
                end = _end(line, number)
                continue
            message = _message(line, number, authors, last_id, seen)
            last_id = message[0].id
            seen.add(last_id)
            batch.append(message)
            if len(batch) == BATCH:
                done = _store(batch, done, total, on_progress)
        done = _store(batch, done, total, on_progress)
        if end is None:
            raise ArchiveError(f"The file ends after {done} messages without its last line: it was cut short.")
        if end != done:
            raise ArchiveError(f"The file holds {done} messages, its last line says {end}.")
        room.last_message_id, room.last_seq = last_id, done  # one chat event per message, seqs 1..done
        room.save(update_fields=["last_message_id", "last_seq"])
    return done


def _store(batch, done, total, on_progress):
    messages = [message for message, _, _ in batch]
    bulk_insert(Message, messages)
    bulk_insert(Event, (Event(seq=m.seq, kind=Event.CHAT, message=m, user=m.author, text=m.body, at=m.created_at,
                              client_id=m.client_id) for m in messages))
    bulk_insert(Reaction, (reaction for _, reactions, _ in batch for reaction in reactions))
    bulk_insert(EditVersion, (version for _, _, versions in batch for version in versions))
    done += len(batch)
    batch.clear()
    on_progress(done, total)
    return done


def _reactions_of(ids):
    found = {}
    rows = Reaction.objects.filter(message_id__in=ids).order_by("rank", "id")
    for message_id, emoji, name in rows.values_list("message_id", "emoji", "user__username"):
        entries = found.setdefault(message_id, [])
        if not entries or entries[-1]["emoji"] != emoji:
            entries.append({"emoji": emoji, "users": []})
        entries[-1]["users"].append(name)
    return found


def _versions_of(ids):
    found = {}
    for message_id, text, at in EditVersion.objects.filter(message_id__in=ids).order_by("id").values_list(
            "message_id", "text", "written_at"):
        found.setdefault(message_id, []).append({"message": text, "at": _timestamp(at)})
    return found


def _header(line):
    try:
        header = json.loads(line)
    except ValueError:
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ArchiveError("This is not a kc3chat room archive (its first line is not the header).")
    if header.get("version") not in READABLE:
        raise ArchiveError(f"Archive version {header.get('version')!r}: this kc3chat reads version {VERSION}.")
    if not isinstance(header.get("messages"), int):
        raise ArchiveError("The header does not say how many messages follow.")
    return header


def _end(line, number):
    try:
        return int(json.loads(line)["end"])
    except (ValueError, KeyError, TypeError):
        raise ArchiveError(f"Line {number}: not a valid last line.") from None


def _message(line, number, authors, last_id, seen):
    """(Message, [Reaction], [EditVersion]) of one line."""
    try:
        row = json.loads(line)
        message_id, user, body, ts, client_id = (row[key] for key in ("id", "user", "message", "ts", "client_id"))
        created_at = _moment(ts)
        edited_at = _moment(row["edited_at"]) if row.get("edited_at") else None
        rev, deleted, reply_to = row.get("rev", 0), row.get("deleted", False), row.get("reply_to")
        reactions = [(r["emoji"], list(r["users"])) for r in row.get("reactions", [])]
        versions = [(v["message"], _moment(v["at"])) for v in row.get("versions", [])]
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ArchiveError(f"Line {number}: not a message ({error}).") from None
    if not (isinstance(message_id, int) and message_id > last_id and isinstance(user, str) and isinstance(body, str)):
        raise ArchiveError(f"Line {number}: ids must increase and name a user and a text.")
    if reply_to is not None and reply_to not in seen:
        raise ArchiveError(f"Line {number}: it replies to message {reply_to}, which is not before it in the file.")
    if not (isinstance(rev, int) and isinstance(deleted, bool)):
        raise ArchiveError(f"Line {number}: rev must be a number and deleted true or false.")
    for name in {user, *(name for _, names in reactions for name in names)}:
        if name not in authors:
            authors[name] = _author(name)
    message = Message(id=message_id, author=authors[user], body=body, created_at=created_at, client_id=client_id,
                      seq=len(seen) + 1, rev=rev, edited_at=edited_at, deleted=deleted, reply_to_id=reply_to)
    stored_reactions = [Reaction(message=message, user=authors[name], emoji=emoji, rank=rank)
                        for rank, (emoji, names) in enumerate(reactions) for name in names]
    stored_versions = [EditVersion(message=message, text=text, written_at=at) for text, at in versions]
    return message, stored_reactions, stored_versions


def _moment(ts):
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


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
