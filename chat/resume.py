"""What a socket that has just joined the room is owed before live events: the replay of ?since=
(events) or ?after= (messages, for clients that know only those), the `gap` past the replay cap,
and the seq up to which live events were already sent.

The socket joined the feed first (live events after live_from reach its outbox), then reads this,
in one snapshot of the room: the replay reaches at least live_from, so together there is no gap,
and the outbox skips every live event up to the snapshot's seq. With ?after=, the messages
replayed are in their state at that snapshot, so the events up to it are in them already.
"""

from typing import NamedTuple

from chat import history


class Owed(NamedTuple):
    events: list  # ?since=: events to send before live ones, oldest first
    messages: list  # ?after=: messages in their current state, oldest first
    gap: tuple | None  # ("since" or "after", what was asked, the first seq or id replayed) past the cap
    sent_up_to: int  # live events up to this seq are in the replay (or predate the join): skipped
    last_id: int | None  # hello's last_id
    last_seq: int | None  # hello's last_seq


def owed(after, since, live_from, cap):
    """Reads the database (sync). after, since: the query's (at most one) or None; live_from: the
    feed's last seq at the join."""
    events, messages, gap = [], [], None
    with history.snapshot():
        newest_id, newest_seq = history.counters()
        if since is not None:
            since = min(since, newest_seq)  # beyond every seq (a database reset) is the newest
            events, first = history.replay_events(since, cap)
            gap = ("since", since, first) if first is not None else None
        elif after is not None:
            after = min(after, newest_id)
            messages, first = history.replay(after, cap)
            gap = ("after", after, first) if first is not None else None
    sent_up_to = live_from if since is None and after is None else max(newest_seq, live_from)
    return Owed(events, messages, gap, sent_up_to, newest_id or None, sent_up_to or None)
