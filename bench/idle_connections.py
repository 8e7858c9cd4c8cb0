"""The app served in this process, and idle connections from a generator process, measured around:
one warm-up connection first (lazy imports, the room feed, the database thread), then `clients`
connections that stay open and idle while `after()` is taken. For bench/connection_memory.py and
bench/allocator_split.py, which differ only in what they measure.
"""

import asyncio
import multiprocessing

from bench import run


async def measure_idle(app, ws, clients, cookies, before, after):
    """Returns (before(), after()): before once the warm-up client has gone, after once the clients
    are connected and presence has settled. ws: a server WebSocket name, "/no-deflate" optional."""
    import uvicorn

    name, _, variant = ws.partition("/")
    port = run.free_port()
    config = uvicorn.Config(run.APPS[app], host="127.0.0.1", port=port, ws=name, ws_max_size=65536,
                            ws_per_message_deflate=variant != "no-deflate", log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
    url = f"ws://127.0.0.1:{port}/ws/chat/"
    spec = {"urls": [url] * clients, "cookies": cookies, "origin": None, "sender_ids": {}, "mode": "rate",
            "rate": 1.0, "duration": 0.1, "run": "memory"}
    await _connect({**spec, "urls": [url], "cookies": cookies[:1]}, None)
    await asyncio.sleep(1)  # the warm-up client is gone
    measured = [before()]
    await _connect(spec, lambda: measured.append(after()))
    server.should_exit = True
    await serving
    return tuple(measured)


async def _connect(spec, while_connected):
    from bench import loadgen

    ctx = multiprocessing.get_context("spawn")
    results, ready, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    worker = ctx.Process(target=loadgen.run, args=(spec, results, ready, go))
    worker.start()
    while ready.empty():
        await asyncio.sleep(0.1)
    await asyncio.sleep(2)  # presence frames settle
    if while_connected is not None:
        while_connected()
    go.set()
    while results.empty():
        await asyncio.sleep(0.1)
    results.get()
    worker.join(30)
