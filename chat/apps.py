from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "chat"

    def ready(self):
        from chat import revocation  # noqa: F401  (connects the auth signals)
