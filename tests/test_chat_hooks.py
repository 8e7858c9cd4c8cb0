"""Other apps hook into messages through chat/hooks.py: inside the storing transaction, and after commit."""

import pytest
from channels.db import database_sync_to_async
from django.db import connection

from chat import hooks
from chat.models import Message
from chat.posting import do_post_message
from chat.refusal import Refused

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("no_rate_limit")]


@pytest.fixture
def receiver():
    connected = []

    def connect(signal, function):
        signal.connect(function, weak=False)
        connected.append((signal, function))

    yield connect
    for signal, function in connected:
        signal.disconnect(function)


async def test_a_receiver_resolves_new_messages_inside_the_transaction_that_stores_them(make_user, receiver):
    seen = []

    def resolve(sender, messages, **kwargs):
        # Inside the transaction, with the rows written: what a receiver stores commits with them.
        seen.append(([m.body for m in messages], connection.in_atomic_block,
                     Message.objects.filter(id__in=[m.id for m in messages]).count()))

    receiver(hooks.messages_storing, resolve)
    alice = await database_sync_to_async(make_user)("alice")
    message, created = await do_post_message(alice, "hello", "c-1")
    assert created and seen == [(["hello"], True, 1)]
    await do_post_message(alice, "hello", "c-1")  # a repeat stores nothing
    assert len(seen) == 1


async def test_a_receiver_that_fails_inside_the_transaction_stores_nothing_of_the_batch(make_user, receiver):
    def refuse(sender, messages, **kwargs):
        raise RuntimeError("the resolver failed")

    receiver(hooks.messages_storing, refuse)
    alice = await database_sync_to_async(make_user)("alice")
    with pytest.raises(RuntimeError):
        await do_post_message(alice, "hello", "c-1")
    assert await database_sync_to_async(Message.objects.count)() == 0


async def test_after_commit_a_receiver_gets_each_new_message_once_and_its_error_is_not_the_posters(
    make_user, receiver
):
    posted = []

    async def react(sender, messages, **kwargs):
        in_transaction = await database_sync_to_async(lambda: connection.in_atomic_block)()  # the storing thread
        posted.extend((m.id, m.body, in_transaction) for m in messages)
        raise RuntimeError("a bot failed")

    receiver(hooks.messages_posted, react)
    alice = await database_sync_to_async(make_user)("alice")
    message, created = await do_post_message(alice, "hello", "c-1")
    assert created and posted == [(message.id, "hello", False)]
    again, created = await do_post_message(alice, "hello", "c-1")
    assert not created and again.id == message.id and len(posted) == 1
    with pytest.raises(Refused):
        await do_post_message(alice, " ", "c-2")  # refused before storing: no hook
    assert len(posted) == 1
