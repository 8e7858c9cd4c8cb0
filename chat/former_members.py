"""What stays of a person who leaves: nothing with their name. accounts sends `account_leaving`
before it deletes the row (accounts imports nothing of chat). Their messages are deleted as the room
deletes messages and their reactions taken back, each with its event; then what the room keeps of
them (placeholders, log rows) is handed to one shared "former member" account, so deleting the row
cascades into nothing of the room and the seqs keep no holes."""

import copy

from asgiref.sync import async_to_sync
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.dispatch import receiver
from django.utils import translation
from django.utils.translation import gettext

from accounts.signals import account_leaving
from chat import changes, room_changes
from chat.group_commit import MAX_BATCH
from chat.models import Event, Message, Reaction

# A space: a user name sign-up can never take (user names are letters, digits and @.+-_).
FORMER_MEMBER = "former member"


@receiver(account_leaving)
def take_leaver_off_the_room(sender, user, **kwargs):
    # Deleted as staff deletes them: the edit window does not keep a leaver's old messages.
    leaving = copy.copy(user)
    leaving.is_staff = True
    _in_batches([changes.DeleteChange(leaving, message_id, None) for message_id in
                 Message.objects.filter(author=user, deleted=False).values_list("id", flat=True)])
    _in_batches([changes.ReactionChange(user, message_id, emoji, False, None) for message_id, emoji in
                 Reaction.objects.filter(user=user).values_list("message_id", "emoji")])
    with transaction.atomic():
        former = former_member()
        Message.objects.filter(author=user).update(author=former, client_id=None)
        Event.objects.filter(user=user).update(user=former, client_id=None)
        Reaction.objects.filter(user=user).update(user=former)  # none is left after the unreacts, but for a race


def former_member():
    user, created = get_user_model().objects.get_or_create(username=FORMER_MEMBER, defaults={"is_active": False})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        with translation.override(settings.LANGUAGE_CODE):
            name = gettext("a former member")
        # The relation accounts' Profile keeps (chat reads it through the user, never the app).
        type(user).profile.related.related_model.objects.create(user=user, display_name=name)
    return user


def _in_batches(batch):
    for start in range(0, len(batch), MAX_BATCH):
        async_to_sync(room_changes.do_changes)(batch[start:start + MAX_BATCH])
