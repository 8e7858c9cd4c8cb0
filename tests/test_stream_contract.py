"""The stream's contract, row by row: each frame a client may send to change a message, the event
every socket gets, or the refusal (or `unchanged`) only its sender gets. The same table runs on one
process (in-process sockets) and across two server processes on one Redis and PostgreSQL."""

import asyncio
import contextlib
import json
import os

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from websockets.asyncio.client import connect

from tests.conftest import session_for
from tests.stream_state import EVENT_TYPES

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("no_rate_limit")]

WAIT = 10
ANSWERS = EVENT_TYPES | {"error", "unchanged"}
MISSING = 2**62  # an id no test room reaches

# (who, frame, what the sender gets back: an event type, "unchanged", or an error code, and fields
# that answer must have). "A" is alice's message, "B" bob's, posted before the table runs.
TABLE = [
    ("alice", {"type": "edit", "id": "A", "message": "hello, edited", "rev": 0}, "edit",
     {"message": "hello, edited", "rev": 1, "deleted": False, "mentions": {"users": [], "here": False, "all": False}}),
    ("alice", {"type": "edit", "id": "A", "message": "hello, edited"}, "unchanged", {}),
    ("alice", {"type": "edit", "id": "A", "message": "stale", "rev": 0}, "conflict", {}),
    ("alice", {"type": "edit", "id": "A", "message": "again", "rev": 1}, "edit", {"rev": 2}),
    ("bob", {"type": "edit", "id": "A", "message": "not mine"}, "forbidden", {}),
    ("alice", {"type": "edit", "id": MISSING, "message": "x"}, "not_found", {}),
    ("alice", {"type": "edit", "id": "A", "message": " \u200b "}, "empty_message", {}),
    ("alice", {"type": "edit", "id": "A", "message": "x" * 2001}, "too_long", {}),
    ("alice", {"type": "edit", "id": "one", "message": "x"}, "invalid_frame", {}),
    ("alice", {"type": "edit", "id": "A", "message": "x", "rev": -1}, "invalid_frame", {}),
    ("bob", {"type": "react", "id": "A", "emoji": "👍🏽"}, "reaction", {"emoji": "👍🏽", "user": "bob", "added": True}),
    ("bob", {"type": "react", "id": "A", "emoji": "👍🏽"}, "unchanged", {}),
    ("alice", {"type": "react", "id": "A", "emoji": "👨‍👩‍👧"}, "reaction", {"user": "alice", "added": True}),
    ("bob", {"type": "react", "id": "A", "emoji": "🇯🇵"}, "reaction", {"emoji": "🇯🇵"}),
    ("bob", {"type": "react", "id": "A", "emoji": "1️⃣"}, "reaction", {"emoji": "1️⃣"}),
    ("bob", {"type": "react", "id": "A", "emoji": "a"}, "invalid_frame", {}),
    ("bob", {"type": "react", "id": "A", "emoji": "👍👍"}, "invalid_frame", {}),
    ("bob", {"type": "react", "id": "A"}, "invalid_frame", {}),
    ("bob", {"type": "unreact", "id": "A", "emoji": "🇯🇵"}, "reaction", {"emoji": "🇯🇵", "added": False}),
    ("bob", {"type": "unreact", "id": "A", "emoji": "🇯🇵"}, "unchanged", {}),
    ("bob", {"type": "react", "id": MISSING, "emoji": "👍"}, "not_found", {}),
    ("bob", {"type": "chat", "message": "a reply", "reply_to": "A"}, "chat",
     {"message": "a reply", "reply_to": {"id": "A", "user": "alice", "excerpt": "again"}}),
    ("bob", {"type": "chat", "message": "a reply", "reply_to": MISSING}, "not_found", {}),
    ("bob", {"type": "chat", "message": "a reply", "reply_to": True}, "invalid_frame", {}),
    ("bob", {"type": "delete", "id": "A"}, "forbidden", {}),
    ("alice", {"type": "delete", "id": MISSING}, "not_found", {}),
    ("alice", {"type": "delete", "id": "A"}, "delete", {}),
    ("alice", {"type": "delete", "id": "A"}, "unchanged", {}),
    ("alice", {"type": "edit", "id": "A", "message": "back"}, "not_found", {}),
    ("bob", {"type": "react", "id": "A", "emoji": "👍"}, "not_found", {}),
    ("bob", {"type": "unreact", "id": "A", "emoji": "👍🏽"}, "unchanged", {}),
    ("bob", {"type": "chat", "message": "too late", "reply_to": "A"}, "not_found", {}),
    ("staff", {"type": "delete", "id": "B"}, "delete", {}),
    ("alice", {"type": "shout", "id": "B"}, "invalid_frame", {}),
]


def _resolve(value, ids):
    if isinstance(value, dict):
        return {k: _resolve(v, ids) for k, v in value.items()}
    return ids.get(value, value) if isinstance(value, str) else value


async def run_table(sockets, watcher):
    """sockets: name -> an object with async send(frame) and receive() -> frame."""
    await sockets["alice"].send({"type": "chat", "message": "hello", "client_id": "setup-a"})
    a = await _answer(sockets["alice"], "setup-a")
    await sockets["bob"].send({"type": "chat", "message": "bob's", "client_id": "setup-b"})
    b = await _answer(sockets["bob"], "setup-b")
    ids, seqs = {"A": a["id"], "B": b["id"]}, [a["seq"], b["seq"]]
    for number, (who, frame, expected, fields) in enumerate(TABLE):
        client_id = f"row-{number}"
        await sockets[who].send({**_resolve(frame, ids), "client_id": client_id})
        answer = await _answer(sockets[who], client_id)
        row = f"row {number}: {who} {frame}"
        if expected in EVENT_TYPES:
            assert answer["type"] == expected, (row, answer)
            seqs.append(answer["seq"])
            if expected != "chat":
                assert answer["id"] == _resolve(frame, ids)["id"], row
        elif expected == "unchanged":
            assert answer["type"] == "unchanged" and answer["msg"]["id"] == _resolve(frame, ids)["id"], (row, answer)
            assert set(answer) == {"type", "client_id", "msg"}, row
        else:
            assert (answer["type"], answer["code"]) == ("error", expected), (row, answer)
        for key, value in _resolve(fields, ids).items():
            assert answer[key] == value, (row, key, answer)
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), "one seq per change, none for the rest"
    # Every socket got every event, in seq order, exactly once; nobody else's refusals.
    seen = []
    while len(seen) < len(seqs):
        frame = await watcher.receive()
        assert frame["type"] not in ("error", "unchanged"), frame
        if frame["type"] in EVENT_TYPES:
            seen.append(frame["seq"])
    assert seen == seqs
    return ids, seqs


async def _answer(sock, client_id):
    while True:
        frame = await sock.receive()
        if frame["type"] in ANSWERS and frame.get("client_id") == client_id:
            return frame


async def _people(make_user):
    names = {"alice": {}, "bob": {}, "staff": {"is_staff": True}, "watcher": {}}
    return {name: await database_sync_to_async(make_user)(name, **extra) for name, extra in names.items()}


async def test_the_table_on_one_process(make_user, joined_socket, client):
    people = await _people(make_user)
    async with contextlib.AsyncExitStack() as stack:
        watcher = await stack.enter_async_context(joined_socket(people["watcher"]))
        sockets = {name: await stack.enter_async_context(joined_socket(people[name])) for name in ("alice", "bob", "staff")}
        ids, seqs = await run_table(sockets, watcher)
    await database_sync_to_async(client.force_login)(people["watcher"])
    events = (await database_sync_to_async(client.get)(f"/api/events/?since={seqs[0] - 1}")).json()["events"]
    assert [e["seq"] for e in events] == seqs


class RealSocket:
    def __init__(self, ws):
        self.ws = ws

    async def send(self, frame):
        await self.ws.send(json.dumps(frame))

    async def receive(self):
        return json.loads(await asyncio.wait_for(self.ws.recv(), WAIT))


@pytest.mark.skipif(not os.environ.get("KC3CHAT_SERVICES"), reason="needs PostgreSQL + Redis: tests/run.py")
async def test_the_table_across_two_server_processes(make_user, start_server):
    servers = [start_server(CHAT_RATE_LIMIT="0"), start_server(CHAT_RATE_LIMIT="0")]
    people = await _people(make_user)
    sockets = {}
    for number, name in enumerate(("alice", "bob", "staff", "watcher")):
        server = servers[number % 2]  # alice and the staff on one, bob and the watcher on the other
        key = await database_sync_to_async(session_for)(people[name])
        ws = await connect(f"ws://127.0.0.1:{server.port}/ws/chat/",
                           additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={key}", "Origin": server.url})
        sockets[name] = RealSocket(ws)
        assert (await sockets[name].receive())["type"] == "hello"
    try:
        await run_table({k: v for k, v in sockets.items() if k != "watcher"}, sockets["watcher"])
    finally:
        for sock in sockets.values():
            await sock.ws.close()
