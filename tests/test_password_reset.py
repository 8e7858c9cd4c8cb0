"""A forgotten password: a mail with a one-time link (Django's reset views, throttled, saying
nothing of whether the address is known), or a one-time link that staff make."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.password_reset import MAILS_PER_ADDRESS
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)
NEW_PASSWORD = "another long passphrase 77"


@pytest.fixture(autouse=True)
def mail_in_memory(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.EMAIL_ENABLED = True
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "reset-tests"}}
    from django.core.cache import cache

    cache.clear()


def link_in(message):
    return re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", message.body).group(1)


def set_password_through(client, path):
    page = client.get(path, follow=True)  # Django moves the token out of the URL, into the session
    assert page.status_code == 200 and b"new_password1" in page.content
    done = client.post(page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == "/accounts/password/reset/done/"


def signs_in(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password}).status_code == 302


def test_a_reset_mail_sets_a_new_password_once(client, make_user):
    make_user("alice", email="alice@example.org")
    answer = client.post("/accounts/password/reset/", {"email": "ALICE@example.org"})
    assert answer.status_code == 302 and answer["Location"] == "/accounts/password/reset/sent/"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["alice@example.org"]
    path = link_in(mail.outbox[0])
    set_password_through(client, path)
    assert signs_in(client, "alice", NEW_PASSWORD)
    client.logout()
    again = client.get(path, follow=True)
    assert b"has been used or has expired" in again.content and b"new_password1" not in again.content


def test_asking_for_an_unknown_address_looks_the_same_and_sends_nothing(client, make_user):
    make_user("alice", email="alice@example.org")
    known = client.post("/accounts/password/reset/", {"email": "alice@example.org"})
    unknown = client.post("/accounts/password/reset/", {"email": "nobody@example.org"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert len(mail.outbox) == 1


def test_reset_mails_to_one_address_and_asks_from_one_client_are_throttled(client, make_user):
    make_user("alice", email="alice@example.org")
    answers = [client.post("/accounts/password/reset/", {"email": "alice@example.org"}).status_code for _ in range(10)]
    assert answers == [302] * 10  # the same answer throughout: the limit says nothing either
    assert len(mail.outbox) == MAILS_PER_ADDRESS
    assert client.post("/accounts/password/reset/", {"email": "other@example.org"}).status_code == 429


def test_without_email_the_page_says_to_ask_staff(client, settings):
    settings.EMAIL_ENABLED = False
    page = client.get("/accounts/password/reset/")
    assert b"Ask a staff member" in page.content and b'name="email"' not in page.content


def test_the_staff_link_from_the_command_works_once_and_expires(client, make_user, settings):
    make_user("alice")
    out = StringIO()
    call_command("reset_link", "ALICE", "--base-url", "http://chat.example", stdout=out, stderr=StringIO())
    link = out.getvalue().strip()
    assert link.startswith("http://chat.example/accounts/password/reset/")
    path = link.removeprefix("http://chat.example")
    set_password_through(client, path)
    assert b"has been used" in client.get(path, follow=True).content
    with pytest.raises(CommandError):
        call_command("reset_link", "nobody", stdout=StringIO())

    out = StringIO()
    call_command("reset_link", "alice", stdout=out, stderr=StringIO())
    settings.PASSWORD_RESET_TIMEOUT = 60
    expired = out.getvalue().strip().removeprefix("http://localhost:8000")
    from django.contrib.auth.tokens import default_token_generator

    later = default_token_generator._now() + timedelta(seconds=61)
    default_token_generator._now = lambda: later
    try:
        assert b"has been used or has expired" in client.get(expired, follow=True).content
    finally:
        del default_token_generator._now


def test_staff_make_a_reset_link_deactivate_and_reactivate_in_the_admin(client, make_user):
    staff = get_user_model().objects.create_superuser("root", password=PASSWORD)
    alice = make_user("alice")
    client.force_login(staff)
    changelist = "/admin/auth/user/"
    answer = client.post(changelist, {"action": "make_reset_link", "_selected_action": [alice.pk]}, follow=True)
    assert re.search(rb"http://testserver/accounts/password/reset/\S+/", answer.content)
    client.post(changelist, {"action": "deactivate", "_selected_action": [alice.pk]})
    alice.refresh_from_db()
    assert not alice.is_active
    client.post(changelist, {"action": "reactivate", "_selected_action": [alice.pk]})
    alice.refresh_from_db()
    assert alice.is_active
    assert client.get("/admin/chat/message/?q=alice").status_code == 200
