// The gallery: cards in newest-first order, and its loading, empty and error states.

import { Card } from "./cards.js";
import { isFinished } from "./format.js";

export class Gallery {
  constructor(store, { onOpen, onLoadMore }) {
    this.store = store;
    this.onOpen = onOpen;
    this.cards = new Map();
    this.grid = document.getElementById("grid");
    this.count = document.getElementById("gallery-count");
    this.loading = document.getElementById("state-loading");
    this.empty = document.getElementById("state-empty");
    this.error = document.getElementById("state-error");
    this.more = document.getElementById("load-more");
    this.more.addEventListener("click", onLoadMore);
    store.addEventListener("reset", () => this.renderAll());
    store.addEventListener("job", (event) => this.renderJob(event.detail.job));
    store.addEventListener("removed", (event) => this.removeCard(event.detail.id));
    setInterval(() => this.cards.forEach((card) => card.refreshTime()), 30_000);
  }

  renderAll() {
    const jobs = this.store.list();
    for (const id of this.cards.keys()) {
      if (!this.store.get(id)) this.removeCard(id, { quiet: true });
    }
    jobs.forEach((job, index) => this.#place(job, index));
    this.#refreshStates();
  }

  renderJob(job) {
    const index = this.store.list().findIndex((item) => item.id === job.id);
    this.#place(job, index);
    this.#refreshStates();
  }

  removeCard(id, { quiet = false } = {}) {
    const card = this.cards.get(id);
    if (!card) return;
    card.element.remove();
    this.cards.delete(id);
    if (!quiet) this.#refreshStates();
  }

  showError(message) {
    if (this.store.loaded) return; // a stream hiccup after loading: the header shows it
    document.getElementById("state-error-text").textContent = message;
    this.loading.hidden = true;
    this.error.hidden = false;
  }

  #place(job, index) {
    let card = this.cards.get(job.id);
    if (card) {
      card.update(job);
    } else {
      card = new Card(job, this.onOpen);
      this.cards.set(job.id, card);
    }
    const here = this.grid.children[index];
    if (here !== card.element) this.grid.insertBefore(card.element, here || null);
  }

  #refreshStates() {
    const total = this.cards.size;
    const loaded = this.store.loaded;
    this.loading.hidden = loaded || total > 0;
    if (loaded || total > 0) this.error.hidden = true;
    this.empty.hidden = !loaded || total > 0;
    this.more.hidden = !this.store.hasMore;
    const running = [...this.cards.values()].filter((card) => !isFinished(card.job)).length;
    const shown = `${total}${this.store.hasMore ? "+" : ""} ${total === 1 ? "video" : "videos"}`;
    this.count.textContent = total === 0 ? "" : running ? `${shown} · ${running} in progress` : shown;
  }
}
