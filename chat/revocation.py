"""A socket lives no longer than the session that opened it: sign-out, a new password or a
deactivated account closes it (code 4001), on every server process."""

from importlib import import_module

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.utils.crypto import constant_time_compare

from chat.room_events import revoke_sockets

SessionStore = import_module(settings.SESSION_ENGINE).SessionStore


@receiver(user_logged_out)
def close_sockets_of_ended_session(sender, request, user, **kwargs):
    session_key = request.session.session_key
    if user is not None and session_key:
        # Django flushes the session only after this signal. End it first: a page told 4001 goes to
        # the login page at once and must find itself signed out, not be sent back into the room.
        request.session.flush()
        revoke_sockets(user.pk, session_key)


@receiver(pre_save, sender=get_user_model())
def close_sockets_when_credentials_change(sender, instance, update_fields=None, **kwargs):
    if instance.pk is None or (update_fields is not None and not {"password", "is_active"} & set(update_fields)):
        return  # e.g. the last_login update on every sign-in
    stored = sender.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if stored and (stored["password"] != instance.password or (stored["is_active"] and not instance.is_active)):
        transaction.on_commit(lambda: revoke_sockets(instance.pk))


def session_still_valid(session_key, user_id):
    """Re-read the session and user after a socket has joined the room: a sign-out, new password or
    deactivation that happened between the handshake and the join would otherwise go unnoticed."""
    session = SessionStore(session_key)
    if session.get(SESSION_KEY) != str(user_id):
        return False
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    return user is not None and constant_time_compare(session.get(HASH_SESSION_KEY, ""), user.get_session_auth_hash())
