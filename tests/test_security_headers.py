"""Every page goes out with a Content-Security-Policy that allows no inline script, and with the
other protective headers; the pages hold no inline script to need one; cookies are HttpOnly,
SameSite and (behind HTTPS) Secure."""

from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model

from tests.conftest import PASSWORD
from tests.test_settings import PRODUCTION, manage

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.stack_independent]

ANONYMOUS_PAGES = ["/accounts/login/", "/accounts/signup/", "/admin/login/"]
SIGNED_IN_PAGES = ["/", "/accounts/password/", "/admin/", "/admin/chat/message/", "/api/messages/", "/healthz"]


def directives(response):
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def assert_protected(response, url, socket_origin="ws://testserver"):
    policy = directives(response)
    assert policy["default-src"] == ["'self'"], url
    assert policy["script-src"] == ["'self'"], url  # no 'unsafe-inline', no 'unsafe-eval', no nonce
    assert policy["style-src"] == ["'self'"], url
    assert policy["connect-src"] == ["'self'", socket_origin], url
    assert (policy["object-src"], policy["base-uri"], policy["frame-ancestors"]) == (["'none'"],) * 3, url
    assert "unsafe" not in response["Content-Security-Policy"], url
    assert response["X-Frame-Options"] == "DENY", url
    assert response["X-Content-Type-Options"] == "nosniff", url
    assert response["Referrer-Policy"] == "same-origin", url


def every_page(client, make_user):
    """(url, response) for each page a visitor can reach, error and lockout pages included."""
    for url in ANONYMOUS_PAGES:
        yield url, client.get(url)
    yield "signup with errors", client.post("/accounts/signup/", {"username": "x", "password1": "1", "password2": "2"})
    make_user("locked")
    for _ in range(10):
        client.post("/accounts/login/", {"username": "locked", "password": "wrong"})
    yield "lockout", client.post("/accounts/login/", {"username": "locked", "password": PASSWORD})
    client.force_login(get_user_model().objects.create_superuser("root", password=PASSWORD))
    for url in SIGNED_IN_PAGES:
        yield url, client.get(url)


def test_every_page_has_a_policy_without_inline_script_and_the_protective_headers(client, make_user):
    statuses = {}
    for url, response in every_page(client, make_user):
        statuses[url] = response.status_code
        assert_protected(response, url)
    assert statuses["lockout"] == 429 and statuses["/"] == 200 and statuses["signup with errors"] == 400


def test_behind_https_the_policy_names_the_secure_socket_origin(client, make_user):
    client.force_login(make_user("alice"))
    assert_protected(client.get("/", secure=True), "/", socket_origin="wss://testserver")


def test_static_files_are_sent_with_nosniff(client):
    response = client.get("/static/chat/room.js")
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"].startswith("text/javascript")


class InlineCode(HTMLParser):
    """Collects what a strict policy would block: inline scripts, handlers, styles, javascript: URLs."""

    def __init__(self):
        super().__init__()
        self.found, self.sources = [], []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self._in_script = "src" not in attrs
            self.sources.append(attrs.get("src"))
        if tag == "style":
            self.found.append("<style> element")
        if tag == "link" and attrs.get("rel") == "stylesheet":
            self.sources.append(attrs.get("href"))
        for name, value in attrs.items():
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            if name == "style":
                self.found.append(f"<{tag} style=...>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}=javascript:...>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.found.append(f"inline <script>: {data.strip()[:60]}")


def test_no_page_holds_inline_script_or_style_and_scripts_come_from_this_site(client, make_user):
    pages = 0
    for url, response in every_page(client, make_user):
        if not response["Content-Type"].startswith("text/html") or response.status_code == 302:
            continue
        parser = InlineCode()
        parser.feed(response.content.decode())
        assert parser.found == [], url
        # From this site: our pages from /static/, the admin also from its /admin/jsi18n/ view.
        allowed = ("/static/", "/admin/jsi18n/") if url.startswith("/admin") else ("/static/",)
        assert all(source and source.startswith(allowed) for source in parser.sources), (url, parser.sources)
        pages += 1
    assert pages >= 8


def test_the_session_cookie_is_httponly_and_samesite_lax(client, make_user):
    make_user("alice")
    csrf = client.get("/accounts/login/").cookies["csrftoken"]
    login = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    session = login.cookies["sessionid"]
    assert session["httponly"] is True and session["samesite"] == "Lax"
    assert csrf["httponly"] is True and csrf["samesite"] == "Lax"
    assert not session["secure"] and not csrf["secure"]  # plain HTTP in development: Secure would drop them


def test_behind_https_the_cookies_are_secure():
    # Settings are read from the environment once, at start: ask a process started with HTTPS=true.
    # (the page is rendered with plain static storage: this process has no collectstatic manifest)
    show = (
        "from django.conf import settings as s; from django.test import Client, override_settings;"
        "plain = {**s.STORAGES, 'staticfiles': {'BACKEND': 'django.contrib.staticfiles.storage.StaticFilesStorage'}};"
        "r = override_settings(STORAGES=plain)(lambda: Client().get("
        "'/accounts/login/', secure=True, HTTP_HOST='chat.example.org'))();"
        "print(r.status_code, s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE);"
        "print(r.cookies['csrftoken'].output())"
    )
    result = manage("shell", "-c", show, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    status_and_flags, csrf_cookie = result.stdout.strip().splitlines()[-2:]
    assert status_and_flags == "200 True True Lax"
    assert "Secure" in csrf_cookie and "HttpOnly" in csrf_cookie and "SameSite=Lax" in csrf_cookie
