"""The server goes away and comes back: pages reconnect by themselves and miss or repeat nothing."""

import pytest
from playwright.sync_api import expect

from tests.browser.room_page import RoomPage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_after_a_server_restart_both_pages_reconnect_and_show_every_message_exactly_once(
    make_user, start_server, browser_session
):
    server = start_server()
    other_server = start_server()  # the same room on a second server process, which stays up
    alice = RoomPage(browser_session(server, make_user("alice")))
    bob = RoomPage(browser_session(server, make_user("bob"), phone=True))
    carol = RoomPage(browser_session(other_server, make_user("carol")))
    alice.say("before the restart, from alice")
    bob.say("before the restart, from bob")
    alice.shows("before the restart, from bob")

    def while_stopped():
        for room in (alice, bob):
            expect(room.connection).not_to_have_attribute("data-state", "connected")
        carol.say("posted while alice and bob were disconnected")
        alice.write("written by alice while disconnected")
        expect(alice.outbox).to_have_attribute("data-state", "queued")
        expect(alice.outbox.locator(".delivery")).to_have_text("Waiting for the connection…")

    server.restart(while_stopped=while_stopped)

    everything = [
        "before the restart, from alice",
        "before the restart, from bob",
        "posted while alice and bob were disconnected",
        "written by alice while disconnected",
    ]
    for room in (alice, bob):
        room.is_connected()
        expect(room.bodies).to_have_text(everything)
        expect(room.outbox).to_have_count(0)
    # Nothing arrives late as a duplicate: a fresh round trip shows exactly one more message.
    bob.say("after the restart")
    for room in (alice, bob):
        expect(room.bodies).to_have_text([*everything, "after the restart"])
