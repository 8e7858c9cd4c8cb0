"""What accounts tells the rest of the project. accounts imports no other app of the project: chat
subscribes here (chat/person_announcements.py) and announces the change to open pages."""

from django.dispatch import Signal

# Sent once a new display name is committed, with user=User and display_name=the name shown now
# (the user name when the display name was cleared).
display_name_changed = Signal()

# Sent while an account is deleted, with user=User: after every session of it has ended (its sockets
# closed), before its row is deleted. Receivers take what is theirs off the account first.
account_leaving = Signal()
