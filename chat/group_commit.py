"""Posts that arrive while the database is busy with earlier ones are stored together: one
transaction, one commit, one announcement for the lot. Ids stay consecutive and in commit order
(the room's row lock), and each poster still gets its own answer. Under load this turns one commit
per message into one commit per batch; alone, a post is stored at once. A post that cannot be stored
(its author was deleted) fails alone: the batch is stored again without it.

Storage only: store_messages returns what it stored. What is done with a batch (store it, then
announce it: chat/posting.py's do_post_messages) is the caller's, handed to together()."""

import asyncio
import logging
import weakref

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from chat import history, hooks
from chat.models import MAIN_ROOM, Message, Room
from chat.refusal import Refused

log = logging.getLogger(__name__)

MAX_BATCH = 200

_queues = weakref.WeakKeyDictionary()  # event loop -> {action: CommitQueue}


async def together(action, post):
    """Runs `action` (async, [post] -> [result or Refused] in the same order) on this post and the
    others that arrive while an earlier batch is running; returns this post's result or raises its
    Refused."""
    queues = _queues.setdefault(asyncio.get_running_loop(), {})
    if action not in queues:
        queues[action] = CommitQueue(action)
    return await queues[action].submit(post)


class CommitQueue:
    def __init__(self, action):
        self.action = action
        self.waiting = []  # (post, future)
        self.draining = False

    async def submit(self, post):
        future = asyncio.get_running_loop().create_future()
        self.waiting.append((post, future))
        if not self.draining:
            self.draining = True
            asyncio.get_running_loop().create_task(self._drain())
        return await future

    async def _drain(self):
        try:
            while self.waiting:
                batch, self.waiting = self.waiting[:MAX_BATCH], self.waiting[MAX_BATCH:]
                try:
                    results = await self.action([post for post, _ in batch])
                except Exception as error:
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(error)
                    continue
                for (_, future), result in zip(batch, results):
                    if future.done():
                        continue
                    if isinstance(result, Refused):
                        future.set_exception(result)
                    else:
                        future.set_result(result)
        finally:
            self.draining = False


def store_messages(posts):
    """[(user, body, client_id)] -> [(message, created) or Refused] in the same order. A client_id its
    author already used (before, or earlier in this batch) gives back that message, created=False.
    The post of an author deleted meanwhile is Refused; the others are stored all the same."""
    refused = {}  # index in posts -> Refused
    while True:
        try:
            results = _store_in_one_transaction(posts, refused)
            # Announced with the name each author has now, not the one their socket opened with.
            history.with_current_authors([result[0] for result in results if not isinstance(result, Refused)])
            return results
        except IntegrityError:
            # All of it was rolled back. The one check a single post can fail here is its author's
            # foreign key (an account deleted while its socket was open); anything else concerns the
            # whole batch and fails it. One query finds those authors; the rest is stored again,
            # with its ids handed out again, so they stay consecutive.
            deleted = _deleted_authors(user for index, (user, _, _) in enumerate(posts) if index not in refused)
            if not deleted:
                raise
            for index, (user, _, client_id) in enumerate(posts):
                if user.pk in deleted:
                    refused[index] = Refused(
                        "account_deleted", "Your account no longer exists; the message was not stored.", client_id
                    )


def _store_in_one_transaction(posts, refused):
    with transaction.atomic():
        # The row lock serialises writers: ids are handed out, and committed, in one order.
        room, _ = Room.objects.select_for_update().get_or_create(name=MAIN_ROOM)
        known = _already_stored(posts)
        results, new = [], []
        for index, (user, body, client_id) in enumerate(posts):
            if index in refused:
                results.append(refused[index])
                continue
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
            hooks.messages_storing.send(sender=Message, messages=new)  # other apps, in this transaction
    return results


def _deleted_authors(users):
    authors = {user.pk for user in users}
    return authors - set(get_user_model().objects.filter(pk__in=authors).values_list("pk", flat=True))


def _already_stored(posts):
    keys = {(user.pk, client_id) for user, _, client_id in posts if client_id is not None}
    if not keys:
        return {}
    candidates = Message.objects.select_related(*history.AUTHOR).filter(
        author_id__in={author for author, _ in keys}, client_id__in={client_id for _, client_id in keys}
    )
    return {(m.author_id, m.client_id): m for m in candidates if (m.author_id, m.client_id) in keys}
