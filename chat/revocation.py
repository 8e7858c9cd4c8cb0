"""A socket lives no longer than the session that opened it: sign-out, a deleted or expired session,
a new password, a deactivated or deleted account closes it (code 4001), on every server process."""

import asyncio
import logging
from datetime import timedelta
from importlib import import_module

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.db import DatabaseError, transaction
from django.db.models.signals import post_delete, pre_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from chat.room_events import revoke_sockets

log = logging.getLogger(__name__)

SessionStore = import_module(settings.SESSION_ENGINE).SessionStore
Session = SessionStore.get_model_class()  # sessions are rows: their deletion is a signal
EXPIRY_RECHECK_AFTER_FAILURE = timedelta(minutes=1)


@receiver(post_delete, sender=Session)
def close_sockets_of_deleted_session(sender, instance, **kwargs):
    # Sign-out (Django deletes the session after user_logged_out, so a page told 4001 finds itself
    # signed out), the admin, a script. An expired session's sockets closed themselves at its expiry
    # (SessionExpiryWatch): skipping those keeps clearsessions from publishing per row.
    if instance.expire_date <= timezone.now():
        return
    user_id = instance.get_decoded().get(SESSION_KEY)
    if user_id is not None:
        user_id, session_key = get_user_model()._meta.pk.to_python(user_id), instance.session_key
        transaction.on_commit(lambda: revoke_sockets(user_id, session_key))


@receiver(post_delete, sender=get_user_model())
def close_sockets_of_deleted_user(sender, instance, **kwargs):
    user_id = instance.pk  # Django sets instance.pk to None once deleted, before the commit
    transaction.on_commit(lambda: revoke_sockets(user_id))


@receiver(pre_save, sender=get_user_model())
def close_sockets_when_credentials_change(sender, instance, update_fields=None, **kwargs):
    if instance.pk is None or (update_fields is not None and not {"password", "is_active"} & set(update_fields)):
        return  # e.g. the last_login update on every sign-in
    stored = sender.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if stored and (stored["password"] != instance.password or (stored["is_active"] and not instance.is_active)):
        transaction.on_commit(lambda: revoke_sockets(instance.pk))


def session_expiry(session_key, user_id):
    """When the session ends, if it is still signed in as user_id, with the user's current password,
    on an active account; None if not. Read again after a socket has joined the room: a sign-out,
    new password or deactivation between the handshake and the join would otherwise go unnoticed."""
    session = Session.objects.filter(session_key=session_key, expire_date__gt=timezone.now()).first()
    if session is None:
        return None
    data = session.get_decoded()
    if data.get(SESSION_KEY) != str(user_id):
        return None
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not constant_time_compare(data.get(HASH_SESSION_KEY, ""), user.get_session_auth_hash()):
        return None
    return session.expire_date


class SessionExpiryWatch:
    """Closes the socket (4001) once its session has expired. It waits on a timer of the event loop
    until the expiry it was given (no task and no sleeping coroutine per socket meanwhile), then reads
    the session again in a task: one timer per socket and one read per expiry, nothing per frame. A
    session saved since then (a request that changed it moves its expiry on) is waited for anew.
    The socket offers session_key, user_id and revoke(); cancel() when the socket ends."""

    __slots__ = ("socket", "timer", "reading")

    def __init__(self, socket, expires):
        self.socket = socket
        self.reading = None
        self._wait_until(expires)

    def cancel(self):
        self.timer.cancel()
        if self.reading is not None:
            self.reading.cancel()

    def _wait_until(self, expires):
        delay = max(0.0, (expires - timezone.now()).total_seconds())
        # The watch itself is the timer's callback (__call__): a bound method would be one more object.
        self.timer = asyncio.get_running_loop().call_later(delay, self)

    def __call__(self):
        """The expiry has come: read the session again."""
        self.reading = asyncio.get_running_loop().create_task(self._read_again())

    async def _read_again(self):
        try:
            expires = await database_sync_to_async(session_expiry)(self.socket.session_key, self.socket.user_id)
        except DatabaseError:
            log.warning("could not read a socket's session at its expiry; trying again", exc_info=True)
            expires = timezone.now() + EXPIRY_RECHECK_AFTER_FAILURE
        self.reading = None
        if expires is None:
            self.socket.revoke()
        else:
            self._wait_until(expires)
