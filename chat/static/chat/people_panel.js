// The people panel: everyone with an account (GET /api/people/), those online first ("Online now"),
// then the others ("Not connected"), each by display name, with staff and bot badges and the user
// name on hover; beside the messages (a panel behind a button on a phone). presence frames say who is online, person frames rename someone at once. Without a
// connection the list is only the last one known, and says so.

import { paintAvatar } from "./avatar.js";
import { element } from "./message_view.js";

export class PeoplePanel {
  // count: the words ("3 online") for screen readers; number: the figure shown on the button.
  // staleLabel: the words shown over a list that may be out of date.
  constructor({ url, list, away, awayHeading, count, number, toggle, panel, staleLabel, me, texts }) {
    Object.assign(this, { url, list, away, awayHeading, count, number, toggle, panel, staleLabel, me, texts });
    this.people = new Map(); // user name -> {user, display_name, staff, bot, online}
    this.online = new Set();
    this.loading = null;
    toggle.addEventListener("click", () => this.setOpen(toggle.getAttribute("aria-expanded") !== "true"));
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && this.isOpen()) {
        this.setOpen(false);
        toggle.focus();
      }
    });
  }

  // Everyone, read again: at the start, and when someone unknown comes online (a new account).
  load() {
    this.loading ??= fetch(this.url, { headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : Promise.reject(new Error(`people: ${response.status}`))))
      .then(({ people }) => {
        this.people = new Map(people.map((person) => [person.user, person]));
        this.render();
      })
      .catch((error) => console.warn(error))
      .finally(() => { this.loading = null; });
    return this.loading;
  }

  // A presence frame: the user names online now.
  show(users) {
    this.online = new Set(users);
    this.count.textContent = this.texts.get("onlineCount", { count: users.length });
    this.number.textContent = String(users.length);
    if (users.some((user) => !this.people.has(user))) this.load();
    this.render();
  }

  // A person frame: someone's display name changed.
  rename(user, displayName) {
    const person = this.people.get(user);
    if (person) person.display_name = displayName;
    this.render();
  }

  render() {
    // Someone online before the list of everyone arrives is shown by user name until it does.
    const known = (user) => this.people.get(user) ?? { user, display_name: user, staff: false, bot: false };
    const order = (a, b) => compare(a.display_name.toLocaleLowerCase(), b.display_name.toLocaleLowerCase()) || compare(a.user, b.user);
    const online = [...this.online].map(known).sort(order);
    const away = [...this.people.values()].filter((person) => !this.online.has(person.user)).sort(order);
    this.list.replaceChildren(...online.map((person) => this.entry(person, true)));
    this.away.replaceChildren(...away.map((person) => this.entry(person, false)));
    this.awayHeading.hidden = away.length === 0;
  }

  entry(person, online) {
    const mine = person.user === this.me;
    const item = element("li", ["person", mine ? "me" : "", online ? "online" : "offline"].join(" ").trim());
    item.dataset.user = person.user;
    const avatar = element("span", "avatar avatar-small");
    avatar.setAttribute("aria-hidden", "true");
    paintAvatar(avatar, person.user);
    const name = element("span", "person-name", person.display_name);
    name.title = person.user; // the user name, and the whole name when the list has room for only part of it
    item.append(avatar, name);
    if (mine) item.append(element("span", "you-badge", this.texts.get("you")));
    if (person.staff) item.append(element("span", "person-badge staff-badge", this.texts.get("staff")));
    if (person.bot) item.append(element("span", "person-badge bot-badge", this.texts.get("bot")));
    return item;
  }

  setStale(stale) {
    this.panel.classList.toggle("stale", stale);
    this.toggle.classList.toggle("stale", stale);
    this.staleLabel.hidden = !stale;
  }

  isOpen() {
    return this.toggle.getAttribute("aria-expanded") === "true";
  }

  setOpen(open) {
    this.toggle.setAttribute("aria-expanded", String(open));
    this.panel.classList.toggle("open", open);
  }
}

function compare(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}
