from django.contrib.auth import authenticate
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from accounts.user_names import check_user_name, stored_user_name


class SignInForm(auth_forms.AuthenticationForm):
    """Django's sign-in, with the user name in any case: "Alice" signs in as alice. The lockout
    counts wrong passwords against the name in any case too (accounts/lockout.py)."""

    def clean_username(self):
        typed = self.cleaned_data["username"]
        return stored_user_name(typed) or typed


class SignUpForm(auth_forms.UserCreationForm):
    """Django's form: a user name no other account has in any case and that passes for no other
    name, and a password the configured validators accept."""

    class Meta(auth_forms.UserCreationForm.Meta):
        fields = ("username",)
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

    def validate_password_for_user(self, user, password_field_name="password1"):
        # A weak password is the first field's fault, not its confirmation's.
        super().validate_password_for_user(user, password_field_name)


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
