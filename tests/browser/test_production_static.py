"""The page as production serves it: DEBUG off, hashed static file names, WhiteNoise."""

import os
import re
import subprocess
import sys

import pytest
from django.conf import settings

from tests.browser.room_page import RoomPage
from tests.conftest import ROOT, session_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HASHED_SCRIPT = re.compile(r"/static/chat/\w+\.[0-9a-f]{12}\.js$")


def test_the_page_works_from_hashed_static_files_and_its_modules_import_hashed_names(
    make_user, start_server, browser_session
):
    production = {"DEBUG": "false", "SECRET_KEY": settings.SECRET_KEY, "ALLOWED_HOSTS": "127.0.0.1"}
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT, env={**os.environ, **production}, check=True,
    )
    server = start_server(**production)
    context = browser_session.new_context(server)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session_for(make_user("alice")), "url": server.url}])
    page = context.new_page()
    scripts = []
    page.on("request", lambda request: request.resource_type == "script" and scripts.append(request.url))
    page.goto("/")
    room = RoomPage(page)
    room.is_connected()
    room.say("served from hashed files")
    # room.js and every part it imports: a deploy can never mix new and old cached parts.
    assert len(scripts) == len(list((ROOT / "chat" / "static" / "chat").glob("*.js")))
    assert [url for url in scripts if not HASHED_SCRIPT.search(url)] == []
