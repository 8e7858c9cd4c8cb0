"""Reading back: older pages load at the top without moving the view; new messages don't yank it."""

import pytest
from playwright.sync_api import expect

from chat.posting import store_message
from tests.browser.room_page import RoomPage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGE = 50  # the page opens with the newest 50 and loads 50 more at a time


def test_scrolling_to_the_top_loads_older_pages_without_moving_the_view(make_user, start_server, browser_session):
    bob = make_user("bob")
    for n in range(1, 121):
        store_message(bob, f"old message {n}", None)
    room = RoomPage(browser_session(start_server(), make_user("alice")))
    expect(room.messages).to_have_count(PAGE)
    expect(room.bodies.last).to_have_text("old message 120")
    expect(room.bodies.last).to_be_in_viewport()

    reading = room.message_with("old message 71").locator(".body")
    timeline = room.page.locator("#timeline")
    # Scroll to the top and note where the oldest shown message is, before the older page arrives.
    top_before = timeline.evaluate("(el) => { el.scrollTop = 0; return el.querySelector('.message .body').getBoundingClientRect().top; }")
    expect(room.messages).to_have_count(2 * PAGE)
    # Older messages went in above; the one the reader was looking at stays where it was.
    assert reading.evaluate("el => el.getBoundingClientRect().top") == pytest.approx(top_before, abs=1)

    timeline.evaluate("el => el.scrollTop = 0")
    expect(room.messages).to_have_count(120)
    expect(room.bodies.first).to_have_text("old message 1")
    expect(room.page.locator("#history-edge")).to_have_attribute("data-state", "beginning")


def test_a_new_message_while_reading_older_ones_shows_a_button_instead_of_moving_the_view(
    make_user, start_server, browser_session
):
    bob_user = make_user("bob")
    for n in range(1, 61):
        store_message(bob_user, f"old message {n}", None)
    server = start_server()
    alice = RoomPage(browser_session(server, make_user("alice")))
    bob = RoomPage(browser_session(server, bob_user, phone=True))
    timeline = alice.page.locator("#timeline")
    timeline.evaluate("el => el.scrollTop = el.scrollHeight / 3")
    scrolled_to = timeline.evaluate("el => el.scrollTop")

    bob.say("something new")
    jump = alice.page.get_by_role("button", name="New messages (1)")
    expect(jump).to_be_visible()
    alice.shows("something new")
    assert timeline.evaluate("el => el.scrollTop") == scrolled_to
    expect(alice.message_with("something new")).not_to_be_in_viewport()

    jump.click()
    expect(alice.message_with("something new")).to_be_in_viewport()
    expect(jump).to_be_hidden()
