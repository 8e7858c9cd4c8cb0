"""The Makefile's ways to run the chat, run for real: `make serve` without Redis, `make run` with
DEBUG off, `make admin`, and what each installs.

The virtual environment is the one the tests run in: make is told (-o) not to install into it again;
what the install steps would do is checked from the recipes (make -n) on an environment that does
not exist.
"""

import os
import re
import select
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from django.contrib.auth import get_user_model

from tests.conftest import ROOT, database_url_for_servers
from tests.throwaway_services import free_port

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.stack_independent]

INSTALLED = ["-o", ".venv/.installed-app", "-o", ".venv/.installed-test"]
PRODUCTION = {"SECRET_KEY": "a-production-secret-" + "x" * 50, "ALLOWED_HOSTS": "127.0.0.1"}
STREAMING_WARNING = "StreamingHttpResponse must consume"


def make_env(**extra):
    env = {**os.environ, "DATABASE_URL": database_url_for_servers(), "PYTHONUNBUFFERED": "1"}
    for name in ("WORKERS", "MAKEFLAGS", "MAKELEVEL"):
        env.pop(name, None)
    env.update(extra)
    return env


class Make:
    """`make ARGS` in its own process group, its output collected; stopped with the group."""

    def __init__(self, *args, **env):
        self.output = b""
        self.process = subprocess.Popen(
            ["make", "--no-print-directory", *INSTALLED, *args], cwd=ROOT, env=make_env(**env),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def read(self, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.process.stdout], [], [], 0.2)
            if ready:
                chunk = os.read(self.process.stdout.fileno(), 65536)
                if not chunk:
                    break
                self.output += chunk
        return self.text()

    def text(self):
        return self.output.decode(errors="replace")

    def wait_until_listening(self, port, seconds=90):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.read(0.3)
            assert self.process.poll() is None, f"make exited:\n{self.text()}"
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    return
            except OSError:
                pass
        raise AssertionError(f"nothing listened on {port}:\n{self.text()}")

    def finish(self, seconds):
        """Waits for make to exit by itself; stops it if it has not."""
        try:
            self.read(seconds)
            return self.process.wait(timeout=1)
        except subprocess.TimeoutExpired:
            return None
        finally:
            self.stop()

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.read(0.5)


def get(port, path):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as answer:
        return answer.code, answer.read()


def recipe(*targets, **variables):
    """What make would run for the targets, in a virtual environment that does not exist."""
    assignments = [f"{name}={value}" for name, value in {"VENV": "/nonexistent/venv", **variables}.items()]
    result = subprocess.run(["make", "-n", "--no-print-directory", *targets, *assignments], cwd=ROOT,
                            env=make_env(), capture_output=True, text=True, check=True)
    return result.stdout


# --- make serve without Redis ---------------------------------------------------------------------

def test_make_serve_without_redis_refuses_several_workers_and_says_why():
    make = Make("serve", "WORKERS=2", REDIS_URL="", HOST="127.0.0.1", PORT=str(free_port()), **PRODUCTION)
    code = make.finish(20)
    assert code not in (None, 0), f"it served anyway:\n{make.text()}"
    assert "WORKERS=2 needs REDIS_URL" in make.text()
    assert "Uvicorn running" not in make.text()


def test_make_serve_without_redis_runs_one_process_and_says_so():
    port = free_port()
    make = Make("serve", REDIS_URL="", HOST="127.0.0.1", PORT=str(port), **PRODUCTION)
    try:
        make.wait_until_listening(port)
        assert get(port, "/healthz")[0] == 200
        make.read(1)
    finally:
        make.stop()
    assert "REDIS_URL is not set: one server process" in make.text()
    assert "Started parent process" not in make.text()  # uvicorn's line for several workers
    assert len(re.findall(r"Started server process", make.text())) == 1


# --- make run with DEBUG off, static files ------------------------------------------------------

def test_make_run_with_debug_off_collects_static_files_and_serves_pages():
    manifest = ROOT / "staticfiles" / "staticfiles.json"
    manifest.unlink(missing_ok=True)  # as in a fresh checkout
    port = free_port()
    make = Make("run", DEBUG="false", HOST="127.0.0.1", PORT=str(port), **PRODUCTION)
    try:
        make.wait_until_listening(port)
        status, page = get(port, "/accounts/login/")
        assert status == 200, page[:2000]
        stylesheet = re.search(rb'href="(/static/chat/site\.[0-9a-f]{12}\.css)"', page).group(1).decode()
        assert get(port, stylesheet)[0] == 200
        assert get(port, "/static/chat/room.js")[0] == 200
        make.read(1)
    finally:
        make.stop()
    assert STREAMING_WARNING not in make.text()


def test_a_static_file_is_served_without_the_synchronous_iterator_warning(start_server):
    server = start_server()  # DEBUG on, as `make run` serves
    for path in ("/static/chat/room.js", "/static/chat/site.css"):
        with urllib.request.urlopen(server.url + path, timeout=10) as response:
            assert response.status == 200 and len(response.read()) > 100
    request = urllib.request.Request(server.url + "/static/chat/room.js", headers={"Range": "bytes=0-9"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 206 and len(response.read()) == 10
    time.sleep(0.5)
    assert STREAMING_WARNING not in server.log_text()


def test_make_run_installs_what_the_chat_runs_and_make_test_the_test_tools():
    run = recipe("run")
    installs = [line for line in run.splitlines() if "pip install" in line and "--upgrade pip" not in line]
    assert installs and all("[test]" not in line and "[bench]" not in line for line in installs), run
    assert any(re.search(r"pip install .*-e \.$", line) for line in installs), run
    test = recipe("test")
    assert any("-e '.[test]'" in line for line in test.splitlines()), test
    # Each has its own stamp: after `make test`, `make run` still installs what it runs, and back.
    assert "/nonexistent/venv/.installed-app" in run and "/nonexistent/venv/.installed-test" in test


# --- an administrator ---------------------------------------------------------------------------

def test_make_admin_asks_for_a_name_and_a_password_and_makes_an_administrator():
    master, terminal = os.openpty()
    process = subprocess.Popen(
        ["make", "--no-print-directory", *INSTALLED, "admin"], cwd=ROOT, env=make_env(),
        stdin=terminal, stdout=terminal, stderr=terminal, start_new_session=True,
    )
    os.close(terminal)
    seen = b""

    def answer(prompt, text):
        nonlocal seen
        deadline = time.monotonic() + 60
        while prompt not in seen:
            assert time.monotonic() < deadline and process.poll() is None, seen.decode(errors="replace")
            if select.select([master], [], [], 0.2)[0]:
                seen += os.read(master, 4096)
        seen = seen.split(prompt, 1)[1]
        os.write(master, text.encode() + b"\n")

    try:
        answer(b"Username", "root")
        answer(b"Email address:", "")
        answer(b"Password:", "an administrators passphrase 9")
        answer(b"Password (again):", "an administrators passphrase 9")
        assert process.wait(60) == 0
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        os.close(master)
    admin = get_user_model().objects.get(username="root")
    assert admin.is_superuser and admin.is_staff and admin.check_password("an administrators passphrase 9")


def test_manage_py_works_in_a_checkout_without_secret_key_or_debug():
    env = make_env(DJANGO_SUPERUSER_USERNAME="keeper", DJANGO_SUPERUSER_PASSWORD="a keepers passphrase 5")
    for name in ("SECRET_KEY", "DEBUG"):
        env.pop(name, None)
    result = subprocess.run([sys.executable, "manage.py", "createsuperuser", "--noinput", "--email", ""],
                            cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert get_user_model().objects.get(username="keeper").is_superuser
