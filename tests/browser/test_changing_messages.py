"""Messages change after they are posted: edited, deleted, reacted to and answered, on two pages at
once, on a phone, in Japanese, and on a page that was offline while it all happened."""

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import expect

from chat.posting import do_post_message, store_message
from tests.browser import room_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCRIPT_ERRORS = []


class RoomPage(room_page.RoomPage):
    """The room page, noting any error its scripts throw from now on."""

    def __init__(self, page):
        super().__init__(page)
        page.on("pageerror", lambda error: SCRIPT_ERRORS.append(str(error)))


@pytest.fixture(autouse=True)
def no_script_errors():
    SCRIPT_ERRORS.clear()
    yield
    assert SCRIPT_ERRORS == []


@pytest.fixture
def two_people(make_user, start_server, browser_session):
    server = start_server()
    alice = RoomPage(browser_session(server, make_user("alice")))
    bob = RoomPage(browser_session(server, make_user("bob")))
    return server, alice, bob


def test_up_in_an_empty_box_edits_my_last_message_esc_cancels_and_enter_saves(two_people):
    _, alice, bob = two_people
    alice.say("first thing")
    alice.say("see you at 6")
    bob.shows("see you at 6")

    alice.input.press("ArrowUp")
    editor = alice.page.get_by_role("textbox", name="Edit your message")
    expect(editor).to_be_focused()
    expect(editor).to_have_value("see you at 6")
    editor.fill("never mind")
    editor.press("Escape")
    expect(editor).to_have_count(0)
    expect(alice.input).to_be_focused()
    assert alice.body_texts() == ["first thing", "see you at 6"]

    alice.input.press("ArrowUp")
    editor.fill("see you at 7")
    editor.press("Enter")
    expect(editor).to_have_count(0)
    for page in (alice, bob):
        page.shows("see you at 7")
        assert page.body_texts() == ["first thing", "see you at 7"]
        mark = page.message_with("see you at 7").locator(".edited")
        expect(mark).to_have_text("(edited)")
        expect(mark).to_have_attribute("title", re.compile(r"^Edited "))

    bob.choose("see you at 7", "Edit history")
    history = bob.page.locator("#history-dialog")
    expect(history.locator(".edit-version-text")).to_have_text(["see you at 6", "see you at 7"])
    history.get_by_role("button", name="Close").click()
    # Only one's own messages can be edited.
    expect(bob.menu_of("see you at 7").get_by_role("menuitem", name="Edit", exact=True)).to_be_hidden()


def test_an_edit_of_a_message_that_changed_meanwhile_is_refused_and_overwrites_nothing(
    make_user, start_server, browser_session
):
    server = start_server()
    alice_user = make_user("alice")
    laptop = RoomPage(browser_session(server, alice_user))
    phone = RoomPage(browser_session(server, alice_user, phone=True))
    laptop.say("meet at the station")
    phone.shows("meet at the station")

    laptop.choose("meet at the station", "Edit")
    laptop_editor = laptop.page.get_by_role("textbox", name="Edit your message")
    laptop_editor.fill("meet at the cafe")
    phone.input.press("ArrowUp")
    phone.page.get_by_role("textbox", name="Edit your message").fill("meet at the north exit")
    phone.page.get_by_role("textbox", name="Edit your message").press("Enter")
    laptop.shows("meet at the north exit")

    laptop_editor.press("Enter")
    expect(laptop.page.locator(".message-editor-error")).to_contain_text("was changed while you were editing it")
    expect(laptop_editor).to_have_value("meet at the cafe")  # what was written is kept
    phone.shows("meet at the north exit")
    assert phone.body_texts() == ["meet at the north exit"]
    # Having seen the new text, saving again is a choice: now it goes through.
    laptop_editor.press("Enter")
    for page in (laptop, phone):
        page.shows("meet at the cafe")


def test_deleting_asks_first_and_leaves_a_placeholder_in_its_place(make_user, start_server, browser_session):
    server = start_server()
    alice = RoomPage(browser_session(server, make_user("alice")))
    bob = RoomPage(browser_session(server, make_user("bob")))
    alice.say("one")
    alice.say("oops, wrong room")
    alice.say("three")
    bob.shows("three")

    alice.choose("oops", "Delete")
    dialog = alice.page.get_by_role("dialog", name="Delete this message?")
    expect(dialog).to_contain_text("oops, wrong room")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    assert alice.body_texts() == ["one", "oops, wrong room", "three"]

    alice.choose("oops", "Delete")
    dialog.get_by_role("button", name="Delete").click()
    expect(dialog).to_be_hidden()
    for page in (alice, bob):
        expect(page.bodies).to_have_text(["one", "This message was deleted.", "three"])
        expect(page.messages.nth(1)).to_have_class(re.compile(r"\bdeleted\b"))
    # Others' messages: no Delete for bob.
    expect(bob.menu_of("three").get_by_role("menuitem", name="Delete")).to_be_hidden()


def test_staff_delete_anyones_message(make_user, start_server, browser_session):
    server = start_server()
    bob = RoomPage(browser_session(server, make_user("bob")))
    moderator = RoomPage(browser_session(server, make_user("mod", is_staff=True)))
    bob.say("spam spam spam")
    moderator.choose("spam spam spam", "Delete")
    moderator.page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(bob.bodies).to_have_text(["This message was deleted."])


def test_reactions_count_each_emoji_once_say_who_and_clicking_mine_takes_it_back(two_people):
    _, alice, bob = two_people
    alice.say("lunch at noon?")
    bob.shows("lunch at noon?")

    bob.menu_of("lunch").get_by_role("menuitem", name="React with 👍").click()
    alice.page.wait_for_function("() => document.querySelector('.reaction')")
    assert alice.reactions_of("lunch") == {"👍": [1, False]}
    expect(alice.message_with("lunch").locator(".reaction")).to_have_attribute("title", "bob")

    alice.message_with("lunch").locator(".reaction").click()  # joins bob's
    expect(bob.message_with("lunch").locator(".reaction-count")).to_have_text("2")
    assert bob.reactions_of("lunch") == {"👍": [2, True]}
    expect(bob.message_with("lunch").locator(".reaction")).to_have_attribute("title", "you, alice")

    # The picker finds an emoji by a word of its name.
    bob.message_with("lunch").hover()
    bob.message_with("lunch").get_by_role("button", name="Add a reaction").click()
    search = bob.page.get_by_role("searchbox", name="Search emoji")
    expect(search).to_be_focused()
    search.fill("party pop")
    expect(bob.page.locator(".emoji-grid button").first).to_have_attribute("data-emoji", "🎉")
    search.press("Enter")
    expect(alice.message_with("lunch").locator(".reaction")).to_have_count(2)
    assert alice.reactions_of("lunch") == {"👍": [2, True], "🎉": [1, False]}

    bob.message_with("lunch").locator(".reaction[data-emoji='👍']").click()  # bob's own: taken back
    expect(alice.message_with("lunch").locator(".reaction[data-emoji='👍'] .reaction-count")).to_have_text("1")
    expect(bob.message_with("lunch").locator(".reaction[data-emoji='👍']")).to_have_attribute("aria-pressed", "false")


def test_a_reply_quotes_its_original_and_the_quote_leads_back_to_it_through_older_pages(
    make_user, start_server, browser_session
):
    bob = make_user("bob")
    original, _ = store_message(bob, "Who is bringing the projector?", None)
    for n in range(1, 121):
        store_message(bob, f"chatter {n}", None)
    post_elsewhere(do_post_message(make_user("carol"), "I am!", reply_to=original.id))
    alice = RoomPage(browser_session(start_server(), make_user("alice")))
    expect(alice.messages).to_have_count(50)
    expect(alice.message_with("Who is bringing")).to_have_count(0)

    quote = alice.message_with("I am!").locator(".reply-quote")
    expect(quote).to_have_text("bobWho is bringing the projector?")
    quote.click()
    target = alice.message_with("Who is bringing the projector?")
    expect(target).to_be_in_viewport()
    expect(target).to_have_class(re.compile(r"\bhighlighted\b"))
    expect(target).to_be_focused()


def test_replying_from_the_menu_sends_a_quote_and_esc_drops_it(two_people):
    _, alice, bob = two_people
    alice.say("Anyone for coffee?")
    bob.choose("Anyone for coffee?", "Reply")
    bar = bob.page.locator("#reply-bar")
    expect(bar).to_contain_text("Replying to alice")
    expect(bob.input).to_be_focused()
    bob.input.press("Escape")
    expect(bar).to_be_hidden()
    bob.choose("Anyone for coffee?", "Reply")
    bob.say("Me, in five minutes")
    expect(bar).to_be_hidden()
    for page in (alice, bob):
        expect(page.message_with("Me, in five").locator(".reply-quote")).to_have_text("aliceAnyone for coffee?")
    # The quote follows its original's edit.
    alice.input.press("ArrowUp")
    alice.page.get_by_role("textbox", name="Edit your message").fill("Anyone for tea?")
    alice.page.get_by_role("textbox", name="Edit your message").press("Enter")
    expect(bob.message_with("Me, in five").locator(".reply-quote")).to_have_text("aliceAnyone for tea?")


@pytest.mark.parametrize("replay_cap", [500, 3], ids=["replayed", "past-the-replay-cap"])
def test_a_page_offline_through_edits_deletes_and_reactions_catches_up_exactly(
    replay_cap, make_user, start_server, browser_session
):
    alice_user, bob_user = make_user("alice"), make_user("bob")
    for n in range(1, 6):
        store_message(bob_user, f"older {n}", None)
    server = start_server(CHAT_REPLAY_LIMIT=str(replay_cap))
    alice = RoomPage(browser_session(server, alice_user))
    bob = RoomPage(browser_session(server, bob_user))
    alice.say("before the tunnel")
    bob.shows("before the tunnel")
    bob.message_with("before the tunnel").locator(".message-menu-button").click()
    bob.page.get_by_role("menuitem", name="React with ❤️").click()
    expect(alice.message_with("before the tunnel").locator(".reaction")).to_have_count(1)

    alice.page.context.set_offline(True)
    expect(alice.connection).not_to_have_attribute("data-state", "connected")
    bob.choose("older 2", "Edit")
    bob.page.get_by_role("textbox", name="Edit your message").fill("older 2, corrected")
    bob.page.get_by_role("textbox", name="Edit your message").press("Enter")
    bob.shows("older 2, corrected")
    bob.choose("older 4", "Delete")
    bob.page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(bob.message_with("This message was deleted.")).to_have_count(1)
    bob.message_with("before the tunnel").locator(".reaction").click()  # taken back
    bob.menu_of("older 1").get_by_role("menuitem", name="React with 🎉").click()
    expect(bob.message_with("older 1").locator(".reaction")).to_have_count(1)
    bob.say("while you were away")

    alice.page.context.set_offline(False)
    alice.is_connected()
    alice.shows("while you were away")
    expect(alice.message_with("older 2, corrected")).to_have_count(1)
    fresh = RoomPage(browser_session(server, alice_user))
    fresh.shows("while you were away")
    expect(alice.messages).to_have_count(7)
    assert alice.state() == fresh.state()
    assert [m["text"] for m in alice.state()] == [
        "older 1", "older 2, corrected", "older 3", "This message was deleted.", "older 5", "before the tunnel", "while you were away",
    ]
    assert alice.state()[0]["reactions"] == [["🎉", "bob"]] and alice.state()[5]["reactions"] == []


def test_on_a_phone_a_long_press_opens_the_menu_and_shows_who_reacted(make_user, start_server, browser_session):
    server = start_server()
    alice = RoomPage(browser_session(server, make_user("alice")))
    bob = RoomPage(browser_session(server, make_user("bob"), phone=True))
    alice.say("Train is late again")
    bob.shows("Train is late again")

    long_press(bob.message_with("Train is late").locator(".body"))
    menu = bob.page.get_by_role("menu")
    expect(menu).to_be_visible()
    expect(menu).to_be_in_viewport()
    assert menu.bounding_box()["width"] == pytest.approx(360, abs=1)  # a sheet along the bottom
    menu.get_by_role("menuitem", name="React with 😢").click()
    expect(menu).to_be_hidden()
    reaction = bob.message_with("Train is late").locator(".reaction")
    expect(reaction).to_have_attribute("aria-pressed", "true")

    alice.message_with("Train is late").locator(".reaction").click()
    expect(reaction.locator(".reaction-count")).to_have_text("2")
    long_press(reaction)
    expect(bob.page.locator("#reaction-people")).to_have_text("you, alice")
    expect(reaction).to_have_attribute("aria-pressed", "true")  # holding it did not take it back
    assert bob.page.evaluate("document.documentElement.scrollWidth") <= 360


def test_changing_messages_speaks_japanese(make_user, start_server, browser_session):
    server = start_server()
    haruka = RoomPage(browser_session(server, make_user("haruka"), locale="ja-JP"))
    kenta = RoomPage(browser_session(server, make_user("kenta"), locale="ja-JP"))
    haruka.say("明日の集合は九時です")
    kenta.shows("明日の集合は九時です")

    menu = kenta.menu_of("明日の集合")
    expect(menu.get_by_role("menuitem", name="返信")).to_be_visible()
    menu.get_by_role("menuitem", name="リアクションを追加…").click()
    search = kenta.page.get_by_role("searchbox", name="絵文字を検索")
    search.fill("さむずあっぷ")  # hiragana finds the katakana name サムズアップ
    expect(kenta.page.locator(".emoji-grid button").first).to_have_attribute("data-emoji", "👍")
    expect(kenta.page.locator(".emoji-grid button").first).to_have_attribute("aria-label", "サムズアップ")
    search.press("Enter")
    expect(haruka.message_with("明日の集合").locator(".reaction")).to_have_attribute("title", "kenta")

    haruka.input.press("ArrowUp")
    editor = haruka.page.get_by_role("textbox", name="メッセージを編集")
    editor.fill("明日の集合は十時です")
    editor.press("Enter")
    expect(kenta.message_with("十時").locator(".edited")).to_have_text("（編集済み）")
    haruka.choose("十時", "削除")
    dialog = haruka.page.get_by_role("dialog", name="このメッセージを削除しますか？")
    dialog.get_by_role("button", name="削除").click()
    expect(kenta.bodies).to_have_text(["このメッセージは削除されました。"])


def long_press(locator):
    """A finger held on the element until the page answers (as a phone's touch sends pointer events)."""
    box = locator.bounding_box()
    point = {"clientX": box["x"] + box["width"] / 2, "clientY": box["y"] + box["height"] / 2, "pointerType": "touch", "bubbles": True}
    locator.dispatch_event("pointerdown", point)
    locator.page.wait_for_function("() => !document.getElementById('message-menu').hidden || !document.getElementById('reaction-people').hidden")
    locator.dispatch_event("pointerup", point)
    locator.dispatch_event("click", point)


def post_elsewhere(coroutine):
    """Runs a domain call on a thread of its own (Playwright's loop holds this one)."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


def test_everything_in_the_menu_and_the_picker_is_reached_from_the_keyboard(two_people):
    _, alice, bob = two_people
    alice.say("keyboard only, please")
    bob.shows("keyboard only, please")
    page = bob.page

    page.keyboard.press("Shift+Tab")  # from the message box back into the timeline...
    button = bob.message_with("keyboard only").locator(".message-menu-button")
    button.focus()  # ...to the message's ⋯ button
    page.keyboard.press("Enter")
    menu = page.get_by_role("menu")
    expect(menu.get_by_role("menuitem", name="React with 👍")).to_be_focused()
    page.keyboard.press("End")
    expect(menu.get_by_role("menuitem", name="Reply")).to_be_focused()  # the last one bob may use
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(button).to_be_focused()

    page.keyboard.press("Enter")
    for _ in range(8):  # past the quick row
        page.keyboard.press("ArrowDown")
    expect(menu.get_by_role("menuitem", name="Add a reaction…")).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.type("heart")
    expect(page.locator(".emoji-grid button").first).to_have_attribute("title", re.compile("^heart"))
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowRight")
    chosen = page.evaluate("document.activeElement.dataset.emoji")
    page.keyboard.press("Enter")
    expect(alice.message_with("keyboard only").locator(".reaction")).to_have_attribute("data-emoji", chosen)
    expect(button).to_be_focused()


def test_edited_quoted_and_historic_text_is_shown_as_text_never_as_html(two_people):
    _, alice, bob = two_people
    alice.say("<b>bold?</b>")
    alice.input.press("ArrowUp")
    alice.page.get_by_role("textbox", name="Edit your message").fill('<img src=x onerror="window.hacked=1">')
    alice.page.get_by_role("textbox", name="Edit your message").press("Enter")
    bob.shows('<img src=x onerror="window.hacked=1">')
    bob.choose("<img src=x", "Reply")
    bob.say("what was that?")
    expect(alice.message_with("what was that?").locator(".reply-excerpt")).to_have_text('<img src=x onerror="window.hacked=1">')
    alice.choose("<img src=x", "Edit history")
    expect(alice.page.locator(".edit-version-text")).to_have_text(["<b>bold?</b>", '<img src=x onerror="window.hacked=1">'])
    for page in (alice, bob):
        assert page.page.locator("#messages img, #messages b, #history-dialog b, #history-dialog img").count() == 0
        assert page.page.evaluate("window.hacked") is None


def test_without_a_connection_a_reaction_is_refused_on_the_spot_and_says_why(two_people):
    _, alice, bob = two_people
    alice.say("are you there?")
    bob.shows("are you there?")
    bob.page.context.set_offline(True)
    expect(bob.connection).not_to_have_attribute("data-state", "connected")
    bob.menu_of("are you there?").get_by_role("menuitem", name="React with 👀").click()
    expect(bob.page.locator("#action-notice")).to_have_text("Not connected: try again when the connection is back.")
    expect(bob.message_with("are you there?").locator(".reaction")).to_have_count(0)
