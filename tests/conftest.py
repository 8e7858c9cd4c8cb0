"""Shared fixtures: people with sessions, sockets on the real ASGI application, and a real server.

Which database and channel layer the tests use comes from the environment, exactly as for the app:
tests/run.py runs the suite once on the embedded stack and once on PostgreSQL + Redis.
"""

import json
import os
import socket
import subprocess
import sys
import time
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import pytest_asyncio
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
)
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection

from tests.throwaway_services import ThrowawayPostgres, ThrowawayRedis, free_port

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "a long enough passphrase 42"
RECEIVE_TIMEOUT = 5


@pytest.fixture
def postgres():
    """A PostgreSQL of the test's own (tests/throwaway_services.py): to stop, kill or fill at will."""
    cluster = ThrowawayPostgres()
    yield cluster
    cluster.destroy()


@pytest.fixture
def redis():
    """A Redis of the test's own, never the shared one."""
    server = ThrowawayRedis()
    yield server
    server.stop()


@pytest.fixture
def no_rate_limit(settings):
    settings.CHAT_RATE_LIMIT = (0, 1)


@pytest.fixture
def make_user(transactional_db):
    def make(username, password=PASSWORD, **extra):
        return get_user_model().objects.create_user(username=username, password=password, **extra)

    return make


def session_for(user):
    """A signed-in session, as the login view would leave it; returns the session key."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


class Socket:
    """A client of /ws/chat/ on the in-process application, speaking JSON frames."""

    def __init__(self, communicator):
        self.communicator = communicator

    async def send(self, frame):
        await self.communicator.send_to(text_data=frame if isinstance(frame, str) else json.dumps(frame))

    async def receive(self, timeout=RECEIVE_TIMEOUT):
        return json.loads(await self.communicator.receive_from(timeout))

    async def receive_until(self, kind, timeout=RECEIVE_TIMEOUT):
        """The next frame of this type, skipping others (presence, typing...)."""
        while True:
            frame = await self.receive(timeout)
            if frame["type"] == kind:
                return frame

    async def receive_until_any(self, kinds, timeout=RECEIVE_TIMEOUT):
        while True:
            frame = await self.receive(timeout)
            if frame["type"] in kinds:
                return frame

    async def chats(self, count, timeout=RECEIVE_TIMEOUT):
        return [await self.receive_until("chat", timeout) for _ in range(count)]

    async def more_chats(self, wait=0.5):
        """Chat frames that arrive within `wait` seconds (other frames are skipped)."""
        chats = []
        while not await self.communicator.receive_nothing(wait):
            frame = await self.receive()
            if frame["type"] == "chat":
                chats.append(frame)
        return chats

    async def post(self, text, client_id=None):
        await self.send({"type": "chat", "message": text, "client_id": client_id})

    async def closed_with(self, timeout=RECEIVE_TIMEOUT):
        while True:
            output = await self.communicator.receive_output(timeout)
            if output["type"] == "websocket.close":
                return output.get("code")


@pytest_asyncio.fixture
async def open_socket(transactional_db):
    """open_socket(user, query="", origin=...) -> (connected, Socket or close code); closed afterwards."""
    from config.asgi import application

    opened = []

    async def open_(user=None, query="", origin="http://testserver", session_key=None):
        headers = [(b"host", b"testserver")] + ([(b"origin", origin.encode())] if origin else [])
        if user is not None or session_key is not None:
            key = session_key or await database_sync_to_async(session_for)(user)
            headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={key}".encode()))
        communicator = WebsocketCommunicator(application, f"/ws/chat/{query}", headers=headers)
        connected, code = await communicator.connect()
        if not connected:
            return False, code
        opened.append(communicator)
        return True, Socket(communicator)

    yield open_
    # Each test's loop ends with the test: leave the room so the feed stops cleanly.
    for communicator in opened:
        try:
            await communicator.disconnect()
        except Exception:
            pass


@asynccontextmanager
async def joined(open_socket, user, query=""):
    connected, sock = await open_socket(user, query)
    assert connected, f"{user} could not connect: {sock}"
    hello = await sock.receive()
    assert hello["type"] == "hello"
    sock.hello = hello
    try:
        yield sock
    finally:
        await sock.communicator.disconnect()


@pytest.fixture
def joined_socket(open_socket):
    return lambda user, query="": joined(open_socket, user, query)


def database_url_for_servers():
    """The URL of the database the tests are using, for server processes started by a test."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


class ServerProcess:
    """uvicorn serving config.asgi on a free port, on the tests' database and channel layer."""

    def __init__(self, extra_env=None, ws_max_size=65536, cwd=ROOT, args=()):
        """cwd: the project folder to serve (a participant's edited copy, in the workshop tests)."""
        self.port = free_port()
        self.cwd = cwd
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_max_size = ws_max_size
        self.args = list(args)  # more uvicorn options, e.g. ["--ws", "websockets-sansio"]
        self.env = {
            **os.environ,
            "DEBUG": "true",
            "DATABASE_URL": database_url_for_servers(),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PYTHONUNBUFFERED": "1",
            **(extra_env or {}),
        }
        self.log_path = ROOT / "test-artifacts" / f"server-{self.port}.log"
        self.log_path.parent.mkdir(exist_ok=True)
        self.log = open(self.log_path, "w")
        self._start()

    def _start(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1",
             "--port", str(self.port), *(["--ws-max-size", str(self.ws_max_size)] if self.ws_max_size else []),
             *self.args],
            cwd=self.cwd, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        self._wait_until_listening()

    def _wait_until_listening(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"server did not listen on {self.port}")

    def stop(self):
        self._end_process()
        self.log.close()

    def restart(self, while_stopped=None):
        """Stops the server, calls while_stopped() if given, and starts it again on the same port."""
        self._end_process()
        if while_stopped is not None:
            while_stopped()
        self._start()

    def _end_process(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log_text(self):
        return self.log_path.read_text()


@pytest.fixture
def start_server(transactional_db):
    servers = []

    def start(ws_max_size=65536, cwd=ROOT, args=(), **extra_env):
        # ws_max_size=None: uvicorn's own default (16 MiB), to test the application's 64 KiB check
        server = ServerProcess(extra_env, ws_max_size, cwd, args)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
