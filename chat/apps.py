from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "chat"

    def ready(self):
        from chat import person_announcements, revocation  # noqa: F401  (connect their signals)
