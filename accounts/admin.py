"""Staff's part: deactivate, reactivate, and give a one-time password reset link, from the list of
accounts; a display name and the bot flag on the account's page."""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.account_deletion import do_delete_account
from accounts.models import Profile
from accounts.password_reset import reset_path

User = get_user_model()


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    fields = ("display_name", "is_bot")


admin.site.unregister(User)  # Django's own, replaced by this one


@admin.register(User)
class AccountAdmin(UserAdmin):
    inlines = [ProfileInline]
    list_display = ("username", "display_name", "email", "is_active", "is_staff", "last_login")
    list_select_related = ("profile",)
    search_fields = ("username", "profile__display_name", "email")
    actions = ["deactivate", "reactivate", "make_reset_link"]

    # Deleting here is leaving (accounts/account_deletion.py), once the admin's own transaction has
    # committed: what the room announces of it is stored.
    def delete_model(self, request, obj):
        transaction.on_commit(lambda: do_delete_account(obj))

    def delete_queryset(self, request, queryset):
        for user in list(queryset):
            transaction.on_commit(lambda user=user: do_delete_account(user))

    @admin.display(description=_("Display name"))
    def display_name(self, user):
        return getattr(getattr(user, "profile", None), "display_name", "")

    @admin.action(description=_("Deactivate: sign out and keep from signing in"))
    def deactivate(self, request, queryset):
        # One save each: the save is what closes the account's sockets (chat/revocation.py).
        users = [user for user in queryset if user.is_active and user.pk != request.user.pk]
        for user in users:
            user.is_active = False
            user.save(update_fields=["is_active"])
        self.message_user(request, ngettext("%d account deactivated.", "%d accounts deactivated.", len(users)) % len(users))

    @admin.action(description=_("Reactivate"))
    def reactivate(self, request, queryset):
        count = queryset.filter(is_active=False).update(is_active=True)
        self.message_user(request, ngettext("%d account reactivated.", "%d accounts reactivated.", count) % count)

    @admin.action(description=_("Make a one-time password reset link"))
    def make_reset_link(self, request, queryset):
        for user in queryset:
            link = request.build_absolute_uri(reset_path(user))
            self.message_user(
                request, _("Reset link for %(name)s (one use, %(minutes)d minutes): %(link)s")
                % {"name": user.get_username(), "minutes": settings.PASSWORD_RESET_TIMEOUT // 60, "link": link}, messages.WARNING,
            )

