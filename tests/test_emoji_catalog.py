"""GET /api/emoji/: the reaction picker's emoji, each once, named in English and in Japanese."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_catalog_names_each_emoji_in_english_and_japanese(client, make_user):
    client.force_login(make_user("alice"))
    answer = client.get("/api/emoji/")
    assert answer.status_code == 200 and answer["Content-Type"] == "application/json"
    assert "max-age=86400" in answer["Cache-Control"] and "private" in answer["Cache-Control"]
    entries = {character: (english, japanese) for character, english, japanese in answer.json()["emoji"]}
    assert entries["👍"] == ("thumbs up", "サムズアップ")
    assert entries["🎉"][0] == "party popper" and entries["🎉"][1] != "party popper"
    assert len(entries) > 1500  # Unicode's whole list, not a hand-picked few
    assert "👍🏽" not in entries  # skin tones are variants of one entry, not entries of their own


def test_the_catalog_answers_only_a_signed_in_user(client):
    answer = client.get("/api/emoji/")
    assert answer.status_code == 401 and answer.json()["error"] == "not_authenticated"
    assert "max-age" not in answer.get("Cache-Control", "")
