from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

MAIN_ROOM = "main"


class Room(models.Model):
    """A room's counters, taken under its row lock: id order and seq order are commit order
    (docs/architecture.md)."""

    name = models.CharField(max_length=64, unique=True)
    last_message_id = models.BigIntegerField(default=0)
    last_seq = models.BigIntegerField(default=0, db_default=0)  # the newest Event's seq

    def __str__(self):
        return self.name


class Message(models.Model):
    # Assigned from Room.last_message_id, never by the database: ids have no holes but deletions.
    id = models.BigIntegerField(primary_key=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="messages")
    body = models.TextField()  # "" once deleted: the text is scrubbed, the row stays as a placeholder
    created_at = models.DateTimeField(default=timezone.now)
    client_id = models.CharField(max_length=64, null=True, blank=True)
    seq = models.BigIntegerField(null=True, blank=True)  # the Event that created it; null: stored before events
    rev = models.IntegerField(default=0, db_default=0)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted = models.BooleanField(default=False, db_default=False)
    reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies", db_index=False
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "client_id"],
                condition=Q(client_id__isnull=False),
                name="message_client_id_once_per_author",
            )
        ]
        indexes = [
            # Deleting a message scrubs the excerpts of its replies: found without reading the room.
            models.Index(fields=["reply_to"], condition=Q(reply_to__isnull=False), name="message_replies"),
        ]

    def __str__(self):
        # No text: this is what the admin's log and its messages keep of a message it deleted.
        return f"#{self.id} by {self.author}"


class Event(models.Model):
    """One change to the room, in the room's one order: replay, /api/events/ and the feed's hole
    filling read these. The text of a chat or edit event is the text as it was then; deleting the
    message empties it."""

    CHAT, EDIT, DELETE, REACTION = "chat", "edit", "delete", "reaction"
    KINDS = [(CHAT, CHAT), (EDIT, EDIT), (DELETE, DELETE), (REACTION, REACTION)]

    seq = models.BigIntegerField(primary_key=True)  # from Room.last_seq, under the room's lock
    kind = models.CharField(max_length=8, choices=KINDS)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="events", db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(blank=True, default="")  # chat, edit: the text then
    excerpt = models.TextField(blank=True, default="")  # chat of a reply: the original's excerpt then
    rev = models.IntegerField(null=True, blank=True)  # edit: the new rev
    emoji = models.CharField(max_length=64, blank=True, default="")  # reaction
    added = models.BooleanField(null=True, blank=True)  # reaction: on (true) or off (false)
    at = models.DateTimeField(default=timezone.now)
    client_id = models.CharField(max_length=64, null=True, blank=True)

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["message", "kind"], name="event_message_kind")]

    def __str__(self):
        return f"{self.seq} {self.kind} #{self.message_id}"


class EditVersion(models.Model):
    """An earlier text of a message, with the time it was written (posted, or the edit before)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="versions")
    text = models.TextField()
    written_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]


class Reaction(models.Model):
    """One person's emoji on a message. A message's emoji are listed by rank: the seq of the event
that first put the emoji there, kept by every later reaction with it while anyone still has it
(so the order is the one a client gets by applying the events)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    emoji = models.CharField(max_length=64)
    rank = models.BigIntegerField()

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["message", "user", "emoji"], name="reaction_once")]
