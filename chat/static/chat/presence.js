// Who is online: the list beside the messages (a panel behind a button on a phone) and the count.
// Without a connection the list is only the last one known, and says so.

import { paintAvatar } from "./avatar.js";
import { element } from "./message_view.js";

export class PresenceList {
  // count: the words ("3 online") for screen readers; number: the figure shown on the button.
  // staleLabel: the words shown over a list that may be out of date.
  constructor({ list, count, number, toggle, panel, staleLabel, me, texts }) {
    Object.assign(this, { list, count, number, toggle, panel, staleLabel, me, texts });
    toggle.addEventListener("click", () => this.setOpen(toggle.getAttribute("aria-expanded") !== "true"));
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && this.isOpen()) {
        this.setOpen(false);
        toggle.focus();
      }
    });
  }

  show(users) {
    this.count.textContent = this.texts.get("onlineCount", { count: users.length });
    this.number.textContent = String(users.length);
    this.list.replaceChildren(...users.map((user) => this.person(user)));
  }

  setStale(stale) {
    this.panel.classList.toggle("stale", stale);
    this.toggle.classList.toggle("stale", stale);
    this.staleLabel.hidden = !stale;
  }

  person(user) {
    const item = element("li", user === this.me ? "person me" : "person");
    const avatar = element("span", "avatar avatar-small");
    avatar.setAttribute("aria-hidden", "true");
    paintAvatar(avatar, user);
    const name = element("span", "person-name", user);
    name.title = user; // the whole name, when the list has room for only part of it
    item.append(avatar, name);
    if (user === this.me) item.append(element("span", "you-badge", this.texts.get("you")));
    return item;
  }

  isOpen() {
    return this.toggle.getAttribute("aria-expanded") === "true";
  }

  setOpen(open) {
    this.toggle.setAttribute("aria-expanded", String(open));
    this.panel.classList.toggle("open", open);
  }
}
