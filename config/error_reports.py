"""Django's debug page (DEBUG=true, as `make run` serves, also to the study group on 0.0.0.0): no
secret on it, and only for a browser on this machine.

Django's own filter hides settings by name (…PASS…, …KEY…) and hides marked variables only when
DEBUG is off. REDIS_URL, DATABASE_URL and CHANNEL_LAYERS' hosts hold passwords under names it does
not know, and a failing frame's variables can hold the same URLs.
"""

import ipaddress
import re

from django.core.exceptions import BadRequest, SuspiciousOperation
from django.urls import get_resolver, get_urlconf
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

# scheme://user:password@host or scheme://token@host, and ?password=… in a query.
URL_WITH_CREDENTIALS = re.compile(r"\w[\w+.-]*://[^/\s@]+@|[?&](?:password|passwd|pass|token|secret|key)=", re.I)


class SecretHidingExceptionReporterFilter(SafeExceptionReporterFilter):
    def is_active(self, request):
        # sensitive_variables() and sensitive_post_parameters() (the sign-up's passwords) hold with
        # DEBUG on too.
        return True

    def cleanse_setting(self, key, value):
        # Also used for request.META and cookies; lists, tuples and dicts come back here item by item.
        if type(value) is str and URL_WITH_CREDENTIALS.search(value):  # not lazy objects: never evaluated here
            return self.cleansed_substitute
        return super().cleanse_setting(key, value)

    def get_traceback_frame_variables(self, request, tb_frame):
        # A frame's variables by the same rules as settings: a `password` or a URL with one is hidden.
        variables = super().get_traceback_frame_variables(request, tb_frame)
        return [(name, self.cleanse_setting(name, value)) for name, value in variables]


def from_this_machine(request):
    address = getattr(request, "META", {}).get("REMOTE_ADDR", "")
    try:
        address = ipaddress.ip_address(address)
    except ValueError:
        return False  # no address (a Unix socket), or not one: not known to be here
    if getattr(address, "ipv4_mapped", None):
        address = address.ipv4_mapped
    return address.is_loopback


class LoopbackOnlyExceptionReporter(ExceptionReporter):
    """With DEBUG on, another machine gets the page production shows (templates/500.html, or Django's
    400 for a wrong Host): a traceback tells an attacker the code, its paths and its settings."""

    def get_traceback_html(self):
        if from_this_machine(self.request):
            return super().get_traceback_html()
        return self._production_page()

    def get_traceback_text(self):
        if from_this_machine(self.request):
            return super().get_traceback_text()
        return self._production_page()

    def _production_page(self):
        # Django answers these two with the debug page under DEBUG; 400 and 500 in production.
        if isinstance(self.exc_value, (SuspiciousOperation, BadRequest)):
            response = get_resolver(get_urlconf()).resolve_error_handler(400)(self.request, self.exc_value)
        else:
            response = get_resolver(get_urlconf()).resolve_error_handler(500)(self.request)
        return response.content.decode()
