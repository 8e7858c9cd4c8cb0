"""Closes this process's sockets that a room.revoke event names (published by chat/revocation.py):
every socket of a user, or those of one session (by the digest of its key)."""

from chat.session_digest import session_digest


class RevokedSockets:
    """A companion of the room feed (chat/room_feed.py)."""

    def __init__(self, feed):
        self.feed = feed
        self.events = {"room.revoke": self.close_named}

    async def start(self):
        pass

    async def stop(self):
        pass

    async def close_named(self, event):
        # The digest is made here for the user's sockets only, rather than kept by every socket.
        for listener in list(self.feed.listeners):
            if listener.user_id != event["user_id"]:
                continue
            if event["session"] is None or event["session"] == session_digest(listener.session_key):
                listener.revoke()
