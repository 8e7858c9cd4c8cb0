"""The browsers a person is signed in with, signing one or all of them out, and deleting the
account: sockets close at once (4001), posts in flight fail for that person alone."""

import asyncio

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test import Client

from accounts.models import Profile, SessionRecord
from accounts.session_records import session_id
from chat.consumers import CLOSE_SESSION_ENDED
from chat.models import Message
from chat.posting import do_post_message, store_message
from chat.refusal import Refused
from tests.conftest import PASSWORD, session_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("no_rate_limit")]
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile Safari/604.1"


def signed_in_users():
    users = {session.get_decoded().get("_auth_user_id") for session in Session.objects.all()}
    return sorted(get_user_model().objects.filter(pk__in=users - {None}).values_list("username", flat=True))


def signed_in(username, user_agent):
    browser = Client(HTTP_USER_AGENT=user_agent)
    assert browser.post("/accounts/login/", {"username": username, "password": PASSWORD}).status_code == 302
    return browser


def test_the_sessions_page_lists_each_browser_and_signs_one_out(make_user):
    make_user("alice")
    laptop, phone = signed_in("alice", FIREFOX), signed_in("alice", SAFARI)
    page = laptop.get("/accounts/sessions/").content.decode()
    assert "Firefox on Windows" in page and "Safari on iOS" in page and "this browser" in page
    assert phone.session.session_key not in page  # sessions are named by a digest, never the key
    phone_id = session_id(phone.session.session_key)
    assert laptop.post("/accounts/sessions/end/", {"session": phone_id}).status_code == 302
    assert phone.get("/").status_code == 302  # signed out: sent to sign in
    assert laptop.get("/").status_code == 200
    assert "Safari" not in laptop.get("/accounts/sessions/").content.decode()


def test_someone_elses_session_cannot_be_signed_out(make_user):
    make_user("alice"), make_user("bob")
    alice, bob = signed_in("alice", FIREFOX), signed_in("bob", SAFARI)
    alice.post("/accounts/sessions/end/", {"session": session_id(bob.session.session_key)})
    assert bob.get("/").status_code == 200


def test_the_last_seen_time_is_not_written_on_every_request(make_user):
    make_user("alice")
    browser = signed_in("alice", FIREFOX)
    seen = SessionRecord.objects.get().last_seen
    for _ in range(3):
        browser.get("/accounts/profile/")
    assert SessionRecord.objects.get().last_seen == seen


async def test_signing_out_everywhere_ends_every_session_and_closes_every_socket(make_user, open_socket):
    alice, bob = [await database_sync_to_async(make_user)(name) for name in ("alice", "bob")]
    browser = await database_sync_to_async(signed_in)("alice", FIREFOX)
    # A session from before records were kept (no record) is signed out too.
    _, old_socket = await open_socket(session_key=await database_sync_to_async(session_for)(alice))
    _, page_socket = await open_socket(session_key=browser.session.session_key)
    _, bobs = await open_socket(bob)
    answer = await database_sync_to_async(browser.post)("/accounts/sessions/end-all/")
    assert answer.status_code == 302 and answer["Location"] == "/accounts/login/"
    assert await old_socket.closed_with() == CLOSE_SESSION_ENDED
    assert await page_socket.closed_with() == CLOSE_SESSION_ENDED
    assert await database_sync_to_async(signed_in_users)() == ["bob"]
    await bobs.send({"type": "ping"})
    assert (await bobs.receive_until("pong"))["type"] == "pong"


def test_deleting_the_account_needs_the_password(make_user):
    make_user("alice")
    browser = signed_in("alice", FIREFOX)
    refused = browser.post("/accounts/delete/", {"password": "not it"})
    assert refused.status_code == 400 and "not your password" in refused.content.decode()
    assert get_user_model().objects.filter(username="alice").exists()


async def test_deleting_the_account_closes_its_sockets_fails_its_posts_in_flight_and_leaves_nothing_by_name(
    make_user, open_socket, joined_socket
):
    alice, bob = [await database_sync_to_async(make_user)(name) for name in ("alice", "bob")]
    await database_sync_to_async(Profile.objects.create)(user=alice, display_name="Alice L")
    await database_sync_to_async(store_message)(alice, "an old message", None)
    browser = await database_sync_to_async(signed_in)("alice", FIREFOX)
    _, alices_socket = await open_socket(session_key=browser.session.session_key)
    async with joined_socket(bob) as watcher:
        # Posts of both, in flight as the account goes.
        posts = [do_post_message(user, f"{user.username} {n}", f"{user.username}-{n}") for n in range(10) for user in (alice, bob)]
        deletion = database_sync_to_async(browser.post)("/accounts/delete/", {"password": PASSWORD})
        *answers, deleted = await asyncio.gather(*posts, deletion, return_exceptions=True)
        assert deleted.status_code == 200 and "Your account and your messages are deleted" in deleted.content.decode()
        assert await alices_socket.closed_with() == CLOSE_SESSION_ENDED
        bobs_answers, alices_answers = answers[1::2], answers[0::2]
        assert all(isinstance(answer, tuple) for answer in bobs_answers), bobs_answers
        assert all(isinstance(answer, tuple) or (isinstance(answer, Refused) and answer.code == "account_deleted")
                   for answer in alices_answers), alices_answers
        await watcher.send({"type": "ping"})
        await watcher.receive_until("pong")

    def left_behind():
        return (get_user_model().objects.filter(username="alice").exists(),
                Message.objects.filter(author__username="alice").count(), Profile.objects.filter(display_name="Alice L").exists(),
                SessionRecord.objects.filter(user_id=alice.pk).exists(), sorted(set(Message.objects.values_list("author__username", flat=True))))

    # Their messages stay as deleted placeholders of the shared former member (chat/former_members.py).
    assert await database_sync_to_async(left_behind)() == (False, 0, False, False, ["bob", "former member"])
    people = await database_sync_to_async(lambda: Client())()
    await database_sync_to_async(people.force_login)(bob)
    listed = (await database_sync_to_async(people.get)("/api/people/")).json()["people"]
    assert [person["user"] for person in listed] == ["bob"]
    history = (await database_sync_to_async(people.get)("/api/messages/?limit=100")).json()["messages"]
    shown = [m for m in history if not m.get("deleted")]
    assert {m["user"] for m in shown} == {"bob"} and len(shown) == 10
    assert all(m["user"] == "former member" and m["message"] == "" for m in history if m.get("deleted"))
