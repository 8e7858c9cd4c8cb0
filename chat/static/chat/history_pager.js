// History over HTTP: the newest page on open, older pages when the reader scrolls to the top, and the
// hole a `gap` frame announces after a long disconnection, and as far back as a reply's original.
// Every page is the messages as they are now (current: true), edits, deletes and reactions included.

const NEWEST_PAGE_SIZE = 50;
const OLDER_PAGE_SIZE = 50;
const LOAD_OLDER_WITHIN_PX = 200; // start loading before the reader hits the very top

export class SessionEnded extends Error {}

export class HistoryPager {
  // onError(error) hears of failures nobody awaits (a SessionEnded among them).
  constructor({ url, gapPageSize, list, follower, edge, texts, onError }) {
    this.url = url;
    this.gapPageSize = gapPageSize;
    this.list = list;
    this.follower = follower;
    this.edge = edge;
    this.texts = texts;
    this.onError = onError;
    this.loaded = false; // the newest page has been shown
    this.hasOlder = true;
    this.loadingOlder = false;
    this.gapFrom = null; // while a gap is being filled, the socket must resume from here
    this.lastSeq = undefined; // the newest page's last_seq: the event its state reflects (undefined: not told)
    follower.timeline.addEventListener("scroll", () => this.loadOlderIfNearTop().catch(onError), { passive: true });
  }

  async loadNewest() {
    const page = await this.fetchPage({ limit: NEWEST_PAGE_SIZE });
    page.messages.forEach((msg) => this.list.add(msg, { current: true }));
    this.lastSeq = page.last_seq;
    this.loaded = true;
    this.setOlder(page.has_more);
    this.follower.toEnd();
    this.loadOlderIfNearTop().catch(this.onError); // a short page may not fill the screen
  }

  async loadOlderIfNearTop() {
    if (!this.loaded || !this.hasOlder || this.loadingOlder || !this.follower.nearTop(LOAD_OLDER_WITHIN_PX)) return;
    this.loadingOlder = true;
    this.showEdge("loading");
    try {
      const before = this.list.oldestId;
      const page = await this.fetchPage(before ? { before, limit: OLDER_PAGE_SIZE } : { limit: OLDER_PAGE_SIZE });
      this.follower.keepingViewWhile(() => page.messages.forEach((msg) => this.list.add(msg, { current: true })));
      this.setOlder(page.has_more);
    } catch (error) {
      if (error instanceof SessionEnded) throw error;
      this.showEdge("failed");
      return; // the next scroll tries again
    } finally {
      this.loadingOlder = false;
    }
    return this.loadOlderIfNearTop();
  }

  // The server replayed only the newest part after a long absence: page in ids after..first-1.
  async fillGap(after, first) {
    this.gapFrom = this.gapFrom === null ? after : Math.min(this.gapFrom, after);
    let cursor = after;
    while (cursor < first - 1) {
      const page = await this.fetchPage({ after: cursor, limit: this.gapPageSize });
      const missing = page.messages.filter((msg) => msg.id < first);
      this.follower.keepingViewWhile(() => missing.forEach((msg) => this.list.add(msg, { current: true })));
      if (!page.messages.length || !page.has_more) break;
      cursor = page.messages[page.messages.length - 1].id;
    }
    this.gapFrom = null;
  }

  // Pages back until message id is shown (a reply's original), or to the beginning of the room.
  async loadBackTo(id) {
    while (!this.list.has(id) && this.hasOlder && this.list.oldestId !== null && this.list.oldestId > id) {
      const page = await this.fetchPage({ before: this.list.oldestId, limit: this.gapPageSize });
      this.follower.keepingViewWhile(() => page.messages.forEach((msg) => this.list.add(msg, { current: true })));
      this.setOlder(page.has_more);
      if (!page.messages.length) break;
    }
  }

  // Where a (re)connecting socket resumes: the newest id shown, unless a hole is still being filled.
  resumeFrom() {
    if (!this.loaded) return null;
    return this.gapFrom ?? this.list.newestId ?? 0;
  }

  fetchPage(query) {
    return this.fetchJson(this.url, query);
  }

  // Any of the room's JSON over HTTP (history, events), signed out told apart from other failures.
  async fetchJson(url, query) {
    const response = await fetch(`${url}?${new URLSearchParams(query)}`, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    if (response.status === 401 || response.status === 403) throw new SessionEnded();
    if (!response.ok) throw new Error(`${url} answered ${response.status}`);
    return response.json();
  }

  setOlder(hasMore) {
    this.hasOlder = hasMore;
    this.showEdge(hasMore ? "more" : "beginning");
  }

  showEdge(state) {
    this.edge.dataset.state = state;
    const words = { loading: "loadingOlder", more: "loadingOlder", failed: "olderFailed", beginning: "beginning" };
    this.edge.textContent = this.texts.get(words[state]);
  }
}
