"""export_room and import_room: the room leaves as JSON Lines and comes back exactly as it was."""

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from chat.models import MAIN_ROOM, Message, Room
from chat.posting import store_message

BODIES = ["plain", "日本語のメッセージ 🎉", 'quotes " and \\ backslash', "two\nlines", "<b>not html</b>", "x" * 2000]


def fill_room(count, authors):
    start = datetime(2026, 1, 1, tzinfo=UTC)
    Message.objects.bulk_create(
        (
            Message(id=i, author=authors[i % len(authors)], body=f"{BODIES[i % len(BODIES)]} {i}",
                    created_at=start + timedelta(seconds=i, microseconds=i % 1000),
                    client_id=f"c-{i}" if i % 3 else None)
            for i in range(1, count + 1)
        ),
        batch_size=5000,
    )
    Room.objects.update_or_create(name=MAIN_ROOM, defaults={"last_message_id": count})


def export_text():
    out = io.StringIO()
    call_command("export_room", stdout=out)
    return out.getvalue()


def empty_the_database():
    Message.objects.all().delete()
    get_user_model().objects.all().delete()
    Room.objects.update_or_create(name=MAIN_ROOM, defaults={"last_message_id": 0})


LARGE_ROOM = 20_000  # four of the archive's batches each way


def test_a_large_room_comes_back_identical_in_an_empty_database(make_user, tmp_path):
    fill_room(LARGE_ROOM, [make_user("alice"), make_user("ボブ"), make_user("carol")])
    archive = tmp_path / "room.jsonl"
    call_command("export_room", str(archive))
    empty_the_database()

    call_command("import_room", str(archive), stdout=io.StringIO())

    again, before = export_text().splitlines(), archive.read_text(encoding="utf-8").splitlines()
    assert len(again) == len(before) == LARGE_ROOM + 2
    assert [(n, line) for n, (line, was) in enumerate(zip(again, before)) if line != was] == []
    assert Room.objects.get(name=MAIN_ROOM).last_message_id == LARGE_ROOM
    new, created = store_message(get_user_model().objects.get(username="alice"), "after the import", None)
    assert created and new.id == LARGE_ROOM + 1


def test_the_archive_is_a_header_every_message_in_its_current_state_and_a_count(make_user):
    alice = make_user("alice")
    store_message(alice, "first", "c1")
    store_message(alice, "second", None)
    Message.objects.filter(body="second").update(body="second, as it is now")

    lines = [json.loads(line) for line in export_text().splitlines()]

    assert lines[0] == {"format": "kc3chat-room", "version": 2, "room": "main", "messages": 2}
    assert [(m["id"], m["user"], m["message"], m["client_id"]) for m in lines[1:3]] == [
        (1, "alice", "first", "c1"), (2, "alice", "second, as it is now", None)]
    assert lines[3] == {"end": 2}


def test_edits_deletes_replies_and_reactions_come_back_and_the_stream_starts_again(make_user, tmp_path):
    from asgiref.sync import async_to_sync

    from chat import editing
    from chat.posting import do_post_message

    alice, bob = make_user("alice"), make_user("bob")
    first, _ = async_to_sync(do_post_message)(alice, "first")
    async_to_sync(editing.do_edit)(alice, first.id, "first, edited")
    async_to_sync(do_post_message)(bob, "a reply", reply_to=first.id)
    gone, _ = async_to_sync(do_post_message)(bob, "taken back")
    async_to_sync(editing.do_delete)(bob, gone.id)
    for user, emoji in ((bob, "👍"), (alice, "🎉"), (alice, "👍")):
        async_to_sync(editing.do_react)(user, first.id, emoji)
    archive = tmp_path / "room.jsonl"
    call_command("export_room", str(archive))
    before = archive.read_text(encoding="utf-8")
    empty_the_database()

    call_command("import_room", str(archive), stdout=io.StringIO())

    assert export_text() == before
    line = json.loads(before.splitlines()[1])
    assert (line["rev"], line["reactions"]) == (1, [{"emoji": "👍", "users": ["bob", "alice"]},
                                                    {"emoji": "🎉", "users": ["alice"]}])
    assert [v["message"] for v in line["versions"]] == ["first"]
    assert json.loads(before.splitlines()[2])["reply_to"] == first.id
    assert (json.loads(before.splitlines()[3])["deleted"], json.loads(before.splitlines()[3])["message"]) == (True, "")
    room = Room.objects.get(name=MAIN_ROOM)
    assert (room.last_message_id, room.last_seq) == (3, 3)


def test_a_version_1_archive_is_still_read(make_user, tmp_path):
    archive = tmp_path / "room.jsonl"
    archive.write_text('{"format":"kc3chat-room","version":1,"room":"main","messages":1}\n'
                       '{"id":7,"user":"dora","message":"old","ts":"2026-01-01T00:00:00.000000Z","client_id":null}\n'
                       '{"end":1}\n', encoding="utf-8")
    call_command("import_room", str(archive), stdout=io.StringIO())
    message = Message.objects.get()
    assert (message.id, message.body, message.rev, message.deleted, message.seq) == (7, "old", 0, False, 1)


def test_an_author_missing_from_the_target_comes_back_unable_to_sign_in(make_user, tmp_path):
    store_message(make_user("alice"), "hello", None)
    archive = tmp_path / "room.jsonl"
    call_command("export_room", str(archive))
    empty_the_database()

    call_command("import_room", str(archive), stdout=io.StringIO())

    alice = get_user_model().objects.get(username="alice")
    assert not alice.has_usable_password()
    assert Message.objects.get().author == alice


def test_import_refuses_a_room_that_already_has_messages(make_user, tmp_path):
    store_message(make_user("alice"), "hello", None)
    archive = tmp_path / "room.jsonl"
    call_command("export_room", str(archive))

    with pytest.raises(CommandError, match="already has messages"):
        call_command("import_room", str(archive))
    assert Message.objects.count() == 1


def test_a_file_cut_short_stores_nothing(make_user, tmp_path):
    fill_room(12_000, [make_user("alice")])
    archive = tmp_path / "room.jsonl"
    call_command("export_room", str(archive))
    lines = archive.read_text(encoding="utf-8").splitlines()
    archive.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")  # lose the last line
    empty_the_database()

    with pytest.raises(CommandError, match="cut short"):
        call_command("import_room", str(archive))
    assert Message.objects.count() == 0
    assert Room.objects.get(name=MAIN_ROOM).last_message_id == 0


@pytest.mark.parametrize("first_line", ["", "not json", '{"format": "something else"}',
                                        '{"format": "kc3chat-room", "version": 99, "messages": 0}'])
def test_a_file_that_is_not_a_room_archive_is_refused_clearly(transactional_db, tmp_path, first_line):
    archive = tmp_path / "room.jsonl"
    archive.write_text(first_line + "\n", encoding="utf-8")
    with pytest.raises(CommandError, match="not a kc3chat room archive|version"):
        call_command("import_room", str(archive))


def test_progress_is_shown_on_a_terminal_and_not_in_a_log(make_user):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    fill_room(6_000, [make_user("alice")])
    terminal, log = Terminal(), io.StringIO()
    call_command("export_room", stdout=io.StringIO(), stderr=terminal)
    call_command("export_room", stdout=io.StringIO(), stderr=log)

    assert "exported 6,000 of 6,000 messages (100%)" in terminal.getvalue()
    assert log.getvalue() == ""
