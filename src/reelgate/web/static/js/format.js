// Small, pure formatting helpers shared by the gallery and the detail view.

export const FINISHED = new Set(["completed", "failed", "cancelled"]);

export function isFinished(job) {
  return FINISHED.has(job.status);
}

const STATUS_WORDS = {
  queued: "Queued", in_progress: "Rendering", completed: "Ready", failed: "Failed", cancelled: "Cancelled",
};
const PHASE_WORDS = { preprocessing: "Preparing", running: "Rendering frames", processing: "Finishing" };

export const statusWord = (job) => STATUS_WORDS[job.status] || job.status;
export const phaseWord = (job) =>
  job.status === "queued" ? "Waiting for a worker" : PHASE_WORDS[job.phase] || "Starting";

export function sizeText(job) {
  return `${job.width}×${job.height}`;
}

export function secondsText(value) {
  return `${Number.isInteger(value) ? value : value.toFixed(1)} s`;
}

export function elapsedText(seconds) {
  if (seconds == null || !Number.isFinite(seconds)) return "—";
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 90) return `${seconds.toFixed(1)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

export function bytesText(bytes) {
  if (bytes == null) return "—";
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function relativeTime(epochSeconds, now = Date.now() / 1000) {
  const ago = Math.max(0, now - epochSeconds);
  if (ago < 45) return "just now";
  if (ago < 3600) return `${Math.round(ago / 60)} min ago`;
  if (ago < 86400) return `${Math.round(ago / 3600)} h ago`;
  return new Date(epochSeconds * 1000).toLocaleDateString(undefined, { month: "short", day: "numeric" });
}

export function absoluteTime(epochSeconds) {
  return new Date(epochSeconds * 1000).toLocaleString(undefined, {
    month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit",
  });
}

/** Where an image of aspect `ratio` sits when contained in a `width`×`height` box. */
export function containRect(width, height, ratio) {
  if (width / height > ratio) {
    const w = height * ratio;
    return { left: (width - w) / 2, top: 0, width: w, height };
  }
  const h = width / ratio;
  return { left: 0, top: (height - h) / 2, width, height: h };
}
