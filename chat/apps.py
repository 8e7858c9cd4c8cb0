from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "chat"

    def ready(self):
        from chat import former_members, person_announcements, revocation  # noqa: F401  (connect their signals)
