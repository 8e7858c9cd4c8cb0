// Replies: the quote of the original above a reply (clicking it goes to the original), and the bar
// above the composer that says what the next message answers.

import { element } from "./message_view.js";
import { excerptOf } from "./message_state.js";

export function quoteOf(replyTo, texts) {
  const quote = element("button", "reply-quote");
  quote.type = "button";
  quote.dataset.replyTo = String(replyTo.id);
  if (replyTo.deleted) {
    quote.classList.add("gone");
    quote.append(element("span", "reply-excerpt", texts.get("originalDeleted")));
  } else {
    quote.append(element("span", "reply-author", replyTo.user), element("span", "reply-excerpt", replyTo.excerpt));
  }
  quote.setAttribute("aria-label", texts.get("goToOriginal", { name: replyTo.user ?? "", excerpt: replyTo.excerpt ?? "" }));
  return quote;
}

export class ReplyBar {
  // onChange() when the reply is set or cancelled (the composer takes the focus back).
  constructor(bar, { texts, onChange }) {
    this.bar = bar;
    this.texts = texts;
    this.onChange = onChange;
    this.replyTo = null;
    this.label = bar.querySelector(".reply-bar-label");
    bar.querySelector(".reply-bar-cancel").addEventListener("click", () => this.cancel());
  }

  get replyingTo() {
    return this.replyTo;
  }

  start(msg) {
    this.replyTo = msg.id;
    this.label.replaceChildren(
      element("span", "reply-bar-word", this.texts.get("replyingTo", { name: msg.user })),
      element("span", "reply-excerpt", excerptOf(msg.message)),
    );
    this.bar.hidden = false;
    this.onChange();
  }

  // False when there was nothing to cancel (Esc goes on to do what it does otherwise).
  cancel() {
    if (this.replyTo === null) return false;
    this.replyTo = null;
    this.bar.hidden = true;
    this.onChange();
    return true;
  }

  // The original is gone: a reply to it would be refused.
  originalDeleted(id) {
    if (this.replyTo === id) this.cancel();
  }
}
