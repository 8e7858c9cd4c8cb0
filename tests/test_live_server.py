"""A real server on a real socket: what the in-process tests cannot show."""

import asyncio
import json

import pytest
import websockets
from channels.db import database_sync_to_async
from django.conf import settings

from chat.models import Message
from tests.conftest import session_for
from tests.contract_model import Wire
from tests.live_sockets import LiveSocket

pytestmark = pytest.mark.django_db(transaction=True)

IDLE_SECONDS = 12  # twice past redis-py 8's 5 s socket timeout against channels_redis' 5 s blocking read


async def connect(server, user, query=""):
    key = await database_sync_to_async(session_for)(user)
    return await websockets.connect(
        f"ws://127.0.0.1:{server.port}/ws/chat/{query}",
        additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={key}", "Origin": server.url},
    )


async def next_of(sock, kind, timeout=5):
    while True:
        frame = json.loads(await asyncio.wait_for(sock.recv(), timeout))
        if frame["type"] == kind:
            return frame


async def test_two_people_talk_both_ways_through_a_real_server(make_user, start_server):
    server = start_server()
    alice, bob = [await database_sync_to_async(make_user)(name) for name in ("alice", "bob")]
    async with await connect(server, alice) as a, await connect(server, bob) as b:
        await a.send(json.dumps({"type": "chat", "message": "hi bob", "client_id": "a1"}))
        assert (await next_of(b, "chat"))["message"] == "hi bob"
        await b.send(json.dumps({"message": "hi alice"}))
        assert (await next_of(a, "chat"))["message"] == "hi bob"
        assert (await next_of(a, "chat"))["message"] == "hi alice"


@pytest.mark.skipif(not settings.REDIS_URL, reason="the timeout it guards against is Redis' (the services pass)")
async def test_an_idle_socket_stays_open_and_still_receives(make_user, start_server):
    server = start_server()
    alice, bob = [await database_sync_to_async(make_user)(name) for name in ("alice", "bob")]
    async with await connect(server, alice) as a:
        await asyncio.sleep(IDLE_SECONDS)
        async with await connect(server, bob) as b:
            await b.send(json.dumps({"message": "still there?"}))
            assert (await next_of(a, "chat"))["message"] == "still there?"
    assert "TimeoutError" not in server.log_text()


async def test_a_frame_over_64_kib_is_closed_with_1009_by_the_server(make_user, start_server):
    server = start_server()
    alice = await database_sync_to_async(make_user)("alice")
    async with await connect(server, alice) as a:
        await a.send(json.dumps({"message": "x" * 70_000}))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await next_of(a, "chat")
        assert closed.value.rcvd.code == 1009


async def test_an_anonymous_handshake_is_refused_by_the_server(start_server):
    server = start_server()
    with pytest.raises(websockets.InvalidStatus) as refused:
        await websockets.connect(f"ws://127.0.0.1:{server.port}/ws/chat/", additional_headers={"Origin": server.url})
    assert refused.value.response.status_code == 403


NOT_UTF8_TEXT = b'{"type":"chat","message":"caf\xe9"}'  # Latin-1 in a text frame


@pytest.mark.parametrize(
    "args",
    [[], ["--workers", "2", "--ws", "websockets-sansio"], ["--ws", "websockets"]],
    ids=["make-run", "make-serve", "legacy-websockets"],
)
def test_a_text_frame_that_is_not_utf8_is_closed_with_1007_quietly(make_user, start_server, args):
    # make run leaves uvicorn its default implementation; make serve names websockets-sansio.
    server = start_server(args=args)
    alice = make_user("alice")
    for frame in (Wire(False, NOT_UTF8_TEXT), [b'{"type":"chat",', b'"message":"\xff"}']):  # whole, in fragments
        sock = LiveSocket(server, alice)
        try:
            try:
                if isinstance(frame, Wire):
                    sock.send_wire(frame)
                else:
                    sock.ws.send(frame, text=True)
            except websockets.ConnectionClosed:
                pass  # the server may close on the bad fragment before the client has finished sending
            code, _ = sock.close_code()
            assert code == 1007
        finally:
            sock.close()
    server.stop()
    log = server.log_text()
    assert "ERROR" not in log and "Traceback" not in log, log
    assert not Message.objects.exists()
