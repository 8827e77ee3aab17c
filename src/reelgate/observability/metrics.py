"""The Prometheus metrics of one application (its own registry, so several apps in one process,
as in tests, never collide).

Counted in this process: HTTP requests and latencies per route, job timings of the workers in
this process, webhook attempts made here. Read from the database at each scrape, so every
replica reports the same truth: jobs by status, queue depth and age, deliveries by status.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from reelgate.core.usage import UsageService
from reelgate.store.db import JobStore
from reelgate.store.job_final import JobTiming
from reelgate.store.webhooks import WebhookStore

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
_JOB_BUCKETS = (0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200)


class StoreCollector(Collector):
    """Gauges read from the database when scraped."""

    def __init__(self, jobs: JobStore, webhooks: WebhookStore, clock: Callable[[], float]):
        self._jobs = jobs
        self._webhooks = webhooks
        self._clock = clock

    def collect(self) -> Iterator[Metric]:
        by_status = GaugeMetricFamily(
            "reelgate_jobs", "Jobs in the store by status (every kind).", labels=["status"]
        )
        counts, oldest_queued = self._jobs.status_counts()
        for status, count in sorted(counts.items()):
            by_status.add_metric([status], count)
        yield by_status
        yield GaugeMetricFamily(
            "reelgate_queue_depth", "Jobs waiting for a worker.", value=counts.get("queued", 0)
        )
        age = self._clock() - oldest_queued if oldest_queued is not None else 0.0
        yield GaugeMetricFamily(
            "reelgate_queue_oldest_age_seconds", "How long the oldest queued job has waited.", age
        )
        deliveries = GaugeMetricFamily(
            "reelgate_webhook_deliveries",
            "Webhook deliveries by status (pending, delivered, failed).",
            labels=["status"],
        )
        for status, count in sorted(self._webhooks.counts_by_status().items()):
            deliveries.add_metric([status], count)
        yield deliveries


class UsageCollector(Collector):
    """Usage since the first day, per model and tier, with its estimated cost: read from the
    usage counters when scraped, so every replica reports the same figures."""

    def __init__(self, usage: UsageService) -> None:
        self._usage = usage

    def collect(self) -> Iterator[Metric]:
        labels = ["model", "tier"]
        families = {
            "jobs": GaugeMetricFamily("reelgate_usage_jobs", "Jobs made.", labels=labels),
            "failures": GaugeMetricFamily(
                "reelgate_usage_failures", "Jobs that failed.", labels=labels
            ),
            "video_seconds": GaugeMetricFamily(
                "reelgate_usage_video_seconds", "Seconds of video produced.", labels=labels
            ),
            "images": GaugeMetricFamily("reelgate_usage_images", "Images produced.", labels=labels),
        }
        cost = GaugeMetricFamily(
            "reelgate_usage_estimated_cost_usd",
            "Estimated cost at the configured prices (priced models only).",
            labels=labels,
        )
        for row, estimate in self._usage.by_model_and_tier():
            values = [row.model, row.tier]
            for name, family in families.items():
                family.add_metric(values, getattr(row, name))
            if estimate is not None:
                cost.add_metric(values, estimate)
        yield from families.values()
        yield cost


class Metrics:
    def __init__(self) -> None:
        disable_created_metrics()  # `_created` series double the output and nobody reads them
        self.registry = CollectorRegistry(auto_describe=False)
        self._requests = Counter(
            "reelgate_http_requests",
            "HTTP requests answered, by method, route template and status code.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self._latency = Histogram(
            "reelgate_http_request_duration_seconds",
            "Time to answer an HTTP request (to the end of the response body), by route.",
            ["method", "route"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self._queue_wait = Histogram(
            "reelgate_job_queue_seconds",
            "Time from a job's creation to a worker claiming it (workers in this process).",
            ["provider"],
            buckets=_JOB_BUCKETS,
            registry=self.registry,
        )
        self._run_time = Histogram(
            "reelgate_job_run_seconds",
            "Time from a worker claiming a job to its final state: rendering, or waiting on the "
            "upstream provider (workers in this process).",
            ["provider", "status"],
            buckets=_JOB_BUCKETS,
            registry=self.registry,
        )
        self._webhook_attempts = Counter(
            "reelgate_webhook_attempts",
            "Webhook delivery attempts made by this process, by outcome.",
            ["outcome"],
            registry=self.registry,
        )
        self._webhook_latency = Histogram(
            "reelgate_webhook_attempt_duration_seconds",
            "Time of one webhook delivery attempt.",
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        # Label children cached: `labels()` takes a lock and builds a tuple on every call.
        self._request_children: dict[tuple[str, str, int], Any] = {}
        self._latency_children: dict[tuple[str, str], Any] = {}

    def watch_store(
        self, jobs: JobStore, webhooks: WebhookStore, clock: Callable[[], float] = time.time
    ) -> None:
        self.registry.register(StoreCollector(jobs, webhooks, clock))
        jobs.timing_observers.append(self.observe_job)

    def watch_usage(self, usage: UsageService) -> None:
        self.registry.register(UsageCollector(usage))

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        counter = self._request_children.get(key)
        if counter is None:
            counter = self._requests.labels(method, route, str(status))
            self._request_children[key] = counter
        counter.inc()
        latency = self._latency_children.get(key[:2])
        if latency is None:
            latency = self._latency.labels(method, route)
            self._latency_children[key[:2]] = latency
        latency.observe(seconds)

    def observe_job(self, timing: JobTiming) -> None:
        if timing.started_at is None:
            return
        if timing.event == "claimed":
            self._queue_wait.labels(timing.provider).observe(
                max(0.0, timing.started_at - timing.created_at)
            )
        elif timing.completed_at is not None:
            self._run_time.labels(timing.provider, timing.event).observe(
                max(0.0, timing.completed_at - timing.started_at)
            )

    def observe_webhook_attempt(self, outcome: str, seconds: float) -> None:
        self._webhook_attempts.labels(outcome).inc()
        self._webhook_latency.observe(seconds)
