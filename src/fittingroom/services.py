"""The long-lived objects the API needs, built once per server process from `Settings`."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from fittingroom.auth import TokenVerifier
from fittingroom.config import Settings
from fittingroom.db.models import StoredFile, TryOnSession
from fittingroom.db.session import make_engine, make_session_factory, migrate
from fittingroom.jobs.queue import JobQueue, make_queue
from fittingroom.jobs.views import job_row
from fittingroom.jobs.watchdog import Watchdog
from fittingroom.observability.metrics import Metrics
from fittingroom.ratelimit import RateLimiter
from fittingroom.storage import make_store
from fittingroom.storage.base import BlobStore
from fittingroom.webhooks.sender import WebhookSender


@dataclass
class Services:
    settings: Settings
    engine: Engine
    factory: sessionmaker[Session]
    store: BlobStore
    queue: JobQueue
    verifier: TokenVerifier
    limiter: RateLimiter
    webhooks: WebhookSender = field(init=False)
    watchdog: Watchdog = field(init=False)
    metrics: Metrics = field(init=False)

    def __post_init__(self) -> None:
        self.metrics = Metrics(self.factory)
        self.webhooks = WebhookSender(self.settings, self.factory, self.describe_job)
        self.watchdog = Watchdog(
            self.factory, self.settings.job_deadline_s, self.settings.watchdog_interval_s
        )

    @classmethod
    def build(cls, settings: Settings) -> Services:
        """Create the data dir, migrate the database, open storage, make (not start) the queue."""
        settings.ensure_data_dir()
        engine = make_engine(settings.resolved_database_url, settings.database_busy_timeout_s)
        migrate(engine)
        factory = make_session_factory(engine)
        return cls(
            settings=settings,
            engine=engine,
            factory=factory,
            store=make_store(settings),
            queue=make_queue(settings, factory),
            verifier=TokenVerifier(settings),
            limiter=RateLimiter(settings),
        )

    def result_url(self, job: TryOnSession, base_url: str) -> str | None:
        """A signed (filesystem, made absolute with `base_url`) or presigned (S3) URL of a job's
        result; None while it has none."""
        if job.result_file_id is None:
            return None
        with self.factory() as session:
            stored = session.get(StoredFile, job.result_file_id)
        if stored is None:
            return None
        url = self.store.url(stored.blob_key, self.settings.url_expiry_s)
        return url if self.store.external_urls else base_url.rstrip("/") + url

    @property
    def public_base_url(self) -> str:
        """How clients reach this server, for URLs sent outside a request (webhooks)."""
        return self.settings.public_base_url or f"http://{self.settings.host}:{self.settings.port}"

    def describe_job(self, job: TryOnSession) -> dict[str, object]:
        """The job row clients see (section B), with an absolute result URL."""
        return job_row(job, self.result_url(job, self.public_base_url))

    def start(self) -> None:
        """Start the background work of a serving process: queue, webhook sender, watchdog."""
        self.queue.start()
        self.webhooks.start()
        self.watchdog.start()

    def close(self) -> None:
        self.watchdog.stop()
        self.webhooks.stop()
        self.queue.stop()
        self.engine.dispose()
