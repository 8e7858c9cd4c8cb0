"""`manage.py reset_link NAME`: a one-time link that sets a new password for NAME, for a chat that
sends no e-mail. Valid for one use, for PASSWORD_RESET_TIMEOUT."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.password_reset import reset_path
from accounts.user_names import stored_user_name


class Command(BaseCommand):
    help = "Print a one-time link that sets a new password for the account NAME."

    def add_arguments(self, parser):
        parser.add_argument("name", help="the user name, in any case")
        parser.add_argument("--base-url", default="http://localhost:8000", help="where the chat is served")

    def handle(self, name, base_url, **options):
        stored = stored_user_name(name)
        if stored is None:
            raise CommandError(f"No account is named {name!r}.")
        user = get_user_model()._default_manager.get(username=stored)
        if not user.is_active:
            raise CommandError(f"{stored} is deactivated: reactivate it in the admin first.")
        self.stdout.write(f"{base_url.rstrip('/')}{reset_path(user)}")
        self.stderr.write(f"Valid once, for {settings.PASSWORD_RESET_TIMEOUT // 60} minutes.")
