"""Hypothesis strategies for what a hostile or broken client may send on /ws/chat/."""

import json

from hypothesis import strategies as st

from tests.contract_model import MAX_FRAME_BYTES, Wire

# White space and characters that show nothing (unicode_text/blank_text.py): a post of only these is empty.
BLANK = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\xad\u1680\u2000\u200b\u2028\u2029\u202f\u2060\u2800\u3000\u3164\ufeff\U000e0020"
CLIENT_ID_POOL = [f"fuzz-{n}" for n in range(6)]  # small, so repeated client_ids happen often

# Every character, lone surrogates (which JSON can carry as \udxxx escapes) and NUL included.
any_character = st.one_of(
    st.characters(),
    st.characters(categories=["Cs"]),
    st.sampled_from("\x00\ufeff\ufffd\U0001f600" + BLANK),
)
short_text = st.text(any_character, max_size=40)

json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**63 - 2, max_value=2**70),
    st.floats(),  # NaN and ±Infinity travel as Python's JSON extensions
    short_text,
)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(short_text, inner, max_size=4)),
    max_leaves=12,
)

message_text = st.one_of(
    short_text,
    st.text(max_size=40),  # mostly valid posts
    st.text(st.sampled_from(BLANK), max_size=12),
    # around the 2000-character limit, in characters of 1 to 4 UTF-8 bytes
    st.builds(lambda unit, n: unit * n, st.sampled_from(["x", "é", "長", "😀"]), st.integers(1990, 2010)),
    st.builds(lambda unit, n: unit * n, st.sampled_from(["x", "長"]), st.integers(2011, 20_000)),
)
client_id = st.one_of(
    st.none(),
    st.sampled_from(CLIENT_ID_POOL),
    st.text(any_character, max_size=70),  # "" and over 64 characters included
    st.integers(),
    json_value,
)
frame_type = st.one_of(st.sampled_from(["chat", "typing", "ping", "Chat", "chat ", "", "pong", "error"]), json_value)

frame_object = st.fixed_dictionaries(
    {},
    optional={
        "type": frame_type,
        "message": st.one_of(message_text, json_value),
        "client_id": client_id,
        "user": short_text,  # the original app's field: ignored
        "id": json_value,
    },
)

# Posts as a client would send them, valid or nearly: the path that stores and broadcasts.
plausible_post = st.one_of(
    st.fixed_dictionaries(
        {"type": st.just("chat"), "message": message_text},
        optional={"client_id": st.one_of(st.sampled_from(CLIENT_ID_POOL), st.text(min_size=1, max_size=64))},
    ),
    st.fixed_dictionaries({"message": st.text(min_size=1, max_size=80)}, optional={"user": st.text(max_size=8)}),
)


@st.composite
def json_frame(draw):
    obj = draw(st.one_of(plausible_post, frame_object, json_value))
    ascii_only = draw(st.booleans())
    try:
        data = json.dumps(obj, ensure_ascii=ascii_only).encode("utf-8")
    except UnicodeEncodeError:  # a raw lone surrogate cannot be UTF-8: send it escaped
        data = json.dumps(obj).encode("utf-8")
    return Wire(False, data)


def _nested(depth, shape):
    if shape == "list":
        return "[" * depth + "]" * depth
    if shape == "object":
        depth = min(depth, 10_000)  # 6 bytes a level: stay under 64 KiB
        return '{"a":' * depth + "1" + "}" * depth
    return '{"type":"chat","message":' + "[" * depth + "]" * depth + "}"  # deep inside a post


# Either clearly readable (≤ 200 levels) or clearly too deep for the parser (≥ 5000 levels).
nesting_depth = st.one_of(st.integers(1, 200), st.integers(5000, 32_000))
deep_nesting = st.builds(_nested, nesting_depth, st.sampled_from(["list", "object", "in message"])).map(
    lambda text: Wire(False, text.encode())
)

NUMBER_PLACES = [
    "N", "-N", "N.5", "1e99999", "-1e-99999", "NaN", "-Infinity",
    '{"type":"chat","message":"x","client_id":N}',
    '{"type":"chat","message":N}',
    '{"message":"big number beside a post","n":N}',
    '{"type":"ping","n":N}',
]
# Integers around Python's 4300-digit limit for reading numbers, and far beyond it.
digits = st.one_of(st.integers(1, 40), st.integers(4200, 4400), st.integers(5000, 20_000))
huge_number = st.builds(lambda place, n: place.replace("N", "9" * n), st.sampled_from(NUMBER_PLACES), digits).map(
    lambda text: Wire(False, text.encode())
)

@st.composite
def truncated_json(draw):
    """A frame cut short: at a UTF-8 character boundary, so it is still a text frame."""
    whole = draw(json_frame()).data.decode("utf-8")
    return Wire(False, whole[: draw(st.integers(0, max(0, len(whole) - 1)))].encode("utf-8"))


binary = st.binary(max_size=200).map(lambda data: Wire(True, data))

# A frame that ends the connection: over 64 KiB, or a text frame that is not UTF-8.
too_big = st.one_of(
    st.integers(MAX_FRAME_BYTES + 1, MAX_FRAME_BYTES + 10).map(lambda n: b'{"message":"' + b"x" * (n - 15) + b'"}'),
    st.integers(MAX_FRAME_BYTES + 1, 1024 * 1024).map(lambda n: b"x" * n),
).map(lambda data: Wire(False, data))
NOT_UTF8 = [
    b"\xff", b"\xc3", b"\xc0\xaf", b"\xed\xa0\x80",  # a stray byte, a cut character, overlong, a CESU surrogate
    b'{"type":"chat","message":"caf\xe9"}',  # Latin-1
    b'{"type":"chat","message":"\xed\xb0\x80 lone low surrogate"}',
    b'{"type":"chat","message":"\xf4\x90\x80\x80 beyond U+10FFFF"}',
]
not_utf8 = st.sampled_from(NOT_UTF8).map(lambda data: Wire(False, data))
too_big_binary = st.integers(MAX_FRAME_BYTES + 1, MAX_FRAME_BYTES + 100).map(lambda n: Wire(True, b"\0" * n))

# Exactly at the limit: still read, and refused as too long rather than closed.
at_the_limit = st.builds(lambda: Wire(False, b'{"message":"' + b"x" * (MAX_FRAME_BYTES - 15) + b'"}'))

ordinary_frame = st.one_of(
    json_frame(),
    json_frame(),  # the bulk: objects near the contract's shape
    st.text(max_size=60).map(lambda text: Wire(False, text.encode("utf-8"))),
    truncated_json(),
    deep_nesting,
    huge_number,
    binary,
    at_the_limit,
)
closing_frame = st.one_of(too_big, not_utf8, too_big_binary)
