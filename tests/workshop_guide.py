"""Reading the hands-on guides (docs/workshop/): fenced blocks, headings, numbered sections, and the
diffs their exercises ask for. tests/test_workshop_guides.py checks the guides against the code;
tests/test_workshop_exercises.py and tests/browser/test_workshop_exercises.py do what they say."""

import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKSHOP = ROOT / "docs" / "workshop"
GUIDES = {"ja": WORKSHOP / "ja.md", "en": WORKSHOP / "en.md"}
WHY = {"ja": WORKSHOP / "why.ja.md", "en": WORKSHOP / "why.en.md"}
EVERY_PAGE = [*GUIDES.values(), *WHY.values()]

EXCERPT_LANGUAGES = {"python", "js", "html"}
ELISIONS = {"# …", "// …", "{# … #}"}
# What a participant's copy of the project needs to serve the chat (a fresh clone, less the rest).
SERVED_PARTS = ["accounts", "chat", "config", "locale", "templates", "unicode_text", "manage.py"]
# The address the guides use for the participant's own server.
GUIDE_ADDRESS = "127.0.0.1:8000"


class Block:
    def __init__(self, page, line_number, info, lines):
        self.page, self.line_number, self.lines = page, line_number, lines
        words = info.split()
        self.language = words[0] if words else ""
        attributes = dict(word.split("=", 1) for word in words[1:] if "=" in word)
        self.flags = {word for word in words[1:] if "=" not in word}
        self.file = attributes.get("file")

    @property
    def is_excerpt(self):
        return self.language in EXCERPT_LANGUAGES and self.file is not None

    def where(self):
        return f"{self.page.relative_to(ROOT)}:{self.line_number}"


def blocks(page):
    found, info, start, lines = [], None, 0, []
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
        if info is None and line.startswith("```"):
            info, start, lines = line[3:].strip(), number, []
        elif info is not None and line.rstrip() == "```":
            found.append(Block(page, start, info, lines))
            info = None
        elif info is not None:
            lines.append(line)
    assert info is None, f"{page}: a fenced block opened at line {start} is never closed"
    return found


def outside_blocks(page):
    """(line_number, line) of the prose, fenced blocks left out."""
    inside = False
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("```"):
            inside = not inside
            continue
        if not inside:
            yield number, line


def headings(page):
    return [(len(line) - len(line.lstrip("#")), number, line) for number, line in outside_blocks(page)
            if re.match(r"#{1,6} ", line)]


def _section_lines(language, number):
    """The first and last line numbers of `## N.` in the guide (its exercises included)."""
    page = GUIDES[language]
    starts = [(n, line) for level, n, line in headings(page) if level == 2]
    for index, (start, line) in enumerate(starts):
        if line.startswith(f"## {number}. "):
            end = starts[index + 1][0] if index + 1 < len(starts) else 10**9
            return start, end
    raise AssertionError(f"{language}.md has no section `## {number}.`")


def section_blocks(language, number, kind, *flags):
    """The blocks of one kind (`diff`, `js devtools`, `json`, `sh`...) in section N, in order."""
    start, end = _section_lines(language, number)
    return [block for block in blocks(GUIDES[language]) if start < block.line_number < end
            and block.language == kind and set(flags) <= block.flags]


def section_prose(language, number):
    start, end = _section_lines(language, number)
    return "\n".join(line for n, line in outside_blocks(GUIDES[language]) if start <= n < end)


def assert_the_guide_says(language, number, *phrases):
    """The exercise's promise is still written in the guide (line breaks and spaces aside)."""
    prose = re.sub(r"\s+", "", section_prose(language, number))
    for phrase in phrases:
        assert re.sub(r"\s+", "", phrase) in prose, (
            f"docs/workshop/{language}.md, section {number}, no longer says {phrase!r}: "
            "if the exercise changed, change its test with it"
        )


def pieces(lines):
    """An excerpt split at its elision lines, with blank lines at the edges of each piece dropped."""
    found, piece = [], []
    for line in lines:
        if line.strip() in ELISIONS:
            found.append(piece)
            piece = []
        else:
            piece.append(line.rstrip())
    found.append(piece)
    trimmed = []
    for piece in found:
        while piece and not piece[0]:
            piece = piece[1:]
        while piece and not piece[-1]:
            piece = piece[:-1]
        trimmed.append(piece)
    return trimmed


def find_in_order(source, pieces_):
    """True when every piece occurs as consecutive lines of source, each after the previous one."""
    at = 0
    for piece in pieces_:
        if not piece:
            return False
        for start in range(at, len(source) - len(piece) + 1):
            if source[start:start + len(piece)] == piece:
                at = start + len(piece)
                break
        else:
            return False
    return True


def participant_copy(folder):
    """What serves the chat, copied from this checkout into folder: a participant's clone to edit."""
    for name in SERVED_PARTS:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, folder / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, folder / name)
    return folder


def apply_diff(block, folder):
    """Makes the edit a `diff file=PATH` block asks for, in folder's copy of PATH."""
    path = folder / block.file
    kept_and_removed = [line[1:] for line in block.lines if line[:1] in (" ", "-")]
    kept_and_added = [line[1:] for line in block.lines if line[:1] in (" ", "+")]
    source = path.read_text(encoding="utf-8").splitlines()
    starts = [i for i in range(len(source)) if source[i:i + len(kept_and_removed)] == kept_and_removed]
    assert len(starts) == 1, f"{block.where()}: the lines to change are not in {block.file} exactly once"
    at = starts[0]
    source[at:at + len(kept_and_removed)] = kept_and_added
    path.write_text("\n".join(source) + "\n", encoding="utf-8")


def undo_diff(folder, relative_path):
    """`git checkout PATH`: the file as this checkout has it."""
    shutil.copy2(ROOT / relative_path, folder / relative_path)
