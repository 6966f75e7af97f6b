"""Rewrite the settings table at the end of docs/deploy.md from `Settings`:

    .venv/bin/python docs/make_settings_table.py

tests/test_deploy_docs.py fails when a setting is missing from the page.
"""

from __future__ import annotations

from pathlib import Path

from fittingroom.config import Settings

PAGE = Path(__file__).parent / "deploy.md"
HEADING = "## Every setting"
# Defaults computed at run time, and descriptions for the settings whose field has none.
COMPUTED = {"workers": "number of cores", "jwt_algorithms": '["HS256"]'}
EXTRA = {
    "host": "Interface `serve` binds; `0.0.0.0` in containers.",
    "port": "Port `serve` listens on.",
    "replicate_base_url": "Replicate API base (proxies, tests).",
    "fashn_api_key": "Enables provider `fashn`; FASHN_API_KEY is read too.",
    "fashn_base_url": "FASHN API base (proxies, tests).",
    "fashn_mode": "FASHN `mode`: performance, balanced or quality.",
    "storage": "`filesystem` (data dir) or `s3`.",
    "s3_bucket": "Bucket for inputs and results (storage=s3).",
    "s3_region": "S3 region.",
    "s3_access_key_id": "S3 key id (else boto3's usual sources).",
    "s3_secret_access_key": "S3 secret (else boto3's usual sources).",
}


def table() -> str:
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        if field.default_factory is not None:
            default = COMPUTED[name]
        else:
            default = "unset" if field.default is None else str(field.default)
        meaning = (field.description or EXTRA.get(name, "")).replace("|", "\\|")
        lines.append(f"| `FITTINGROOM_{name.upper()}` | `{default}` | {meaning} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    text = PAGE.read_text()
    head = text[: text.index(HEADING)]
    intro = "Each is an environment variable, or a line of a `.env` file in the working directory.\n\n"
    PAGE.write_text(f"{head}{HEADING}\n\n{intro}{table()}")


if __name__ == "__main__":
    main()
