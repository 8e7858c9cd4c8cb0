"""`make bench`: the benchmark's scenarios against the real app, the naive floor and the raw ceiling.

    python -m bench.run [--quick] [--scenarios 1,2,3,4,5] [--out PATH]

The figures go to bench/results/DATE-COMMIT-WHAT.json unless --out says otherwise.

--quick is the same run made smaller: scenario 1's bursts are 10 senders x 200 messages (not 500),
scenarios 2 and 3 have half the clients, and the rows that compare server WebSocket implementations
keep only the fastest (FASTEST_WS): that comparison is settled (bench/RESULTS.md), the full run
repeats it. Every row kept measures what it measures in the full run, against the raw app on the same
ws and the naive floor of the same run.

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

from bench import result_files

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get("BENCH_DATABASE_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
DATABASE_NAME = os.environ.get("BENCH_DATABASE_NAME", "kc3chat_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
GENERATOR_PROCESSES = int(os.environ.get("BENCH_GENERATORS", "2"))
WS_IMPLEMENTATIONS = ["websockets", "websockets-sansio", "wsproto", "websockets-sansio/no-deflate"]
FASTEST_WS = "websockets-sansio/no-deflate"  # by scenario 1 here; scenarios 2-5 and the soak use it
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
    # As `make serve` does: WhiteNoise warns in every server's log when there is nothing collected.
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=server_env(), check=True)


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


def uvicorn_ws_options(ws):
    """"websockets-sansio" or "websockets-sansio/no-deflate" (permessage-deflate refused) -> uvicorn options."""
    name, _, variant = ws.partition("/")
    return ["--ws", name] + (["--ws-per-message-deflate", "false"] if variant == "no-deflate" else [])


class Server:
    def __init__(self, app, ws, extra_env=None, log_name="server"):
        self.port = free_port()
        log_dir = ROOT / "test-artifacts"
        log_dir.mkdir(exist_ok=True)
        self.log = open(log_dir / f"bench-{log_name}-{self.port}.log", "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", APPS[app], "--host", "127.0.0.1", "--port", str(self.port),
             *uvicorn_ws_options(ws), "--ws-max-size", "65536", "--no-access-log", "--log-level", "warning"],
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

    def thread_cpu_seconds(self):
        """{thread id: CPU seconds} of the server process (the event loop's thread is the busiest)."""
        try:
            return {t.id: t.user_time + t.system_time for t in self.ps.threads()}
        except psutil.Error:
            return {}

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
    """Samples the servers' RSS while a scenario runs: the peak, and (series_every) each server's curve."""

    def __init__(self, servers, series_every=None, on_sample=None):
        super().__init__(daemon=True)
        self.servers, self.peak_rss, self.running = servers, 0, True
        self.series_every, self.on_sample, self.series = series_every, on_sample, []

    def run(self):
        started = next_sample = time.monotonic()
        while self.running:
            self.peak_rss = max(self.peak_rss, sum(s.rss() for s in self.servers))
            if self.series_every and time.monotonic() >= next_sample:
                sample = {"seconds": round(time.monotonic() - started), "rss_mib": [round(s.rss() / 2**20, 1) for s in self.servers],
                          "cpu_seconds": [round(s.cpu_seconds(), 1) for s in self.servers]}
                self.series.append(sample)
                next_sample += self.series_every
                if self.on_sample:
                    self.on_sample(sample)
            time.sleep(SAMPLE_SECONDS)


def machine_busy_seconds():
    """CPU seconds spent by everything on the machine (all cores), to tell how much others took."""
    t = psutil.cpu_times()
    return sum(t) - t.idle - getattr(t, "iowait", 0.0)


# --- one measured run ------------------------------------------------------------------------------
def measure(label, app, ws, cookies, *, clients, senders, mode, duration, window=8, rate=1.0, messages=0, mixed=False,
            servers=1, layer="core", profile=None, resume=False, series_every=None, on_sample=None, extra_env=None):
    from bench import loadgen

    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    env = {"REDIS_PREFIX": prefix, "REDIS_CHANNEL_LAYER": layer, **(extra_env or {})}
    running = [Server(app, ws, env, log_name=f"{app}-{i}") for i in range(servers)]
    baseline_rss = sum(s.rss() for s in running)
    urls = [f"ws://127.0.0.1:{running[i % servers].port}/ws/chat/" for i in range(clients)]
    ctx = multiprocessing.get_context("spawn")
    results, ready, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    workers = []
    # Senders are spread evenly over generator processes and servers; sender ids are global.
    # Sender k is client k*step + k%G: senders alternate between generator processes (and servers).
    step = max(1, clients // senders)
    sender_indices = {min(clients - 1, k * step + k % GENERATOR_PROCESSES) for k in range(senders)}
    for g in range(GENERATOR_PROCESSES):
        mine = list(range(g, clients, GENERATOR_PROCESSES))
        spec = {
            "urls": [urls[i] for i in mine],
            "cookies": [cookies[i] for i in mine],
            "origin": None,  # each server's own: a page's socket goes to the server that served it
            "sender_ids": {local: i for local, i in enumerate(mine) if i in sender_indices},
            "mode": mode, "window": window, "rate": rate, "duration": duration, "messages": messages, "mixed": mixed,
            "run": prefix,  # client_ids must not repeat a stored one (the app would answer the original)
            "resume": resume,
        }
        worker = ctx.Process(target=loadgen.run, args=(spec, results, ready, go))
        worker.start()
        workers.append(worker)
    for _ in workers:
        ready.get(timeout=600)
    time.sleep(SETTLE_SECONDS)
    idle_rss = sum(s.rss() for s in running)
    monitor = Monitor(running, series_every, on_sample)
    monitor.start()
    profiler = None
    if profile:
        profiler = subprocess.Popen([str(Path(sys.executable).parent / "py-spy"), "record", "-o", profile, "-f", "raw", "--nonblocking",
                                     "-d", str(int(duration) if mode != "burst" else 15), "-p", str(running[0].process.pid)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cpu_before = sum(s.cpu_seconds() for s in running)
    threads_before = running[0].thread_cpu_seconds()
    busy_before = machine_busy_seconds()
    window_started = time.monotonic()
    go.set()
    parts = [results.get(timeout=duration + 600) for _ in workers]
    cpu_after = sum(s.cpu_seconds() for s in running)
    threads = running[0].thread_cpu_seconds()
    busiest_threads = sorted((round(t - threads_before.get(i, 0.0), 2) for i, t in threads.items()), reverse=True)[:4]
    busy = machine_busy_seconds() - busy_before
    window = time.monotonic() - window_started
    monitor.running = False
    monitor.join()
    for worker in workers:
        worker.join(30)
    if profiler:
        profiler.wait(60)
    for server in running:
        server.stop()
    row = summarise(label, app, ws, layer, servers, clients, senders, parts, baseline_rss, idle_rss,
                    monitor.peak_rss, cpu_after - cpu_before, busy, window)
    if mixed:
        # Every event (post, reaction, edit, delete) reaches every client: CPU per such delivery.
        row["changes"] = changes_seen(parts)
        event_deliveries = row["changes"]["events"] * clients
        row["changes"]["server_cpu_us_per_event_delivery"] = (
            round(1e6 * (cpu_after - cpu_before) / event_deliveries, 2) if event_deliveries else None)
    row["server_logs"] = [log_problems(server) for server in running]
    # CPU seconds of the first server's busiest threads: the event loop, then the database thread.
    row["server_thread_cpu_seconds"] = busiest_threads
    if series_every:
        row["rss_series"] = monitor.series
    return row


def log_problems(server):
    """Lines at WARNING or above in a server's log (the servers log nothing below WARNING)."""
    text = Path(server.log.name).read_text(errors="replace")
    lines = [line for line in text.splitlines() if line.strip()]
    return {"log": result_files.recorded(server.log.name), "lines": len(lines),
            "errors": [line for line in lines if "ERROR" in line or "Traceback" in line or "CRITICAL" in line][:20]}


def percentile(ordered, p):
    if not ordered:
        return None
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def histogram_percentile(histogram, p):
    """histogram: {bucket: count} of loadgen.LATENCY_BUCKET_SECONDS buckets -> seconds."""
    total = sum(histogram.values())
    if not total:
        return None
    rank, seen = p / 100 * (total - 1), 0
    for bucket in sorted(histogram):
        seen += histogram[bucket]
        if seen > rank:
            return (bucket + 0.5) * 0.0001
    return max(histogram) * 0.0001


def losses(parts):
    """Acknowledged messages (the sender saw its echo) that some client never received; sends never
    acknowledged."""
    acked = {s: a for p in parts for s, a in p["acked_by"].items()}
    lost = 0
    for p in parts:
        for highest, missing in zip(p["highest"], p["missing"]):
            for sender, top in acked.items():
                lost += max(0, top - highest.get(sender, 0)) + sum(1 for m in missing.get(sender, ()) if m <= top)
    unacked = sum(p["sent_by"][s] for p in parts for s in p["sent_by"]) - sum(acked.values())
    return lost, unacked


def changes_seen(parts):
    """The mixed scenario: the room's seqs are consecutive, so every client should have seen each seq
    from the first to the last of the run once; what it did not see is lost."""
    seen = [x for p in parts for x in p["seqs"]]
    firsts = [x["first"] for x in seen if x["first"] is not None]
    made = {kind: sum(p["changes"][kind] for p in parts) for kind in ("react", "edit", "delete")}
    if not firsts:
        return {"made": made, "events": 0, "lost": None}
    first, last = min(firsts), max(x["highest"] for x in seen if x["highest"] is not None)
    return {"made": made, "events": last - first + 1, "refused": sum(p["refused"] for p in parts),
            "lost": sum(last - first + 1 - x["distinct"] for x in seen),
            "repeated": sum(x["repeated"] for x in seen), "out_of_order": sum(x["late"] for x in seen)}


def summarise(label, app, ws, layer, servers, clients, senders, parts, baseline_rss, idle_rss, peak_rss, server_cpu,
              machine_busy=0.0, window=None):
    from collections import Counter

    latencies = Counter()
    for part in parts:
        latencies.update({int(k): v for k, v in part["latency_histogram"].items()})
    connect = sorted(x for part in parts for x in part["connect_times"])
    sent = sum(p["sent"] for p in parts)
    received = sum(p["received"] for p in parts)
    lost, unacked = losses(parts)
    generator_cpu = sum(p["cpu_seconds"] for p in parts)
    start = min(p["sending_started"] for p in parts)
    end = max(p["last_receive"] for p in parts) or start
    elapsed = max(end - start, 1e-9)
    ms = lambda x: None if x is None else round(x * 1000, 1)  # noqa: E731
    return {
        "label": label, "app": app, "ws": ws, "layer": layer, "servers": servers,
        "clients": clients, "senders": senders, "sent": sent, "received": received,
        "deliveries_per_second": round(received / elapsed),
        "latency_ms": {"p50": ms(histogram_percentile(latencies, 50)), "p95": ms(histogram_percentile(latencies, 95)),
                       "p99": ms(histogram_percentile(latencies, 99)),
                       "max": ms(max(latencies) * 0.0001 if latencies else None)},
        "lost": lost, "unacknowledged": unacked, "duplicates": sum(p["duplicates"] for p in parts),
        "out_of_order": sum(p["out_of_order"] for p in parts) + sum(p["late"] for p in parts),
        "closed_early": [c for p in parts for c in p["closed_early"]],
        "resumed": [c for p in parts for c in p["resumed"]],
        "connect_ms": {"p50": ms(percentile(connect, 50)), "p99": ms(percentile(connect, 99)),
                       "all_seconds": round(max(p["connect_all_seconds"] for p in parts), 2)},
        # CPU figures are over the measured window (go to the last generator's report), % of one core.
        "server_cpu_percent": round(100 * server_cpu / (window or elapsed)),
        "server_rss_mib": {"before": round(baseline_rss / 2**20, 1), "idle_connected": round(idle_rss / 2**20, 1),
                           "peak": round(peak_rss / 2**20, 1)},
        "rss_per_connection_kib": round((idle_rss - baseline_rss) / clients / 1024, 1),
        # The figure to trust on a shared machine: CPU seconds per delivered frame moves far less with
        # others' load than deliveries/s does.
        "server_cpu_us_per_delivery": round(1e6 * server_cpu / received, 2) if received else None,
        "generator_cpu_us_per_delivery": round(1e6 * generator_cpu / received, 2) if received else None,
        "generator_cpu_seconds": round(generator_cpu, 1),
        "generator_cpu_percent": round(100 * generator_cpu / (window or elapsed)),
        # Everything else on the machine in that time (other checkouts' tests, Redis, PostgreSQL), in % of
        # one core: 200 = both cores taken by others.
        "others_cpu_percent": round(100 * max(0.0, machine_busy - server_cpu - generator_cpu) / (window or elapsed)),
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
        cursor.execute("TRUNCATE chat_message CASCADE")  # and the event log, versions, reactions that name messages
        with cursor.copy("COPY chat_message (id, author_id, body, created_at) FROM STDIN") as copy:
            for i in range(1, count + 1):
                copy.write_row((i, author.pk, f"history message {i}", "2026-01-01T00:00:00Z"))
        cursor.execute("ANALYZE chat_message")
    Room.objects.update_or_create(name=MAIN_ROOM, defaults={"last_message_id": count, "last_seq": 0})
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
    # Scenario 1: 10 senders x 500 messages, flat out (x 200 under --quick: the same burst, shorter);
    # the mixed row: 8 unacknowledged changes each.
    s1 = {"clients": 100, "senders": 10, "mode": "burst", "messages": 200 if quick else 500, "duration": 0}
    s1_mixed = {"clients": 100, "senders": 10, "mode": "window", "duration": 5 if quick else 10, "mixed": True}
    s2 = {"clients": int(1000 * scale), "senders": 50, "mode": "rate", "rate": 1.0, "duration": 10 if quick else 20}
    s3 = {"clients": int(5000 * scale), "senders": 1, "mode": "rate", "rate": 1.0, "duration": 5}
    fast = FASTEST_WS

    def compared(implementations):
        """The ws implementations a row is run on: all of them in the full run, the fastest under --quick
        (which one is fastest is settled; the others' rows would only repeat it)."""
        return [fast] if quick else list(implementations)

    return {
        "1": [("raw ASGI ceiling", "raw", ws, "core", 1, s1) for ws in compared(WS_IMPLEMENTATIONS)]
        # The same raw app sending frames of the chat's shape and size: what the bytes cost, apart from the code.
        + [("raw ASGI ceiling, the chat's frame", "raw", fast, "core", 1, {**s1, "extra_env": {"RAW_FRAME": "chat"}})]
        + [("kc3chat", "app", ws, "core", 1, s1) for ws in compared(WS_IMPLEMENTATIONS)]
        + [("kc3chat, pubsub layer", "app", fast, "pubsub", 1, s1),
           ("kc3chat, pubsub layer, mixed changes", "app", fast, "pubsub", 1, s1_mixed),
           ("naive Channels consumer", "naive", "websockets", "core", 1, s1)],
        "2": [("raw ASGI ceiling", "raw", fast, "core", 1, s2),
              ("kc3chat", "app", fast, "core", 1, s2),
              ("kc3chat, pubsub layer", "app", fast, "pubsub", 1, s2),
              ("naive Channels consumer", "naive", "websockets", "core", 1, s2)],
        "3": [("raw ASGI ceiling", "raw", ws, "core", 1, s3) for ws in compared(("websockets-sansio", fast))]
        + [("kc3chat", "app", ws, "core", 1, s3) for ws in compared(("websockets-sansio", "wsproto", fast))]
        + [("naive Channels consumer", "naive", "websockets", "core", 1, s3)],
        "4": [("kc3chat, two processes, scenario 1", "app", fast, "core", 2, s1),
              ("kc3chat, two processes, scenario 2", "app", fast, "core", 2, s2)],
    }


def median_run(runs):
    """Of repeated runs of one row, the one with the median deliveries/s; all of them are kept."""
    ordered = sorted(runs, key=lambda r: r["deliveries_per_second"])
    chosen = dict(ordered[(len(ordered) - 1) // 2])
    if len(runs) > 1:
        chosen["repeats"] = [r["deliveries_per_second"] for r in runs]
        chosen["label"] += f" (median of {len(runs)})"
    return chosen


def profile_summary(path, top=40):
    """py-spy's collapsed stacks -> the functions that are on the stack in the most samples (inclusive %)."""
    from collections import Counter

    inclusive, total = Counter(), 0
    for line in Path(path).read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        total += int(count)
        for frame in set(stack.split(";")):
            inclusive[frame.split(" (")[0] + " " + frame.rsplit("/", 1)[-1].rstrip(")").split(":")[0]] += int(count)
    return [(name, round(100 * n / total, 1)) for name, n in inclusive.most_common(top)] if total else []


def table(rows):
    head = ("| run | ws | layer | procs | clients | deliveries/s | p50 | p95 | p99 | max ms | lost | unacked | dup | order | "
            "closed/resumed | connect p50/p99 ms | server CPU % | server CPU us/delivery | RSS idle/peak MiB | KiB/conn | generator CPU % | others CPU % |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        lat = r["latency_ms"]
        lines.append(
            f"| {r['label']} | {r['ws']} | {r['layer'] if r['app'] != 'raw' else '-'} | {r['servers']} | {r['clients']} | "
            f"{r['deliveries_per_second']} | {lat['p50']} | {lat['p95']} | {lat['p99']} | {lat['max']} | {r['lost']} | "
            f"{r['unacknowledged']} | {r['duplicates']} | {r['out_of_order']} | {len(r['closed_early'])}/{len(r['resumed'])} | "
            f"{r['connect_ms']['p50']}/{r['connect_ms']['p99']} | {r['server_cpu_percent']} | {r['server_cpu_us_per_delivery']} | "
            f"{r['server_rss_mib']['idle_connected']}/{r['server_rss_mib']['peak']} | {r['rss_per_connection_kib']} | "
            f"{r['generator_cpu_percent']} | {r['others_cpu_percent']} |"
        )
    return "\n".join(lines)


def ratios(key, rows, earlier):
    """Each kc3chat row against the naive floor and the best raw ceiling of the same scenario (and, for
    scenario 4, against one process in scenarios 1 and 2 of this run)."""
    naive = next((r for r in rows if r["app"] == "naive"), None)
    raws = [r for r in rows if r["app"] == "raw"]
    best_raw = max(raws, key=lambda r: r["deliveries_per_second"], default=None)
    lines = []
    for r in rows:
        if r["app"] != "app":
            continue
        parts = [f"{r['label']} ({r['ws']}, {r['layer']}): {r['deliveries_per_second']}/s"]
        if naive and naive["deliveries_per_second"]:
            parts.append(f"{r['deliveries_per_second'] / naive['deliveries_per_second']:.1f}x naive")
        same_ws = next((x for x in raws if x["ws"] == r["ws"]), None)
        if same_ws and same_ws["deliveries_per_second"]:
            parts.append(f"{100 * r['deliveries_per_second'] / same_ws['deliveries_per_second']:.0f}% of raw ASGI on the same --ws")
            if same_ws["server_cpu_us_per_delivery"] and r["server_cpu_us_per_delivery"]:
                parts.append(f"CPU per delivery {r['server_cpu_us_per_delivery'] / same_ws['server_cpu_us_per_delivery']:.2f}x the raw app's")
        if best_raw and best_raw["deliveries_per_second"]:
            parts.append(f"{100 * r['deliveries_per_second'] / best_raw['deliveries_per_second']:.0f}% of the fastest raw ASGI ({best_raw['ws']})")
        if naive and naive["latency_ms"]["p99"] and r["latency_ms"]["p99"]:
            parts.append(f"p99 {r['latency_ms']['p99']} ms vs naive {naive['latency_ms']['p99']} ms")
        if naive and naive["rss_per_connection_kib"] and key == "3":
            parts.append(f"{r['rss_per_connection_kib']} KiB/conn vs naive {naive['rss_per_connection_kib']}")
        if r.get("changes"):
            parts.append(f"changes {r['changes']}")
        if key == "4":
            single = [x for k in ("1", "2") for x in earlier.get(k, [])
                      if x["app"] == "app" and x["ws"] == r["ws"] and x["layer"] == r["layer"] and x["clients"] == r["clients"]
                      and x["senders"] == r["senders"]]
            if single:
                parts.append(f"{r['deliveries_per_second'] / single[0]['deliveries_per_second']:.2f}x one process")
        lines.append("- " + "; ".join(parts))
    return "\n".join(lines)


def raise_open_files(needed):
    """5000 sockets need more than the usual 1024 descriptors: raise the soft limit to the hard one (the
    servers and generators are children and inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard < needed:
        print(f"warning: the open-files limit is {hard}; {needed} are needed. Raise it (ulimit -Hn) as root.", flush=True)
    return soft, hard


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="a smaller run: scenario 1's bursts 10 x 200, "
                        "scenarios 2 and 3 halved, the fastest ws implementation only")
    parser.add_argument("--scenarios", default="1,2,3,4,5")
    parser.add_argument("--only", default="", help="run only rows whose label contains this text")
    parser.add_argument("--ws", default="", help="run only rows on this server WebSocket implementation, "
                        "e.g. websockets-sansio/no-deflate")
    parser.add_argument("--history", type=int, default=1_000_000, help="messages stored for scenario 5")
    parser.add_argument("--profile", action="store_true", help="py-spy the app (one process, fastest ws, the default pub/sub layer)")
    parser.add_argument("--repeat", type=int, default=1, help="run every row of scenarios 1-4 this often, "
                        "interleaved, and report the median (the machine is shared: single runs are noisy)")
    parser.add_argument("--out", help="where the figures go (default: bench/results/DATE-COMMIT-WHAT.json)")
    args = parser.parse_args()
    run_started = time.monotonic()
    wanted = args.scenarios.split(",")
    # A quick run's figures are named so: they are not the full run's.
    what = result_files.scope(args.scenarios) + ("-quick" if args.quick else "")
    args.out = args.out or str(result_files.default_path(what))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)

    recreate_database()
    setup_django()
    plan = scenarios(args.quick)
    most = max([s[5]["clients"] for key in wanted if key in plan for s in plan[key]] + [1])
    soft, hard = raise_open_files(most + 1000)
    cookies = make_sessions(most)
    report = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                          "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
                          "generator_processes": GENERATOR_PROCESSES, "open_files_limit": [soft, hard],
                          "load_average_at_start": os.getloadavg()},
              "command": result_files.command("bench.run", sys.argv[1:]), "scenarios": {}}
    started = time.monotonic()
    for key in wanted:
        if key == "5":
            continue
        chosen = [row for row in plan[key] if (not args.only or args.only in row[0]) and (not args.ws or args.ws == row[2])]
        runs = {i: [] for i in range(len(chosen))}
        for attempt in range(args.repeat):
            for i, (label, app, ws, layer, servers, params) in enumerate(chosen):
                print(f"scenario {key}: {label} ({ws}, {layer}, {servers} process(es), {params['clients']} clients) ...", flush=True)
                row_started = time.monotonic()
                profile = None
                if args.profile and attempt == 0 and app == "app" and layer == "pubsub" and ws == FASTEST_WS and servers == 1 and not params.get("mixed"):
                    profile = str(ROOT / "test-artifacts" / f"bench-profile-s{key}.collapsed.txt")
                row = measure(label, app, ws, cookies, servers=servers, layer=layer, profile=profile, **params)
                if profile:
                    row["profile"] = {"file": result_files.recorded(profile), "top": profile_summary(profile)}
                    print("\n".join(f"  {share:5.1f}%  {name}" for name, share in row["profile"]["top"]), flush=True)
                # Start to stop: the server, connecting every client, the burst and the drain.
                row["row_seconds"] = round(time.monotonic() - row_started, 1)
                runs[i].append(row)
                print(table([row]).splitlines()[-1], f"({row['row_seconds']} s)", flush=True)
        rows = [median_run(runs[i]) for i in range(len(chosen))]
        report["scenarios"][key] = rows
        print(f"\n### Scenario {key}\n\n{table(rows)}\n\n{ratios(key, rows, report['scenarios'])}\n", flush=True)
        Path(args.out).write_text(json.dumps(report, indent=1))
    if "5" in wanted:
        print(f"scenario 5: storing {args.history} messages ...", flush=True)
        history_started = time.monotonic()
        loaded = fill_history(args.history)
        report["scenarios"]["5"] = {"stored": args.history, "load_seconds": round(loaded, 1),
                                    "pages": measure_history(cookies[0], args.history),
                                    "row_seconds": round(time.monotonic() - history_started, 1)}
        print(json.dumps(report["scenarios"]["5"], indent=2), flush=True)
    report["total_seconds"] = round(time.monotonic() - started)
    # The whole run, the database's setup and the sessions included: what --quick is meant to keep short.
    report["wall_seconds"] = round(time.monotonic() - run_started)
    Path(args.out).write_text(json.dumps(report, indent=1))
    print(f"figures written to {result_files.recorded(args.out)} ({report['total_seconds']} s measuring)")
    minutes, seconds = divmod(report["wall_seconds"], 60)
    print(f"wall time: {minutes} min {seconds:02d} s ({report['wall_seconds']} s, setup included)")


if __name__ == "__main__":
    main()
