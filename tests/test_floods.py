"""Floods: posts beyond the rate, handshakes without a session, frames far over the size limit."""

import asyncio
import secrets

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chat.models import Message
from tests.conftest import session_for
from tests.contract_model import Wire
from tests.live_sockets import LiveSocket

pytestmark = pytest.mark.django_db(transaction=True)

HANDSHAKES = 300
BURST = 10
# A rate so slow that no token comes back during a test: exactly the burst passes, whatever the
# machine's speed, so the test checks behaviour rather than timing.
BURST_ONLY = (0.0001, BURST)


# --- posts beyond the rate ----------------------------------------------------------------------


async def test_a_flood_from_two_sockets_of_one_user_gets_exactly_the_burst_and_others_still_post(
    make_user, joined_socket, settings
):
    settings.CHAT_RATE_LIMIT = BURST_ONLY
    alice, bob = [await database_sync_to_async(make_user)(name) for name in ("alice", "bob")]
    async with joined_socket(alice) as first, joined_socket(alice) as second, joined_socket(bob) as b:
        for n in range(15):
            await first.post(f"flood a{n}", client_id=f"a-{n}")
            await second.post(f"flood b{n}", client_id=f"b-{n}")
        answers = await _own_answers(first, "a-", 15) + await _own_answers(second, "b-", 15)
        await b.post("bob is not throttled by alice", client_id="bob-1")
        seen_by_bob = [await b.receive_until("chat")]
        while seen_by_bob[-1]["client_id"] != "bob-1":
            seen_by_bob.append(await b.receive_until("chat"))
        bobs = seen_by_bob.pop()
        seen_by_bob += await b.more_chats()

    refused = [a for a in answers if a["type"] == "error"]
    # One bucket per user, not per socket: two sockets together get the burst, no more.
    assert len(refused) == 30 - BURST and {a["code"] for a in refused} == {"rate_limited"}
    # Each refusal names its frame's client_id, so the client marks exactly those as not sent.
    assert {a["client_id"] for a in answers} == {f"{s}-{n}" for s in "ab" for n in range(15)}
    echoes = {a["id"]: a for a in answers if a["type"] == "chat"} | {bobs["id"]: bobs}
    assert bobs["user"] == "bob" and bobs["client_id"] == "bob-1"
    stored = await database_sync_to_async(lambda: [m.as_frame() for m in Message.objects.select_related("author")])()
    assert stored == sorted(echoes.values(), key=lambda frame: frame["id"]) and len(stored) == BURST + 1
    # Bob saw exactly the stored messages, in order, and nothing of what was refused.
    assert seen_by_bob + [bobs] == stored


async def _own_answers(sock, prefix, count):
    """The answers to this socket's own posts: its errors and its echoes (not the other socket's)."""
    answers = []
    while len(answers) < count:
        frame = await sock.receive_until_any(("error", "chat"))
        if frame["client_id"].startswith(prefix):
            answers.append(frame)
    return answers


# --- handshakes without a session -------------------------------------------------------------


def _handshakes(count, cookie=None, origin="http://testserver"):
    """Open `count` sockets at once on the in-process application; how many were accepted."""
    from config.asgi import application

    async def one(n):
        headers = [(b"host", b"testserver"), (b"origin", origin.encode())]
        if cookie is not None:
            headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie(n)}".encode()))
        communicator = WebsocketCommunicator(application, "/ws/chat/", headers=headers)
        connected, _ = await communicator.connect()
        await communicator.disconnect()
        return connected

    async def all_at_once():
        return sum(await asyncio.gather(*(one(n) for n in range(count))))

    # Run from this (sync) thread: database_sync_to_async work comes back to this thread, so the
    # capture below sees every query the handshakes make (the signed-in case proves it).
    return async_to_sync(all_at_once)()


def test_hundreds_of_handshakes_without_a_session_cookie_are_refused_without_a_query():
    with CaptureQueriesContext(connection) as queries:
        accepted = _handshakes(HANDSHAKES)
    assert accepted == 0
    assert len(queries) == 0, [q["sql"] for q in queries]


@pytest.mark.parametrize("origin", ["http://evil.example", "http://testserver:9999", "https://testserver"])
def test_hundreds_of_handshakes_from_a_foreign_origin_are_refused_without_a_query(make_user, origin):
    # Another host, or this host's name on another port or scheme (another service's page).
    key = session_for(make_user("alice"))
    with CaptureQueriesContext(connection) as queries:
        accepted = _handshakes(HANDSHAKES, cookie=lambda n: key, origin=origin)
    assert accepted == 0
    assert len(queries) == 0, [q["sql"] for q in queries]


def test_made_up_session_keys_are_refused_with_one_session_lookup_each_and_no_write():
    with CaptureQueriesContext(connection) as queries:
        accepted = _handshakes(HANDSHAKES, cookie=lambda n: secrets.token_hex(16))
    assert accepted == 0
    # A key of the right shape can only be told from a real one by looking it up: one indexed read.
    assert len(queries) <= HANDSHAKES
    assert all(q["sql"].lstrip().upper().startswith("SELECT") and "django_session" in q["sql"] for q in queries)


def test_the_query_capture_does_see_a_signed_in_handshake(make_user):
    # The control for the tests above: through the same path, a real session does reach the database.
    key = session_for(make_user("alice"))
    with CaptureQueriesContext(connection) as queries:
        accepted = _handshakes(1, cookie=lambda n: key)
    assert accepted == 1
    assert any("django_session" in q["sql"] for q in queries) and any("auth_user" in q["sql"] for q in queries)


# --- frames far over the size limit ---------------------------------------------------------------

ONE_MIB = 1024 * 1024


@pytest.mark.parametrize("binary", [False, True], ids=["text", "binary"])
@pytest.mark.parametrize("ws_max_size", [65536, None], ids=["uvicorn-limit", "app-limit"])
def test_a_1_mib_frame_is_closed_with_1009_stores_nothing_and_others_are_served(
    make_user, start_server, binary, ws_max_size
):
    # With --ws-max-size 65536 (make run) uvicorn refuses it from the frame header; without it, the
    # consumer's own 64 KiB check does, so a server run without the flag is still protected.
    server = start_server(ws_max_size=ws_max_size)
    alice, bob = make_user("alice"), make_user("bob")
    a, b = LiveSocket(server, alice), LiveSocket(server, bob)
    try:
        a.send_wire(Wire(binary, b'{"message":"' + b"x" * ONE_MIB + b'"}'))
        code, before = a.close_code()
        assert code == 1009
        assert {f["type"] for f in before} <= {"hello", "presence"}  # no answer, no echo: just the close
        b.send({"type": "chat", "message": "still here", "client_id": "b-1"})
        echo = b.receive()
        while echo["type"] != "chat":
            echo = b.receive()
        assert echo["message"] == "still here"
    finally:
        a.close()
        b.close()
    assert list(Message.objects.values_list("body", flat=True)) == ["still here"]
    assert "Traceback" not in server.log_text()
