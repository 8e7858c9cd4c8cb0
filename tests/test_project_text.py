"""What the repository says about itself: no labels of how its work was organised, no paths of the
machine it was built on, and benchmark results named by when and on which commit they were made."""

import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.stack_independent

RESULTS = ROOT / "bench" / "results"
RESULT_NAME = re.compile(r"^\d{4}-\d{2}-\d{2}-[0-9a-f]{7,}-[a-z0-9-]+\.(json|log)$")
CITED_RESULT = re.compile(r"bench/results/[\w.-]*\w")

# One of these words with a number after it (also inside a file name, also in Japanese) counts rounds
# of work; a session cookie or key is not one of them.
WORK_LABEL = re.compile(r"(?<![a-z])(session|issue|ticket|round)[ _-]?[0-9]+\b|セッション ?[0-9]+", re.I)
MACHINE_PATH = re.compile(r"/(work|root|home)/")
TEMPORARY_PATH = re.compile(r"(?<![\w.])/tmp/")


def _git_files(*options):
    names = subprocess.run(["git", "ls-files", "-z", *options], cwd=ROOT, check=True, capture_output=True).stdout
    return sorted(set(filter(None, names.decode().split("\0"))))


def _repository_files():
    """Every file git would commit: tracked, plus new ones not ignored."""
    for name in _git_files("-co", "--exclude-standard"):
        path = ROOT / name
        if path.is_file() and not path.is_symlink() and path != ROOT / "tests" / "test_project_text.py":
            data = path.read_bytes()
            if b"\0" not in data[:8000]:  # text only (screenshots and .mo files are binary)
                yield name, data.decode("utf-8", errors="replace")


def _hits(pattern, only=None):
    found = []
    for name, text in _repository_files():
        if only and not name.startswith(only):
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if pattern.search(line):
                found.append(f"{name}:{number}: {line.strip()[:120]}")
    return found


def test_no_file_name_or_text_counts_rounds_of_work():
    names = [name for name, _ in _repository_files() if WORK_LABEL.search(name)]
    assert not names, f"file names that count rounds of work: {names}"
    hits = _hits(WORK_LABEL)
    assert not hits, "say what a thing is, not which round of work made it:\n" + "\n".join(hits)


def test_no_path_of_the_build_machine_is_committed():
    hits = _hits(MACHINE_PATH) + _hits(TEMPORARY_PATH, only=("bench/", "docs/"))
    assert not hits, "absolute paths of one machine (make them relative to the repository):\n" + "\n".join(hits)


def test_benchmark_results_are_named_by_date_and_commit_and_every_one_is_cited():
    # Committed ones only: a run just made is cited (or deleted) before it is committed.
    kept = sorted(Path(name).name for name in _git_files("bench/results"))
    assert kept, "bench/results/ is empty"
    misnamed = [name for name in kept if not RESULT_NAME.match(name)]
    assert not misnamed, f"name results DATE-COMMIT-WHAT.json: {misnamed}"
    loose = [path.name for path in (ROOT / "bench").iterdir() if path.suffix in (".json", ".log")]
    assert not loose, f"results belong in bench/results/: {loose}"
    cited = set()
    for page in ["README.md", "README.ja.md", "bench/RESULTS.md", *(f"docs/workshop/why.{lang}.md" for lang in ("ja", "en"))]:
        for citation in CITED_RESULT.findall((ROOT / page).read_text(encoding="utf-8")):
            assert (ROOT / citation).is_file(), f"{page} cites {citation}, which does not exist"
            cited.add(citation.rsplit("/", 1)[1])
    uncited = [name for name in kept if name not in cited]
    assert not uncited, f"bench/RESULTS.md should say what these runs were: {uncited}"
