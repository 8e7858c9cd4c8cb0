"""Only a page of this site opens a signed-in socket: real handshakes against a real server.

A browser sends the signed-in user's cookie with a socket opened by any page of the same site, and
a site ignores the port (and, for Lax cookies of an http site, the scheme): a page served by
another service on the same host is the attacker here, so the Origin must be the site's own origin,
scheme, host and port, or one of CSRF_TRUSTED_ORIGINS.
"""

import pytest
from django.conf import settings
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.conftest import session_for

pytestmark = pytest.mark.django_db(transaction=True)


def opens(server, key, origin, **headers):
    """Whether a handshake with this Origin opens the socket (101 and the hello frame) or is refused (403)."""
    try:
        with connect(
            f"ws://127.0.0.1:{server.port}/ws/chat/", proxy=None, open_timeout=5,
            additional_headers={"Origin": origin, "Cookie": f"{settings.SESSION_COOKIE_NAME}={key}", **headers},
        ) as sock:
            assert '"hello"' in sock.recv(5)
            return True
    except InvalidStatus as refused:
        assert refused.response.status_code == 403
        return False


def test_only_the_sites_own_origin_opens_a_socket_not_another_port_scheme_or_host(make_user, start_server):
    server = start_server()
    key = session_for(make_user("alice"))
    assert opens(server, key, f"http://127.0.0.1:{server.port}")  # the page's own origin
    assert not opens(server, key, f"http://127.0.0.1:{server.port + 1}")  # another service on this host
    assert not opens(server, key, "http://127.0.0.1:9999")
    assert not opens(server, key, "http://127.0.0.1")
    assert not opens(server, key, f"https://127.0.0.1:{server.port}")  # another scheme
    assert not opens(server, key, f"http://localhost:{server.port}")  # another allowed host's page
    assert not opens(server, key, "http://evil.example")
    assert not opens(server, key, "null")  # a sandboxed frame or a file


def test_an_origin_in_csrf_trusted_origins_opens_a_socket(make_user, start_server):
    server = start_server(CSRF_TRUSTED_ORIGINS="https://chat.example.org,https://*.rooms.example.org")
    key = session_for(make_user("alice"))
    assert opens(server, key, "https://chat.example.org")  # e.g. the name a TLS proxy serves the site as
    assert opens(server, key, "https://team.rooms.example.org")
    assert not opens(server, key, "http://chat.example.org")
    assert not opens(server, key, "https://chat.example.org:8443")
    assert not opens(server, key, "https://other.example.org")


def test_behind_a_proxy_the_forwarded_scheme_is_the_sites_scheme(make_user, start_server):
    # --no-proxy-headers: uvicorn itself does not rewrite the scheme; the app's setting decides.
    server = start_server(args=["--no-proxy-headers"], TRUST_X_FORWARDED_PROTO="true")
    key = session_for(make_user("alice"))
    own = f"127.0.0.1:{server.port}"
    assert opens(server, key, f"https://{own}", **{"X-Forwarded-Proto": "https"})
    assert not opens(server, key, f"http://{own}", **{"X-Forwarded-Proto": "https"})
    assert opens(server, key, f"http://{own}", **{"X-Forwarded-Proto": "http"})
