"""A blocking WebSocket client of a real server (tests.conftest.start_server), for plain sync tests."""

import json
from contextlib import ExitStack

from django.conf import settings
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.conftest import session_for

RECEIVE_TIMEOUT = 10


class LiveSocket:
    def __init__(self, server, user=None, session_key=None):
        key = session_key or (session_for(user) if user is not None else None)
        headers = {"Origin": server.url}
        if key:
            headers["Cookie"] = f"{settings.SESSION_COOKIE_NAME}={key}"
        # max_size=None: the client must be able to send what the server refuses, and read anything.
        self._stack = ExitStack()
        self.ws = self._stack.enter_context(
            connect(
                f"ws://127.0.0.1:{server.port}/ws/chat/", additional_headers=headers, max_size=None, proxy=None,
                ping_interval=None,  # no keepalive pings: they draw on the random module under hypothesis
            )
        )

    def send_wire(self, wire):
        """Send exactly these bytes, as a binary frame or as a text frame (valid UTF-8 or not)."""
        self.ws.send(wire.data, text=not wire.binary)

    def send(self, frame):
        self.ws.send(json.dumps(frame))

    def receive(self, timeout=RECEIVE_TIMEOUT):
        return json.loads(self.ws.recv(timeout))

    def close_code(self, timeout=RECEIVE_TIMEOUT):
        """Read until the server closes; the code it closed with, and the frames that came before."""
        before = []
        try:
            while True:
                before.append(self.receive(timeout))
        except ConnectionClosed as closed:
            return (closed.rcvd.code if closed.rcvd else None), before

    def close(self):
        self._stack.close()
