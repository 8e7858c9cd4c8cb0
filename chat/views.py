import asyncio

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from accounts.models import shown_name
from chat import emoji_catalog, history, layer_probe, room_feed, server_frames
from chat import people as chat_people
from chat.history_query import ID_MAX, LIMIT_MAX, EventsQuery, HistoryQuery
from chat.json_answer import JsonAnswer
from chat.signed_in_api import signed_in_api
from unicode_text import blank_text

HEALTH_TIMEOUT_SECONDS = 3.0
EMOJI_KEPT_SECONDS = 24 * 60 * 60


@login_required
def room(request):
    return render(
        request,
        "chat/room.html",
        {
            "max_length": settings.CHAT_MAX_LENGTH, "page_limit": LIMIT_MAX, "blank_characters": blank_text.CHARACTER_CLASS,
            # Only what the page offers: the server decides who may delete what.
            "is_staff": request.user.is_staff,
            "display_name": shown_name(request.user),
        },
    )


@require_GET
@signed_in_api
def emoji(request):
    """The reaction picker's emoji and their names (chat/emoji_catalog.py)."""
    answer = HttpResponse(emoji_catalog.catalog_json(), content_type="application/json")
    patch_cache_control(answer, private=True, max_age=EMOJI_KEPT_SECONDS)  # the same until an upgrade
    return answer


@require_GET
@signed_in_api
def messages(request):
    query = HistoryQuery(request.GET)
    if not query.is_valid():
        parameter, detail = query.first_error()
        return JsonAnswer({"error": "invalid_parameter", "parameter": parameter, "detail": detail}, status=400)
    before, after, limit = (query.cleaned_data[name] for name in ("before", "after", "limit"))
    with history.snapshot():  # last_seq is the event the page's state reflects
        page = history.after(after, limit) if after is not None else history.before(before, limit)
        last_seq = history.newest_seq()
    messages = [server_frames.message(m) for m in page.messages]
    return JsonAnswer({"messages": messages, "has_more": page.has_more, "last_seq": last_seq or None})


@require_GET
@signed_in_api
def message(request, message_id):
    found = history.one(message_id) if message_id <= ID_MAX else None
    if found is None:
        return JsonAnswer({"error": "not_found", "detail": "There is no such message."}, status=404)
    return JsonAnswer(server_frames.message_with_versions(*found))


@require_GET
@signed_in_api
def events(request):
    query = EventsQuery(request.GET)
    if not query.is_valid():
        parameter, detail = query.first_error()
        return JsonAnswer({"error": "invalid_parameter", "parameter": parameter, "detail": detail}, status=400)
    rows, has_more = history.events_after(query.cleaned_data["since"], query.cleaned_data["limit"])
    return JsonAnswer({"events": [server_frames.event(row) for row in rows], "has_more": has_more})


@require_GET
@signed_in_api
async def people(request):
    online = await chat_people.online_now()
    return JsonAnswer({"people": await database_sync_to_async(chat_people.everyone)(online)})


async def healthz(request):
    checks = {"database": await _database_answers(), "channel_layer": await _channel_layer_answers()}
    healthy = all(result == "ok" for result in checks.values())
    return JsonAnswer({"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503)


@database_sync_to_async
def _database_check():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


async def _database_answers():
    try:
        await asyncio.wait_for(_database_check(), HEALTH_TIMEOUT_SECONDS)
        return "ok"
    except Exception as error:
        return f"error: {type(error).__name__}"


async def _channel_layer_answers():
    # A real round trip through the layer: what every broadcast needs. While this process's room
    # feed is receiving, through the feed's own channel (a second receiver on the process's
    # channels_redis client timed out there, once the feed was running); otherwise through the
    # process's one check channel (chat/layer_probe.py).
    feed = room_feed.running()
    try:
        if feed is not None and feed.listeners:
            await asyncio.wait_for(feed.ping.round_trip(), HEALTH_TIMEOUT_SECONDS)
        else:
            await layer_probe.current().round_trip(HEALTH_TIMEOUT_SECONDS)
        return "ok"
    except Exception as error:
        return f"error: {type(error).__name__}"
