"""One load-generator process: its share of the WebSocket clients, some of them senders.

Every connection is a bare asyncio.Protocol speaking just enough RFC 6455 for a client (the
handshake, masked frames out, unmasked frames in, fragments, ping -> pong, close, and
permessage-deflate offered as browsers do), so that on a 2-core machine the generator is not what
limits the figure: a client library costs several Python-level steps and objects per received frame,
which at 100k deliveries/s is most of a core. A received text frame is not JSON-parsed: one regular
expression finds a chat frame's "sender:seq:send_time" text and its id.

Every chat message carries "sender:seq:send_time_us" as its text, so each receiving client measures
the delivery latency, and counts duplicates and (by the driver's total) losses. Clocks: all processes
run on this machine, so time.time() is comparable.

Bookkeeping stays small for long runs (the soak): per client and sender, the highest seq seen and
the seqs still missing below it; latencies go into a histogram of 0.1 ms buckets.
"""

import asyncio
import base64
import hashlib
import json
import os
import re
import resource
import time
import zlib
from collections import Counter
from urllib.parse import urlsplit

CONNECT_CONCURRENCY = 50
QUIET_SECONDS = 1.5  # the drain ends when no client received anything for this long...
DRAIN_MAX_SECONDS = 20.0  # ...or after this long
BURST_DRAIN_MAX_SECONDS = 120.0
LATENCY_BUCKET_SECONDS = 0.0001
CLOSE_WAIT_SECONDS = 2.0
BURST_BUFFER_BYTES = 64 * 1024  # burst mode: a sender waits while this much is unsent
# Closes after which a client does not come back (signed out, bad request); after any other close
# (4002 fell behind, 1001/1012 restart, 1011 keepalive timeout, 1006) it resumes with ?after=.
FINAL_CODES = {1000, 1008, 4001, 4400}

# A chat frame of the app ({"type":"chat","id":N,...,"message":"s:q:t",...}), of the raw app or of
# the naive consumer (json.dumps' default separators): the text's three numbers, and the id if any.
CHAT = re.compile(rb'\{"type": ?"chat",(?:"id": ?(\d+),)?.*?"message": ?"(\d+):(\d+):(\d+)"', re.DOTALL)
# The mixed scenario's other changes (docs/protocol.md, the stream of changes): every event carries the
# room's seq right after its type; the sender's client_id ("RUN-SENDER-N") ends it.
EVENT = re.compile(rb'\{"type":"(?:edit|delete|reaction)","seq":(\d+)')
ANSWER = re.compile(rb'\{"type":"(?:error|unchanged)"')
SEQ = re.compile(rb'"seq":(\d+)')
CLIENT_ID = re.compile(rb'"client_id":"[^"]*-(\d+)-c\d+"')
EMOJI = "👍😂🎉🙏🔥👀✅💯🚀😀😎🤔👏🙌💡⭐🍕🌈🐍🎈"  # 20: a message takes at most 20 distinct emoji
WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONTINUATION, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


class Closed(Exception):
    """The handshake was refused or the connection ended before it completed."""


def client_frame(opcode, payload):
    """One masked, unfragmented frame, as a client must send it."""
    length = len(payload)
    if length < 126:
        header = bytes((0x80 | opcode, 0x80 | length))
    elif length < 65536:
        header = bytes((0x80 | opcode, 0x80 | 126)) + length.to_bytes(2, "big")
    else:
        header = bytes((0x80 | opcode, 0x80 | 127)) + length.to_bytes(8, "big")
    mask = os.urandom(4)
    # XOR as one big integer: no Python-level loop per byte.
    key = (mask * (length // 4 + 1))[:length]
    masked = (int.from_bytes(payload, "big") ^ int.from_bytes(key, "big")).to_bytes(length, "big")
    return header + mask + masked


class Client:
    """What one simulated user has seen, across its connections (it resumes after a close)."""

    def __init__(self, index, sender_id):
        self.index = index
        self.sender_id = sender_id  # None: only listens
        self.connection = None
        self.highest = {}  # sender -> highest seq received
        self.missing = {}  # sender -> set of seqs skipped over (a hole, unless they come late)
        self.distinct = self.received = self.duplicates = self.out_of_order = self.late = 0
        self.last_message_id = 0
        self.closed_code = None
        self.resumed = []  # close codes this client resumed after
        self.sent = 0  # posts (a post's text carries its number)
        self.in_flight = 0  # window mode: sent, own echo not yet seen
        # The mixed scenario: the room's seq as this client saw it, and the sender's own messages.
        self.seq_first = self.seq_highest = None
        self.seq_missing = set()
        self.seq_distinct = self.seq_repeated = self.seq_late = 0
        self.changes = {"react": 0, "edit": 0, "delete": 0}
        self.refused = 0  # error or unchanged answers to this sender's frames
        self.own_ids = []  # ids of this sender's messages, not deleted, oldest first
        self.react_target, self.react_count = None, 0


class Connection(asyncio.Protocol):
    """One WebSocket connection of a client; the receive path is the generator's hot loop."""

    def __init__(self, client, run_state, request):
        self.client, self.run_state, self.request = client, run_state, request
        self.transport = None
        self.pending = b""
        self.upgraded = False
        self.fragments = None  # payload parts of a fragmented text message
        self.fragment_compressed = False
        self.inflate = None  # permessage-deflate, when the server accepted it
        self.close_code = None
        self.close_sent = False
        loop = asyncio.get_running_loop()
        self.opened, self.lost = loop.create_future(), loop.create_future()

    # --- asyncio.Protocol ------------------------------------------------------------------------
    def connection_made(self, transport):
        self.transport = transport
        transport.write(self.request)

    def connection_lost(self, exc):
        if self.close_code is None:
            self.close_code = 1006
        if not self.opened.done():
            self.opened.set_exception(Closed(f"closed during the handshake ({self.close_code})"))
        if not self.lost.done():
            self.lost.set_result(self.close_code)
        self.run_state.connection_ended(self)

    def data_received(self, data):
        if self.pending:
            data = self.pending + data
            self.pending = b""
        if not self.upgraded:
            end = data.find(b"\r\n\r\n")
            if end < 0:
                self.pending = data
                return
            self._handshake_answer(data[:end])
            if not self.upgraded:
                return
            data = data[end + 4:]
        size, pos = len(data), 0
        while size - pos >= 2:
            first, second = data[pos], data[pos + 1]
            length, head = second & 0x7F, 2
            if length == 126:
                if size - pos < 4:
                    break
                length, head = int.from_bytes(data[pos + 2:pos + 4], "big"), 4
            elif length == 127:
                if size - pos < 10:
                    break
                length, head = int.from_bytes(data[pos + 2:pos + 10], "big"), 10
            end = pos + head + length
            if end > size:
                break
            start, pos = pos + head, end
            opcode = first & 0x0F
            if opcode == OP_TEXT and first == 0x81 and self.fragments is None:
                found = CHAT.match(data, start, end)  # matched in place: no copy of the payload
                if found is not None or not self.run_state.mixed:
                    self.text(found)
                else:
                    self.change(data, start, end)
            elif opcode == OP_TEXT and first & 0x40 and first & 0x80 and self.fragments is None:
                self.text(CHAT.match(self._inflated(data[start:end])))
            else:
                self._other_frame(first, opcode, data[start:end])
        if pos < size:
            self.pending = data[pos:]

    # --- frames ----------------------------------------------------------------------------------
    def text(self, found):
        """A text frame's match of CHAT (None: not a chat frame of this run)."""
        if found is None:
            return  # hello, presence, typing, errors
        client, state = self.client, self.run_state
        now = time.time()
        state.last_receive = now
        sender, seq = int(found[2]), int(found[3])
        client.received += 1
        top = client.highest.get(sender, 0)
        if seq > top:
            if seq > top + 1:
                client.missing.setdefault(sender, set()).update(range(top + 1, seq))
            client.highest[sender] = seq
        elif seq in client.missing.get(sender, ()):
            client.missing[sender].discard(seq)
            client.late += 1
        else:
            client.duplicates += 1
            return
        client.distinct += 1
        state.latencies[int((now - int(found[4]) / 1e6) / LATENCY_BUCKET_SECONDS)] += 1
        if found[1] is not None:
            message_id = int(found[1])
            if message_id <= client.last_message_id:
                client.out_of_order += 1
            client.last_message_id = message_id
            if state.mixed:
                self.note_seq(SEQ.search(found.string, found.end(), found.endpos))
                if sender == client.sender_id:
                    client.own_ids.append(message_id)
        if sender == client.sender_id and state.window:
            client.in_flight -= 1
            state.top_up(client)

    def change(self, data, start, end):
        """The mixed scenario: an edit, delete or reaction event, or an answer to this sender alone."""
        client, state = self.client, self.run_state
        event = EVENT.match(data, start, end)
        if event is not None:
            state.last_receive = time.time()
            self.note_seq(event)
        elif ANSWER.match(data, start, end) is not None:
            client.refused += 1
        else:
            return
        own = CLIENT_ID.search(data, start, end)
        if own is not None and int(own[1]) == client.sender_id and state.window:
            client.in_flight -= 1
            state.top_up(client)

    def note_seq(self, found):
        if found is None:
            return
        client, seq = self.client, int(found[1])
        if client.seq_highest is None:
            client.seq_first = client.seq_highest = seq
        elif seq > client.seq_highest:
            if seq > client.seq_highest + 1:
                client.seq_missing.update(range(client.seq_highest + 1, seq))
            client.seq_highest = seq
        elif seq in client.seq_missing:
            client.seq_missing.discard(seq)
            client.seq_late += 1
        else:
            client.seq_repeated += 1
            return
        client.seq_distinct += 1

    def _other_frame(self, first, opcode, payload):
        if opcode == OP_TEXT or (opcode == OP_CONTINUATION and self.fragments is not None):
            if opcode == OP_TEXT:
                self.fragments, self.fragment_compressed = [], bool(first & 0x40)
            self.fragments.append(payload)
            if first & 0x80:
                whole, self.fragments = b"".join(self.fragments), None
                self.text(CHAT.match(self._inflated(whole) if self.fragment_compressed else whole))
        elif opcode == OP_PING:
            self.transport.write(client_frame(OP_PONG, payload))
        elif opcode == OP_CLOSE:
            self.close_code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
            if not self.close_sent:
                self.close_sent = True
                self.transport.write(client_frame(OP_CLOSE, payload[:2]))
            self.transport.close()
        # binary frames and pongs: nothing to do

    def _inflated(self, payload):
        if self.inflate is None:
            self.inflate = zlib.decompressobj(-zlib.MAX_WBITS)
        return self.inflate.decompress(payload + b"\x00\x00\xff\xff")

    def _handshake_answer(self, head):
        lines = head.split(b"\r\n")
        if b" 101 " not in lines[0] + b" ":
            self.close_code = 1006
            self.opened.set_exception(Closed(lines[0].decode("latin-1")))
            self.transport.close()
            return
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        key = self.request.split(b"Sec-WebSocket-Key: ", 1)[1].split(b"\r\n", 1)[0]
        if headers.get(b"sec-websocket-accept") != base64.b64encode(hashlib.sha1(key + WS_GUID).digest()):
            self.opened.set_exception(Closed("wrong Sec-WebSocket-Accept"))
            self.transport.close()
            return
        self.upgraded = True
        self.client.connection = self  # now, not when open() resumes: a close may follow at once
        self.opened.set_result(None)

    # --- out -------------------------------------------------------------------------------------
    def send_text(self, text):
        self.transport.write(client_frame(OP_TEXT, text.encode()))

    async def close(self):
        if self.transport is None or self.lost.done():
            return
        if not self.close_sent:
            self.close_sent = True
            self.transport.write(client_frame(OP_CLOSE, (1000).to_bytes(2, "big")))
        try:
            await asyncio.wait_for(asyncio.shield(self.lost), CLOSE_WAIT_SECONDS)
        except TimeoutError:
            self.transport.abort()


def handshake_request(url, cookie, origin):
    """origin None: the page's own origin on the server of `url` (as a browser sends it)."""
    parts = urlsplit(url)
    origin = origin or f"http://{parts.hostname}:{parts.port}"
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    key = base64.b64encode(os.urandom(16)).decode()
    return (f"GET {target} HTTP/1.1\r\nHost: {parts.hostname}:{parts.port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
            f"Cookie: {cookie}\r\nOrigin: {origin}\r\n\r\n").encode("latin-1")


class RunState:
    """This process's run: the clients, the latency histogram, sending and resuming."""

    def __init__(self, spec, clients):
        self.spec, self.clients = spec, clients
        self.latencies = Counter()
        self.last_receive = 0.0
        self.stopping = False
        self.window = spec["mode"] == "window"
        self.mixed = bool(spec.get("mixed"))  # 70% posts, 20% reactions, 10% edits and deletes
        self.deadline = None  # sending stops then (set at go)
        self.reconnecting = set()

    async def open(self, client, after=None):
        url = self.spec["urls"][client.index] + (f"?after={after}" if after is not None else "")
        parts = urlsplit(url)
        request = handshake_request(url, self.spec["cookies"][client.index], self.spec["origin"])
        loop = asyncio.get_running_loop()
        connection = Connection(client, self, request)
        await asyncio.wait_for(loop.create_connection(lambda: connection, parts.hostname, parts.port), 120)
        await asyncio.wait_for(connection.opened, 120)
        if self.window and client.sender_id is not None and self.deadline is not None:
            client.in_flight = 0  # what was in flight on the closed connection is not coming back
            self.top_up(client)
        return connection

    def top_up(self, client):
        """Window mode: keep `window` messages of this sender unacknowledged until the deadline."""
        while client.in_flight < self.spec["window"] and not self.stopping and time.time() < self.deadline:
            self.send(client)
            client.in_flight += 1

    def send(self, client):
        if self.mixed and self._send_change(client):
            return
        seq = client.sent + 1
        text = f"{client.sender_id}:{seq}:{time.time_ns() // 1000}"
        frame = json.dumps({"type": "chat", "message": text, "client_id": f"{self.spec['run']}-{client.sender_id}-{seq}"})
        client.connection.send_text(frame)
        client.sent = seq

    def _send_change(self, client):
        """The mixed scenario: of every ten frames, seven posts, two reactions, one edit or delete,
        each on the sender's own messages and each a real change (a new emoji, a new text, a message
        not yet deleted), so that every one is an event for every socket."""
        ops = sum(client.changes.values())
        turn = (client.sent + ops) % 10
        if turn in (7, 8) and client.own_ids:
            if client.react_target != client.own_ids[-1]:
                client.react_target, client.react_count = client.own_ids[-1], 0
            if client.react_count < len(EMOJI):
                frame = {"type": "react", "id": client.react_target, "emoji": EMOJI[client.react_count]}
                client.react_count += 1
                return self._send_op(client, "react", frame)
        if turn == 9 and len(client.own_ids) > 1:
            if client.changes["edit"] <= client.changes["delete"]:
                frame = {"type": "edit", "id": client.own_ids[-1], "message": f"edited {ops}"}
                return self._send_op(client, "edit", frame)
            frame = {"type": "delete", "id": client.own_ids.pop(0)}
            return self._send_op(client, "delete", frame)
        return False

    def _send_op(self, client, kind, frame):
        client.changes[kind] += 1
        frame["client_id"] = f"{self.spec['run']}-{client.sender_id}-c{sum(client.changes.values())}"
        client.connection.send_text(json.dumps(frame))
        return True

    def connection_ended(self, connection):
        client = connection.client
        if client.connection is not connection:
            return  # the handshake never completed: open() raises
        code = connection.close_code
        if self.stopping:
            return  # the generator's own close at the end
        if not self.spec.get("resume") or code in FINAL_CODES:
            client.closed_code = code
            return
        client.resumed.append(code)
        task = asyncio.get_running_loop().create_task(self._resume(client))
        self.reconnecting.add(task)
        task.add_done_callback(self.reconnecting.discard)

    async def _resume(self, client):
        delay = 0.05
        while not self.stopping:
            try:
                await self.open(client, after=client.last_message_id)
                return
            except (OSError, Closed, TimeoutError):
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)


def run(spec, results, ready, go):
    """Entry point of a multiprocessing.Process."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(_run(spec, results, ready, go))
    else:
        uvloop.run(_run(spec, results, ready, go))


def _cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _run(spec, results, ready, go):
    clients = [Client(i, spec["sender_ids"].get(i)) for i in range(len(spec["urls"]))]
    state = RunState(spec, clients)
    connect_times, gate = [], asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def open_one(client):
        async with gate:
            started = time.perf_counter()
            await state.open(client)
            connect_times.append(time.perf_counter() - started)

    connect_started = time.perf_counter()
    await asyncio.gather(*[open_one(c) for c in clients])
    connect_all = time.perf_counter() - connect_started
    ready.put(len(clients))
    while not go.is_set():
        await asyncio.sleep(0.05)

    cpu_at_go = _cpu()
    sending_started = time.time()
    state.deadline = sending_started + spec["duration"]
    senders = [c for c in clients if c.sender_id is not None]
    if state.window:
        for client in senders:
            state.top_up(client)
        await asyncio.sleep(spec["duration"])
    elif spec["mode"] == "burst":
        await asyncio.gather(*[_send_burst(c, state) for c in senders])
        state.deadline = time.time()
    else:
        await asyncio.gather(*[_send_at_rate(c, state) for c in senders])

    # A process without senders gets here at once; a burst is all queued in the server when sent.
    drain_until = max(time.time(), state.deadline) + (BURST_DRAIN_MAX_SECONDS if spec["mode"] == "burst" else DRAIN_MAX_SECONDS)
    while time.time() < drain_until and time.time() - max(state.last_receive, state.deadline) < QUIET_SECONDS:
        await asyncio.sleep(0.1)
    state.stopping = True
    for task in list(state.reconnecting):
        task.cancel()
    await asyncio.gather(*state.reconnecting, return_exceptions=True)
    cpu_seconds = _cpu() - cpu_at_go
    await asyncio.gather(*[c.connection.close() for c in clients if c.connection], return_exceptions=True)
    sent_by = {c.sender_id: c.sent for c in senders}
    results.put(
        {
            "clients": len(clients),
            "connect_times": connect_times,
            "connect_all_seconds": connect_all,
            "latency_histogram": dict(state.latencies),
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
            "last_receive": state.last_receive,
            "cpu_seconds": cpu_seconds,
            # The mixed scenario: per client, the room seqs seen; per sender, the changes made.
            "seqs": [{"first": c.seq_first, "highest": c.seq_highest, "distinct": c.seq_distinct,
                      "missing": len(c.seq_missing), "repeated": c.seq_repeated, "late": c.seq_late} for c in clients],
            "changes": {kind: sum(c.changes[kind] for c in senders) for kind in ("react", "edit", "delete")},
            "refused": sum(c.refused for c in clients),
        }
    )


async def _send_burst(client, state):
    """spec["messages"] messages as fast as the connection takes them (flat out, no window)."""
    for _ in range(state.spec["messages"]):
        if client.connection.lost.done():
            return
        state.send(client)
        while client.connection.transport.get_write_buffer_size() > BURST_BUFFER_BYTES:
            await asyncio.sleep(0.001)
        await asyncio.sleep(0)


async def _send_at_rate(client, state):
    interval = 1.0 / state.spec["rate"]
    next_at = time.time() + interval * (client.sender_id % 97) / 97  # spread the senders' ticks
    while time.time() < state.deadline:
        await asyncio.sleep(max(0.0, next_at - time.time()))
        next_at += interval
        connection = client.connection
        if connection is None or connection.lost.done():
            if not state.spec.get("resume"):
                return
            continue  # not sent: the reader side is reconnecting
        state.send(client)
