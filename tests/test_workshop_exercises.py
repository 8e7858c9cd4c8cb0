"""The hands-on guides' exercises that need no browser, done as the guides say, with the outcome
each promises. The steps come from the guides themselves (commands, diffs, expected JSON), so an
exercise that stops working, or a guide that stops saying what happens, fails here. The browser
exercises are in tests/browser/test_workshop_exercises.py.

A participant's `make run` is `manage.py migrate` then uvicorn (the Makefile); these tests run the
two directly, on a copy of the project where an exercise edits code (tests/workshop_guide.py).
"""

import json
import os
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from django.conf import settings

from tests.conftest import ROOT, ServerProcess, session_for
from tests.throwaway_services import ThrowawayPostgres, ThrowawayRedis, free_port
from tests.workshop_guide import (
    GUIDE_ADDRESS,
    apply_diff,
    assert_the_guide_says,
    participant_copy,
    section_blocks,
    undo_diff,
)

LANGUAGES = ["ja", "en"]
ON_SERVICES = bool(os.environ.get("KC3CHAT_SERVICES"))
needs_services = pytest.mark.skipif(not ON_SERVICES, reason="needs PostgreSQL and Redis (tests/run.py's services pass)")


def make_run_migrate(cwd=ROOT, **env):
    """The first half of `make run`: the migration, as the participant's shell would run it."""
    environment = {**os.environ, "DEBUG": "true", **env}
    if env.get("SECRET_KEY") is None:
        environment.pop("SECRET_KEY", None)
    return subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=120)


def get_json(url, session_key=None):
    request = urllib.request.Request(url)
    if session_key:
        request.add_header("Cookie", f"{settings.SESSION_COOKIE_NAME}={session_key}")
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def guide_json_lines(language, number, index):
    """The JSON objects of the section's index-th `json` block, one per line."""
    block = section_blocks(language, number, "json")[index]
    return [json.loads(line) for line in block.lines if line.strip()]


# --- 1. Settings: start a production configuration without a key ----------------------------------

KEYLESS_REFUSAL = "django.core.exceptions.ImproperlyConfigured: Set SECRET_KEY (or DEBUG=true for local development)."


@pytest.mark.stack_independent
def test_settings_exercise_debug_off_without_a_key_stops_while_migrating(tmp_path):
    for language in LANGUAGES:
        commands = [line for block in section_blocks(language, 1, "sh") for line in block.lines]
        assert commands == ["DEBUG=false make run"]
        assert_the_guide_says(language, 1, KEYLESS_REFUSAL)
    result = make_run_migrate(DEBUG="false", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert result.returncode != 0
    assert KEYLESS_REFUSAL in result.stderr
    assert not (tmp_path / "db.sqlite3").exists(), "it stopped before touching the database"


# --- 2. The entrance: remove the origin check and watch another origin connect ---------------------

PUT_BACK_AND_RESTART = {
    "ja": "元に戻し（`git checkout config/asgi.py`）、サーバーを起動し直して",
    "en": "Put the line back afterwards (`git checkout config/asgi.py`) and restart the server",
}


def run_handshakes(language, server, session_key):
    """The guide's two `curl` handshakes (page origin, then another site's), as the participant types them."""
    (block,) = section_blocks(language, 2, "sh")
    host = server.url.removeprefix("http://")
    script = "\n".join(block.lines).replace(GUIDE_ADDRESS, host)
    script = re.sub(r"SESSIONID=\S+", f"SESSIONID={session_key}", script, count=1)
    # curl prints the WebSocket frames after a 101 as they come, framing bytes included.
    output = subprocess.run(["bash", "-c", script], capture_output=True, timeout=60).stdout.decode(errors="replace")
    return re.findall(r"HTTP/1\.1 (\d{3}) ", output), output


@pytest.mark.stack_independent  # the origin check refuses before the database or the layer is asked
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(shutil.which("curl") is None, reason="the exercise uses curl")
def test_entrance_exercise_another_origin_is_refused_until_the_check_is_removed(make_user, start_server, tmp_path):
    for language in LANGUAGES:
        assert_the_guide_says(language, 2, "HTTP/1.1 101 Switching Protocols", "HTTP/1.1 403 Forbidden", "`101`",
                              "`403`", PUT_BACK_AND_RESTART[language])
    key = session_for(make_user("alice"))
    copy = participant_copy(tmp_path)
    server = start_server(cwd=copy, SECRET_KEY=settings.SECRET_KEY)

    for language in LANGUAGES:
        statuses, output = run_handshakes(language, server, key)
        assert statuses == ["101", "403"], output
        assert '"type":"hello"' in output, "the page's origin gets the hello frame"

    (diff,) = section_blocks("ja", 2, "diff")
    apply_diff(diff, copy)
    server.restart()
    statuses, output = run_handshakes("ja", server, key)
    assert statuses == ["101", "101"], "without the check another site's page opens a socket as you"

    undo_diff(copy, diff.file)
    server.restart()
    assert run_handshakes("ja", server, key)[0] == ["101", "403"]


# --- 9. Talk across machines: what /healthz says -----------------------------------------------------

@needs_services
@pytest.mark.django_db(transaction=True)
def test_healthz_answers_what_the_guide_shows_when_all_is_well_and_for_each_fault():
    for language in LANGUAGES:
        assert [line for block in section_blocks(language, 9, "sh") for line in block.lines
                if "healthz" in line] == ["curl -s http://127.0.0.1:8000/healthz"]
        assert guide_json_lines(language, 9, 0) == guide_json_lines("ja", 9, 0)
        assert guide_json_lines(language, 9, 1) == guide_json_lines("ja", 9, 1)
    (all_well,) = guide_json_lines("ja", 9, 0)
    wrong_password, redis_unreachable, database_gone = guide_json_lines("ja", 9, 1)
    redis = ThrowawayRedis(password="hostsecret1")
    postgres = ThrowawayPostgres()
    servers = []

    def serve(**env):
        servers.append(ServerProcess(env))
        return servers[-1]

    try:
        right = serve(REDIS_URL=redis.url)
        assert get_json(right.url + "/healthz") == (200, all_well)
        wrong = serve(REDIS_URL=redis.url.replace("hostsecret1", "wrongsecret2"))
        assert get_json(wrong.url + "/healthz") == (503, wrong_password)
        nowhere = serve(REDIS_URL=f"redis://:hostsecret1@127.0.0.1:{free_port()}/0")
        assert get_json(nowhere.url + "/healthz") == (503, redis_unreachable)

        assert make_run_migrate(DATABASE_URL=postgres.url).returncode == 0
        on_postgres = serve(REDIS_URL=redis.url, DATABASE_URL=postgres.url, REDIS_PREFIX="kc3chat-other")
        assert get_json(on_postgres.url + "/healthz") == (200, all_well)
        postgres.stop()  # the host's PostgreSQL goes away while the server runs
        assert get_json(on_postgres.url + "/healthz") == (503, database_gone)
    finally:
        for server in servers:
            server.stop()
        postgres.destroy()
        redis.stop()


STOPS_AT_MIGRATE = {
    "ja": "`make run` はマイグレートの段階で `OperationalError` を出して止まります",
    "en": "`make run` stops at the migration with `OperationalError`",
}


@pytest.mark.stack_independent  # it names its own unreachable database
def test_a_database_that_cannot_be_reached_stops_make_run_at_the_migration():
    for language in LANGUAGES:
        assert_the_guide_says(language, 9, STOPS_AT_MIGRATE[language])
    unreachable = f"postgres://kc3chat:secret@127.0.0.1:{free_port()}/kc3chat"
    result = make_run_migrate(DATABASE_URL=unreachable, REDIS_URL="")
    assert result.returncode != 0
    assert "OperationalError" in result.stderr


# --- 9. Join the shared Redis with a different database -----------------------------------------------

MISMATCH = [
    "Another kc3chat process on this Redis (REDIS_URL, REDIS_PREFIX='kc3chat') uses a different database",
    "set DATABASE_URL to the one the others use, or give this chat its own REDIS_PREFIX (or Redis).",
]


@needs_services
@pytest.mark.django_db(transaction=True)
def test_database_exercise_a_server_on_its_own_database_refuses_to_join_the_shared_redis(start_server, tmp_path):
    for language in LANGUAGES:
        assert [line for block in section_blocks(language, 9, "sh") for line in block.lines][-2:] == [
            "export DATABASE_URL=", "make run"]
        assert_the_guide_says(language, 9, *MISMATCH)
    redis = ThrowawayRedis(password="hostsecret1")
    shared = {"REDIS_URL": redis.url, "REDIS_PREFIX": "kc3chat"}
    try:
        start_server(**shared)  # everyone else: the shared database
        copy = participant_copy(tmp_path)
        own_database = {**shared, "DATABASE_URL": ""}  # `export DATABASE_URL=`: the participant's SQLite
        assert make_run_migrate(cwd=copy, **own_database).returncode == 0
        with pytest.raises(RuntimeError) as exited:
            start_server(cwd=copy, **own_database)
        said = " ".join(str(exited.value).split())
        for part in MISMATCH:
            assert part in said

        back = start_server(cwd=copy, SECRET_KEY=settings.SECRET_KEY, **shared)  # DATABASE_URL set back
        assert get_json(back.url + "/healthz")[0] == 200
    finally:
        redis.stop()
