"""The emoji the page's picker offers, with their names in English and Japanese, from the `emoji`
package (Unicode's list with CLDR names), not a list of our own.

Served by a view rather than a file generated into static/: the catalog then follows the installed
package (an upgrade brings new emoji and corrected names, with no generated file to keep in step),
it is built once per process, and browsers keep it for a day.
"""

import functools
import json
import re

import emoji

# One entry per emoji: skin-tone variants make the list three times longer for the same names; the
# picker offers the default, and a reaction with a tone sent by another client still shows.
SKIN_TONE = re.compile("[\U0001f3fb-\U0001f3ff]")


def _name(cldr_name):
    """':thumbs_up:' -> 'thumbs up'."""
    return cldr_name.strip(":").replace("_", " ")


@functools.cache
def catalog_json():
    """[[emoji, English name, Japanese name], ...] as UTF-8 JSON, in the package's order."""
    emoji.config.load_language("ja")
    entries = [
        [character, _name(data["en"]), _name(data.get("ja", data["en"]))]
        for character, data in emoji.EMOJI_DATA.items()
        if data["status"] == emoji.STATUS["fully_qualified"] and not SKIN_TONE.search(character)
    ]
    return json.dumps({"emoji": entries}, ensure_ascii=False, separators=(",", ":")).encode()
