"""A socket lives no longer than the session that opened it: sign-out, a new password or a
deactivated account closes it (code 4001), on every server process."""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models.signals import pre_save
from django.dispatch import receiver

from chat.room_events import revoke_sockets


@receiver(user_logged_out)
def close_sockets_of_ended_session(sender, request, user, **kwargs):
    if user is not None and request.session.session_key:
        revoke_sockets(user.pk, request.session.session_key)


@receiver(pre_save, sender=get_user_model())
def close_sockets_when_credentials_change(sender, instance, update_fields=None, **kwargs):
    if instance.pk is None or (update_fields is not None and not {"password", "is_active"} & set(update_fields)):
        return  # e.g. the last_login update on every sign-in
    stored = sender.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if stored and (stored["password"] != instance.password or (stored["is_active"] and not instance.is_active)):
        transaction.on_commit(lambda: revoke_sockets(instance.pk))
