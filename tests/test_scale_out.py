"""Several server processes on one Redis and one PostgreSQL behave as one server.

Real uvicorn processes on two ports, real Redis and PostgreSQL, real WebSocket clients. Only the
services run of tests/run.py has those (it sets KC3CHAT_SERVICES=1); the embedded run skips here.
"""

import asyncio
import json
import os
import secrets
import signal
import urllib.request

import pytest
import redis
import websockets
from channels.db import database_sync_to_async
from django.conf import settings
from websockets.asyncio.client import connect

from tests.conftest import session_for
from tests.throwaway_services import ThrowawayRedis

ON_SERVICES = bool(os.environ.get("KC3CHAT_SERVICES"))
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not ON_SERVICES, reason="needs the services stack (PostgreSQL + Redis): tests/run.py"),
]

WAIT = 10  # seconds a test waits for a frame before failing (not a measure of speed)
PRESENCE_DROP_WAIT = 30  # a killed process's report lapses after PRESENCE_TTL_SECONDS (3 here)
NO_RATE_LIMIT = {"CHAT_RATE_LIMIT": "0"}


@pytest.fixture(autouse=True)
def services_are_really_there():
    # The services run must never quietly fall back to the embedded stack.
    assert settings.REDIS_URL, "KC3CHAT_SERVICES is set but REDIS_URL is not"
    assert settings.DATABASES["default"]["ENGINE"].endswith("postgresql"), "KC3CHAT_SERVICES without PostgreSQL"


class Client:
    """A browser-like WebSocket client: session cookie, Origin header, JSON frames."""

    def __init__(self, ws):
        self.ws = ws

    async def receive(self):
        return json.loads(await asyncio.wait_for(self.ws.recv(), WAIT))

    async def receive_until(self, match):
        while True:
            frame = await self.receive()
            if match(frame):
                return frame

    async def chats(self, count):
        return [await self.receive_until(lambda f: f["type"] == "chat") for _ in range(count)]

    async def post(self, text, client_id=None):
        await self.ws.send(json.dumps({"type": "chat", "message": text, "client_id": client_id}))


async def join(server, user, query=""):
    key = await database_sync_to_async(session_for)(user)
    ws = await connect(
        f"ws://127.0.0.1:{server.port}/ws/chat/{query}",
        additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={key}", "Origin": server.url},
    )
    client = Client(ws)
    client.hello = await client.receive()
    assert client.hello["type"] == "hello"
    return client


def presence_is(names):
    return lambda frame: frame["type"] == "presence" and frame["users"] == names


async def make(make_user, *names):
    return [await database_sync_to_async(make_user)(name) for name in names]


async def test_a_message_posted_on_one_server_reaches_a_socket_on_the_other(make_user, start_server):
    a, b = start_server(**NO_RATE_LIMIT), start_server(**NO_RATE_LIMIT)
    alice, bob = await make(make_user, "alice", "bob")
    on_a, on_b = await join(a, alice), await join(b, bob)
    await on_a.post("hello from A", client_id="a-1")
    echo = await on_a.receive_until(lambda f: f["type"] == "chat")
    assert await on_b.receive_until(lambda f: f["type"] == "chat") == echo
    await on_a.ws.close()
    await on_b.ws.close()


async def test_messages_posted_on_both_servers_at_once_arrive_everywhere_in_history_order(
    make_user, start_server
):
    a, b = start_server(**NO_RATE_LIMIT), start_server(**NO_RATE_LIMIT)
    alice, bob, carol = await make(make_user, "alice", "bob", "carol")
    on_a, on_b, watcher = await join(a, alice), await join(b, bob), await join(b, carol)
    each = 25
    await asyncio.gather(
        *[on_a.post(f"a{i}", client_id=f"a{i}") for i in range(each)],
        *[on_b.post(f"b{i}", client_id=f"b{i}") for i in range(each)],
    )
    seen = [await client.chats(2 * each) for client in (on_a, on_b, watcher)]
    history = (await get_json(a, "/api/messages/?limit=200", alice))["messages"]
    assert [m["id"] for m in history] == sorted(m["id"] for m in history)
    for frames in seen:
        assert frames == history, "every socket gets every message once, in the history's id order"
    for client in (on_a, on_b, watcher):
        await client.ws.close()


async def test_presence_lists_everyone_connected_to_any_server(make_user, start_server):
    a, b = start_server(), start_server()
    alice, bob = await make(make_user, "alice", "bob")
    on_a = await join(a, alice)
    on_b = await join(b, bob)
    await on_a.receive_until(presence_is(["alice", "bob"]))
    await on_b.receive_until(presence_is(["alice", "bob"]))
    await on_b.ws.close()
    await on_a.receive_until(presence_is(["alice"]))
    await on_a.ws.close()


async def test_the_users_of_a_server_that_died_leave_presence(make_user, start_server):
    a, b = start_server(PRESENCE_TTL_SECONDS="3"), start_server(PRESENCE_TTL_SECONDS="3")
    alice, bob = await make(make_user, "alice", "bob")
    on_a = await join(a, alice)
    await join(b, bob)
    await on_a.receive_until(presence_is(["alice", "bob"]))
    b.process.send_signal(signal.SIGKILL)  # no chance to withdraw its report
    b.process.wait()
    frame = await asyncio.wait_for(on_a.receive_until(lambda f: f["type"] == "presence"), PRESENCE_DROP_WAIT)
    assert frame["users"] == ["alice"]
    await on_a.ws.close()


async def test_typing_on_one_server_is_shown_on_the_other(make_user, start_server):
    a, b = start_server(), start_server()
    alice, bob = await make(make_user, "alice", "bob")
    on_a, on_b = await join(a, alice), await join(b, bob)
    await on_a.ws.send(json.dumps({"type": "typing"}))
    assert await on_b.receive_until(lambda f: f["type"] == "typing") == {"type": "typing", "user": "alice"}
    await on_a.ws.close()
    await on_b.ws.close()


async def test_a_socket_resuming_on_the_other_server_gets_what_it_missed(make_user, start_server):
    a, b = start_server(**NO_RATE_LIMIT), start_server(**NO_RATE_LIMIT)
    alice, bob = await make(make_user, "alice", "bob")
    on_a = await join(a, alice)
    for i in range(5):
        await on_a.post(f"m{i}", client_id=f"m{i}")
    sent = await on_a.chats(5)
    resumed = await join(b, bob, f"?after={sent[1]['id']}")
    assert await resumed.chats(3) == sent[2:]
    await on_a.post("live", client_id="live")
    live = await on_a.receive_until(lambda f: f["type"] == "chat")
    assert await resumed.receive_until(lambda f: f["type"] == "chat") == live
    await on_a.ws.close()
    await resumed.ws.close()


async def test_a_stopping_server_closes_its_sockets_with_service_restart(make_user, start_server):
    server = start_server()
    (alice,) = await make(make_user, "alice")
    client = await join(server, alice)
    server.process.send_signal(signal.SIGTERM)
    with pytest.raises(websockets.ConnectionClosed) as closed:
        while True:
            await asyncio.wait_for(client.ws.recv(), WAIT)
    # 1012 "service restart" (sent by uvicorn): the page reconnects at once, with ?after=.
    assert closed.value.rcvd.code == 1012
    server.process.wait(WAIT)
    assert "Finished server process" in server.log_text()  # a clean shutdown, not a crash


async def test_a_server_on_another_database_than_its_redis_refuses_to_start(start_server):
    prefix = f"kc3chat-test-other-{secrets.token_hex(4)}"
    store = redis.Redis.from_url(settings.REDIS_URL)
    store.set(f"{prefix}:database", "the-other-processes-database", ex=60)
    try:
        with pytest.raises(RuntimeError) as refused:
            start_server(REDIS_PREFIX=prefix)
        assert "DATABASE_URL" in str(refused.value) and "different database" in str(refused.value)
    finally:
        store.delete(f"{prefix}:database")
        store.close()


async def test_two_servers_share_a_redis_that_needs_a_password(make_user, start_server):
    password = secrets.token_urlsafe(16)
    locked = ThrowawayRedis(password=password)
    try:
        url = locked.url
        a, b = start_server(REDIS_URL=url), start_server(REDIS_URL=url)
        alice, bob = await make(make_user, "alice", "bob")
        on_a, on_b = await join(a, alice), await join(b, bob)
        await on_a.receive_until(presence_is(["alice", "bob"]))
        await on_b.post("through a locked Redis", client_id="p-1")
        echo = await on_b.receive_until(lambda f: f["type"] == "chat")
        assert await on_a.receive_until(lambda f: f["type"] == "chat") == echo
        assert (await get_json(a, "/healthz"))["channel_layer"] == "ok"
        await on_a.ws.close()
        await on_b.ws.close()
        wrong = start_server(REDIS_URL=f"redis://:not-{password}@127.0.0.1:{locked.port}/0")
        assert (await get_json(wrong, "/healthz", expect=503))["channel_layer"].startswith("error")
    finally:
        locked.stop()


async def get_json(server, path, user=None, expect=200):
    cookie = None
    if user is not None:
        cookie = f"{settings.SESSION_COOKIE_NAME}={await database_sync_to_async(session_for)(user)}"
    return await asyncio.to_thread(_fetch_json, server.url + path, cookie, expect)


def _fetch_json(url, cookie, expect):
    request = urllib.request.Request(url)
    if cookie:
        request.add_header("Cookie", cookie)
    try:
        with urllib.request.urlopen(request, timeout=WAIT) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    assert expect is None or status == expect, body
    return json.loads(body)


async def test_a_users_rate_limit_holds_across_servers(make_user, start_server):
    slow_refill = {"CHAT_RATE_LIMIT": "0.1/10"}  # a burst of 10, then one message per 10 s
    a, b = start_server(**slow_refill), start_server(**slow_refill)
    (alice,) = await make(make_user, "alice")
    on_a, on_b = await join(a, alice), await join(b, alice)
    for n in range(8):
        await on_a.post(f"a{n}", client_id=f"a-{n}")
        await on_b.post(f"b{n}", client_id=f"b-{n}")
    answers = []
    for client in (on_a, on_b):
        own = set()
        while len(own) < 8:
            frame = await client.receive_until(lambda f: f["type"] in ("chat", "error"))
            if frame["client_id"] and frame["client_id"][0] == ("a" if client is on_a else "b"):
                own.add(frame["client_id"])
                answers.append(frame)
    stored = [f for f in answers if f["type"] == "chat"]
    refused = [f for f in answers if f["type"] == "error"]
    assert 10 <= len(stored) <= 11, "one bucket for the user, not one per server"
    assert {f["code"] for f in refused} == {"rate_limited"}
    await on_a.ws.close()
    await on_b.ws.close()


CLOSE_TOO_MANY_SOCKETS = 4429


async def closed_at_once_with(server, user):
    """Open a socket that the server is expected to close before its hello: the close code."""
    key = await database_sync_to_async(session_for)(user)
    ws = await connect(
        f"ws://127.0.0.1:{server.port}/ws/chat/",
        additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={key}", "Origin": server.url},
    )
    with pytest.raises(websockets.ConnectionClosed) as closed:
        frame = await asyncio.wait_for(ws.recv(), WAIT)
        raise AssertionError(f"the socket was served: {frame}")
    return closed.value.rcvd.code


async def test_the_cap_on_sockets_per_user_holds_across_servers(make_user, start_server):
    cap = {"CHAT_SOCKETS_PER_USER": "4"}
    a, b = start_server(**cap), start_server(**cap)
    alice, bob = await make(make_user, "alice", "bob")
    held = [await join(server, alice) for server in (a, b, a, b)]
    assert await closed_at_once_with(a, alice) == CLOSE_TOO_MANY_SOCKETS
    assert await closed_at_once_with(b, alice) == CLOSE_TOO_MANY_SOCKETS
    on_b = await join(b, bob)  # nobody else is counted with alice
    await held[0].ws.close()  # a place on server A frees one on B
    await held[0].ws.wait_closed()
    held[0] = await join_when_a_place_is_free(b, alice)
    assert await closed_at_once_with(a, alice) == CLOSE_TOO_MANY_SOCKETS
    for client in [*held, on_b]:
        await client.ws.close()


async def join_when_a_place_is_free(server, user):
    # The server releases the place once it has seen the close: a moment after the client has.
    deadline = asyncio.get_running_loop().time() + WAIT
    while True:
        try:
            return await join(server, user)
        except websockets.ConnectionClosed as closed:
            assert closed.rcvd.code == CLOSE_TOO_MANY_SOCKETS
            assert asyncio.get_running_loop().time() < deadline, "the place was never freed"
            await asyncio.sleep(0.1)


async def test_the_sockets_of_a_server_that_died_stop_counting_toward_the_cap(make_user, start_server):
    settings_for_both = {"CHAT_SOCKETS_PER_USER": "2", "PRESENCE_TTL_SECONDS": "3"}
    a, b = start_server(**settings_for_both), start_server(**settings_for_both)
    (alice,) = await make(make_user, "alice")
    await join(b, alice)
    await join(b, alice)
    assert await closed_at_once_with(a, alice) == CLOSE_TOO_MANY_SOCKETS
    b.process.send_signal(signal.SIGKILL)  # no chance to release its places
    b.process.wait()
    deadline = asyncio.get_running_loop().time() + PRESENCE_DROP_WAIT
    while True:
        try:
            on_a = await join(a, alice)
            break
        except websockets.ConnectionClosed as closed:
            assert closed.rcvd.code == CLOSE_TOO_MANY_SOCKETS
            assert asyncio.get_running_loop().time() < deadline, "the dead server's sockets still count"
            await asyncio.sleep(0.5)
    await on_a.ws.close()


async def test_typing_on_both_servers_at_once_is_passed_on_once_per_user(make_user, start_server):
    a, b = start_server(), start_server()
    alice, bob = await make(make_user, "alice", "bob")
    typists = [await join(server, alice) for server in (a, b, a, b)]
    watchers = [await join(a, bob), await join(b, bob)]
    for typist in typists:
        await typist.ws.send(json.dumps({"type": "typing"}))
    for watcher in watchers:
        seen = await frames_within(watcher, 1.5)
        assert [f for f in seen if f["type"] == "typing"] == [{"type": "typing", "user": "alice"}]
    for client in [*typists, *watchers]:
        await client.ws.close()


async def frames_within(client, seconds):
    loop = asyncio.get_running_loop()
    frames, deadline = [], loop.time() + seconds
    while (left := deadline - loop.time()) > 0:
        try:
            frames.append(json.loads(await asyncio.wait_for(client.ws.recv(), left)))
        except TimeoutError:
            break
    return frames
