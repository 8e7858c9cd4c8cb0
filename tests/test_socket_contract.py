"""The WebSocket rows of the contract, on the real ASGI application (auth, origin check, consumer)."""

import asyncio

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_signed_in_user_is_greeted_with_hello_then_presence(make_user, joined_socket):
    alice = await _user(make_user, "alice")
    async with joined_socket(alice) as sock:
        assert sock.hello == {"type": "hello", "user": "alice", "last_id": None, "last_seq": None, "max_length": 2000}
        assert await sock.receive() == {"type": "presence", "users": ["alice"]}


async def test_an_anonymous_handshake_is_refused(open_socket):
    connected, _ = await open_socket(None)
    assert not connected


async def test_a_handshake_from_a_foreign_origin_is_refused(make_user, open_socket):
    alice = await _user(make_user, "alice")
    connected, _ = await open_socket(alice, origin="http://evil.example")
    assert not connected


async def test_a_posted_message_is_echoed_to_its_sender_and_reaches_others(make_user, joined_socket):
    alice, bob = await _user(make_user, "alice"), await _user(make_user, "bob")
    async with joined_socket(alice) as a, joined_socket(bob) as b:
        await a.post("hello <b>bob</b>", client_id="c-1")
        echo = await a.receive_until("chat")
        assert echo["message"] == "hello <b>bob</b>" and echo["user"] == "alice" and echo["client_id"] == "c-1"
        assert isinstance(echo["id"], int) and echo["id"] > 0 and echo["ts"].endswith("Z")
        assert await b.receive_until("chat") == echo


async def test_the_original_apps_frame_still_posts_and_ignores_a_user_field(make_user, joined_socket):
    alice = await _user(make_user, "alice")
    async with joined_socket(alice) as a:
        await a.send({"message": "old client", "user": "mallory"})
        echo = await a.receive_until("chat")
        assert (echo["type"], echo["message"], echo["user"], echo["client_id"]) == ("chat", "old client", "alice", None)


async def test_a_repeated_client_id_is_stored_once_and_answered_with_the_original(make_user, joined_socket):
    alice, bob = await _user(make_user, "alice"), await _user(make_user, "bob")
    async with joined_socket(alice) as a, joined_socket(bob) as b:
        await a.post("once", client_id="same")
        original = await a.receive_until("chat")
        await a.post("once again?", client_id="same")
        assert await a.receive_until("chat") == original
        assert await b.receive_until("chat") == original
        assert await b.more_chats() == []
    assert await _count_messages() == 1


async def test_ping_is_answered_with_pong(make_user, joined_socket):
    async with joined_socket(await _user(make_user, "alice")) as a:
        await a.send({"type": "ping"})
        assert await a.receive_until("pong") == {"type": "pong"}


async def test_typing_reaches_others_but_not_the_typist(make_user, joined_socket):
    alice, bob = await _user(make_user, "alice"), await _user(make_user, "bob")
    async with joined_socket(alice) as a, joined_socket(bob) as b:
        await a.send({"type": "typing"})
        assert await b.receive_until("typing") == {"type": "typing", "user": "alice"}
        await a.send({"type": "ping"})
        frames = [await a.receive()]
        while frames[-1]["type"] != "pong":
            frames.append(await a.receive())
        assert "typing" not in [f["type"] for f in frames]


async def test_presence_follows_people_joining_and_leaving(make_user, joined_socket):
    alice, bob = await _user(make_user, "alice"), await _user(make_user, "bob")
    async with joined_socket(alice) as a:
        assert (await a.receive_until("presence"))["users"] == ["alice"]
        async with joined_socket(bob) as b:
            assert (await b.receive_until("presence"))["users"] == ["alice", "bob"]
            assert (await a.receive_until("presence"))["users"] == ["alice", "bob"]
        assert (await a.receive_until("presence"))["users"] == ["alice"]


BAD_FRAMES = [
    ("not json", "invalid_json", None),
    ('{"message": "unterminated', "invalid_json", None),
    ("[" * 60_000, "invalid_json", None),
    ("1" * 5000, "invalid_json", None),
    ('"a string"', "invalid_frame", None),
    ("[1, 2]", "invalid_frame", None),
    ("null", "invalid_frame", None),
    ('{"type": "dance"}', "invalid_frame", None),
    ('{"type": 7, "message": "x"}', "invalid_frame", None),
    ("{}", "invalid_frame", None),
    ('{"type": "chat", "message": 42, "client_id": "c-9"}', "invalid_frame", "c-9"),
    ('{"type": "chat", "message": null}', "invalid_frame", None),
    ('{"type": "chat", "message": "x", "client_id": 12}', "invalid_frame", None),
    ('{"type": "chat", "message": "x", "client_id": ""}', "invalid_frame", None),
    ('{"type": "chat", "message": "x", "client_id": "' + "c" * 65 + '"}', "invalid_frame", None),
    ('{"type": "chat", "message": "nul \\u0000 inside", "client_id": "c-n"}', "invalid_frame", "c-n"),
    ('{"type": "chat", "message": "lone \\ud800 surrogate"}', "invalid_frame", None),
    ('{"type": "chat", "message": "   \\n\\t ", "client_id": "c-e"}', "empty_message", "c-e"),
    ('{"type": "chat", "message": "' + "x" * 2001 + '", "client_id": "c-l"}', "too_long", "c-l"),
]


# Text that shows nothing: white space, zero-width and format characters, fillers. Each is refused
# as empty, alone and mixed with ordinary white space.
INVISIBLE = [
    "\u200b",  # zero width space
    "\ufeff",  # zero width no-break space (byte order mark)
    "\u3164",  # Hangul filler
    "\uffa0",  # halfwidth Hangul filler
    "\u115f\u1160",  # Hangul choseong and jungseong fillers
    "\u2800",  # Braille pattern blank
    "\u200c\u200d\u2060\u2061\u2062\u2063\u2064",  # joiners, word joiner, invisible operators
    "\u00ad\u034f\u180e\u17b4",  # soft hyphen, combining grapheme joiner, Mongolian separator, Khmer
    "\u200e\u200f\u202a\u202e\u2066\u2069",  # direction marks and overrides
    "\ufe0f\U000e0100",  # variation selectors
    "\U000e0001\U000e0067\U000e007f",  # tags
    "\U0001d173\U0001d17a",  # musical formatting
    "\u00a0\u2007\u202f\u3000\u2028\u2029\x85",  # white space beyond ASCII
    " \u200b\n\t\u3164 \ufeff",
]


@pytest.mark.parametrize("text", INVISIBLE, ids=["+".join(f"{ord(c):04X}" for c in text) for text in INVISIBLE])
async def test_a_message_of_only_invisible_characters_is_refused_as_empty(make_user, joined_socket, text):
    async with joined_socket(await _user(make_user, "alice")) as a:
        await a.post(text, client_id="c-blank")
        error = await a.receive_until_any(("chat", "error"))
        assert (error["type"], error.get("code"), error["client_id"]) == ("error", "empty_message", "c-blank")
    assert await _count_messages() == 0


async def test_visible_text_among_invisible_characters_is_stored_as_written(make_user, joined_socket):
    async with joined_socket(await _user(make_user, "alice")) as a:
        for text in ("\u200bhi\u3164", "\u0600", "\u3000「」"):  # a letter; a visible format sign; brackets
            await a.post(text)
            assert (await a.receive_until_any(("chat", "error")))["message"] == text


@pytest.mark.parametrize("text, code, client_id", BAD_FRAMES, ids=[f"{c}-{i}" for i, (_, c, _) in enumerate(BAD_FRAMES)])
async def test_a_bad_frame_gets_its_error_code_stores_nothing_and_keeps_the_socket(
    make_user, joined_socket, text, code, client_id
):
    async with joined_socket(await _user(make_user, "alice")) as a:
        await a.send(text)
        error = await a.receive_until("error")
        assert (error["code"], error["client_id"]) == (code, client_id)
        assert error["detail"]
        await a.post("still here")
        assert (await a.receive_until("chat"))["message"] == "still here"
    assert await _count_messages() == 1


async def test_a_message_of_exactly_the_maximum_length_is_accepted(make_user, joined_socket):
    async with joined_socket(await _user(make_user, "alice")) as a:
        await a.post("長" * 2000)
        assert len((await a.receive_until("chat"))["message"]) == 2000


async def test_a_binary_frame_is_refused_as_invalid_frame(make_user, joined_socket):
    async with joined_socket(await _user(make_user, "alice")) as a:
        await a.communicator.send_to(bytes_data=b"\x00\xff")
        assert (await a.receive_until("error"))["code"] == "invalid_frame"


async def test_a_frame_over_64_kib_closes_the_socket_with_1009(make_user, joined_socket):
    async with joined_socket(await _user(make_user, "alice")) as a:
        await a.post("x" * (64 * 1024 + 1))
        assert await a.closed_with() == 1009
    assert await _count_messages() == 0


async def test_posting_faster_than_the_rate_limit_is_refused_and_stores_nothing_extra(make_user, joined_socket, settings):
    settings.CHAT_RATE_LIMIT = (5, 10)
    async with joined_socket(await _user(make_user, "alice")) as a:
        for n in range(30):
            await a.post(f"flood {n}", client_id=f"f-{n}")
        answers = [await a.receive_until_any(("chat", "error")) for _ in range(30)]
    stored = [f for f in answers if f["type"] == "chat"]
    refused = [f for f in answers if f["type"] == "error"]
    assert refused and all(f["code"] == "rate_limited" for f in refused)
    assert len(stored) >= 10  # the burst
    assert await _count_messages() == len(stored)


async def test_a_rate_limited_refusal_says_how_long_to_wait_and_after_that_the_message_is_taken(
    make_user, joined_socket, settings
):
    settings.CHAT_RATE_LIMIT = (5, 10)
    async with joined_socket(await _user(make_user, "alice")) as a:
        answers = []
        while not answers or answers[-1]["type"] == "chat":
            await a.post(f"burst {len(answers)}")
            answers.append(await a.receive_until_any(("chat", "error")))
        refusal = answers[-1]
        assert refusal["code"] == "rate_limited"
        assert 0 < refusal["retry_after"] <= 1 / 5  # at most one token's refill
        await asyncio.sleep(refusal["retry_after"])
        await a.post("after waiting as told", client_id="c-waited")
        taken = await a.receive_until_any(("chat", "error"))
        assert (taken["type"], taken["client_id"]) == ("chat", "c-waited")


async def test_an_invalid_after_gets_an_error_then_a_close(make_user, open_socket):
    connected, sock = await open_socket(await _user(make_user, "alice"), "?after=abc")
    assert connected
    assert (await sock.receive_until("error"))["code"] == "invalid_frame"
    assert await sock.closed_with() == 4400


async def _user(make_user, name):
    from channels.db import database_sync_to_async

    return await database_sync_to_async(make_user)(name)


async def _count_messages():
    from channels.db import database_sync_to_async

    from chat.models import Message

    return await database_sync_to_async(Message.objects.count)()
