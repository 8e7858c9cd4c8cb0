"""Whatever a person writes is stored and read back exactly: the characters a bulk write has to
escape (tabs, line breaks, backslashes, the text `\\N`), quotes, emoji and right-to-left text, in
the message row, its event and the edit history. On PostgreSQL messages and events are written by
COPY (chat/bulk_insert.py), on SQLite by bulk_create: both stacks run this."""

import pytest

from chat import changes, group_commit
from chat.models import EditVersion, Event, Message

pytestmark = pytest.mark.django_db(transaction=True)

AWKWARD = [
    "tab\there, line\nbreak, carriage\r\nreturn",
    "back\\slash, \\N, \\\\N, \\t and \\. at the end \\",
    "\\.",
    "'single' \"double\" `back` ; DROP TABLE chat_message; --",
    "👩‍👩‍👧‍👦 ❤️ 🇯🇵 e\u0301 ㌀ 漢字かなカナ",
    "مرحبا \u202ebackwards\u202c שלום",
    "  leading and trailing spaces  ",
]


def test_awkward_text_is_stored_and_read_back_exactly(make_user):
    alice = make_user("alice")
    posts = [changes.PostChange(alice, text, f"awkward-{n}") for n, text in enumerate(AWKWARD)]
    outcomes = group_commit.store_changes(posts)
    ids = [outcome.message.id for outcome in outcomes]
    assert [Message.objects.get(id=id).body for id in ids] == AWKWARD
    assert [Event.objects.get(message_id=id, kind=Event.CHAT).text for id in ids] == AWKWARD
    assert [Message.objects.get(id=id).client_id for id in ids] == [f"awkward-{n}" for n in range(len(AWKWARD))]


def test_edits_keep_every_earlier_text_exactly(make_user):
    alice = make_user("alice")
    (posted,) = group_commit.store_changes([changes.PostChange(alice, AWKWARD[0], None)])
    for text in AWKWARD[1:]:
        group_commit.store_changes([changes.EditChange(alice, posted.message.id, text, None, None)])
    assert list(EditVersion.objects.filter(message_id=posted.message.id).values_list("text", flat=True)) == AWKWARD[:-1]
    assert Message.objects.get(id=posted.message.id).body == AWKWARD[-1]


def test_a_repeated_client_id_in_the_same_batch_is_stored_once(make_user):
    alice = make_user("alice")
    outcomes = group_commit.store_changes([changes.PostChange(alice, "once", "same"), changes.PostChange(alice, "twice", "same")])
    assert [o.created for o in outcomes] == [True, False]
    assert outcomes[0].message.id == outcomes[1].message.id
    assert list(Message.objects.filter(client_id="same").values_list("body", flat=True)) == ["once"]
