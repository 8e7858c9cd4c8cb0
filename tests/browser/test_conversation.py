"""Two people talk in the room: one on a desktop, one on a 360 px phone."""

import pytest
from playwright.sync_api import expect

from tests.browser.room_page import RoomPage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_two_people_on_a_desktop_and_a_phone_exchange_messages_both_ways(make_user, start_server, browser_session):
    server = start_server()
    alice = RoomPage(browser_session(server, make_user("alice")))
    bob = RoomPage(browser_session(server, make_user("bob"), phone=True))

    alice.say("Hi Bob, are you on the train?")
    bob.shows("Hi Bob, are you on the train?")
    bob.say("Yes! Reading this on my phone.")
    alice.shows("Yes! Reading this on my phone.")

    assert alice.body_texts() == bob.body_texts() == ["Hi Bob, are you on the train?", "Yes! Reading this on my phone."]
    # Each sees their own message marked as theirs, and the other's not.
    expect(alice.message_with("Hi Bob").locator(".you-badge")).to_be_visible()
    expect(bob.message_with("Hi Bob")).not_to_have_class("message mine")
    expect(bob.message_with("Yes!")).to_have_class("message mine")


def test_who_is_online_and_who_is_typing_are_shown(make_user, start_server, browser_session):
    server = start_server()
    alice = RoomPage(browser_session(server, make_user("alice")))
    bob = RoomPage(browser_session(server, make_user("bob"), phone=True))

    expect(alice.page.locator("#people-list .person-name")).to_have_text(["alice", "bob"])
    bob.page.get_by_role("button", name="2 online").click()
    expect(bob.page.locator("#people-list .person-name")).to_have_text(["alice", "bob"])
    expect(bob.page.locator("#people")).to_be_visible()

    bob.input.press_sequentially("typing slowly")
    expect(alice.page.locator("#typing")).to_have_text("bob is typing…")
    bob.input.press("Enter")
    alice.shows("typing slowly")
    expect(alice.page.locator("#typing")).to_have_text("")


def test_a_phone_shows_the_whole_page_without_sideways_scrolling(make_user, start_server, browser_session):
    server = start_server()
    page = browser_session(server, make_user("alice"), phone=True)
    RoomPage(page).say("a long line " * 40)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    expect(page.get_by_role("button", name="Send")).to_be_in_viewport()
