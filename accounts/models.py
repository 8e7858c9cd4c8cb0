from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import models


def shown_name(user):
    """The name others see: the display name, or the user name when there is none. Reads
    user.profile: select it with the user (select_related("profile")) to spare a query."""
    profile = getattr(user, "profile", None)  # None when the account never set one
    return (profile.display_name if profile else "") or user.get_username()


class Profile(models.Model):
    """What others see of an account beyond its user name. Read by chat/ through the user's
    `profile` relation (select_related), never by importing this app."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="profile")
    # "" shows the user name: accounts made before display names, and sign-ups that left it empty.
    display_name = models.CharField(max_length=50, blank=True)
    is_bot = models.BooleanField(default=False)

    def __str__(self):
        return self.display_name or self.user.get_username()


class SessionRecord(models.Model):
    """Which browser holds a session and when it was last seen: the sessions page lists them. Goes
    with its session (deleted with it, by sign-out, expiry or clearsessions)."""

    session = models.OneToOneField(Session, on_delete=models.CASCADE, primary_key=True, db_constraint=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="session_records")
    user_agent = models.CharField(max_length=300, blank=True)
    last_seen = models.DateTimeField()

    class Meta:
        ordering = ["-last_seen"]
