"""Builds the ASGI application: the store, the workers, and every dialect's routes."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.responses import Response

from reelgate import __version__
from reelgate.api import app as app_api
from reelgate.api import azure, gateway, openai
from reelgate.api import responses as responses_api
from reelgate.api.access.auth import AuthMiddleware
from reelgate.api.access.key_ring import KeyRing
from reelgate.api.access.request_rates import RequestRates
from reelgate.api.images.links import ImageLinks, load_or_create_secret
from reelgate.api.recordings.log import RequestLog
from reelgate.api.recordings.middleware import RecordingMiddleware
from reelgate.api.server import metrics
from reelgate.api.server.api_docs import mount_api_docs
from reelgate.api.server.body_limits import BodyLimitMiddleware
from reelgate.api.server.envelopes import DialectPrefixes
from reelgate.api.server.faults import install_fault_handlers
from reelgate.api.short_way.routes import ShortcutFastAPI
from reelgate.config import Settings
from reelgate.core.catalog import ModelCatalog
from reelgate.core.characters import CharacterService
from reelgate.core.content_filter import ContentFilter
from reelgate.core.deliveries import DeliveryService
from reelgate.core.events import JobEvents
from reelgate.core.files import FileService
from reelgate.core.images import ImageService
from reelgate.core.jobs import JobService
from reelgate.core.responses import ResponseService
from reelgate.core.usage import UsageService
from reelgate.core.webhooks import load_or_create_secret as load_webhook_secret
from reelgate.observability.metrics import Metrics
from reelgate.observability.middleware import ObservabilityMiddleware
from reelgate.providers.registry import ProviderRegistry, registry_from_routing
from reelgate.providers.routing import load_routing
from reelgate.runner.deliveries import DeliveryLoop
from reelgate.runner.retention import RetentionSweep
from reelgate.runner.worker import WorkerPool
from reelgate.scenarios.choice import Scenarios
from reelgate.scenarios.rules import load_rules
from reelgate.store.client_files import ClientFileStore
from reelgate.store.connect import open_store
from reelgate.store.engine import is_postgresql
from reelgate.store.idempotency import IdempotencyStore
from reelgate.store.keys import KeyStore
from reelgate.store.notices import notices_for
from reelgate.store.open_blobs import open_blob_store
from reelgate.store.retention import RetentionStore
from reelgate.store.tombstones import TombstoneStore
from reelgate.store.usage import UsageStore
from reelgate.store.webhooks import WebhookStore
from reelgate.web import mount_web_page

DESCRIPTION = """
reelgate speaks the OpenAI Videos and Images APIs (`/v1/...`), Azure OpenAI's video-jobs and
images APIs (`/openai/v1/...`), the Bifrost gateway's unified video API (`/gateway/v1/...`, models
as `provider/model`) and a small app API (`/api/...`, with live job events). With no
upstream provider configured, every model name is served by the built-in **preview engine**: a
deterministic renderer that draws prompt-driven scenes into real H.264 MP4 files and pictures. It
is not a generative model.
"""


def create_app(
    settings: Settings | None = None, providers: ProviderRegistry | None = None
) -> FastAPI:
    settings = settings or Settings()
    if providers is None:  # the routing file, if any (a bad one raises RoutingError here)
        providers = registry_from_routing(
            load_routing(settings.models) if settings.models else None
        )
    registry = providers
    app_metrics = Metrics()
    # Test-double scenarios (a bad rules file raises ScenarioFileError here, with its line).
    scenarios = Scenarios(
        load_rules(settings.scenarios) if settings.scenarios else None, pace=settings.pace
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        store = open_store(settings.database)
        blobs = open_blob_store(settings)
        events = JobEvents()
        webhooks = WebhookStore(store.engine)
        deliveries = DeliveryLoop(
            webhooks,
            settings,
            load_webhook_secret(settings),
            on_attempt=app_metrics.observe_webhook_attempt,
        )

        # The sender wakes when this process stores a webhook event; on PostgreSQL also when a
        # job changes anywhere (a worker process may have stored one), and every IDLE_WAIT s.
        store.delivery_observers.append(deliveries.wake)
        remote_finishes = is_postgresql(store.engine)

        def job_changed(job_id: str) -> None:
            events.publish(job_id)
            if remote_finishes:
                deliveries.wake()

        # Notices reach this process's listeners, and every process's on PostgreSQL; there they
        # also say which job rows changed, for the poll cache.
        notices = notices_for(
            store.engine,
            on_change=job_changed,
            on_queued=lambda: pool.wake(),
            rows=store.row_changes,
        )
        pool = WorkerPool(store, blobs, registry, settings, on_change=notices.publish)
        sweep = RetentionSweep(
            RetentionStore(store.engine),
            blobs,
            settings,
            notices.publish,
            idempotency=IdempotencyStore(store.engine, settings.idempotency_window_seconds),
            tombstones=TombstoneStore(store.engine),
        )
        app.state.settings = settings
        app.state.events = events
        app.state.deliveries = DeliveryService(webhooks, wake_sender=deliveries.wake)
        prices = {**settings.prices, **registry.prices()}  # the routing file's win
        app.state.usage = UsageService(UsageStore(store.engine), prices)
        app_metrics.watch_usage(app.state.usage)
        app.state.keyring = KeyRing(KeyStore(store.engine))
        app.state.keyring.load()
        app_metrics.watch_store(store, webhooks)
        content_filter = ContentFilter.from_settings(settings)
        app.state.jobs = JobService(
            store,
            blobs,
            registry,
            settings,
            on_queued=notices.queued,
            on_change=notices.publish,
            content_filter=content_filter,
            scenarios=scenarios,
        )
        app.state.images = ImageService(store, blobs, registry, settings, content_filter)
        app.state.responses = ResponseService.over(app.state.images)  # /v1/responses
        client_files = ClientFileStore(store.engine)  # the Files API, video characters
        app.state.files = FileService(client_files, blobs, settings)
        app.state.characters = CharacterService(client_files, blobs, settings)
        app.state.image_links = ImageLinks(
            load_or_create_secret(settings.data_dir), settings.image_url_ttl_seconds
        )
        notices.start()
        pool.start(settings.workers)
        deliveries.start(settings.webhook_senders)
        sweep.start()
        try:
            yield
        finally:
            sweep.stop()
            pool.stop()
            deliveries.stop()
            notices.stop()
            store.close()

    app = ShortcutFastAPI(
        title="reelgate",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # mount_api_docs: Swagger UI without a CDN
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    mount_api_docs(app, openapi_url="/openapi.json")
    app.state.metrics = app_metrics
    prefixes = DialectPrefixes()
    # Inside: refusals are logged too. One window of requests per minute for the process, shared
    # by this middleware on FastAPI's way and on the shortcut's.
    app.add_middleware(AuthMiddleware, prefixes=prefixes, rates=RequestRates())
    # Outside the key check: a body over the limit is refused before anything reads it.
    app.add_middleware(BodyLimitMiddleware, limit=settings.request_body_limit, prefixes=prefixes)
    if settings.record_requests:  # what clients sent, for their tests (GET /api/recordings)
        app.state.recordings = RequestLog(settings.record_requests_max, time.time)
        app.add_middleware(RecordingMiddleware, log=app.state.recordings)
    app.add_middleware(ObservabilityMiddleware, metrics=app_metrics)
    # One line a dialect: each mounts its routers and names its prefixes' error envelope.
    openai.mount(app, prefixes)  # /v1: videos, images, models
    azure.mount(app, prefixes)  # /openai/v1: video jobs, images, and OpenAI's videos API
    app_api.mount(app, prefixes)  # /api: the app API of seed 004, events, webhooks, usage
    gateway.mount(app, prefixes)  # /gateway/v1: the gateway API of seed 003
    responses_api.mount(app, prefixes)  # /v1/responses, /openai/v1/responses: the image tool
    # A GET the short way answers without reading a body has no use for the body limit.
    app.skip_on_shortcuts(BodyLimitMiddleware)
    app.state.models = ModelCatalog(registry)  # GET /v1/models
    app.include_router(metrics.router)

    async def unrouted_error(request: Request, exc: Exception) -> Response:
        """Errors raised before a route ran (no such path, wrong method), in the path's dialect."""
        assert isinstance(exc, HTTPException)
        headers = exc.headers
        if exc.status_code == 405:  # every method of the path, not only the first route's
            headers = {**(headers or {}), "Allow": app.allowed_methods(request.scope)}
        envelope = prefixes.envelope_for(request.url.path)
        if envelope is None:
            return JSONResponse(
                {"detail": exc.detail}, status_code=exc.status_code, headers=headers
            )
        return envelope.http(exc.status_code, str(exc.detail), headers)

    async def unrouted_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        envelope = prefixes.envelope_for(request.url.path)
        if envelope is None:
            return JSONResponse({"detail": list(exc.errors())}, status_code=422)
        return envelope.validation(list(exc.errors()))

    app.add_exception_handler(HTTPException, unrouted_error)
    app.add_exception_handler(RequestValidationError, unrouted_validation)
    install_fault_handlers(app, prefixes)  # full disk, busy database: 503, not 500

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    mount_web_page(app)

    return app
