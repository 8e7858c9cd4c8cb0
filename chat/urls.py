from django.urls import path

from chat import views

app_name = "chat"
urlpatterns = [
    path("", views.room, name="room"),
    path("api/messages/", views.messages, name="messages"),
    path("api/people/", views.people, name="people"),
]
