"""Whatever people write is shown as text: markup never becomes elements, nothing they write runs."""

import pytest
from playwright.sync_api import expect

from tests.browser.room_page import RoomPage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

IMG = "<img src=x onerror=\"window.pwned = 'img'\">"
SCRIPT = "<script>window.pwned = 'script'</script>"


def test_html_in_a_message_is_displayed_as_text_and_runs_nothing(make_user, start_server, browser_session):
    server = start_server()
    mallory = RoomPage(browser_session(server, make_user("mallory")))
    alice = RoomPage(browser_session(server, make_user("alice")))

    mallory.say(IMG)
    mallory.say(SCRIPT)
    for room in (mallory, alice):
        expect(room.bodies).to_have_text([IMG, SCRIPT])
        assert room.page.locator("#messages img, #messages script").count() == 0
        assert room.page.evaluate("window.pwned") is None
    # Also after a reload, when the same text comes from the history API.
    alice.page.reload()
    expect(alice.bodies).to_have_text([IMG, SCRIPT])
    assert alice.page.evaluate("window.pwned") is None


def test_http_links_become_safe_links_and_other_schemes_stay_text(make_user, start_server, browser_session):
    room = RoomPage(browser_session(start_server(), make_user("alice")))
    room.say("slides: https://example.com/a?b=1&c=2. and javascript:alert(1) and data:text/html,hi")

    links = room.page.locator("#messages .body a")
    expect(links).to_have_count(1)
    expect(links).to_have_attribute("href", "https://example.com/a?b=1&c=2")
    expect(links).to_have_text("https://example.com/a?b=1&c=2")
    expect(links).to_have_attribute("rel", "noopener noreferrer")
    expect(room.bodies).to_have_text(["slides: https://example.com/a?b=1&c=2. and javascript:alert(1) and data:text/html,hi"])


def test_a_link_keeps_its_balanced_parentheses_and_leaves_out_what_ends_the_sentence(make_user, start_server, browser_session):
    room = RoomPage(browser_session(start_server(), make_user("alice")))
    text = (
        "Closures: https://en.wikipedia.org/wiki/Closure_(computer_programming) and "
        "(see https://example.com/a_(b)_c), [https://example.com/list] or https://example.com/q?x=(1)(2)... "
        "and https://example.com/end)."
    )
    room.say(text)
    expect(room.bodies).to_have_text([text])
    links = room.page.locator("#messages .body a")
    addresses = [
        "https://en.wikipedia.org/wiki/Closure_(computer_programming)",
        "https://example.com/a_(b)_c",
        "https://example.com/list",
        "https://example.com/q?x=(1)(2)",
        "https://example.com/end",
    ]
    expect(links).to_have_text(addresses)
    assert [links.nth(n).get_attribute("href") for n in range(len(addresses))] == addresses
