"""The ways a message changes once posted: edit, delete, react, unreact. Each checks what it can
without the database, then joins the room's commit queue (chat/group_commit.py) with posts, where
chat/changes.py decides what is refused or would change nothing; what changed is announced before
it is done. Each gives the Outcome: event None means it changed nothing (`unchanged`). do_queue_*
return once the change is queued (a socket reads on: chat/changes_in_flight.py); do_* wait for it."""

from asgiref.sync import async_to_sync
from django.db import transaction

from chat import changes, group_commit, room_changes
from chat.posting import check_message, check_rate


async def do_edit(user, message_id, body, rev=None, client_id=None):
    return await (await do_queue_edit(user, message_id, body, rev, client_id))


async def do_delete(user, message_id, client_id=None):
    return await (await do_queue_delete(user, message_id, client_id))


async def do_react(user, message_id, emoji, client_id=None):
    return await (await do_queue_react(user, message_id, emoji, client_id))


async def do_unreact(user, message_id, emoji, client_id=None):
    return await (await do_queue_unreact(user, message_id, emoji, client_id))


# The same, without waiting (as posting.do_queue_post): each checks the change (raising its
# Refused), queues it behind every change queued before it, and returns the future of its Outcome.
async def do_queue_edit(user, message_id, body, rev=None, client_id=None):
    check_message(user, body, client_id)
    await check_rate(user, client_id)
    return _queued(changes.EditChange(user, message_id, body, rev, client_id))


async def do_queue_delete(user, message_id, client_id=None):
    await check_rate(user, client_id)
    return _queued(changes.DeleteChange(user, message_id, client_id))


async def do_queue_react(user, message_id, emoji, client_id=None):
    await check_rate(user, client_id)
    return _queued(changes.ReactionChange(user, message_id, emoji, True, client_id))


async def do_queue_unreact(user, message_id, emoji, client_id=None):
    await check_rate(user, client_id)
    return _queued(changes.ReactionChange(user, message_id, emoji, False, client_id))


async def do_delete_many(staff, message_ids):
    """Staff deleting several messages at once (the admin): one batch, one event per message."""
    batch = [changes.DeleteChange(staff, message_id, None) for message_id in message_ids]
    return await room_changes.do_changes(batch) if batch else []


def delete_from_admin(staff, message_ids):
    """The admin's deletes (sync): the same change and event as from the room, once the admin's
    own transaction (if any) has committed, so what is announced is stored."""
    ids = list(message_ids)
    transaction.on_commit(lambda: async_to_sync(do_delete_many)(staff, ids))


def _queued(change):
    return group_commit.queued(room_changes.do_changes, change)
