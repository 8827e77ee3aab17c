// One gallery card per job, updated in place as events arrive (so the progress bar glides and
// a hover in progress is not interrupted).

import {
  containRect, phaseWord, relativeTime, secondsText, sizeText, statusWord,
} from "./format.js";

const FINISH_MS = 1100; // how long a just-finished job shows its full bar before its picture

const TEMPLATE = document.createElement("template");
TEMPLATE.innerHTML = `
  <li class="card">
    <div class="frame">
      <div class="frame-backdrop"></div>
      <img class="frame-thumb" alt="" decoding="async">
      <div class="scrub"></div>
      <div class="scrub-line"></div>
      <div class="render-state"><span class="render-percent"></span><span class="render-phase"></span></div>
      <div class="failure">
        <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M12 9v4m0 4h.01M10.3 3.9 1.8 18a2 2 0 0 0 1.7 3h17a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0z"/></svg>
        <strong>Generation failed</strong>
        <span class="failure-text"></span>
      </div>
      <div class="badges"><span class="badge badge-status"></span><span class="badge badge-kind" hidden></span><span class="badge badge-end"></span></div>
      <div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax="100"><div class="progress-fill"></div></div>
    </div>
    <div class="card-body">
      <p class="card-prompt"></p>
      <div class="card-meta"><span class="meta-size"></span><span class="sep">·</span><span class="meta-model"></span><time></time></div>
    </div>
    <button type="button" class="card-open"></button>
  </li>`;

export class Card {
  constructor(job, onOpen) {
    this.element = TEMPLATE.content.firstElementChild.cloneNode(true);
    this.element.dataset.id = job.id;
    this.parts = {
      frame: this.element.querySelector(".frame"),
      backdrop: this.element.querySelector(".frame-backdrop"),
      thumb: this.element.querySelector(".frame-thumb"),
      scrub: this.element.querySelector(".scrub"),
      scrubLine: this.element.querySelector(".scrub-line"),
      percent: this.element.querySelector(".render-percent"),
      phase: this.element.querySelector(".render-phase"),
      failure: this.element.querySelector(".failure-text"),
      status: this.element.querySelector(".badge-status"),
      kind: this.element.querySelector(".badge-kind"),
      end: this.element.querySelector(".badge-end"),
      progress: this.element.querySelector(".progress"),
      fill: this.element.querySelector(".progress-fill"),
      prompt: this.element.querySelector(".card-prompt"),
      size: this.element.querySelector(".meta-size"),
      model: this.element.querySelector(".meta-model"),
      time: this.element.querySelector("time"),
      open: this.element.querySelector(".card-open"),
    };
    this.parts.open.addEventListener("click", () => onOpen(this.job.id));
    this.parts.thumb.addEventListener("load", () => (this.parts.thumb.dataset.loaded = "true"));
    this.element.addEventListener("pointermove", (event) => this.#scrub(event));
    this.element.addEventListener("pointerleave", () => (this.element.dataset.scrubbing = "false"));
    this.job = null;
    this.update(job);
  }

  update(job) {
    const previous = this.job;
    this.job = job;
    const { parts, element } = this;
    const justFinished = previous && previous.status !== "completed" && job.status === "completed";
    element.dataset.status = job.status;
    if (justFinished) this.#showFinish();

    const progress = job.status === "completed" ? 100 : job.progress;
    parts.progress.setAttribute("aria-valuenow", String(progress));
    parts.progress.setAttribute("aria-label", `Progress: ${progress}%`);
    parts.fill.style.width = `${progress}%`;
    if (element.dataset.finishing !== "true") {
      parts.percent.textContent = job.status === "queued" ? "In queue" : `${progress}%`;
      parts.phase.textContent = phaseWord(job);
    }
    parts.failure.textContent = job.error ? job.error.message : "";
    parts.status.textContent = statusWord(job);
    parts.status.hidden = job.status === "completed";
    const kind = job.remixed_from ? "Remix" : job.n_variants > 1 ? `×${job.n_variants}` : "";
    parts.kind.hidden = !kind;
    parts.kind.textContent = kind;
    parts.end.textContent = secondsText(job.seconds);
    parts.prompt.textContent = job.prompt;
    parts.prompt.title = job.prompt;
    parts.size.textContent = sizeText(job);
    parts.model.textContent = job.model;
    parts.time.dateTime = new Date(job.created_at * 1000).toISOString();
    this.refreshTime();
    parts.open.setAttribute("aria-label", `${statusWord(job)}: ${job.prompt}`);

    const generation = job.generations[0];
    const thumbnail = generation?.files.thumbnail;
    if (thumbnail && parts.thumb.getAttribute("src") !== thumbnail) {
      parts.thumb.src = thumbnail;
      parts.backdrop.style.backgroundImage = `url("${thumbnail}")`;
    }
  }

  refreshTime() {
    if (this.job) this.parts.time.textContent = relativeTime(this.job.created_at);
  }

  #showFinish() {
    const { element, parts } = this;
    element.dataset.finishing = "true";
    parts.percent.textContent = "100%";
    parts.phase.textContent = "Done";
    clearTimeout(this.finishTimer);
    this.finishTimer = setTimeout(() => {
      element.dataset.finishing = "false";
      if (this.job) this.update(this.job);
    }, FINISH_MS);
  }

  /** Hovering a finished video shows the spritesheet tile under the pointer: a scrub preview. */
  #scrub(event) {
    const generation = this.job?.generations[0];
    const sheet = generation?.spritesheet;
    if (!sheet || this.job.status !== "completed" || event.pointerType === "touch") return;
    const { frame, scrub, scrubLine } = this.parts;
    const box = frame.getBoundingClientRect();
    const fit = containRect(box.width, box.height, generation.width / generation.height);
    const x = Math.min(0.9999, Math.max(0, (event.clientX - box.left - fit.left) / fit.width));
    const tile = Math.floor(x * sheet.tiles);
    const column = tile % sheet.columns;
    const row = Math.floor(tile / sheet.columns);
    const url = `url("${generation.files.spritesheet}")`;
    if (scrub.style.backgroundImage !== url) scrub.style.backgroundImage = url;
    Object.assign(scrub.style, {
      left: `${fit.left}px`, top: `${fit.top}px`, width: `${fit.width}px`, height: `${fit.height}px`,
      backgroundSize: `${sheet.columns * fit.width}px ${sheet.rows * fit.height}px`,
      backgroundPosition: `${-column * fit.width}px ${-row * fit.height}px`,
    });
    scrubLine.style.width = `${x * 100}%`;
    this.element.dataset.scrubbing = "true";
  }
}
