"""Everyone who may be in the room, and who of them is online now: GET /api/people/."""

from django.contrib.auth import get_user_model

from accounts.models import shown_name
from chat import presence, room_feed, shared_redis


def everyone(online):
    """Every active account as the contract's person entries, by display name (case-folded), then by
    user name. online: the user names connected now. (The page groups who is online itself.)"""
    users = get_user_model()._default_manager.filter(is_active=True).select_related("profile")
    people = [
        {
            "user": user.get_username(),
            "display_name": shown_name(user),
            "staff": user.is_staff,
            "bot": bool(getattr(getattr(user, "profile", None), "is_bot", False)),
            "online": user.get_username() in online,
        }
        for user in users
    ]
    return sorted(people, key=lambda p: (p["display_name"].casefold(), p["user"].casefold()))


async def online_now():
    """The user names connected to any server process: this process's feed knows when it serves,
    else the shared presence (Redis); without either, nobody."""
    feed = room_feed.running()
    if feed is not None and feed.listeners:
        return set(feed.presence.now())
    redis = shared_redis.client()
    if redis is None:
        return set()
    try:
        return set(await presence.for_this_deployment(redis).everyone())
    finally:
        await redis.aclose()
