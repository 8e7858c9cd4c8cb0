"""What the account pages show in the browser: the error under the field at fault, help that says
what a name may be, how long a lockout lasts, and that a password change worked."""

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "another long passphrase 43"


def test_sign_up_shows_a_common_password_under_the_password_and_japanese_names_in_its_help(start_server, browser_session):
    page = browser_session.new_context(start_server(), locale="ja-JP").new_page()
    page.goto("/accounts/signup/")
    help_text = page.locator("#id_username_helptext")
    expect(help_text).to_contain_text("たろう")
    expect(help_text).not_to_contain_text("半角")
    page.get_by_label("ユーザー名").fill("たろう")
    page.locator("#id_password1").fill("password123")
    page.locator("#id_password2").fill("password123")
    page.get_by_role("button", name="アカウントを作成").click()
    expect(page.locator("#id_password1_error")).to_be_visible()
    password_field = page.locator(".field", has=page.locator("#id_password1"))
    expect(password_field.locator(".field-error")).to_contain_text("一般的すぎます")
    expect(page.locator(".field", has=page.locator("#id_password2")).locator(".field-error")).to_have_count(0)
    # The name was fine: a good password now signs たろう up.
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name="アカウントを作成").click()
    expect(page.locator("#connection[data-state=connected]")).to_be_visible()


def test_the_lockout_page_says_for_how_many_minutes(make_user, start_server, browser_session):
    make_user("kenta")
    page = browser_session.new_context(start_server(), locale="en-US").new_page()
    page.goto("/accounts/login/")
    for _ in range(10):
        page.get_by_label("Username").fill("kenta")
        page.get_by_label("Password").fill("wrong")
        page.get_by_role("button", name="Sign in").click()
        if page.get_by_role("heading", name="Too many attempts").is_visible():
            break
    expect(page.get_by_role("alert")).to_contain_text("locked for 15 minutes")


def test_a_password_change_is_confirmed_on_the_page(make_user, start_server, browser_session):
    alice = make_user("alice")
    server = start_server()
    page = browser_session(server, alice)
    page.goto("/accounts/password/")
    page.locator("#id_old_password").fill(PASSWORD)
    page.locator("#id_new_password1").fill(NEW_PASSWORD)
    page.locator("#id_new_password2").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("heading", name="Password changed")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Your password has been changed")
    page.get_by_role("link", name="Back to the room").click()
    expect(page.locator("#connection[data-state=connected]")).to_be_visible()
