"""What an idle chat connection holds, by allocation site (tracemalloc), next to the RSS it costs.

    python -m bench.connection_memory [--clients 1000] [--ws websockets-sansio/no-deflate] [--app app]

Runs uvicorn in this process with tracemalloc on, connects the clients from a generator process,
and compares snapshots taken before and after they connected: the sites that grew most, per
connection. Uses the benchmark database (bench/run.py makes it).
"""

import argparse
import asyncio
import os
import tracemalloc
import uuid

import psutil

from bench import run
from bench.idle_connections import measure_idle


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


def snapshot():
    return tracemalloc.take_snapshot(), psutil.Process().memory_info().rss


async def measure(args, cookies):
    def before():
        tracemalloc.start(args.frames)
        return snapshot()

    (before, rss_before), (after, rss_after) = await measure_idle(args.app, args.ws, args.clients, cookies,
                                                                   before, snapshot)
    traced = sum(s.size_diff for s in after.compare_to(before, "filename"))
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


if __name__ == "__main__":
    main()
