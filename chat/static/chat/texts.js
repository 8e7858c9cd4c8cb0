// The words the page shows, translated by Django into data- attributes of #texts (see room.html).

export class Texts {
  constructor(element) {
    this.words = element.dataset;
  }

  // text("typingOne", {name: "alice"}): the template with its {slots} filled, as plain text.
  get(name, values = {}) {
    const template = this.words[name] ?? name;
    return template.replace(/\{(\w+)\}/g, (slot, key) => (key in values ? String(values[key]) : slot));
  }
}
