"""An account or a session that ends while its sockets are open: the sockets close with 4001, and
the posts still in flight fail alone, never taking other people's posts down with them."""

import asyncio
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from chat.consumers import CLOSE_SESSION_ENDED
from chat.models import Message
from chat.posting import do_post_message
from chat.refusal import Refused
from tests.conftest import session_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("no_rate_limit")]

POSTS_EACH = 20


async def test_posts_of_a_deleted_user_fail_alone_and_an_innocent_users_posts_in_the_same_batches_are_stored(
    make_user, joined_socket
):
    alice, mallory, bob = [await database_sync_to_async(make_user)(name) for name in ("alice", "mallory", "bob")]
    # Mallory's account is deleted while her socket still holds her user: her posts reach the commit
    # queue, interleaved with Alice's, and are stored in the same transactions.
    mallory_id = mallory.pk
    await database_sync_to_async(mallory.delete)()
    mallory.pk = mallory_id  # the user a socket opened before the deletion still holds
    async with joined_socket(bob) as watcher:
        answers = []
        for round_ in range(2):  # two rounds: two sets of batches
            posts = []
            for n in range(POSTS_EACH // 2):
                posts.append(do_post_message(alice, f"alice {round_}.{n}", f"a-{round_}-{n}"))
                posts.append(do_post_message(mallory, f"mallory {round_}.{n}", f"m-{round_}-{n}"))
            answers += await asyncio.gather(*posts, return_exceptions=True)
        alices, mallorys = answers[0::2], answers[1::2]
        assert [type(a) for a in alices] == [tuple] * POSTS_EACH, alices
        assert [message.id for message, created in alices] == list(range(1, POSTS_EACH + 1))
        assert all(created for _, created in alices)
        assert all(isinstance(a, Refused) and a.code == "account_deleted" for a in mallorys), mallorys
        assert [a.client_id for a in mallorys] == [f"m-{r}-{n}" for r in range(2) for n in range(POSTS_EACH // 2)]
        seen = await watcher.chats(POSTS_EACH)
        seen += await watcher.more_chats()

    stored = await database_sync_to_async(lambda: list(Message.objects.values_list("id", "author_id")))()
    # Ids stay consecutive, with no hole where a refused post would have been.
    assert stored == [(n, alice.pk) for n in range(1, POSTS_EACH + 1)]
    assert [frame["id"] for frame in seen] == list(range(1, POSTS_EACH + 1))
    assert {frame["user"] for frame in seen} == {"alice"}


async def test_deleting_a_user_closes_all_their_sockets_and_no_one_elses(make_user, open_socket):
    alice, bob = [await database_sync_to_async(make_user)(name) for name in ("alice", "bob")]
    _, first = await open_socket(alice)
    _, second = await open_socket(alice)
    _, staying = await open_socket(bob)
    await database_sync_to_async(alice.delete)()
    assert await first.closed_with() == CLOSE_SESSION_ENDED
    assert await second.closed_with() == CLOSE_SESSION_ENDED
    await staying.send({"type": "ping"})
    assert (await staying.receive_until("pong"))["type"] == "pong"


@pytest.mark.parametrize("how", ["queryset", "session_store"])
async def test_deleting_a_session_closes_its_sockets_and_not_the_users_others(make_user, open_socket, how):
    alice = await database_sync_to_async(make_user)("alice")
    ended_key = await database_sync_to_async(session_for)(alice)
    _, ended = await open_socket(session_key=ended_key)
    _, staying = await open_socket(alice)

    def delete_session():
        if how == "queryset":
            Session.objects.filter(session_key=ended_key).delete()  # the admin, a script, clearsessions
        else:
            SessionStore(ended_key).delete()

    await database_sync_to_async(delete_session)()
    assert await ended.closed_with() == CLOSE_SESSION_ENDED
    await staying.send({"type": "ping"})
    assert (await staying.receive_until("pong"))["type"] == "pong"
    connected, _ = await open_socket(session_key=ended_key)
    assert not connected


def session_expiring_in(user, seconds):
    key = session_for(user)
    session = SessionStore(key)
    session.set_expiry(seconds)
    session.save()
    return key


async def test_a_socket_closes_when_its_session_expires_unless_the_session_was_extended(make_user, open_socket):
    alice = await database_sync_to_async(make_user)("alice")
    expiring_key = await database_sync_to_async(session_expiring_in)(alice, 2)
    extended_key = await database_sync_to_async(session_expiring_in)(alice, 2)
    _, expiring = await open_socket(session_key=expiring_key)
    _, extended = await open_socket(session_key=extended_key)
    # Saved again (as a request that changes the session would): it now ends in an hour.
    await database_sync_to_async(lambda: Session.objects.filter(session_key=extended_key).update(
        expire_date=timezone.now() + timedelta(hours=1)))()
    assert await expiring.closed_with(timeout=6) == CLOSE_SESSION_ENDED
    await asyncio.sleep(0.5)
    await extended.send({"type": "ping"})
    assert (await extended.receive_until("pong"))["type"] == "pong"
