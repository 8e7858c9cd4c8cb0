"""Display names: what others see beside a person's messages and in the people panel.

Any script and emoji, trimmed, 1-50 characters, and nothing that shows nothing: the characters
unicode_text/blank_text.py counts as blank are refused inside a name, except a plain or ideographic space
between words and the joiners and variation selectors emoji are made of. A name that reads as
another person's user name or display name is refused: both are reduced to a skeleton (Unicode's
confusables data, as user names use: accounts/user_names.py), and equal skeletons are taken.
"""

import unicodedata
from functools import cache

from confusable_homoglyphs.utils import load
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import Profile
from accounts.signals import display_name_changed
from unicode_text.blank_text import is_blank

MAX_LENGTH = 50
SPACES = {" ", "\u3000"}  # between words; trimmed at the ends
ZERO_WIDTH_JOINER = "\u200d"
VARIATION_SELECTORS = {"\ufe0e", "\ufe0f"}
KEYCAP_BASES = set("0123456789#*")


def check_display_name(name, user=None):
    """The name as it is stored (trimmed), or ValidationError with the reason. user: whose name it
    is (None at sign-up), so their own user name never counts against them."""
    name = name.strip()
    if not name or is_blank(name):
        raise ValidationError(_("Write a name others can see."), code="blank")
    if len(name) > MAX_LENGTH:
        raise ValidationError(
            _("A display name is at most %(limit)d characters."), code="too_long", params={"limit": MAX_LENGTH}
        )
    hidden = _first_hidden_character(name)
    if hidden is not None:
        raise ValidationError(
            _("The name holds a character that does not show (%(character)s). Remove it."),
            code="invisible",
            params={"character": f"U+{ord(hidden):04X}"},
        )
    taken = _taken_by(name, user)
    if taken is not None:
        raise ValidationError(
            _("“%(name)s” looks like the name of someone else (%(other)s). Choose another."),
            code="lookalike",
            params={"name": name, "other": taken},
        )
    return name


def do_change_display_name(user, name):
    """Stores a checked name ("" for the user name) and, once committed, tells open pages."""
    with transaction.atomic():
        user.profile, created = Profile.objects.update_or_create(user=user, defaults={"display_name": name})
        shown = name or user.get_username()
        transaction.on_commit(lambda: display_name_changed.send(sender=Profile, user=user, display_name=shown))


def _first_hidden_character(name):
    for index, character in enumerate(name):
        if not is_blank(character) or character in SPACES:
            continue
        before = name[index - 1] if index else ""
        after = name[index + 1] if index + 1 < len(name) else ""
        if character in VARIATION_SELECTORS and (_is_symbol(before) or before in KEYCAP_BASES):
            continue
        if character == ZERO_WIDTH_JOINER and (_is_symbol(before) or before in VARIATION_SELECTORS) and _is_symbol(after):
            continue
        return character
    return None


def _is_symbol(character):
    # Emoji are symbols (So), skin tones are modifier symbols (Sk).
    return bool(character) and unicodedata.category(character) in ("So", "Sk")


def _taken_by(name, user):
    """The other person's name this one passes for, or None. Reads every account's names: a chat
    of workshop size; a large one would keep the skeletons in a column."""
    wanted = skeleton(name)
    others = get_user_model()._default_manager.values_list("pk", "username", "profile__display_name")
    for pk, username, display_name in others:
        if user is not None and pk == user.pk:
            continue
        for theirs in (username, display_name):
            if theirs and skeleton(theirs) == wanted:
                return theirs
    return None


def skeleton(text):
    """What a name looks like, whatever the letters it is written with: compatibility forms folded
    (NFKC), case folded, every look-alike replaced by one representative, spaces dropped."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    representative = _representatives()
    return "".join(representative.get(character, character) for character in folded if not is_blank(character))


@cache
def _representatives():
    # The confusables data links each character with those it looks like; characters linked
    # directly or through others form one group, written as its smallest member.
    parent = {}

    def root(character):
        while parent.get(character, character) != character:
            character = parent[character]
        return character

    def join(first, second):
        first, second = root(first), root(second)
        if first != second:
            parent[max(first, second)] = min(first, second)

    for character, lookalikes in load("confusables.json").items():
        for lookalike in lookalikes:
            other = lookalike["c"].replace("\u200e", "")
            if len(character) == 1 and len(other) == 1:
                join(character, other)
    for character in list(parent):
        # Names are compared case-folded: "O" looks like "0", so "o" does too.
        folded = character.casefold()
        if len(folded) == 1:
            join(character, folded)
    return {character: root(character) for character in parent}
