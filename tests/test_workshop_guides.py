"""The hands-on guides (docs/workshop/) stay true to the code and to each other.

The conventions checked here are described at the top of docs/workshop/ja.md and en.md:

- A fenced block's info string says what it is. `python file=PATH`, `js file=PATH`, `html file=PATH`:
  an excerpt that must appear in PATH, line for line (trailing white space ignored); a line that is
  only `# …`, `// …` or `{# … #}` stands for lines left out. `diff file=PATH`: an edit for an
  exercise; its context (` `) and removed (`-`) lines must appear in PATH. `sh`: commands to run,
  which must be the README's. `js devtools`: typed into the browser's console. `json`: data shown
  (must parse). `text`: output or configuration shown. Nothing else.
- After every excerpt, before the next one or the next `##` section: **役割** and **必要性**
  (**Role** and **Why it is needed** in English), filled in. Every section with an excerpt has an
  exercise (`### 演習` / `### Exercise`).
- ja.md and en.md (and why.ja.md and why.en.md) have the same headings (levels, in order) and the
  same blocks in the same order.
"""

import json
import re
import shlex

import pytest

from tests.workshop_guide import (
    EVERY_PAGE,
    EXCERPT_LANGUAGES,
    GUIDES,
    ROOT,
    WHY,
    blocks,
    find_in_order,
    headings,
    outside_blocks,
    pieces,
)

pytestmark = pytest.mark.stack_independent

ROLE_WORDS = {"ja": ("役割", "必要性"), "en": ("Role", "Why it is needed")}
EXERCISE_HEADINGS = {"ja": "### 演習", "en": "### Exercise"}
SHORTEST_ANSWER = 15  # characters: a filled-in blank, not a placeholder

# The components a request passes through, in the order the guide must introduce them.
COMPONENT_FILES = [
    "config/settings.py",
    "config/asgi.py",
    "chat/routing.py",
    "chat/consumers.py",
    "chat/posting.py",
    "chat/group_commit.py",
    "chat/room_feed.py",
    "chat/room_events.py",
    "chat/static/chat/room_socket.js",
    "chat/static/chat/message_view.js",
    "chat/history.py",
    "chat/views.py",
    "chat/database_identity.py",
]


def _source_lines(block):
    path = ROOT / block.file
    assert path.is_file(), f"{block.where()}: names {block.file}, which does not exist"
    return [line.rstrip() for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def every_block():
    for page in EVERY_PAGE:
        assert page.is_file(), f"{page.relative_to(ROOT)} is missing"
    return [block for page in EVERY_PAGE for block in blocks(page)]


# --- (1) excerpts name their file and are still in it ----------------------------------------------

def test_every_block_of_the_guides_says_what_it_is(every_block):
    for block in every_block:
        if block.language in EXCERPT_LANGUAGES:
            assert block.file or (block.language == "js" and "devtools" in block.flags), (
                f"{block.where()}: a {block.language or 'bare'} block must name its file (file=PATH)"
            )
        else:
            assert block.language in {"diff", "sh", "json", "text"}, (
                f"{block.where()}: unknown block kind {block.language!r}; see the top of the guide"
            )


def test_every_code_excerpt_in_the_guides_still_appears_in_the_file_it_names(every_block):
    excerpts = [block for block in every_block if block.is_excerpt]
    assert excerpts
    for block in excerpts:
        assert 0 < len([line for line in block.lines if line.strip()]) <= 30, f"{block.where()}: keep excerpts short"
        found = find_in_order(_source_lines(block), pieces(block.lines))
        assert found, f"{block.where()}: this excerpt no longer appears in {block.file}; update the guide to the code"


def test_the_lines_an_exercise_asks_to_change_are_in_the_file_it_names(every_block):
    diffs = [block for block in every_block if block.language == "diff"]
    for block in diffs:
        assert block.file, f"{block.where()}: a diff must name its file"
        assert all(line[:1] in (" ", "-", "+") or not line for line in block.lines), block.where()
        assert any(line[:1] in ("-", "+") for line in block.lines), f"{block.where()}: a diff without a change"
        before = [line[1:] for line in block.lines if line[:1] in (" ", "-") or not line]
        found = find_in_order(_source_lines(block), pieces(before))
        assert found, f"{block.where()}: the lines this exercise changes are no longer in {block.file}"


def test_data_shown_in_the_guides_is_valid_json(every_block):
    for block in every_block:
        if block.language == "json":
            text = "\n".join(block.lines)
            try:
                json.loads(text)
            except ValueError:
                for line in block.lines:
                    if line.strip():
                        json.loads(line)


def test_the_guides_introduce_every_component_in_the_order_a_request_travels():
    for language, page in GUIDES.items():
        files = [block.file for block in blocks(page) if block.is_excerpt]
        missing = [name for name in COMPONENT_FILES if name not in files]
        assert not missing, f"{language}: no excerpt of {missing}"
        first_seen = [files.index(name) for name in COMPONENT_FILES]
        assert first_seen == sorted(first_seen), f"{language}: components out of order: {files}"


# --- (2) the Japanese and English guides have the same structure -----------------------------------

@pytest.mark.parametrize("pair", [GUIDES, WHY], ids=["guide", "why"])
def test_the_japanese_and_english_pages_have_the_same_headings_and_blocks_in_the_same_order(pair):
    ja, en = (pair[language] for language in ("ja", "en"))
    assert [level for level, _, _ in headings(ja)] == [level for level, _, _ in headings(en)], (
        "heading levels differ:\n" + "\n".join(f"{a[2]!r:60} {b[2]!r}" for a, b in zip(headings(ja), headings(en)))
    )
    shape = lambda page: [(block.language, block.file, sorted(block.flags)) for block in blocks(page)]  # noqa: E731
    assert shape(ja) == shape(en)
    excerpts = lambda page: [block.lines for block in blocks(page) if block.is_excerpt or block.language == "diff"]  # noqa: E731
    assert excerpts(ja) == excerpts(en), "the same code is shown in both languages"


# --- (3) role and necessity filled in after every excerpt -------------------------------------------

@pytest.mark.parametrize("language", ["ja", "en"])
def test_every_excerpt_is_followed_by_its_role_and_why_it_is_needed_filled_in(language):
    page = GUIDES[language]
    role, need = ROLE_WORDS[language]
    answer = {word: re.compile(rf"^\*\*{re.escape(word)}\*\*[:：]\s*(.*)$") for word in (role, need)}
    excerpt_starts = [block.line_number for block in blocks(page) if block.is_excerpt]
    section_starts = [number for level, number, _ in headings(page) if level <= 2]
    prose = list(outside_blocks(page))
    for start in excerpt_starts:
        end = min([n for n in excerpt_starts + section_starts if n > start], default=10**9)
        lines = [line for number, line in prose if start < number < end]
        for word, pattern in answer.items():
            filled = [m.group(1).strip() for m in map(pattern.match, lines) if m]
            assert filled, f"{page.name}:{start}: the excerpt has no **{word}**"
            assert len(filled[0]) >= SHORTEST_ANSWER, f"{page.name}:{start}: **{word}** is not filled in"


@pytest.mark.parametrize("language", ["ja", "en"])
def test_every_component_section_ends_with_an_exercise(language):
    page = GUIDES[language]
    excerpt_lines = {block.line_number for block in blocks(page) if block.is_excerpt}
    starts = [number for level, number, _ in headings(page) if level <= 2] + [10**9]
    subheadings = [(number, line) for level, number, line in headings(page) if level == 3]
    for start, end in zip(starts, starts[1:]):
        if any(start < n < end for n in excerpt_lines):
            assert any(start < n < end and line.startswith(EXERCISE_HEADINGS[language]) for n, line in subheadings), (
                f"{page.name}:{start}: a component section without `{EXERCISE_HEADINGS[language]}`"
            )


# --- (4) the commands are the README's -------------------------------------------------------------

def _sh_lines(page):
    for block in blocks(page):
        if block.language != "sh":
            continue
        joined = "\n".join(block.lines).replace("\\\n", " ")
        for line in joined.splitlines():
            if shlex.split(line, comments=True):
                yield block, line


def _split_assignments(tokens):
    assignments = []
    while tokens and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", tokens[0]):
        assignments.append(tokens[0].split("=", 1)[0])
        tokens = tokens[1:]
    return assignments, tokens


def _readme_commands(readme):
    commands = []
    for _, line in _sh_lines(readme):
        tokens = shlex.split(line, comments=True)
        if tokens[0] != "export":
            commands.append(_split_assignments(tokens)[1])
    return commands


def _known_variables():
    """Settings (.env.example, the Makefile's `NAME ?=`) and the placeholders the README's commands use."""
    names = set(re.findall(r"^([A-Z_][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(encoding="utf-8"), re.M))
    names |= set(re.findall(r"^([A-Z_][A-Z0-9_]*) \?=", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M))
    for _, line in _sh_lines(ROOT / "README.md"):
        names |= set(re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", line))
    return names


def test_the_readme_has_commands_for_the_workshop():
    commands = [" ".join(command) for command in _readme_commands(ROOT / "README.md")]
    assert commands[:2] == ["make run", "make test"]
    assert {"make migrate", "redis-server --bind 0.0.0.0 --requirepass $REDIS_PASSWORD"} <= set(commands)


def test_every_command_the_guides_tell_a_participant_to_run_is_one_of_the_readmes():
    readme_commands = _readme_commands(ROOT / "README.md")
    known = _known_variables()
    for page in EVERY_PAGE:
        for block, line in _sh_lines(page):
            tokens = shlex.split(line, comments=True)
            if tokens[0] == "export":
                names = [token.split("=", 1)[0] for token in tokens[1:]]
                assert tokens[1:] and all("=" in token for token in tokens[1:]), f"{block.where()}: {line}"
                command = []
            else:
                names, command = _split_assignments(tokens)
                assert command in readme_commands, (
                    f"{block.where()}: `{line}` is not one of README.md's commands (with VAR=value in front)"
                )
            unknown = [name for name in names if name not in known]
            assert not unknown, f"{block.where()}: {unknown} are neither settings nor the README's placeholders"


def test_the_japanese_readme_starts_with_the_same_two_commands_and_has_the_same_commands():
    english, japanese = (_readme_commands(ROOT / name) for name in ("README.md", "README.ja.md"))
    assert japanese[:2] == english[:2] == [["make", "run"], ["make", "test"]]
    assert japanese == english


def test_both_readmes_link_to_the_guides():
    for name in ("README.md", "README.ja.md"):
        text = (ROOT / name).read_text(encoding="utf-8")
        for page in EVERY_PAGE:
            assert str(page.relative_to(ROOT)) in text, f"{name} does not link to {page.relative_to(ROOT)}"
