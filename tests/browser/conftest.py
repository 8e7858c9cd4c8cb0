"""Headless Chromium (Debian's, at /usr/bin/chromium) driven by Playwright, on a real server.

tests/browser/setup.sh installs chromium and a CJK font; tests/run.py runs it first. Without CI a
missing chromium skips these tests with a message; with CI=true it fails them.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import PASSWORD, session_for

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
WAIT_MS = 15_000  # how long an expectation waits for the page to get there (a bound, not a measurement)
SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "docs" / "screenshots"


@pytest.fixture(scope="module")
def chromium():
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing: run tests/browser/setup.sh"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=WAIT_MS)
    # Playwright's sync API keeps its event loop in this thread while the module runs; the tests'
    # own database calls (and the database teardown) are plain synchronous Django, safe here.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_session(chromium):
    """open_page(server, user, phone=False, locale="en-US", dark=False) -> a page signed in as user."""
    contexts = []

    def new_context(server, phone=False, locale="en-US", dark=False, timezone="Asia/Tokyo"):
        context = chromium.new_context(
            base_url=server.url,
            viewport=PHONE if phone else DESKTOP,
            device_scale_factor=2 if phone else 1,
            is_mobile=phone,
            has_touch=phone,
            locale=locale,
            timezone_id=timezone,
            color_scheme="dark" if dark else "light",
        )
        context.set_default_timeout(WAIT_MS)
        contexts.append(context)
        return context

    def open_page(server, user, now=None, **options):
        """now: a fixed time for the page's clock (for screenshots that look the same every run)."""
        context = new_context(server, **options)
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session_for(user), "url": server.url}])
        page = context.new_page()
        if now is not None:
            page.clock.set_fixed_time(now)
        page.goto("/")
        page.locator("#connection[data-state=connected]").wait_for()
        return page

    open_page.new_context = new_context
    yield open_page
    for context in contexts:
        context.close()


__all__ = ["PASSWORD", "SCREENSHOTS", "PHONE", "DESKTOP"]
