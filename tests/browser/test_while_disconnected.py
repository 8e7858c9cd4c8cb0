"""While the page has no connection it says so plainly: what happens next, what waits to be sent, and
that the list of people online is only the last one known."""

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.browser.room_page import RoomPage
from tests.conftest import session_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOT_COLOUR = "(node) => getComputedStyle(node, '::after').backgroundColor"


def people_dots(room):
    return room.page.locator("#people-list .person .avatar").evaluate_all(
        f"(nodes) => nodes.map({DOT_COLOUR})"
    )


def test_offline_the_page_shows_a_banner_the_waiting_messages_and_a_stale_list(make_user, start_server, browser_session):
    server = start_server()
    alice = RoomPage(browser_session(server, make_user("alice"), phone=True))
    RoomPage(browser_session(server, make_user("bob")))
    page = alice.page
    banner = page.locator("#connection-banner")
    expect(page.locator("#people-list .person")).to_have_count(2)
    expect(banner).to_be_hidden()
    online_dots = people_dots(alice)
    stale_label = page.locator("#people-stale")
    expect(stale_label).to_be_hidden()

    page.context.set_offline(True)
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("You are offline")
    alice.write("one from the tunnel")
    alice.write("two from the tunnel")
    expect(banner).to_contain_text("2 messages waiting to be sent")

    page.locator("#people-toggle").click()
    expect(stale_label).to_be_visible()
    expect(stale_label).to_have_text("Last known")
    expect(page.locator("#people-list .person")).to_have_count(2)
    stale_dots = people_dots(alice)
    assert all(stale != online for stale, online in zip(stale_dots, online_dots)), (stale_dots, online_dots)
    assert len(set(stale_dots)) == 1 and stale_dots[0] != online_dots[0]

    page.context.set_offline(False)
    alice.is_connected()
    expect(banner).to_be_hidden()
    expect(stale_label).to_be_hidden()
    expect(alice.outbox).to_have_count(0)
    assert people_dots(alice) == online_dots


def test_with_the_server_away_the_banner_counts_down_and_reconnect_now_does_not_wait(
    make_user, start_server, browser_session
):
    server = start_server()
    alice = RoomPage(browser_session(server, make_user("alice")))
    page = alice.page
    banner = page.locator("#connection-banner")
    countdown = re.compile(r"Reconnecting in (\d+) s")

    def while_stopped():
        expect(banner).to_be_visible()
        alice.write("written while the server was away")
        expect(banner).to_contain_text("1 message waiting to be sent")
        expect(page.locator("#people-stale")).to_be_visible()
        # The wait between attempts grows; once it is several seconds, the banner counts it down.
        expect(banner).to_contain_text(re.compile(r"Reconnecting in ([8-9]|1\d) s"), timeout=60_000)
        start = int(countdown.search(banner.inner_text()).group(1))
        expect(banner).to_contain_text(f"Reconnecting in {start - 1} s")
        expect(banner.get_by_role("button", name="Reconnect now")).to_be_visible()

    server.restart(while_stopped=while_stopped)
    # The server is back and the page still has seconds to wait: "Reconnect now" connects at once.
    waiting = countdown.search(banner.inner_text())
    assert waiting and int(waiting.group(1)) >= 3, banner.inner_text()
    banner.get_by_role("button", name="Reconnect now").click()
    # Connected while the countdown still had time left: the click did not wait for it.
    before_the_timer_ms = (int(waiting.group(1)) - 1) * 1000
    expect(alice.connection).to_have_attribute("data-state", "connected", timeout=before_the_timer_ms)
    expect(banner).to_be_hidden()
    expect(page.locator("#people-stale")).to_be_hidden()
    alice.shows("written while the server was away")


def test_a_window_beyond_the_accounts_cap_says_so_and_gets_in_once_another_closes(
    make_user, start_server, browser_session
):
    server = start_server(CHAT_SOCKETS_PER_USER="1")
    alice = make_user("alice")
    first = browser_session(server, alice)
    context = browser_session.new_context(server)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session_for(alice), "url": server.url}])
    second = context.new_page()
    second.goto("/")
    banner = second.locator("#connection-banner")

    expect(banner).to_be_visible()
    expect(banner).to_contain_text(re.compile(r"too many windows open\. Close one; this page tries again in \d+ s"))
    expect(second.locator("#connection")).not_to_have_attribute("data-state", "connected")

    first.close()
    second.locator("#reconnect-now").click()
    # If the click beats the server's count of the closed window, the next attempt (15 s) gets in.
    expect(second.locator("#connection")).to_have_attribute("data-state", "connected", timeout=40_000)
    expect(banner).to_be_hidden()
