"""Deleted text is unreachable by every path: socket replay (?since= and ?after=), the events API,
history, a message's versions, the reply that quoted it, the admin's search, and the database's
chat tables. A deletion in the admin, single or bulk, is the room's delete and its event."""

import json

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.contrib.auth import get_user_model

from chat import editing
from chat.models import EditVersion, Event, Message
from chat.posting import do_post_message
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("no_rate_limit")]

SECRET = "the secret"


async def _a_deleted_secret(make_user):
    alice, bob = [await database_sync_to_async(make_user)(name) for name in ("alice", "bob")]
    message, _ = await do_post_message(alice, f"{SECRET}, first")
    await editing.do_edit(alice, message.id, f"{SECRET}, second")
    await do_post_message(bob, "quoting it", reply_to=message.id)
    await editing.do_react(bob, message.id, "👍")
    await editing.do_delete(alice, message.id)
    return alice, message


def _nothing_holds_the_secret():
    assert not Message.objects.filter(body__contains=SECRET).exists()
    assert not EditVersion.objects.filter(text__contains=SECRET).exists()
    assert not Event.objects.filter(text__contains=SECRET).exists()
    assert not Event.objects.filter(excerpt__contains=SECRET).exists()


async def test_no_socket_replay_brings_deleted_text_back(make_user, joined_socket):
    alice, message = await _a_deleted_secret(make_user)
    replayed = {}
    for query in ("?since=0", "?after=0"):
        async with joined_socket(alice, query) as sock:
            frames = replayed[query] = []
            while not await sock.communicator.receive_nothing(0.3):
                frames.append(await sock.receive())
        assert SECRET not in json.dumps(frames, ensure_ascii=False), query
        chat = next(f for f in frames if f["type"] == "chat" and f["id"] == message.id)
        assert (chat["deleted"], chat["message"]) == (True, "")
    edit = next(f for f in replayed["?since=0"] if f["type"] == "edit")
    assert (edit["deleted"], edit["message"]) == (True, "")
    await database_sync_to_async(_nothing_holds_the_secret)()


async def test_no_http_answer_holds_deleted_text(make_user, client):
    alice, message = await _a_deleted_secret(make_user)
    await database_sync_to_async(client.force_login)(alice)
    answers = {path: await database_sync_to_async(client.get)(path) for path in
               ("/api/messages/", f"/api/messages/?after=0", "/api/events/?since=0", f"/api/messages/{message.id}/")}
    for path, answer in answers.items():
        assert answer.status_code == 200 and SECRET not in answer.content.decode(), path
    events = answers["/api/events/?since=0"].json()["events"]
    assert [e["type"] for e in events] == ["chat", "edit", "chat", "reaction", "delete"]
    assert events[1]["deleted"] is True and events[2]["reply_to"] == {"id": message.id, "deleted": True}
    assert answers[f"/api/messages/{message.id}/"].json()["versions"] == []


def test_the_admin_deletes_as_the_room_does_and_its_search_finds_nothing(make_user, client):
    staff = get_user_model().objects.create_superuser("root", password=PASSWORD)
    alice = make_user("alice")
    one, _ = async_to_sync(do_post_message)(alice, f"{SECRET} one")
    two, _ = async_to_sync(do_post_message)(alice, f"{SECRET} two")
    three, _ = async_to_sync(do_post_message)(alice, f"{SECRET} three")
    async_to_sync(editing.do_edit)(alice, three.id, f"{SECRET} three, edited")
    client.force_login(staff)
    assert client.post(f"/admin/chat/message/{one.id}/delete/", {"post": "yes"}).status_code == 302
    bulk = {"action": "delete_selected", "_selected_action": [two.id, three.id], "post": "yes"}
    assert client.post("/admin/chat/message/", bulk).status_code == 302
    deletes = list(Event.objects.filter(kind="delete").order_by("seq").values_list("message_id", "user__username"))
    assert deletes == [(one.id, "root"), (two.id, "root"), (three.id, "root")]
    assert list(client.get(f"/admin/chat/message/?q={SECRET}").context["cl"].result_list) == []
    assert SECRET not in client.get("/admin/chat/message/").content.decode()
    _nothing_holds_the_secret()


async def test_a_delete_in_the_admin_reaches_open_sockets_as_the_delete_event(make_user, joined_socket):
    staff = await database_sync_to_async(get_user_model().objects.create_superuser)("root", password=PASSWORD)
    alice = await database_sync_to_async(make_user)("alice")
    message, _ = await do_post_message(alice, SECRET)
    async with joined_socket(alice) as sock:
        await database_sync_to_async(editing.delete_from_admin)(staff, [message.id])
        frame = await sock.receive_until("delete")
        assert frame == {"type": "delete", "seq": message.seq + 1, "id": message.id, "client_id": None}
