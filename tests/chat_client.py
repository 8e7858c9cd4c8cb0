"""A chat client for tests that cross real sockets: it reconnects and resumes as the page does."""

import asyncio
import json
import os
import subprocess
import sys
import time

import websockets

from tests.conftest import ROOT

RECONNECT_SECONDS = 0.2


def prepare_people(database_url, names, extra_env=None, inside=()):
    """Migrate a database of a test's own and give each name a user and a signed-in session key.

    inside: a command prefix that runs manage.py in a network namespace (tests/network_hosts.py)."""
    env = {"DEBUG": "true", "DATABASE_URL": database_url, "REDIS_URL": "", **(extra_env or {})}
    subprocess.run([*inside, sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env={**os.environ, **env},
                   check=True)
    script = (
        "import json\n"
        "from django.contrib.auth import get_user_model\n"
        "from tests.conftest import session_for\n"
        f"names = {list(names)!r}\n"
        "keys = {n: session_for(get_user_model().objects.create_user(n, password='x' * 20)) for n in names}\n"
        "print(json.dumps(keys))\n"
    )
    result = subprocess.run(
        [*inside, sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


class Participant:
    """Connects to the first server that answers, keeps every chat frame, resumes with ?after=."""

    def __init__(self, name, session_key, servers):
        self.name = name
        self.session_key = session_key
        self.servers = list(servers)  # ServerProcess objects, tried in order
        self.ids = []  # ids of chat frames received, in arrival order
        self.arrived = {}  # id -> time.monotonic() of its first arrival
        self.frames = []
        self.acked = {}  # client_id -> id of its echo
        self.sent = {}  # client_id -> how often this participant sent it
        self.repeat_answers = []  # ids of the originals answering a post sent again (to this socket only)
        self.errors = []
        self.typing = []
        self.closes = []
        self.last_id = 0
        self.sessions = 0  # connections opened so far
        self.socket = None
        self.connected = asyncio.Event()
        self._task = None

    def start(self):
        self._task = asyncio.ensure_future(self._run())

    async def stop(self):
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        if self.socket is not None:
            await self.socket.close()

    async def post(self, text, client_id):
        await self.connected.wait()
        self.sent[client_id] = self.sent.get(client_id, 0) + 1
        try:
            await self.socket.send(json.dumps({"type": "chat", "message": text, "client_id": client_id}))
        except websockets.ConnectionClosed:
            pass  # not acknowledged: the test counts only echoed messages

    async def send_like_the_page(self, text, client_id, first_wait=1.0, max_wait=30.0):
        """Sends one message as the page's outbox does (chat/static/chat/outbox.js): again on each new
        connection, and again after 1, 2, 4... s when refused `unavailable`, always with the same
        client_id, until its echo comes. Returns the refusals it met."""
        refused, wait = [], first_wait
        while client_id not in self.acked:
            await self.connected.wait()
            session, seen = self.sessions, len(self.errors)
            await self.post(text, client_id)
            while client_id not in self.acked and self.sessions == session:
                refusal = next((e for e in self.errors[seen:] if e.get("client_id") == client_id), None)
                if refusal is not None:
                    assert refusal["code"] == "unavailable", refusal
                    refused.append(refusal)
                    await asyncio.sleep(wait)
                    wait = min(max_wait, wait * 2)
                    break
                await asyncio.sleep(0.01)
        return refused

    async def _run(self):
        while True:
            for server in list(self.servers):
                try:
                    await self._session(server)
                except (OSError, websockets.InvalidHandshake, websockets.ConnectionClosed) as error:
                    self.connected.clear()
                    code = getattr(getattr(error, "rcvd", None), "code", None)
                    self.closes.append(code)
                await asyncio.sleep(RECONNECT_SECONDS)

    async def _session(self, server):
        query = f"?after={self.last_id}" if self.last_id else ""
        async with websockets.connect(
            f"ws://127.0.0.1:{server.port}/ws/chat/{query}",
            additional_headers={"Cookie": f"sessionid={self.session_key}", "Origin": server.url},
            open_timeout=3,
        ) as sock:
            self.socket = sock
            self.sessions += 1
            self.connected.set()
            async for text in sock:
                frame = json.loads(text)
                if frame["type"] == "chat" and self._answers_a_repeat(frame):
                    # The contract answers a client_id sent again with the original msg, to the
                    # sender alone: the sender's retry, not a second delivery of the room's message.
                    self.repeat_answers.append(frame["id"])
                elif frame["type"] == "chat":
                    self.ids.append(frame["id"])
                    self.arrived.setdefault(frame["id"], time.monotonic())
                    self.frames.append(frame)
                    self.last_id = max(self.last_id, frame["id"])
                    if frame["user"] == self.name and frame["client_id"]:
                        self.acked[frame["client_id"]] = frame["id"]
                elif frame["type"] == "error":
                    self.errors.append(frame)
                elif frame["type"] == "typing":
                    self.typing.append(frame)
            self.closes.append(sock.close_code)
            self.connected.clear()

    def _answers_a_repeat(self, frame):
        mine = frame["user"] == self.name and frame["client_id"] is not None
        return mine and self.sent.get(frame["client_id"], 0) > 1 and frame["id"] in self.arrived

    async def until(self, condition, timeout=20):
        deadline = asyncio.get_running_loop().time() + timeout
        while not condition(self):
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"{self.name}: condition not met; ids={self.ids[-5:]} closes={self.closes}")
            await asyncio.sleep(0.05)
