"""What counts as blank: text made only of characters that show nothing is not a message.

The characters are Unicode's White_Space and Default_Ignorable_Code_Point (zero-width spaces and
joiners, direction marks, variation selectors, tags, the Hangul fillers...), derived here from the
Unicode data Python ships, plus fillers that are neither but display as nothing. The server refuses
blank text (chat/posting.py); the page gets the same set as a regular expression class
(`CHARACTER_CLASS`, through room.html) and does not send it. One definition for both.
"""

import re
import sys
import unicodedata

# White_Space, the line and paragraph separators, controls, and format characters (Cf: zero-width
# space, joiners, direction marks, the byte order mark, tags, soft hyphen...).
_INVISIBLE_CATEGORIES = {"Zs", "Zl", "Zp", "Cc", "Cf"}

# Format characters that show a sign of their own (Unicode's Prepended_Concatenation_Mark).
_VISIBLE_FORMAT = {*range(0x0600, 0x0606), 0x06DD, 0x070F, 0x0890, 0x0891, 0x08E2, 0x110BD, 0x110CD}

# Default_Ignorable_Code_Point beyond the categories above (Unicode's Other_Default_Ignorable_Code_Point,
# and its variation selectors): combining grapheme joiner, Hangul fillers, Khmer inherent vowels,
# the reserved ranges that are ignorable by definition.
_OTHER_IGNORABLE = {
    0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180B, 0x180C, 0x180D, 0x180F, 0x2065, 0x3164, 0xFFA0,
    *range(0xFE00, 0xFE10), *range(0xFFF0, 0xFFF9), *range(0xE0000, 0xE1000),
}

# Neither white space nor ignorable, yet drawn as an empty cell: used to post "nothing".
_FILLERS = {0x2800, 0x1D159}  # Braille pattern blank, musical symbol null notehead


def _is_blank_character(code_point):
    if code_point in _OTHER_IGNORABLE or code_point in _FILLERS:
        return True
    return unicodedata.category(chr(code_point)) in _INVISIBLE_CATEGORIES and code_point not in _VISIBLE_FORMAT


def _ranges():
    """The blank code points as [(first, last)], in order."""
    ranges = []
    for code_point in range(sys.maxunicode + 1):
        if not _is_blank_character(code_point):
            continue
        if ranges and ranges[-1][1] == code_point - 1:
            ranges[-1][1] = code_point
        else:
            ranges.append([code_point, code_point])
    return [tuple(pair) for pair in ranges]


RANGES = _ranges()

# The inside of a regular expression class, in JavaScript's syntax for the "u" flag: ASCII only.
CHARACTER_CLASS = "".join(
    f"\\u{{{first:X}}}" if first == last else f"\\u{{{first:X}}}-\\u{{{last:X}}}" for first, last in RANGES
)

_BLANK = re.compile("[" + "".join(f"\\U{first:08X}-\\U{last:08X}" for first, last in RANGES) + "]*")


def is_blank(text):
    return _BLANK.fullmatch(text) is not None
