"""The one way a message comes to exist: check it, store it, then announce the stored message."""

from django.conf import settings

from chat import group_commit
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
    """Returns (message, created). A repeated client_id returns the stored original, announced once.
    The message is announced (chat/group_commit.py) before this returns."""
    check_message(user, body, client_id)
    return await group_commit.store(user, body, client_id)


def store_message(user, body, client_id):
    """Store one message without announcing it: for tests and data loading."""
    return group_commit.store_messages([(user, body, client_id)])[0]
