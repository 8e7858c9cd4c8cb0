from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

MAIN_ROOM = "main"


class Room(models.Model):
    """A room's message counter: taken under a row lock, so id order is commit order (docs/architecture.md)."""

    name = models.CharField(max_length=64, unique=True)
    last_message_id = models.BigIntegerField(default=0)

    def __str__(self):
        return self.name


class Message(models.Model):
    # Assigned from Room.last_message_id, never by the database: ids have no holes but deletions.
    id = models.BigIntegerField(primary_key=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="messages")
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    client_id = models.CharField(max_length=64, null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "client_id"],
                condition=Q(client_id__isnull=False),
                name="message_client_id_once_per_author",
            )
        ]

    def __str__(self):
        return f"#{self.id} {self.author}: {self.body[:40]}"

