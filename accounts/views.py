from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accounts import session_records
from accounts.account_creation import do_create_account
from accounts.account_deletion import do_delete_account
from accounts.browsers import browser_name
from accounts.display_names import do_change_display_name
from accounts.forms import PasswordChangeForm, PasswordCheckForm, ProfileForm, SignUpForm
from accounts.password_reset import ASKS_PER_CLIENT, CLIENT_WINDOW, PasswordResetForm, within_limit


@sensitive_post_parameters("password1", "password2")
def signup(request):
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = do_create_account(form)
        if user is not None:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("chat:room")
    return render(request, "registration/signup.html", {"form": form}, status=400 if form.errors else 200)


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = PasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}


@login_required
def profile(request):
    user = request.user
    form = ProfileForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        shown = getattr(getattr(user, "profile", None), "display_name", "")
        if form.cleaned_data["display_name"] != shown:
            do_change_display_name(user, form.cleaned_data["display_name"])
        if form.cleaned_data["email"] != user.email:
            user.email = form.cleaned_data["email"]
            user.save(update_fields=["email"])
        messages.success(request, _("Saved."))
        return redirect("profile")
    return render(request, "accounts/profile.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def sessions(request):
    current = session_records.session_id(request.session.session_key or "")
    rows = [
        {"id": record_id, "browser": browser_name(record.user_agent), "last_seen": record.last_seen,
         "current": record_id == current}
        for record, record_id in session_records.open_sessions(request.user)
    ]
    return render(request, "accounts/sessions.html", {"sessions": rows})


@login_required
@require_POST
def end_session(request):
    if session_records.session_id(request.session.session_key or "") == request.POST.get("session"):
        logout(request)  # this browser's own session: as "sign out"
        return redirect(settings.LOGOUT_REDIRECT_URL)
    if session_records.do_end_session(request.user, request.POST.get("session", "")):
        messages.success(request, _("That session is signed out."))
    else:
        messages.error(request, _("That session had already ended."))
    return redirect("sessions")


@login_required
@require_POST
def end_every_session(request):
    user = request.user
    logout(request)
    session_records.do_end_every_session(user)
    return redirect(settings.LOGOUT_REDIRECT_URL)


@login_required
@sensitive_post_parameters("password")
def delete_account(request):
    form = PasswordCheckForm(request.user, request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        user = request.user
        logout(request)
        do_delete_account(user)
        return render(request, "accounts/account_deleted.html")
    return render(request, "accounts/delete_account.html", {"form": form}, status=400 if form.errors else 200)


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm

    def dispatch(self, request, *args, **kwargs):
        if not settings.EMAIL_ENABLED:
            return render(request, "registration/password_reset_unavailable.html")
        if request.method == "POST" and not within_limit(
            "reset-ask", request.META.get("REMOTE_ADDR", ""), ASKS_PER_CLIENT, CLIENT_WINDOW
        ):
            return render(request, "registration/password_reset_throttled.html", status=429)
        return super().dispatch(request, *args, **kwargs)
