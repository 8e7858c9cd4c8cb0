from django.contrib.auth import authenticate
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from django import forms

from accounts.display_names import MAX_LENGTH as DISPLAY_NAME_MAX_LENGTH
from accounts.display_names import check_display_name
from accounts.models import Profile
from accounts.user_names import check_user_name, stored_user_name

DISPLAY_NAME_HELP = _("What the others see beside your messages: any script, emoji too, up to 50 characters.")


class SignInForm(auth_forms.AuthenticationForm):
    """Django's sign-in, with the user name in any case: "Alice" signs in as alice. The lockout
    counts wrong passwords against the name in any case too (accounts/lockout.py)."""

    def clean_username(self):
        typed = self.cleaned_data["username"]
        return stored_user_name(typed) or typed


def display_name_field():
    return forms.CharField(
        label=_("Display name"), required=False, max_length=DISPLAY_NAME_MAX_LENGTH * 4, help_text=DISPLAY_NAME_HELP
    )


class SignUpForm(auth_forms.UserCreationForm):
    """Django's form: a user name no other account has in any case and that passes for no other
    name, and a password the configured validators accept; a display name (the user name if left
    empty) that passes for no one else's name either, and an e-mail address for password resets."""

    display_name = display_name_field()

    class Meta(auth_forms.UserCreationForm.Meta):
        fields = ("username", "display_name", "email")
        labels = {"email": _("E-mail (optional)")}
        help_texts = {
            "username": _(
                "Up to 150 characters: letters of any language (such as たろう or alice), digits and "
                "@ . + - _. Upper and lower case count as the same name."
            )
        }

    def clean_username(self):
        username = super().clean_username()  # None when the name is taken
        if username:
            check_user_name(username)
        return username

    def clean(self):
        cleaned = super().clean()
        username, typed = cleaned.get("username"), cleaned.get("display_name", "")
        if username:
            # Left empty, the display name is the user name: it must pass for no one else's name too.
            field = "display_name" if typed.strip() else "username"
            try:
                shown = check_display_name(typed or username)
                cleaned["display_name"] = "" if shown == username else shown
            except ValidationError as error:
                self.add_error(field, error)
        return cleaned

    def save(self, commit=True):
        user = super().save(commit)
        if commit:
            Profile.objects.create(user=user, display_name=self.cleaned_data.get("display_name", ""))
        return user

    def validate_password_for_user(self, user, password_field_name="password1"):
        # A weak password is the first field's fault, not its confirmation's.
        super().validate_password_for_user(user, password_field_name)


class ProfileForm(forms.Form):
    display_name = display_name_field()
    email = forms.EmailField(label=_("E-mail"), required=False, help_text=_("Only for resetting a forgotten password."))

    def __init__(self, user, *args, **kwargs):
        self.user = user
        profile = getattr(user, "profile", None)
        initial = {"display_name": (profile.display_name if profile else "") or user.get_username(), "email": user.email}
        super().__init__(*args, initial=initial, **kwargs)

    def clean_display_name(self):
        typed = self.cleaned_data["display_name"]
        shown = check_display_name(typed or self.user.get_username(), self.user)
        return "" if shown == self.user.get_username() else shown


class PasswordCheckForm(forms.Form):
    """The password typed again before something that cannot be undone (deleting the account). A
    wrong one counts towards the name's lockout, as at sign-in."""

    password = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    def __init__(self, user, *args, request=None, **kwargs):
        self.user, self.request = user, request
        super().__init__(*args, **kwargs)

    @sensitive_variables("password")
    def clean_password(self):
        password = self.cleaned_data["password"]
        signed_in_as = authenticate(self.request, username=self.user.get_username(), password=password)
        if signed_in_as is None or signed_in_as.pk != self.user.pk:
            raise ValidationError(_("That is not your password."), code="password_incorrect")
        return password


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """The old password is checked as a sign-in is: a wrong one counts towards the user name's lockout
    (django-axes), and a locked name cannot change its password."""

    def __init__(self, user, *args, request=None, **kwargs):
        self.request = request
        super().__init__(user, *args, **kwargs)

    @sensitive_variables("old_password")
    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        signed_in_as = authenticate(self.request, username=self.user.get_username(), password=old_password)
        if signed_in_as is None or signed_in_as.pk != self.user.pk:
            raise ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")
        return old_password

    def clean(self):
        self.validate_passwords("new_password1", "new_password2")
        self.validate_password_for_user(self.user, "new_password1")  # under the new password, not its confirmation
        return self.cleaned_data
