"""The hands-on guides' browser exercises, done as a participant does them, in Japanese and English.

Each test takes its steps from the guide (console lines, diffs, addresses, expected JSON) and checks
what the guide promises on screen. tests/test_workshop_exercises.py has the exercises without a
browser. The guide's address 127.0.0.1:8000 (and 8001) becomes the test server's.
"""

import json
import re
import shlex

import pytest
from django.conf import settings
from playwright.sync_api import expect

from chat.posting import store_message
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, WAIT_MS
from tests.browser.room_page import RoomPage
from tests.conftest import PASSWORD, session_for
from tests.throwaway_services import ThrowawayRedis
from tests.workshop_guide import (
    GUIDE_ADDRESS,
    apply_diff,
    assert_the_guide_says,
    participant_copy,
    section_blocks,
    section_prose,
    undo_diff,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGES = ["ja", "en"]
# The guides show the same code in both languages (tests/test_workshop_guides.py), so an exercise whose
# steps differ only in the page's words runs in one language, the two taking turns; the promises of
# both guides are still checked.
ONE_LANGUAGE_EACH = {"first steps": "en", "routing": "ja", "restart": "ja"}
LOCALES = {"ja": "ja-JP", "en": "en-US"}
CREATE_AN_ACCOUNT = {"ja": "アカウントを作成", "en": "Create an account"}
ONLINE_NOW = {"ja": "「オンライン」", "en": '"Online now"'}
RECONNECTING = {"ja": "再接続中…", "en": "Reconnecting…"}
WAITING = {"ja": "接続を待っています…", "en": "Waiting for the connection…"}
ROUTE_BACK = {
    "ja": "元に戻して（`git checkout chat/routing.py`）サーバーを起動し直すと、ページは再読み込みしなくてもひとりでにつながります",
    "en": "Put the route back (`git checkout chat/routing.py`) and restart the server: the page connects by itself, without a reload",
}
TYPING = {"ja": "alice さんが入力中…", "en": "alice is typing…"}
KEYSTROKES_APART_MS = 1000  # a person typing the guide's console lines one by one
CATCH_UP_MS = 2000  # chat/room_feed.py polls the newest id this often: the guide's "up to 2 seconds"


def on_guide_address(text, server):
    return text.replace(GUIDE_ADDRESS, server.url.removeprefix("http://"))


def sign_up(browser_session, server, name, language, phone=False):
    """Section 0, steps 1 and 2: open the address, follow "Create an account", pick a name and password."""
    page = browser_session.new_context(server, locale=LOCALES[language], phone=phone).new_page()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_role("link", name=CREATE_AN_ACCOUNT[language]).click()
    page.locator("input[name=username]").fill(name)
    page.locator("input[name=password1]").fill(PASSWORD)
    page.locator("input[name=password2]").fill(PASSWORD)
    page.locator("button.primary").click()
    expect(page).to_have_url(server.url + "/")
    page.locator("#connection[data-state=connected]").wait_for()
    return RoomPage(page)


def open_signed_in(browser_session, server, user, language):
    """A signed-in page, without waiting for it to connect (some exercises break the connection)."""
    context = browser_session.new_context(server, locale=LOCALES[language])
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session_for(user), "url": server.url}])
    page = context.new_page()
    page.goto("/")
    return RoomPage(page)


def online(room):
    return room.page.locator("#people-list li")


# --- 0. From a fresh clone to two browsers talking ----------------------------------------------------

@pytest.mark.parametrize("language", [ONE_LANGUAGE_EACH["first steps"]])
def test_first_steps_two_new_accounts_talk_see_each_other_online_and_typing(language, start_server, browser_session):
    for guide in LANGUAGES:
        assert_the_guide_says(guide, 0, CREATE_AN_ACCOUNT[guide], "alice", "bob", "Shift+Enter", ONLINE_NOW[guide])
    server = start_server()
    alice = sign_up(browser_session, server, "alice", language)
    bob = sign_up(browser_session, server, "bob", language, phone=True)

    alice.input.press_sequentially("hel")
    expect(bob.page.locator("#typing")).to_have_text(TYPING[language])
    alice.input.press("Shift+Enter")
    alice.input.press_sequentially("lo")
    alice.input.press("Enter")
    for room in (alice, bob):
        expect(room.bodies).to_have_text(["hel\nlo"])
    expect(online(alice)).to_have_count(2)  # the list at the side on a desktop
    expect(bob.page.locator("#people-number")).to_have_text("2")  # the people button on a phone


# --- 3. WebSocket routing: change the route and watch the page fail to connect -------------------------

@pytest.mark.parametrize("language", [ONE_LANGUAGE_EACH["routing"]])
def test_routing_exercise_the_page_keeps_reconnecting_until_the_route_is_back(
    language, make_user, start_server, browser_session, tmp_path
):
    for guide in LANGUAGES:
        assert_the_guide_says(guide, 3, RECONNECTING[guide], "No route found for path 'ws/chat/'", ROUTE_BACK[guide])
    copy = participant_copy(tmp_path)
    (diff,) = section_blocks(language, 3, "diff")
    apply_diff(diff, copy)
    server = start_server(cwd=copy, SECRET_KEY=settings.SECRET_KEY)
    alice = open_signed_in(browser_session, server, make_user("alice"), language)

    expect(alice.connection).to_have_attribute("data-state", "reconnecting")
    expect(alice.connection).to_have_text(RECONNECTING[language])
    alice.page.wait_for_timeout(3000)  # it stays so, retrying
    expect(alice.connection).to_have_attribute("data-state", "reconnecting")
    assert "No route found for path 'ws/chat/'" in server.log_text()

    undo_diff(copy, diff.file)
    server.restart()
    alice.is_connected()  # by itself, without a reload


# --- 4 and 5. Frames typed into the console; the same client_id twice ----------------------------------

class Console:
    """The developer tools console of a page: lines evaluated as DevTools does, what it logs kept."""

    def __init__(self, page):
        self.page = page
        self.logged = []
        page.on("console", lambda message: self.logged.append(message.text))
        self.devtools = page.context.new_cdp_session(page)

    def type(self, line):
        answer = self.devtools.send("Runtime.evaluate", {"expression": line, "replMode": True})
        assert "exceptionDetails" not in answer, f"{line}: {answer['exceptionDetails']}"
        self.page.wait_for_timeout(KEYSTROKES_APART_MS)
        return answer["result"].get("value")

    def frames(self):
        return [json.loads(text) for text in self.logged if text.startswith("{")]


def console_lines(language, number, server):
    (block,) = section_blocks(language, number, "js", "devtools")
    return [on_guide_address(line, server) for line in block.lines if line.strip()]


@pytest.mark.parametrize("language", LANGUAGES)  # the lines typed differ: Japanese text in one
def test_console_exercises_frames_by_hand_then_the_same_client_id_twice(
    language, make_user, start_server, browser_session
):
    assert_the_guide_says(language, 4, "`hello`", "`presence`", '"invalid_json"')
    server = start_server()
    alice = RoomPage(browser_session(server, make_user("alice"), locale=LOCALES[language]))
    bob = RoomPage(browser_session(server, make_user("bob"), locale=LOCALES[language]))
    console = Console(alice.page)

    opening, *sends = console_lines(language, 4, server)
    console.type(opening)
    assert [frame["type"] for frame in console.frames()][:2] == ["hello", "presence"], console.logged
    not_json, original_form = sends
    console.type(not_json)
    assert console.frames()[-1]["code"] == "invalid_json"
    assert console.type("ws.readyState") == 1, "the socket stays open"
    console.type(original_form)
    text = json.loads(re.search(r"JSON\.stringify\((.*)\)\);$", original_form).group(1).replace("message:", '"message":'))["message"]
    bob.shows(text)
    assert [f["message"] for f in console.frames() if f["type"] == "chat"] == [text]

    first, second = console_lines(language, 5, server)
    assert first == second
    console.type(first)
    console.type(second)
    once = json.loads(re.search(r"JSON\.stringify\((.*)\)\);$", first).group(1)
                      .replace("type:", '"type":').replace("message:", '"message":').replace("client_id:", '"client_id":'))
    echoes = [f for f in console.frames() if f.get("client_id") == once["client_id"]]
    assert len(echoes) == 2 and echoes[0]["id"] == echoes[1]["id"], "twice, with the same id"
    bob.shows(once["message"])  # once only
    history = alice.page.context.request.get(server.url + "/api/messages/?limit=5").json()["messages"]
    ids = [message["id"] for message in history]
    assert ids == list(range(ids[0], ids[0] + len(ids))), "consecutive ids"


# --- 6. Two servers without Redis, then with Redis -------------------------------------------------------

def typing_crosses(writer, reader, wait_ms):
    writer.input.press_sequentially("a")
    try:
        expect(reader.page.locator("#typing")).not_to_have_text("", timeout=wait_ms)
        return True
    except AssertionError:
        return False
    finally:
        writer.input.fill("")


def arrives_within(sender, reader, text, wait_ms):
    sender.write(text)
    expect(reader.message_with(text)).to_have_count(1, timeout=wait_ms)


def test_channel_layer_exercise_two_servers_share_messages_only_by_the_database_until_they_share_redis(
    make_user, start_server, browser_session
):
    for language in LANGUAGES:
        commands = [line for block in section_blocks(language, 6, "sh") for line in block.lines]
        assert commands[0] == "PORT=8001 make run" and commands[-2:] == ["make run", "PORT=8001 make run"]
        assert_the_guide_says(language, 6, ONLINE_NOW[language])
    a, b = start_server(REDIS_URL=""), start_server(REDIS_URL="")  # `make run` without REDIS_URL, twice
    alice = RoomPage(browser_session(a, make_user("alice"), locale="ja-JP"))
    bob = RoomPage(browser_session(b, make_user("bob"), locale="ja-JP"))
    alice.page.wait_for_timeout(1000)
    expect(online(alice)).to_have_count(1)
    expect(online(bob)).to_have_count(1)
    assert not typing_crosses(alice, bob, wait_ms=2500)
    arrives_within(alice, bob, "through the database", wait_ms=CATCH_UP_MS + WAIT_MS)

    redis = ThrowawayRedis(password="achosenpassword1")
    try:
        for server in (a, b):  # stop both, start both on Redis; the pages reconnect by themselves
            server.env["REDIS_URL"] = redis.url
            server.restart()
        alice.is_connected()
        bob.is_connected()
        expect(online(alice)).to_have_count(2)
        expect(online(bob)).to_have_count(2)
        assert typing_crosses(alice, bob, wait_ms=WAIT_MS)
        arrives_within(alice, bob, "through Redis", wait_ms=CATCH_UP_MS - 500)  # at once: before any poll
    finally:
        for server in (a, b):
            server.stop()
        redis.stop()


# --- 7. Stop the server mid-conversation and watch the page come back with nothing lost ---------------

@pytest.mark.parametrize("language", [ONE_LANGUAGE_EACH["restart"]])
def test_restart_exercise_nothing_lost_nothing_doubled_markup_shown_as_text(
    language, make_user, start_server, browser_session
):
    for guide in LANGUAGES:
        assert_the_guide_says(guide, 7, RECONNECTING[guide], WAITING[guide], "`?since=`")
    markup = re.search(r"`(<b>[^`]*</b>)`", section_prose(language, 7)).group(1)
    redis = ThrowawayRedis(password="achosenpassword1")
    try:
        a, b = start_server(REDIS_URL=redis.url), start_server(REDIS_URL=redis.url)
        alice = RoomPage(browser_session(a, make_user("alice"), locale=LOCALES[language]))
        bob = RoomPage(browser_session(b, make_user("bob"), locale=LOCALES[language]))
        sockets = []
        alice.page.on("websocket", lambda socket: sockets.append(socket.url))
        from_bob = ["one", markup, "three"]

        def while_stopped():
            expect(alice.connection).to_have_text(RECONNECTING[language])
            for text in from_bob:
                bob.say(text)
            alice.write("written while the server was down")
            expect(alice.outbox.locator(".delivery")).to_have_text(WAITING[language])

        a.restart(while_stopped)
        alice.is_connected()
        expect(alice.outbox).to_have_count(0)
        bob.shows("written while the server was down")
        expect(alice.bodies).to_have_text([*from_bob, "written while the server was down"])
        assert alice.page.locator("#messages .body b").count() == 0, "tags are shown as text"
        assert any("?since=" in url for url in sockets), sockets
    finally:
        redis.stop()


# --- 8. History: page through history with the API -----------------------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
def test_history_exercise_pages_back_refuses_a_huge_limit_in_your_language_and_asks_strangers_to_sign_in(
    language, make_user, start_server, browser_session
):
    alice_user = make_user("alice")
    for n in range(1, 8):
        store_message(alice_user, f"message {n}", None)
    server = start_server()
    addresses = [on_guide_address(line.strip()[2:], server) for line in section_prose(language, 8).splitlines()
                 if line.strip().startswith("- http://")]
    newest, before_oldest, too_many = addresses
    (refusal,) = [json.loads(block.lines[0]) for block in section_blocks(language, 8, "json")]
    assert_the_guide_says(language, 8, "400", "401")
    page = browser_session(server, alice_user, locale=LOCALES[language])

    def shown(address):
        response = page.goto(address)
        return response.status, page.locator("body").inner_text()

    status, text = shown(newest)
    first = json.loads(text)["messages"]
    assert status == 200 and [m["message"] for m in first] == ["message 5", "message 6", "message 7"]
    placeholder = re.search(r"before=([^&]+)&", before_oldest).group(1)
    status, text = shown(before_oldest.replace(placeholder, str(first[0]["id"])))
    assert status == 200 and [m["message"] for m in json.loads(text)["messages"]] == ["message 2", "message 3", "message 4"]
    status, text = shown(too_many)
    assert (status, json.loads(text)) == (400, refusal)
    assert refusal["detail"] in text, "the detail reads as written, in the browser's language"

    stranger = browser_session.new_context(server, locale=LOCALES[language]).new_page()
    assert stranger.goto(newest).status == 401


# --- 9. Talk across machines: let the person next to you open your server ------------------------------

def test_across_machines_the_person_next_to_you_opens_your_server_by_your_address(
    make_user, start_server, chromium
):
    (line,) = [line for block in section_blocks("ja", 9, "sh") for line in block.lines if line.startswith("HOST=")]
    assert line in [line for block in section_blocks("en", 9, "sh") for line in block.lines]
    settings_given = dict(word.split("=", 1) for word in shlex.split(line) if "=" in word)
    your_address = settings_given["ALLOWED_HOSTS"].split(",")[0]
    make_user("alice")
    # The neighbour's browser reaches your address; here it is mapped to this machine.
    neighbour = chromium.browser_type.launch(
        executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {your_address} 127.0.0.1"]
    )
    try:
        yours = start_server(ALLOWED_HOSTS=settings_given["ALLOWED_HOSTS"])
        page = neighbour.new_page()
        page.set_default_timeout(WAIT_MS)
        address = f"http://{your_address}:{yours.port}"
        page.goto(address + "/accounts/login/")
        page.locator("input[name=username]").fill("alice")
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("button.primary").click()
        expect(page).to_have_url(address + "/")
        page.locator("#connection[data-state=connected]").wait_for()  # the socket passes the origin check

        without = start_server()  # ALLOWED_HOSTS left as it is: only 127.0.0.1 and localhost
        assert neighbour.new_page().goto(f"http://{your_address}:{without.port}/accounts/login/").status == 400
    finally:
        neighbour.close()
