"""A room as a client keeps it: messages by id, changed only by applying event frames as
docs/protocol.md says (each one idempotent). Tests compare it with the server's own state."""

EVENT_TYPES = {"chat", "edit", "delete", "reaction"}
COMPARED = ("id", "user", "message", "rev", "edited_at", "deleted", "reactions")


class ClientRoom:
    def __init__(self, messages=(), last_seq=None):
        self.messages = {}
        self.seqs = []  # every event applied, in the order applied
        for message in messages:
            self.messages[message["id"]] = dict(message)
        self.last_seq = last_seq or 0

    def apply(self, frame):
        if frame.get("type") not in EVENT_TYPES or frame.get("seq") is None:
            return
        self.seqs.append(frame["seq"])
        self.last_seq = max(self.last_seq, frame["seq"])
        kind, message = frame["type"], self.messages.get(frame["id"])
        if kind == "chat":
            if message is None:  # a message already known is newer than its creation
                self.messages[frame["id"]] = dict(frame)
            return
        if message is None:
            return  # a change of a message this client has not loaded: loaded later, it shows it
        if kind == "delete":
            message.update(deleted=True, message="", reactions=[])
        elif message["deleted"]:
            return  # a deleted message stays a placeholder
        elif kind == "edit":
            if frame["rev"] > message["rev"]:
                message.update(message=frame["message"], rev=frame["rev"], edited_at=frame["edited_at"],
                               mentions=frame["mentions"])
        elif kind == "reaction":
            reactions = message["reactions"]
            entry = next((r for r in reactions if r["emoji"] == frame["emoji"]), None)
            if frame["added"]:
                if entry is None:
                    reactions.append({"emoji": frame["emoji"], "users": [frame["user"]]})
                elif frame["user"] not in entry["users"]:
                    entry["users"].append(frame["user"])
            elif entry is not None and frame["user"] in entry["users"]:
                entry["users"].remove(frame["user"])
                if not entry["users"]:
                    reactions.remove(entry)

    def state(self):
        return {i: {k: m[k] for k in COMPARED} for i, m in sorted(self.messages.items())}


def server_state(messages):
    """The same projection of the messages of GET /api/messages/."""
    return {m["id"]: {k: m[k] for k in COMPARED} for m in messages}
