"""Writing: Enter sends, Shift+Enter and IME conversions don't; nothing typed is lost or cut."""

import pytest
from playwright.sync_api import expect

from unicode_text import blank_text
from chat.models import Message
from tests.browser.conftest import PASSWORD
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
    room.page.get_by_role("button", name="Send").click(force=True)  # force: it says it is disabled
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


def test_a_message_refused_for_good_stays_with_its_reason_and_an_edit(make_user, start_server, browser_session):
    server = start_server()
    room = RoomPage(browser_session(server, make_user("alice")))
    room.say("short enough")

    def write_while_stopped():
        expect(room.connection).not_to_have_attribute("data-state", "connected")
        room.write("longer than the new limit")

    server.env["CHAT_MAX_LENGTH"] = "10"  # the server comes back with a lower limit: the text must change
    server.restart(while_stopped=write_while_stopped)
    failed = room.outbox.filter(has_text="longer than the new limit")
    expect(failed).to_have_attribute("data-state", "failed")
    expect(failed.locator(".delivery-reason")).to_have_text("Not sent: the message is too long")
    expect(failed.get_by_role("button", name="Retry")).to_have_count(0)  # sending it again cannot help
    failed.get_by_role("button", name="Edit").click()
    expect(room.input).to_have_value("longer than the new limit")
    expect(room.outbox).to_have_count(0)
    expect(room.bodies).to_have_text(["short enough"])


def test_messages_written_faster_than_the_rate_all_go_out_by_themselves_in_order(make_user, start_server, browser_session):
    room = RoomPage(browser_session(start_server(), make_user("alice")))  # the default rate: 5/s, bursts of 10
    room.watch_for_failures()
    written = [f"quick {n}" for n in range(1, 15)]
    room.write_quickly(written)
    expect(room.bodies).to_have_text(written)
    expect(room.outbox).to_have_count(0)
    assert room.failures_seen() == []
    assert stored_texts() == written


def test_a_slow_rate_holds_the_next_message_as_sending_until_it_goes_out(make_user, start_server, browser_session):
    room = RoomPage(browser_session(start_server(CHAT_RATE_LIMIT="1/2"), make_user("alice")))
    room.watch_for_failures()
    room.say("one")
    room.say("two")
    room.write("three, refused at first")  # the bucket is empty: the server says when to send it again
    room.write("four")
    expect(room.outbox).to_have_count(2)
    expect(room.outbox.first).to_have_attribute("data-state", "sending")
    expect(room.outbox.first.locator(".delivery")).to_have_text("Sending…")
    expect(room.bodies).to_have_text(["one", "two", "three, refused at first", "four"])
    assert room.failures_seen() == []


def test_text_that_shows_nothing_is_not_sent_and_the_send_button_says_so(make_user, start_server, browser_session):
    room = RoomPage(browser_session(start_server(), make_user("alice")))
    send = room.page.get_by_role("button", name="Send")
    expect(send).to_be_disabled()  # nothing written yet
    # A character from each end of every range the server counts as blank (NUL aside: a NUL is refused
    # as unstorable), alone, and all together.
    samples = sorted({chr(c) for first, last in blank_text.RANGES for c in (first, last) if c})
    for text in [*samples, "".join(samples), "\u200b \u3164\n\ufeff"]:
        room.input.fill(text)
        expect(send).to_be_disabled()
        room.input.press("Enter")
        send.click(force=True)
        expect(room.outbox).to_have_count(0)
        expect(room.input).to_have_value(text.replace("\r", "\n"))  # kept: nothing was taken away
    room.input.fill("\u200bvisible\u3164")
    expect(send).to_be_enabled()
    send.click()
    room.shows("visible")
    expect(send).to_be_disabled()
    assert stored_texts() == ["\u200bvisible\u3164"]


def test_a_draft_survives_a_reload_and_is_forgotten_once_sent(make_user, start_server, browser_session):
    room = RoomPage(browser_session(start_server(), make_user("alice")))
    room.input.fill("half a thought,\nstill writing")
    room.page.reload()
    room.is_connected()
    expect(room.input).to_have_value("half a thought,\nstill writing")
    room.input.press("End")
    room.input.press_sequentially(" and done")
    room.input.press("Enter")
    room.shows("half a thought,\nstill writing and done")
    room.page.reload()
    room.is_connected()
    expect(room.input).to_have_value("")


def test_a_draft_survives_signing_out_in_another_tab_and_signing_in_again(make_user, start_server, browser_session):
    make_user("bob")
    server = start_server()
    room = RoomPage(browser_session(server, make_user("alice")))
    room.input.fill("a long reply, interrupted")
    other_tab = room.page.context.new_page()
    other_tab.goto("/")
    other_tab.locator(".menu summary").click()
    other_tab.get_by_role("button", name="Sign out").click()
    page = room.page
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()

    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    room.is_connected()
    expect(room.input).to_have_value("a long reply, interrupted")

    # Another person signing in on the same browser does not get it.
    page.locator(".menu summary").click()
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Username").fill("bob")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    room.is_connected()
    expect(room.input).to_have_value("")


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


def stored_texts():
    return list(Message.objects.order_by("id").values_list("body", flat=True))
