"""User names: the one account a name typed in any case stands for, and what a new name may look like
beyond Django's own rule (letters, digits, @ . + - _).

Sign-up keeps one account per name whatever its case: a unique index on LOWER(username)
(accounts/migrations/0001_…), so "Alice" typed at sign-in is alice's account.

A name must not pass for another one: "аlice" with a Cyrillic "а" reads as "alice". The letters that
look alike come from Unicode's confusables data (the confusable_homoglyphs package): a name that mixes
alphabets and holds such a letter is refused. Japanese, Chinese and Korean names mix scripts as a
matter of course (Han with kana, Hangul or Bopomofo, and Latin): those combinations are allowed, as
Unicode's "highly restrictive" profile (UTS #39, section 5.2) allows them.
"""

from confusable_homoglyphs import categories, confusables
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Value
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

# Scripts that every name may contain without counting as a second alphabet.
NEUTRAL = {"COMMON", "INHERITED"}
# UTS #39 "highly restrictive": these sets of scripts are writing systems, not a disguise.
WRITING_SYSTEMS = [
    {"LATIN", "HAN", "HIRAGANA", "KATAKANA"},
    {"LATIN", "HAN", "BOPOMOFO"},
    {"LATIN", "HAN", "HANGUL"},
]


def stored_user_name(typed):
    """The stored spelling of the account's name typed in any case, or None."""
    User = get_user_model()
    # The same LOWER() as the index, so the query uses it and matches what it keeps unique.
    return (
        User._default_manager.annotate(folded=Lower("username"))
        .filter(folded=Lower(Value(typed)))
        .values_list("username", flat=True)
        .first()
    )


def lookalike_scripts(name):
    """The scripts a name mixes when it can pass for another name; [] when it cannot."""
    scripts = categories.unique_aliases(name) - NEUTRAL
    if len(scripts) < 2 or any(scripts <= system for system in WRITING_SYSTEMS):
        return []
    if not confusables.is_confusable(name):
        return []
    return sorted(scripts)


def check_user_name(name):
    scripts = lookalike_scripts(name)
    if scripts:
        raise ValidationError(
            _("This name mixes letters of different alphabets (%(scripts)s) that can look alike. "
              "Write it in one alphabet."),
            code="lookalike",
            params={"scripts": ", ".join(script.title() for script in scripts)},
        )
