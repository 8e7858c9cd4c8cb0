"""The sessions a person is signed in with: which browser, last seen when. A record is written when a
session signs in and then at most every LAST_SEEN_EVERY, not on every request; it is deleted with its
session. Ending sessions deletes their rows, and chat/revocation.py closes their sockets (4001)."""

import hashlib
import time

from django.contrib.auth import SESSION_KEY, user_logged_in
from django.contrib.sessions.models import Session
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from accounts.models import SessionRecord

LAST_SEEN_EVERY = 300  # seconds
SEEN_AT = "_accounts_seen_at"  # in the session: when its record was last written


def session_id(session_key):
    """What the sessions page names a session by: a digest, since the key itself signs in."""
    return hashlib.sha256(session_key.encode()).hexdigest()[:32]


class SessionRecordMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is None or user is None or not user.is_authenticated or not session.session_key:
            return response
        now = time.time()
        if now - session.get(SEEN_AT, 0) >= LAST_SEEN_EVERY:
            SessionRecord.objects.update_or_create(
                session_id=session.session_key,
                defaults={"user": user, "user_agent": request.headers.get("User-Agent", "")[:300],
                          "last_seen": timezone.now()},
            )
            session[SEEN_AT] = now
        return response


@receiver(user_logged_in)
def record_on_next_response(sender, request, user, **kwargs):
    # The session was copied under a new key at sign-in: its record is written on this response.
    if request is not None and hasattr(request, "session"):
        request.session.pop(SEEN_AT, None)


def open_sessions(user):
    """(record, id) of the user's sessions that have not expired, the most recently seen first."""
    records = SessionRecord.objects.filter(user=user, session__expire_date__gt=timezone.now())
    return [(record, session_id(record.session_id)) for record in records]


def do_end_session(user, chosen_id):
    """Signs one of the user's sessions out; False when it is not one of theirs (or already ended)."""
    for record, record_id in open_sessions(user):
        if record_id == chosen_id:
            Session.objects.filter(session_key=record.session_id).delete()
            return True
    return False


def do_end_every_session(user):
    """Signs the user out everywhere: every session, with a record or from before records were kept."""
    with transaction.atomic():
        keys = set(SessionRecord.objects.filter(user=user).values_list("session_id", flat=True))
        unrecorded = Session.objects.filter(expire_date__gt=timezone.now()).exclude(session_key__in=keys)
        for session in unrecorded.iterator():
            if session.get_decoded().get(SESSION_KEY) == str(user.pk):
                keys.add(session.session_key)
        # One by one: each deletion is the signal that closes that session's sockets.
        for session in Session.objects.filter(session_key__in=keys):
            session.delete()
