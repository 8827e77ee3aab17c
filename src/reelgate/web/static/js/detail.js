// The detail dialog of one job: the player (or its progress, or why it failed), its facts, the
// downloads, remix and delete. It follows the job live while open.

import { api } from "./api.js";
import {
  absoluteTime, bytesText, elapsedText, isFinished, phaseWord, secondsText, sizeText, statusWord,
} from "./format.js";

const $ = (id) => document.getElementById(id);

function setLink(link, href) {
  if (href) {
    link.href = href;
    link.removeAttribute("aria-disabled");
    link.removeAttribute("tabindex");
  } else {
    link.removeAttribute("href");
    link.setAttribute("aria-disabled", "true");
    link.setAttribute("tabindex", "-1");
  }
}

const DELIVERY_WORDS = { delivered: "Delivered", failed: "Gave up", pending: "Retrying" };

function deliveryItem(status, text) {
  const item = document.createElement("li");
  item.dataset.status = status;
  const state = document.createElement("span");
  state.className = "delivery-state";
  state.textContent = `${DELIVERY_WORDS[status] || status}: `;
  item.append(state, text);
  return item;
}

function deliveryText(delivery) {
  const tries = `${delivery.attempts} attempt${delivery.attempts === 1 ? "" : "s"}`;
  const last = delivery.last_status_code ? `HTTP ${delivery.last_status_code}` : delivery.last_error;
  const where = `${delivery.event_type} to ${delivery.url}`;
  if (delivery.status === "delivered") return `${where} (${last}, ${tries})`;
  if (delivery.status === "failed") return `${where} after ${tries}${last ? `; last: ${last}` : ""}`;
  const next = delivery.next_attempt_at ? `; next at ${absoluteTime(delivery.next_attempt_at)}` : "";
  return `${where}, ${tries} so far${last ? `; last: ${last}` : ""}${next}`;
}

export class DetailView {
  constructor(store, { onRemixed, onDeleted, toast }) {
    this.store = store;
    this.onRemixed = onRemixed;
    this.onDeleted = onDeleted;
    this.toast = toast;
    this.dialog = $("detail");
    this.jobId = null;
    this.variant = 0;
    this.shown = null; // what the media area shows now, so updates don't restart the player

    $("detail-close").addEventListener("click", () => this.dialog.close());
    this.dialog.addEventListener("click", (event) => {
      if (event.target === this.dialog) this.dialog.close(); // a click on the backdrop
    });
    this.dialog.addEventListener("close", () => this.#reset());
    $("remix-open").addEventListener("click", () => this.#openRemix());
    $("remix-cancel").addEventListener("click", () => ($("remix-form").hidden = true));
    $("remix-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.#remix();
    });
    $("delete-open").addEventListener("click", () => {
      $("delete-confirm").hidden = false;
      $("delete-cancel").focus();
    });
    $("delete-cancel").addEventListener("click", () => ($("delete-confirm").hidden = true));
    $("delete-confirm-button").addEventListener("click", () => this.#delete());
    store.addEventListener("job", (event) => {
      if (event.detail.job.id === this.jobId) this.render();
    });
    store.addEventListener("removed", (event) => {
      if (event.detail.id === this.jobId && this.dialog.open) {
        this.dialog.close();
        this.toast("That video was deleted.");
      }
    });
  }

  open(jobId) {
    this.jobId = jobId;
    this.variant = 0;
    this.shown = null;
    this.render();
    this.dialog.showModal();
    $("detail-close").focus();
  }

  render() {
    const job = this.store.get(this.jobId);
    if (!job) return;
    const generation = job.generations[this.variant] || job.generations[0];
    $("detail-status").textContent = job.status === "in_progress" ? `${statusWord(job)} · ${job.progress}%` : statusWord(job);
    $("detail-status").dataset.status = job.status;
    $("detail-title").textContent = job.prompt;
    $("detail-error").hidden = !job.error;
    $("detail-error").textContent = job.error ? `${job.error.message} (${job.error.code})` : "";
    this.#renderMedia(job, generation);
    this.#renderVariants(job);
    this.#renderFacts(job, generation);
    this.#renderWebhook(job);
    const done = job.status === "completed";
    setLink($("download-video"), done ? generation.video_url : null);
    setLink($("download-thumbnail"), done ? generation.files.thumbnail : null);
    $("remix-open").disabled = !done;
    $("remix-open").title = done ? "" : "Only finished videos can be remixed";
  }

  #renderMedia(job, generation) {
    const media = $("detail-media");
    const key = job.status === "completed" ? `video:${generation.id}` : job.status;
    if (this.shown !== key) {
      this.shown = key;
      media.replaceChildren();
      if (job.status === "completed") {
        const video = document.createElement("video");
        Object.assign(video, { controls: true, autoplay: true, muted: true, loop: true, playsInline: true });
        video.preload = "auto";
        video.poster = generation.files.thumbnail || "";
        video.src = generation.video_url;
        video.setAttribute("aria-label", `Video: ${job.prompt}`);
        media.style.aspectRatio = "";
        media.append(video);
      } else if (job.status === "failed" || job.status === "cancelled") {
        media.style.aspectRatio = `${job.width} / ${job.height}`;
        media.innerHTML = `<div class="failure"><svg viewBox="0 0 24 24" aria-hidden="true"><path d="M12 9v4m0 4h.01M10.3 3.9 1.8 18a2 2 0 0 0 1.7 3h17a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0z"/></svg><strong>Generation failed</strong></div>`;
      } else {
        media.style.aspectRatio = `${job.width} / ${job.height}`;
        media.innerHTML = `<div class="render-state"><span class="render-percent"></span><span class="render-phase"></span></div>
          <div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-label="Progress"><div class="progress-fill"></div></div>`;
      }
    }
    if (!isFinished(job)) {
      media.querySelector(".render-percent").textContent = job.status === "queued" ? "In queue" : `${job.progress}%`;
      media.querySelector(".render-phase").textContent = phaseWord(job);
      media.querySelector(".progress").setAttribute("aria-valuenow", String(job.progress));
      media.querySelector(".progress-fill").style.width = `${job.progress}%`;
    }
  }

  #renderVariants(job) {
    const tabs = $("detail-variants");
    tabs.hidden = job.generations.length < 2;
    if (tabs.hidden) return;
    tabs.replaceChildren(
      ...job.generations.map((generation, index) => {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = `Variant ${index + 1}`;
        button.setAttribute("aria-pressed", String(index === this.variant));
        button.addEventListener("click", () => {
          this.variant = index;
          this.render();
        });
        return button;
      }),
    );
  }

  #renderFacts(job, generation) {
    const facts = [
      ["Size", sizeText(job)],
      ["Duration", secondsText(generation ? generation.seconds : job.seconds)],
      ["Model", job.model],
      ["Variants", String(job.n_variants)],
      ["Created", absoluteTime(job.created_at)],
      ["Waited", job.started_at ? elapsedText(job.started_at - job.created_at) : "—"],
      ["Rendered in", job.completed_at && job.started_at ? elapsedText(job.completed_at - job.started_at) : "—"],
      ["File size", bytesText(generation?.video_bytes)],
    ];
    if (job.remixed_from) facts.push(["Remix of", job.remixed_from]);
    if (job.has_reference_image) facts.push(["Reference", "image"]);
    facts.push(["Job id", job.id]);
    $("detail-facts").replaceChildren(
      ...facts.flatMap(([term, value]) => {
        const dt = document.createElement("dt");
        const dd = document.createElement("dd");
        dt.textContent = term;
        dd.textContent = value;
        return [dt, dd];
      }),
    );
  }

  // The job's webhook deliveries (`/api/webhooks/deliveries`): re-read when the job changes,
  // at most every two seconds, since retries happen long after the job itself finished.
  async #renderWebhook(job) {
    const section = $("detail-webhooks");
    section.hidden = !job.webhook_url;
    if (!job.webhook_url) return;
    const list = $("detail-deliveries");
    if (!isFinished(job)) {
      list.replaceChildren(deliveryItem("pending", `Sent to ${job.webhook_url} when the job finishes.`));
      return;
    }
    const now = Date.now();
    if (this.deliveriesReadAt && now - this.deliveriesReadAt < 2000) return;
    this.deliveriesReadAt = now;
    let deliveries;
    try {
      deliveries = (await api.deliveries(job.id)).data;
    } catch (error) {
      list.replaceChildren(deliveryItem("failed", `Deliveries could not be read: ${error.message}`));
      return;
    }
    if (job.id !== this.jobId) return; // another job was opened meanwhile
    list.replaceChildren(
      ...(deliveries.length
        ? deliveries.map((delivery) => deliveryItem(delivery.status, deliveryText(delivery)))
        : [deliveryItem("pending", `Waiting for the first attempt to ${job.webhook_url}.`)]),
    );
    if (deliveries.some((delivery) => delivery.status !== "delivered" && delivery.status !== "failed")) {
      setTimeout(() => this.jobId === job.id && this.render(), 2500);
    }
  }

  #openRemix() {
    const job = this.store.get(this.jobId);
    $("delete-confirm").hidden = true;
    $("remix-form").hidden = false;
    $("remix-error").hidden = true;
    $("remix-prompt").value = job.prompt;
    $("remix-prompt").focus();
    $("remix-prompt").select();
  }

  async #remix() {
    const button = $("remix-submit");
    const prompt = $("remix-prompt").value;
    button.disabled = true;
    try {
      const created = await api.remix(this.jobId, prompt);
      this.dialog.close();
      this.onRemixed(created);
    } catch (error) {
      $("remix-error").textContent = error.message;
      $("remix-error").hidden = false;
    } finally {
      button.disabled = false;
    }
  }

  async #delete() {
    const id = this.jobId;
    const button = $("delete-confirm-button");
    button.disabled = true;
    try {
      await api.remove(id);
      this.jobId = null;
      this.dialog.close();
      this.onDeleted(id);
    } catch (error) {
      this.toast(error.message, "error");
    } finally {
      button.disabled = false;
    }
  }

  #reset() {
    this.deliveriesReadAt = 0;
    $("remix-form").hidden = true;
    $("delete-confirm").hidden = true;
    $("detail-media").replaceChildren(); // stops the player
    this.shown = null;
    this.jobId = null;
  }
}
