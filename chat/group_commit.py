"""Posts that arrive while the database is busy with earlier ones are stored together: one
transaction, one commit, one announcement for the lot. Ids stay consecutive and in commit order
(the room's row lock), and each poster still gets its own answer. Under load this turns one commit
per message into one commit per batch; alone, a post is stored at once."""

import asyncio
import logging
import weakref

from channels.db import database_sync_to_async
from django.db import transaction

from chat import room_events
from chat.models import MAIN_ROOM, Message, Room

log = logging.getLogger(__name__)

MAX_BATCH = 200

_queues = weakref.WeakKeyDictionary()  # event loop -> CommitQueue


async def store(user, body, client_id):
    loop = asyncio.get_running_loop()
    if loop not in _queues:
        _queues[loop] = CommitQueue()
    return await _queues[loop].store(user, body, client_id)


class CommitQueue:
    def __init__(self):
        self.waiting = []  # ((user, body, client_id), future)
        self.draining = False

    async def store(self, user, body, client_id):
        future = asyncio.get_running_loop().create_future()
        self.waiting.append(((user, body, client_id), future))
        if not self.draining:
            self.draining = True
            asyncio.get_running_loop().create_task(self._drain())
        return await future

    async def _drain(self):
        try:
            while self.waiting:
                batch, self.waiting = self.waiting[:MAX_BATCH], self.waiting[MAX_BATCH:]
                try:
                    results = await database_sync_to_async(store_messages)([post for post, _ in batch])
                except Exception as error:
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(error)
                    continue
                created = [message for message, is_new in results if is_new]
                if created:
                    await room_events.announce_messages(created)
                for (_, future), result in zip(batch, results):
                    if not future.done():
                        future.set_result(result)
        finally:
            self.draining = False


def store_messages(posts):
    """[(user, body, client_id)] -> [(message, created)] in the same order. A client_id its author
    already used (before, or earlier in this batch) gives back that message, created=False."""
    with transaction.atomic():
        # The row lock serialises writers: ids are handed out, and committed, in one order.
        room, _ = Room.objects.select_for_update().get_or_create(name=MAIN_ROOM)
        known = _already_stored(posts)
        results, new = [], []
        for user, body, client_id in posts:
            if client_id is not None and (user.pk, client_id) in known:
                results.append((known[(user.pk, client_id)], False))
                continue
            room.last_message_id += 1
            message = Message(id=room.last_message_id, author=user, body=body, client_id=client_id)
            if client_id is not None:
                known[(user.pk, client_id)] = message
            new.append(message)
            results.append((message, True))
        if new:
            Message.objects.bulk_create(new)
            room.save(update_fields=["last_message_id"])
    return results


def _already_stored(posts):
    keys = {(user.pk, client_id) for user, _, client_id in posts if client_id is not None}
    if not keys:
        return {}
    candidates = Message.objects.select_related("author").filter(
        author_id__in={author for author, _ in keys}, client_id__in={client_id for _, client_id in keys}
    )
    return {(m.author_id, m.client_id): m for m in candidates if (m.author_id, m.client_id) in keys}
