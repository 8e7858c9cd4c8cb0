"""The ceiling: a raw ASGI broadcast app (no Django, no Channels, no auth, no storage).

A received chat frame is encoded once and handed to the ASGI send of every open connection.
Run: uvicorn bench.raw_asgi:application.
"""

import json

_sends = set()


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
            data = json.loads(event["text"])
            text = json.dumps({"type": "chat", "message": data["message"], "user": "raw"})
            for peer in list(_sends):
                try:
                    await peer({"type": "websocket.send", "text": text})
                except Exception:
                    _sends.discard(peer)
    finally:
        _sends.discard(send)
