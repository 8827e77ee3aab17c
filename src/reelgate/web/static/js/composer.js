// The prompt form: size from aspect and resolution, an optional reference image (drag and drop
// or file picker), and submission that shows the new job in the gallery at once.

import { api } from "./api.js";

const MAX_IMAGE_BYTES = 20 * 1024 * 1024;
const IMAGE_TYPES = ["image/png", "image/jpeg", "image/webp"];
const SHORT_SIDE = { 480: 480, 720: 720, 1080: 1080 };

/** Width and height for an aspect ("16:9") at a resolution (the short side), kept even. */
export function sizeFor(aspect, resolution) {
  const [a, b] = aspect.split(":").map(Number);
  const short = SHORT_SIDE[resolution];
  const long = Math.round((short * Math.max(a, b)) / Math.min(a, b) / 2) * 2;
  return a >= b ? [long, short] : [short, long];
}

function readAsDataUrl(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(new Error("The image could not be read."));
    reader.readAsDataURL(file);
  });
}

export class Composer {
  constructor({ onCreated }) {
    this.onCreated = onCreated;
    this.form = document.getElementById("composer");
    this.prompt = document.getElementById("prompt");
    this.counter = document.getElementById("prompt-counter");
    this.duration = document.getElementById("duration");
    this.durationOut = document.getElementById("duration-out");
    this.summary = document.getElementById("size-summary");
    this.error = document.getElementById("composer-error");
    this.submit = document.getElementById("generate");
    this.dropzone = document.getElementById("dropzone");
    this.fileInput = document.getElementById("reference");
    this.reference = null; // { name, dataUrl }

    this.form.addEventListener("input", () => this.#refresh());
    this.form.addEventListener("change", () => this.#refresh());
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.#send();
    });
    this.prompt.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        this.#send();
      }
    });
    this.fileInput.addEventListener("change", () => this.#useFile(this.fileInput.files[0]));
    document.getElementById("reference-remove").addEventListener("click", () => this.#clearFile());
    this.#wireDropzone();
    this.#refresh();
  }

  /** Put a prompt in the box (example chips, remix) and focus it. */
  fill(text) {
    this.prompt.value = text;
    this.#refresh();
    this.prompt.focus();
  }

  values() {
    const data = new FormData(this.form);
    const [width, height] = sizeFor(data.get("aspect"), data.get("resolution"));
    return {
      prompt: this.prompt.value,
      duration: Number(this.duration.value),
      width,
      height,
      model: data.get("model"),
      n_variants: Number(data.get("variants")),
    };
  }

  #refresh() {
    const length = this.prompt.value.length;
    this.counter.textContent = `${length} / 1000`;
    this.counter.dataset.near = String(length > 900);
    const { width, height, duration, n_variants: n } = this.values();
    this.durationOut.textContent = `${duration} s`;
    this.summary.textContent = `${width} × ${height} · ${duration} s · ${n} ${n === 1 ? "video" : "videos"}`;
  }

  #showError(message) {
    this.error.textContent = message;
    this.error.hidden = !message;
  }

  async #send() {
    if (this.submit.getAttribute("aria-busy") === "true") return;
    const params = this.values();
    if (!params.prompt.trim()) {
      this.#showError("Write a prompt first: describe what the video should show.");
      this.prompt.focus();
      return;
    }
    if (this.reference) params.reference_image = this.reference.dataUrl;
    this.#showError("");
    this.submit.setAttribute("aria-busy", "true");
    this.submit.disabled = true;
    try {
      const created = await api.generate(params);
      this.onCreated(created.job_id, params);
    } catch (error) {
      this.#showError(error.message);
    } finally {
      this.submit.removeAttribute("aria-busy");
      this.submit.disabled = false;
    }
  }

  async #useFile(file) {
    if (!file) return;
    if (!IMAGE_TYPES.includes(file.type)) {
      this.#showError(`"${file.name}" is not a PNG, JPEG or WebP image.`);
      return;
    }
    if (file.size > MAX_IMAGE_BYTES) {
      this.#showError(`"${file.name}" is larger than 20 MB.`);
      return;
    }
    try {
      this.reference = { name: file.name, dataUrl: await readAsDataUrl(file) };
    } catch (error) {
      this.#showError(error.message);
      return;
    }
    this.#showError("");
    document.getElementById("reference-preview").src = this.reference.dataUrl;
    document.getElementById("reference-name").textContent = file.name;
    this.dropzone.dataset.state = "filled";
  }

  #clearFile() {
    this.reference = null;
    this.fileInput.value = "";
    this.dropzone.dataset.state = "empty";
    this.fileInput.focus();
  }

  #wireDropzone() {
    const zone = this.dropzone;
    const over = (event) => {
      event.preventDefault();
      zone.dataset.drag = "over";
    };
    zone.addEventListener("dragenter", over);
    zone.addEventListener("dragover", over);
    zone.addEventListener("dragleave", () => delete zone.dataset.drag);
    zone.addEventListener("drop", (event) => {
      event.preventDefault();
      delete zone.dataset.drag;
      this.#useFile(event.dataTransfer.files[0]);
    });
  }
}
