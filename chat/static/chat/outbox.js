// What the user wrote that the server has not acknowledged yet. Each message keeps its client_id, so
// sending it again (after a reconnect, or a reload: the outbox is kept in localStorage) stores it once.
// Messages go out one at a time, in the order written: the next only once the server has stored the
// one before, so a refusal can never let a later message overtake it. A refusal that waiting cures
// (the rate, a database that could not store it) holds the line and the same message is sent again
// by itself; it stays "Sending…", never failed. Refused for good, it is marked failed with the
// reason, a retry and an edit, and the messages behind it go on.

import { element, messageItem } from "./message_view.js";

const NOT_WORTH_RETRYING = new Set(["too_long", "empty_message"]); // the text has to change first
const RETRIED_BY_ITSELF = new Set(["rate_limited", "unavailable"]);
const RATE_WAIT_MS = 1000; // when a rate_limited refusal does not say how long (retry_after)
const UNAVAILABLE_FIRST_WAIT_MS = 1000; // the database could not store it: wait, doubling up to...
const UNAVAILABLE_MAX_WAIT_MS = 30000;

export class Outbox {
  // send(frame) -> true when it went out on an open connection; edit(text) puts text back in the composer.
  constructor(listElement, { me, texts, clock, send, edit }) {
    Object.assign(this, { element: listElement, me, texts, clock, send, edit });
    this.storageKey = `kc3chat.outbox.${me}`;
    this.entries = new Map(); // client_id -> {clientId, text, state, reason, item}; in the order written
    this.connected = false; // greeted by the server: messages can go out
    this.onTheWire = null; // the entry sent and not yet answered
    this.holdTimer = null; // while the first in line waits out a refusal that waiting cures
    this.unavailableInARow = 0;
    for (const saved of this.load()) this.show({ ...saved, state: saved.state === "failed" ? "failed" : "queued" });
  }

  // replyTo: the id of the message this one answers, or null.
  write(text, replyTo = null) {
    this.show({ clientId: newClientId(), text, replyTo, state: this.waitingState(), reason: null });
    this.save();
    this.sendNext();
  }

  // On every hello: what is still waiting goes out again, from the first written.
  flush() {
    this.connected = true;
    this.resetLine();
    this.sendNext();
  }

  // The connection is gone: what was in flight waits for the next one.
  connectionLost() {
    this.connected = false;
    this.resetLine();
  }

  resetLine() {
    clearTimeout(this.holdTimer);
    this.holdTimer = null;
    this.onTheWire = null;
    for (const entry of this.entries.values()) if (entry.state !== "failed") this.setState(entry, this.waitingState());
  }

  // Connected, a message waiting its turn is as good as being sent.
  waitingState() {
    return this.connected ? "sending" : "queued";
  }

  sendNext() {
    if (!this.connected || this.onTheWire || this.holdTimer) return;
    const next = [...this.entries.values()].find((entry) => entry.state !== "failed");
    if (!next) return;
    const frame = { type: "chat", message: next.text, client_id: next.clientId };
    if (next.replyTo) frame.reply_to = next.replyTo;
    if (this.send(frame)) this.onTheWire = next;
  }

  // The echo of our message: it is stored, the message list shows it now.
  acknowledge(clientId) {
    const entry = this.entries.get(clientId);
    if (!entry) return false;
    entry.item.remove();
    this.entries.delete(clientId);
    this.save();
    if (this.onTheWire === entry) {
      this.onTheWire = null;
      this.unavailableInARow = 0;
      this.sendNext();
    }
    return true;
  }

  // retryAfter: the seconds a rate_limited refusal says to wait, if it says.
  refuse(clientId, code, retryAfter) {
    const entry = this.entries.get(clientId);
    if (!entry) return false;
    if (this.onTheWire === entry) this.onTheWire = null;
    if (RETRIED_BY_ITSELF.has(code)) {
      this.hold(this.waitAfter(code, retryAfter));
      return true;
    }
    const reasonWord = `reason${code.replace(/(^|_)(\w)/g, (_, __, letter) => letter.toUpperCase())}`;
    entry.code = code;
    entry.reason = this.texts.words[reasonWord] ? this.texts.get(reasonWord) : this.texts.get("reasonOther");
    this.setState(entry, "failed");
    this.save();
    this.sendNext();
    return true;
  }

  waitAfter(code, retryAfter) {
    if (code === "rate_limited") return typeof retryAfter === "number" && retryAfter >= 0 ? retryAfter * 1000 : RATE_WAIT_MS;
    this.unavailableInARow += 1;
    return Math.min(UNAVAILABLE_MAX_WAIT_MS, UNAVAILABLE_FIRST_WAIT_MS * 2 ** (this.unavailableInARow - 1));
  }

  hold(milliseconds) {
    clearTimeout(this.holdTimer);
    this.holdTimer = setTimeout(() => {
      this.holdTimer = null;
      this.sendNext();
    }, milliseconds);
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

  // A failed message sent again: it takes its place in line, in the order it was written.
  retry(entry) {
    entry.reason = null;
    entry.code = null;
    this.setState(entry, this.waitingState());
    this.save();
    this.sendNext();
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
    const kept = [...this.entries.values()].map(({ clientId, text, replyTo, state, reason, code }) => ({ clientId, text, replyTo, state, reason, code }));
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
