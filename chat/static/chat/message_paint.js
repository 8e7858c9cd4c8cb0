// What of a shown message can change, painted from its state: the text (or the placeholder of a
// deleted message), "(edited)" with its time, the quote it replies to, its reactions, and the
// button of its menu. User text is only ever set as text.

import { textWithLinks } from "./links.js";
import { element } from "./message_view.js";
import { reactionRow } from "./reactions.js";
import { quoteOf } from "./reply_quote.js";

export function paintState({ msg, item }, { me, texts, clock }) {
  const main = item.querySelector(".message-main");
  const body = main.querySelector(".body");
  item.classList.toggle("deleted", Boolean(msg.deleted));
  item.dataset.rev = String(msg.rev ?? 0);
  if (msg.deleted) body.replaceChildren(element("span", "deleted-note", texts.get("deletedMessage")));
  else if (body.dataset.shownRev !== String(msg.rev ?? 0)) body.replaceChildren(...textWithLinks(msg.message));
  body.dataset.shownRev = String(msg.rev ?? 0);

  replace(main, ".reply-quote", msg.reply_to && quoteOf(msg.reply_to, texts), (quote) => main.insertBefore(quote, body));
  replace(main, ".edited", msg.edited_at && !msg.deleted && editedMark(msg.edited_at, texts, clock), (mark) => body.after(mark));
  // A reaction being pressed from the keyboard keeps the focus when the row is painted again.
  const focused = main.querySelector(":scope > .reactions")?.contains(document.activeElement) && document.activeElement;
  replace(main, ".reactions", msg.reactions?.length && !msg.deleted && reactionRow(msg.reactions, me, texts), (row) => main.append(row));
  if (focused) refocus(main.querySelector(":scope > .reactions"), focused);
  // The menu's button stays the same element while the menu is open from it (it gets the focus back).
  const button = item.querySelector(":scope > .message-menu-button");
  if (msg.deleted) button?.remove();
  else if (!button) item.append(menuButton(texts));
}

function refocus(row, was) {
  if (!row) return;
  const same = was.dataset.emoji
    ? [...row.querySelectorAll(".reaction")].find((button) => button.dataset.emoji === was.dataset.emoji)
    : row.querySelector(".reaction-add");
  (same ?? row.querySelector(".reaction-add"))?.focus();
}

// Swaps the part selector finds for fresh (nothing when fresh is falsy), placed by put.
function replace(parent, selector, fresh, put) {
  parent.querySelector(`:scope > ${selector}`)?.remove();
  if (fresh) put(fresh);
}

function editedMark(editedAt, texts, clock) {
  const date = new Date(editedAt);
  const mark = element("span", "edited", texts.get("edited"));
  mark.title = texts.get("editedAt", { time: clock.fullOf(date) });
  return mark;
}

function menuButton(texts) {
  const button = element("button", "message-menu-button", "⋯");
  button.type = "button";
  button.setAttribute("aria-haspopup", "menu");
  button.setAttribute("aria-label", texts.get("messageActions"));
  return button;
}
