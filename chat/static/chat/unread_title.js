// While the tab is hidden the title counts new messages from others: "(3) kc3chat".

export class UnreadTitle {
  constructor() {
    this.baseTitle = document.title;
    this.unread = 0;
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden) this.reset();
    });
  }

  messageArrived() {
    if (!document.hidden) return;
    this.unread += 1;
    document.title = `(${this.unread}) ${this.baseTitle}`;
  }

  reset() {
    this.unread = 0;
    document.title = this.baseTitle;
  }
}
