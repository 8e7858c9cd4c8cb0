"""One object of a kind per event loop: what every socket of a server process shares (its room
feed, its socket quota, its commit queues, its layer probe) lives exactly as long as the loop that
serves them, and a test's new loop starts with new ones."""

import asyncio
import weakref


class PerEventLoop:
    def __init__(self, make):
        self._make = make
        self._made = weakref.WeakKeyDictionary()  # event loop -> its object

    def current(self):
        """This loop's object, made on first use."""
        loop = asyncio.get_running_loop()
        made = self._made.get(loop)
        if made is None:
            made = self._made[loop] = self._make()
        return made

    def running(self):
        """This loop's object if it was made, else None."""
        return self._made.get(asyncio.get_running_loop())
