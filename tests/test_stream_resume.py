"""?since= resume: a client that was away gets every change it missed, once, in seq order, even of
messages older than anything it missed, while others keep changing things; it then holds exactly
the server's state. ?after= keeps working for clients that know only messages."""

import asyncio
import itertools

import pytest
from channels.db import database_sync_to_async

from chat import editing
from chat.posting import do_post_message
from tests.stream_state import ClientRoom, server_state

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("no_rate_limit")]


async def _users(make_user, *names):
    return [await database_sync_to_async(make_user)(name) for name in names]


async def _page(client):
    return (await database_sync_to_async(client.get)("/api/messages/?limit=200")).json()


async def _keep_changing(user, message_ids, stop):
    """Posts, edits, reactions on and off, until stop is set: the room never stands still."""
    for n in itertools.count():
        if stop.is_set():
            return n
        target = message_ids[n % len(message_ids)]
        step = n % 4
        if step == 0:
            message, _ = await do_post_message(user, f"meanwhile {n}")
            message_ids.append(message.id)
        elif step == 1:
            await editing.do_edit(user, target, f"edited {n}")
        elif step == 2:
            await editing.do_react(user, target, "👀")
        else:
            await editing.do_unreact(user, target, "👀")
        await asyncio.sleep(0)


async def test_a_client_away_during_edits_deletes_and_reactions_of_old_messages_ends_in_the_servers_state(
    make_user, joined_socket, client
):
    alice, bob, carol = await _users(make_user, "alice", "bob", "carol")
    old = [(await do_post_message(alice if n % 2 else bob, f"old {n}"))[0] for n in range(6)]
    await database_sync_to_async(client.force_login)(carol)
    page = await _page(client)
    room = ClientRoom(page["messages"], page["last_seq"])
    # While carol is away: changes to messages older than anything she missed.
    await editing.do_edit(alice, old[1].id, "old 1, corrected")
    await editing.do_delete(bob, old[2].id)
    await editing.do_react(alice, old[0].id, "👍")
    await editing.do_react(bob, old[0].id, "👍")
    await editing.do_react(bob, old[0].id, "🎉")
    await editing.do_unreact(alice, old[0].id, "👍")
    await do_post_message(bob, "a reply", reply_to=old[1].id)
    await editing.do_edit(alice, old[1].id, "old 1, corrected twice")
    # alice keeps changing things while carol resumes
    stop = asyncio.Event()
    writer = asyncio.ensure_future(_keep_changing(alice, [m.id for m in old if m.author_id == alice.pk], stop))
    await asyncio.sleep(0.05)
    async with joined_socket(carol, f"?since={room.last_seq}") as sock:
        await asyncio.sleep(0.2)
        stop.set()
        changes = await writer
        newest = (await _page(client))["last_seq"]
        while room.last_seq < newest:
            room.apply(await sock.receive())
        assert await sock.communicator.receive_nothing(0.3)
    assert changes > 0
    assert room.seqs == list(range(page["last_seq"] + 1, newest + 1)), "every change once, in seq order"
    assert room.state() == server_state((await _page(client))["messages"])


async def test_past_the_replay_cap_a_gap_frame_then_the_newest_events(make_user, joined_socket, settings):
    settings.CHAT_REPLAY_LIMIT = 5
    alice, = await _users(make_user, "alice")
    message, _ = await do_post_message(alice, "one")
    for n in range(11):
        await editing.do_edit(alice, message.id, f"version {n}")
    async with joined_socket(alice, "?since=2") as sock:
        assert sock.hello["last_seq"] == 12
        assert await sock.receive_until("gap") == {"type": "gap", "since": 2, "first": 8}
        replayed = [await sock.receive_until("edit") for _ in range(5)]
        assert [e["seq"] for e in replayed] == [8, 9, 10, 11, 12]
        assert replayed[-1]["message"] == "version 10"


async def test_resuming_since_a_seq_beyond_the_newest_starts_from_the_newest_and_gets_live_events(
    make_user, joined_socket
):
    alice, = await _users(make_user, "alice")
    message, _ = await do_post_message(alice, "one")
    async with joined_socket(alice, "?since=1000") as sock:
        assert sock.hello["last_seq"] == 1
        await editing.do_react(alice, message.id, "👍")
        assert (await sock.receive_until("reaction"))["seq"] == 2


async def test_an_old_client_resuming_after_an_id_gets_messages_as_they_are_once_while_others_change_them(
    make_user, joined_socket
):
    alice, bob = await _users(make_user, "alice", "bob")
    seen, _ = await do_post_message(alice, "seen")
    missed = [(await do_post_message(bob, f"missed {n}"))[0] for n in range(5)]
    await editing.do_edit(bob, missed[0].id, "missed 0, edited")
    await editing.do_delete(bob, missed[1].id)
    stop = asyncio.Event()
    writer = asyncio.ensure_future(_keep_changing(bob, [m.id for m in missed[2:]], stop))
    await asyncio.sleep(0.05)
    async with joined_socket(alice, f"?after={seen.id}") as sock:
        await asyncio.sleep(0.2)
        stop.set()
        await writer
        chats = await sock.more_chats(0.5)
    ids = [c["id"] for c in chats]
    assert ids == sorted(set(ids)) and ids[:5] == [m.id for m in missed], "each message once, in id order"
    assert ids == list(range(missed[0].id, ids[-1] + 1))
    assert (chats[0]["message"], chats[0]["rev"]) == ("missed 0, edited", 1)
    assert (chats[1]["message"], chats[1]["deleted"]) == ("", True)


async def test_a_socket_without_a_resume_parameter_gets_every_event_after_its_hello(make_user, joined_socket):
    alice, = await _users(make_user, "alice")
    message, _ = await do_post_message(alice, "before")
    async with joined_socket(alice) as sock:
        assert sock.hello["last_seq"] == 1 and sock.hello["last_id"] == message.id
        await editing.do_edit(alice, message.id, "after")
        assert (await sock.receive_until("edit"))["seq"] == 2


async def test_both_resume_parameters_at_once_are_refused_with_4400(make_user, open_socket):
    alice, = await _users(make_user, "alice")
    connected, sock = await open_socket(alice, "?after=1&since=1")
    assert connected
    assert (await sock.receive())["code"] == "invalid_frame"
    assert await sock.closed_with() == 4400
