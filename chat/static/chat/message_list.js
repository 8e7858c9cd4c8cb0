// The room's confirmed messages, in id order, each shown once, with day separators and grouping.

import { closeInTime, sameDay } from "./clock_format.js";
import { daySeparator, messageItem } from "./message_view.js";

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

  // Shows msg where its id belongs; false when it is already shown (a replay, a resend's echo).
  add(msg) {
    if (this.items.has(msg.id)) return false;
    const date = new Date(msg.ts);
    const item = messageItem({
      user: msg.user, displayName: msg.display_name, text: msg.message, date, mine: msg.user === this.me, clock: this.clock, texts: this.texts,
    });
    item.dataset.id = String(msg.id);
    const index = this.positionOf(msg.id);
    const following = this.ids[index];
    this.element.insertBefore(item, following === undefined ? null : this.items.get(following).item);
    this.ids.splice(index, 0, msg.id);
    this.items.set(msg.id, { msg, date, item });
    this.decorate(index);
    this.decorate(index + 1);
    return true;
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
