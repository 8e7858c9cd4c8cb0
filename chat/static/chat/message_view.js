// One message as a list item: avatar, author, local time, body. User text is only ever set as text.

import { paintAvatar } from "./avatar.js";
import { textWithLinks } from "./links.js";

export function messageItem({ user, displayName, text, date, mine, clock, texts }) {
  const item = document.createElement("li");
  item.className = mine ? "message mine" : "message";

  const avatar = element("span", "avatar");
  avatar.setAttribute("aria-hidden", "true");
  paintAvatar(avatar, user);

  const meta = element("p", "message-meta");
  const author = element("span", "author", displayName || user);
  author.title = user; // the user name, and the whole name when a narrow screen shows only part of it
  author.dataset.user = user; // renamed in place by a person frame (author_names.js)
  meta.append(author);
  if (mine) meta.append(element("span", "you-badge", texts.get("you")));
  if (date) meta.append(timeElement(date, clock, "time"));

  const body = element("p", "body");
  body.append(...textWithLinks(text));

  const main = element("div", "message-main");
  main.append(meta, body);
  item.append(avatar, main);
  if (date) item.append(timeElement(date, clock, "side-time")); // shown beside grouped messages
  return item;
}

export function daySeparator(label) {
  const separator = element("div", "day-separator");
  separator.setAttribute("role", "separator");
  separator.append(element("span", "day-label", label));
  return separator;
}

export function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function timeElement(date, clock, className) {
  const time = element("time", className, clock.timeOf(date));
  time.dateTime = date.toISOString();
  time.title = clock.fullOf(date);
  if (className === "side-time") time.setAttribute("aria-hidden", "true");
  return time;
}
