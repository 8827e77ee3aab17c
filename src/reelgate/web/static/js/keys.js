// The API key: asked for when the server wants one, kept by the browser as the server's HttpOnly
// cookie (so players, downloads and the event stream carry it without headers), shown in the
// header with a way to sign out. In open mode (no key ever made) none of this appears.

import { api, authEvents } from "./api.js";

const $ = (id) => document.getElementById(id);

// Keys are printable ASCII; anything else cannot travel in a header and is surely a typo.
const KEY_SHAPE = /^[\x21-\x7e]+$/;

export class KeyDialog {
  /** `onSignedIn(session)` when the page may load; `onSignedOut()` when the key is gone. */
  constructor({ onSignedIn, onSignedOut, toast }) {
    this.onSignedIn = onSignedIn;
    this.onSignedOut = onSignedOut;
    this.toast = toast;
    this.dialog = $("key-dialog");
    this.form = $("key-form");
    this.input = $("key-input");
    this.error = $("key-error");
    this.submit = $("key-submit");
    this.badge = $("key-badge");
    this.asking = false;

    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.#signIn();
    });
    // Without a key the page has nothing to show: Escape must not leave a blank page behind.
    this.dialog.addEventListener("cancel", (event) => event.preventDefault());
    this.dialog.addEventListener("close", () => {
      if (this.asking) this.dialog.showModal();
    });
    $("key-sign-out").addEventListener("click", () => this.#signOut());
    authEvents.addEventListener("unauthorized", (event) => this.#refused(event.detail.message));
  }

  /** Ask the server who we are: go on with the session, or ask for a key. */
  async start() {
    let session;
    try {
      session = await api.session({ quiet: true });
    } catch (error) {
      if (error.status !== 401) throw error;
      this.ask();
      return;
    }
    this.#enter(session);
  }

  ask(message = "") {
    this.#showBadge(null);
    this.#showError(message);
    this.input.value = "";
    this.asking = true;
    if (!this.dialog.open) this.dialog.showModal();
    this.input.focus();
  }

  #enter(session) {
    this.asking = false;
    if (this.dialog.open) this.dialog.close();
    this.#showBadge(session.key);
    this.onSignedIn(session);
  }

  /** A later 401 (the key was revoked): forget what this key showed, ask again. */
  #refused(message) {
    if (this.asking) return;
    this.onSignedOut();
    this.ask(`The server asked for a key again: ${message}`);
  }

  async #signIn() {
    const key = this.input.value.trim();
    if (!KEY_SHAPE.test(key)) {
      const problem = key ? "That is not an API key: keys have no spaces or accents." : "";
      this.#showError(problem || "Enter your API key.");
      this.input.focus();
      return;
    }
    this.submit.setAttribute("aria-busy", "true");
    this.submit.disabled = true;
    try {
      this.#enter(await api.signIn(key));
      this.input.value = "";
    } catch (error) {
      this.#showError(error.message);
      this.input.focus();
      this.input.select();
    } finally {
      this.submit.removeAttribute("aria-busy");
      this.submit.disabled = false;
    }
  }

  async #signOut() {
    try {
      await api.signOut();
    } catch (error) {
      if (error.status !== 401) {
        this.toast(`Could not sign out: ${error.message}`, "error");
        return;
      }
    }
    this.onSignedOut();
    this.ask();
  }

  #showBadge(key) {
    this.badge.hidden = !key;
    $("key-name").textContent = key ? key.name : "";
    $("key-admin").hidden = !key?.admin;
    this.badge.title = key ? `Signed in with the API key "${key.name}" (${key.id})` : "";
  }

  #showError(message) {
    this.error.textContent = message;
    this.error.hidden = !message;
  }
}
