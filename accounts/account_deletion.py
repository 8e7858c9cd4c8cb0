"""Leaving: an account deleted by its owner, or by staff in the admin.

The account goes and, with it, everything that names it: its messages (deleted as the room deletes
messages: gone from history and from every page that loads them), its profile, its session records
and its sessions, and the sign-in attempts kept under its name. Its sockets close at once (4001,
chat/revocation.py), and posts still in flight are refused to it alone (account_deleted).
"""

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.db import transaction

from accounts.session_records import do_end_every_session


def do_delete_account(user):
    name = user.get_username()
    with transaction.atomic():
        do_end_every_session(user)
        for model in (AccessAttempt, AccessFailureLog, AccessLog):
            model.objects.filter(username__iexact=name).delete()
        user.delete()
