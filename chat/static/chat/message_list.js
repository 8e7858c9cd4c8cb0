// The room's confirmed messages, in id order, each shown once, with day separators and grouping, and
// the changes to them (edits, deletes, reactions) applied by id: twice is the same as once.

import { closeInTime, sameDay } from "./clock_format.js";
import { paintState } from "./message_paint.js";
import { withDelete, withEdit, withNewerState, withOriginal, withReaction } from "./message_state.js";
import { daySeparator, messageItem } from "./message_view.js";

const CHANGES = { edit: withEdit, delete: withDelete, reaction: withReaction };

export class MessageList {
  constructor(listElement, { me, clock, texts }) {
    this.element = listElement;
    this.me = me;
    this.clock = clock;
    this.texts = texts;
    this.ids = []; // sorted ascending
    this.items = new Map(); // id -> {msg, date, item}
  }

  get newestId() {
    return this.ids.length ? this.ids[this.ids.length - 1] : null;
  }

  // {msg, date, item} of the newest message shown, or null.
  get newest() {
    return this.ids.length ? this.items.get(this.newestId) : null;
  }

  get oldestId() {
    return this.ids.length ? this.ids[0] : null;
  }

  has(id) {
    return this.items.has(id);
  }

  // Shows msg where its id belongs; false when it is already shown (a replay, a resend's echo), whose
  // state is then brought up to msg's where msg's is newer. current: msg is as it is now (HTTP).
  add(msg, { current = false } = {}) {
    if (this.items.has(msg.id)) {
      this.change(msg.id, (shown) => withNewerState(shown, msg, { current }));
      return false;
    }
    const date = new Date(msg.ts);
    const item = messageItem({
      user: msg.user, text: msg.message, date, mine: msg.user === this.me, clock: this.clock, texts: this.texts,
    });
    item.dataset.id = String(msg.id);
    const index = this.positionOf(msg.id);
    const following = this.ids[index];
    this.element.insertBefore(item, following === undefined ? null : this.items.get(following).item);
    this.ids.splice(index, 0, msg.id);
    const entry = { msg, date, item };
    this.items.set(msg.id, entry);
    paintState(entry, this);
    this.decorate(index);
    this.decorate(index + 1);
    return true;
  }

  get(id) {
    return this.items.get(id)?.msg ?? null;
  }

  // An edit, delete or reaction event: true when it changed what is shown. A message not shown is
  // left alone: when it is loaded, the server sends it with the change in it.
  apply(event) {
    const change = CHANGES[event.type];
    return change ? this.change(event.id, (msg) => change(msg, event)) : false;
  }

  change(id, changeOf) {
    const entry = this.items.get(id);
    const next = entry && changeOf(entry.msg);
    if (!next) return false;
    const wasText = entry.msg.message;
    entry.msg = next;
    paintState(entry, this);
    if (next.message !== wasText || next.deleted) this.requote(next);
    return true;
  }

  // The replies quoting original show its current text.
  requote(original) {
    for (const [id, { msg }] of this.items) {
      if (msg.reply_to?.id === original.id) this.change(id, (reply) => withOriginal(reply, original));
    }
  }

  // The newest of my messages that can still be edited, or null.
  lastMine() {
    for (let index = this.ids.length - 1; index >= 0; index -= 1) {
      const { msg } = this.items.get(this.ids[index]);
      if (msg.user === this.me && !msg.deleted) return msg;
    }
    return null;
  }

  itemOf(id) {
    return this.items.get(id)?.item ?? null;
  }

  // Refreshes "Today"/"Yesterday" labels, e.g. after midnight.
  relabelDays() {
    this.ids.forEach((_, index) => this.decorate(index));
  }

  positionOf(id) {
    if (!this.ids.length || id > this.newestId) return this.ids.length; // the usual case: a live message
    let low = 0;
    let high = this.ids.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.ids[middle] < id) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  // A message starts a day (separator) or continues its author's run (no repeated header).
  decorate(index) {
    const current = this.items.get(this.ids[index]);
    if (!current) return;
    const previous = this.items.get(this.ids[index - 1]);
    const startsDay = !previous || !sameDay(previous.date, current.date);
    const continues = !startsDay && previous.msg.user === current.msg.user && closeInTime(previous.date, current.date);
    current.item.classList.toggle("continued", continues);
    current.item.querySelector(":scope > .day-separator")?.remove();
    if (startsDay) current.item.prepend(daySeparator(this.clock.dayOf(current.date)));
  }
}
