"""One load-generator process: its share of the WebSocket clients, some of them senders.

Every chat message carries "sender:seq:send_time" as its text, so each receiving client measures the
delivery latency, and counts duplicates and (by the driver's total) losses. Clocks: all processes
run on this machine, so time.time() is comparable.
"""

import asyncio
import json
import resource
import time

import websockets
from websockets.asyncio.client import connect

CONNECT_CONCURRENCY = 50
QUIET_SECONDS = 1.5  # the drain ends when no client received anything for this long...
DRAIN_MAX_SECONDS = 20.0  # ...or after this long


class Client:
    def __init__(self, index, sender_id):
        self.index = index
        self.sender_id = sender_id  # None: only listens
        self.ws = None
        self.seen = set()
        self.received = self.duplicates = self.out_of_order = 0
        self.last_message_id = 0
        self.closed_code = None
        self.window = None
        self.sent = 0


def run(spec, results, ready, go):
    """Entry point of a multiprocessing.Process."""
    asyncio.run(_run(spec, results, ready, go))


async def _run(spec, results, ready, go):
    clients = [Client(i, spec["sender_ids"].get(i)) for i in range(len(spec["urls"]))]
    state = {"latencies": [], "last_receive": 0.0}
    connect_times, gate = [], asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def open_one(client):
        async with gate:
            started = time.perf_counter()
            client.ws = await connect(
                spec["urls"][client.index],
                additional_headers={"Cookie": spec["cookies"][client.index], "Origin": spec["origin"]},
                open_timeout=60, ping_interval=None, max_queue=None,
            )
            connect_times.append(time.perf_counter() - started)

    connect_started = time.perf_counter()
    await asyncio.gather(*[open_one(c) for c in clients])
    connect_all = time.perf_counter() - connect_started
    readers = [asyncio.create_task(_read(c, state)) for c in clients]
    ready.put(len(clients))
    while not go.is_set():
        await asyncio.sleep(0.05)

    sending_started = time.time()
    deadline = sending_started + spec["duration"]
    senders = [c for c in clients if c.sender_id is not None]
    await asyncio.gather(*[_send(c, spec, deadline) for c in senders])

    drain_until = time.time() + DRAIN_MAX_SECONDS
    while time.time() < drain_until and time.time() - max(state["last_receive"], deadline) < QUIET_SECONDS:
        await asyncio.sleep(0.1)
    for task in readers:
        task.cancel()
    await asyncio.gather(*[c.ws.close() for c in clients], return_exceptions=True)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    results.put(
        {
            "clients": len(clients),
            "connect_times": connect_times,
            "connect_all_seconds": connect_all,
            "latencies": state["latencies"],
            "received": sum(c.received for c in clients),
            "distinct_per_client": [len(c.seen) for c in clients],
            "duplicates": sum(c.duplicates for c in clients),
            "out_of_order": sum(c.out_of_order for c in clients),
            "closed_early": [c.closed_code for c in clients if c.closed_code is not None],
            "sent": sum(c.sent for c in senders),
            "sending_started": sending_started,
            "last_receive": state["last_receive"],
            "cpu_seconds": usage.ru_utime + usage.ru_stime,
        }
    )


async def _send(client, spec, deadline):
    if spec["mode"] == "window":
        client.window = asyncio.Semaphore(spec["window"])
    interval = 1.0 / spec["rate"] if spec["mode"] == "rate" else 0.0
    next_at = time.time() + interval * (client.sender_id % 97) / 97  # spread the senders' ticks
    try:
        while time.time() < deadline:
            if client.window is not None:
                try:
                    await asyncio.wait_for(client.window.acquire(), max(0.01, deadline - time.time()))
                except TimeoutError:
                    break
            else:
                await asyncio.sleep(max(0.0, next_at - time.time()))
                next_at += interval
            client.sent += 1
            text = f"{client.sender_id}:{client.sent}:{time.time():.6f}"
            await client.ws.send(json.dumps({"type": "chat", "message": text, "client_id": f"{spec['run']}-{client.sender_id}-{client.sent}"}))
    except websockets.ConnectionClosed:
        pass


async def _read(client, state):
    latencies = state["latencies"]
    try:
        async for raw in client.ws:
            now = time.time()
            frame = json.loads(raw)
            if frame.get("type") != "chat":
                continue
            state["last_receive"] = now
            sender, seq, sent_at = frame["message"].split(":")
            key = int(sender) * 10_000_000 + int(seq)
            client.received += 1
            if key in client.seen:
                client.duplicates += 1
                continue
            client.seen.add(key)
            latencies.append(now - float(sent_at))
            message_id = frame.get("id")
            if message_id is not None:
                if message_id <= client.last_message_id:
                    client.out_of_order += 1
                client.last_message_id = message_id
            if client.window is not None and int(sender) == client.sender_id:
                client.window.release()
    except websockets.ConnectionClosed as closed:
        client.closed_code = closed.rcvd.code if closed.rcvd else 1006
    except asyncio.CancelledError:
        pass
