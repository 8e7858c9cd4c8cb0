"""django-csp's middleware, with the page's own WebSocket origin added to connect-src."""

from csp.middleware import CSPMiddleware
from django.core.exceptions import DisallowedHost


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """'self' in connect-src covers same-origin ws:/wss: in current browsers (CSP Level 3) but not in
    older ones (some Safari versions among them). Naming this request's exact origin, scheme, host and
    port, allows the page's own socket (room.js opens ws(s)://location.host/ws/chat/) and no other."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        try:
            host = request.get_host()
        except DisallowedHost:
            return parts  # the response is already a 400; it needs no socket
        socket_origin = f"{'wss' if request.is_secure() else 'ws'}://{host}"
        parts.update = {**(parts.update or {}), "connect-src": [socket_origin]}
        return parts
