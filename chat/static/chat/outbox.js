// What the user wrote that the server has not acknowledged yet. Each message keeps its client_id, so
// sending it again (after a reconnect, or a reload: the outbox is kept in localStorage) stores it once.
// It stays on screen until its echo arrives, or is marked failed with the reason, a retry and an edit.

import { element, messageItem } from "./message_view.js";

const NOT_WORTH_RETRYING = new Set(["too_long", "empty_message"]); // the text has to change first

export class Outbox {
  // send(frame) -> true when it went out on an open connection; edit(text) puts text back in the composer.
  constructor(listElement, { me, texts, clock, send, edit }) {
    Object.assign(this, { element: listElement, me, texts, clock, send, edit });
    this.storageKey = `kc3chat.outbox.${me}`;
    this.entries = new Map(); // client_id -> {clientId, text, state, reason, item}; in the order written
    for (const saved of this.load()) this.show({ ...saved, state: saved.state === "failed" ? "failed" : "queued" });
  }

  write(text) {
    const entry = this.show({ clientId: newClientId(), text, state: "queued", reason: null });
    this.save();
    this.trySending(entry);
  }

  // On every hello: everything still waiting goes out again, in the order it was written.
  flush() {
    for (const entry of this.entries.values()) if (entry.state !== "failed") this.trySending(entry);
  }

  // The connection is gone: what was in flight waits for the next one.
  connectionLost() {
    for (const entry of this.entries.values()) if (entry.state === "sending") this.setState(entry, "queued");
  }

  // The echo of our message: it is stored, the message list shows it now.
  acknowledge(clientId) {
    const entry = this.entries.get(clientId);
    if (!entry) return false;
    entry.item.remove();
    this.entries.delete(clientId);
    this.save();
    return true;
  }

  refuse(clientId, code) {
    const entry = this.entries.get(clientId);
    if (!entry) return false;
    const reasonWord = `reason${code.replace(/(^|_)(\w)/g, (_, __, letter) => letter.toUpperCase())}`;
    entry.code = code;
    entry.reason = this.texts.words[reasonWord] ? this.texts.get(reasonWord) : this.texts.get("reasonOther");
    this.setState(entry, "failed");
    this.save();
    return true;
  }

  trySending(entry) {
    const sent = this.send({ type: "chat", message: entry.text, client_id: entry.clientId });
    this.setState(entry, sent ? "sending" : "queued");
  }

  show(entry) {
    entry.item = messageItem({ user: this.me, text: entry.text, date: null, mine: true, clock: this.clock, texts: this.texts });
    entry.item.classList.add("pending");
    entry.status = element("p", "delivery");
    entry.item.querySelector(".message-main").append(entry.status);
    this.element.append(entry.item);
    this.entries.set(entry.clientId, entry);
    this.setState(entry, entry.state);
    return entry;
  }

  setState(entry, state) {
    entry.state = state;
    entry.item.dataset.state = state;
    entry.item.classList.toggle("failed", state === "failed");
    if (state === "failed") {
      entry.status.replaceChildren(element("span", "delivery-reason", this.texts.get("failed", { reason: entry.reason })));
      if (!NOT_WORTH_RETRYING.has(entry.code)) entry.status.append(this.button("retry", () => this.retry(entry)));
      entry.status.append(this.button("edit", () => this.takeBack(entry)));
    } else {
      entry.status.replaceChildren(element("span", "delivery-state", this.texts.get(state === "sending" ? "sending" : "queued")));
    }
  }

  button(word, onClick) {
    const button = element("button", `delivery-${word}`, this.texts.get(word));
    button.type = "button";
    button.addEventListener("click", onClick);
    return button;
  }

  retry(entry) {
    entry.reason = null;
    this.trySending(entry);
    this.save();
  }

  takeBack(entry) {
    this.edit(entry.text);
    entry.item.remove();
    this.entries.delete(entry.clientId);
    this.save();
  }

  load() {
    try {
      return JSON.parse(localStorage.getItem(this.storageKey) || "[]");
    } catch {
      return [];
    }
  }

  save() {
    const kept = [...this.entries.values()].map(({ clientId, text, state, reason, code }) => ({ clientId, text, state, reason, code }));
    try {
      if (kept.length) localStorage.setItem(this.storageKey, JSON.stringify(kept));
      else localStorage.removeItem(this.storageKey);
    } catch {
      // Storage full or disabled: the outbox still works for this page's lifetime.
    }
  }
}

function newClientId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, "0")).join("");
}
