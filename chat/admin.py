from django.contrib import admin

from chat.models import Message, Room


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("id", "author", "created_at", "body")
    list_select_related = ("author",)
    search_fields = ("body", "author__username")
    search_help_text = "Search the text and the author's name."
    readonly_fields = ("id", "author", "created_at", "client_id")
    show_full_result_count = False  # no COUNT(*) over a long history on every page

    def has_add_permission(self, request):
        return False  # messages are posted in the room, where they get their id and broadcast


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ("name", "last_message_id")
    readonly_fields = ("name", "last_message_id")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
