"""Where an idle connection's RSS sits, without tracemalloc: Python's small-object allocator (live
blocks and free blocks in its pools), glibc's heap (in use and free), per connection, after a
warm-up connection so that start-up costs are not counted per connection.

    python -m bench.allocator_split [--clients 5000] [--app app]

Free blocks or free heap that grow with the connections would be fragmentation; live blocks are
objects the connections hold (tracemalloc names them: bench/connection_memory.py). glibc only.
"""

import argparse
import asyncio
import ctypes
import os
import re
import sys
import uuid

import psutil

from bench import run
from bench.idle_connections import measure_idle


class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]


LIBC = ctypes.CDLL("libc.so.6")
LIBC.mallinfo2.restype = MallInfo2


def pymalloc_stats():
    # sys._debugmallocstats writes to the C stderr: read it through a pipe.
    saved, (reader, writer) = os.dup(2), os.pipe()
    os.dup2(writer, 2)
    try:
        sys._debugmallocstats()
    finally:
        os.dup2(saved, 2)
        os.close(writer)
        os.close(saved)
    with os.fdopen(reader) as pipe:
        text = pipe.read()

    def field(label):
        return int(re.search(re.escape(label) + r"\s*=\s*([\d,]+)", text).group(1).replace(",", ""))

    return field("# bytes in allocated blocks"), field("# bytes in available blocks")


def sample():
    heap = LIBC.mallinfo2()
    live, free = pymalloc_stats()
    return {"rss": psutil.Process().memory_info().rss, "python live blocks": live, "python free blocks": free,
            "glibc heap in use": heap.uordblks, "glibc heap free": heap.fordblks, "glibc mmap": heap.hblkhd}


async def measure(args, cookies):
    at_start = sample()
    before, after = await measure_idle(args.app, "websockets-sansio/no-deflate", args.clients, cookies, sample, sample)
    n = args.clients
    print(f"{args.app}, {n} idle connections, KiB per connection after a warm-up connection "
          f"(the first connection's start-up costs, if counted per connection: {(before['rss'] - at_start['rss']) / n / 1024:.1f}):")
    for name in before:
        print(f"  {name:20} {(after[name] - before[name]) / n / 1024:6.1f}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=5000)
    parser.add_argument("--app", default="app", choices=sorted(run.APPS))
    args = parser.parse_args()
    run.raise_open_files(args.clients + 1000)
    run.recreate_database()
    os.environ["REDIS_PREFIX"] = f"bench-{uuid.uuid4().hex[:8]}"  # before settings are read
    run.setup_django()
    asyncio.run(measure(args, run.make_sessions(args.clients)))


if __name__ == "__main__":
    main()
