"""Password reset: by e-mail through Django's own views, and the staff's one-time link.

Both are Django's reset tokens: valid for PASSWORD_RESET_TIMEOUT, and for one use, since a token is
made from the password it resets (and the last sign-in): once a new password is set, it is void.

Asking for a mail never says whether the address belongs to anyone: the answer is the same page.
Asks are throttled per address (mails sent) and per client address (asks), in the cache.
"""

import hashlib

from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

MAILS_PER_ADDRESS, ADDRESS_WINDOW = 3, 3600  # reset mails to one address per hour
ASKS_PER_CLIENT, CLIENT_WINDOW = 10, 900  # asks from one client address per 15 minutes


def reset_path(user):
    """The path of a one-time reset link for the user (the staff's link, the e-mail's)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": default_token_generator.make_token(user)})


def within_limit(kind, who, limit, window):
    """Counts one more for `who` and says whether it is within `limit` per `window` seconds."""
    key = f"{settings.REDIS_PREFIX}:throttle:{kind}:{hashlib.sha256(who.encode()).hexdigest()}"
    cache.add(key, 0, window)
    try:
        return cache.incr(key) <= limit
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        return True


class PasswordResetForm(auth_forms.PasswordResetForm):
    def get_users(self, email):
        # Quietly no mail beyond the limit: the page says the same as when a mail was sent.
        if not within_limit("reset-mail", email.casefold(), MAILS_PER_ADDRESS, ADDRESS_WINDOW):
            return iter(())
        return super().get_users(email)
