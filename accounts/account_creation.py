from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction


def do_create_account(form):
    """Stores the account a valid sign-up form describes. Returns None, with the error on the form's
    user name, when another sign-up took the name (in any case) after the form checked it: the
    database's unique index on LOWER(username) is what decides."""
    try:
        with transaction.atomic():
            return form.save()
    except IntegrityError:
        form.add_error("username", form.instance.unique_error_message(get_user_model(), ["username"]))
        return None
