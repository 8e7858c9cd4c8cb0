// The connection state in the header: connecting, connected, reconnecting or offline.

export class ConnectionStatus {
  constructor(element, texts) {
    this.element = element;
    this.label = element.querySelector(".connection-label");
    this.texts = texts;
  }

  show(state) {
    if (this.element.dataset.state === state) return;
    this.element.dataset.state = state;
    this.label.textContent = this.texts.get(state);
    document.body.dataset.connection = state;
  }
}
