"""`make bench`: the scenarios of issue 5 against the real app, the naive floor and the raw ceiling.

    python -m bench.run [--quick] [--scenarios 1,2,3,4,5] [--out bench/results-latest.json]

Needs PostgreSQL (BENCH_DATABASE_ADMIN_URL, default postgres://postgres@127.0.0.1:5432/postgres; the
database kc3chat_bench is dropped and made again) and Redis (BENCH_REDIS_URL). Prints a Markdown
table per scenario and writes every figure as JSON. Figures move with the machine's load; the ratios
within one run hold. bench/RESULTS.md discusses one run.
"""

import argparse
import json
import multiprocessing
import os
import platform
import resource
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get("BENCH_DATABASE_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
DATABASE_NAME = "kc3chat_bench"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
GENERATOR_PROCESSES = int(os.environ.get("BENCH_GENERATORS", "2"))
WS_IMPLEMENTATIONS = ["websockets", "websockets-sansio", "wsproto"]
SAMPLE_SECONDS = 0.25
SETTLE_SECONDS = 2.0  # after every client connected, before measuring idle memory

APPS = {
    "app": "config.asgi:application",
    "naive": "bench.naive_asgi:application",
    "raw": "bench.raw_asgi:application",
}


def database_url():
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + DATABASE_NAME


def server_env(extra=None):
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": "bench-only-not-a-secret",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CHAT_RATE_LIMIT": "0",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
        "DATABASE_CONN_MAX_AGE": "60",
        **(extra or {}),
    }


# --- setup ------------------------------------------------------------------------------------------
def recreate_database():
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DATABASE_NAME} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {DATABASE_NAME}")
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=server_env(), check=True)


def setup_django():
    for name, value in server_env({"DATABASE_CONN_MAX_AGE": "0"}).items():
        os.environ[name] = value
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()


def make_sessions(count):
    """count users with signed-in sessions (bulk: one password hash for all); returns cookie strings."""
    from datetime import timedelta

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    User = get_user_model()
    password = make_password("bench passphrase")
    existing = User.objects.filter(username__startswith="bench").count()
    User.objects.bulk_create(
        [User(username=f"bench{i:05d}", password=password) for i in range(existing, count)], batch_size=2000
    )
    users = list(User.objects.filter(username__startswith="bench").order_by("username")[:count])
    store, sessions = SessionStore(), []
    expires = timezone.now() + timedelta(days=1)
    for user in users:
        data = {SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                HASH_SESSION_KEY: user.get_session_auth_hash()}
        sessions.append(Session(session_key=get_random_string(32), session_data=store.encode(data), expire_date=expires))
    Session.objects.bulk_create(sessions, batch_size=2000)
    return [f"{settings.SESSION_COOKIE_NAME}={s.session_key}" for s in sessions]


# --- servers ------------------------------------------------------------------------------------------
def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    def __init__(self, app, ws, extra_env=None, log_name="server"):
        self.port = free_port()
        log_dir = ROOT / "test-artifacts"
        log_dir.mkdir(exist_ok=True)
        self.log = open(log_dir / f"bench-{log_name}-{self.port}.log", "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", APPS[app], "--host", "127.0.0.1", "--port", str(self.port),
             "--ws", ws, "--ws-max-size", "65536", "--no-access-log", "--log-level", "warning"],
            cwd=ROOT, env=server_env(extra_env), stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"{app} did not start")
        self.ps = psutil.Process(self.process.pid)

    def processes(self):
        return [self.ps] + self.ps.children(recursive=True)

    def cpu_seconds(self):
        total = 0.0
        for p in self.processes():
            try:
                t = p.cpu_times()
                total += t.user + t.system
            except psutil.Error:
                pass
        return total

    def rss(self):
        total = 0
        for p in self.processes():
            try:
                total += p.memory_info().rss
            except psutil.Error:
                pass
        return total

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


class Monitor(threading.Thread):
    """Samples the servers' RSS while a scenario runs: the peak."""

    def __init__(self, servers):
        super().__init__(daemon=True)
        self.servers, self.peak_rss, self.running = servers, 0, True

    def run(self):
        while self.running:
            self.peak_rss = max(self.peak_rss, sum(s.rss() for s in self.servers))
            time.sleep(SAMPLE_SECONDS)


# --- one measured run ------------------------------------------------------------------------------
def measure(label, app, ws, cookies, *, clients, senders, mode, duration, window=8, rate=1.0,
            servers=1, layer="core", profile=None):
    from bench import loadgen

    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    env = {"REDIS_PREFIX": prefix, "REDIS_CHANNEL_LAYER": layer}
    running = [Server(app, ws, env, log_name=f"{app}-{i}") for i in range(servers)]
    baseline_rss = sum(s.rss() for s in running)
    urls = [f"ws://127.0.0.1:{running[i % servers].port}/ws/chat/" for i in range(clients)]
    origin = f"http://127.0.0.1:{running[0].port}"
    ctx = multiprocessing.get_context("spawn")
    results, ready, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    workers = []
    # Senders are spread evenly over generator processes and servers; sender ids are global.
    sender_indices = set(range(0, clients, max(1, clients // senders))[:senders])
    for g in range(GENERATOR_PROCESSES):
        mine = list(range(g, clients, GENERATOR_PROCESSES))
        spec = {
            "urls": [urls[i] for i in mine],
            "cookies": [cookies[i] for i in mine],
            "origin": origin,
            "sender_ids": {local: i for local, i in enumerate(mine) if i in sender_indices},
            "mode": mode, "window": window, "rate": rate, "duration": duration,
            "run": prefix,  # client_ids must not repeat a stored one (the app would answer the original)
        }
        worker = ctx.Process(target=loadgen.run, args=(spec, results, ready, go))
        worker.start()
        workers.append(worker)
    for _ in workers:
        ready.get(timeout=600)
    time.sleep(SETTLE_SECONDS)
    idle_rss = sum(s.rss() for s in running)
    monitor = Monitor(running)
    monitor.start()
    profiler = None
    if profile:
        profiler = subprocess.Popen(["py-spy", "record", "-o", profile, "-f", "speedscope", "--nonblocking",
                                     "-d", str(int(duration)), "-p", str(running[0].process.pid)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cpu_before = sum(s.cpu_seconds() for s in running)
    go.set()
    parts = [results.get(timeout=duration + 600) for _ in workers]
    cpu_after = sum(s.cpu_seconds() for s in running)
    monitor.running = False
    monitor.join()
    for worker in workers:
        worker.join(30)
    if profiler:
        profiler.wait(60)
    for server in running:
        server.stop()
    return summarise(label, app, ws, layer, servers, clients, senders, parts, baseline_rss, idle_rss,
                     monitor.peak_rss, cpu_after - cpu_before)


def percentile(ordered, p):
    if not ordered:
        return None
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def summarise(label, app, ws, layer, servers, clients, senders, parts, baseline_rss, idle_rss, peak_rss, server_cpu):
    latencies = sorted(x for part in parts for x in part["latencies"])
    connect = sorted(x for part in parts for x in part["connect_times"])
    sent = sum(p["sent"] for p in parts)
    received = sum(p["received"] for p in parts)
    lost = sum(sent - d for p in parts for d in p["distinct_per_client"])
    start = min(p["sending_started"] for p in parts)
    end = max(p["last_receive"] for p in parts) or start
    elapsed = max(end - start, 1e-9)
    ms = lambda x: None if x is None else round(x * 1000, 1)  # noqa: E731
    return {
        "label": label, "app": app, "ws": ws, "layer": layer, "servers": servers,
        "clients": clients, "senders": senders, "sent": sent, "received": received,
        "deliveries_per_second": round(received / elapsed),
        "latency_ms": {"p50": ms(percentile(latencies, 50)), "p95": ms(percentile(latencies, 95)),
                       "p99": ms(percentile(latencies, 99)), "max": ms(latencies[-1] if latencies else None)},
        "lost": lost, "duplicates": sum(p["duplicates"] for p in parts),
        "out_of_order": sum(p["out_of_order"] for p in parts),
        "closed_early": [c for p in parts for c in p["closed_early"]],
        "connect_ms": {"p50": ms(percentile(connect, 50)), "p99": ms(percentile(connect, 99)),
                       "all_seconds": round(max(p["connect_all_seconds"] for p in parts), 2)},
        "server_cpu_percent": round(100 * server_cpu / elapsed),
        "server_rss_mib": {"before": round(baseline_rss / 2**20, 1), "idle_connected": round(idle_rss / 2**20, 1),
                           "peak": round(peak_rss / 2**20, 1)},
        "rss_per_connection_kib": round((idle_rss - baseline_rss) / clients / 1024, 1),
        "generator_cpu_seconds": round(sum(p["cpu_seconds"] for p in parts), 1),
        "generator_cpu_percent": round(100 * sum(p["cpu_seconds"] for p in parts) / elapsed),
        "elapsed_seconds": round(elapsed, 2),
    }


# --- scenario 5: history ----------------------------------------------------------------------------
def fill_history(count):
    """count stored messages, bulk-loaded with COPY (the app's ids: 1..count, no holes)."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from chat.models import MAIN_ROOM, Room

    author = get_user_model().objects.filter(username__startswith="bench").first()
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE chat_message")
        with cursor.copy("COPY chat_message (id, author_id, body, created_at) FROM STDIN") as copy:
            for i in range(1, count + 1):
                copy.write_row((i, author.pk, f"history message {i}", "2026-01-01T00:00:00Z"))
        cursor.execute("ANALYZE chat_message")
    Room.objects.update_or_create(name=MAIN_ROOM, defaults={"last_message_id": count})
    return time.perf_counter() - started


def measure_history(cookie, count, requests=200):
    import http.client

    server = Server("app", "websockets-sansio", {"REDIS_PREFIX": f"bench-{uuid.uuid4().hex[:8]}"}, log_name="history")
    results = {}
    try:
        for label, path in [("newest page", "/api/messages/?limit=50"),
                            ("deep before= page", f"/api/messages/?before={count // 2}&limit=50")]:
            conn = http.client.HTTPConnection("127.0.0.1", server.port)
            times = []
            for _ in range(requests):
                started = time.perf_counter()
                conn.request("GET", path, headers={"Cookie": cookie})
                response = conn.getresponse()
                body = response.read()
                times.append(time.perf_counter() - started)
                assert response.status == 200 and len(json.loads(body)["messages"]) == 50, body[:200]
            conn.close()
            times.sort()
            results[label] = {"p50_ms": round(statistics.median(times) * 1000, 2),
                              "p99_ms": round(percentile(times, 99) * 1000, 2), "requests": requests}
        results["query only (ORM, in process)"] = _query_times(count)
    finally:
        server.stop()
    return results


def _query_times(count, repeat=200):
    from chat import history

    out = {}
    for label, call in [("newest", lambda: history.newest(50)), ("before", lambda: history.before(count // 2, 50))]:
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            call()
            times.append(time.perf_counter() - started)
        times.sort()
        out[label] = {"p50_ms": round(statistics.median(times) * 1000, 2), "p99_ms": round(percentile(times, 99) * 1000, 2)}
    return out


# --- the run --------------------------------------------------------------------------------------------
def scenarios(quick):
    scale = 0.5 if quick else 1.0
    s1 = {"clients": 100, "senders": 10, "mode": "window", "duration": 5 if quick else 10}
    s2 = {"clients": int(1000 * scale), "senders": 50, "mode": "rate", "rate": 1.0, "duration": 10 if quick else 20}
    s3 = {"clients": int(5000 * scale), "senders": 1, "mode": "rate", "rate": 1.0, "duration": 5}
    return {
        "1": [("raw ASGI ceiling", "raw", ws, "core", 1, s1) for ws in WS_IMPLEMENTATIONS]
        + [("kc3chat", "app", ws, "core", 1, s1) for ws in WS_IMPLEMENTATIONS]
        + [("kc3chat, pubsub layer", "app", "websockets-sansio", "pubsub", 1, s1),
           ("naive Channels consumer", "naive", "websockets", "core", 1, s1)],
        "2": [("raw ASGI ceiling", "raw", "websockets-sansio", "core", 1, s2),
              ("kc3chat", "app", "websockets-sansio", "core", 1, s2),
              ("kc3chat, pubsub layer", "app", "websockets-sansio", "pubsub", 1, s2),
              ("naive Channels consumer", "naive", "websockets", "core", 1, s2)],
        "3": [("raw ASGI ceiling", "raw", "websockets-sansio", "core", 1, s3)]
        + [("kc3chat", "app", ws, "core", 1, s3) for ws in WS_IMPLEMENTATIONS]
        + [("naive Channels consumer", "naive", "websockets", "core", 1, s3)],
        "4": [("kc3chat, two processes, scenario 1", "app", "websockets-sansio", "core", 2, s1),
              ("kc3chat, two processes, scenario 2", "app", "websockets-sansio", "core", 2, s2),
              ("kc3chat, two processes, pubsub, scenario 1", "app", "websockets-sansio", "pubsub", 2, s1)],
    }


def table(rows):
    head = ("| run | ws | layer | procs | deliveries/s | p50 | p95 | p99 | max ms | lost | dup | order | "
            "closed | connect p50/p99 ms | server CPU % | RSS idle/peak MiB | KiB/conn | generator CPU % |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        lat = r["latency_ms"]
        lines.append(
            f"| {r['label']} | {r['ws']} | {r['layer'] if r['app'] != 'raw' else '-'} | {r['servers']} | "
            f"{r['deliveries_per_second']} | {lat['p50']} | {lat['p95']} | {lat['p99']} | {lat['max']} | {r['lost']} | "
            f"{r['duplicates']} | {r['out_of_order']} | {len(r['closed_early'])} | {r['connect_ms']['p50']}/{r['connect_ms']['p99']} | "
            f"{r['server_cpu_percent']} | {r['server_rss_mib']['idle_connected']}/{r['server_rss_mib']['peak']} | "
            f"{r['rss_per_connection_kib']} | {r['generator_cpu_percent']} |"
        )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="shorter runs, scenarios 2 and 3 halved")
    parser.add_argument("--scenarios", default="1,2,3,4,5")
    parser.add_argument("--history", type=int, default=1_000_000, help="messages stored for scenario 5")
    parser.add_argument("--profile", action="store_true", help="py-spy the app in scenario 1")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results-latest.json"))
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    wanted = args.scenarios.split(",")

    recreate_database()
    setup_django()
    plan = scenarios(args.quick)
    most = max([s[5]["clients"] for key in wanted if key in plan for s in plan[key]] + [1])
    cookies = make_sessions(most)
    report = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                          "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
                          "generator_processes": GENERATOR_PROCESSES},
              "command": " ".join(sys.argv), "scenarios": {}}
    for key in wanted:
        if key == "5":
            continue
        rows = []
        for label, app, ws, layer, servers, params in plan[key]:
            print(f"scenario {key}: {label} ({ws}, {layer}, {servers} process(es)) ...", flush=True)
            profile = None
            if args.profile and key == "1" and app == "app" and layer == "core" and ws == "websockets-sansio":
                profile = str(ROOT / "test-artifacts" / "bench-profile-s1.speedscope.json")
            rows.append(measure(label, app, ws, cookies, servers=servers, layer=layer, profile=profile, **params))
            print(table(rows[-1:]).splitlines()[-1], flush=True)
        report["scenarios"][key] = rows
        print(f"\n### Scenario {key}\n\n{table(rows)}\n", flush=True)
    if "5" in wanted:
        print(f"scenario 5: storing {args.history} messages ...", flush=True)
        loaded = fill_history(args.history)
        report["scenarios"]["5"] = {"stored": args.history, "load_seconds": round(loaded, 1),
                                    "pages": measure_history(cookies[0], args.history)}
        print(json.dumps(report["scenarios"]["5"], indent=2), flush=True)
    Path(args.out).write_text(json.dumps(report, indent=1))
    print(f"figures written to {args.out}")


if __name__ == "__main__":
    main()
