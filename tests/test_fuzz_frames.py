"""Random frames from one user over a real server (uvicorn, the tests' database and channel layer):
every answer is the one the contract promises, nothing is half-stored, and another user's socket
keeps being served all along. tests/contract_model.py says what each frame should get."""

from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chat import server_frames
from chat.models import Message, Room
from tests.contract_model import ANY_TIMESTAMP, Closed, Error, Pong, Posted, SenderModel, answer_for
from tests.frame_strategies import closing_frame, ordinary_frame
from tests.live_sockets import LiveSocket

pytestmark = pytest.mark.django_db(transaction=True)

FRAMES_PER_RUN = 10_000  # the issue asks for at least this many per CI run, on each stack
EXAMPLES_PER_ROUND = 100  # hypothesis examples per round; rounds repeat until FRAMES_PER_RUN are sent
# About one batch in ten ends with a frame that closes the socket (over 64 KiB, or not UTF-8).
batch_ending = st.integers(0, 9).flatmap(lambda n: closing_frame if n == 0 else st.none())


class _AnyText:
    def __eq__(self, other):
        return isinstance(other, str) and other != ""

    def __repr__(self):
        return "<any non-empty text>"


ANY_TEXT = _AnyText()


def test_random_frames_get_the_contracts_answers_and_another_users_socket_keeps_being_served(
    make_user, start_server
):
    # No rate limit: this test is about frames (floods are tests/test_floods.py); every valid post
    # is stored and must come back as an echo with the next id.
    server = start_server(CHAT_RATE_LIMIT="0")
    room = FuzzedRoom(server, make_user("alice"), make_user("bob"))

    @settings(
        max_examples=EXAMPLES_PER_ROUND,
        deadline=None,
        # New frames on every run, CI included (hypothesis would otherwise derandomize under CI=true
        # and replay the same ones each round); a failure prints the blob to reproduce it.
        derandomize=False,
        database=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    )
    @given(batch=st.lists(ordinary_frame, min_size=10, max_size=40), ending=batch_ending)
    def exchange(batch, ending):
        room.exchange(batch + ([ending] if ending is not None else []))

    try:
        while room.frames_sent < FRAMES_PER_RUN:
            exchange()
    finally:
        room.close()
    print(f"fuzz: {room.frames_sent} frames, {len(room.alice.echoes)} stored; {dict(room.answers)}")
    stored = [server_frames.message(message) for message in Message.objects.select_related("author")]
    assert stored == room.alice.echoes, "every stored message is one that was echoed, and every echo is stored"
    # The run reached every row of the contract it is about.
    assert set(room.answers) >= {
        "invalid_json", "invalid_frame", "empty_message", "too_long", "new post", "repeated client_id",
        "pong", "typing", "close 1009", "close 1007",
    }, room.answers


class FuzzedRoom:
    """Alice sends the random frames; Bob only listens and pings."""

    def __init__(self, server, alice, bob):
        self.server, self.alice_user, self.bob_user = server, alice, bob
        self.frames_sent = 0
        self.answers = Counter()  # what the contract said the frames get: the run's coverage
        self.alice_socket = self.bob_socket = None
        self.alice = SenderModel("alice")
        self._connect()

    def exchange(self, batch):
        try:
            self._exchange(batch)
        except BaseException:
            # Leave nothing behind for the next example (hypothesis goes on to shrink the failure).
            self.close()
            self.alice = self._model_from_database()
            self._connect()
            raise

    def _exchange(self, batch):
        direct, new, ending = [], [], None
        for wire in batch:
            answer = answer_for(wire)
            self.answers[_kind(answer)] += 1
            if isinstance(answer, Closed):
                ending = (wire, answer.code)
                break
            self.alice_socket.send_wire(wire)
            self.frames_sent += 1
            if isinstance(answer, Error):
                direct.append({"type": "error", "code": answer.code, "detail": ANY_TEXT, "client_id": answer.client_id})
            elif isinstance(answer, Pong):
                direct.append({"type": "pong"})
            elif isinstance(answer, Posted):
                expected, is_new = self.alice.expect(answer)
                (new if is_new else direct).append(expected)
                self.answers["new post" if is_new else "repeated client_id"] += 1
        # Errors, pongs and repeated client_ids' originals come in frame order; new messages come
        # in id order through the room feed; the two streams may interleave.
        self.alice_socket.send({"type": "ping"})
        direct.append({"type": "pong"})
        received = _collect(self.alice_socket, len(direct) + len(new), skip=("presence",))
        _assert_interleaving(received, direct, new, "alice")
        echoes = _same_frame_per_id(received)
        for expected in new:
            self.alice.record(echoes[expected["id"]])

        # Meanwhile Bob got every new message, in order, and his socket still answers.
        self.bob_socket.send({"type": "ping"})
        received = _collect(self.bob_socket, 1 + len(new), skip=("presence", "typing"))
        _assert_interleaving(received, [{"type": "pong"}], [echoes[e["id"]] for e in new], "bob")

        if ending is not None:
            wire, code = ending
            self.alice_socket.send_wire(wire)
            self.frames_sent += 1
            closed_with, before = self.alice_socket.close_code()
            assert (closed_with, [f for f in before if f["type"] != "presence"]) == (code, []), wire.data[:80]
            self.alice_socket = self._join(self.alice_user)

    def _join(self, user):
        sock = LiveSocket(self.server, user)
        hello = sock.receive()
        # Nothing half-stored: the room's newest id is exactly the last echo's.
        assert hello == {
            "type": "hello", "user": user.get_username(), "last_id": self.alice.last_id or None,
            "last_seq": self.alice.last_seq or None, "max_length": 2000
        }
        return sock

    def _connect(self):
        self.alice_socket, self.bob_socket = self._join(self.alice_user), self._join(self.bob_user)

    def _model_from_database(self):
        last_id, last_seq = Room.objects.values_list("last_message_id", "last_seq").first() or (0, 0)
        mine = Message.objects.select_related("author").filter(author=self.alice_user, client_id__isnull=False)
        model = SenderModel("alice", last_id, {m.client_id: server_frames.message(m) for m in mine}, last_seq)
        model.echoes = [server_frames.message(m) for m in Message.objects.select_related("author")]
        return model

    def close(self):
        for sock in (self.alice_socket, self.bob_socket):
            if sock is not None:
                sock.close()


def _kind(answer):
    if isinstance(answer, Closed):
        return f"close {answer.code}"
    if isinstance(answer, Error):
        return answer.code
    return {Pong: "pong", Posted: "post"}.get(type(answer), "typing")


def _collect(sock, count, skip):
    frames = []
    while len(frames) < count:
        frame = sock.receive()
        if frame.get("type") not in skip:
            frames.append(frame)
    return frames


def _assert_interleaving(received, in_order, also_in_order, who):
    """received is in_order and also_in_order merged, each keeping its own order."""
    reachable = {(0, 0)} if len(received) == len(in_order) + len(also_in_order) else set()
    for frame in received:
        reachable = {(i + 1, j) for i, j in reachable if i < len(in_order) and in_order[i] == frame} | {
            (i, j + 1) for i, j in reachable if j < len(also_in_order) and also_in_order[j] == frame
        }
    assert reachable, f"{who} received {received!r}\nexpected in order {in_order!r}\nand new messages {also_in_order!r}"


def _same_frame_per_id(received):
    """A repeated client_id is answered with the original: the very same frame, timestamp included."""
    by_id = {}
    for frame in received:
        if frame["type"] == "chat":
            assert by_id.setdefault(frame["id"], frame) == frame
            assert frame["ts"] == ANY_TIMESTAMP
    return by_id
