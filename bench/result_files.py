"""Where a benchmark run's figures go: bench/results/DATE-COMMIT-WHAT.json, and paths in them relative
to the repository, so a result says when and on which code it was made and reads the same anywhere."""

import datetime
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
EVERY_SCENARIO = "1,2,3,4,5"


def _git(*args):
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None


def commit():
    """The checked-out commit, marked -dirty when tracked files differ from it (the name would lie)."""
    head = _git("rev-parse", "--short=7", "HEAD")
    if head is None:
        return "unknown"
    changed = _git("status", "--porcelain", "--untracked-files=no")
    return head.strip() + ("-dirty" if changed else "")


def scope(scenarios):
    """"1,2,3,4,5" -> "all", "1" -> "scenario-1", "1,5" -> "scenarios-1-5"."""
    keys = [key.strip() for key in scenarios.split(",") if key.strip()]
    if keys == EVERY_SCENARIO.split(","):
        return "all"
    return ("scenario-" if len(keys) == 1 else "scenarios-") + "-".join(keys)


def default_path(what):
    return RESULTS / f"{datetime.date.today().isoformat()}-{commit()}-{what}.json"


def recorded(path):
    """A path as a result records it: relative to the repository when it is inside it."""
    path = Path(path).resolve()
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def command(module, arguments):
    """The command line that made a result, with the repository's paths relative."""
    words = [recorded(word) if Path(word).is_absolute() else word for word in arguments]
    return " ".join(["python", "-m", module, *words])
