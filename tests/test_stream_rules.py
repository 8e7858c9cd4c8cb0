"""The rules around changing a message: the edit window, staff, the emoji limit, replies and what
HTTP answers show of a message's current state."""

import datetime

import pytest
from channels.db import database_sync_to_async
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chat import editing, server_frames
from chat.models import Event, Message
from chat.posting import do_post_message
from chat.refusal import Refused

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("no_rate_limit")]

EMOJI = "😀 😃 😄 😁 😆 😅 😂 🤣 😊 😇 🙂 🙃 😉 😌 😍 🥰 😘 😗 😙 😚 😋".split()


async def _users(make_user, *names, **extra):
    return [await database_sync_to_async(make_user)(name, **extra) for name in names]


def _age(message, seconds):
    Message.objects.filter(id=message.id).update(created_at=message.created_at - datetime.timedelta(seconds=seconds))


async def _refused(call):
    with pytest.raises(Refused) as refused:
        await call
    return refused.value.code


async def test_after_the_edit_window_the_author_can_neither_edit_nor_delete_but_staff_can_delete(
    make_user, settings
):
    settings.CHAT_EDIT_WINDOW = 60
    alice, = await _users(make_user, "alice")
    staff, = await _users(make_user, "staff", is_staff=True)
    message, _ = await do_post_message(alice, "an old one")
    await database_sync_to_async(_age)(message, 61)
    assert await _refused(editing.do_edit(alice, message.id, "changed")) == "edit_window_closed"
    assert await _refused(editing.do_delete(alice, message.id)) == "edit_window_closed"
    assert await _refused(editing.do_edit(staff, message.id, "changed")) == "forbidden"
    outcome = await editing.do_delete(staff, message.id)
    assert outcome.event.kind == "delete" and outcome.message.deleted


async def test_a_window_of_zero_never_closes(make_user, settings):
    settings.CHAT_EDIT_WINDOW = 0
    alice, = await _users(make_user, "alice")
    message, _ = await do_post_message(alice, "years ago")
    await database_sync_to_async(_age)(message, 10 * 365 * 86400)
    assert (await editing.do_edit(alice, message.id, "still mine")).event.rev == 1


async def test_twenty_emoji_on_a_message_and_the_twenty_first_is_refused_but_a_known_one_is_taken(make_user):
    alice, bob = await _users(make_user, "alice", "bob")
    message, _ = await do_post_message(alice, "react to me")
    for emoji in EMOJI[:20]:
        await editing.do_react(alice, message.id, emoji)
    assert await _refused(editing.do_react(alice, message.id, EMOJI[20])) == "limit_reached"
    assert (await editing.do_react(bob, message.id, EMOJI[0])).event.added is True
    await editing.do_unreact(alice, message.id, EMOJI[5])
    assert (await editing.do_react(alice, message.id, EMOJI[20])).event is not None


async def test_the_http_answers_show_each_message_as_it_is_now(make_user, client):
    alice, bob = await _users(make_user, "alice", "bob")
    original, _ = await do_post_message(alice, "x" * 150)
    reply, _ = await do_post_message(bob, "answering", reply_to=original.id)
    await editing.do_react(bob, original.id, "👍")
    await editing.do_react(alice, original.id, "🎉")
    await editing.do_react(alice, original.id, "👍")
    await editing.do_edit(alice, original.id, "short now")
    await database_sync_to_async(client.force_login)(alice)
    page = (await database_sync_to_async(client.get)("/api/messages/")).json()
    first, second = page["messages"]
    assert page["last_seq"] == 6
    assert (first["rev"], first["message"], first["deleted"]) == (1, "short now", False)
    assert first["edited_at"] is not None and first["seq"] == 1
    assert first["reactions"] == [{"emoji": "👍", "users": ["bob", "alice"]}, {"emoji": "🎉", "users": ["alice"]}]
    assert second["reply_to"] == {"id": original.id, "user": "alice", "excerpt": "short now"}
    detail = (await database_sync_to_async(client.get)(f"/api/messages/{original.id}/")).json()
    assert [v["message"] for v in detail["versions"]] == ["x" * 150]
    assert detail["versions"][0]["at"] == first["ts"]
    await editing.do_delete(alice, original.id)
    second = (await database_sync_to_async(client.get)("/api/messages/")).json()["messages"][1]
    assert second["reply_to"] == {"id": original.id, "deleted": True}


async def test_a_reply_event_carries_the_excerpt_of_the_original_then_cut_at_a_hundred_characters(make_user):
    alice, = await _users(make_user, "alice")
    original, _ = await do_post_message(alice, "あ" * 150)
    reply, _ = await do_post_message(alice, "re", reply_to=original.id)
    event = await database_sync_to_async(
        lambda: Event.objects.select_related("message__author", "message__reply_to__author", "user").get(seq=reply.seq)
    )()
    excerpt = server_frames.event(event)["reply_to"]["excerpt"]
    assert len(excerpt) == 100 and excerpt == "あ" * 99 + "…"


def test_a_page_of_messages_costs_the_same_queries_for_five_or_fifty(make_user, client):
    from asgiref.sync import async_to_sync

    alice, bob = make_user("alice"), make_user("bob")
    client.force_login(alice)

    def fill(count):
        for n in range(count):
            message, _ = async_to_sync(do_post_message)(alice, f"m{n}")
            async_to_sync(editing.do_react)(bob, message.id, "👍")
            async_to_sync(do_post_message)(bob, "re", reply_to=message.id)

    def queries(limit):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/api/messages/?limit={limit}").status_code == 200
        return len(captured)

    fill(25)
    queries(1)  # a session's first request also records the session (accounts/session_records.py)
    assert queries(5) == queries(50)


@pytest.mark.parametrize("query", ["since=-1", "since=x", "limit=0", "limit=501", "since=9223372036854775808"])
def test_a_bad_events_query_is_a_400_naming_the_parameter(make_user, client, query):
    client.force_login(make_user("alice"))
    response = client.get(f"/api/events/?{query}")
    assert response.status_code == 400 and response.json()["error"] == "invalid_parameter"
    assert response.json()["parameter"] == query.split("=")[0]


@pytest.mark.parametrize("path", ["/api/events/", "/api/messages/1/"])
def test_anonymous_event_and_message_requests_get_401_json(client, path, transactional_db):
    response = client.get(path)
    assert response.status_code == 401 and response.json()["error"] == "not_authenticated"


def test_an_unknown_message_is_a_404_json(make_user, client):
    client.force_login(make_user("alice"))
    for path in ("/api/messages/12345/", "/api/messages/99999999999999999999/"):
        response = client.get(path)
        assert response.status_code == 404 and response.json()["error"] == "not_found"


async def test_a_reaction_and_its_repeat_stored_together_answer_the_repeat_with_the_reaction_in_it(make_user):
    import asyncio

    alice, = await _users(make_user, "alice")
    message, _ = await do_post_message(alice, "double click me")
    first, second = await asyncio.gather(editing.do_react(alice, message.id, "👍"), editing.do_react(alice, message.id, "👍"))
    assert first.event is not None and second.event is None
    assert server_frames.message(second.message)["reactions"] == [{"emoji": "👍", "users": ["alice"]}]
