"""Floods: posts beyond the rate, handshakes without a session, frames far over the size limit, more
sockets than a user may hold, typing from many sockets, and live frames for a reader that fell behind."""

import asyncio
import secrets
from contextlib import AsyncExitStack

import pytest
import pytest_asyncio
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chat.models import Message
from tests.conftest import Socket, session_for
from tests.contract_model import Wire
from tests.live_sockets import LiveSocket

pytestmark = pytest.mark.django_db(transaction=True)

HANDSHAKES = 300
HANDSHAKE_BOUND_SECONDS = 30
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
        # A bound, not a measurement: 300 handshakes at once on a busy 2-core machine can take seconds.
        connected, _ = await communicator.connect(timeout=HANDSHAKE_BOUND_SECONDS)
        await communicator.disconnect(timeout=HANDSHAKE_BOUND_SECONDS)
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


# --- more sockets than a user may hold ------------------------------------------------------------

CLOSE_TOO_MANY_SOCKETS = 4429


async def test_a_user_holds_at_most_the_cap_of_sockets_and_a_closed_one_frees_its_place(
    make_user, open_socket, settings
):
    settings.CHAT_SOCKETS_PER_USER = 3
    alice, bob = [await database_sync_to_async(make_user)(name) for name in ("alice", "bob")]
    held = [await _greeted(open_socket, alice) for _ in range(3)]
    connected, refused = await open_socket(alice)
    assert connected  # accepted, so that the client can read why it is closed
    closing = await refused.communicator.receive_output()
    assert (closing["type"], closing.get("code")) == ("websocket.close", CLOSE_TOO_MANY_SOCKETS)
    await _greeted(open_socket, bob)  # nobody else is counted with alice
    await held[0].communicator.disconnect()
    await _greeted(open_socket, alice)


async def _greeted(open_socket, user):
    connected, sock = await open_socket(user)
    assert connected, sock
    assert (await sock.receive())["type"] == "hello"
    return sock


# --- typing from many sockets of one user ---------------------------------------------------------


async def test_typing_on_many_sockets_of_one_user_is_passed_on_once(make_user, open_socket, joined_socket):
    alice, bob = [await database_sync_to_async(make_user)(name) for name in ("alice", "bob")]
    async with joined_socket(bob) as b:
        typists = [await _greeted(open_socket, alice) for _ in range(5)]
        for sock in typists:
            await sock.send({"type": "typing"})
        # One notice per user every 2 s, however many of their sockets type at once.
        typing = [frame for frame in await _frames_within(b, 1.5) if frame["type"] == "typing"]
        assert typing == [{"type": "typing", "user": "alice"}]


async def _frames_within(sock, seconds):
    """Every frame that arrives within `seconds` (waiting without a timeout: that would end the app)."""
    loop = asyncio.get_running_loop()
    frames, deadline = [], loop.time() + seconds
    while (left := deadline - loop.time()) > 0:
        if not await sock.communicator.receive_nothing(min(left, 0.1)):
            frames.append(await sock.receive())
    return frames


# --- a reader that fell behind --------------------------------------------------------------------

BACKLOG = 5


class StalledSends:
    """The server's side of a client that stopped reading: while stalled, a frame sent to it waits, as
    it does on a real server once the socket's buffers are full (tests/test_faults.py, over TCP)."""

    def __init__(self, app):
        self.app = app
        self.flowing = asyncio.Event()
        self.flowing.set()

    async def __call__(self, scope, receive, send):
        async def send_when_flowing(message):
            if message["type"] == "websocket.send":
                await self.flowing.wait()
            await send(message)

        return await self.app(scope, receive, send_when_flowing)


@pytest_asyncio.fixture
async def stalled_socket(transactional_db):
    """stalled_socket(user) -> (StalledSends, Socket), greeted; closed afterwards."""
    from config.asgi import application

    opened = []

    async def open_(user):
        stalled = StalledSends(application)
        key = await database_sync_to_async(session_for)(user)
        headers = [(b"host", b"testserver"), (b"origin", b"http://testserver"),
                   (b"cookie", f"{settings.SESSION_COOKIE_NAME}={key}".encode())]
        communicator = WebsocketCommunicator(stalled, "/ws/chat/", headers=headers)
        connected, _ = await communicator.connect()
        assert connected
        opened.append((stalled, communicator))
        sock = Socket(communicator)
        assert (await sock.receive())["type"] == "hello"
        assert (await sock.receive())["type"] == "presence"
        return stalled, sock

    yield open_
    for stalled, communicator in opened:
        stalled.flowing.set()
        try:
            await communicator.disconnect()
        except Exception:
            pass


async def test_typing_and_presence_never_close_a_reader_that_fell_behind(
    make_user, joined_socket, stalled_socket, settings, no_rate_limit
):
    settings.CHAT_SEND_BACKLOG = BACKLOG
    names = ["sleepy", "alice"] + [f"typist{n}" for n in range(2 * BACKLOG)]
    sleepy, alice, *typists = [await database_sync_to_async(make_user)(name) for name in names]
    stalled, behind = await stalled_socket(sleepy)
    stalled.flowing.clear()
    async with joined_socket(alice) as a, AsyncExitStack() as stack:
        for typist in typists:
            sock = await stack.enter_async_context(joined_socket(typist))
            await sock.send({"type": "typing"})
            await a.receive_until("typing")  # handed to every socket of the process, sleepy's too
        for n in range(BACKLOG - 1):
            await a.post(f"stored {n}")
        posted = await a.chats(BACKLOG - 1)
        stalled.flowing.set()
        received = []
        while len([f for f in received if f["type"] == "chat"]) < len(posted):
            received.append(await behind.receive())
        received += await _frames_within(behind, 1)
        everyone = sorted(names)
    typing = [f for f in received if f["type"] == "typing"]
    # The outbox was full: typing notices were dropped for this socket, and it was not closed for them.
    assert len(typing) < len(typists)
    assert [f for f in received if f["type"] == "chat"] == posted
    # What was dropped included presence: the socket is told the room's presence once it caught up.
    assert [f for f in received if f["type"] == "presence"][-1] == {"type": "presence", "users": everyone}
    await behind.send({"type": "ping"})
    assert await behind.receive_until("pong")


async def test_stored_messages_beyond_the_backlog_still_close_a_reader_that_fell_behind_with_4002(
    make_user, joined_socket, stalled_socket, settings, no_rate_limit
):
    settings.CHAT_SEND_BACKLOG = BACKLOG
    sleepy, alice = [await database_sync_to_async(make_user)(name) for name in ("sleepy", "alice")]
    stalled, behind = await stalled_socket(sleepy)
    stalled.flowing.clear()
    async with joined_socket(alice) as a:
        for n in range(BACKLOG + 2):  # one held in the stalled send, BACKLOG queued, then one too many
            await a.post(f"stored {n}")
        await a.chats(BACKLOG + 2)
        stalled.flowing.set()
        assert await behind.closed_with() == 4002
