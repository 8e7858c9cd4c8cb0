"""What the account forms say: each error at its field, help that matches the rule, the lockout's
real length, and a word when the password has changed."""

import re

import pytest
from django.contrib.auth import get_user_model

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "another long passphrase 43"


def field_errors(page, field):
    """The text of the error block under a field, or None."""
    found = re.search(rf'<div class="field-error" id="id_{field}_error">(.*?)</div>', page, re.S)
    return re.sub(r"<[^>]+>", " ", found.group(1)) if found else None


def test_a_weak_password_at_sign_up_is_named_under_the_password_not_its_confirmation(client):
    response = client.post("/accounts/signup/", {"username": "alice", "password1": "12345678", "password2": "12345678"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "too common" in field_errors(page, "password1")
    assert field_errors(page, "password2") is None


def test_two_different_passwords_at_sign_up_are_named_under_the_confirmation(client):
    response = client.post("/accounts/signup/", {"username": "alice", "password1": PASSWORD, "password2": PASSWORD + "!"})
    page = response.content.decode()
    assert "didn’t match" in field_errors(page, "password2")
    assert field_errors(page, "password1") is None


def test_a_weak_new_password_is_named_under_the_new_password(client, make_user):
    client.force_login(make_user("alice"))
    response = client.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"})
    page = response.content.decode()
    assert "too common" in field_errors(page, "new_password1")
    assert field_errors(page, "new_password2") is None


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_user_name_help_allows_what_the_rule_allows(client, language):
    page = client.get("/accounts/signup/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    help_text = re.search(r'id="id_username_helptext">(.*?)</div>', page, re.S).group(1)
    assert "たろう" in help_text  # an example of what is accepted beyond a-z
    assert "半角" not in help_text  # "half-width letters only" was not the rule
    assert client.post("/accounts/signup/", {"username": "たろう", "password1": PASSWORD, "password2": PASSWORD}).status_code == 302


@pytest.mark.parametrize("language, says", [("en", "locked for 15 minutes"), ("ja", "15 分")])
def test_the_lockout_page_says_how_long_the_lock_lasts(client, make_user, language, says):
    make_user("alice")
    for _ in range(10):
        client.post("/accounts/login/", {"username": "alice", "password": "wrong"}, HTTP_ACCEPT_LANGUAGE=language)
    locked = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE=language)
    assert locked.status_code == 429
    assert says in locked.content.decode()


def test_the_lockout_page_follows_login_lockout_minutes(client, make_user, settings):
    settings.LOGIN_LOCKOUT_MINUTES = 5
    settings.AXES_COOLOFF_TIME = 5 / 60
    make_user("alice")
    for _ in range(10):
        client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
    assert "locked for 5 minutes" in client.post("/accounts/login/", {"username": "alice", "password": PASSWORD}).content.decode()


def test_a_changed_password_is_confirmed(client, make_user):
    alice = make_user("alice")
    client.force_login(alice)
    response = client.post(
        "/accounts/password/", {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert "Your password has been changed" in response.content.decode()
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    assert client.get("/").status_code == 200  # still signed in here


def test_a_wrong_old_password_is_refused_with_a_form_error(client, make_user):
    alice = make_user("alice")
    client.force_login(alice)
    response = client.post("/accounts/password/", {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 200 and "incorrectly" in field_errors(response.content.decode(), "old_password")
    assert get_user_model().objects.get(pk=alice.pk).check_password(PASSWORD)
