"""What the browser tests read and do on the room page, named as a person would say it."""

from playwright.sync_api import expect


class RoomPage:
    def __init__(self, page):
        self.page = page
        self.input = page.get_by_role("textbox")
        self.messages = page.locator("#messages > .message")
        self.bodies = page.locator("#messages > .message .body")
        self.outbox = page.locator("#outbox > .message")
        self.connection = page.locator("#connection")

    def write(self, text):
        """Types text and presses Enter, as a person does."""
        self.input.fill(text)
        self.input.press("Enter")

    def say(self, text):
        """Writes text and waits until the server has acknowledged it (it left the outbox)."""
        self.write(text)
        self.shows(text)
        expect(self.outbox).to_have_count(0)

    def shows(self, text):
        expect(self.message_with(text)).to_have_count(1)

    def message_with(self, text):
        return self.messages.filter(has=self.page.locator(".body", has_text=text))

    def body_texts(self):
        return self.bodies.all_inner_texts()

    def is_connected(self):
        expect(self.connection).to_have_attribute("data-state", "connected")
