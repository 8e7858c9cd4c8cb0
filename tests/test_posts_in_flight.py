"""A socket that posts flat out (chat/posts_in_flight.py): its posts are stored in the order it sent
them, each acknowledged by its echo, every refusal and every repeated client_id answered by
client_id in the order of its frames; several of its posts share a commit, and no more than
CHAT_POSTS_IN_FLIGHT are queued at once (beyond that the server stops reading the socket). A socket
that leaves with posts in flight breaks nothing: what was stored reaches everyone else."""

import asyncio
import threading

import pytest
from channels.db import database_sync_to_async
from django.conf import settings

from chat import group_commit, server_frames
from chat.models import Message

pytestmark = pytest.mark.django_db(transaction=True)

POSTS = 200
LIMIT = 8
NO_SUCH_MESSAGE = 10**9


@pytest.fixture
def batches(monkeypatch):
    """(sizes of the batches stored, release): the first batch waits for release, as behind a busy
    database, so the socket's next posts pile up meanwhile."""
    sizes, release = [], threading.Event()
    store = group_commit.store_changes

    def store_when_released(batch):
        sizes.append(len(batch))
        release.wait(10)
        return store(batch)

    monkeypatch.setattr(group_commit, "store_changes", store_when_released)
    return sizes, release


def _flood():
    """POSTS frames: mostly posts that are stored; some too long (refused before queuing), some
    replying to no message (refused in their batch), some repeating the client_id before them."""
    frames, expected = [], []  # expected: (client_id, "stored" | "repeat" | error code)
    for n in range(POSTS):
        frame = {"type": "chat", "message": f"flood {n}", "client_id": f"c-{n}"}
        if n % 25 == 7:
            frame["message"] = "x" * (settings.CHAT_MAX_LENGTH + 1)
            expected.append((frame["client_id"], "too_long"))
        elif n % 25 == 13:
            frame["reply_to"] = NO_SUCH_MESSAGE
            expected.append((frame["client_id"], "not_found"))
        elif n % 25 == 19:
            frame["client_id"] = f"c-{n - 1}"
            expected.append((frame["client_id"], "repeat"))
        else:
            expected.append((frame["client_id"], "stored"))
        frames.append(frame)
    return frames, expected


async def test_a_flood_of_posts_is_stored_in_order_and_every_post_answered_by_client_id(
    make_user, joined_socket, settings, batches, no_rate_limit
):
    settings.CHAT_POSTS_IN_FLIGHT = LIMIT
    sizes, release = batches
    alice, bob = [await database_sync_to_async(make_user)(name) for name in ("alice", "bob")]
    frames, expected = _flood()
    async with joined_socket(alice) as sender, joined_socket(bob) as reader:
        for frame in frames:
            await sender.send(frame)
        await asyncio.sleep(0.3)  # the first batch is held: the socket's next posts queue up
        release.set()
        answers = [await sender.receive_until_any(("chat", "error")) for _ in range(POSTS)]
        stored_count = sum(1 for _, outcome in expected if outcome == "stored")
        seen_by_bob = await reader.chats(stored_count)
        seen_by_bob += await reader.more_chats()

    messages = await database_sync_to_async(lambda: list(Message.objects.select_related("author")))()
    stored = [server_frames.message(m) for m in messages]
    # Stored in the order sent, nothing refused among them, nothing doubled; ids consecutive.
    assert [m["message"] for m in stored] == [f["message"] for f, (_, o) in zip(frames, expected) if o == "stored"]
    assert [m["id"] for m in stored] == list(range(stored[0]["id"], stored[0]["id"] + len(stored)))
    # Every post answered with its client_id: the echo, the original of a repeat, or why not stored.
    errors = [(a["client_id"], a["code"]) for a in answers if a["type"] == "error"]
    assert sorted(errors) == sorted((c, o) for c, o in expected if o not in ("stored", "repeat"))
    by_client_id = {m["client_id"]: m for m in stored}
    chats = [a for a in answers if a["type"] == "chat"]
    assert sorted(a["client_id"] for a in chats) == sorted(c for c, o in expected if o in ("stored", "repeat"))
    assert all(a["id"] == by_client_id[a["client_id"]]["id"] for a in chats)
    # The sender's own answers (refusals, originals of repeats) came in the order of its frames.
    seen, own = set(), []
    for a in answers:
        if a["type"] == "error" or a["client_id"] in seen:
            own.append((a["client_id"], a.get("code", "repeat")))
        seen.add(a["client_id"])
    assert own == [(c, o) for c, o in expected if o != "stored"]
    # The echoes (first answer per client_id) came in the order stored; bob saw the same, once each.
    echoes = list({a["client_id"]: a["id"] for a in chats}.values())
    assert echoes == [m["id"] for m in stored]
    assert [m["id"] for m in seen_by_bob] == [m["id"] for m in stored]
    # One socket's posts shared commits, never more than its limit at once.
    assert sum(sizes) == POSTS - sum(1 for _, o in expected if o == "too_long")
    assert 1 < max(sizes) <= LIMIT, sizes


async def test_a_socket_that_leaves_with_posts_in_flight_breaks_nothing(
    make_user, open_socket, joined_socket, settings, batches, no_rate_limit, caplog
):
    settings.CHAT_POSTS_IN_FLIGHT = 4
    sizes, release = batches
    alice, bob = [await database_sync_to_async(make_user)(name) for name in ("alice", "bob")]
    async with joined_socket(bob) as reader:
        connected, sender = await open_socket(alice)
        assert connected and (await sender.receive())["type"] == "hello"
        await sender.post("leaving 0", client_id="l-0")
        await sender.send({"type": "chat", "message": "leaving 1", "client_id": "l-1", "reply_to": NO_SUCH_MESSAGE})
        await sender.post("leaving 2", client_id="l-2")
        # The client goes while its posts wait for the database: the socket ends with posts in
        # flight, and the answers still owed (an error among them) have no socket to go to.
        await sender.communicator.send_input({"type": "websocket.disconnect", "code": 1000})
        release.set()
        await sender.communicator.wait(5)
        seen_by_bob = await reader.chats(2)
        # The room goes on: another socket of the same user posts and is answered.
        async with joined_socket(alice) as again:
            await again.post("back", client_id="back")
            echo = await again.receive_until("chat")
            while echo["client_id"] != "back":
                echo = await again.receive_until("chat")

    bodies = await database_sync_to_async(lambda: list(Message.objects.order_by("id").values_list("body", flat=True)))()
    # What was read was stored, in order, and reached bob, though its sender had gone.
    assert bodies == ["leaving 0", "leaving 2", "back"]
    assert [m["message"] for m in seen_by_bob] == bodies[:2]
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")], caplog.records
