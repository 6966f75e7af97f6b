"""Structured logs. Every record carries `request_id` and `job_id` when known:

- the HTTP middleware sets `request_id` (the caller's `X-Request-ID`, else a new one);
- a job stores the request id that created it (`options.request_id`), and the worker sets
  both ids while it runs the job, so one id follows a try-on from the edge into its worker.
"""

from __future__ import annotations

import logging
import re
import sys
import uuid
from contextvars import ContextVar

from pythonjsonlogger.json import JsonFormatter

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
job_id_var: ContextVar[str | None] = ContextVar("job_id", default=None)

_ACCEPTABLE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s %(job_id)s] %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(process)d %(request_id)s %(job_id)s %(message)s"


def request_id_from(header: str | None) -> str:
    """The caller's id when it is a short token (never echo arbitrary text into logs), else a new one."""
    return header if header and _ACCEPTABLE_ID.match(header) else uuid.uuid4().hex


class ContextFilter(logging.Filter):
    """Adds the current request and job ids to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        record.job_id = job_id_var.get()
        return True


def configure_logging(log_format: str = "json", level: int = logging.INFO) -> None:
    """One handler on the root logger (stderr), JSON or text; idempotent."""
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(
            JsonFormatter(JSON_FIELDS, rename_fields={"levelname": "level", "asctime": "time"})
        )
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, "_fittingroom", False):
            root.removeHandler(existing)
    handler._fittingroom = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
