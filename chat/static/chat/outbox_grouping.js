// Messages not yet sent join their author's run as sent ones do (message_list.js): the first continues
// the newest message shown when that is the user's own, same day and recent; each later one continues
// the one before it, since the outbox holds only the user's own messages.

import { closeInTime, sameDay } from "./clock_format.js";

export class OutboxGrouping {
  constructor(outboxElement, list, me) {
    Object.assign(this, { outboxElement, list, me });
    // Regroup when the outbox changes and when a message arrives above it.
    const observer = new MutationObserver(() => this.regroup());
    observer.observe(outboxElement, { childList: true });
    observer.observe(list.element, { childList: true });
  }

  regroup() {
    const newest = this.list.newest;
    const now = new Date();
    let continues = newest !== null && newest.msg.user === this.me && sameDay(newest.date, now) && closeInTime(newest.date, now);
    for (const item of this.outboxElement.children) {
      item.classList.toggle("continued", continues);
      continues = true;
    }
  }
}
