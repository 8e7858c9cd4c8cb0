"""One batch may hold a post and the changes its sender makes to it before it is committed (a socket
that sends them without waiting for the echo, chat/changes_in_flight.py): each applies after the
changes before it, as if stored one by one, and a message deleted in the batch leaves none of its
text or reactions behind."""

import pytest

from chat import changes, group_commit
from chat.models import MAIN_ROOM, EditVersion, Event, Message, Reaction, Room
from chat.posting import store_message
from chat.refusal import Refused

pytestmark = pytest.mark.django_db(transaction=True)


def _next_id():
    room = Room.objects.filter(name=MAIN_ROOM).first()
    return (room.last_message_id if room else 0) + 1


def test_a_post_is_edited_reacted_to_replied_to_and_deleted_in_its_own_batch(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    older, _ = store_message(alice, "older text", None)
    a = _next_id()  # the batch's posts get a, a + 1, a + 2 in order
    b, c = a + 1, a + 2
    batch = [
        changes.PostChange(alice, "first draft", "p-a"),
        changes.EditChange(alice, a, "second draft", 0, "e-a"),
        changes.ReactionChange(bob, a, "👍", True, "r-a"),
        changes.ReactionChange(bob, a, "👍", True, "r-a-again"),  # already there: unchanged
        changes.PostChange(bob, "a reply", "p-b", reply_to=a),
        changes.EditChange(bob, b, "a reply, edited", None, "e-b"),
        changes.DeleteChange(bob, b, "d-b"),
        changes.EditChange(bob, b, "too late", None, "e-b-late"),  # deleted before: refused
        changes.PostChange(alice, "third", "p-c"),
        changes.ReactionChange(bob, c, "🎉", True, "r-c"),
        changes.DeleteChange(alice, c, "d-c"),
        changes.EditChange(alice, older.id, "older text, edited", None, "e-old"),
        changes.ReactionChange(bob, older.id, "👀", True, "r-old"),
        changes.DeleteChange(alice, older.id, "d-old"),
    ]
    results = group_commit.store_changes(batch)

    refused = {i: r.code for i, r in enumerate(results) if isinstance(r, Refused)}
    assert refused == {7: "not_found"}
    unchanged = [i for i, r in enumerate(results) if not isinstance(r, Refused) and r.event is None]
    assert unchanged == [3]
    events = [r.event for r in results if not isinstance(r, Refused) and r.event is not None]
    assert [e.seq for e in events] == list(range(events[0].seq, events[0].seq + len(events)))
    assert [(e.kind, e.message_id) for e in events] == [
        ("chat", a), ("edit", a), ("reaction", a), ("chat", b), ("edit", b), ("delete", b),
        ("chat", c), ("reaction", c), ("delete", c), ("edit", older.id), ("reaction", older.id), ("delete", older.id),
    ]
    # Stored as if one by one: the post in its final state, its earlier text kept as a version.
    first = Message.objects.get(id=a)
    assert (first.body, first.rev, first.deleted) == ("second draft", 1, False)
    assert list(EditVersion.objects.filter(message=first).values_list("text", flat=True)) == ["first draft"]
    assert list(Reaction.objects.filter(message=first).values_list("emoji", flat=True)) == ["👍"]
    reply = Message.objects.get(id=b)
    assert (reply.reply_to_id, reply.deleted, reply.body) == (a, True, "")
    # Deleted in the batch: no text, no earlier text, no reaction left anywhere.
    for gone in (b, c, older.id):
        assert Message.objects.get(id=gone).deleted
        assert not EditVersion.objects.filter(message_id=gone).exists()
        assert not Reaction.objects.filter(message_id=gone).exists()
        assert set(Event.objects.filter(message_id=gone).values_list("text", flat=True)) == {""}
