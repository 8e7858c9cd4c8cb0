"""A display name changed through one server process reaches the pages open on another at once,
and both serve the people list. Real uvicorn processes on one Redis and one PostgreSQL."""

import asyncio
import http.cookiejar
import json
import re
import urllib.parse
import urllib.request

import pytest
from channels.db import database_sync_to_async

from tests.test_scale_out import NO_RATE_LIMIT, ON_SERVICES, WAIT, join, make

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not ON_SERVICES, reason="needs the services stack (PostgreSQL + Redis): tests/run.py"),
]


def change_display_name_through(server, session_key, name):
    """What the profile page's form does in a browser: read the form (its CSRF token), post it."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    url = f"{server.url}/accounts/profile/"
    headers = {"Cookie": f"sessionid={session_key}"}
    with opener.open(urllib.request.Request(url, headers=headers), timeout=WAIT) as page:
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.read()).group(1).decode()
    csrf_cookie = next(cookie.value for cookie in jar if cookie.name == "csrftoken")
    form = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "display_name": name, "email": ""}).encode()
    request = urllib.request.Request(url, data=form, headers={
        "Cookie": f"sessionid={session_key}; csrftoken={csrf_cookie}", "Referer": url, "Origin": server.url})
    with opener.open(request, timeout=WAIT) as answer:
        assert answer.status == 200 and answer.url == url  # saved, and back on the profile page


def people_from(server, session_key):
    request = urllib.request.Request(f"{server.url}/api/people/", headers={"Cookie": f"sessionid={session_key}"})
    with urllib.request.urlopen(request, timeout=WAIT) as answer:
        return json.loads(answer.read())["people"]


async def test_a_display_name_changed_on_one_server_reaches_sockets_on_the_other(make_user, start_server):
    from tests.conftest import session_for

    a, b = start_server(**NO_RATE_LIMIT), start_server(**NO_RATE_LIMIT)
    alice, bob = await make(make_user, "alice", "bob")
    on_a, on_b = await join(a, alice), await join(b, bob)
    alice_key = await database_sync_to_async(session_for)(alice)
    await asyncio.to_thread(change_display_name_through, a, alice_key, "山田 アリス")
    expected = {"type": "person", "user": "alice", "display_name": "山田 アリス"}
    assert await on_b.receive_until(lambda f: f["type"] == "person") == expected
    assert await on_a.receive_until(lambda f: f["type"] == "person") == expected
    # The socket on A opened under the old name; its message carries the new one, on both servers.
    await on_a.post("こんにちは", client_id="c1")
    assert (await on_b.receive_until(lambda f: f["type"] == "chat"))["display_name"] == "山田 アリス"
    bob_key = await database_sync_to_async(session_for)(bob)
    everyone = [("bob", "bob", True), ("alice", "山田 アリス", True)]
    for server in (a, b):
        # The other process's sockets count once its presence report has reached Redis: wait for it.
        for _ in range(50):
            listed = await asyncio.to_thread(people_from, server, bob_key)
            if [(p["user"], p["display_name"], p["online"]) for p in listed] == everyone:
                break
            await asyncio.sleep(0.1)
        assert [(p["user"], p["display_name"], p["online"]) for p in listed] == everyone
    await on_a.ws.close()
    await on_b.ws.close()
