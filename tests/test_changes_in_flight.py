"""A socket that changes the room flat out (chat/changes_in_flight.py): its changes (posts, edits,
deletes, reactions) are stored in the order it sent them, each acknowledged by its event, every
`unchanged`, refusal and repeated client_id answered by client_id in the order of its frames;
several of its changes share a commit, and no more than CHAT_CHANGES_IN_FLIGHT are queued at once
(beyond that the server stops reading the socket). A socket that leaves with changes in flight
breaks nothing: what was stored reaches everyone else."""

import asyncio
import threading

import pytest
from channels.db import database_sync_to_async
from django.conf import settings

from chat import changes, group_commit, server_frames
from chat.models import MAIN_ROOM, EditVersion, Message, Reaction, Room

pytestmark = pytest.mark.django_db(transaction=True)

POSTS = 200
LIMIT = 8
NO_SUCH_MESSAGE = 10**9
ROUNDS = 20  # of the mixed flood: a post and the changes its sender makes to it, 12 frames a round


@pytest.fixture
def batches(monkeypatch):
    """(the batches stored, release): the first batch waits for release, as behind a busy database,
    so the socket's next changes pile up meanwhile."""
    stored, release = [], threading.Event()
    store = group_commit.store_changes

    def store_when_released(batch):
        stored.append(list(batch))
        release.wait(10)
        return store(batch)

    monkeypatch.setattr(group_commit, "store_changes", store_when_released)
    return stored, release


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
    settings.CHAT_CHANGES_IN_FLIGHT = LIMIT
    stored_batches, release = batches
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
    sizes = [len(batch) for batch in stored_batches]
    assert sum(sizes) == POSTS - sum(1 for _, o in expected if o == "too_long")
    assert 1 < max(sizes) <= LIMIT, sizes


async def test_a_socket_that_leaves_with_posts_in_flight_breaks_nothing(
    make_user, open_socket, joined_socket, settings, batches, no_rate_limit, caplog
):
    settings.CHAT_CHANGES_IN_FLIGHT = 4
    _, release = batches
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


def _mixed_flood(first_id):
    """ROUNDS rounds of frames: a post (its id known in advance: ids are consecutive), then changes to
    it sent before its echo: events, changes that change nothing, refusals inside the batch and before
    queuing, a ping; and the delete of the previous round's post. -> (frames, expected): expected is
    per frame ("event", kind), ("unchanged",), ("error", code) or ("pong",)."""
    frames, expected = [], []

    def frame(answer, **fields):
        frames.append(fields)
        expected.append(answer)

    for k in range(ROUNDS):
        mine = first_id + k
        frame(("event", "chat"), type="chat", message=f"round {k}", client_id=f"p-{k}")
        frame(("event", "reaction"), type="react", id=mine, emoji="👍", client_id=f"r-{k}")
        frame(("unchanged",), type="react", id=mine, emoji="👍", client_id=f"r-{k}-again")
        frame(("event", "edit"), type="edit", id=mine, message=f"round {k}, edited", rev=0, client_id=f"e-{k}")
        frame(("unchanged",), type="edit", id=mine, message=f"round {k}, edited", client_id=f"e-{k}-again")
        frame(("error", "conflict"), type="edit", id=mine, message="stale", rev=0, client_id=f"e-{k}-stale")
        frame(("event", "reaction"), type="unreact", id=mine, emoji="👍", client_id=f"u-{k}")
        frame(("error", "not_found"), type="react", id=NO_SUCH_MESSAGE, emoji="🎉", client_id=f"x-{k}")
        frame(("error", "too_long"), type="edit", id=mine, message="x" * (settings.CHAT_MAX_LENGTH + 1), client_id=f"t-{k}")
        frame(("pong",), type="ping")
        if k:
            frame(("event", "delete"), type="delete", id=mine - 1, client_id=f"d-{k}")
            frame(("unchanged",), type="delete", id=mine - 1, client_id=f"d-{k}-again")
    return frames, expected


async def test_a_flood_of_posts_edits_reactions_and_deletes_is_applied_in_frame_order_and_answered_by_client_id(
    make_user, joined_socket, settings, batches, no_rate_limit
):
    settings.CHAT_CHANGES_IN_FLIGHT = LIMIT
    stored_batches, release = batches
    alice, bob = [await database_sync_to_async(make_user)(name) for name in ("alice", "bob")]
    room = await database_sync_to_async(lambda: Room.objects.filter(name=MAIN_ROOM).first())()
    first_id = (room.last_message_id if room else 0) + 1
    frames, expected = _mixed_flood(first_id)
    kinds = ("chat", "edit", "delete", "reaction", "unchanged", "error", "pong")
    events = [e for e in expected if e[0] == "event"]
    async with joined_socket(alice) as sender, joined_socket(bob) as reader:
        for frame in frames:
            await sender.send(frame)
        await asyncio.sleep(0.3)  # the first batch is held: the socket's next changes queue up
        release.set()
        answers = [await sender.receive_until_any(kinds) for _ in frames]
        seen_by_bob = [await reader.receive_until_any(kinds) for _ in events]
        assert await sender.communicator.receive_nothing(0.3)  # nothing more: no frame answered twice

    # Every frame answered once, by its client_id: the event it made, or the sender's own answer.
    said = [f.get("client_id") for f in frames]
    got = [a.get("client_id") for a in answers]
    assert sorted(got, key=str) == sorted(said, key=str)
    outcome = {a.get("client_id"): _outcome(a) for a in answers}
    assert [outcome[c] for c in said] == expected
    # The sender's own answers (unchanged, refusals, pongs) came in the order of its frames.
    own = [(f.get("client_id"), e) for f, e in zip(frames, expected) if e[0] != "event"]
    assert [(a.get("client_id"), _outcome(a)) for a in answers if a["type"] in ("unchanged", "error", "pong")] == own
    # Applied in frame order: the events' seqs follow the frames, consecutive, the same for everyone.
    echoes = [a for a in answers if "seq" in a]
    assert [a["client_id"] for a in echoes] == [f["client_id"] for f, e in zip(frames, expected) if e[0] == "event"]
    assert [a["seq"] for a in echoes] == list(range(echoes[0]["seq"], echoes[0]["seq"] + len(events)))
    assert [(f["type"], f["seq"], f["client_id"]) for f in seen_by_bob] == [(a["type"], a["seq"], a["client_id"]) for a in echoes]
    # Each post's own edit applied after it; every post but the last deleted, leaving nothing of its text.
    messages = await database_sync_to_async(lambda: list(Message.objects.order_by("id")))()
    assert [m.id for m in messages] == list(range(first_id, first_id + ROUNDS))
    assert [(m.deleted, m.body, m.rev) for m in messages] == [(True, "", 1)] * (ROUNDS - 1) + [(False, f"round {ROUNDS - 1}, edited", 1)]
    versions = await database_sync_to_async(lambda: list(EditVersion.objects.values_list("message_id", "text")))()
    assert versions == [(messages[-1].id, f"round {ROUNDS - 1}")]
    assert not await database_sync_to_async(Reaction.objects.exists)()
    # One socket's edits, deletes and reactions shared commits, never more than its limit at once.
    queued = [e for e in expected if e not in (("error", "too_long"), ("pong",))]  # the others are answered at once
    assert sum(len(b) for b in stored_batches) == len(queued)
    assert max(sum(not isinstance(c, changes.PostChange) for c in b) for b in stored_batches) > 1, stored_batches
    assert max(len(b) for b in stored_batches) <= LIMIT


def _outcome(answer):
    if answer["type"] in ("unchanged", "pong"):
        return (answer["type"],)
    if answer["type"] == "error":
        return ("error", answer["code"])
    return ("event", answer["type"])
