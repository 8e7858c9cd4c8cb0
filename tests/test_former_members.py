"""A person who leaves: their messages are deleted as the room deletes messages and their reactions
taken back, each with its event on open pages; the room's seqs keep no holes; what the room keeps of
them belongs to one shared former member, who can never sign in."""

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth import get_user_model
from django.test import Client

from accounts.account_deletion import do_delete_account
from accounts.models import Profile
from chat.editing import do_react
from chat.former_members import FORMER_MEMBER
from chat.models import Event
from chat.posting import store_message

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("no_rate_limit")]


def signed_in_client(user):
    client = Client()
    client.force_login(user)
    return client


async def test_leaving_deletes_their_messages_and_reactions_with_events_and_keeps_seqs_consecutive(
    make_user, joined_socket
):
    alice, bob = [await database_sync_to_async(make_user)(name) for name in ("alice", "bob")]
    await database_sync_to_async(Profile.objects.create)(user=alice, display_name="Alice L")
    theirs = [(await database_sync_to_async(store_message)(alice, f"alice secret {n}", None))[0] for n in range(3)]
    bobs, _ = await database_sync_to_async(store_message)(bob, "bob's own", None)
    await do_react(alice, bobs.id, "👍")
    await do_react(bob, theirs[0].id, "🎉")
    async with joined_socket(bob) as watcher:
        await database_sync_to_async(do_delete_account)(alice)
        deletes = [await watcher.receive_until("delete") for _ in theirs]
        unreact = await watcher.receive_until("reaction")
    assert sorted(frame["id"] for frame in deletes) == [m.id for m in theirs]
    assert (unreact["id"], unreact["emoji"], unreact["added"]) == (bobs.id, "👍", False)

    seqs = await database_sync_to_async(lambda: list(Event.objects.values_list("seq", flat=True)))()
    assert seqs == list(range(1, len(seqs) + 1))
    client = await database_sync_to_async(signed_in_client)(bob)
    answers = [await database_sync_to_async(client.get)(url) for url in
               ["/api/events/?since=0", "/api/messages/?limit=100", f"/api/messages/{theirs[0].id}/", "/api/people/"]]
    for answer in answers:
        text = answer.content.decode()
        assert "alice" not in text.lower() and "Alice L" not in text, text
    assert [event["seq"] for event in answers[0].json()["events"]] == seqs
    assert [person["user"] for person in answers[3].json()["people"]] == ["bob"]

    def former_member_state():
        former = get_user_model().objects.get(username=FORMER_MEMBER)
        return former.is_active, former.has_usable_password(), former.profile.display_name
    assert await database_sync_to_async(former_member_state)() == (False, False, "a former member")
    refused = await database_sync_to_async(Client().post)("/accounts/login/", {"username": FORMER_MEMBER, "password": ""})
    assert refused.status_code == 200


async def test_staff_deleting_an_account_in_the_admin_is_leaving(make_user, joined_socket):
    alice, bob = [await database_sync_to_async(make_user)(name) for name in ("alice", "bob")]
    staff = await database_sync_to_async(get_user_model().objects.create_superuser)("staff", "", "pw-staff-1")
    message, _ = await database_sync_to_async(store_message)(alice, "alice secret", None)
    client = await database_sync_to_async(signed_in_client)(staff)
    async with joined_socket(bob) as watcher:
        answer = await database_sync_to_async(client.post)(f"/admin/auth/user/{alice.pk}/delete/", {"post": "yes"})
        assert answer.status_code == 302
        assert (await watcher.receive_until("delete"))["id"] == message.id
    authors = await database_sync_to_async(lambda: list(Event.objects.values_list("user__username", flat=True)))()
    assert authors == [FORMER_MEMBER, FORMER_MEMBER]
