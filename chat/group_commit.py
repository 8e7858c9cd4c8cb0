"""Changes that arrive while the database is busy with earlier ones are stored together: one
transaction, one commit, one announcement for the lot. Posts, edits, deletes and reactions alike:
ids and seqs stay consecutive and in commit order (the room's row lock), and each sender still gets
its own answer. Under load this turns one commit per change into one commit per batch; alone, a
change is stored at once. A change that is refused (chat/changes.py) or cannot be stored (its
author was deleted) fails alone: the others are stored all the same.

Storage only: store_changes returns what it stored. What is done with a batch (store it, then
announce it: chat/room_changes.py's do_changes) is the caller's, handed to together()."""

import asyncio
import logging

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q

from chat import changes, hooks, message_state
from chat.bulk_insert import bulk_insert
from chat.models import MAIN_ROOM, EditVersion, Event, Message, Reaction, Room
from chat.per_event_loop import PerEventLoop
from chat.refusal import Refused

log = logging.getLogger(__name__)

MAX_BATCH = 200

_queues = PerEventLoop(dict)  # {action: CommitQueue}


async def together(action, post):
    """Runs `action` (async, [change] -> [result or Refused] in the same order) on this change and
    the others that arrive while an earlier batch is running; returns this one's result or raises
    its Refused."""
    return await queued(action, post)


def queued(action, post):
    """The same, without waiting: the change joins the queue now, behind every change queued
    before it (so one socket's changes are stored in the order it sent them), and the future of its
    result is returned."""
    queues = _queues.current()
    if action not in queues:
        queues[action] = CommitQueue(action)
    return queues[action].submit(post)


class CommitQueue:
    def __init__(self, action):
        self.action = action
        self.waiting = []  # (post, future)
        self.draining = False

    def submit(self, post):
        future = asyncio.get_running_loop().create_future()
        self.waiting.append((post, future))
        if not self.draining:
            self.draining = True
            asyncio.get_running_loop().create_task(self._drain())
        return future

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
    results = store_changes([changes.PostChange(user, body, client_id) for user, body, client_id in posts])
    return [r if isinstance(r, Refused) else (r.message, r.created) for r in results]


def store_changes(batch):
    """[PostChange, EditChange, DeleteChange or ReactionChange] -> [Outcome or Refused] in the same
    order, stored in one transaction with consecutive seqs in this order. Messages that an Outcome
    names without an event (unchanged, a repeated post) come in their current state (reactions
    read: chat/message_state.py)."""
    refused = {}  # index in batch -> Refused
    while True:
        try:
            results = _store_in_one_transaction(batch, refused)
            break
        except IntegrityError:
            # All of it was rolled back. The one check a single change can fail here is its user's
            # foreign key (an account deleted while its socket was open); anything else concerns the
            # whole batch and fails it. One query finds those users; the rest is stored again,
            # with its ids and seqs handed out again, so they stay consecutive.
            deleted = _deleted_authors(change.user for index, change in enumerate(batch) if index not in refused)
            if not deleted:
                raise
            for index, change in enumerate(batch):
                if change.user.pk in deleted:
                    refused[index] = Refused(
                        "account_deleted", "Your account no longer exists; nothing was stored.", change.client_id
                    )
    as_they_are = {r.message.id: r.message for r in results if not isinstance(r, Refused) and r.event is None}
    message_state.load(list(as_they_are.values()))
    return results


def _store_in_one_transaction(batch, refused):
    with transaction.atomic():
        # The row lock serialises writers: ids and seqs are handed out, and committed, in one order.
        room, _ = Room.objects.select_for_update().get_or_create(name=MAIN_ROOM)
        targets = _targets(batch)
        stored = changes.Batch(room, targets, *_reactions(targets))
        known = _already_stored(batch)
        results = []
        for index, change in enumerate(batch):
            if index in refused:
                results.append(refused[index])
                continue
            if isinstance(change, changes.PostChange) and change.client_id is not None:
                if (change.user.pk, change.client_id) in known:
                    results.append(changes.Outcome(known[(change.user.pk, change.client_id)]))
                    continue
            try:
                outcome = changes.APPLY[type(change)](stored, change)
            except Refused as refusal:
                results.append(refusal)
                continue
            if outcome.created and change.client_id is not None:
                known[(change.user.pk, change.client_id)] = outcome.message
            results.append(outcome)
        _write(stored)
    return results


def _write(stored):
    for event in stored.events:
        if event.message.deleted:
            event.text = ""  # edited, then deleted, in this very batch
        if event.kind == Event.CHAT and event.message.reply_to is not None and event.message.reply_to.deleted:
            event.excerpt = ""
    # One update per edit (bulk_update's CASE per field costs more CPU than it saves here), one for
    # every delete.
    for message in stored.edited.values():
        message.save(update_fields=["body", "rev", "edited_at"])
    if stored.deleted:
        Message.objects.filter(id__in=stored.deleted).update(deleted=True, body="")
        _scrub(list(stored.deleted))
    bulk_insert(Message, stored.new_messages)
    # The earlier texts of a message deleted later in this batch are gone with it.
    bulk_insert(EditVersion, [version for version in stored.versions if not version.message.deleted])
    if stored.reactions_removed:
        gone = Q()
        for message_id, user_id, emoji in stored.reactions_removed:
            gone |= Q(message_id=message_id, user_id=user_id, emoji=emoji)
        Reaction.objects.filter(gone).delete()
    bulk_insert(Reaction, stored.reactions_added.values())
    if stored.events:
        bulk_insert(Event, stored.events)
        stored.room.save(update_fields=["last_message_id", "last_seq"])
    if stored.new_messages:
        hooks.messages_storing.send(sender=Message, messages=stored.new_messages)  # other apps, in this transaction
    if stored.events:
        hooks.events_storing.send(sender=Event, events=stored.events)


def _scrub(deleted):
    """The text of messages deleted in this batch goes from every row that held it before it (this
    batch's own rows are written without it), and their reactions go."""
    EditVersion.objects.filter(message_id__in=deleted).delete()
    Event.objects.filter(message_id__in=deleted, kind__in=[Event.CHAT, Event.EDIT]).update(text="")
    Event.objects.filter(kind=Event.CHAT, message__reply_to_id__in=deleted).update(excerpt="")
    Reaction.objects.filter(message_id__in=deleted).delete()


def _targets(batch):
    ids = {message_id for change in batch for message_id in changes.named_ids(change)}
    if not ids:
        return {}
    rows = Message.objects.select_related("author", "reply_to__author").filter(id__in=ids)
    return {message.id: message for message in rows}


def _reactions(targets):
    """({message id: {emoji: [user id]}}, {(message id, emoji): rank}) of the named messages."""
    found, ranks = {message_id: {} for message_id in targets}, {}
    if targets:
        rows = Reaction.objects.filter(message_id__in=targets).order_by("rank", "id")
        for message_id, emoji, user_id, rank in rows.values_list("message_id", "emoji", "user_id", "rank"):
            found[message_id].setdefault(emoji, []).append(user_id)
            ranks[(message_id, emoji)] = rank
    return found, ranks


def _deleted_authors(users):
    authors = {user.pk for user in users}
    return authors - set(get_user_model().objects.filter(pk__in=authors).values_list("pk", flat=True))


def _already_stored(batch):
    keys = {(change.user.pk, change.client_id) for change in batch
            if isinstance(change, changes.PostChange) and change.client_id is not None}
    if not keys:
        return {}
    # A repeat is rare: the ids first (a plain query costs a third of one with the joins), the
    # messages with their authors only for the repeats found.
    candidates = Message.objects.filter(
        author_id__in={author for author, _ in keys}, client_id__in={client_id for _, client_id in keys}
    ).values_list("author_id", "client_id", "id")
    found = {(author, client_id): id for author, client_id, id in candidates if (author, client_id) in keys}
    if not found:
        return {}
    messages = Message.objects.select_related("author", "reply_to__author").in_bulk(found.values())
    return {key: messages[id] for key, id in found.items()}
