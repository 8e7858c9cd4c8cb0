"""Which consumer serves a socket: chat/routing.py's websocket_urlpatterns, matched as channels'
URLRouter matches them (the path after root_path, without its leading "/").

URLRouter is an ASGI layer: it calls the route's as_asgi() application with a copy of the scope, and
both coroutine frames (the router's and as_asgi's) and the copy stay in memory as long as the socket
is open. Here the route gives the consumer instance, and SignedInSocket awaits it directly.
"""

from django.core.exceptions import ImproperlyConfigured
from django.urls.resolvers import RoutePattern

from chat.channel_free_consumer import ChannelFreeWebsocketConsumer


class SocketRoutes:
    def __init__(self, routes):
        for route in routes:
            # No path parameters (URLRouter would put them in scope["url_route"]), consumers only.
            if not isinstance(route.pattern, RoutePattern) or route.pattern.converters:
                raise ImproperlyConfigured(f"{route.pattern}: a socket route is a path() without parameters.")
            # SignedInSocket hands the consumer the user still being read (`before`): channels' own
            # consumers do not take it.
            if not issubclass(getattr(route.callback, "consumer_class", type(None)), ChannelFreeWebsocketConsumer):
                raise ImproperlyConfigured(
                    f"{route.pattern}: a socket route's view is a ChannelFreeWebsocketConsumer's as_asgi().")
        self.routes = routes

    def consumer_for(self, scope):
        """A new consumer for the scope's path. No route: URLRouter's ValueError (the server logs it
        and refuses the handshake)."""
        path = scope["path"]
        root_path = scope.get("root_path", "")
        if root_path and not path.startswith(root_path):
            raise ValueError("No route found for path %r." % path)
        path = path[len(root_path):].lstrip("/")
        for route in self.routes:
            if route.pattern.match(path):
                return route.callback.consumer_class(**route.callback.consumer_initkwargs)
        raise ValueError("No route found for path %r." % path)
