// The menu of one message: quick reactions, then what this person may do with it (react, reply,
// edit, see its edit history, delete). Opened by its ⋯ button (keyboard: Enter, then arrows), a right
// click or a long press; Esc or a choice closes it and gives the focus back to where it was.

import { QUICK_EMOJI } from "./emoji_picker.js";

export class MessageMenu {
  // allows(action, msg) -> bool; choose(action, msg, emoji) with emoji for "quick".
  constructor(menu, { texts, allows, choose }) {
    Object.assign(this, { menu, texts, allows, choose });
    this.msg = null;
    this.returnFocus = null;
    const quick = menu.querySelector(".quick-reactions");
    for (const emoji of QUICK_EMOJI) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "quick-reaction";
      button.setAttribute("role", "menuitem");
      button.dataset.action = "quick";
      button.dataset.emoji = emoji;
      button.textContent = emoji;
      button.setAttribute("aria-label", texts.get("reactWith", { emoji }));
      quick.append(button);
    }
    menu.addEventListener("click", (event) => {
      const item = event.target.closest("[data-action]");
      if (!item || !this.msg) return;
      const msg = this.msg;
      this.close({ refocus: false });
      this.choose(item.dataset.action, msg, item.dataset.emoji, this.returnFocus);
    });
    menu.addEventListener("keydown", (event) => this.keydown(event));
    document.addEventListener("pointerdown", (event) => {
      if (this.msg && !menu.contains(event.target) && !event.target.closest?.(".message-menu-button")) this.close({ refocus: false });
    });
  }

  get isOpen() {
    return this.msg !== null;
  }

  open(msg, anchor) {
    this.msg = msg;
    this.returnFocus = anchor;
    for (const item of this.menu.querySelectorAll("[data-action]")) {
      item.hidden = !this.allows(item.dataset.action, msg);
    }
    this.menu.querySelector(".quick-reactions").hidden = !this.allows("quick", msg);
    this.menu.hidden = false;
    this.place(anchor);
    this.items()[0]?.focus();
    anchor.closest(".message")?.classList.add("menu-open");
  }

  // Beside the message on a wide screen; a phone shows it as a sheet at the bottom (site.css).
  place(anchor) {
    const box = anchor.getBoundingClientRect();
    const width = this.menu.offsetWidth;
    const height = this.menu.offsetHeight;
    const top = box.bottom + height + 8 > window.innerHeight ? Math.max(8, box.top - height - 4) : box.bottom + 4;
    this.menu.style.left = `${Math.max(8, Math.min(box.right - width, window.innerWidth - width - 8))}px`;
    this.menu.style.top = `${top}px`;
  }

  close({ refocus = true } = {}) {
    if (!this.msg) return;
    this.msg = null;
    this.menu.hidden = true;
    document.querySelector(".message.menu-open")?.classList.remove("menu-open");
    if (refocus && this.returnFocus?.isConnected) this.returnFocus.focus();
  }

  items() {
    return [...this.menu.querySelectorAll("[data-action]")].filter((item) => !item.hidden && !item.closest("[hidden]"));
  }

  keydown(event) {
    const items = this.items();
    const at = items.indexOf(document.activeElement);
    const moves = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1 };
    if (event.key in moves) {
      event.preventDefault();
      items[(at + moves[event.key] + items.length) % items.length]?.focus();
    } else if (event.key === "Home" || event.key === "End") {
      event.preventDefault();
      items[event.key === "Home" ? 0 : items.length - 1]?.focus();
    } else if (event.key === "Escape") {
      event.preventDefault();
      this.close();
    } else if (event.key === "Tab") {
      this.close();
    }
  }
}
