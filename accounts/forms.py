from django.contrib.auth.forms import UserCreationForm


class SignUpForm(UserCreationForm):
    """Django's form: a free user name, and a password the configured validators accept."""

    class Meta(UserCreationForm.Meta):
        fields = ("username",)
