// Keeps the reader where they are: follows new messages only when at the bottom, keeps the view
// still while older pages are added above, and offers a "new messages" button otherwise.

const AT_BOTTOM_WITHIN_PX = 48; // this close to the end counts as "reading the newest"

export class ScrollFollower {
  constructor(timeline, jumpButton, texts) {
    this.timeline = timeline;
    this.jumpButton = jumpButton;
    this.texts = texts;
    this.unseen = 0;
    timeline.addEventListener("scroll", () => {
      if (this.atBottom()) this.clearUnseen();
    }, { passive: true });
    jumpButton.addEventListener("click", () => {
      this.toEnd();
      document.getElementById("message-input")?.focus();
    });
  }

  atBottom() {
    const { scrollHeight, scrollTop, clientHeight } = this.timeline;
    return scrollHeight - scrollTop - clientHeight <= AT_BOTTOM_WITHIN_PX;
  }

  nearTop(withinPx) {
    return this.timeline.scrollTop <= withinPx;
  }

  toEnd() {
    this.timeline.scrollTop = this.timeline.scrollHeight;
    this.clearUnseen();
  }

  // Adds content above the view without moving what the reader sees.
  keepingViewWhile(addAbove) {
    const fromBottom = this.timeline.scrollHeight - this.timeline.scrollTop;
    addAbove();
    this.timeline.scrollTop = this.timeline.scrollHeight - fromBottom;
  }

  // Adds new messages at the end: follow them if the reader was at the end (or wrote them).
  addingNew(addBelow, { mine = false } = {}) {
    const wasAtBottom = this.atBottom();
    const added = addBelow();
    if (!added) return;
    if (wasAtBottom || mine) {
      this.toEnd();
    } else {
      this.unseen += added;
      this.showJump();
    }
  }

  showJump() {
    this.jumpButton.textContent = this.texts.get("newMessagesCount", { count: this.unseen });
    this.jumpButton.hidden = false;
  }

  clearUnseen() {
    this.unseen = 0;
    this.jumpButton.hidden = true;
  }
}
