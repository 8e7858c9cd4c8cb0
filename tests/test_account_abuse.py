"""Attacks on accounts over real HTTP: guessing passwords, and planting a session key before sign-in."""

import re
from http.cookiejar import CookieJar
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, HTTPRedirectHandler, build_opener

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

WRONG_PASSWORDS_ALLOWED = 10  # LOGIN_FAILURE_LIMIT's default


class Browser:
    """Cookies, the CSRF token from the form, and redirects reported rather than followed."""

    class _NoRedirect(HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base_url):
        self.base_url = base_url
        self.cookies = CookieJar()
        self.opener = build_opener(HTTPCookieProcessor(self.cookies), self._NoRedirect())

    def request(self, path, form=None):
        data = urlencode(form).encode() if form is not None else None
        try:
            with self.opener.open(self.base_url + path, data=data, timeout=10) as response:
                return response.status, response.read().decode()
        except HTTPError as answer:  # 3xx (not followed), 4xx and 5xx
            return answer.code, answer.read().decode()

    def sign_in(self, username, password):
        status, page = self.request("/accounts/login/")
        assert status == 200, page
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        return self.request("/accounts/login/", {"csrfmiddlewaretoken": token, "username": username, "password": password})

    def cookie(self, name):
        return next((c.value for c in self.cookies if c.name == name), None)


def test_after_ten_wrong_passwords_over_http_even_the_right_one_is_refused(make_user, start_server):
    server = start_server()
    make_user("alice")
    browser = Browser(server.url)
    statuses = [browser.sign_in("alice", "wrong guess")[0] for _ in range(WRONG_PASSWORDS_ALLOWED)]
    assert statuses == [200] * (WRONG_PASSWORDS_ALLOWED - 1) + [429]  # the form with its error; then locked
    status, page = browser.sign_in("alice", PASSWORD)
    assert status == 429 and "Too many wrong passwords" in page
    assert browser.cookie(settings.SESSION_COOKIE_NAME) is None
    assert browser.request("/")[0] == 302  # still not signed in
    # Another name is not locked by alice's attacker.
    make_user("bob")
    assert Browser(server.url).sign_in("bob", PASSWORD)[0] == 302


@pytest.mark.parametrize("planted", ["existing", "invented"])
@pytest.mark.parametrize("way_in", ["sign in", "sign up"])
def test_a_session_key_planted_before_signing_in_is_not_the_one_after(make_user, planted, way_in):
    if planted == "existing":  # an anonymous session the attacker made on this site
        store = SessionStore()
        store["planted"] = True
        store.create()
        key = store.session_key
    else:
        key = "attackerchosenkey0123456789abcdef"
    victim = Client()
    victim.cookies[settings.SESSION_COOKIE_NAME] = key
    if way_in == "sign in":
        make_user("alice")
        response = victim.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    else:
        response = victim.post("/accounts/signup/", {"username": "alice", "password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302
    signed_in_key = response.cookies[settings.SESSION_COOKIE_NAME].value
    assert signed_in_key != key
    assert victim.get("/").status_code == 200
    # The key the attacker knows leads nowhere.
    assert not SessionStore().exists(key)
    attacker = Client()
    attacker.cookies[settings.SESSION_COOKIE_NAME] = key
    assert attacker.get("/").status_code == 302


def test_wrong_old_passwords_on_the_password_change_form_lock_the_name_like_wrong_sign_ins(make_user, start_server):
    server = start_server()
    alice = make_user("alice")
    attacker = Browser(server.url)  # in alice's unattended, signed-in browser
    assert attacker.sign_in("alice", PASSWORD)[0] == 302

    def change_password(old):
        status, page = attacker.request("/accounts/password/")
        if status != 200:
            return status, page
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        new = "the attackers own passphrase 7"
        form = {"csrfmiddlewaretoken": token, "old_password": old, "new_password1": new, "new_password2": new}
        return attacker.request("/accounts/password/", form)

    statuses = [change_password(f"guess {n}")[0] for n in range(WRONG_PASSWORDS_ALLOWED)]
    assert statuses == [200] * (WRONG_PASSWORDS_ALLOWED - 1) + [429]
    status, page = change_password(PASSWORD)
    assert status == 429 and "Too many wrong passwords" in page
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)
    # The same lockout as sign-in: the name is locked there too.
    assert Browser(server.url).sign_in("alice", PASSWORD)[0] == 429
