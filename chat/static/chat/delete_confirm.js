// "Delete this message?" before a message goes: the dialog shows what would be deleted and the
// answer to the request (a refusal says why).

import { ActionRefused } from "./message_actions.js";
import { excerptOf } from "./message_state.js";

const REFUSALS = { forbidden: "deleteForbidden", edit_window_closed: "deleteWindowClosed", offline: "actionOffline" };

export class DeleteConfirm {
  constructor(dialog, { actions, texts }) {
    Object.assign(this, { dialog, actions, texts });
    this.excerpt = dialog.querySelector(".delete-excerpt");
    this.error = dialog.querySelector(".delete-error");
    this.confirm = dialog.querySelector(".delete-yes");
    this.msg = null;
    this.returnFocus = null;
    dialog.querySelector(".delete-no").addEventListener("click", () => dialog.close());
    this.confirm.addEventListener("click", () => this.deleteIt());
    dialog.addEventListener("close", () => {
      this.msg = null;
      if (this.returnFocus?.isConnected) this.returnFocus.focus();
    });
  }

  ask(msg, returnFocus) {
    this.msg = msg;
    this.returnFocus = returnFocus;
    this.excerpt.textContent = excerptOf(msg.message);
    this.error.textContent = "";
    this.confirm.disabled = false;
    this.dialog.showModal();
    this.dialog.querySelector(".delete-no").focus(); // the safe answer is the one Enter gives
  }

  async deleteIt() {
    const msg = this.msg;
    if (!msg) return;
    this.confirm.disabled = true;
    try {
      await this.actions.send({ type: "delete", id: msg.id });
      if (this.msg === msg) this.dialog.close();
    } catch (error) {
      if (!(error instanceof ActionRefused)) throw error;
      if (error.code === "not_found") this.dialog.close(); // already gone: what was asked for is done
      else this.error.textContent = this.texts.get(REFUSALS[error.code] ?? "reasonOther");
      this.confirm.disabled = false;
    }
  }
}
