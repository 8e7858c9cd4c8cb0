"""A batch of changes to the room (posts, edits, deletes, reactions): stored in one transaction,
then announced as one event, then the apps hooked in are told. Nothing is announced that is not
stored. The action chat/group_commit.py's queue runs; the do_* functions of chat/posting.py and
chat/editing.py hand it their change."""

import logging

from channels.db import database_sync_to_async

from chat import group_commit, hooks, message_state, room_events
from chat.models import Event, Message
from chat.refusal import Refused

log = logging.getLogger(__name__)


async def do_changes(batch):
    """[change] -> [Outcome or Refused] in the same order (chat/changes.py)."""
    results = await database_sync_to_async(_store)(batch)
    events = [r.event for r in results if not isinstance(r, Refused) and r.event is not None]
    if events:
        await room_events.announce_events(events)
        created = [r.message for r in results if not isinstance(r, Refused) and r.created]
        if created:
            await _tell(hooks.messages_posted, sender=Message, messages=created)
        await _tell(hooks.events_announced, sender=Event, events=events)
    return results


def _store(batch):
    results = group_commit.store_changes(batch)
    # What the event frames show besides their rows: the contributed fields (no reactions in them).
    message_state.load(list({r.message.id: r.message for r in results
                             if not isinstance(r, Refused) and r.event is not None}.values()), reactions=False)
    return results


async def _tell(signal, **kwargs):
    for receiver, error in await signal.asend_robust(**kwargs):
        if isinstance(error, Exception):
            log.error("%r failed on %s", receiver, kwargs.get("sender").__name__, exc_info=error)
