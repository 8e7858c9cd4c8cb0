"""Leaving: an account deleted by its owner, or by staff in the admin.

Its sessions end first: its sockets close at once (4001, chat/revocation.py), and posts still in
flight are refused to it alone (account_deleted). Then `account_leaving` is sent: chat deletes every
message of theirs as the room deletes messages (a `delete` event each, the text scrubbed everywhere)
and takes back every reaction of theirs (an unreact each), then hands the placeholders and the
room's log rows to one shared, inactive "former member" account, so the room's seqs stay
consecutive (chat/former_members.py). Then the account goes, with its profile, its session records
and the sign-in attempts kept under its name: nothing of theirs stays reachable by name.
"""

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.db import transaction

from accounts.session_records import do_end_every_session
from accounts.signals import account_leaving


def do_delete_account(user):
    name = user.get_username()
    with transaction.atomic():
        do_end_every_session(user)
    # Outside the transaction: the room's deletes are committed and announced batch by batch.
    account_leaving.send(sender=type(user), user=user)
    with transaction.atomic():
        for model in (AccessAttempt, AccessFailureLog, AccessLog):
            model.objects.filter(username__iexact=name).delete()
        user.delete()
