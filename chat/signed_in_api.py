"""The JSON API's door: someone not signed in gets 401 and a JSON reason, where a page would send
them to the sign-in form (login_required). One door, so another way in (a bot's token) is added
here once, for every endpoint."""

from functools import wraps

from asgiref.sync import iscoroutinefunction

from chat.json_answer import JsonAnswer


def signed_in_api(view):
    if iscoroutinefunction(view):

        @wraps(view)
        async def checked(request, *args, **kwargs):
            if not (await request.auser()).is_authenticated:
                return _not_signed_in()
            return await view(request, *args, **kwargs)

        return checked

    @wraps(view)
    def checked(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return _not_signed_in()
        return view(request, *args, **kwargs)

    return checked


def _not_signed_in():
    return JsonAnswer({"error": "not_authenticated", "detail": "Sign in first."}, status=401)
