"""Where other apps (attention, search, uploads, bots: each its own Django app) hook into the
messages of chat/, which never imports them. They connect receivers in their AppConfig.ready().
See docs/architecture.md."""

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
