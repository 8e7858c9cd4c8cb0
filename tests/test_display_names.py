"""Display names: chosen at sign-up or on the profile page, shown with every message, refused when
they hide characters or pass for someone else's name, and announced to open pages at once."""

import pytest
from channels.db import database_sync_to_async
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.display_names import check_display_name, do_change_display_name, skeleton
from accounts.models import Profile
from chat import history, server_frames
from chat.posting import store_message
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def refusal(name, user=None):
    with pytest.raises(ValidationError) as refused:
        check_display_name(name, user)
    return refused.value.code


@pytest.mark.parametrize("name", ["山田 太郎", "山田　太郎", "Zoë 🎉", "👩‍💻 Dev", "❤️", "1️⃣ first", "Ali" * 16])
def test_any_script_and_emoji_make_a_display_name(name):
    assert check_display_name(f"  {name} ") == name


@pytest.mark.parametrize(
    "name, code",
    [("", "blank"), ("   ", "blank"), ("\u200b\u3164", "blank"), ("x" * 51, "too_long"),
     ("ali\u200bce", "invisible"), ("bob\u202e", "invisible"), ("a\u0007b", "invisible"), ("an\u2060na", "invisible"),
     ("a\u200db", "invisible")],
)
def test_blank_long_or_hiding_names_are_refused(name, code):
    assert refusal(name) == code


def test_a_name_that_passes_for_another_persons_user_name_or_display_name_is_refused(make_user):
    alice, bob, mallory = make_user("alice"), make_user("bob"), make_user("mallory")
    Profile.objects.create(user=bob, display_name="Bob the Builder")
    for lookalike in ("Alice", "аlice", "ALICE", "ａｌｉｃｅ", "al ice", "bob the bui1der", "Bob  the Builder"):
        assert refusal(lookalike, mallory) == "lookalike", lookalike
    with pytest.raises(ValidationError) as refused:
        check_display_name("аlice", mallory)
    assert "alice" in str(refused.value.messages[0])  # the reason names whom it looks like
    assert check_display_name("Alice", alice) == "Alice"  # one's own user name, in any case, is one's own
    assert skeleton("Bob the Builder") != skeleton("Bob the Baker")


def test_sign_up_takes_an_optional_display_name_and_refuses_one_that_impersonates(client, make_user):
    make_user("alice")
    answer = client.post("/accounts/signup/", {"username": "yamada", "display_name": "山田 太郎", "email": "",
                                               "password1": PASSWORD, "password2": PASSWORD})
    assert answer.status_code == 302
    assert Profile.objects.get(user__username="yamada").display_name == "山田 太郎"
    client.logout()
    refused = client.post("/accounts/signup/", {"username": "mallory", "display_name": "Alice",
                                                "password1": PASSWORD, "password2": PASSWORD})
    assert refused.status_code == 400 and "looks like the name of someone else" in refused.content.decode()
    plain = client.post("/accounts/signup/", {"username": "carol", "password1": PASSWORD, "password2": PASSWORD})
    assert plain.status_code == 302
    assert Profile.objects.get(user__username="carol").display_name == ""  # shown as the user name


def test_a_user_name_that_passes_for_someone_elses_display_name_is_refused_at_sign_up(client, make_user):
    bob = make_user("bob")
    Profile.objects.create(user=bob, display_name="admin")
    refused = client.post("/accounts/signup/", {"username": "Admin", "password1": PASSWORD, "password2": PASSWORD})
    assert refused.status_code == 400 and "looks like the name of someone else" in refused.content.decode()


def test_the_profile_page_changes_the_display_name_and_explains_a_refusal(client, make_user):
    alice, _ = make_user("alice"), make_user("bob")
    client.force_login(alice)
    assert client.post("/accounts/profile/", {"display_name": " Alice Liddell ", "email": "a@example.org"}).status_code == 302
    alice.refresh_from_db()
    assert (alice.profile.display_name, alice.email) == ("Alice Liddell", "a@example.org")
    page = client.post("/accounts/profile/", {"display_name": "B0B", "email": ""})
    assert page.status_code == 400 and "looks like the name of someone else (bob)" in page.content.decode()
    assert Profile.objects.get(user=alice).display_name == "Alice Liddell"  # nothing half-stored


def test_messages_carry_the_authors_display_name_in_a_fixed_number_of_queries(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    Profile.objects.create(user=alice, display_name="Alice 🐇")

    def frames_and_queries(count):
        with CaptureQueriesContext(connection) as queries:
            frames = [server_frames.message(m) for m in history.newest(count).messages]
        return frames, len(queries)

    store_message(alice, "a0", None)
    store_message(bob, "b0", None)
    (first, second), few = frames_and_queries(2)
    for n in range(1, 5):
        store_message(alice, f"a{n}", None)
        store_message(bob, f"b{n}", None)
    frames, many = frames_and_queries(10)
    assert many == few, "no query per message"
    assert [(first["user"], first["display_name"]), (second["user"], second["display_name"])] == [
        ("alice", "Alice 🐇"), ("bob", "bob")]
    assert {(f["user"], f["display_name"]) for f in frames} == {("alice", "Alice 🐇"), ("bob", "bob")}


async def test_a_new_display_name_reaches_open_sockets_and_new_messages_at_once(make_user, joined_socket, no_rate_limit):
    alice, bob = [await database_sync_to_async(make_user)(name) for name in ("alice", "bob")]
    async with joined_socket(alice) as poster, joined_socket(bob) as watcher:
        await database_sync_to_async(do_change_display_name)(alice, "Alice Liddell")
        frame = await watcher.receive_until("person")
        assert frame == {"type": "person", "user": "alice", "display_name": "Alice Liddell"}
        assert (await poster.receive_until("person")) == frame
        # The poster's socket opened under the old name: its next message carries the new one.
        await poster.post("hello", client_id="c1")
        assert (await watcher.receive_until("chat"))["display_name"] == "Alice Liddell"
        await database_sync_to_async(do_change_display_name)(alice, "")  # back to the user name
        assert (await watcher.receive_until("person"))["display_name"] == "alice"


def test_the_people_api_lists_every_active_account_with_badges(client, make_user):
    alice = make_user("alice", is_staff=True)
    make_user("zed")
    robot = make_user("robot")
    Profile.objects.create(user=robot, display_name="Beep", is_bot=True)
    make_user("gone", is_active=False)
    Profile.objects.create(user=make_user("yamada"), display_name="山田")
    assert client.get("/api/people/").status_code == 401
    client.force_login(alice)
    people = client.get("/api/people/").json()["people"]
    assert [p["display_name"] for p in people] == ["alice", "Beep", "zed", "山田"]  # case-folded order
    assert people[0] == {"user": "alice", "display_name": "alice", "staff": True, "bot": False, "online": False}
    assert people[1]["bot"] is True and people[1]["user"] == "robot"


async def test_the_people_api_says_who_is_online_and_keeps_the_order_by_name(make_user, joined_socket):
    from django.test import AsyncClient

    alice, _, zed = [await database_sync_to_async(make_user)(name) for name in ("alice", "bob", "zed")]
    http = AsyncClient()
    await http.aforce_login(alice)
    async with joined_socket(zed) as socket:
        await socket.receive_until("presence")
        people = (await http.get("/api/people/")).json()["people"]
    assert [(p["user"], p["online"]) for p in people] == [("alice", False), ("bob", False), ("zed", True)]


async def test_an_edit_event_carries_the_authors_display_name_now(make_user, joined_socket, no_rate_limit):
    from chat.editing import do_edit

    alice, bob = [await database_sync_to_async(make_user)(name) for name in ("alice", "bob")]
    async with joined_socket(bob) as watcher:
        async with joined_socket(alice) as poster:
            await poster.post("first draft", client_id="d1")
            posted = await watcher.receive_until("chat")
            await database_sync_to_async(do_change_display_name)(alice, "Alice Liddell")
            await do_edit(alice, posted["id"], "second draft")
            edit = await watcher.receive_until("edit")
    assert (edit["id"], edit["display_name"], edit["message"]) == (posted["id"], "Alice Liddell", "second draft")
