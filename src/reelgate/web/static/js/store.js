// The page's copy of the jobs, kept current by the server's job-event stream (pushed, not
// polled). One `EventSource` on /api/events: a snapshot first, then one event per change.

import { api } from "./api.js";
import { isFinished } from "./format.js";

const RETRY_MS = 3000;

const STATUS_RANK = { queued: 0, in_progress: 1, completed: 2, failed: 2, cancelled: 2 };

/** Whether `next` is at least as far along as `current` (fetched copies may be stale). */
function notOlder(next, current) {
  if (!current) return true;
  const rank = STATUS_RANK[next.status] - STATUS_RANK[current.status];
  return rank > 0 || (rank === 0 && (isFinished(next) || next.progress >= current.progress));
}

export class JobStore extends EventTarget {
  constructor() {
    super();
    this.jobs = new Map();
    this.loaded = false;
    this.hasMore = false;
    this.source = null;
    this.retry = null;
  }

  /** Newest first: ids are time-ordered (ULIDs). */
  list() {
    return [...this.jobs.values()].sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  }

  get(id) {
    return this.jobs.get(id);
  }

  /** Apply a job the server pushed (authoritative) or that a request returned (maybe stale). */
  put(job, { pushed = false } = {}) {
    const previous = this.jobs.get(job.id);
    if (!pushed && !notOlder(job, previous)) return;
    this.jobs.set(job.id, job);
    this.#emit("job", { job, previous });
  }

  /** A job known only from its creation response, shown until the stream brings the real one. */
  putPending(job) {
    if (!this.jobs.has(job.id)) this.put(job);
  }

  remove(id) {
    if (this.jobs.delete(id)) this.#emit("removed", { id });
  }

  addOlder(jobs, hasMore) {
    for (const job of jobs) if (!this.jobs.has(job.id)) this.jobs.set(job.id, job);
    this.hasMore = hasMore;
    this.#emit("reset", {});
  }

  connect() {
    this.#close();
    const source = new EventSource("/api/events?limit=24");
    this.source = source;
    source.addEventListener("snapshot", (event) => {
      const body = JSON.parse(event.data);
      this.jobs = new Map(body.data.map((job) => [job.id, job]));
      this.hasMore = body.has_more;
      this.loaded = true;
      this.#emit("reset", {});
    });
    source.addEventListener("job", (event) => this.put(JSON.parse(event.data), { pushed: true }));
    source.addEventListener("deleted", (event) => this.remove(JSON.parse(event.data).id));
    source.addEventListener("open", () => this.#emit("connection", { state: "live" }));
    source.addEventListener("error", () => {
      // The browser reconnects by itself (sending Last-Event-ID) unless the stream failed
      // outright, as it does on a 401; then start a fresh one after a pause.
      if (source.readyState === EventSource.CLOSED) {
        this.#recover(source);
      } else {
        this.#emit("connection", { state: this.loaded ? "reconnecting" : "failed" });
      }
    });
  }

  /** Stop following and forget the jobs: the key is gone, and the next one may see others. */
  disconnect() {
    this.#close();
    this.jobs = new Map();
    this.loaded = false;
    this.hasMore = false;
    this.#emit("reset", {});
    this.#emit("connection", { state: "connecting" });
  }

  #close() {
    clearTimeout(this.retry);
    this.source?.close();
    this.source = null;
  }

  /** An EventSource cannot tell a 401 from a dead server, so ask /api/session first: on a 401
   * api.js brings the key dialog back and the stream waits for a key instead of looping. */
  async #recover(source) {
    try {
      await api.session();
    } catch (error) {
      if (error.status === 401) return;
    }
    if (this.source !== source) return; // disconnected or reconnected meanwhile
    this.#emit("connection", { state: this.loaded ? "reconnecting" : "failed" });
    this.retry = setTimeout(() => this.connect(), RETRY_MS);
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
