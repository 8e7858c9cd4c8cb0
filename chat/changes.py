"""The kinds of change to the room, and how each applies inside the storing transaction
(chat/group_commit.py): what is refused, what would change nothing, what is written.

Each apply function gets the batch's Batch (the room row, locked; the messages the batch names;
their reactions) and returns an Outcome or a Refused. A refusal writes nothing, so one change
refused never undoes the others of its batch. The apply functions change the batch's objects in
memory; chat/group_commit.py writes the lot as the batch ends, a few statements per batch, not per
change. A message posted earlier in the batch is one of those it names: a socket may edit, react to
or delete its post before that post is committed, and the change applies after it."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from chat.excerpt import excerpt
from chat.models import EditVersion, Event, Message, Reaction
from chat.refusal import Refused

EMOJI_PER_MESSAGE = 20


@dataclass(frozen=True)
class PostChange:
    user: object
    body: str
    client_id: str | None
    reply_to: int | None = None


@dataclass(frozen=True)
class EditChange:
    user: object
    id: int
    body: str
    rev: int | None
    client_id: str | None


@dataclass(frozen=True)
class DeleteChange:
    user: object
    id: int
    client_id: str | None


@dataclass(frozen=True)
class ReactionChange:
    user: object
    id: int
    emoji: str
    added: bool
    client_id: str | None


@dataclass
class Outcome:
    """What a change did: event None when it changed nothing (the message is then its current
    state: `unchanged`, or the original of a repeated post)."""

    message: Message
    event: Event | None = None
    created: bool = False


@dataclass
class Batch:
    room: object
    targets: dict  # id -> Message: every existing message the batch names
    reactions: dict  # message id -> {emoji: [user id, ...]} (emoji in first-use order)
    ranks: dict  # (message id, emoji) -> the rank its reactions share (chat/models.py Reaction)
    now: object = field(default_factory=timezone.now)
    new_messages: list = field(default_factory=list)
    events: list = field(default_factory=list)
    versions: list = field(default_factory=list)
    reactions_added: dict = field(default_factory=dict)  # (message id, user id, emoji) -> Reaction
    reactions_removed: set = field(default_factory=set)
    new_ids: set = field(default_factory=set)  # ids of new_messages: not in the database until the batch ends
    edited: dict = field(default_factory=dict)  # id -> an existing Message edited in the batch
    deleted: dict = field(default_factory=dict)  # id -> an existing Message deleted in the batch

    def event(self, kind, message, user, client_id, **data):
        self.room.last_seq += 1
        event = Event(seq=self.room.last_seq, kind=kind, message=message, user=user, client_id=client_id,
                      at=self.now, **data)
        self.events.append(event)
        return event

    def written_later(self, message, into):
        # A message posted in this batch is inserted in its final state; an existing one is updated.
        if message.id not in self.new_ids:
            into[message.id] = message


def named_ids(change):
    """The ids of existing messages a change names."""
    if isinstance(change, PostChange):
        return [change.reply_to] if change.reply_to is not None else []
    return [change.id]


def apply_post(batch, change):
    original = None
    if change.reply_to is not None:
        original = batch.targets.get(change.reply_to)
        if original is None or original.deleted:
            raise Refused("not_found", "The message you reply to does not exist or was deleted.", change.client_id)
    batch.room.last_message_id += 1
    message = Message(id=batch.room.last_message_id, author=change.user, body=change.body,
                      client_id=change.client_id, reply_to=original, created_at=batch.now)
    event = batch.event(Event.CHAT, message, change.user, change.client_id, text=change.body,
                        excerpt=excerpt(original.body) if original is not None else "")
    message.seq = event.seq
    batch.new_messages.append(message)
    batch.new_ids.add(message.id)
    batch.targets[message.id] = message  # the later changes of the batch may name it
    return Outcome(message, event, created=True)


def apply_edit(batch, change):
    message = _existing(batch, change)
    _own_within_window(message, change, "edit")
    if message.body == change.body:
        return Outcome(message)
    if change.rev is not None and change.rev != message.rev:
        raise Refused("conflict", f"The message changed since (it is at rev {message.rev}); nothing was "
                      "overwritten.", change.client_id)
    batch.versions.append(EditVersion(message=message, text=message.body,
                                      written_at=message.edited_at or message.created_at))
    message.body, message.rev, message.edited_at = change.body, message.rev + 1, batch.now
    batch.written_later(message, batch.edited)
    return Outcome(message, batch.event(Event.EDIT, message, change.user, change.client_id, text=change.body,
                                        rev=message.rev))


def apply_delete(batch, change):
    message = batch.targets.get(change.id)
    if message is None:
        raise Refused("not_found", "There is no such message.", change.client_id)
    if message.deleted:
        return Outcome(message)
    if not change.user.is_staff:
        _own_within_window(message, change, "delete")
    # The text goes from every place that held it (its versions, events, replies' excerpts: written
    # by chat/group_commit.py); the row stays as the placeholder, without reactions.
    message.deleted, message.body = True, ""
    batch.written_later(message, batch.deleted)
    batch.reactions[message.id] = {}
    for key in [key for key in batch.reactions_added if key[0] == message.id]:
        del batch.reactions_added[key]
    return Outcome(message, batch.event(Event.DELETE, message, change.user, change.client_id))


def apply_reaction(batch, change):
    message = batch.targets.get(change.id)
    if message is None or (message.deleted and change.added):
        raise Refused("not_found", "There is no such message, or it was deleted.", change.client_id)
    emoji_users = batch.reactions.setdefault(message.id, {})
    users = emoji_users.get(change.emoji, [])
    key = (message.id, change.user.pk, change.emoji)
    if change.added:
        if change.user.pk in users:
            return Outcome(message)
        if change.emoji not in emoji_users and len(emoji_users) >= EMOJI_PER_MESSAGE:
            raise Refused("limit_reached", f"A message has at most {EMOJI_PER_MESSAGE} different emoji.",
                          change.client_id)
        if change.emoji not in emoji_users:
            batch.ranks[(message.id, change.emoji)] = batch.room.last_seq + 1  # this event's seq
        emoji_users.setdefault(change.emoji, []).append(change.user.pk)
        batch.reactions_added[key] = Reaction(message=message, user=change.user, emoji=change.emoji,
                                              rank=batch.ranks[(message.id, change.emoji)])
    else:
        if change.user.pk not in users:
            return Outcome(message)
        users.remove(change.user.pk)
        if not users:
            del emoji_users[change.emoji]
        if batch.reactions_added.pop(key, None) is None:
            batch.reactions_removed.add(key)
    return Outcome(message, batch.event(Event.REACTION, message, change.user, change.client_id,
                                        emoji=change.emoji, added=change.added))


APPLY = {PostChange: apply_post, EditChange: apply_edit, DeleteChange: apply_delete, ReactionChange: apply_reaction}


def _existing(batch, change):
    message = batch.targets.get(change.id)
    if message is None or message.deleted:
        raise Refused("not_found", "There is no such message, or it was deleted.", change.client_id)
    return message


def _own_within_window(message, change, what):
    if message.author_id != change.user.pk:
        raise Refused("forbidden", f"You can only {what} your own messages.", change.client_id)
    window = settings.CHAT_EDIT_WINDOW
    if window and timezone.now() - message.created_at > timedelta(seconds=window):
        raise Refused("edit_window_closed", f"Messages can be changed for {window} seconds after posting.",
                      change.client_id)
