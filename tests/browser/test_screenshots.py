"""The room and the sign-in page in Japanese and English, desktop and phone, light and dark.

The screenshots go to docs/screenshots/ (the README shows one). The conversation and the page's clock
are fixed, so the pictures only change when the page does.
"""

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from chat.models import Message
from chat.editing import do_react
from chat.posting import do_post_message, store_message
from tests.browser.conftest import SCREENSHOTS
from tests.browser.room_page import RoomPage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CONVERSATIONS = {
    "ja": {
        "locale": "ja-JP",
        "timezone": "Asia/Tokyo",
        "people": ["haruka", "kenta", "yui"],
        "lines": [
            (-1, "18:02", "kenta", "明日のもくもく会、会場は 3F の会議室です 🙌"),
            (-1, "18:03", "kenta", "Wi-Fi のパスワードはホワイトボードに書いておきます"),
            (-1, "18:10", "haruka", "了解です！プロジェクターも借りておきますね"),
            (0, "09:41", "yui", "おはようございます ☀️ 資料をアップしました\nhttps://example.com/kc3/slides"),
            (0, "09:43", "haruka", "ありがとうございます！さっそく見ます"),
            (0, "09:44", "haruka", "Channels の部分、図があって分かりやすいです"),
            (0, "10:12", "kenta", "お昼は近くのカレー屋さんでどうでしょう？🍛"),
            (0, "10:15", "yui", "賛成です！12時に1階ロビー集合で"),
        ],
        # The last line answers the lunch question, which two people liked.
        "reply_to": 6,
        "reactions": [(6, "haruka", "👍"), (6, "yui", "👍"), (6, "haruka", "🍛")],
        "typing": "kenta",
    },
    "en": {
        "locale": "en-US",
        "timezone": "America/Los_Angeles",
        "people": ["alice", "bob", "carol"],
        "lines": [
            (-1, "18:02", "bob", "Tomorrow's study session is in room 3F 🙌"),
            (-1, "18:03", "bob", "I'll write the Wi-Fi password on the whiteboard"),
            (-1, "18:10", "alice", "Great, I'll bring the projector"),
            (0, "09:41", "carol", "Morning ☀️ I uploaded the slides:\nhttps://example.com/kc3/slides"),
            (0, "09:43", "alice", "Thanks! Reading them now"),
            (0, "09:44", "alice", "The diagram of the channel layer really helps"),
            (0, "10:12", "bob", "Lunch at the curry place around the corner? 🍛"),
            (0, "10:15", "carol", "Yes! Lobby at noon"),
        ],
        "reply_to": 6,
        "reactions": [(6, "alice", "👍"), (6, "carol", "👍"), (6, "alice", "🍛")],
        "typing": "bob",
    },
}
TODAY = (2026, 4, 18)
NOW = "10:30"


@pytest.mark.parametrize("language", ["ja", "en"])
def test_screenshots_of_the_room_in_every_size_scheme_and_language(language, make_user, start_server, browser_session):
    conversation = CONVERSATIONS[language]
    zone = ZoneInfo(conversation["timezone"])
    people = {name: make_user(name) for name in conversation["people"]}
    ids = []
    for index, (day, clock, author, text) in enumerate(conversation["lines"]):
        if index == len(conversation["lines"]) - 1:
            message, _ = _elsewhere(do_post_message(people[author], text, reply_to=ids[conversation["reply_to"]]))
        else:
            message, _ = store_message(people[author], text, None)
        Message.objects.filter(id=message.id).update(created_at=_at(zone, day, clock))
        ids.append(message.id)
    for index, person, emoji in conversation["reactions"]:
        _elsewhere(do_react(people[person], ids[index], emoji))
    server = start_server()
    me, typist, other = conversation["people"]
    open_as = {"locale": conversation["locale"], "timezone": conversation["timezone"], "now": _at(zone, 0, NOW)}

    views = {
        f"room-{size}-{scheme}-{language}": browser_session(
            server, people[me], phone=size == "phone", dark=scheme == "dark", **open_as
        )
        for size in ("desktop", "phone")
        for scheme in ("light", "dark")
    }
    browser_session(server, people[other], **open_as)
    typing_page = RoomPage(browser_session(server, people[typist], **open_as))
    for page in views.values():
        expect(page.locator("#people-list .person")).to_have_count(3)
        expect(page.locator("#messages > .message")).to_have_count(len(conversation["lines"]))
        # Yesterday and today each start with a separator; a second line within minutes is grouped.
        expect(page.locator(".day-separator")).to_have_count(2)
        expect(page.locator(".message.continued")).to_have_count(2)
        expect(page.locator(".message.mine")).to_have_count(3)
        expect(page.locator(".reaction")).to_have_count(2)
        expect(page.locator(".reply-quote")).to_have_count(1)

    typing_page.input.press_sequentially("…")
    for name, page in views.items():
        expect(page.locator("#typing")).not_to_be_empty()
        page.screenshot(path=SCREENSHOTS / f"{name}.png", animations="disabled")


@pytest.mark.parametrize("language", ["ja", "en"])
def test_screenshots_of_sign_in_and_sign_up(language, start_server, browser_session):
    server = start_server()
    for size in ("desktop", "phone"):
        context = browser_session.new_context(server, phone=size == "phone", locale=CONVERSATIONS[language]["locale"])
        page = context.new_page()
        page.goto("/accounts/login/")
        page.screenshot(path=SCREENSHOTS / f"login-{size}-{language}.png", animations="disabled")
    page.goto("/accounts/signup/")
    page.locator("#id_username").fill("new person")
    page.locator("#id_password1").fill("1234")
    page.locator("#id_password2").fill("1234")
    page.locator("button.primary").click()
    expect(page.locator(".field-error").first).to_be_visible()
    page.screenshot(path=SCREENSHOTS / f"signup-errors-phone-{language}.png", full_page=True, animations="disabled")


def _at(zone, day, clock):
    hour, minute = map(int, clock.split(":"))
    year, month, date = TODAY
    return datetime(year, month, date + day, hour, minute, tzinfo=zone)


def _elsewhere(coroutine):
    """A domain call on a thread of its own (Playwright's loop holds this one)."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coroutine).result()
