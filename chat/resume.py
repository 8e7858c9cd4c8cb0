"""What a socket that has just joined the room is owed before live messages: the replay of
?after=, the `gap` past the replay cap, and the id up to which live messages were already sent.

The socket joined the feed first (live messages after live_from reach its outbox), then reads this:
the replay reaches at least live_from, so together there is no gap, and the outbox skips the overlap.
"""

from typing import NamedTuple

from chat import history


class Owed(NamedTuple):
    replayed: list  # messages to send before live ones, oldest first
    gap_first: int | None  # more than the cap were owed: the first id replayed (the `gap` frame)
    after: int | None  # the ?after= answered (lowered to the newest id when it was beyond it)
    sent_up_to: int  # live messages up to this id were replayed (or predate ?after=): skipped
    last_id: int | None  # hello's last_id


def owed(after, live_from, cap):
    """Reads the database (sync). after: the ?after= or None; live_from: the feed's last id at the join."""
    replayed, first = [], None
    if after is not None:
        replayed, first = history.replay(after, cap)
        if not replayed and after > live_from:
            # Beyond every stored id (a page kept across a database reset) is the newest:
            # live messages must not wait until ids pass it.
            after = min(after, history.newest_id())
    last_replayed = [m.id for m in replayed[-1:]]
    newest = max([live_from] + last_replayed)
    sent_up_to = newest if after is None else max([after] + last_replayed)
    return Owed(replayed, first, after, sent_up_to, max(newest, sent_up_to) or None)
