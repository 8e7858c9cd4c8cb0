"""Seq order is the room's order for every kind of change: eight writers mixing posts, edits,
deletes and reactions get consecutive seqs with no hole, the log holds them in that order, and every
socket sees all of them once, in seq order."""

import asyncio
import contextlib
import threading

import pytest
from channels.db import database_sync_to_async
from django.db import connection

from chat import changes, group_commit, history
from chat.models import Event, Message
from tests.stream_state import EVENT_TYPES

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("no_rate_limit")]

WRITERS, ROUNDS = 8, 6


def _mixed_changes(user, own_ids, other_ids, n):
    own, other = own_ids[n % len(own_ids)], other_ids[n % len(other_ids)]
    return [
        changes.PostChange(user, f"{user.username} {n}", None),
        changes.EditChange(user, own, f"{user.username} edit {n}", None, None),
        changes.ReactionChange(user, other, "👍", n % 2 == 0, None),
        changes.DeleteChange(user, own, None) if n == ROUNDS - 1 else changes.ReactionChange(user, own, "🎉", True, None),
    ]


def test_eight_writers_mixing_every_kind_of_change_get_consecutive_seqs_in_commit_order(make_user):
    writers = [make_user(f"writer{n}") for n in range(WRITERS)]
    first = {w.pk: [group_commit.store_messages([(w, f"{w.username} first", None)])[0][0].id] for w in writers}
    seqs, lock = [], threading.Lock()

    def write(index):
        user, other = writers[index], writers[(index + 1) % WRITERS]
        for n in range(ROUNDS):
            for change in _mixed_changes(user, first[user.pk], first[other.pk], n):
                result = group_commit.store_changes([change])[0]
                if getattr(result, "event", None) is not None:  # not refused (a deleted message), not unchanged
                    with lock:
                        seqs.append(result.event.seq)
        connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    expected = list(range(WRITERS + 1, WRITERS + len(seqs) + 1))
    assert sorted(seqs) == expected
    assert list(Event.objects.order_by("seq").values_list("seq", flat=True)) == list(range(1, expected[-1] + 1))
    assert history.newest_seq() == expected[-1]
    # Each message's events are in the order its changes were made: its chat first, its delete last.
    for message in Message.objects.filter(deleted=True):
        kinds = list(Event.objects.filter(message=message).order_by("seq").values_list("kind", flat=True))
        assert kinds[0] == "chat" and kinds[-1] == "delete" and kinds.count("delete") == 1


async def test_eight_sockets_changing_things_at_once_all_see_every_event_once_in_seq_order(make_user, joined_socket):
    people = [await database_sync_to_async(make_user)(f"person{n}") for n in range(WRITERS)]
    async with contextlib.AsyncExitStack() as stack:
        sockets = [await stack.enter_async_context(joined_socket(person)) for person in people]
        for n, sock in enumerate(sockets):
            await sock.post(f"first {n}", client_id=f"first-{n}")
        firsts = {}
        for sock in sockets:
            for frame in await sock.chats(WRITERS):
                firsts[frame["client_id"]] = frame["id"]

        async def change_things(n, sock):
            own, other = firsts[f"first-{n}"], firsts[f"first-{(n + 1) % WRITERS}"]
            for k in range(ROUNDS):
                await sock.post(f"{n}-{k}", client_id=f"p-{n}-{k}")
                await sock.send({"type": "edit", "id": own, "message": f"{n} edit {k}"})
                await sock.send({"type": "react" if k % 2 == 0 else "unreact", "id": other, "emoji": "👍"})
            await sock.send({"type": "delete", "id": own, "client_id": f"done-{n}"})

        async def read_all(sock):
            seen = []
            while True:
                frame = await sock.receive(timeout=20)
                if frame["type"] in EVENT_TYPES:
                    seen.append(frame)
                if sum(1 for f in seen if f["type"] == "delete") == WRITERS:
                    return seen

        readers = [asyncio.ensure_future(read_all(sock)) for sock in sockets]
        await asyncio.gather(*(change_things(n, sock) for n, sock in enumerate(sockets)))
        seen = await asyncio.gather(*readers)
    newest = await database_sync_to_async(history.newest_seq)()
    for frames in seen:
        assert [f["seq"] for f in frames] == list(range(WRITERS + 1, newest + 1)), "all, once, in seq order"
        assert frames == seen[0]
    assert {f["type"] for f in seen[0]} == EVENT_TYPES
