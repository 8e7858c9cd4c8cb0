"""Japanese and English for every page: the catalogues are complete, compiled, and used."""

import ast
import gettext
import re

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.stack_independent

LOCALE = ROOT / "locale"
ENTRY = re.compile(r'^(#, fuzzy.*\n)?msgid ((?:".*"\n)+)msgstr ((?:".*"\n?)+)', re.M)


def po_entries(language):
    """{msgid: (msgstr, fuzzy)} from locale/<language>/LC_MESSAGES/django.po, header left out."""
    text = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    entries = {}
    for fuzzy, msgid, msgstr in ENTRY.findall(text):
        key = "".join(ast.literal_eval(line) for line in msgid.splitlines())
        if key:
            entries[key] = ("".join(ast.literal_eval(line) for line in msgstr.splitlines()), bool(fuzzy))
    return entries


@pytest.mark.parametrize("language", ["ja", "en"])
def test_every_text_is_translated_and_the_compiled_catalogue_matches_it(language):
    entries = po_entries(language)
    assert len(entries) > 40
    untranslated = [msgid for msgid, (msgstr, fuzzy) in entries.items() if not msgstr or fuzzy]
    assert untranslated == []
    with open(LOCALE / language / "LC_MESSAGES" / "django.mo", "rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)
    stale = [msgid for msgid, (msgstr, _) in entries.items() if catalogue.gettext(msgid) != msgstr]
    assert stale == [], "run `make messages` and commit the .mo files"


def test_japanese_keeps_every_placeholder_the_scripts_fill_in():
    for msgid, (msgstr, _) in po_entries("ja").items():
        assert set(re.findall(r"\{\w+\}", msgid)) == set(re.findall(r"\{\w+\}", msgstr)), msgid


@pytest.mark.django_db
def test_sign_in_answers_in_the_browsers_language(client):
    japanese = client.get("/accounts/login/", headers={"accept-language": "ja,en;q=0.5"}).content.decode()
    english = client.get("/accounts/login/", headers={"accept-language": "en-US,en;q=0.9"}).content.decode()
    assert '<html lang="ja">' in japanese and "ログイン" in japanese
    assert '<html lang="en">' in english and "Sign in" in english


@pytest.mark.django_db
def test_the_room_page_carries_its_words_for_the_scripts_in_japanese(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("haruka", password="a long enough passphrase 42"))
    page = client.get("/", headers={"accept-language": "ja"}).content.decode()
    assert 'data-typing-one="{name} さんが入力中…"' in page
    assert "<script>" not in page  # configuration travels in data- attributes (a strict CSP fits)
