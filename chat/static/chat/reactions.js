// A message's reactions: each emoji once with its count, pressed when one of them is mine; who
// reacted on hover (title) and on a long press (ReactionPeople). Clicking toggles mine.

import { element } from "./message_view.js";

export function reactionRow(reactions, me, texts) {
  const row = element("div", "reactions");
  for (const { emoji, users } of reactions) {
    const button = element("button", "reaction");
    button.type = "button";
    button.dataset.emoji = emoji;
    button.setAttribute("aria-pressed", String(users.includes(me)));
    const names = whoReacted(users, me, texts);
    button.title = names;
    button.setAttribute("aria-label", texts.get("reactedWith", { emoji, names }));
    button.append(element("span", "reaction-emoji", emoji), element("span", "reaction-count", String(users.length)));
    row.append(button);
  }
  const add = element("button", "reaction-add", "+");
  add.type = "button";
  add.setAttribute("aria-label", texts.get("addReaction"));
  add.title = texts.get("addReaction");
  row.append(add);
  return row;
}

export function whoReacted(users, me, texts) {
  return users.map((user) => (user === me ? texts.get("you") : user)).join(", ");
}

// The names behind a reaction, shown on a long press (a phone has no hover).
export class ReactionPeople {
  constructor(element) {
    this.element = element;
    document.addEventListener("pointerdown", (event) => {
      if (!this.element.hidden && !this.element.contains(event.target)) this.hide();
    });
  }

  show(button) {
    this.element.textContent = button.title;
    this.element.hidden = false;
    const box = button.getBoundingClientRect();
    this.element.style.left = `${Math.max(8, Math.min(box.left, window.innerWidth - this.element.offsetWidth - 8))}px`;
    this.element.style.top = `${Math.max(8, box.top - this.element.offsetHeight - 6)}px`;
  }

  hide() {
    this.element.hidden = true;
  }
}
