// How each change to the room alters a message. Every function returns the message's new state, or
// null when the change is already in it: applying a change twice, or to a message loaded later over
// HTTP (which already shows it), ends in the same state.

export const EXCERPT_LENGTH = 100; // as the server cuts a reply's quote of its original

export function withEdit(msg, { message, rev, edited_at: editedAt, mentions, deleted }) {
  if (deleted) return withDelete(msg); // replayed after the message was deleted: its text is gone
  if (msg.deleted || rev <= (msg.rev ?? 0)) return null;
  return { ...msg, message, rev, edited_at: editedAt, mentions: mentions ?? msg.mentions };
}

// Deleted stays deleted: its text, reactions and quote go, its place stays.
export function withDelete(msg) {
  if (msg.deleted) return null;
  return { ...msg, deleted: true, message: "", reactions: [], reply_to: null };
}

// Reactions keep the order in which each emoji was first used; one person counts once per emoji.
export function withReaction(msg, { emoji, user, added }) {
  if (msg.deleted) return null;
  const reactions = msg.reactions ?? [];
  const existing = reactions.find((reaction) => reaction.emoji === emoji);
  if (added) {
    if (existing?.users.includes(user)) return null;
    const next = existing
      ? reactions.map((reaction) => (reaction === existing ? { emoji, users: [...reaction.users, user] } : reaction))
      : [...reactions, { emoji, users: [user] }];
    return { ...msg, reactions: next };
  }
  if (!existing?.users.includes(user)) return null;
  const users = existing.users.filter((name) => name !== user);
  const next = users.length
    ? reactions.map((reaction) => (reaction === existing ? { emoji, users } : reaction))
    : reactions.filter((reaction) => reaction !== existing);
  return { ...msg, reactions: next };
}

// The same message again (a replay, an `unchanged` answer, an HTTP page): what it brings that is newer.
// current: it is the message as it is now (HTTP, `unchanged`), so its reactions are too; a replayed
// `chat` event is the message as it was posted, and its reactions say nothing of later ones.
export function withNewerState(shown, incoming, { current = false } = {}) {
  if (shown.deleted) return null;
  if (incoming.deleted) return withDelete(shown);
  let next = null;
  if ((incoming.rev ?? 0) > (shown.rev ?? 0)) {
    next = { ...shown, message: incoming.message, rev: incoming.rev, edited_at: incoming.edited_at, mentions: incoming.mentions ?? shown.mentions };
  }
  if (current && JSON.stringify(incoming.reactions ?? []) !== JSON.stringify(shown.reactions ?? [])) {
    next = { ...(next ?? shown), reactions: incoming.reactions ?? [] };
  }
  return next;
}

// A reply's quote follows its original's own edits and deletion.
export function withOriginal(reply, original) {
  const quote = reply.reply_to;
  if (!quote || quote.id !== original.id || quote.deleted) return null;
  if (original.deleted) return { ...reply, reply_to: { id: original.id, deleted: true } };
  const excerpt = excerptOf(original.message);
  if (quote.excerpt === excerpt) return null;
  return { ...reply, reply_to: { ...quote, excerpt } };
}

export function excerptOf(text) {
  const characters = [...text];
  return characters.length <= EXCERPT_LENGTH ? text : `${characters.slice(0, EXCERPT_LENGTH - 1).join("")}…`;
}
