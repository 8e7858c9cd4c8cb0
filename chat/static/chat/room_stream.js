// The room's changes in `seq` order, each applied once. The page remembers the last seq it applied,
// resumes the socket from it (?since=), and fills any hole (a `gap` frame, or a jump in seq) from
// GET /api/events/ before applying what came after it, so that changes apply in the room's order.
// A server that numbers nothing (no last_seq anywhere) gets every frame passed straight through.

const EVENTS_PAGE_SIZE = 500; // the most the server gives in one page

export class RoomStream {
  // apply(event); fetchEvents({since, limit}) -> {events, has_more}; onError(error).
  constructor({ apply, fetchEvents, onError }) {
    Object.assign(this, { apply, fetchEvents, onError });
    this.lastSeq = null; // null: not known yet (or a server without seq)
    this.waiting = new Map(); // seq -> event that came ahead of a hole
    this.gapFirst = null; // a gap frame's first seq: everything before it is to be fetched
    this.filling = null; // the running fill, a Promise
  }

  get numbered() {
    return this.lastSeq !== null;
  }

  // The state shown reflects every event up to seq (an HTTP page's last_seq; a hello's when the socket
  // could not resume by seq). Only ever moves forward.
  reached(seq) {
    if (seq === undefined) return;
    const value = seq ?? 0; // null: the room has no event yet
    if (this.lastSeq === null || value > this.lastSeq) this.lastSeq = value;
    this.drain();
  }

  receive(event) {
    if (typeof event.seq !== "number" || this.lastSeq === null) {
      this.apply(event);
      return;
    }
    if (event.seq <= this.lastSeq) {
      // Already applied, or older than the state shown. A message is added once by id whatever
      // comes (an ?after= replay carries seqs below the hello's): anything else is not applied again.
      if (event.type === "chat") this.apply(event);
      return;
    }
    this.waiting.set(event.seq, event);
    this.drain();
    if (this.waiting.size) this.fill();
  }

  // {"type":"gap","since":S,"first":F}: the socket replays from F; S+1..F-1 come over HTTP.
  gap(first) {
    this.gapFirst = Math.max(this.gapFirst ?? 0, first);
    this.fill();
  }

  drain() {
    if (this.lastSeq === null) return;
    for (const seq of [...this.waiting.keys()]) if (seq <= this.lastSeq) this.waiting.delete(seq);
    while (this.waiting.has(this.lastSeq + 1)) {
      const event = this.waiting.get(this.lastSeq + 1);
      this.waiting.delete(this.lastSeq + 1);
      this.lastSeq += 1;
      this.apply(event);
    }
    if (this.gapFirst !== null && this.lastSeq >= this.gapFirst - 1) this.gapFirst = null;
  }

  // The first seq after the hole being filled, or null when there is none.
  holeEnd() {
    if (this.gapFirst !== null) return this.gapFirst;
    return this.waiting.size ? Math.min(...this.waiting.keys()) : null;
  }

  fill() {
    if (this.filling) return this.filling;
    this.filling = this.fetchHole().catch(this.onError).finally(() => {
      this.filling = null;
    });
    return this.filling;
  }

  async fetchHole() {
    let end = this.holeEnd();
    while (end !== null && this.lastSeq < end - 1) {
      const page = await this.fetchEvents({ since: this.lastSeq, limit: EVENTS_PAGE_SIZE });
      const before = this.lastSeq;
      for (const event of page.events) if (event.seq > this.lastSeq && !this.waiting.has(event.seq)) this.waiting.set(event.seq, event);
      this.drain();
      if (this.lastSeq === before) {
        // The server has nothing to fill it with (it cannot happen by the contract): go on after it
        // rather than hold every later change back for ever.
        console.warn(`no events between ${this.lastSeq} and ${end}`);
        this.lastSeq = end - 1;
        this.drain();
      }
      end = this.holeEnd();
    }
  }
}
