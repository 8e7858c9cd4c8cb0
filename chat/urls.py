from django.urls import path

from chat import views

app_name = "chat"
urlpatterns = [
    path("", views.room, name="room"),
    path("api/messages/", views.messages, name="messages"),
    path("api/emoji/", views.emoji, name="emoji"),
    path("api/messages/<int:message_id>/", views.message, name="message"),
    path("api/events/", views.events, name="events"),
]
