// What the user is writing, kept per user in localStorage: a reload, or being sent to sign in by a
// sign-out in another tab, does not lose it. Forgotten once sent.

export class Draft {
  constructor(me) {
    this.storageKey = `kc3chat.draft.${me}`;
  }

  load() {
    try {
      return localStorage.getItem(this.storageKey) ?? "";
    } catch {
      return "";
    }
  }

  save(text) {
    try {
      if (text) localStorage.setItem(this.storageKey, text);
      else localStorage.removeItem(this.storageKey);
    } catch {
      // Storage full or disabled: the draft lives as long as the page.
    }
  }
}
