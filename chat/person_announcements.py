"""Open pages learn a new display name at once: chat subscribes to accounts' signal (accounts
imports nothing of chat) and announces it to every server process."""

from django.dispatch import receiver

from accounts.signals import display_name_changed
from chat.room_events import announce_person


@receiver(display_name_changed)
def announce_new_display_name(sender, user, display_name, **kwargs):
    announce_person(user.get_username(), display_name)
