"""`make bench` and `make soak` name their results by date and commit, and record paths that mean
something on another machine (relative to the repository)."""

import datetime
import re
import subprocess

import pytest

from bench import result_files
from tests.conftest import ROOT

pytestmark = pytest.mark.stack_independent


def _head():
    return subprocess.run(["git", "rev-parse", "--short=7", "HEAD"], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout.strip()


def test_a_run_is_named_by_its_date_its_commit_and_what_it_ran():
    today = datetime.date.today().isoformat()
    for scenarios, what in [("1,2,3,4,5", "all"), ("1", "scenario-1"), ("1,5", "scenarios-1-5")]:
        path = result_files.default_path(result_files.scope(scenarios))
        assert path.parent == ROOT / "bench" / "results"
        assert re.fullmatch(rf"{today}-{_head()}(-dirty)?-{what}\.json", path.name), path.name
    assert result_files.default_path("soak").name.endswith("-soak.json")


def test_paths_are_recorded_relative_to_the_repository():
    assert result_files.recorded(ROOT / "test-artifacts" / "bench-app-0-1.log") == "test-artifacts/bench-app-0-1.log"
    assert result_files.recorded(str(ROOT / "bench" / "run.py")) == "bench/run.py"
    assert result_files.command("bench.run", ["--quick", "--out", str(ROOT / "bench" / "x.json")]) == (
        "python -m bench.run --quick --out bench/x.json"
    )
