"""Display names and the people panel in the browser, in Japanese and in English: the profile page
changes the name (and explains a refusal), every open page shows the new name at once, and the
panel lists everyone, those online first, with staff and bot badges and the user name on hover."""

import pytest
from playwright.sync_api import expect

from accounts.models import Profile
from tests.browser.room_page import RoomPage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "ja": {"locale": "ja-JP", "profile": "プロフィール", "menu": "アカウントと言語", "save": "保存", "saved": "保存しました。",
           "lookalike": "ほかの人の名前（bob）と見分けがつきません", "away": "接続していない人", "staff": "スタッフ", "bot": "ボット",
           "label": "表示名"},
    "en": {"locale": "en-US", "profile": "Profile", "menu": "Account and language", "save": "Save", "saved": "Saved.",
           "lookalike": "looks like the name of someone else (bob)", "away": "Not connected", "staff": "staff", "bot": "bot",
           "label": "Display name"},
}


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_profile_page_renames_you_everywhere_at_once_and_refuses_a_lookalike(
    make_user, start_server, browser_session, language
):
    words = WORDS[language]
    alice, bob = make_user("alice"), make_user("bob")
    server = start_server()
    watcher = RoomPage(browser_session(server, bob, locale=words["locale"]))
    room = RoomPage(browser_session(server, alice, locale=words["locale"]))
    room.say("before")
    author = watcher.message_with("before").locator(".author")
    expect(author).to_have_text("alice")

    profile = room.page.context.new_page()
    profile.goto("/")
    profile.get_by_label(words["menu"]).click()
    profile.get_by_role("link", name=words["profile"]).click()
    profile.get_by_label(words["label"]).fill("B0B")
    profile.get_by_role("button", name=words["save"]).click()
    expect(profile.locator("#id_display_name_error")).to_contain_text(words["lookalike"])
    profile.get_by_label(words["label"]).fill("山田 アリス 🐇")
    profile.get_by_role("button", name=words["save"]).click()
    expect(profile.get_by_role("status")).to_have_text(words["saved"])
    expect(profile.get_by_label(words["label"])).to_have_value("山田 アリス 🐇")

    # The pages open all along: beside the old message, in the panel and in the header, at once.
    expect(author).to_have_text("山田 アリス 🐇")
    expect(author).to_have_attribute("title", "alice")
    entry = watcher.page.locator("#people-list .person[data-user=alice] .person-name")
    expect(entry).to_have_text("山田 アリス 🐇")
    expect(entry).to_have_attribute("title", "alice")
    expect(room.page.locator(".menu .me")).to_have_text("山田 アリス 🐇")
    room.say("after")
    expect(watcher.message_with("after").locator(".author")).to_have_text("山田 アリス 🐇")


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_people_panel_lists_everyone_online_first_with_badges(make_user, start_server, browser_session, language):
    words = WORDS[language]
    alice = make_user("alice", is_staff=True)
    make_user("carol")
    Profile.objects.create(user=make_user("robot"), display_name="Beep", is_bot=True)
    Profile.objects.create(user=make_user("yamada"), display_name="山田 太郎")
    make_user("gone", is_active=False)
    page = browser_session(start_server(), alice, locale=words["locale"])
    online = page.locator("#people-list .person-name")
    away = page.locator("#people-away .person-name")
    expect(online).to_have_text(["alice"])
    expect(page.locator("#people-away-heading")).to_have_text(words["away"])
    expect(away).to_have_text(["Beep", "carol", "山田 太郎"])
    expect(page.locator("#people-list .person[data-user=alice] .staff-badge")).to_have_text(words["staff"])
    expect(page.locator("#people-away .person[data-user=robot] .bot-badge")).to_have_text(words["bot"])
    expect(page.locator("#people-away .person[data-user=yamada] .person-name")).to_have_attribute("title", "yamada")
