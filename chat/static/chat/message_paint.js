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
  replace(main, ".reactions", msg.reactions?.length && !msg.deleted && reactionRow(msg.reactions, me, texts), (row) => main.append(row));
  replace(item, ".message-menu-button", !msg.deleted && menuButton(texts), (button) => item.append(button));
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
