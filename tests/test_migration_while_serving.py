"""A migration on a table of 1,000,000 messages while people post: posting never waits a second.

The kinds docs/deployment.md calls safe (a nullable column, a column with a constant default, an
index built CONCURRENTLY in a non-atomic migration: tests/rehearsed_migrations.py) are applied as
`migrate` applies them, to a PostgreSQL of the test's own, while a poster keeps posting to two
server processes. Then the processes are restarted one at a time, as a new version is rolled out:
the poster's page reconnects with ?after= and nothing is lost or doubled. About 45 s, most of it
loading the million rows.
"""

import asyncio
import os
import subprocess
import sys
import time

import pytest

from tests.chat_client import Participant, prepare_people
from tests.conftest import ROOT, ServerProcess

MESSAGES = 1_000_000
LONGEST_WAIT_SECONDS = 1.0

pytestmark = pytest.mark.skipif(
    not os.environ.get("KC3CHAT_SERVICES"), reason="runs in the PostgreSQL + Redis pass (tests/run.py)"
)


def fill_history(postgres, count):
    """count messages by one author, ids 1..count as the app gives them, in one statement."""
    postgres.sql(
        "INSERT INTO chat_message (id, author_id, body, created_at, client_id) "
        "SELECT g, (SELECT id FROM auth_user WHERE username = 'history'), 'history message ' || g, "
        f"now() - interval '1 second' * ({count} - g), NULL FROM generate_series(1, {count}) g"
    )
    postgres.sql(f"UPDATE chat_room SET last_message_id = {count}")
    postgres.sql("VACUUM ANALYZE chat_message")


def migrate(postgres):
    script = "from tests.rehearsed_migrations import apply; apply()"
    env = {**os.environ, "DEBUG": "true", "DATABASE_URL": postgres.url, "REDIS_URL": ""}
    result = subprocess.run([sys.executable, "manage.py", "shell", "--no-imports", "-c", script], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


async def test_safe_migrations_on_a_million_messages_never_hold_a_post_for_a_second(postgres, redis):
    keys = prepare_people(postgres.url, ["poster", "history"])
    started = time.monotonic()
    fill_history(postgres, MESSAGES)
    filled_in = time.monotonic() - started
    env = {"DATABASE_URL": postgres.url, "REDIS_URL": redis.url, "CHAT_RATE_LIMIT": "0"}
    servers = [ServerProcess(env), ServerProcess(env)]
    poster = Participant("poster", keys["poster"], servers)
    poster.start()
    await poster.connected.wait()
    waits = []  # (when it was sent, seconds until its echo)
    posting = True

    async def keep_posting():
        k = 0
        while posting:
            sent = time.monotonic()
            await poster.send_like_the_page(f"while migrating {k}", f"m-{k}")
            waits.append((sent, time.monotonic() - sent))
            k += 1
            await asyncio.sleep(0.02)

    try:
        traffic = asyncio.ensure_future(keep_posting())
        await asyncio.sleep(1)
        migration_started = time.monotonic()
        report = await asyncio.to_thread(migrate, postgres)
        migration_ended = time.monotonic()
        await asyncio.sleep(1)
        during = [wait for sent, wait in waits if migration_started - 1 <= sent <= migration_ended]

        # A new version, one process at a time: the page moves to the other one and resumes.
        for server in servers:
            await asyncio.to_thread(server.restart)
            await asyncio.sleep(1)
        posting = False
        await asyncio.wait_for(traffic, 30)
        await poster.until(lambda p: set(p.acked.values()) <= set(p.ids))
    finally:
        posting = False
        await poster.stop()
        for server in servers:
            server.stop()

    print(f"\n{MESSAGES} messages stored in {filled_in:.1f} s; {report.replace(chr(10), '; ')}; "
          f"{len(during)} posts during the migration, longest wait {max(during):.3f} s; "
          f"closes seen by the page: {poster.closes}")
    assert postgres.sql("SELECT indisvalid FROM pg_index WHERE indexrelid = 'message_author_time'::regclass") == "t"
    assert len(during) > 20 and max(during) < LONGEST_WAIT_SECONDS
    rows = postgres.sql(f"SELECT id, client_id FROM chat_message WHERE id > {MESSAGES} ORDER BY id").splitlines()
    stored = {client_id: int(message_id) for message_id, client_id in (row.split("|") for row in rows)}
    assert stored == poster.acked and len(rows) == len(stored)
    assert sorted(stored.values()) == list(range(MESSAGES + 1, MESSAGES + len(rows) + 1))
    assert poster.ids == sorted(set(poster.ids))
    assert 1012 in poster.closes  # the restarts really moved the page
