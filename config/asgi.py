"""HTTP goes to Django; WebSocket must come from this site's own pages with a session, then to the chat."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_http = get_asgi_application()  # sets Django up before anything imports models

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from chat.routing import websocket_urlpatterns  # noqa: E402
from chat.server_send import KeepServerSend  # noqa: E402
from config import lifespan  # noqa: E402
from config.socket_origin import SameOriginOnly  # noqa: E402

# Outside in: the Origin must be the site's own (scheme, host and port), the session cookie gives
# scope["user"], the path picks the consumer.
chat_sockets = SameOriginOnly(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))

application = ProtocolTypeRouter(
    {
        "http": django_http,
        "websocket": KeepServerSend(chat_sockets),  # frames out skip the session middleware
        "lifespan": lifespan.application,
    }
)
