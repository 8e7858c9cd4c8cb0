"""Everything a `msg` shows beyond its own row, read for many messages at once: the reactions (one
query) and the fields other apps contribute (chat/hooks.py, one call each). The reply's original
comes with the rows (select_related, chat/history.py). Never one query per message."""

from chat import hooks
from chat.models import Reaction

def load(messages, reactions=True):
    """Attaches .reaction_list ([(emoji, [name, ...])] in the order each emoji was first used) and
    .contributed ({field: value}) to each message; returns the messages. reactions=False: known to
    have none (just posted) or not shown (an event frame)."""
    by_id = {message.id: message for message in messages}
    lists = {message_id: {} for message_id in by_id}
    if reactions and by_id:
        rows = Reaction.objects.filter(message_id__in=by_id).order_by("rank", "id")
        for message_id, emoji, name in rows.values_list("message_id", "emoji", "user__username"):
            lists[message_id].setdefault(emoji, []).append(name)
    for message in messages:
        if reactions or not hasattr(message, "reaction_list"):  # never forget reactions read before
            message.reaction_list = list(lists[message.id].items())
        message.contributed = {}
    for name, function in hooks.message_fields.items():
        values = function(messages) if messages else {}
        for message in messages:
            if message.id in values:
                message.contributed[name] = values[message.id]
    return messages
