"""The one way a message comes to exist: check it, store it, then announce the stored message.
What a message may be is checked here for edits too (chat/editing.py)."""

import logging
import math

from django.conf import settings

from chat import changes, group_commit, rate_limit, room_changes, room_feed
from chat.refusal import Refused
from unicode_text.blank_text import is_blank

log = logging.getLogger(__name__)

_buckets = {}  # CHAT_RATE_LIMIT -> its TokenBucket (one, unless settings change under a test)


def _rate_limit():
    limit = settings.CHAT_RATE_LIMIT
    if limit not in _buckets:
        _buckets.clear()
        _buckets[limit] = rate_limit.TokenBucket(*limit)
    return _buckets[limit]


def check_message(user, body, client_id):
    if is_blank(body):
        raise Refused("empty_message", "The message is empty.", client_id)
    if len(body) > settings.CHAT_MAX_LENGTH:
        raise Refused(
            "too_long", f"The message is longer than {settings.CHAT_MAX_LENGTH} characters.", client_id
        )


async def check_rate(user, client_id):
    """The user's rate across every server process (in Redis when there is one, else here)."""
    per_second, burst = settings.CHAT_RATE_LIMIT
    if per_second <= 0:
        return
    wait = None
    feed = room_feed.running()
    if feed is not None and feed.redis is not None:
        try:
            key = f"{settings.REDIS_PREFIX}:rate:{user.pk}"
            wait = await rate_limit.take_in_redis(feed.redis, key, per_second, burst)
        except Exception:
            log.warning("rate limit: Redis unavailable, counting in this process", exc_info=True)
    if wait is None:
        wait = _rate_limit().take(user.pk)
    if wait > 0:
        # retry_after (docs/protocol.md): the page's outbox waits this long, then sends it again.
        retry_after = math.ceil(wait * 1000) / 1000
        raise Refused(
            "rate_limited", "Too many messages; wait a moment and send again.", client_id, retry_after=retry_after
        )


async def do_post_message(user, body, client_id=None, reply_to=None):
    """Returns (message, created). A repeated client_id returns the stored original, announced once.
    The message is announced before this returns (with the changes stored together with it)."""
    outcome = await (await do_queue_post(user, body, client_id, reply_to))
    return outcome.message, outcome.created


async def do_queue_post(user, body, client_id=None, reply_to=None):
    """Checks the post (raising its Refused), then queues it behind every change queued before it,
    and returns at once: the future of its Outcome (chat/changes.py), done once it is stored and
    announced, or raising its Refused. A socket that queues its posts one after another has them
    stored in that order, several in one batch (chat/changes_in_flight.py)."""
    check_message(user, body, client_id)
    await check_rate(user, client_id)
    return group_commit.queued(room_changes.do_changes, changes.PostChange(user, body, client_id, reply_to))


async def do_post_messages(posts):
    """Stores posts that arrived together in one transaction, then announces the new ones as one
    event: nothing is announced that is not stored. [(user, body, client_id)] -> [(message, created)
    or Refused], in the same order."""
    results = await room_changes.do_changes([changes.PostChange(*post) for post in posts])
    return [result if isinstance(result, Refused) else (result.message, result.created) for result in results]


def store_message(user, body, client_id):
    """Store one message without announcing it: for tests and data loading."""
    result = group_commit.store_messages([(user, body, client_id)])[0]
    if isinstance(result, Refused):
        raise result
    return result
