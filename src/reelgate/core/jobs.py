"""Job operations shared by every dialect: create, read, list, delete, remix, edit, extend.

No HTTP here. Dialects translate their requests into these calls and render the canonical `Job`
that comes back. Every operation runs as a caller (an API key, or open mode) and sees only what
that caller may see. Client media is checked and stored by `core/job_inputs.py` before a job
exists, so bad input is a client error and never a failed job.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

from reelgate.config import Settings
from reelgate.core.callers import Caller
from reelgate.core.content import MediaSource
from reelgate.core.content_filter import ContentFilter
from reelgate.core.errors import (
    Conflict,
    InvalidRequest,
    NotFound,
    NotReady,
)
from reelgate.core.idempotency import IdempotencyClaim, earlier_job_id, made_by_key_gone
from reelgate.core.ids import new_job_id
from reelgate.core.job_inputs import (
    JobInputs,
    input_prefix,
    output_prefix,
)
from reelgate.core.models import (
    Asset,
    AssetVariant,
    Generation,
    Job,
    JobError,
    JobKind,
    JobStatus,
    Operation,
    StateFilter,
    VideoSpec,
)
from reelgate.core.quotas import Quotas
from reelgate.core.retention import is_expired
from reelgate.core.video_requests import (
    DerivedVideo,
    NewVideo,
    even_size,
)
from reelgate.core.webhooks import webhook_for
from reelgate.providers.registry import ProviderRegistry, UnknownModel
from reelgate.scenarios.choice import Scenarios
from reelgate.scenarios.grammar import Scenario
from reelgate.scenarios.rules import NewJobFacts
from reelgate.store.blob_storage import BlobStorage
from reelgate.store.db import JobStore
from reelgate.store.idempotency import IdempotencyStore, KeyAlreadyClaimed
from reelgate.store.tombstones import TombstoneStore


class JobService:
    def __init__(
        self,
        store: JobStore,
        blobs: BlobStorage,
        providers: ProviderRegistry,
        settings: Settings,
        on_queued: Callable[[], None] = lambda: None,
        on_change: Callable[[str], None] = lambda _job_id: None,
        clock: Callable[[], float] = time.time,
        content_filter: ContentFilter | None = None,
        scenarios: Scenarios | None = None,
    ) -> None:
        self.store = store
        self.scenarios = scenarios or Scenarios(pace=settings.pace)
        self.content_filter = content_filter or ContentFilter.from_settings(settings)
        self.blobs = blobs
        self.inputs = JobInputs(blobs, settings)
        self.providers = providers
        self.settings = settings
        self._on_queued = on_queued
        self._on_change = on_change
        self._clock = clock
        self.idempotency = IdempotencyStore(store.engine, settings.idempotency_window_seconds)
        self.quotas = Quotas(retry_after_seconds=math.ceil(settings.poll_after_ms / 1000))
        self.tombstones = TombstoneStore(store.engine)

    # -- reads ---------------------------------------------------------------------------------

    def get(self, job_id: str, caller: Caller, *, with_generations: bool = False) -> Job:
        """A video job the caller may see; another key's job is reported as absent."""
        job = self.store.get_job(job_id, with_generations=with_generations)
        return self._visible(job, job_id, caller)

    def cached(self, job_id: str, caller: Caller, *, with_generations: bool = False) -> Job | None:
        """`get` answered from the store's cache, with no database round trip, so it may run
        on the event loop; None when the store cannot answer so (the job changed, or was never
        read): then call `get` in a thread."""
        job = self.store.cached_job(job_id, with_generations=with_generations)
        return None if job is None else self._visible(job, job_id, caller)

    @staticmethod
    def _visible(job: Job | None, job_id: str, caller: Caller) -> Job:
        if job is None or job.kind is not JobKind.VIDEO or not caller.sees(job.owner):
            raise NotFound(f"Video with id '{job_id}' not found.", param="video_id")
        return job

    def list(
        self,
        caller: Caller,
        *,
        limit: int,
        descending: bool,
        after: str | None = None,
        before: str | None = None,
        states: Sequence[StateFilter] | None = None,
        with_generations: bool = False,
        named_provider: str | None = None,
    ) -> tuple[list[Job], bool]:
        return self.store.list_jobs(
            named_provider=named_provider,
            kind=JobKind.VIDEO,
            owner=caller.owner_filter,
            limit=limit,
            descending=descending,
            after=after,
            before=before,
            states=states,
            with_generations=with_generations,
        )

    def content(
        self,
        job_id: str,
        caller: Caller,
        variant: AssetVariant,
        index: int = 0,
        *,
        job: Job | None = None,
    ) -> tuple[Asset, MediaSource]:
        """The stored file of one asset of one generation, or why there is none. `job`: the
        job with its generations, when the caller already read it."""
        job = job or self.get(job_id, caller, with_generations=True)
        if job.status in (JobStatus.QUEUED, JobStatus.IN_PROGRESS):
            raise NotReady(
                f"Video is not ready yet: '{job_id}' is {job.status.value}. Poll the video "
                "until its status is 'completed', then download its content.",
                param="video_id",
            )
        if job.status is not JobStatus.COMPLETED:
            raise NotFound(f"Video '{job_id}' {job.status.value}; it has no content.")
        self._check_not_expired(job, f"Video '{job_id}'")
        generation = next((g for g in job.generations if g.index == index), None)
        return self._stored(generation, variant, f"Video '{job_id}'")

    def generation(self, generation_id: str, caller: Caller) -> tuple[Job, Generation]:
        """A produced output by its own id (Azure's generation id, the app API's file id)."""
        job_id = self.store.job_id_of_generation(generation_id)
        job = self.store.get_job(job_id, with_generations=True) if job_id else None
        generation = (
            next((g for g in job.generations if g.id == generation_id), None) if job else None
        )
        if job is None or generation is None or not caller.sees(job.owner):
            raise NotFound(
                f"Generation with id '{generation_id}' not found.", param="generation_id"
            )
        return job, generation

    def generation_content(
        self, generation_id: str, caller: Caller, variant: AssetVariant
    ) -> tuple[Asset, MediaSource]:
        job, generation = self.generation(generation_id, caller)
        self._check_not_expired(job, f"Generation '{generation_id}'")
        return self._stored(generation, variant, f"Generation '{generation_id}'")

    def _check_not_expired(self, job: Job, what: str) -> None:
        """Content past the job's `expires_at` is gone, as on the hosted services."""
        if is_expired(job, self._clock()):
            raise NotFound(
                f"{what} expired at {int(job.expires_at)} (Unix time); its content is no "
                "longer available."
            )

    def poll_failure(self, job: Job) -> int | None:
        """The HTTP status this retrieval of `job` must fail with (a scenario's
        `poll_errors`), or None to answer it."""
        scenario = job.spec.scenario if isinstance(job.spec, VideoSpec) else None
        return self.scenarios.poll_failure(job.id, scenario)

    def _stored(
        self, generation: Generation | None, variant: AssetVariant, owner: str
    ) -> tuple[Asset, MediaSource]:
        asset = generation.assets.get(variant) if generation else None
        if asset is None:
            raise NotFound(f"{owner} has no {variant.value} content.", param="variant")
        return asset, self.blobs.source(asset.blob_key, asset.size)

    # -- creation ------------------------------------------------------------------------------

    def create_video(
        self, new: NewVideo, caller: Caller, idempotency: IdempotencyClaim | None = None
    ) -> Job:
        if (replayed := self._replayed(caller, idempotency)) is not None:
            return replayed
        job_id = new_job_id()
        width, height = even_size(new.width, new.height)
        spec = VideoSpec(
            prompt=new.prompt,
            width=width,
            height=height,
            seconds=new.seconds,
            characters=new.characters,
        )
        try:
            reference_key = None
            if new.reference_image is not None:
                reference_key = self.inputs.store_image(job_id, new.reference_image, "reference")
            inpaint = tuple(
                self.inputs.store_inpaint_item(job_id, number, item, spec.seconds * spec.fps)
                for number, item in enumerate(new.inpaint)
            )
        except BaseException:
            self.blobs.delete_prefix(input_prefix(job_id))
            raise
        spec = spec.model_copy(
            update={
                "n_variants": new.n_variants,
                "seed": new.seed,
                "reference_image_key": reference_key,
                "inpaint": inpaint,
                "fallbacks": new.fallbacks,
                "negative_prompt": new.negative_prompt,
                "audio": new.audio,
            }
        )
        return self._enqueue(
            job_id,
            new.model,
            spec,
            caller,
            webhook=new.webhook,
            scenario=new.scenario,
            idempotency=idempotency,
        )

    def remix(
        self,
        source_id: str,
        prompt: str,
        caller: Caller,
        webhook: str | None = None,
        scenario: Scenario | None = None,
        idempotency: IdempotencyClaim | None = None,
        fallbacks: tuple[str, ...] = (),
    ) -> Job:
        """A new job from a completed one's spec and model, with a new prompt (and, from the
        gateway dialect, the request's own fallbacks instead of the source's)."""
        if (replayed := self._replayed(caller, idempotency)) is not None:
            return replayed
        source = self._completed_source(source_id, caller, "remixed")
        spec = source.spec.model_copy(
            update={
                "prompt": prompt,
                "operation": Operation.REMIX,
                "source_job_id": source.id,
                "source_video_key": None,
                "reference_image_key": None,
                "extension_seconds": None,
                "n_variants": 1,
                "fallbacks": fallbacks,
                "fallback_index": 0,
            }
        )
        return self._enqueue(
            new_job_id(),
            source.model,
            spec,
            caller,
            remixed_from=source.id,
            webhook=webhook,
            scenario=scenario,
            idempotency=idempotency,
        )

    def derive(
        self, new: DerivedVideo, caller: Caller, idempotency: IdempotencyClaim | None = None
    ) -> Job:
        """An edit or an extension of a completed video of the caller's, or of an upload."""
        if (replayed := self._replayed(caller, idempotency)) is not None:
            return replayed
        job_id = new_job_id()
        source, model, extra_seconds = new.source, new.model, new.extra_seconds
        verb = "edited" if new.operation is Operation.EDIT else "extended"
        if source.job_id is not None:
            stored = self._completed_source(source.job_id, caller, verb)
            base = {
                "width": stored.spec.width,
                "height": stored.spec.height,
                "seconds": stored.spec.seconds,
                "seed": stored.spec.seed,
                "source_job_id": stored.id,
            }
            model = stored.model
        else:
            assert source.upload is not None
            key, info = self.inputs.store_video(job_id, source.upload, "source-video")
            seconds = max(1, math.ceil(info.duration - 1e-6))
            width, height = even_size(*new.choose_size(info.width, info.height))
            base = {"width": width, "height": height, "seconds": seconds, "source_video_key": key}
        spec = VideoSpec(
            prompt=new.prompt,
            operation=new.operation,
            extension_seconds=extra_seconds or None,
            **{**base, "seconds": base["seconds"] + extra_seconds},
        )
        return self._enqueue(
            job_id,
            model,
            spec,
            caller,
            webhook=new.webhook,
            scenario=new.scenario,
            idempotency=idempotency,
        )

    def was_deleted(self, job_id: str, caller: Caller) -> bool:
        """Whether `job_id` was one of the caller's jobs and was deleted (in the last hour)."""
        if self.store.get_job(job_id) is not None:  # it is there: someone else's
            return False
        tombstone = self.tombstones.find(job_id)
        return tombstone is not None and caller.sees(tombstone.owner)

    def delete(self, job_id: str, caller: Caller) -> Job:
        job = self.get(job_id, caller)
        self.store.delete_job(job_id, owner=job.owner, at=self._clock())
        self.blobs.delete_prefix(output_prefix(job_id))
        self.blobs.delete_prefix(input_prefix(job_id))
        self._on_change(job_id)
        return job

    # -- helpers -------------------------------------------------------------------------------

    def _replayed(self, caller: Caller, claim: IdempotencyClaim | None) -> Job | None:
        """The job an earlier request with this Idempotency-Key made (None: the key is new);
        raises `IdempotencyKeyReused` when that request asked for something else."""
        job_id = earlier_job_id(self.idempotency, caller.owner, claim, self._clock())
        if job_id is None or claim is None:
            return None
        job = self.store.get_job(job_id, with_generations=False)
        if job is None or not caller.sees(job.owner):
            raise made_by_key_gone(claim)
        return job

    def _completed_source(self, source_id: str, caller: Caller, verb: str) -> Job:
        source = self.get(source_id, caller)
        if source.status is not JobStatus.COMPLETED:
            raise Conflict(
                f"Video '{source_id}' is {source.status.value}; only completed videos can be "
                f"{verb}.",
                param="video_id",
                code="invalid_video_state",
            )
        return source

    def _enqueue(
        self,
        job_id: str,
        model: str,
        spec: VideoSpec,
        caller: Caller,
        webhook: str | None = None,
        scenario: Scenario | None = None,
        idempotency: IdempotencyClaim | None = None,
        **extra: str,
    ) -> Job:
        """Record a new job. Whatever refuses it (a limit, a scripted 429, an unknown model, the
        database) drops the inputs already stored for it."""
        claim = (idempotency.key, idempotency.fingerprint) if idempotency else None
        try:
            job = self._new_job(job_id, model, spec, caller, webhook, scenario, extra)
            seconds = spec.seconds * spec.n_variants
            admission = self.quotas.video_admission(caller, seconds, job.created_at)
            self.store.insert_job(job, idempotency=claim, admission=admission)
        except KeyAlreadyClaimed:
            self.blobs.delete_prefix(input_prefix(job_id))
            twin = self._replayed(caller, idempotency)  # a twin request won the race
            if twin is None:
                raise
            return twin
        except BaseException:
            self.blobs.delete_prefix(input_prefix(job_id))
            raise
        self._on_queued()
        self._on_change(job_id)
        return job

    def _new_job(
        self,
        job_id: str,
        model: str,
        spec: VideoSpec,
        caller: Caller,
        webhook: str | None,
        scenario: Scenario | None,
        extra: dict[str, str],
    ) -> Job:
        """The job to record, queued, or already failed when its prompt is refused (as Azure
        reports input moderation); raises when a scenario refuses it (the key's limits are
        checked when it is inserted)."""
        owner = caller.owner
        now = self._clock()
        scenario = self._scenario_for(model, spec, caller, scenario)
        spec = spec.model_copy(update={"scenario": scenario})  # never a remix source's
        job = Job(
            id=job_id,
            model=model,
            provider=self._route(model, spec),
            spec=spec,
            created_at=now,
            owner=owner,
            webhook=webhook_for(webhook, owner, self.settings),
            # A queued job's lease_until holds it in the queue until then (`queued=`).
            lease_until=(
                now + scenario.queued_seconds
                if scenario is not None and scenario.queued_seconds
                else None
            ),
            **extra,
        )
        if scenario is not None and scenario.refused_at_creation:
            return _refused(job, "The prompt was blocked by the content filter.")
        verdict = self.content_filter.check(spec.prompt)
        if verdict.blocked:
            reasons = ", ".join(verdict.reasons)
            return _refused(job, f"The prompt was blocked by the content filter ({reasons}).")
        return job

    def _scenario_for(
        self, model: str, spec: VideoSpec, caller: Caller, requested: Scenario | None
    ) -> Scenario | None:
        """The new job's scenario (the request's own, else the rules file's); raises
        `RateLimited` when the scenario refuses this create."""
        facts = NewJobFacts(
            model=model,
            prompt=spec.prompt,
            width=spec.width,
            height=spec.height,
            keys=tuple(name for name in (caller.key_name, caller.owner) if name),
        )
        chosen = self.scenarios.choose(requested, facts, spec.seconds, spec.n_variants)
        self.scenarios.admit(chosen, caller.label)
        return chosen

    def _route(self, model: str, spec: VideoSpec) -> str:
        """The provider that takes a new job (the routing file's first choice for `model`);
        unknown models and requests beyond the model's limits are client errors."""
        try:
            provider = self.providers.provider_for_model(model)
            problem = self.providers.limit_problem(model, spec.width, spec.height, spec.seconds)
        except UnknownModel:
            problem = None
            provider = None
        if provider is None or problem is not None:
            raise InvalidRequest(
                problem or f"The model '{model}' does not exist. GET /v1/models lists the models.",
                param="model",
                code="invalid_value" if problem else "model_not_found",
            )
        for number, fallback in enumerate(spec.fallbacks):
            try:
                self.providers.provider_for_model(fallback)
            except UnknownModel:
                raise InvalidRequest(
                    f"The fallback model '{fallback}' does not exist.",
                    param=f"fallbacks.{number}",
                    code="model_not_found",
                ) from None
        return provider


def _refused(job: Job, message: str) -> Job:
    """A job failed at birth by input moderation."""
    return job.model_copy(
        update={
            "status": JobStatus.FAILED,
            "completed_at": job.created_at,
            "lease_until": None,
            "error": JobError(code="input_moderation", message=message),
        }
    )
