"""docs/deploy.md, compose.yaml and the Dockerfile stay consistent with the code and with the
cluster the integration suite runs."""

from __future__ import annotations

from pathlib import Path

import yaml

from fittingroom.config import Settings

ROOT = Path(__file__).resolve().parents[1]
# What the integration cluster (tests/integration/conftest.py) sets to run scaled out.
SCALE_OUT_KEYS = {
    "FITTINGROOM_QUEUE",
    "FITTINGROOM_BROKER_URL",
    "FITTINGROOM_RATE_LIMIT_STORAGE",
    "FITTINGROOM_DATABASE_URL",
    "FITTINGROOM_STORAGE",
    "FITTINGROOM_S3_BUCKET",
    "FITTINGROOM_S3_ENDPOINT_URL",
    "FITTINGROOM_S3_ACCESS_KEY_ID",
    "FITTINGROOM_S3_SECRET_ACCESS_KEY",
    "FITTINGROOM_SECRET_KEY",
    "FITTINGROOM_JWT_SECRET",
}
FIELDS = {f"FITTINGROOM_{name.upper()}" for name in Settings.model_fields}


def test_deploy_doc_lists_every_setting() -> None:
    text = (ROOT / "docs" / "deploy.md").read_text()
    missing = [name for name in sorted(FIELDS) if f"`{name}`" not in text]
    assert missing == [], "run .venv/bin/python docs/make_settings_table.py"


def test_compose_runs_what_ci_runs() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert services["api"]["command"][:2] == ["fittingroom", "serve"]
    assert services["worker"]["command"][:2] == ["fittingroom", "worker"]
    for role in ("api", "worker"):
        env = services[role]["environment"]
        assert set(env) - FIELDS == set(), "only real settings"
        assert set(env) >= SCALE_OUT_KEYS, f"{role} lacks {SCALE_OUT_KEYS - set(env)}"
        assert env["FITTINGROOM_QUEUE"] == "celery" and env["FITTINGROOM_STORAGE"] == "s3"
        assert env["FITTINGROOM_DATABASE_URL"].startswith("postgresql+psycopg://")
        assert env["FITTINGROOM_BROKER_URL"].startswith("redis://redis:")
    assert {"redis", "postgres", "minio"} <= set(services)


def test_the_image_serves_by_default_and_installs_the_package() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'CMD ["fittingroom", "serve"]' in dockerfile
    assert "pip install --no-cache-dir ." in dockerfile and "FROM python:3.11" in dockerfile
