"""How the room is laid out and set: long names, readable sizes, the columns, Japanese line breaks."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.room_page import RoomPage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_NAME = ("Bartholomew_Featherstonehaugh." * 6)[:150]  # the longest user name the accounts allow
SMALLEST_READABLE_PX = 12
PX = 1  # layout boxes are compared to a pixel (sub-pixel rounding)

FITS_OR_ENDS_IN_ELLIPSIS = """(node) => {
  const style = getComputedStyle(node);
  return node.scrollWidth <= node.clientWidth || (style.overflowX === "hidden" && style.textOverflow === "ellipsis");
}"""
BOX = "(node) => { const b = node.getBoundingClientRect(); return {left: b.left, right: b.right, top: b.top, bottom: b.bottom}; }"


def box(locator):
    return locator.evaluate(BOX)


def inside(inner, outer):
    return (
        inner["left"] >= outer["left"] - PX and inner["right"] <= outer["right"] + PX
        and inner["top"] >= outer["top"] - PX and inner["bottom"] <= outer["bottom"] + PX
    )


@pytest.mark.parametrize("phone", [True, False], ids=["phone", "desktop"])
def test_a_150_character_name_keeps_time_and_badge_in_view_and_ends_in_an_ellipsis(
    phone, make_user, start_server, browser_session
):
    server = start_server()
    room = RoomPage(browser_session(server, make_user(LONG_NAME), phone=phone))
    watcher = RoomPage(browser_session(server, make_user("bob"), phone=phone))
    page = room.page
    width = page.viewport_size["width"]

    # Someone else sees the long name typing: the line stays on the screen.
    room.input.press_sequentially("hel")
    typing = watcher.page.locator("#typing")
    expect(typing).to_contain_text(LONG_NAME[:20])
    assert typing.evaluate(FITS_OR_ENDS_IN_ELLIPSIS), "the typing line runs off the screen"
    assert watcher.page.evaluate("document.documentElement.scrollWidth") <= width
    room.input.press_sequentially("lo")
    room.input.press("Enter")
    room.shows("hello")
    view = {"left": 0, "right": width, "top": 0, "bottom": page.viewport_size["height"]}

    message = room.message_with("hello")
    for part in (message.locator(".message-meta time"), message.locator(".message-meta .you-badge"), message.locator(".author")):
        expect(part).to_be_visible()
        assert inside(box(part), view), (part, box(part), width)
    expect(message.locator(".author")).to_have_attribute("title", LONG_NAME)
    assert inside(box(message.locator(".body")), view)

    if phone:
        page.locator("#people-toggle").click()
    people = page.locator("#people")
    entry = page.locator("#people-list .person.me")
    name = entry.locator(".person-name")
    expect(name).to_have_css("text-overflow", "ellipsis")
    expect(name).to_have_attribute("title", LONG_NAME)
    assert name.evaluate("(node) => node.scrollWidth > node.clientWidth"), "the name is not shortened"
    assert name.evaluate(FITS_OR_ENDS_IN_ELLIPSIS)
    for part in (entry, name, entry.locator(".you-badge")):
        expect(part).to_be_visible()
        assert inside(box(part), box(people)), (part, box(part), box(people))
    assert people.evaluate("(node) => node.scrollWidth <= node.clientWidth"), "the panel scrolls sideways"



def test_secondary_text_is_at_least_12_px(make_user, start_server, browser_session):
    server = start_server()
    page = browser_session(server, make_user("alice"))
    room = RoomPage(page)
    room.say("first")
    room.say("second, grouped under the first")
    secondary = {
        "time": "#messages .message-meta time",
        "time beside a grouped message": "#messages .message.continued .side-time",
        "you badge": "#messages .you-badge",
        "day": ".day-label",
        "composer hint": "#composer-hint",
        "people heading": "#people-heading",
        "connection": "#connection",
        "typing line": "#typing",
    }
    sizes = {
        what: page.locator(selector).first.evaluate("(node) => parseFloat(getComputedStyle(node).fontSize)")
        for what, selector in secondary.items()
    }
    assert all(size >= SMALLEST_READABLE_PX for size in sizes.values()), sizes


@pytest.mark.parametrize("width,height", [(1280, 800), (800, 600)])
def test_the_people_column_runs_the_full_height_and_the_composer_sits_under_the_messages_only(
    width, height, make_user, start_server, browser_session
):
    page = browser_session(start_server(), make_user("alice"))
    page.set_viewport_size({"width": width, "height": height})
    header = box(page.locator(".room-header"))
    people = box(page.locator("#people"))
    composer = box(page.locator("#composer"))
    timeline = box(page.locator("#timeline"))

    assert abs(people["top"] - header["bottom"]) <= PX and abs(people["bottom"] - height) <= PX, (people, header)
    assert composer["right"] <= people["left"] + PX, (composer, people)  # not under the people column
    assert abs(composer["left"] - timeline["left"]) <= PX and composer["bottom"] >= height - 24, (composer, timeline)
    people_width = people["right"] - people["left"]
    assert 150 <= people_width <= 0.22 * width, people_width


def test_on_a_phone_the_people_column_folds_into_a_panel(make_user, start_server, browser_session):
    page = browser_session(start_server(), make_user("alice"), phone=True)
    expect(page.locator("#people")).to_be_hidden()
    composer = box(page.locator("#composer"))
    assert composer["left"] >= 0 and composer["right"] <= page.viewport_size["width"] + PX
    page.locator("#people-toggle").click()
    expect(page.locator("#people-list .person")).to_have_count(1)


def test_a_run_of_my_own_messages_is_not_a_wall_of_tint(make_user, start_server, browser_session):
    server = start_server()
    for dark in (False, True):
        name = "dark" if dark else "light"
        page = browser_session(server, make_user(name), dark=dark)
        room = RoomPage(page)
        for n in range(4):
            room.say(f"{name}, mine {n}")  # the second page also shows the first one's messages
        page.mouse.move(0, 0)  # no hover highlight
        colours = page.locator(".message.mine").last.evaluate(
            """(node) => {
                 const rgb = (colour) => (colour.match(/[\\d.]+/g) || []).map(Number);
                 return {mine: rgb(getComputedStyle(node).backgroundColor),
                         page: rgb(getComputedStyle(document.body).backgroundColor)};
               }"""
        )
        mine, background = colours["mine"], colours["page"]
        transparent = len(mine) == 4 and mine[3] == 0
        assert transparent or max(abs(a - b) for a, b in zip(mine[:3], background[:3])) <= 4, colours


def test_waiting_and_failed_messages_group_under_the_previous_message_of_their_author(
    make_user, start_server, browser_session
):
    server = start_server()
    alice = RoomPage(browser_session(server, make_user("alice")))
    bob = RoomPage(browser_session(server, make_user("bob")))
    alice.say("first")
    bob.say("bob in between")
    alice.shows("bob in between")

    alice.page.context.set_offline(True)
    expect(alice.connection).to_have_attribute("data-state", "offline")
    alice.write("waiting after bob")
    alice.write("waiting, second")
    after_bob = alice.outbox.filter(has_text="waiting after bob")
    second = alice.outbox.filter(has_text="waiting, second")
    expect(after_bob).to_have_attribute("data-state", "queued")
    expect(second).to_have_attribute("data-state", "queued")
    expect(after_bob.locator(".author")).to_be_visible()  # bob spoke last: a new run starts
    expect(second).to_have_class(with_classes("continued"))
    expect(second.locator(".author")).not_to_be_visible()
    expect(second.locator(".avatar")).not_to_be_visible()

    alice.page.context.set_offline(False)
    alice.is_connected()
    expect(alice.outbox).to_have_count(0)

    def write_while_stopped():
        expect(alice.connection).not_to_have_attribute("data-state", "connected")
        alice.write("refused for good: too long")

    server.env["CHAT_MAX_LENGTH"] = "10"  # the server comes back with a lower limit: this one fails
    server.restart(while_stopped=write_while_stopped)
    failed = alice.outbox.filter(has_text="refused for good: too long")
    expect(failed).to_have_attribute("data-state", "failed")
    expect(failed).to_have_class(with_classes("continued"))
    expect(failed.locator(".author")).not_to_be_visible()
    expect(failed.locator(".delivery-reason")).to_be_visible()


def with_classes(*names):
    """Matches a class attribute that holds every one of names."""
    return re.compile("".join(rf"(?=.*\b{name}\b)" for name in names))


@pytest.mark.parametrize("language", ["ja", "en"])
def test_japanese_breaks_lines_between_phrases(language, make_user, start_server, browser_session):
    locale = {"ja": "ja-JP", "en": "en-US"}[language]
    room = RoomPage(browser_session(start_server(), make_user("haruka"), phone=True, locale=locale))
    page = room.page
    expect(page.locator("html")).to_have_attribute("lang", language)
    room.say("あいさつしてみましょう。明日のもくもく会、会場は 3F の会議室です")
    expected = "auto-phrase" if language == "ja" else "normal"
    for selector in ("#messages .body", ".room-title h1", "#people-heading", ".history-edge", "#composer-hint"):
        expect(page.locator(selector).first).to_have_css("word-break", expected)
