"""Every page in Japanese and in English: chosen from the browser's language, switchable by hand."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.room_page import RoomPage
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_room_speaks_japanese_to_a_japanese_browser(make_user, start_server, browser_session):
    room = RoomPage(browser_session(start_server(), make_user("haruka"), locale="ja-JP"))
    page = room.page
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(room.connection).to_have_text("接続済み")
    expect(room.input).to_have_attribute("placeholder", "メッセージを入力")
    expect(page.get_by_role("button", name="送信")).to_be_visible()
    expect(page.locator("#people-heading")).to_have_text("オンライン")
    room.say("こんにちは")
    expect(page.locator(".day-label")).to_have_text("今日")
    expect(page.locator("#messages time.time")).to_have_text(re.compile(r"^\d{1,2}:\d{2}$"))


def test_the_room_speaks_english_to_an_english_browser(make_user, start_server, browser_session):
    room = RoomPage(browser_session(start_server(), make_user("alice"), locale="en-US"))
    page = room.page
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(room.connection).to_have_text("Connected")
    expect(room.input).to_have_attribute("placeholder", "Message the room")
    expect(page.get_by_role("button", name="Send")).to_be_visible()
    room.say("hello")
    expect(page.locator(".day-label")).to_have_text("Today")
    expect(page.locator("#messages time.time")).to_have_text(re.compile(r"^\d{1,2}:\d{2}\s?[AP]M$"))


def test_the_language_switch_turns_sign_in_and_the_room_to_the_other_language(make_user, start_server, browser_session):
    make_user("kenta")
    server = start_server()
    page = browser_session.new_context(server, locale="en-US").new_page()
    page.goto("/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()

    page.get_by_role("button", name="日本語").click()
    expect(page.get_by_role("heading", name="ログイン")).to_be_visible()
    page.get_by_label("ユーザー名").fill("kenta")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    room = RoomPage(page)
    expect(room.connection).to_have_text("接続済み")

    page.locator(".menu summary").click()
    page.get_by_role("button", name="English").click()
    expect(room.connection).to_have_text("Connected")
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_sign_up_errors_are_shown_next_to_their_field_in_japanese(start_server, browser_session):
    page = browser_session.new_context(start_server(), locale="ja-JP").new_page()
    page.goto("/accounts/signup/")
    page.get_by_label("ユーザー名").fill("haruka")
    page.locator("#id_password1").fill("12345678")
    page.locator("#id_password2").fill("12345678")
    page.get_by_role("button", name="アカウントを作成").click()

    password = page.locator("#id_password1")
    expect(password).to_have_attribute("aria-invalid", "true")
    error = page.locator("#id_password1_error")
    expect(error).to_contain_text("数字しか使われていません")
    assert "id_password1_error" in password.get_attribute("aria-describedby")
    # The error sits right under the field at fault, not under the confirmation.
    assert page.locator(".field", has=password).locator(".field-error").count() == 1
    assert page.locator(".field", has=page.locator("#id_password2")).locator(".field-error").count() == 0
