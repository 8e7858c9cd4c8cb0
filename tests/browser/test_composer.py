"""Writing: Enter sends, Shift+Enter and IME conversions don't; nothing typed is lost or cut."""

import pytest
from playwright.sync_api import expect

from tests.browser.room_page import RoomPage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_enter_that_confirms_an_ime_conversion_does_not_send(make_user, start_server, browser_session):
    room = RoomPage(browser_session(start_server(), make_user("haruka")))
    room.input.focus()
    # Chromium's own IME path: while composing, Enter arrives as keydown with isComposing and keyCode 229.
    ime = room.page.context.new_cdp_session(room.page)
    ime.send("Input.imeSetComposition", {"text": "にほんご", "selectionStart": 4, "selectionEnd": 4})
    ime.send("Input.dispatchKeyEvent", {"type": "keyDown", "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 229})
    ime.send("Input.insertText", {"text": "日本語"})
    ime.send("Input.dispatchKeyEvent", {"type": "keyUp", "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13})

    expect(room.input).to_have_value("日本語")
    expect(room.outbox).to_have_count(0)
    expect(room.messages).to_have_count(0)
    room.input.press("Enter")  # the next Enter, after the conversion, sends
    room.shows("日本語")
    expect(room.input).to_have_value("")


def test_shift_enter_adds_a_line_and_enter_sends_both_lines(make_user, start_server, browser_session):
    room = RoomPage(browser_session(start_server(), make_user("alice")))
    room.input.press_sequentially("first line")
    room.input.press("Shift+Enter")
    room.input.press_sequentially("second line")
    expect(room.input).to_have_value("first line\nsecond line")
    expect(room.outbox).to_have_count(0)
    room.input.press("Enter")
    expect(room.bodies).to_have_text(["first line\nsecond line"])


def test_a_blank_message_is_not_sent(make_user, start_server, browser_session):
    room = RoomPage(browser_session(start_server(), make_user("alice")))
    room.write("   \n  ")
    room.page.get_by_role("button", name="Send").click()
    room.say("the next real message")
    expect(room.bodies).to_have_text(["the next real message"])


def test_near_the_limit_a_counter_shows_and_over_it_the_text_is_kept_not_sent(make_user, start_server, browser_session):
    room = RoomPage(browser_session(start_server(CHAT_MAX_LENGTH="40"), make_user("alice")))
    counter = room.page.locator("#composer-counter")
    room.input.fill("x" * 20)
    expect(counter).to_be_hidden()
    room.input.fill("x" * 38)
    expect(counter).to_have_text("2 characters left")
    room.write("y" * 45)
    expect(counter).to_have_text("5 characters over the limit")
    expect(room.input).to_have_value("y" * 45)  # nothing cut, nothing sent
    expect(room.outbox).to_have_count(0)
    room.input.press("Backspace")
    expect(counter).to_have_text("4 characters over the limit")


def test_a_refused_message_stays_with_its_reason_a_retry_and_an_edit(make_user, start_server, browser_session):
    # A burst of three, then nothing for a long while: the fourth message is refused as rate_limited.
    room = RoomPage(browser_session(start_server(CHAT_RATE_LIMIT="0.001/3"), make_user("alice")))
    for n in (1, 2, 3):
        room.say(f"message {n}")
    room.write("message 4")
    failed = room.outbox.filter(has_text="message 4")
    expect(failed).to_have_attribute("data-state", "failed")
    expect(failed.locator(".delivery-reason")).to_have_text("Not sent: sent too fast; wait a moment")

    failed.get_by_role("button", name="Retry").click()  # sent again, refused again: still there
    expect(failed).to_have_attribute("data-state", "failed")
    failed.get_by_role("button", name="Edit").click()
    expect(room.input).to_have_value("message 4")
    expect(room.outbox).to_have_count(0)
    expect(room.bodies).to_have_text(["message 1", "message 2", "message 3"])


def test_a_message_not_yet_acknowledged_survives_a_reload_and_is_sent_once(make_user, start_server, browser_session):
    server = start_server()
    room = RoomPage(browser_session(server, make_user("alice")))

    def write_while_stopped():
        expect(room.connection).not_to_have_attribute("data-state", "connected")
        room.write("written, then the page was reloaded")
        expect(room.outbox).to_have_attribute("data-state", "queued")

    server.restart(while_stopped=write_while_stopped)
    room.page.reload()
    room.shows("written, then the page was reloaded")
    expect(room.outbox).to_have_count(0)
    room.page.reload()
    room.is_connected()
    expect(room.bodies).to_have_text(["written, then the page was reloaded"])
