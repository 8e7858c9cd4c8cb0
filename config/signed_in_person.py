"""The signed-in user as an open socket keeps them in scope["user"]: id, username, staff or not.

The User instance the session gives is about 1 KiB (an instance dict with every field: the password
hash, e-mail, dates, _state), kept as long as the socket is open. A socket needs three of its
fields: the id, the username (frames, presence) and is_staff (staff may delete others' messages).
Like the instance it is read once, at the handshake.
"""

from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS

KEPT_FIELDS = ("id", "username", "is_staff", "is_active")


class SignedInPerson:
    __slots__ = ("pk", "username", "is_staff")
    is_authenticated = True
    is_anonymous = False
    is_active = True  # the session gives active users only (ModelBackend.get_user)

    def __init__(self, user):
        self.pk = user.pk
        self.username = user.get_username()
        self.is_staff = user.is_staff

    def get_username(self):
        return self.username

    def as_user(self):
        """A User instance for the code that stores what the socket sends (a message's author, an
        event's user). Made as a query with .only() makes it: the other fields are deferred, and
        save() would write the fields it has, never blank out the others."""
        return get_user_model().from_db(DEFAULT_DB_ALIAS, KEPT_FIELDS, (self.pk, self.username, self.is_staff, True))
