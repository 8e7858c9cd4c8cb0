// The message box: Enter sends, Shift+Enter adds a line, Enter that confirms an IME conversion never
// sends. Blank text (only characters that show nothing, as the server defines them) is not sent and
// the Send button says so; text over the limit is kept and flagged, never cut. What is written is
// kept as a draft until it is sent. Up in an empty box edits one's last message; Esc drops a reply.

const TYPING_NOTICE_EVERY_MS = 2000; // the server passes on at most one per 2 s anyway
const COUNTER_SHOWN_FROM = 0.9; // show "N characters left" past this share of the limit
const MAX_ROWS = 8; // the box grows with its text up to this many lines, then scrolls

export class Composer {
  // blankCharacters: the server's class of characters that show nothing (chat/blank_text.py);
  // draft: load() and save(text); onSend(text); onTyping(); onEditLast() and onEscape() -> true when
  // they did something (the key is then theirs).
  constructor(form, { maxLength, blankCharacters, draft, texts, onSend, onTyping, onEditLast, onEscape }) {
    this.form = form;
    this.input = form.querySelector("textarea");
    this.button = form.querySelector("button[type=submit]");
    this.counter = form.querySelector(".composer-counter");
    this.blank = new RegExp(`^[${blankCharacters}]*$`, "u");
    Object.assign(this, { maxLength, draft, texts, onSend, onTyping, onEditLast, onEscape });
    this.lastTypingNotice = 0;

    this.input.addEventListener("keydown", (event) => this.keydown(event));
    this.input.addEventListener("input", () => this.typed());
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.send();
      this.input.focus();
    });
    this.setText(draft.load());
  }

  isBlank(text) {
    return this.blank.test(text);
  }

  setMaxLength(maxLength) {
    this.maxLength = maxLength;
    this.showCount();
  }

  keydown(event) {
    const plain = !event.shiftKey && !event.altKey && !event.ctrlKey && !event.metaKey;
    if (event.key === "ArrowUp" && plain && this.input.value === "" && this.onEditLast?.()) event.preventDefault();
    if (event.key === "Escape" && this.onEscape?.()) event.preventDefault();
    if (event.key !== "Enter" || event.shiftKey || event.altKey) return;
    // Japanese (and other) input methods confirm a conversion with Enter: that Enter is theirs.
    if (event.isComposing || event.keyCode === 229) return;
    event.preventDefault();
    this.send();
  }

  typed() {
    this.changed();
    if (!this.isBlank(this.input.value) && Date.now() - this.lastTypingNotice >= TYPING_NOTICE_EVERY_MS) {
      this.lastTypingNotice = Date.now();
      this.onTyping();
    }
  }

  changed() {
    this.fitHeight();
    this.showCount();
    this.button.setAttribute("aria-disabled", String(this.isBlank(this.input.value)));
    this.draft.save(this.input.value);
  }

  send() {
    const text = this.input.value;
    if (this.isBlank(text)) return;
    if (lengthOf(text) > this.maxLength) {
      this.showCount();
      this.input.setAttribute("aria-invalid", "true");
      return;
    }
    this.onSend(text);
    this.setText("");
    this.lastTypingNotice = 0;
  }

  // Puts text back (a failed message the user wants to edit), after whatever is already there.
  takeBack(text) {
    const current = this.input.value;
    this.setText(this.isBlank(current) ? text : `${current}\n${text}`);
    this.input.focus();
  }

  focus() {
    this.input.focus();
  }

  setText(text) {
    this.input.value = text;
    this.changed();
  }

  showCount() {
    const length = lengthOf(this.input.value);
    const over = length > this.maxLength;
    this.counter.hidden = length < this.maxLength * COUNTER_SHOWN_FROM;
    this.counter.classList.toggle("over", over);
    this.counter.textContent = over
      ? this.texts.get("tooLong", { count: length - this.maxLength })
      : this.texts.get("charactersLeft", { count: this.maxLength - length });
    if (!over) this.input.removeAttribute("aria-invalid");
    this.form.classList.toggle("over-limit", over);
  }

  fitHeight() {
    const style = getComputedStyle(this.input);
    const line = parseFloat(style.lineHeight) || 24;
    const padding = parseFloat(style.paddingTop) + parseFloat(style.paddingBottom);
    this.input.style.height = "auto";
    this.input.style.height = `${Math.min(this.input.scrollHeight, line * MAX_ROWS + padding)}px`;
  }
}

// Characters as the server counts them (code points), not UTF-16 units.
function lengthOf(text) {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}
