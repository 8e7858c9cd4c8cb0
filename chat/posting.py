"""The one way a message comes to exist: check it, store it, then announce the stored message."""

from channels.db import database_sync_to_async
from django.conf import settings
from django.db import transaction

from chat import room_events
from chat.models import MAIN_ROOM, Message, Room
from chat.rate_limit import TokenBucket
from chat.refusal import Refused

_buckets = {}  # CHAT_RATE_LIMIT -> its TokenBucket (one, unless settings change under a test)


def _rate_limit():
    limit = settings.CHAT_RATE_LIMIT
    if limit not in _buckets:
        _buckets.clear()
        _buckets[limit] = TokenBucket(*limit)
    return _buckets[limit]


def check_message(user, body, client_id):
    if not body.strip():
        raise Refused("empty_message", "The message is empty.", client_id)
    if len(body) > settings.CHAT_MAX_LENGTH:
        raise Refused(
            "too_long", f"The message is longer than {settings.CHAT_MAX_LENGTH} characters.", client_id
        )
    if not _rate_limit().allow(user.pk):
        raise Refused("rate_limited", "Too many messages; wait a moment and send again.", client_id)


async def do_post_message(user, body, client_id=None):
    """Returns (message, created). A repeated client_id returns the stored original, announced once."""
    check_message(user, body, client_id)
    message, created = await database_sync_to_async(store_message)(user, body, client_id)
    if created:
        await room_events.announce_message(message)
    return message, created


def store_message(user, body, client_id):
    with transaction.atomic():
        # The row lock serialises posters: ids are handed out, and committed, in one order.
        room, _ = Room.objects.select_for_update().get_or_create(name=MAIN_ROOM)
        if client_id is not None:
            existing = Message.objects.select_related("author").filter(author=user, client_id=client_id).first()
            if existing is not None:
                return existing, False
        room.last_message_id += 1
        room.save(update_fields=["last_message_id"])
        message = Message.objects.create(id=room.last_message_id, author=user, body=body, client_id=client_id)
    return message, True
