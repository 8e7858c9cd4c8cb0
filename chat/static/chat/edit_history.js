// A message's earlier texts, oldest first, each with when it was written (GET /api/messages/ID/).

import { element } from "./message_view.js";

export class EditHistory {
  constructor(dialog, { url, texts, clock }) {
    Object.assign(this, { dialog, url, texts, clock });
    this.list = dialog.querySelector(".edit-history-list");
    this.status = dialog.querySelector(".edit-history-status");
    this.returnFocus = null;
    dialog.querySelector(".edit-history-close").addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => this.returnFocus?.isConnected && this.returnFocus.focus());
  }

  async show(msg, returnFocus) {
    this.returnFocus = returnFocus;
    this.list.replaceChildren();
    this.status.textContent = this.texts.get("historyLoading");
    this.dialog.showModal();
    try {
      const response = await fetch(`${this.url}${msg.id}/`, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) throw new Error(`message answered ${response.status}`);
      const current = await response.json();
      const versions = [...current.versions, { message: current.message, at: current.edited_at ?? current.ts, now: true }];
      this.list.replaceChildren(...versions.map((version) => this.version(version)));
      this.status.textContent = current.deleted ? this.texts.get("deletedMessage") : "";
    } catch (error) {
      console.warn(error);
      this.status.textContent = this.texts.get("historyFailed");
    }
  }

  version({ message, at, now }) {
    const item = element("li", now ? "edit-version current" : "edit-version");
    const date = new Date(at);
    const time = element("time", "edit-version-time", now ? this.texts.get("historyNow", { time: this.clock.fullOf(date) }) : this.clock.fullOf(date));
    time.dateTime = date.toISOString();
    item.append(time, element("p", "edit-version-text", message));
    return item;
  }
}
