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

    def write_quickly(self, texts):
        """Writes each text and presses Enter, all within a few milliseconds: faster than anyone types."""
        self.input.evaluate(
            """(input, texts) => texts.forEach((text) => {
                input.value = text;
                input.dispatchEvent(new Event("input", { bubbles: true }));
                input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true, cancelable: true }));
            })""",
            texts,
        )

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

    def watch_for_failures(self):
        """From now on, notes every message of the outbox that is shown as failed, even for a moment."""
        self.page.evaluate("""() => {
            window.failuresSeen = [];
            const note = (item) => item.dataset.state === "failed" && window.failuresSeen.push(item.textContent);
            new MutationObserver((changes) => changes.forEach((change) => {
                if (change.type === "attributes") note(change.target);
                change.addedNodes.forEach((node) => node.dataset && note(node));
            })).observe(document.getElementById("outbox"), { subtree: true, childList: true, attributes: true, attributeFilter: ["data-state"] });
        }""")

    def failures_seen(self):
        return self.page.evaluate("window.failuresSeen")

    # --- changing messages -------------------------------------------------------------------------

    def menu_of(self, text):
        """Opens the menu of the message with text by its ⋯ button; returns the menu."""
        message = self.message_with(text)
        message.hover()
        message.locator(".message-menu-button").click()
        menu = self.page.get_by_role("menu")
        expect(menu).to_be_visible()
        return menu

    def choose(self, text, action):
        """Opens the menu of the message with text and picks action (its label)."""
        self.menu_of(text).get_by_role("menuitem", name=action, exact=True).click()

    def reactions_of(self, text):
        """{emoji: (count, pressed)} under the message with text."""
        return self.message_with(text).locator(".reaction").evaluate_all(
            "(buttons) => Object.fromEntries(buttons.map((b) => [b.dataset.emoji, "
            "[Number(b.querySelector('.reaction-count').textContent), b.getAttribute('aria-pressed') === 'true']]))"
        )

    def state(self):
        """What the page shows of every message: text (or the deleted note), edited, quote, reactions."""
        return self.page.locator("#messages > .message").evaluate_all("""(items) => items.map((item) => ({
            id: Number(item.dataset.id),
            text: item.querySelector('.body').textContent,
            deleted: item.classList.contains('deleted'),
            edited: Boolean(item.querySelector('.edited')),
            quote: item.querySelector('.reply-quote')?.textContent ?? null,
            reactions: [...item.querySelectorAll('.reaction')].map((b) => [b.dataset.emoji, b.title]),
        }))""")
