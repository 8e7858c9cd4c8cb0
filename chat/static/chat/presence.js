// Who is online: the list beside the messages (a panel behind a button on a phone) and the count.

import { paintAvatar } from "./avatar.js";
import { element } from "./message_view.js";

export class PresenceList {
  // count: the words ("3 online") for screen readers; number: the figure shown on the button.
  constructor({ list, count, number, toggle, panel, me, texts }) {
    Object.assign(this, { list, count, number, toggle, panel, me, texts });
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

  person(user) {
    const item = element("li", user === this.me ? "person me" : "person");
    const avatar = element("span", "avatar avatar-small");
    avatar.setAttribute("aria-hidden", "true");
    paintAvatar(avatar, user);
    item.append(avatar, element("span", "person-name", user));
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
