from django.contrib import admin

from chat.editing import delete_from_admin
from chat.models import Message, Room


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("id", "author", "created_at", "deleted", "body")
    list_select_related = ("author",)
    search_fields = ("body", "author__username")
    search_help_text = "Search the text and the author's name."
    readonly_fields = ("id", "author", "created_at", "client_id", "seq", "rev", "edited_at", "deleted", "reply_to")
    show_full_result_count = False  # no COUNT(*) over a long history on every page

    def has_add_permission(self, request):
        return False  # messages are posted in the room, where they get their id and broadcast

    def has_change_permission(self, request, obj=None):
        return False  # an edit is its author's, in the room, where it becomes an event

    # Deleting here is the room's delete (chat/editing.py): the text is scrubbed everywhere, the row
    # stays as a placeholder, every socket gets the `delete` event. Never a row removed behind the
    # room's back.
    def delete_model(self, request, obj):
        delete_from_admin(request.user, [obj.pk])

    def delete_queryset(self, request, queryset):
        delete_from_admin(request.user, queryset.filter(deleted=False).values_list("pk", flat=True))

    def get_deleted_objects(self, objs, request):
        # What the confirmation page lists: only the messages (their events and reactions stay).
        messages = list(objs)
        return [str(m) for m in messages], {Message._meta.verbose_name_plural: len(messages)}, set(), []


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ("name", "last_message_id", "last_seq")
    readonly_fields = ("name", "last_message_id", "last_seq")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
