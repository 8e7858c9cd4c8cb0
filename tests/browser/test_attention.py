"""Noticing new messages: a screen reader hears them, a hidden tab counts them, keys alone do everything."""

import pytest
from playwright.sync_api import expect

from tests.browser.room_page import RoomPage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SET_HIDDEN = """(hidden) => {
  Object.defineProperty(document, "hidden", { value: hidden, configurable: true });
  document.dispatchEvent(new Event("visibilitychange"));
}"""


def test_a_new_message_is_announced_politely_to_screen_readers(make_user, start_server, browser_session):
    server = start_server()
    alice = RoomPage(browser_session(server, make_user("alice")))
    bob = RoomPage(browser_session(server, make_user("bob")))
    announcer = alice.page.locator("#announcer")
    expect(announcer).to_have_attribute("aria-live", "polite")
    bob.say("lunch?")
    expect(announcer).to_have_text("bob: lunch?")


def test_while_the_tab_is_hidden_the_title_counts_unread_messages(make_user, start_server, browser_session):
    server = start_server()
    alice = RoomPage(browser_session(server, make_user("alice")))
    bob = RoomPage(browser_session(server, make_user("bob")))
    # Headless Chromium never hides a tab by itself: tell the page, as the browser would.
    alice.page.evaluate(SET_HIDDEN, True)
    bob.say("one")
    bob.say("two")
    alice.shows("two")
    expect(alice.page).to_have_title("(2) kc3chat")
    alice.say("my own message does not count")
    expect(alice.page).to_have_title("(2) kc3chat")
    alice.page.evaluate(SET_HIDDEN, False)
    expect(alice.page).to_have_title("kc3chat")


def test_someone_using_only_the_keyboard_can_write_see_who_is_online_and_switch_language(
    make_user, start_server, browser_session
):
    room = RoomPage(browser_session(start_server(), make_user("alice"), phone=True))
    keyboard = room.page.keyboard
    expect(room.page.get_by_role("textbox", name="Message")).to_be_focused()  # ready to type on arrival
    keyboard.type("typed without a mouse")
    keyboard.press("Enter")
    room.shows("typed without a mouse")

    people = room.page.get_by_role("button", name="1 online")
    people.focus()
    keyboard.press("Enter")
    expect(people).to_have_attribute("aria-expanded", "true")
    expect(room.page.locator("#people")).to_be_visible()
    keyboard.press("Escape")
    expect(room.page.locator("#people")).to_be_hidden()
    expect(people).to_be_focused()

    keyboard.press("Tab")  # to the account menu
    keyboard.press("Enter")
    keyboard.press("Tab")
    keyboard.press("Tab")  # English, then 日本語
    expect(room.page.get_by_role("button", name="日本語")).to_be_focused()
    keyboard.press("Enter")
    expect(room.connection).to_have_text("接続済み")


def test_signing_out_in_one_tab_sends_the_other_tab_to_the_sign_in_page(make_user, start_server, browser_session):
    room = RoomPage(browser_session(start_server(), make_user("alice")))
    other_tab = room.page.context.new_page()
    other_tab.goto("/")
    other_tab.locator(".menu summary").click()
    other_tab.get_by_role("button", name="Sign out").click()
    # Both tabs end at sign-in, and stay there: the session is gone before the socket hears of it.
    for tab in (room.page, other_tab):
        expect(tab.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(room.page).to_have_url("/accounts/login/?next=/")
