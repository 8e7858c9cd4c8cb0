"""A socket's life on a real server: whatever ends it, it leaves the room (presence, the room feed)."""

import asyncio
import base64
import json
import os
import secrets
import socket

import pytest
import redis
import websockets
from channels.db import database_sync_to_async
from django.conf import settings

from tests.conftest import session_for

pytestmark = pytest.mark.django_db(transaction=True)

ABORTED_HANDSHAKES = 200
CAP = 3  # CHAT_SOCKETS_PER_USER
CLOSE_TOO_MANY_SOCKETS = 4429
WAIT = 10  # seconds a test waits for a frame before failing (not a measure of speed)
SETTLED_FOR = 2.0  # seconds presence must stay exact to count as settled


def upgrade_request(server, session_key):
    key = base64.b64encode(os.urandom(16)).decode()
    return (
        f"GET /ws/chat/ HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nConnection: Upgrade\r\n"
        f"Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {key}\r\n"
        f"Origin: {server.url}\r\nCookie: {settings.SESSION_COOKIE_NAME}={session_key}\r\n\r\n"
    ).encode()


def abort_handshakes(server, session_key, count):
    """Send the upgrade and close at once, never reading the answer (a tab closed while it opens)."""
    for _ in range(count):
        with socket.create_connection(("127.0.0.1", server.port), timeout=WAIT) as raw:
            raw.sendall(upgrade_request(server, session_key))


async def connect(server, user):
    key = await database_sync_to_async(session_for)(user)
    return await websockets.connect(
        f"ws://127.0.0.1:{server.port}/ws/chat/",
        additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={key}", "Origin": server.url},
    )


async def presence_settles_on(ws, names, timeout=30):
    """Presence frames until the list is `names` and no other frame comes for SETTLED_FOR seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    users = None
    while loop.time() < deadline:
        try:
            frame = json.loads(await asyncio.wait_for(ws.recv(), SETTLED_FOR))
        except TimeoutError:
            if users == names:
                return
            continue
        if frame["type"] == "presence":
            users = frame["users"]
    assert users == names, f"presence stayed {users}"


@pytest.mark.parametrize("ws_implementation", ["websockets", "websockets-sansio"])
async def test_handshakes_aborted_by_the_client_leave_no_one_online(make_user, start_server, ws_implementation):
    prefix = f"kc3chat-test-{secrets.token_hex(4)}"
    server = start_server(UVICORN_WS=ws_implementation, REDIS_PREFIX=prefix, CHAT_SOCKETS_PER_USER=str(CAP))
    ghost, watcher = [await database_sync_to_async(make_user)(name) for name in ("ghost", "watcher")]
    key = await database_sync_to_async(session_for)(ghost)
    async with await connect(server, watcher) as ws:
        await asyncio.to_thread(abort_handshakes, server, key, ABORTED_HANDSHAKES)
        await presence_settles_on(ws, ["watcher"])
    async with await connect(server, watcher) as ws:
        # A socket that joins now is told only what the process holds: no ghost among its users.
        await presence_settles_on(ws, ["watcher"])
    # The server counts none of the aborted sockets as still open: the ghost gets exactly the cap.
    held = [await connect(server, ghost) for _ in range(CAP)]
    for ws in held:
        assert json.loads(await asyncio.wait_for(ws.recv(), WAIT))["type"] == "hello"
    async with await connect(server, ghost) as one_too_many:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(one_too_many.recv(), WAIT)
        assert closed.value.rcvd.code == CLOSE_TOO_MANY_SOCKETS
    for ws in held:
        await ws.close()
    if settings.REDIS_URL:
        # With every socket gone the process's feed has no listener left: it stops and withdraws
        # its presence report, which a listener it still held would keep.
        await feed_reports_vanish(prefix)


async def feed_reports_vanish(prefix, timeout=WAIT):
    store = redis.Redis.from_url(settings.REDIS_URL)
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while store.smembers(f"{prefix}:presence"):
            assert asyncio.get_running_loop().time() < deadline, "a feed still reports presence"
            await asyncio.sleep(0.1)
    finally:
        store.close()
