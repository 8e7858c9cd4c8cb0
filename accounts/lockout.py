"""django-axes' view of a sign-in: which name a wrong password counts against, and the page a
locked name gets."""

import unicodedata

from django.conf import settings
from django.shortcuts import render


def lockout_name(request, credentials):
    """The name wrong passwords are counted against: as sign-in finds the account, in any case
    (accounts/user_names.py), so "ALICE" and "alice" share alice's ten guesses."""
    name = (credentials or {}).get("username") or request.POST.get("username")
    if not name:
        return name
    return unicodedata.normalize("NFKC", name).lower()


def lockout_page(request, original_response=None, credentials=None):
    return render(
        request,
        "registration/locked_out.html",
        {"minutes": settings.LOGIN_LOCKOUT_MINUTES},
        status=settings.AXES_HTTP_RESPONSE_CODE,  # 429
    )
