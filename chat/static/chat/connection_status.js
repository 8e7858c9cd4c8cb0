// The connection state: a dot and a word in the header, and, while the page has no connection, a
// banner over the messages saying what happens next and how many messages wait to be sent.

const COUNTDOWN_EVERY_MS = 250; // a whole second is shown; ticking faster keeps it from skipping one

export class ConnectionStatus {
  // banner: {element, state, waiting, reconnect}; outbox: the list of messages not yet acknowledged;
  // reconnectNow(): connect without waiting for the next attempt.
  constructor(element, { banner, outbox, texts, reconnectNow }) {
    this.element = element;
    this.label = element.querySelector(".connection-label");
    Object.assign(this, { banner, outbox, texts });
    this.state = element.dataset.state;
    this.retryAt = null;
    this.countdown = null;
    banner.reconnect.addEventListener("click", () => reconnectNow());
    // The outbox marks each entry with data-state; what is not failed is waiting to go out.
    new MutationObserver(() => this.showWaiting()).observe(outbox, {
      childList: true, subtree: true, attributes: true, attributeFilter: ["data-state"],
    });
  }

  // state: connecting | connected | reconnecting | offline; retryAt: when the next attempt starts
  // (a Date.now() value), or null while an attempt is under way; reason: "too_many" when the server
  // refused the page because the account has too many connections open.
  show(state, retryAt = null, reason = null) {
    this.retryAt = retryAt;
    this.reason = reason;
    if (this.state !== state) {
      this.state = state;
      this.element.dataset.state = state;
      this.label.textContent = this.texts.get(state);
      document.body.dataset.connection = state;
    }
    this.showBanner();
  }

  // The first connection of a page is no news; a lost one is.
  showBanner() {
    const lost = this.state === "reconnecting" || this.state === "offline";
    this.banner.element.hidden = !lost;
    this.banner.element.dataset.state = this.state;
    clearInterval(this.countdown);
    this.countdown = null;
    if (!lost) return;
    this.banner.reconnect.hidden = this.state === "offline";
    this.showWhatHappensNext();
    if (this.state === "reconnecting" && this.retryAt !== null) {
      this.countdown = setInterval(() => this.showWhatHappensNext(), COUNTDOWN_EVERY_MS);
    }
    this.showWaiting();
  }

  showWhatHappensNext() {
    let words;
    if (this.state === "offline") words = this.texts.get("bannerOffline");
    else if (this.retryAt === null) words = this.texts.get("bannerReconnecting");
    else if (this.reason === "too_many") words = this.texts.get("bannerTooMany", { seconds: this.secondsLeft() });
    else {
      words = this.texts.get("bannerReconnectingIn", { seconds: this.secondsLeft() });
    }
    if (this.banner.state.textContent !== words) this.banner.state.textContent = words;
  }

  secondsLeft() {
    return Math.max(1, Math.ceil((this.retryAt - Date.now()) / 1000));
  }

  showWaiting() {
    const count = this.outbox.querySelectorAll(':scope > [data-state]:not([data-state="failed"])').length;
    this.banner.waiting.hidden = count === 0;
    this.banner.waiting.textContent = count === 1 ? this.texts.get("waitingOne") : this.texts.get("waitingMany", { count });
  }
}
