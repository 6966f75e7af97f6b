"""Dependencies routes take as `Annotated` aliases."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Request

from fittingroom.auth import Unauthorized
from fittingroom.db.models import TryOnSession
from fittingroom.errors import JobNotFound
from fittingroom.jobs import records
from fittingroom.services import Services


async def get_services(request: Request) -> Services:
    """async: FastAPI runs a sync dependency on the thread pool, a needless hop per request."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def load_visible_job(services: Services, job_id: str, authorization: str | None = None) -> TryOnSession:
    """A job by id, as the job and processing APIs show it. Anonymous jobs are visible to all;
    a job created with a user's token only with that user's token (`authorization`).
    JobNotFound for a malformed or unknown id and for anyone else's job: never 401/403, which
    would tell a stranger that the id exists."""
    with services.factory() as session:
        job = records.get(session, _checked_id(job_id))
    if job is None:
        raise JobNotFound()
    _check_owner(services, job.user_id, authorization)
    return job


def load_visible_state(services: Services, job_id: str, authorization: str | None = None) -> records.JobState:
    """`load_visible_job`'s rules, reading only the status columns (for polls)."""
    state = records.state(services.engine, _checked_id(job_id))
    if state is None:
        raise JobNotFound()
    _check_owner(services, state.user_id, authorization)
    return state


def _checked_id(job_id: str) -> str:
    try:
        return str(uuid.UUID(job_id))
    except ValueError:
        raise JobNotFound() from None


def _check_owner(services: Services, owner: str | None, authorization: str | None) -> None:
    if owner is None:
        return
    try:
        caller = services.verifier.user_id(authorization)
    except Unauthorized:
        raise JobNotFound() from None
    if caller != owner:
        raise JobNotFound()
