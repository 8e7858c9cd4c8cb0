"""Where other apps (attention, search, uploads, bots: each its own Django app) hook into the
messages of chat/, which never imports them. They connect receivers, and contribute fields, in
their AppConfig.ready(). See docs/architecture.md."""

from django.dispatch import Signal

# Sent inside the transaction that stores new messages, once their rows are written (ids given),
# with messages=[Message]. A receiver resolves and stores what belongs to them (mentions, claimed
# uploads) in the same transaction: if it raises, nothing of the batch is stored and every poster of
# the batch is told the message was not stored. Not sent for a repeated client_id (nothing stored).
messages_storing = Signal()

# Sent after the commit and after the messages were announced to every socket, with
# messages=[Message]: for what reacts to a post without holding it up or undoing it (indexing,
# notifications, bots). Sent with asend_robust: an error is logged, never the poster's. The next
# batch waits for the receivers: keep them short, or hand the work to a queue of their own.
messages_posted = Signal()

# The same two moments for every kind of change (posts included), with events=[Event] in seq
# order: event.kind is "chat", "edit", "delete" or "reaction", event.message the message as it is
# now stored (an edited message's new text; a deleted one's text already gone). events_storing is
# sent inside the storing transaction after the rows are written (a search index updated here
# commits or rolls back with the edit or the delete); events_announced after commit and
# announcement, with asend_robust.
events_storing = Signal()
events_announced = Signal()

# Fields another app adds to every `msg` (chat/server_frames.py): name -> function(messages) ->
# {message id: value}, called once per list of messages (one query for many, never one per
# message). A message the function leaves out gets the field's default. chat/ defines "mentions"
# and "attachments" with empty defaults; the app that owns one contributes it here.
message_fields = {}


def contribute_message_field(name, function):
    message_fields[name] = function
