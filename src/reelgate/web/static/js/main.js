// Wires the page together: the key dialog (when the server wants a key), the job store (fed by
// the event stream), the composer, the gallery and the detail dialog.

import { api } from "./api.js";
import { Composer } from "./composer.js";
import { DetailView } from "./detail.js";
import { Gallery } from "./gallery.js";
import { KeyDialog } from "./keys.js";
import { JobStore } from "./store.js";

const store = new JobStore();

function toast(message, kind = "info") {
  const item = document.createElement("div");
  item.className = "toast";
  item.dataset.kind = kind;
  item.textContent = message;
  document.getElementById("toasts").append(item);
  setTimeout(() => item.remove(), 4000);
}

/** What the page knows of a job it just created, until the stream sends the real thing. */
function pendingJob(id, params) {
  return {
    id, status: "queued", phase: null, progress: 0, prompt: params.prompt, model: params.model,
    width: params.width - (params.width % 2), height: params.height - (params.height % 2),
    seconds: params.duration, n_variants: params.n_variants, remixed_from: null, error: null,
    created_at: Date.now() / 1000, generations: [], has_reference_image: Boolean(params.reference_image),
  };
}

const detail = new DetailView(store, {
  toast,
  onRemixed: (job) => {
    store.put(job);
    toast("Remix started.");
  },
  onDeleted: (id) => {
    store.remove(id);
    toast("Video deleted.");
  },
});

const gallery = new Gallery(store, {
  onOpen: (id) => detail.open(id),
  onLoadMore: async () => {
    const oldest = store.list().at(-1);
    try {
      const page = await api.jobs(oldest?.id);
      store.addOlder(page.data, page.has_more);
    } catch (error) {
      toast(error.message, "error");
    }
  },
});

const composer = new Composer({
  onCreated: (id, params) => {
    store.putPending(pendingJob(id, params));
    api.job(id).then((job) => store.put(job), () => {});
  },
});

document.querySelectorAll(".example").forEach((button) =>
  button.addEventListener("click", () => composer.fill(button.textContent)),
);

const live = document.getElementById("live");
const LIVE_WORDS = { live: "Live", reconnecting: "Reconnecting…", failed: "Offline", connecting: "Connecting…" };
store.addEventListener("connection", (event) => {
  const { state } = event.detail;
  live.dataset.state = state;
  live.querySelector(".live-text").textContent = LIVE_WORDS[state];
  if (state === "failed") gallery.showError("The server did not answer. It may be stopped or restarting.");
});

const keys = new KeyDialog({
  toast,
  onSignedIn: () => store.connect(),
  onSignedOut: () => {
    detail.dialog.close();
    store.disconnect();
  },
});

/** Who are we (a key, open mode, or a key to ask for), then the gallery. */
function start() {
  keys.start().catch((error) => gallery.showError(error.message));
}

document.getElementById("retry").addEventListener("click", () => {
  document.getElementById("state-error").hidden = true;
  document.getElementById("state-loading").hidden = false;
  start();
});

start();
