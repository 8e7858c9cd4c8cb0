// Editing one's own message in place: Enter saves, Shift+Enter adds a line, Esc cancels. The edit
// carries the rev the editor started from: if the message changed meanwhile the server refuses it
// (`conflict`) and the editor says so, keeping what was written, so nothing is overwritten unseen.

import { ActionRefused } from "./message_actions.js";
import { element } from "./message_view.js";

const REFUSALS = {
  conflict: "editConflict",
  edit_window_closed: "editWindowClosed",
  forbidden: "editForbidden",
  not_found: "editGone",
  too_long: "reasonTooLong",
  empty_message: "editEmpty",
  offline: "actionOffline",
};

export class MessageEditor {
  // list: MessageList; actions: MessageActions; onClose() gives the focus back (to the composer).
  constructor({ list, actions, texts, isBlank, onClose }) {
    Object.assign(this, { list, actions, texts, isBlank, onClose });
    this.open = null; // {id, rev, form, input, error}
  }

  get editing() {
    return this.open?.id ?? null;
  }

  start(msg) {
    if (!msg || msg.deleted) return;
    if (this.open) this.cancel();
    const item = this.list.itemOf(msg.id);
    const form = element("form", "message-editor");
    const input = element("textarea", "message-editor-input");
    input.value = msg.message;
    input.rows = 1;
    input.setAttribute("aria-label", this.texts.get("editMessage"));
    const hint = element("p", "message-editor-hint", this.texts.get("editHint"));
    const error = element("p", "message-editor-error");
    error.setAttribute("role", "alert");
    form.append(input, hint, error);
    item.classList.add("editing");
    item.querySelector(".body").after(form);
    this.open = { id: msg.id, rev: msg.rev ?? 0, form, input, error, item, saving: false };
    input.addEventListener("keydown", (event) => this.keydown(event));
    input.addEventListener("input", () => fitHeight(input));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.save();
    });
    fitHeight(input);
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
  }

  keydown(event) {
    if (event.key === "Escape") {
      event.preventDefault();
      this.cancel();
    } else if (event.key === "Enter" && !event.shiftKey && !event.altKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      this.save();
    }
  }

  async save() {
    const open = this.open;
    if (!open || open.saving) return;
    const text = open.input.value;
    const msg = this.list.get(open.id);
    if (msg && text === msg.message && open.rev === (msg.rev ?? 0)) {
      this.cancel();
      return;
    }
    if (this.isBlank(text)) {
      this.refuse(open, "empty_message");
      return;
    }
    open.saving = true;
    open.input.readOnly = true;
    try {
      await this.actions.send({ type: "edit", id: open.id, message: text, rev: open.rev });
      if (this.open === open) this.close();
    } catch (error) {
      if (!(error instanceof ActionRefused)) throw error;
      // Refused: what was written stays. After a conflict the text shown is the new one, and saving
      // again is a choice made having seen it.
      if (error.code === "conflict") open.rev = this.list.get(open.id)?.rev ?? open.rev;
      this.refuse(open, error.code);
    } finally {
      open.saving = false;
      open.input.readOnly = false;
    }
  }

  refuse(open, code) {
    open.error.textContent = this.texts.get(REFUSALS[code] ?? "reasonOther");
    open.input.setAttribute("aria-invalid", "true");
    open.input.focus();
  }

  // The message changed while it was being edited (another tab of mine): say so before a save.
  changed(msg) {
    const open = this.open;
    if (!open || open.id !== msg.id) return;
    if (msg.deleted) this.close();
    else if ((msg.rev ?? 0) !== open.rev && !open.saving) open.error.textContent = this.texts.get("editChangedMeanwhile");
  }

  cancel() {
    this.close();
  }

  close() {
    const open = this.open;
    if (!open) return;
    this.open = null;
    open.form.remove();
    open.item.classList.remove("editing");
    this.onClose();
  }
}

function fitHeight(input) {
  input.style.height = "auto";
  input.style.height = `${input.scrollHeight}px`;
}
