"""Announcing what happened in the room to every server process (and first to this one)."""

import hashlib
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from chat import room_feed
from chat.frames import encode

log = logging.getLogger(__name__)


async def announce_message(message):
    await _publish({"type": "room.message", "id": message.id, "text": encode(message.as_frame())})


async def announce_typing(username):
    await _publish({"type": "room.typing", "user": username, "text": encode({"type": "typing", "user": username})})


def revoke_sockets(user_id, session_key=None):
    """Close the sockets of one session (session_key) or of every session of a user. Sync: auth signals."""
    async_to_sync(_publish)({"type": "room.revoke", "user_id": user_id, "session": session_hash(session_key)})


def session_hash(session_key):
    # Session keys are credentials: only a digest travels through Redis.
    return hashlib.sha256(session_key.encode()).hexdigest() if session_key else None


async def _publish(event):
    feed = room_feed.running()
    if feed is not None:
        event["origin"] = feed.id
        await feed.handle(event)  # this process does not wait on the layer, nor depend on it
    try:
        await get_channel_layer().group_send(room_feed.ROOM_GROUP, event)
    except Exception:
        # Stored messages still reach other processes: their feeds poll the newest id.
        log.warning("could not publish %s to the channel layer", event["type"], exc_info=True)
