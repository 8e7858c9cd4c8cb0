// "alice is typing…": who sent a typing notice recently, until their message arrives or time passes.

const TYPING_SHOWN_MS = 4000; // a notice comes at most every 2 s while someone types

export class TypingIndicator {
  constructor(element, texts) {
    this.element = element;
    this.texts = texts;
    this.typing = new Map(); // user -> timer
  }

  someoneTyping(user) {
    clearTimeout(this.typing.get(user));
    this.typing.set(user, setTimeout(() => this.stopped(user), TYPING_SHOWN_MS));
    this.render();
  }

  stopped(user) {
    if (!this.typing.has(user)) return;
    clearTimeout(this.typing.get(user));
    this.typing.delete(user);
    this.render();
  }

  render() {
    const users = [...this.typing.keys()];
    const words = [
      () => "",
      () => this.texts.get("typingOne", { name: users[0] }),
      () => this.texts.get("typingTwo", { first: users[0], second: users[1] }),
    ];
    this.element.textContent = (words[users.length] || (() => this.texts.get("typingMany")))();
    this.element.classList.toggle("active", users.length > 0);
  }
}
