// The WebSocket to the room: connects, resumes with ?since= the last change applied (?after= the last
// id shown, where the server numbers no changes), reconnects with
// exponential backoff and jitter, and notices a dead connection by pinging.

const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 15000;
const PING_EVERY_MS = 25000; // an idle connection is pinged this often...
const PONG_WITHIN_MS = 10000; // ...and given up as dead when nothing comes back in this time

// Close codes from the server (PROTOCOL.md, chat/consumers.py).
const SESSION_ENDED = 4001; // signed out elsewhere: go to the login page
const FELL_BEHIND = 4002; // the server dropped us to catch up: reconnect at once, resuming
const TOO_MANY_SOCKETS = 4429; // this account has its most windows open: say so, and wait the longest

export class RoomSocket {
  // resumeFrom() -> {since: seq} or {after: id}, or null for a first connection; onFrame(frame);
  // onState("connecting"|"connected"|"reconnecting"|"offline", retryAt, reason): retryAt is when the next
  // attempt starts (a Date.now() value) while waiting for it; reason is "too_many" when the server refused
  // this page because the account has too many connections open, else null;
  // onSessionEnded(); onClosed() when a connection is lost; checkSession() -> Promise, rejects when signed out.
  constructor({ path, resumeFrom, onFrame, onState, onSessionEnded, onClosed, checkSession }) {
    Object.assign(this, { path, resumeFrom, onFrame, onState, onSessionEnded, onClosed, checkSession });
    this.socket = null;
    this.failures = 0; // connection attempts since the last hello
    this.retryTimer = null;
    this.retryAt = null;
    this.pingTimer = null;
    this.pongTimer = null;
    window.addEventListener("online", () => this.reconnectNow());
    // The browser knows the network is gone: drop the socket now rather than wait for the ping.
    window.addEventListener("offline", () => this.giveUp());
  }

  start() {
    this.connect();
  }

  // True when the frame went out on an open, greeted connection.
  send(frame) {
    if (!this.isOpen()) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  isOpen() {
    return this.socket !== null && this.socket.readyState === WebSocket.OPEN && this.greeted;
  }

  connect() {
    clearTimeout(this.retryTimer);
    const resume = this.resumeFrom();
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const query = resume === null ? "" : `?${new URLSearchParams(resume)}`;
    const socket = new WebSocket(`${scheme}://${location.host}${this.path}${query}`);
    this.socket = socket;
    this.greeted = false;
    this.onState(this.stateWhileConnecting());
    socket.addEventListener("message", (event) => {
      if (socket !== this.socket) return;
      this.heardFromServer();
      const frame = JSON.parse(event.data);
      if (frame.type === "hello") {
        this.greeted = true;
        this.failures = 0;
        this.onState("connected");
      }
      if (frame.type !== "pong") this.onFrame(frame);
    });
    socket.addEventListener("close", (event) => {
      if (socket === this.socket) this.closed(event);
    });
  }

  closed(event) {
    this.stopPinging();
    const wasGreeted = this.greeted;
    this.socket = null;
    this.greeted = false;
    this.onClosed();
    if (event.code === SESSION_ENDED) {
      this.onSessionEnded();
      return;
    }
    if (event.code === FELL_BEHIND) {
      this.connect();
      return;
    }
    this.failures += 1;
    const reason = event.code === TOO_MANY_SOCKETS ? "too_many" : null;
    // Another window must close first: trying sooner than the longest wait cannot help.
    const delay = reason ? RETRY_MAX_MS : this.retryDelay();
    this.retryAt = Date.now() + delay;
    this.retryTimer = setTimeout(() => this.connect(), delay);
    this.onState(this.stateWhileConnecting(), this.retryAt, reason); // the banner counts down to it
    // A handshake that never got a hello may mean the session is gone (the server refuses it then).
    if (!wasGreeted) this.checkSession().catch(() => this.onSessionEnded());
  }

  stateWhileConnecting() {
    if (navigator.onLine === false) return "offline";
    return this.failures ? "reconnecting" : "connecting";
  }

  retryDelay() {
    const ceiling = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** (this.failures - 1));
    return ceiling / 2 + Math.random() * (ceiling / 2); // jitter: not every page comes back at once
  }

  reconnectNow() {
    if (this.socket && this.socket.readyState <= WebSocket.OPEN) return;
    this.failures = Math.max(this.failures, 1); // shown as "reconnecting", not as a first connection
    this.connect();
  }

  giveUp() {
    const socket = this.socket;
    if (socket === null) {
      this.onState("offline", this.retryAt);
      return;
    }
    socket.close();
    this.closed({ code: 1006 });
  }

  heardFromServer() {
    clearTimeout(this.pongTimer);
    clearTimeout(this.pingTimer);
    this.pingTimer = setTimeout(() => this.ping(), PING_EVERY_MS);
  }

  ping() {
    if (!this.send({ type: "ping" })) return;
    const socket = this.socket;
    // A dead connection may take long to report its close: give it up now and reconnect.
    this.pongTimer = setTimeout(() => socket === this.socket && this.giveUp(), PONG_WITHIN_MS);
  }

  stopPinging() {
    clearTimeout(this.pingTimer);
    clearTimeout(this.pongTimer);
  }
}
