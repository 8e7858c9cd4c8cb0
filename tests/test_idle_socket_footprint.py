"""What an open socket keeps while it idles: thousands of them sit open, so each holds one task (the
server's own), the server's scope with no copy, and the server's own send (bench/RESULTS.md,
docs/architecture.md)."""

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.signed_in_socket import SignedInSocket
from config.socket_origin import same_origin
from tests.conftest import session_for

pytestmark = pytest.mark.django_db(transaction=True)


async def test_an_idle_socket_holds_no_task_besides_its_own(make_user, open_socket):
    # No receive task (channels' await_many_dispatch), no task sleeping until the session expires,
    # no writer while nothing waits: only the task the server runs the socket in.
    alice = await database_sync_to_async(make_user)("alice")
    connected, first = await open_socket(alice)
    assert connected and (await first.receive())["type"] == "hello"  # the feed and its companions run
    await asyncio.sleep(0.2)
    before = set(asyncio.all_tasks())
    sockets = []
    for _ in range(3):
        connected, sock = await open_socket(alice)
        assert connected and (await sock.receive())["type"] == "hello"
        sockets.append(sock)
    # The process's own short tasks (a presence report to Redis) come and go: wait for them to end.
    for _ in range(20):
        await asyncio.sleep(0.1)
        held = sorted(task.get_coro().__qualname__ for task in set(asyncio.all_tasks()) - before)
        if held == ["ChannelFreeWebsocketConsumer.__call__"] * len(sockets):
            break
    assert held == ["ChannelFreeWebsocketConsumer.__call__"] * len(sockets)
    # And that task runs the consumer itself: no frame of the scope-type router (config/scope_type_router.py),
    # of SignedInSocket, of a URL router or as_asgi above it.
    (task, *_) = set(asyncio.all_tasks()) - before
    assert _awaiting(task.get_coro())[0] == "ChannelFreeWebsocketConsumer.__call__"
    await sockets[0].send({"type": "ping"})
    assert (await sockets[0].receive_until("pong"))["type"] == "pong"


def _awaiting(coroutine):
    """The qualified names of the coroutines a suspended one awaits, outermost first."""
    names = []
    while hasattr(coroutine, "cr_await"):
        names.append(coroutine.__qualname__)
        coroutine = coroutine.cr_await
    return names


class OneRoute:
    """A stand-in for config/socket_routes.py's SocketRoutes: every path gets this application."""

    def __init__(self, application):
        self.application = application

    def consumer_for(self, scope):
        return self.application


def scope_recorder(seen):
    async def app(scope, receive, send, before=None):
        if before is not None:
            await before  # SignedInSocket's reading of the user, as ChannelFreeWebsocketConsumer awaits it
        seen.append((scope, send))
        await receive()
        await send({"type": "websocket.accept"})
        await receive()

    return app


async def signed_in_handshake(session_key):
    """A handshake through SignedInSocket with the session's cookie: (communicator, [(scope, send)])."""
    seen = []
    headers = [(b"host", b"testserver"), (b"origin", b"http://testserver"),
               (b"cookie", f"{settings.SESSION_COOKIE_NAME}={session_key}".encode())]
    communicator = WebsocketCommunicator(SignedInSocket(OneRoute(scope_recorder(seen)), origin_allowed=same_origin),
                                         "/ws/chat/", headers=headers)
    connected, _ = await communicator.connect()
    assert connected
    return communicator, seen


async def test_the_socket_middleware_gives_the_user_and_session_and_leaves_send_unwrapped(make_user):
    alice = await database_sync_to_async(make_user)("alice")
    key = await database_sync_to_async(session_for)(alice)
    communicator, ((scope, send),) = await signed_in_handshake(key)
    assert scope["user"].pk == alice.pk and scope["session_key"] == key
    assert "headers" not in scope, "read at the handshake, not kept while the socket is open"
    assert scope is communicator.scope, "the server's scope, not a copy kept as long as the socket is open"
    assert send == communicator.output_queue.put, "frames out go straight to the server's send"
    await communicator.disconnect()


def test_the_socket_middleware_refuses_a_foreign_origin_before_any_query_or_the_inner_app(make_user):
    from asgiref.sync import async_to_sync

    key = session_for(make_user("alice"))
    seen = []

    async def handshake():
        headers = [(b"host", b"testserver"), (b"origin", b"http://testserver:9999"),
                   (b"cookie", f"{settings.SESSION_COOKIE_NAME}={key}".encode())]
        communicator = WebsocketCommunicator(SignedInSocket(OneRoute(scope_recorder(seen)), origin_allowed=same_origin),
                                             "/ws/chat/", headers=headers)
        return await communicator.connect()

    with CaptureQueriesContext(connection) as queries:
        connected, code = async_to_sync(handshake)()
    assert not connected and seen == []
    assert len(queries) == 0, [q["sql"] for q in queries]


def test_a_path_without_a_route_is_refused_as_channels_url_router_refuses_it_before_any_query():
    from asgiref.sync import async_to_sync

    from chat.routing import websocket_urlpatterns
    from chat.consumers import ChatConsumer
    from config.socket_routes import SocketRoutes

    routes = SocketRoutes(websocket_urlpatterns)
    assert isinstance(routes.consumer_for({"path": "/ws/chat/"}), ChatConsumer)
    assert isinstance(routes.consumer_for({"path": "/chat/ws/chat/", "root_path": "/chat"}), ChatConsumer)

    async def handshake():
        headers = [(b"host", b"testserver"), (b"origin", b"http://testserver"), (b"cookie", b"sessionid=x")]
        communicator = WebsocketCommunicator(SignedInSocket(routes, origin_allowed=same_origin), "/ws/room/",
                                             headers=headers)
        return await communicator.connect()

    with CaptureQueriesContext(connection) as queries, pytest.raises(ValueError, match="No route found for path 'ws/room/'"):
        async_to_sync(handshake)()
    assert len(queries) == 0, [q["sql"] for q in queries]


async def test_the_socket_keeps_a_slim_record_of_its_user_and_stores_as_that_user(make_user):
    from config.signed_in_person import SignedInPerson

    bob = await database_sync_to_async(make_user)("bob", is_staff=True)
    key = await database_sync_to_async(session_for)(bob)
    communicator, ((scope, _),) = await signed_in_handshake(key)
    person = scope["user"]
    assert isinstance(person, SignedInPerson) and not hasattr(person, "__dict__")
    assert (person.pk, person.get_username(), person.is_staff, person.is_authenticated) == (bob.pk, "bob", True, True)
    user = person.as_user()
    assert user == bob and user.get_username() == "bob" and user.is_staff and user.is_active
    assert user.get_deferred_fields() >= {"password", "email"}, "the fields the socket did not keep are not made up"
    await communicator.disconnect()


def test_the_scope_type_router_is_an_asgi3_application_and_refuses_an_unknown_type():
    import uvicorn
    from asgiref.compatibility import is_double_callable

    from config.scope_type_router import ScopeTypeRouter

    config = uvicorn.Config("config.asgi:application")
    config.load()
    assert config.interface == "asgi3", "not wrapped as an ASGI 2 application"
    router = ScopeTypeRouter({"http": scope_recorder([])})
    assert not is_double_callable(router)
    with pytest.raises(ValueError, match="No application configured for scope type 'websocket'"):
        router({"type": "websocket"}, None, None)
