"""Sign-up, sign-in with throttling, sign-out — and a socket never outlives its session."""

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import AsyncClient

from chat.consumers import CLOSE_SESSION_ENDED
from tests.conftest import PASSWORD, session_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_signing_up_signs_you_in_and_opens_the_room(client):
    response = client.post("/accounts/signup/", {"username": "alice", "password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_a_weak_password_is_refused_with_a_form_error(client):
    response = client.post("/accounts/signup/", {"username": "alice", "password1": "12345678", "password2": "12345678"})
    assert response.status_code == 400
    assert "too common" in response.content.decode()
    assert not get_user_model().objects.filter(username="alice").exists()


def test_a_taken_name_is_refused_with_a_form_error(client, make_user):
    make_user("alice")
    response = client.post("/accounts/signup/", {"username": "alice", "password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 400 and "already exists" in response.content.decode()


def test_the_room_sends_an_anonymous_visitor_to_sign_in_and_back(client, make_user):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=/"
    make_user("alice")
    login = client.post("/accounts/login/?next=/", {"username": "alice", "password": PASSWORD, "next": "/"})
    assert login.status_code == 302 and login["Location"] == "/"


def test_ten_wrong_passwords_lock_that_name_with_a_clear_message(client, make_user):
    make_user("alice")
    for _ in range(10):
        client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
    locked = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert locked.status_code == 429
    assert "Too many wrong passwords" in locked.content.decode()
    # Even the right password signed no one in.
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302


def test_logging_out_is_a_post(client, make_user):
    client.force_login(make_user("alice"))
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


async def test_logging_out_closes_that_sessions_sockets_but_not_others(make_user, open_socket):
    alice = await database_sync_to_async(make_user)("alice")
    leaving_key = await database_sync_to_async(session_for)(alice)
    _, leaving = await open_socket(session_key=leaving_key)
    _, staying = await open_socket(alice)
    http = AsyncClient()
    http.cookies[settings.SESSION_COOKIE_NAME] = leaving_key
    assert (await http.post("/accounts/logout/")).status_code == 302
    assert await leaving.closed_with() == CLOSE_SESSION_ENDED
    await staying.send({"type": "ping"})
    assert (await staying.receive_until("pong"))["type"] == "pong"
    connected, _ = await open_socket(session_key=leaving_key)
    assert not connected


async def test_changing_the_password_closes_the_users_sockets(make_user, open_socket):
    alice = await database_sync_to_async(make_user)("alice")
    _, sock = await open_socket(alice)

    def change_password():
        alice.set_password("another long passphrase 43")
        alice.save()

    await database_sync_to_async(change_password)()
    assert await sock.closed_with() == CLOSE_SESSION_ENDED


async def test_a_deactivated_users_sockets_are_closed(make_user, open_socket):
    alice = await database_sync_to_async(make_user)("alice")
    _, sock = await open_socket(alice)

    def deactivate():
        alice.is_active = False
        alice.save()

    await database_sync_to_async(deactivate)()
    assert await sock.closed_with() == CLOSE_SESSION_ENDED
    connected, _ = await open_socket(alice)
    assert not connected


def test_signing_in_does_not_close_anyones_sockets(make_user, client):
    # The last_login update on sign-in is a save of the user: it must not count as a new password.
    from chat import revocation

    calls = []
    original = revocation.revoke_sockets
    revocation.revoke_sockets = lambda *args: calls.append(args)
    try:
        make_user("alice")
        client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    finally:
        revocation.revoke_sockets = original
    assert calls == []


def test_the_admin_lists_searches_and_deletes_messages(client, make_user):
    from chat.models import Message
    from chat.posting import store_message

    admin = get_user_model().objects.create_superuser("root", password=PASSWORD)
    bob = make_user("bob")
    store_message(bob, "hello there", None)
    store_message(admin, "moderation note", None)
    client.force_login(admin)
    listing = client.get("/admin/chat/message/?q=bob")
    assert listing.status_code == 200
    assert "hello there" in listing.content.decode() and "moderation note" not in listing.content.decode()
    assert "moderation note" in client.get("/admin/chat/message/?q=moderation").content.decode()
    delete = client.post("/admin/chat/message/1/delete/", {"post": "yes"})
    assert delete.status_code == 302
    # The room's delete: the row stays as a placeholder, its text is gone.
    assert list(Message.objects.filter(deleted=False).values_list("id", flat=True)) == [2]
    assert Message.objects.get(id=1).body == ""
