"""Prometheus metrics, served at /metrics.

Per API process (from the HTTP middleware):
    fittingroom_http_request_duration_seconds{method, route, status}   histogram
Read from the database at each scrape, so that every API process reports the whole service,
whichever queue backend and wherever the workers run:
    fittingroom_jobs{status, provider}                  gauge, jobs by status and provider
    fittingroom_queue_depth                             gauge, jobs waiting for a worker
    fittingroom_job_stage_seconds{stage, quantile}      gauge, stage durations of recent jobs
    fittingroom_job_processing_seconds{provider, quantile}  gauge, whole-job durations of recent jobs
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

import numpy as np
from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fittingroom.db.models import TryOnSession
from fittingroom.jobs.status import JobStatus

RECENT_JOBS = 200  # completed jobs the duration quantiles are computed over
QUANTILES = (0.5, 0.95)


class JobsCollector(Collector):
    def __init__(self, factory: sessionmaker[Session]) -> None:
        self.factory = factory

    def collect(self) -> Iterator[GaugeMetricFamily]:
        jobs = GaugeMetricFamily(
            "fittingroom_jobs", "Jobs by status and provider", labels=["status", "provider"]
        )
        depth = GaugeMetricFamily("fittingroom_queue_depth", "Jobs waiting for a worker")
        stages = GaugeMetricFamily(
            "fittingroom_job_stage_seconds", "Stage durations of recent jobs", labels=["stage", "quantile"]
        )
        totals = GaugeMetricFamily(
            "fittingroom_job_processing_seconds", "Durations of recent jobs", labels=["provider", "quantile"]
        )
        with self.factory() as session:
            counts = session.execute(
                select(TryOnSession.status, TryOnSession.provider, func.count()).group_by(
                    TryOnSession.status, TryOnSession.provider
                )
            ).all()
            recent = session.execute(
                select(TryOnSession.provider, TryOnSession.processing_time, TryOnSession.stage_seconds)
                .where(TryOnSession.status == JobStatus.COMPLETED.value)
                .order_by(TryOnSession.finished_at.desc())
                .limit(RECENT_JOBS)
            ).all()
        queued = 0
        for status, provider, count in counts:
            jobs.add_metric([status, provider or ""], count)
            queued += count if status == JobStatus.QUEUED.value else 0
        depth.add_metric([], queued)
        per_stage: dict[str, list[float]] = defaultdict(list)
        per_provider: dict[str, list[float]] = defaultdict(list)
        for provider, processing_time, stage_seconds in recent:
            if processing_time is not None:
                per_provider[provider or ""].append(processing_time)
            for stage, seconds in (stage_seconds or {}).items():
                per_stage[stage].append(seconds)
        for family, groups in ((stages, per_stage), (totals, per_provider)):
            for name, values in groups.items():
                for q in QUANTILES:
                    family.add_metric([name, str(q)], float(np.quantile(values, q)))
        yield from (jobs, depth, stages, totals)


class Metrics:
    """One registry per app: the HTTP histogram plus the database-backed job metrics."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self.registry = CollectorRegistry()
        self.http = Histogram(
            "fittingroom_http_request_duration_seconds",
            "HTTP request latency",
            ["method", "route", "status"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120),
        )
        self.registry.register(JobsCollector(factory))
