// What a person can do to the messages on screen, wired together: the menu (⋯, or a long press on a
// phone), reactions (the quick row, the picker, clicking one's own to take it back, holding one to
// see who), replies (the bar above the composer; a quote leads to its original, paging back to it),
// editing in place and deleting after a confirmation.

import { DeleteConfirm } from "./delete_confirm.js";
import { EditHistory } from "./edit_history.js";
import { EmojiPicker } from "./emoji_picker.js";
import { onLongPress } from "./long_press.js";
import { ActionRefused } from "./message_actions.js";
import { MessageEditor } from "./message_editor.js";
import { MessageMenu } from "./message_menu.js";
import { ReactionPeople } from "./reactions.js";

const HIGHLIGHT_MS = 2500;
const NOTICE_MS = 6000;
const REACTION_REFUSALS = { limit_reached: "reactionLimit", not_found: "reactionGone", offline: "actionOffline" };

export class MessageControls {
  constructor({ list, pager, actions, replyBar, composer, texts, clock, me, isStaff, urls, elements }) {
    Object.assign(this, { list, pager, actions, replyBar, composer, texts, me, isStaff });
    this.notice = elements.notice;
    this.menu = new MessageMenu(elements.menu, {
      texts, allows: (action, msg) => this.allows(action, msg), choose: (...choice) => this.choose(...choice),
    });
    this.picker = new EmojiPicker(elements.picker, { url: urls.emoji, texts });
    this.people = new ReactionPeople(elements.reactionPeople);
    this.editor = new MessageEditor({ list, actions, texts, isBlank: (text) => composer.isBlank(text), onClose: () => composer.focus() });
    this.deleter = new DeleteConfirm(elements.deleteDialog, { actions, texts });
    this.history = new EditHistory(elements.historyDialog, { url: urls.messages, texts, clock });

    const messages = elements.messages;
    messages.addEventListener("click", (event) => this.clicked(event));
    onLongPress(messages, (target) => this.held(target));
  }

  allows(action, msg) {
    if (msg.deleted) return false;
    const mine = msg.user === this.me;
    switch (action) {
      case "edit": return mine;
      case "history": return Boolean(msg.edited_at);
      case "delete": return mine || this.isStaff;
      default: return true; // quick, react, reply
    }
  }

  choose(action, msg, emoji, anchor) {
    switch (action) {
      case "quick": this.toggleReaction(msg.id, emoji); anchor?.focus(); break;
      case "react": this.pickReaction(msg.id, anchor); break;
      case "reply": this.replyBar.start(msg); break;
      case "edit": this.editor.start(msg); break;
      case "history": this.history.show(msg, anchor); break;
      case "delete": this.deleter.ask(msg, anchor); break;
    }
  }

  clicked(event) {
    const target = event.target;
    const item = target.closest(".message[data-id]");
    if (!item) return;
    const msg = this.list.get(Number(item.dataset.id));
    if (!msg) return;
    const control = target.closest("button");
    if (!control) return;
    if (control.matches(".message-menu-button")) {
      if (this.menu.isOpen) this.menu.close({ refocus: false });
      else this.menu.open(msg, control);
    } else if (control.matches(".reaction")) {
      this.toggleReaction(msg.id, control.dataset.emoji);
    } else if (control.matches(".reaction-add")) {
      this.pickReaction(msg.id, control);
    } else if (control.matches(".reply-quote")) {
      this.goToOriginal(Number(control.dataset.replyTo));
    }
  }

  // A long press: on a reaction, who reacted; anywhere else on a message, its menu.
  held(target) {
    const reaction = target.closest?.(".reaction");
    if (reaction) {
      this.people.show(reaction);
      return;
    }
    const item = target.closest?.(".message[data-id]");
    const msg = item && this.list.get(Number(item.dataset.id));
    const button = item?.querySelector(":scope > .message-menu-button");
    if (msg && button && !item.classList.contains("editing")) this.menu.open(msg, button);
  }

  pickReaction(id, anchor) {
    this.picker.open(anchor, (emoji) => this.toggleReaction(id, emoji));
  }

  // One's own reaction is taken back; anyone else's is joined.
  async toggleReaction(id, emoji) {
    const msg = this.list.get(id);
    if (!msg || msg.deleted) return;
    const mine = (msg.reactions ?? []).some((reaction) => reaction.emoji === emoji && reaction.users.includes(this.me));
    try {
      await this.actions.send({ type: mine ? "unreact" : "react", id, emoji });
    } catch (error) {
      if (!(error instanceof ActionRefused)) throw error;
      this.say(REACTION_REFUSALS[error.code] ?? "reasonOther");
    }
  }

  // A reply's quote: the original, however far back, scrolled to and lit up for a moment.
  async goToOriginal(id) {
    try {
      await this.pager.loadBackTo(id);
    } catch (error) {
      console.warn(error);
    }
    const item = this.list.itemOf(id);
    if (!item) {
      this.say("originalMissing");
      return;
    }
    item.scrollIntoView({ block: "center" });
    item.classList.remove("highlighted");
    void item.offsetWidth; // restart the animation when it is already lit
    item.classList.add("highlighted");
    item.tabIndex = -1;
    item.focus({ preventScroll: true });
    clearTimeout(item.highlightTimer);
    item.highlightTimer = setTimeout(() => item.classList.remove("highlighted"), HIGHLIGHT_MS);
  }

  // Up in an empty composer: my last message. True when there was one to edit.
  editLast() {
    const msg = this.list.lastMine();
    if (!msg) return false;
    this.editor.start(msg);
    return true;
  }

  // A shown message changed (an event applied): the editor, the reply bar and the menu follow it.
  changed(id) {
    const msg = this.list.get(id);
    if (!msg) return;
    this.editor.changed(msg);
    if (msg.deleted) {
      this.replyBar.originalDeleted(id);
      if (this.menu.msg?.id === id) this.menu.close();
    }
  }

  say(word) {
    this.notice.textContent = this.texts.get(word);
    this.notice.hidden = false;
    clearTimeout(this.noticeTimer);
    this.noticeTimer = setTimeout(() => {
      this.notice.hidden = true;
    }, NOTICE_MS);
  }
}
