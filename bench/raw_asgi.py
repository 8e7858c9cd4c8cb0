"""The ceiling: a raw ASGI broadcast app (no Django, no Channels, no auth, no storage).

A received chat frame is encoded once and handed to the ASGI send of every open connection.
Run: uvicorn bench.raw_asgi:application. With RAW_FRAME=chat it sends a frame of the chat's own
shape and size (every field of the contract's `msg`), to tell what the bytes cost from what the
chat's code costs.
"""

import itertools
import json
import os
from datetime import UTC, datetime

_sends = set()
_ids = itertools.count(1)


def _small(data):
    return json.dumps({"type": "chat", "message": data["message"], "user": "raw"})


def _chat_shaped(data):
    n = next(_ids)
    return json.dumps({
        "type": "chat", "id": n, "user": "bench-user-0001", "display_name": "bench-user-0001",
        "message": data["message"], "ts": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "client_id": data.get("client_id"), "seq": n, "rev": 0, "edited_at": None, "deleted": False,
        "reactions": [], "reply_to": None, "mentions": {"users": [], "here": False, "all": False}, "attachments": [],
    }, ensure_ascii=False, separators=(",", ":"))


_frame = _chat_shaped if os.environ.get("RAW_FRAME") == "chat" else _small


async def application(scope, receive, send):
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    if scope["type"] != "websocket":
        return
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    _sends.add(send)
    try:
        while True:
            event = await receive()
            if event["type"] == "websocket.disconnect":
                return
            text = _frame(json.loads(event["text"]))
            for peer in list(_sends):
                try:
                    await peer({"type": "websocket.send", "text": text})
                except Exception:
                    _sends.discard(peer)
    finally:
        _sends.discard(send)
