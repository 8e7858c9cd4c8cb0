"""?after= resume: what a reconnecting socket missed arrives once, in order, then live messages."""

import asyncio

import pytest
from channels.db import database_sync_to_async

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("no_rate_limit")]


async def test_a_resumed_socket_gets_exactly_the_messages_it_missed_in_order_then_live_ones(make_user, joined_socket):
    alice, bob = await _users(make_user, "alice", "bob")
    async with joined_socket(alice) as a:
        await a.post("seen before leaving")
        seen = await a.receive_until("chat")
    async with joined_socket(bob) as b:
        for n in range(30):
            await b.post(f"missed {n}")
            await b.receive_until("chat")
    async with joined_socket(alice, f"?after={seen['id']}") as a:
        replayed = await a.chats(30)
        assert [m["message"] for m in replayed] == [f"missed {n}" for n in range(30)]
        assert [m["id"] for m in replayed] == list(range(seen["id"] + 1, seen["id"] + 31))
        assert a.hello["last_id"] == replayed[-1]["id"]
        await a.post("live again")
        assert (await a.receive_until("chat"))["message"] == "live again"
        assert await a.more_chats() == []


async def test_messages_posted_during_a_replay_arrive_once_and_after_it(make_user, joined_socket, open_socket):
    alice, bob, carol = await _users(make_user, "alice", "bob", "carol")
    async with joined_socket(bob) as b:
        for n in range(40):
            await b.post(f"before {n}")
            await b.receive_until("chat")
        # carol keeps posting while alice resumes from the start
        poster = asyncio.ensure_future(_post_many(joined_socket, carol, 40))
        await asyncio.sleep(0)
        async with joined_socket(alice, "?after=0") as a:
            await poster
            received = await a.chats(80, timeout=10)
            assert await a.more_chats() == []
    ids = [m["id"] for m in received]
    assert ids == sorted(set(ids)) == list(range(1, 81))


async def test_more_than_the_replay_cap_sends_a_gap_frame_then_the_newest_messages(
    make_user, joined_socket, settings
):
    settings.CHAT_REPLAY_LIMIT = 10
    alice, bob = await _users(make_user, "alice", "bob")
    async with joined_socket(bob) as b:
        for n in range(25):
            await b.post(f"m{n}")
            await b.receive_until("chat")
    async with joined_socket(alice, "?after=3") as a:
        gap = await a.receive_until("gap")
        assert gap == {"type": "gap", "after": 3, "first": 16}
        replayed = await a.chats(10)
        assert [m["id"] for m in replayed] == list(range(16, 26))


async def test_resuming_after_the_newest_id_replays_nothing(make_user, joined_socket):
    alice = (await _users(make_user, "alice"))[0]
    async with joined_socket(alice) as a:
        await a.post("only")
        only = await a.receive_until("chat")
    async with joined_socket(alice, f"?after={only['id']}") as a:
        assert a.hello["last_id"] == only["id"]
        assert await a.more_chats() == []


ID_MAX = 2**63 - 1  # the largest id the database stores, and the HTTP API accepts


@pytest.mark.parametrize("beyond", [1, 1000, "max"])
async def test_resuming_after_an_id_beyond_the_newest_resumes_from_the_newest_and_gets_live_messages(
    make_user, joined_socket, beyond
):
    alice, bob = await _users(make_user, "alice", "bob")
    async with joined_socket(bob) as b:
        await b.post("the newest")
        newest = await b.receive_until("chat")
        after = ID_MAX if beyond == "max" else newest["id"] + beyond
        async with joined_socket(alice, f"?after={after}") as a:
            assert a.hello["last_id"] == newest["id"]
            await b.post("live after the resume")
            live = await b.receive_until("chat")
            # Not held back until ids pass `after`: every posted message reaches every socket.
            assert await a.receive_until("chat", timeout=2) == live
            assert await a.more_chats() == []


async def test_resuming_after_an_id_no_database_can_hold_is_refused_with_4400(make_user, open_socket):
    (alice,) = await _users(make_user, "alice")
    connected, sock = await open_socket(alice, f"?after={ID_MAX + 1}")
    assert connected
    error = await sock.receive()
    assert (error["type"], error["code"], error["client_id"]) == ("error", "invalid_frame", None)
    assert await sock.closed_with() == 4400


async def _post_many(joined_socket, user, count):
    async with joined_socket(user) as sock:
        for n in range(count):
            await sock.post(f"during {n}")
            await sock.receive_until("chat")


async def _users(make_user, *names):
    return [await database_sync_to_async(make_user)(name) for name in names]
