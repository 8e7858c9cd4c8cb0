"""What an idle chat connection holds, by allocation site (tracemalloc), next to the RSS it costs.

    python -m bench.connection_memory [--clients 1000] [--ws websockets-sansio/no-deflate] [--app app]

Runs uvicorn in this process with tracemalloc on, connects the clients from a generator process,
and compares snapshots taken before and after they connected: the sites that grew most, per
connection. Uses the benchmark database (bench/run.py makes it).
"""

import argparse
import asyncio
import multiprocessing
import os
import time
import tracemalloc
import uuid

import psutil

from bench import run


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--ws", default=run.FASTEST_WS)
    parser.add_argument("--app", default="app", choices=sorted(run.APPS))
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--frames", type=int, default=12, help="frames kept per allocation (tracemalloc)")
    parser.add_argument("--dump", help="write the two snapshots here (DIR/before.snapshot, DIR/after.snapshot)")
    args = parser.parse_args()

    run.raise_open_files(args.clients + 1000)
    run.recreate_database()
    os.environ["REDIS_PREFIX"] = f"bench-{uuid.uuid4().hex[:8]}"  # before settings are read
    run.setup_django()
    cookies = run.make_sessions(args.clients)
    asyncio.run(measure(args, cookies))


async def measure(args, cookies):
    import uvicorn

    from bench import loadgen

    name, _, variant = args.ws.partition("/")
    port = run.free_port()
    config = uvicorn.Config(run.APPS[args.app], host="127.0.0.1", port=port, ws=name, ws_max_size=65536,
                            ws_per_message_deflate=variant != "no-deflate", log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
    # One connection first, so that lazy imports and the room feed are not counted per connection.
    ctx = multiprocessing.get_context("spawn")
    url = f"ws://127.0.0.1:{port}/ws/chat/"
    spec = {"urls": [url] * args.clients, "cookies": cookies, "origin": f"http://127.0.0.1:{port}",
            "sender_ids": {}, "mode": "rate", "rate": 1.0, "duration": 0.1, "run": "memory"}
    warm = {**spec, "urls": [url], "cookies": cookies[:1]}
    for part in (warm, spec):
        results, ready, go = ctx.Queue(), ctx.Queue(), ctx.Event()
        worker = ctx.Process(target=loadgen.run, args=(part, results, ready, go))
        if part is spec:
            await asyncio.sleep(1)
            tracemalloc.start(args.frames)
            before, rss_before = tracemalloc.take_snapshot(), psutil.Process().memory_info().rss
        worker.start()
        while ready.empty():
            await asyncio.sleep(0.1)
        await asyncio.sleep(2)  # presence frames settle
        if part is spec:
            after, rss_after = tracemalloc.take_snapshot(), psutil.Process().memory_info().rss
            traced = sum(s.size_diff for s in after.compare_to(before, "filename"))
        go.set()
        while results.empty():
            await asyncio.sleep(0.1)
        results.get()
        worker.join(30)
        if part is warm:
            await asyncio.sleep(1)  # the warm-up client is gone
    n = args.clients
    print(f"{args.app} on uvicorn --ws {args.ws}, {n} idle connections: RSS {(rss_after - rss_before) / n / 1024:.1f} KiB "
          f"per connection (tracemalloc on: inflated), Python allocations {traced / n / 1024:.1f} KiB per connection")
    if args.dump:
        os.makedirs(args.dump, exist_ok=True)
        before.dump(os.path.join(args.dump, "before.snapshot"))
        after.dump(os.path.join(args.dump, "after.snapshot"))
    for stat in after.compare_to(before, "traceback")[: args.top]:
        # A traceback runs from the oldest frame to the allocating one: show the allocating end first.
        frames = [f"{f.filename.split('site-packages/')[-1]}:{f.lineno}" for f in reversed(stat.traceback[-4:])]
        print(f"  {stat.size_diff / n:8.0f} B/conn  {stat.count_diff / n:6.1f} blocks/conn  {' < '.join(frames)}")
    server.should_exit = True
    await serving
    time.sleep(0.1)


if __name__ == "__main__":
    main()
