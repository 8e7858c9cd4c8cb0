"""HTTP goes to Django; WebSocket must come from this site's own pages with a session, then to the chat."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_http = get_asgi_application()  # sets Django up before anything imports models

from chat.routing import websocket_urlpatterns  # noqa: E402
from config import lifespan  # noqa: E402
from config.scope_type_router import ScopeTypeRouter  # noqa: E402
from config.signed_in_socket import SignedInSocket  # noqa: E402
from config.socket_routes import SocketRoutes  # noqa: E402
from config.socket_origin import same_origin  # noqa: E402

# One middleware, so that an open socket holds one copy of its scope: the Origin must be the site's
# own (scheme, host and port), then the session cookie gives scope["user"]; the path picks the consumer.
chat_sockets = SignedInSocket(SocketRoutes(websocket_urlpatterns), origin_allowed=same_origin)

application = ScopeTypeRouter(
    {
        "http": django_http,
        "websocket": chat_sockets,
        "lifespan": lifespan.application,
    }
)
