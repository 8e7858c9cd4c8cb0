"""Announcing what happened in the room to every server process (and first to this one)."""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from chat import room_feed, server_frames
from chat.server_frames import encode
from chat.session_digest import session_digest

log = logging.getLogger(__name__)


async def announce_events(events):
    """One layer event for a batch of stored changes (chat/models.py Event rows, seq order), each
    frame encoded once, for every process."""
    await _publish({"type": "room.events", "events": [[e.seq, encode(server_frames.event(e))] for e in events]})


async def announce_typing(username):
    await _publish({"type": "room.typing", "user": username, "text": encode(server_frames.typing(username))})


def announce_person(username, display_name):
    """A display name changed (live only: a page that reconnects reads names with the messages). Sync: a signal."""
    async_to_sync(_publish)({"type": "room.person", "text": encode(server_frames.person(username, display_name))})


def revoke_sockets(user_id, session_key=None):
    """Close the sockets of one session (session_key) or of every session of a user. Sync: auth signals."""
    async_to_sync(_publish)({"type": "room.revoke", "user_id": user_id, "session": session_digest(session_key)})


async def _publish(event):
    feed = room_feed.running()
    if feed is not None:
        event["origin"] = feed.id
        try:
            await feed.handle(event)  # this process does not wait on the layer, nor depend on it
        except Exception:
            # e.g. the database failed while filling a hole: the feed's catch-up will pass it on.
            log.warning("this process's feed could not handle %s", event["type"], exc_info=True)
    try:
        await get_channel_layer().group_send(room_feed.ROOM_GROUP, event)
    except Exception:
        # Stored changes still reach other processes: their feeds poll the newest seq.
        log.warning("could not publish %s to the channel layer", event["type"], exc_info=True)
