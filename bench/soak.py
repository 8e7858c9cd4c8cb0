"""`make soak`: a long day of load, compressed: 1000 clients and 50 messages/s in total across
two server processes, for 10 minutes.

    python -m bench.soak [--minutes 10] [--clients 1000] [--rate 50] [--out PATH]

Reports: acknowledged messages lost, duplicates, id-order violations (clients that the server closes
with 4002/1001/1012 resume with ?after= their last id, as the contract tells them to); each server
process's RSS every SAMPLE_EVERY_SECONDS, printed as it goes and saved, with its growth after warm-up;
and the lines at WARNING or above in the servers' logs. Exits 1 if anything was lost, doubled or
reordered, or a server logged an error. Uses its own database (kc3chat_soak), dropped and made again.
"""

import argparse
import json
import sys
import time
from pathlib import Path

from bench import result_files, run

SAMPLE_EVERY_SECONDS = 10
WARM_UP_SECONDS = 60


def growth(series, index):
    """Least-squares slope of one process's RSS after warm-up, MiB per minute, and first/last/max."""
    points = [(s["seconds"], s["rss_mib"][index]) for s in series if s["seconds"] >= WARM_UP_SECONDS]
    if len(points) < 2:
        return None
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_r = sum(r for _, r in points) / n
    slope = sum((t - mean_t) * (r - mean_r) for t, r in points) / sum((t - mean_t) ** 2 for t, _ in points)
    return {"after_warm_up_mib": points[0][1], "end_mib": points[-1][1], "max_mib": max(r for _, r in points),
            "slope_mib_per_minute": round(slope * 60, 2)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--rate", type=int, default=50, help="messages per second in total (one per sender per second)")
    parser.add_argument("--servers", type=int, default=2)
    parser.add_argument("--ws", default=run.FASTEST_WS)
    parser.add_argument("--out", help="where the figures go (default: bench/results/DATE-COMMIT-soak.json)")
    args = parser.parse_args()
    args.out = args.out or str(result_files.default_path("soak"))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)

    run.DATABASE_NAME = "kc3chat_soak"
    run.raise_open_files(args.clients + 1000)
    run.recreate_database()
    run.setup_django()
    cookies = run.make_sessions(args.clients)
    started = time.time()
    print(f"soak: {args.clients} clients, {args.rate} messages/s, {args.servers} server processes ({args.ws}), "
          f"{args.minutes} minutes; RSS every {SAMPLE_EVERY_SECONDS} s", flush=True)

    def show(sample):
        rss = ", ".join(f"{r:.1f}" for r in sample["rss_mib"])
        print(f"  {sample['seconds']:5d} s  RSS MiB per process: {rss}", flush=True)

    row = run.measure(
        "kc3chat soak", "app", args.ws, cookies, clients=args.clients, senders=args.rate, mode="rate", rate=1.0,
        duration=args.minutes * 60, servers=args.servers, resume=True,
        series_every=SAMPLE_EVERY_SECONDS, on_sample=show,
    )
    row["rss_growth"] = [growth(row["rss_series"], i) for i in range(args.servers)]
    row["wall_seconds"] = round(time.time() - started)
    Path(args.out).write_text(json.dumps(row, indent=1))

    print("\n" + run.table([row]))
    print(f"\nsent {row['sent']}, acknowledged messages lost {row['lost']}, sends never acknowledged "
          f"{row['unacknowledged']}, duplicates {row['duplicates']}, out of order {row['out_of_order']}, "
          f"closed for good {len(row['closed_early'])}, resumed after {len(row['resumed'])} closes "
          f"(codes {sorted(set(row['resumed']))})")
    for i, g in enumerate(row["rss_growth"]):
        print(f"server {i}: RSS after warm-up ({WARM_UP_SECONDS} s) {g}")
    for logs in row["server_logs"]:
        print(f"{logs['log']}: {logs['lines']} lines at WARNING or above, errors: {logs['errors'] or 'none'}")
    print(f"figures written to {result_files.recorded(args.out)} ({row['wall_seconds']} s)")
    failed = row["lost"] or row["duplicates"] or row["out_of_order"] or any(s["errors"] for s in row["server_logs"])
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
