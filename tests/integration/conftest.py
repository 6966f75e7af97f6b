"""A scale-out cluster on loopback, started for the integration suite and torn down after it,
pass or fail: Redis, PostgreSQL (Debian's packages), moto's S3 server, two API processes
(`fittingroom serve`, FITTINGROOM_QUEUE=celery) and two `fittingroom worker` processes.

Without redis-server or PostgreSQL these tests skip, unless FITTINGROOM_REQUIRE_INTEGRATION=1
(set by CI) makes that a failure.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest

from fittingroom.auth import TokenVerifier
from fittingroom.config import Settings
from fittingroom.jobs.celery_queue import make_celery
from tests import servers
from tests.fakes import replicate as fake_replicate
from tests.fakes.serve import serve

BUCKET = "fittingroom-it"
JWT_SECRET = "integration-jwt-secret-0123456789abcdef"


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    return Path(found[-1]).parent if found else None


def _missing() -> str | None:
    if not shutil.which("redis-server"):
        return "redis-server is missing (apt-get install redis-server)"
    if _postgres_bin() is None:
        return "PostgreSQL is missing (apt-get install postgresql)"
    return None


def _as_postgres_user(args: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run it as the `postgres` user when we are root."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@dataclass
class Cluster:
    root: Path
    env: dict[str, str]
    apis: list[servers.Server] = field(default_factory=list)
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    infra: list[subprocess.Popen[bytes]] = field(default_factory=list)
    database_url: str = ""
    postgres_command: list[str] = field(default_factory=list)
    postgres: subprocess.Popen[bytes] | None = None
    replicate: fake_replicate.Script = field(default_factory=fake_replicate.Script)
    replicate_url: str = ""

    @property
    def settings(self) -> Settings:
        """What the tests need of the cluster's settings: its JWT secret, broker and database."""
        return Settings(
            data_dir=self.root / "tests",
            jwt_secret=JWT_SECRET,  # type: ignore[arg-type]
            broker_url=self.env["FITTINGROOM_BROKER_URL"],
            database_url=self.database_url,
        )

    def token(self, user: str) -> str:
        return TokenVerifier(self.settings).issue(user)

    def cli(self, *args: str) -> str:
        result = subprocess.run(
            [str(servers.BIN / "fittingroom"), *args],
            env={**os.environ, **self.env, "FITTINGROOM_DATA_DIR": str(self.root / "cli")},
            check=True,
            capture_output=True,
            text=True,
        )
        return result.stdout

    def start_worker(self) -> subprocess.Popen[bytes]:
        index = len(self.workers)
        process = servers.start(
            [str(servers.BIN / "fittingroom"), "worker", "--concurrency", "1"],
            env={**self.env, "FITTINGROOM_DATA_DIR": str(self.root / f"worker{index}")},
            log=self.root / f"worker{index}.log",
        )
        self.workers.append(process)
        return process

    def wait_for_workers(self, count: int, timeout: float = 120) -> None:
        app = make_celery(self.settings)
        try:
            servers.wait_until(
                lambda: len(app.control.ping(timeout=1.0)) >= count, timeout, f"{count} workers"
            )
        finally:
            app.close()

    def pool_processes(self) -> list[int]:
        """The prefork pool processes (those that run jobs) of every live worker."""
        return [child for w in self.workers if w.poll() is None for child in servers.children(w.pid)]

    def stop_postgres(self) -> None:
        """Fast shutdown (SIGINT): sessions are cut, as when the database host goes away."""
        assert self.postgres is not None
        servers.stop(self.postgres, signal.SIGINT)
        self.postgres = None

    def start_postgres(self) -> None:
        """The same database again, on the same port."""
        self.postgres = _serve_postgres(self.postgres_command, self.root / "postgres.log")

    def stop_workers(self) -> None:
        for process in self.workers:
            servers.stop(process, timeout=60)
        self.workers.clear()


def _init_postgres(root: Path) -> list[str]:
    """A throw-away PostgreSQL cluster in `root/pg`; returns the command that serves it on a
    free port (run it again to restart the same database)."""
    bin_dir = _postgres_bin()
    assert bin_dir is not None
    data = root / "pg"
    data.mkdir()
    if os.geteuid() == 0:  # the postgres user must reach and own its directory
        root.chmod(0o755)
        shutil.chown(data, "postgres", "postgres")
    initdb = [str(bin_dir / "initdb"), "-D", str(data / "db"), "-U", "fittingroom", "--auth=trust"]
    subprocess.run(_as_postgres_user([*initdb, "--no-sync", "-E", "UTF8"]), check=True, capture_output=True)
    port = servers.free_port()
    args = [
        str(bin_dir / "postgres"),
        "-D",
        str(data / "db"),
        "-p",
        str(port),
        "-h",
        "127.0.0.1",
        "-k",
        str(data),
    ]
    return _as_postgres_user(
        [*args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
    )


def _serve_postgres(command: list[str], log: Path) -> subprocess.Popen[bytes]:
    port = command[command.index("-p") + 1]
    process = servers.start(command, log=log)

    def accepting() -> bool:
        try:
            psycopg.connect(f"host=127.0.0.1 port={port} user=fittingroom dbname=postgres").close()
        except psycopg.OperationalError:
            return False
        return True

    try:
        servers.wait_until(accepting, 30, "postgres")
    except BaseException:
        servers.stop(process)
        raise
    return process


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    missing = _missing()
    if missing:
        if os.environ.get("FITTINGROOM_REQUIRE_INTEGRATION") == "1":
            pytest.fail(missing)
        pytest.skip(missing)
    root = Path(tempfile.mkdtemp(prefix="fittingroom-cluster-"))
    cluster = Cluster(root=root, env={})
    replicate = contextlib.ExitStack()
    try:
        cluster.replicate_url = replicate.enter_context(serve(fake_replicate.make_app(cluster.replicate)))
        redis_port = servers.free_port()
        cluster.infra.append(
            servers.start(
                [
                    "redis-server",
                    "--port",
                    str(redis_port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ],
                log=root / "redis.log",
            )
        )
        cluster.postgres_command = _init_postgres(root)
        port = cluster.postgres_command[cluster.postgres_command.index("-p") + 1]
        cluster.database_url = f"postgresql+psycopg://fittingroom@127.0.0.1:{port}/postgres"
        cluster.postgres = _serve_postgres(cluster.postgres_command, root / "postgres.log")
        moto_process, moto = servers.start_moto(root / "moto.log", (BUCKET,))
        cluster.infra.append(moto_process)
        cluster.env = {
            "FITTINGROOM_QUEUE": "celery",
            "FITTINGROOM_BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
            "FITTINGROOM_RATE_LIMIT_STORAGE": f"redis://127.0.0.1:{redis_port}/1",
            "FITTINGROOM_RATE_LIMIT": "5/minute",
            "FITTINGROOM_DATABASE_URL": cluster.database_url,
            "FITTINGROOM_STORAGE": "s3",
            "FITTINGROOM_S3_BUCKET": BUCKET,
            "FITTINGROOM_S3_ENDPOINT_URL": moto,
            "FITTINGROOM_S3_ACCESS_KEY_ID": "test",
            "FITTINGROOM_S3_SECRET_ACCESS_KEY": "test",
            "FITTINGROOM_SECRET_KEY": "integration-url-secret",
            "FITTINGROOM_JWT_SECRET": JWT_SECRET,
            "FITTINGROOM_SYNC_TIMEOUT_S": "90",
            "FITTINGROOM_MAX_JOB_ATTEMPTS": "3",
            # A Replicate that the tests can slow down, so that a job is surely mid-run when killed.
            "FITTINGROOM_REPLICATE_API_TOKEN": fake_replicate.TOKEN,
            "FITTINGROOM_REPLICATE_BASE_URL": cluster.replicate_url,
            "FITTINGROOM_REPLICATE_TIMEOUT_S": "120",
            # /process-tryon uses the default chain: the (fake) Replicate first, then local.
            "FITTINGROOM_PROVIDERS": '["replicate", "local"]',
        }
        for index in range(2):
            cluster.apis.append(
                servers.launch(root / f"api{index}", workers=1, extra_env=cluster.env, ready="health")
            )
        for _ in range(2):
            cluster.start_worker()
        cluster.wait_for_workers(2)
        yield cluster
    finally:
        for api in cluster.apis:
            servers.stop(api.process)
        cluster.stop_workers()
        for process in reversed(cluster.infra):
            servers.stop(process)
        if cluster.postgres is not None:
            servers.stop(cluster.postgres, signal.SIGINT)
        replicate.close()
        if os.environ.get("FITTINGROOM_KEEP_CLUSTER") != "1":  # keep the logs to debug a failure
            shutil.rmtree(root, ignore_errors=True)
