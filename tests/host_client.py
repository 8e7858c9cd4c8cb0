"""A chat client on a host of a test network (tests/network_hosts.py), talking to that host's server.

The test cannot open a socket inside a network namespace itself, so the client runs there as a
program, `python -m tests.host_client URL SESSION_KEY`, under `ip netns exec`. It reconnects and
resumes with `?after=` its last id, as the page does. Lines of JSON cross the namespace:

- on its stdin, frames to send (`{"type": "chat", ...}`), sent once connected;
- on its stdout, what happened: `{"open": URL}`, `{"frame": {...}}` for every frame received,
  `{"closed": CODE}`.

`HostClient` starts it and reads what it says, for the test.
"""

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time

RECONNECT_SECONDS = 0.2


# --- inside the namespace --------------------------------------------------------------------------

def say(**event):
    print(json.dumps(event), flush=True)


async def run_client(url, session_key):
    import websockets

    origin = url.replace("ws://", "http://").split("/ws/")[0]
    outgoing = asyncio.Queue()
    loop = asyncio.get_running_loop()

    def read_stdin():
        for line in sys.stdin:
            loop.call_soon_threadsafe(outgoing.put_nowait, line.strip())
        os._exit(0)  # the test closed our stdin: it is done with us

    threading.Thread(target=read_stdin, daemon=True).start()
    last_id = 0
    while True:
        address = f"{url}?after={last_id}" if last_id else url
        try:
            async with websockets.connect(
                address, additional_headers={"Cookie": f"sessionid={session_key}", "Origin": origin},
                open_timeout=3, proxy=None,
            ) as sock:
                say(open=address)
                sending = asyncio.ensure_future(send_all(sock, outgoing))
                try:
                    async for text in sock:
                        frame = json.loads(text)
                        if frame["type"] == "chat":
                            last_id = max(last_id, frame["id"])
                        say(frame=frame)
                finally:
                    sending.cancel()
                say(closed=sock.close_code)
        except (OSError, asyncio.TimeoutError, websockets.InvalidHandshake, websockets.ConnectionClosed) as error:
            say(closed=getattr(getattr(error, "rcvd", None), "code", None))
        await asyncio.sleep(RECONNECT_SECONDS)


async def send_all(sock, outgoing):
    while True:
        await sock.send(await outgoing.get())


# --- in the test -----------------------------------------------------------------------------------

class HostClient:
    """The client above, started on a host; stop() ends it."""

    def __init__(self, host, session_key, port=8000, log_path=None):
        self.host = host
        self.events = []
        self._changed = threading.Condition()
        self._log = open(log_path or os.devnull, "w")
        self.process = subprocess.Popen(
            [*host.inside, sys.executable, "-m", "tests.host_client", f"ws://127.0.0.1:{port}/ws/chat/", session_key],
            cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log,
            text=True, start_new_session=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            with self._changed:
                self.events.append((time.monotonic(), json.loads(line)))
                self._changed.notify_all()

    def send(self, frame):
        self.process.stdin.write(json.dumps(frame) + "\n")
        self.process.stdin.flush()

    def post(self, text, client_id):
        self.send({"type": "chat", "message": text, "client_id": client_id})

    def frames(self, kind):
        with self._changed:
            return [event["frame"] for _, event in self.events if event.get("frame", {}).get("type") == kind]

    def chats(self):
        return self.frames("chat")

    def connections(self):
        with self._changed:
            return [event["open"] for _, event in self.events if "open" in event]

    def closes(self):
        with self._changed:
            return [event["closed"] for _, event in self.events if "closed" in event]

    def wait_until(self, condition, timeout, what):
        deadline = time.monotonic() + timeout
        with self._changed:
            while not condition():
                left = deadline - time.monotonic()
                if left <= 0 or self.process.poll() is not None:
                    raise AssertionError(
                        f"{self.host.name}'s client: {what} did not happen within {timeout} s; "
                        f"last events: {[event for _, event in self.events[-5:]]}"
                    )
                self._changed.wait(min(left, 0.2))

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self._log.close()


if __name__ == "__main__":
    asyncio.run(run_client(sys.argv[1], sys.argv[2]))
