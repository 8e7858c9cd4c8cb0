"""The floor: the textbook Channels chat consumer, as tutorials and the original workshop wrote it.

One channel per socket, group_add per socket, RedisChannelLayer group_send (one Redis write per
member), json.dumps per recipient. Authenticated with the same Django sessions as the real app.
Stores nothing. Run: uvicorn bench.naive_asgi:application (REDIS_URL set, REDIS_CHANNEL_LAYER=core).
"""

import json
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

GROUP = "naive-room"


class NaiveChatConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        if not self.scope["user"].is_authenticated:
            await self.close()
            return
        await self.channel_layer.group_add(GROUP, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await self.channel_layer.group_discard(GROUP, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        data = json.loads(text_data)
        await self.channel_layer.group_send(
            GROUP, {"type": "chat.message", "message": data["message"], "user": self.scope["user"].username}
        )

    async def chat_message(self, event):
        await self.send(text_data=json.dumps({"type": "chat", "message": event["message"], "user": event["user"]}))


application = ProtocolTypeRouter(
    {"websocket": AuthMiddlewareStack(URLRouter([path("ws/chat/", NaiveChatConsumer.as_asgi())]))}
)
