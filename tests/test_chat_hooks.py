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


async def test_every_kind_of_change_is_sent_inside_its_transaction_and_after_its_announcement(make_user, receiver):
    from chat import editing

    storing, announced = [], []

    def index(sender, events, **kwargs):
        storing.append([(e.kind, e.message.body, connection.in_atomic_block) for e in events])

    async def after(sender, events, **kwargs):
        announced.append([(e.seq, e.kind) for e in events])

    receiver(hooks.events_storing, index)
    receiver(hooks.events_announced, after)
    alice = await database_sync_to_async(make_user)("alice")
    message, _ = await do_post_message(alice, "hello")
    await editing.do_edit(alice, message.id, "hello again")
    await editing.do_react(alice, message.id, "👍")
    await editing.do_react(alice, message.id, "👍")  # unchanged: nothing stored, nothing sent
    await editing.do_delete(alice, message.id)
    assert storing == [[("chat", "hello", True)], [("edit", "hello again", True)], [("reaction", "hello again", True)],
                       [("delete", "", True)]]  # a search index sees the text already gone
    assert announced == [[(1, "chat")], [(2, "edit")], [(3, "reaction")], [(4, "delete")]]


async def test_a_receiver_failing_inside_an_edits_transaction_leaves_the_message_as_it_was(make_user, receiver):
    from chat import editing

    def refuse(sender, events, **kwargs):
        if events[0].kind == "edit":
            raise RuntimeError("the index failed")

    receiver(hooks.events_storing, refuse)
    alice = await database_sync_to_async(make_user)("alice")
    message, _ = await do_post_message(alice, "hello")
    with pytest.raises(RuntimeError):
        await editing.do_edit(alice, message.id, "changed")
    stored = await database_sync_to_async(Message.objects.get)(id=message.id)
    assert (stored.body, stored.rev) == ("hello", 0)


async def test_another_app_contributes_a_field_to_every_msg_once_per_list(make_user, joined_socket, client):
    calls = []

    def mentions(messages):
        calls.append(len(messages))
        return {m.id: {"users": ["bob"], "here": False, "all": False} for m in messages if "@bob" in m.body}

    hooks.contribute_message_field("mentions", mentions)
    try:
        alice = await database_sync_to_async(make_user)("alice")
        async with joined_socket(alice) as sock:
            await sock.post("hi @bob")
            live = await sock.receive_until("chat")
            await sock.post("hi nobody")
            other = await sock.receive_until("chat")
        assert live["mentions"]["users"] == ["bob"] and other["mentions"]["users"] == []
        calls.clear()
        await database_sync_to_async(client.force_login)(alice)
        page = (await database_sync_to_async(client.get)("/api/messages/")).json()["messages"]
        assert [m["mentions"]["users"] for m in page] == [["bob"], []] and calls == [2]
    finally:
        del hooks.message_fields["mentions"]
