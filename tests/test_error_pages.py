"""Django's debug page (DEBUG=true, as `make run` runs) never shows a secret, and only a browser on
this machine gets it: another machine gets the plain page production shows."""

import asyncio
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest
from django.urls import include, path

from tests.conftest import database_url_for_servers
from tests.throwaway_services import free_port

pytestmark = pytest.mark.django_db(transaction=True)

REDIS_PASSWORD = "redis-pass-4f7c1e"
DATABASE_PASSWORD = "db-pass-9b2d05"
ANOTHER_MACHINE = ("192.0.2.10", 51000)


def failing_view(request):
    # A URL with a password in a local variable, as a connection error's frame would hold one.
    redis_url = f"redis://:{REDIS_PASSWORD}@127.0.0.1:6379/0"
    raise RuntimeError("the view failed" if redis_url else "")


urlpatterns = [path("fails/", failing_view), path("", include("config.urls"))]


async def asgi_get(path, client, host="127.0.0.1", accept="text/html"):
    """(status, body) of a GET through the ASGI application, from the client address given."""
    from config.asgi import application

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": [(b"host", host.encode()), (b"accept", accept.encode())],
        "client": client, "server": ("127.0.0.1", 8000),
    }
    request_sent = asyncio.Event()
    sent = []

    async def receive():
        if not request_sent.is_set():
            request_sent.set()
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # the client never hangs up

    async def send(message):
        sent.append(message)

    await application(scope, receive, send)
    return sent[0]["status"], b"".join(message.get("body", b"") for message in sent[1:]).decode()


def get(url, host, accept="text/html"):
    try:
        with urlopen(Request(url, headers={"Host": host, "Accept": accept}), timeout=10) as response:
            return response.status, response.read().decode()
    except HTTPError as answer:
        return answer.code, answer.read().decode()


def test_the_debug_page_of_a_real_server_shows_no_password(start_server):
    database_url = database_url_for_servers()
    if database_url.startswith("postgres://postgres@"):  # trust: a password is accepted and not checked
        database_url = database_url.replace("postgres://postgres@", f"postgres://postgres:{DATABASE_PASSWORD}@")
    # Nothing listens on this Redis port: the server logs that and serves pages anyway.
    server = start_server(
        REDIS_URL=f"redis://:{REDIS_PASSWORD}@127.0.0.1:{free_port()}/0", DATABASE_URL=database_url, DEBUG="true"
    )
    for accept in ("text/html", "text/plain"):
        status, page = get(server.url + "/accounts/login/", host="chat.example.org", accept=accept)
        assert status == 400
        assert "DisallowedHost" in page and "REDIS_URL" in page  # the debug page, with its settings
        assert REDIS_PASSWORD not in page
        assert DATABASE_PASSWORD not in page


@pytest.fixture
def debug_on(settings):
    settings.DEBUG = True  # pytest-django turns it off for tests; `make run` turns it on
    settings.ROOT_URLCONF = __name__
    settings.EMAIL_URL = "smtp://mailer:mail-pass-77ae@mail.example.org:587"


@pytest.mark.parametrize("client_address", [("127.0.0.1", 51000), ("::1", 51000)])
async def test_this_machine_gets_the_debug_page_without_secrets(debug_on, client_address):
    status, page = await asgi_get("/fails/", client_address)
    assert status == 500
    assert "RuntimeError" in page and "the view failed" in page  # the debug page
    assert REDIS_PASSWORD not in page  # not even in the failing frame's variables
    assert "mail-pass-77ae" not in page


async def test_another_machine_gets_the_plain_error_pages_even_with_debug_on(debug_on):
    status, page = await asgi_get("/fails/", ANOTHER_MACHINE)
    assert status == 500
    assert "Something went wrong" in page  # templates/500.html
    assert "RuntimeError" not in page and "Traceback" not in page

    status, page = await asgi_get("/accounts/login/", ANOTHER_MACHINE, host="chat.example.org")
    assert status == 400
    assert "Bad Request (400)" in page  # Django's own 400 page, as in production
    assert "DisallowedHost" not in page

    status, page = await asgi_get("/fails/", ANOTHER_MACHINE, accept="text/plain")
    assert status == 500 and "RuntimeError" not in page and "Traceback" not in page
