"""Running one job in a worker: claim it, render it, store the result, record the outcome.

Shared by every queue backend. Whatever happens, a claimed job ends `completed` or `failed`
with a reason; only the death of the process itself can interrupt it (the queue handles that).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from fittingroom import quality
from fittingroom.db.models import StoredFile, TryOnSession
from fittingroom.db.session import transaction
from fittingroom.errors import FittingroomError
from fittingroom.images import decode_rgb, encode_image
from fittingroom.jobs import records
from fittingroom.observability.logs import job_id_var, request_id_var
from fittingroom.outfit.layering import OutfitItem, plan_from_dict, resolve
from fittingroom.outfit.prompt import build_prompt, load_system_prompt
from fittingroom.pipeline.stages import Step
from fittingroom.providers.base import GarmentPart, TryOnRequest
from fittingroom.providers.breaker import CircuitBreaker
from fittingroom.providers.catalog import LOCAL
from fittingroom.providers.local import LocalProvider
from fittingroom.providers.orchestrator import Orchestrator
from fittingroom.storage.base import BlobStore
from fittingroom.storage.files import save_file

log = logging.getLogger(__name__)


@dataclass
class WorkerContext:
    """What a worker process builds once at start and reuses for every job.

    `local` is always there: it is the fallback provider and its models serve the scorer.
    `orchestrator` defaults to one that knows `local` only."""

    factory: sessionmaker[Session]
    store: BlobStore
    local: LocalProvider
    orchestrator: Orchestrator | None = None
    progress_min_interval_s: float = 0.05
    max_image_pixels: int = 40_000_000

    def __post_init__(self) -> None:
        if self.orchestrator is None:
            self.orchestrator = Orchestrator({LOCAL: self.local}, CircuitBreaker(3, 60.0))


def run_job(ctx: WorkerContext, job_id: str, max_attempts: int | None = None) -> str:
    """Run job `job_id` to a terminal state. Returns the final status value, or 'skipped'
    when the job was not queued (already taken, finished or unknown).

    With `max_attempts` (a broker that redelivers the jobs of dead workers), a job found
    `processing` is taken as abandoned and run again, until it has had `max_attempts` runs;
    then it is failed, and its gems refunded: a job that keeps killing workers stops there."""
    job_id_var.set(job_id)
    request_id_var.set(None)  # until the job's own is read
    claimed = records.claim(ctx.factory, job_id)
    if not claimed and (max_attempts is None or not _retake(ctx, job_id, max_attempts)):
        return "skipped"
    assert ctx.orchestrator is not None
    started = time.perf_counter()
    attempts: list[dict[str, Any]] = []
    try:
        with ctx.factory() as session:
            job = session.get(TryOnSession, job_id)
            assert job is not None  # claimed just now
            person = session.get(StoredFile, job.person_file_id)
            garment = session.get(StoredFile, job.garment_file_id)
            options = dict(job.options or {})
            user_id = job.user_id
            attempts = list(options.get("skipped_providers") or [])  # left out at submission
            extra_ids = options.get("garment_file_ids") or []
            garments = [session.get(StoredFile, file_id) for file_id in extra_ids] or [garment]
            if not options.get("prompt"):
                options["prompt"] = _single_garment_prompt(session, options)
        if person is None or any(g is None for g in garments):
            raise FittingroomError("Input files of this job are missing")
        request = _request(ctx, person, [g for g in garments if g is not None], options)
        timer = StageTimer(
            records.ProgressThrottle(
                lambda step: records.report_step(ctx.factory, job_id, step), ctx.progress_min_interval_s
            )
        )
        order = options.get("providers") or [options.get("provider", LOCAL)]
        request_id_var.set(options.get("request_id"))
        log.info("job started (attempt by %s)", ", ".join(order))
        outcome = ctx.orchestrator.run(request, order, timer)
        attempts += [a.as_dict() for a in outcome.attempts]
        if outcome.result is None or outcome.provider is None:
            assert outcome.error is not None
            last_tried = [a.provider for a in outcome.attempts if a.outcome == "failed"]
            records.fail(
                ctx.factory,
                job_id,
                str(outcome.error),
                provider=last_tried[-1] if last_tried else None,
                provider_attempts=attempts,
            )
            return "failed"
        result = outcome.result
        report = quality.score(
            decode_rgb(request.person, max_pixels=ctx.max_image_pixels),
            decode_rgb(request.garments[-1].image, max_pixels=ctx.max_image_pixels),
            result.image,
            ctx.local.models,
            result.confidence,
        )
        data, media_type = encode_image(result.image, options.get("output_format", "png"))
        height, width = result.image.shape[:2]
        with transaction(ctx.factory) as session:
            stored = save_file(
                session,
                ctx.store,
                data,
                media_type=media_type,
                width=width,
                height=height,
                folder="results",
                user_id=user_id,
            )
        records.complete(
            ctx.factory,
            job_id,
            result_file_id=stored.id,
            provider=outcome.provider,
            processing_time=round(time.perf_counter() - started, 4),
            quality_score=report.score,
            confidence={**result.confidence, **{f"score_{k}": v for k, v in report.parts.items()}},
            provider_attempts=attempts,
            stage_seconds=timer.seconds(),
        )
        log.info("job completed by %s in %.2f s", outcome.provider, time.perf_counter() - started)
        return "completed"
    except FittingroomError as exc:
        return _fail(ctx, job_id, str(exc), attempts)
    except DBAPIError:
        log.exception("job %s: database error", job_id)
        return _fail(ctx, job_id, "The database was unavailable while the job ran", attempts)
    except Exception as exc:  # a bug must still end the job, with a reason, not leave it running
        log.exception("job %s crashed", job_id)
        return _fail(ctx, job_id, f"Internal error while rendering: {type(exc).__name__}", attempts)


def _fail(ctx: WorkerContext, job_id: str, reason: str, attempts: list[dict[str, Any]]) -> str:
    """Record the failure. If even that cannot be written (the database is away), the job is
    left `processing` for the watchdog, which fails and refunds it once the database is back."""
    try:
        records.fail(ctx.factory, job_id, reason, provider_attempts=attempts or None)
    except Exception:
        log.exception("job %s: could not record its failure; the watchdog will", job_id)
    return "failed"


class StageTimer:
    """A step callback that passes steps on and times them: a step lasts until the next
    one starts (or `seconds()` is called). Steps repeated by a fallback provider add up."""

    def __init__(self, inner: Callable[[Step], None], clock: Callable[[], float] = time.perf_counter) -> None:
        self._inner = inner
        self._clock = clock
        self._marks: list[tuple[str, float]] = []

    def __call__(self, step: Step) -> None:
        self._marks.append((step.value, self._clock()))
        self._inner(step)

    def seconds(self) -> dict[str, float]:
        """{step name: seconds}, without the terminal `done`."""
        ends = [t for _, t in self._marks[1:]] + [self._clock()]
        spent: dict[str, float] = {}
        for (name, start), end in zip(self._marks, ends, strict=True):
            if name != Step.DONE.value:
                spent[name] = round(spent.get(name, 0.0) + end - start, 4)
        return spent


def _retake(ctx: WorkerContext, job_id: str, max_attempts: int) -> bool:
    """True when an abandoned processing job was re-claimed for another run."""
    if records.reclaim(ctx.factory, job_id, max_attempts):
        log.warning("job %s: re-running it after its worker was lost", job_id)
        return True
    reason = f"The job stopped its worker {max_attempts} times; it was given up"
    if records.fail(ctx.factory, job_id, reason):
        log.error("job %s: %s", job_id, reason)
    return False


def _single_garment_prompt(session: Session, options: dict[str, Any]) -> str:
    """The generative providers' prompt for a job of one garment (surfaces A and B); jobs from
    /process-tryon carry theirs, built from the whole outfit."""
    plan = resolve([OutfitItem(0, options.get("category", "top"), None, None, True)])
    return build_prompt(load_system_prompt(session), plan)


def _request(
    ctx: WorkerContext, person: StoredFile, garments: list[StoredFile], options: dict[str, Any]
) -> TryOnRequest:
    """The provider request: from the stored outfit plan when the job has one (/process-tryon),
    else the single garment with the job's category and style."""
    person_bytes = ctx.store.get(person.blob_key)
    images = [ctx.store.get(g.blob_key) for g in garments]
    quality = options.get("quality", "standard")
    if options.get("plan"):
        return TryOnRequest.from_plan(person_bytes, plan_from_dict(options["plan"]), images, quality, options)
    part = GarmentPart(
        images[0],
        options.get("category", "top"),
        options.get("style"),
        options.get("garment_photo_type", "auto"),
    )
    return TryOnRequest(person=person_bytes, garments=(part,), quality=quality, options=options)
