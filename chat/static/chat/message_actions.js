// Edits, deletes and reactions: sent at once (not kept in the outbox: they mean something only
// against what the person saw), each with a client_id so that its answer comes back to it.
// send(frame) resolves with the event (or `unchanged`) that answers it and rejects with
// ActionRefused: the error's code, or "offline" when there is no connection to send it on.

export class ActionRefused extends Error {
  constructor(code, frame = null) {
    super(code);
    this.code = code;
    this.frame = frame;
  }
}

export class MessageActions {
  constructor({ send }) {
    this.sendFrame = send;
    this.pending = new Map(); // client_id -> {resolve, reject}
    this.counter = 0;
  }

  send(frame) {
    const clientId = `a-${Date.now().toString(36)}-${(this.counter += 1)}`;
    if (!this.sendFrame({ ...frame, client_id: clientId })) return Promise.reject(new ActionRefused("offline"));
    return new Promise((resolve, reject) => this.pending.set(clientId, { resolve, reject }));
  }

  // An event or `unchanged` frame: true when it answers one of ours.
  answered(frame) {
    const waiting = frame.client_id && this.pending.get(frame.client_id);
    if (!waiting) return false;
    this.pending.delete(frame.client_id);
    waiting.resolve(frame);
    return true;
  }

  // An error frame: true when it refuses one of ours.
  refused(frame) {
    const waiting = frame.client_id && this.pending.get(frame.client_id);
    if (!waiting) return false;
    this.pending.delete(frame.client_id);
    waiting.reject(new ActionRefused(frame.code, frame));
    return true;
  }

  // The connection is gone: whatever was on the wire may or may not have been stored. The resumed
  // stream will show which; the person is told it did not go through here.
  connectionLost() {
    for (const { reject } of this.pending.values()) reject(new ActionRefused("offline"));
    this.pending.clear();
  }
}
