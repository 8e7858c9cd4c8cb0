"""Who is connected: each server process reports its own users; everyone() is the room's view."""


class LocalPresence:
    """Presence for a single server process (the in-memory channel layer's world)."""

    def __init__(self):
        self._names = frozenset()

    async def report(self, feed_id, names):
        self._names = frozenset(names)

    async def everyone(self):
        return sorted(self._names)

    async def withdraw(self, feed_id):
        self._names = frozenset()


def for_this_deployment():
    return LocalPresence()
