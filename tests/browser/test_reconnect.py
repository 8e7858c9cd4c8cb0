"""The server goes away and comes back: pages reconnect by themselves and miss or repeat nothing."""

import pytest
from playwright.sync_api import expect

from chat.models import Message
from chat.posting import store_message
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


def test_a_page_that_goes_offline_says_so_queues_what_is_written_and_catches_up_when_back(
    make_user, start_server, browser_session
):
    server = start_server()
    alice = RoomPage(browser_session(server, make_user("alice"), phone=True))
    bob = RoomPage(browser_session(server, make_user("bob")))
    alice.say("still on the train")

    alice.page.context.set_offline(True)
    expect(alice.connection).to_have_text("Offline")
    alice.write("written in the tunnel")
    expect(alice.outbox).to_have_attribute("data-state", "queued")
    bob.say("did you get off yet?")

    alice.page.context.set_offline(False)
    alice.is_connected()
    everything = ["still on the train", "did you get off yet?", "written in the tunnel"]
    for room in (alice, bob):
        expect(room.bodies).to_have_text(everything)
    expect(alice.outbox).to_have_count(0)


def test_fourteen_messages_written_offline_all_go_out_in_order_when_back(make_user, start_server, browser_session):
    alice = RoomPage(browser_session(start_server(), make_user("alice")))  # the default rate: 5/s, bursts of 10
    alice.say("before the tunnel")
    alice.watch_for_failures()
    alice.page.context.set_offline(True)
    expect(alice.connection).to_have_text("Offline")
    written = [f"offline {n}" for n in range(1, 15)]
    for text in written:
        alice.write(text)
    expect(alice.outbox).to_have_count(14)

    alice.page.context.set_offline(False)
    alice.is_connected()
    expect(alice.bodies).to_have_text(["before the tunnel", *written])
    expect(alice.outbox).to_have_count(0)
    assert alice.failures_seen() == []
    assert list(Message.objects.order_by("id").values_list("body", flat=True)) == ["before the tunnel", *written]


def test_after_a_long_absence_the_page_fetches_what_the_replay_left_out(make_user, start_server, browser_session):
    server = start_server(CHAT_REPLAY_LIMIT="3")  # a resuming socket is replayed 3, then told of the gap
    bob = make_user("bob")
    alice = RoomPage(browser_session(server, make_user("alice")))
    alice.say("before")
    history_requests = []
    alice.page.on("request", lambda request: "/api/" in request.url and history_requests.append(request.url))

    def while_stopped():
        for n in range(1, 11):
            store_message(bob, f"missed {n}", None)

    server.restart(while_stopped=while_stopped)
    alice.is_connected()
    expect(alice.bodies).to_have_text(["before", *(f"missed {n}" for n in range(1, 11))])
    # The 7 the replay left out came over HTTP, from the change the page had applied before the absence.
    assert any("/api/events/?since=1&" in url for url in history_requests), history_requests
    alice.say("after")
    expect(alice.bodies).to_have_text(["before", *(f"missed {n}" for n in range(1, 11)), "after"])
