// The full choice of reactions: every emoji of Unicode's list (from the server, /api/emoji/, named in
// English and Japanese), found by a word of either name. Arrows move in the grid, Enter picks, Esc
// closes; Enter in the search box picks the first match.

import { element } from "./message_view.js";

export const QUICK_EMOJI = ["👍", "❤️", "😂", "🎉", "😮", "😢", "🙏", "👀"];
const SHOWN_AT_MOST = 240; // a search shows this many matches at once; more words narrow it
const COLUMNS = 8; // as the grid is laid out in site.css

export class EmojiPicker {
  constructor(dialog, { url, texts }) {
    Object.assign(this, { dialog, url, texts });
    this.search = dialog.querySelector(".emoji-search");
    this.grid = dialog.querySelector(".emoji-grid");
    this.status = dialog.querySelector(".emoji-status");
    this.catalog = null; // [{emoji, name, names: [English, Japanese] folded for search}] once loaded
    this.onPick = null;
    this.returnFocus = null;
    this.japanese = document.documentElement.lang === "ja";
    this.search.addEventListener("input", () => this.show());
    this.search.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.isComposing && event.keyCode !== 229) {
        event.preventDefault();
        this.grid.querySelector("button")?.click();
      } else if (event.key === "ArrowDown") {
        event.preventDefault();
        this.grid.querySelector("button")?.focus();
      }
    });
    this.grid.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-emoji]");
      if (button) this.pick(button.dataset.emoji);
    });
    this.grid.addEventListener("keydown", (event) => this.moveInGrid(event));
    dialog.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        this.close();
      }
    });
    dialog.querySelector(".emoji-close").addEventListener("click", () => this.close());
    document.addEventListener("pointerdown", (event) => {
      if (!this.dialog.hidden && !this.dialog.contains(event.target)) this.close({ refocus: false });
    });
  }

  async open(anchor, onPick) {
    this.onPick = onPick;
    this.returnFocus = anchor;
    this.search.value = "";
    this.dialog.hidden = false;
    this.search.focus();
    this.show();
    if (!this.catalog) await this.load();
  }

  close({ refocus = true } = {}) {
    if (this.dialog.hidden) return;
    this.dialog.hidden = true;
    this.onPick = null;
    if (refocus && this.returnFocus?.isConnected) this.returnFocus.focus();
  }

  pick(emoji) {
    const onPick = this.onPick;
    this.close();
    onPick?.(emoji);
  }

  async load() {
    this.status.textContent = this.texts.get("emojiLoading");
    try {
      const response = await fetch(this.url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) throw new Error(`emoji answered ${response.status}`);
      const { emoji } = await response.json();
      this.catalog = emoji.map(([character, english, japanese]) => ({
        emoji: character,
        name: this.japanese ? japanese : english,
        names: [searchable(english), searchable(japanese)],
      }));
    } catch (error) {
      console.warn(error);
      this.status.textContent = this.texts.get("emojiFailed");
      return;
    }
    this.show();
  }

  show() {
    if (!this.catalog) {
      this.grid.replaceChildren(...QUICK_EMOJI.map((emoji) => this.button({ emoji, name: emoji })));
      return;
    }
    const hadFocus = this.grid.contains(document.activeElement); // the grid is about to be rebuilt
    const words = searchable(this.search.value).split(/\s+/).filter(Boolean);
    const found = this.catalog.filter(({ names }) => words.every((word) => names.some((name) => name.includes(word))));
    // A name that starts with what was typed comes first ("heart" before "broken heart").
    const starts = ({ names }) => (words.length && names.some((name) => name.startsWith(words[0])) ? 0 : 1);
    const matches = found.map((entry) => [starts(entry), entry]).sort((a, b) => a[0] - b[0]).map(([, entry]) => entry);
    this.grid.replaceChildren(...matches.slice(0, SHOWN_AT_MOST).map((entry) => this.button(entry)));
    this.status.textContent = matches.length ? "" : this.texts.get("emojiNoMatch");
    if (hadFocus) (this.grid.querySelector("button") ?? this.search).focus();
  }

  button({ emoji, name }) {
    const button = element("button", "emoji-choice", emoji);
    button.type = "button";
    button.dataset.emoji = emoji;
    button.title = name;
    button.setAttribute("aria-label", name);
    return button;
  }

  moveInGrid(event) {
    const buttons = [...this.grid.querySelectorAll("button")];
    const at = buttons.indexOf(document.activeElement);
    const moves = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: COLUMNS, ArrowUp: -COLUMNS };
    if (at < 0 || !(event.key in moves)) return;
    event.preventDefault();
    const to = at + moves[event.key];
    if (to < 0) this.search.focus();
    else buttons[Math.min(to, buttons.length - 1)].focus();
  }
}

// Case, width and kana folded: "ＴＨＵＭＢＳ", "thumbs", "さむず" and "サムズ" find the same.
function searchable(text) {
  return text.normalize("NFKC").toLowerCase().replace(/[\u3041-\u3096]/g, (kana) => String.fromCharCode(kana.charCodeAt(0) + 0x60));
}
