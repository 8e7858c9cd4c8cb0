"""One load-generator process: its share of the WebSocket clients, some of them senders.

Every chat message carries "sender:seq:send_time" as its text, so each receiving client measures the
delivery latency, and counts duplicates and (by the driver's total) losses. Clocks: all processes
run on this machine, so time.time() is comparable.

Bookkeeping stays small for long runs (the soak): per client and sender, the highest seq seen and
the seqs still missing below it; latencies go into a histogram of 0.1 ms buckets.
"""

import asyncio
import json
import resource
import time
from collections import Counter

import websockets
from websockets.asyncio.client import connect

CONNECT_CONCURRENCY = 50
QUIET_SECONDS = 1.5  # the drain ends when no client received anything for this long...
DRAIN_MAX_SECONDS = 20.0  # ...or after this long
LATENCY_BUCKET_SECONDS = 0.0001
# Closes after which a client does not come back (signed out, bad request); after any other close
# (4002 fell behind, 1001/1012 restart, 1011 keepalive timeout, 1006) it resumes with ?after=.
FINAL_CODES = {1000, 1008, 4001, 4400}


class Client:
    def __init__(self, index, sender_id):
        self.index = index
        self.sender_id = sender_id  # None: only listens
        self.ws = None
        self.highest = {}  # sender -> highest seq received
        self.missing = {}  # sender -> set of seqs skipped over (a hole, unless they come late)
        self.distinct = self.received = self.duplicates = self.out_of_order = self.late = 0
        self.last_message_id = 0
        self.closed_code = None
        self.resumed = []  # close codes this client resumed after
        self.window = None
        self.sent = 0
        self.reconnected = None  # an asyncio.Event while a sender waits for the reader to reconnect


def run(spec, results, ready, go):
    """Entry point of a multiprocessing.Process."""
    asyncio.run(_run(spec, results, ready, go))


def _cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _open(spec, client, after=None):
    url = spec["urls"][client.index] + (f"?after={after}" if after is not None else "")
    return await connect(
        url, additional_headers={"Cookie": spec["cookies"][client.index], "Origin": spec["origin"]},
        open_timeout=120, ping_interval=None, max_queue=None,
    )


async def _run(spec, results, ready, go):
    clients = [Client(i, spec["sender_ids"].get(i)) for i in range(len(spec["urls"]))]
    state = {"latencies": Counter(), "last_receive": 0.0, "stopping": False}
    connect_times, gate = [], asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def open_one(client):
        async with gate:
            started = time.perf_counter()
            client.ws = await _open(spec, client)
            connect_times.append(time.perf_counter() - started)

    connect_started = time.perf_counter()
    await asyncio.gather(*[open_one(c) for c in clients])
    connect_all = time.perf_counter() - connect_started
    readers = [asyncio.create_task(_read(c, spec, state)) for c in clients]
    ready.put(len(clients))
    while not go.is_set():
        await asyncio.sleep(0.05)

    cpu_at_go = _cpu()
    sending_started = time.time()
    deadline = sending_started + spec["duration"]
    senders = [c for c in clients if c.sender_id is not None]
    await asyncio.gather(*[_send(c, spec, deadline) for c in senders])

    drain_until = max(time.time(), deadline) + DRAIN_MAX_SECONDS  # a process without senders gets here at once
    while time.time() < drain_until and time.time() - max(state["last_receive"], deadline) < QUIET_SECONDS:
        await asyncio.sleep(0.1)
    state["stopping"] = True
    for task in readers:
        task.cancel()
    await asyncio.gather(*readers, return_exceptions=True)
    await asyncio.gather(*[c.ws.close() for c in clients], return_exceptions=True)
    sent_by = {c.sender_id: c.sent for c in senders}
    results.put(
        {
            "clients": len(clients),
            "connect_times": connect_times,
            "connect_all_seconds": connect_all,
            "latency_histogram": dict(state["latencies"]),
            "received": sum(c.received for c in clients),
            "distinct": sum(c.distinct for c in clients),
            "duplicates": sum(c.duplicates for c in clients),
            "out_of_order": sum(c.out_of_order for c in clients),
            "late": sum(c.late for c in clients),
            "closed_early": [c.closed_code for c in clients if c.closed_code is not None],
            "resumed": [code for c in clients for code in c.resumed],
            "sent_by": sent_by,
            # A message is acknowledged when its sender saw it come back (the contract's echo).
            "acked_by": {c.sender_id: c.highest.get(c.sender_id, 0) for c in senders},
            "highest": [c.highest for c in clients],
            "missing": [{s: sorted(m) for s, m in c.missing.items() if m} for c in clients],
            "sent": sum(sent_by.values()),
            "sending_started": sending_started,
            "last_receive": state["last_receive"],
            "cpu_seconds": _cpu() - cpu_at_go,
        }
    )


async def _send(client, spec, deadline):
    if spec["mode"] == "window":
        client.window = asyncio.Semaphore(spec["window"])
    interval = 1.0 / spec["rate"] if spec["mode"] == "rate" else 0.0
    next_at = time.time() + interval * (client.sender_id % 97) / 97  # spread the senders' ticks
    while time.time() < deadline:
        if client.window is not None:
            try:
                await asyncio.wait_for(client.window.acquire(), max(0.01, deadline - time.time()))
            except TimeoutError:
                break
        else:
            await asyncio.sleep(max(0.0, next_at - time.time()))
            next_at += interval
        text = f"{client.sender_id}:{client.sent + 1}:{time.time():.6f}"
        frame = json.dumps({"type": "chat", "message": text, "client_id": f"{spec['run']}-{client.sender_id}-{client.sent + 1}"})
        try:
            await client.ws.send(frame)
            client.sent += 1
        except websockets.ConnectionClosed:
            if not spec.get("resume"):
                return
            # Not counted as sent: the frame may not have reached the server. The reader reconnects.
            await asyncio.sleep(0.05)


async def _read(client, spec, state):
    while True:
        try:
            await _read_until_closed(client, state)
            return
        except websockets.ConnectionClosed as closed:
            code = closed.rcvd.code if closed.rcvd else 1006
            if state["stopping"] or not spec.get("resume") or code in FINAL_CODES:
                client.closed_code = code
                return
            client.resumed.append(code)
            client.ws = await _open(spec, client, after=client.last_message_id)
        except asyncio.CancelledError:
            return


async def _read_until_closed(client, state):
    latencies = state["latencies"]
    highest, missing = client.highest, client.missing
    async for raw in client.ws:
        now = time.time()
        frame = json.loads(raw)
        if frame.get("type") != "chat":
            continue
        state["last_receive"] = now
        sender, seq, sent_at = frame["message"].split(":")
        sender, seq = int(sender), int(seq)
        client.received += 1
        top = highest.get(sender, 0)
        if seq > top:
            if seq > top + 1:
                missing.setdefault(sender, set()).update(range(top + 1, seq))
            highest[sender] = seq
        elif seq in missing.get(sender, ()):
            missing[sender].discard(seq)
            client.late += 1
        else:
            client.duplicates += 1
            continue
        client.distinct += 1
        latencies[int((now - float(sent_at)) / LATENCY_BUCKET_SECONDS)] += 1
        message_id = frame.get("id")
        if message_id is not None:
            if message_id <= client.last_message_id:
                client.out_of_order += 1
            client.last_message_id = message_id
        if client.window is not None and sender == client.sender_id:
            client.window.release()
