"""Id order is the room's order: ids are given and committed in one order, and every socket sees
each message once, in that order, whatever order the layer delivers them in."""

import asyncio
import contextlib
import threading

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import connection

from chat import history, room_feed
from chat.models import Message
from chat.posting import store_message
from chat.server_frames import encode
from chat.server_frames import message as message_frame

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("no_rate_limit")]


def test_concurrent_posters_get_consecutive_ids_in_commit_order(make_user):
    posters = [make_user(f"poster{n}") for n in range(8)]
    committed = []  # ids in the order their transactions committed
    lock = threading.Lock()

    def post_many(user):
        for n in range(25):
            message, _ = store_message(user, f"{user.username} {n}", None)
            with lock:
                committed.append(message.id)
        connection.close()

    threads = [threading.Thread(target=post_many, args=(user,)) for user in posters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(committed) == list(range(1, 201))
    assert list(Message.objects.values_list("id", flat=True)) == list(range(1, 201))
    assert history.newest_id() == 200


class Listener:
    username, user_id, session_key = "listener", 0, None

    def __init__(self):
        self.received = []

    def deliver(self, text, seq):
        if seq is not None:
            self.received.append(seq)

    def revoke(self):
        pass


async def test_a_message_that_overtakes_an_earlier_one_waits_for_it(make_user):
    alice = await database_sync_to_async(make_user)("alice")
    feed = room_feed.current()
    listener = Listener()
    await feed.attach(listener)
    try:
        first = await database_sync_to_async(store_message)(alice, "first", None)
        second = await database_sync_to_async(store_message)(alice, "second", None)
        # The layer hands over 2 before 1 (another process won the race to publish).
        layer = get_channel_layer()
        for message, _ in (second, first):
            event = {"type": "room.events", "events": [[message.seq, encode(message_frame(message))]]}
            await layer.group_send(room_feed.ROOM_GROUP, event)
        await _until(lambda: len(listener.received) >= 2)
        await asyncio.sleep(0.2)
        assert listener.received == [1, 2]
    finally:
        await feed.detach(listener)


async def test_a_message_the_layer_never_delivers_is_still_passed_on_from_the_database(make_user):
    alice = await database_sync_to_async(make_user)("alice")
    feed = room_feed.current()
    listener = Listener()
    await feed.attach(listener)
    try:
        await database_sync_to_async(store_message)(alice, "lost by the layer", None)
        await _until(lambda: listener.received == [1], timeout=room_feed.CATCH_UP_SECONDS * 3)
    finally:
        await feed.detach(listener)


async def test_twenty_people_posting_twenty_messages_at_once_all_see_all_four_hundred_once(make_user, joined_socket):
    people = [await database_sync_to_async(make_user)(f"person{n}") for n in range(20)]
    async with contextlib.AsyncExitStack() as stack:
        sockets = [await stack.enter_async_context(joined_socket(person)) for person in people]

        async def post_twenty(sock, n):
            for k in range(20):
                await sock.post(f"{n}-{k}", client_id=f"{n}-{k}")

        async def read_all(sock):
            return await sock.chats(400, timeout=20)

        readers = [asyncio.ensure_future(read_all(sock)) for sock in sockets]
        await asyncio.gather(*(post_twenty(sock, n) for n, sock in enumerate(sockets)))
        seen = await asyncio.gather(*readers)
    for frames in seen:
        assert [f["id"] for f in frames] == list(range(1, 401))
    assert await database_sync_to_async(Message.objects.count)() == 400


async def _until(condition, timeout=5.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_posts_stored_together_each_get_their_own_answer_and_a_repeat_in_the_batch_is_stored_once(make_user):
    from chat import group_commit, posting

    alice, bob = [await database_sync_to_async(make_user)(name) for name in ("alice", "bob")]
    posts = [(alice if n % 2 else bob, f"text {n}", f"c-{n % 30}") for n in range(60)]
    answers = await asyncio.gather(*(group_commit.together(posting.do_post_messages, post) for post in posts))
    stored = await database_sync_to_async(lambda: list(Message.objects.values_list("id", "body", "client_id")))()
    assert [row[0] for row in stored] == list(range(1, 31))
    for (user, body, client_id), (message, created) in zip(posts, answers):
        assert message.client_id == client_id and message.author_id == user.pk
        assert created == (int(body.split()[1]) < 30)
        assert (message.id, message.body, message.client_id) in stored
