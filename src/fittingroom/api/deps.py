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


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def load_visible_job(services: Services, job_id: str, authorization: str | None = None) -> TryOnSession:
    """A job by id, as the job and processing APIs show it. Anonymous jobs are visible to all;
    a job created with a user's token only with that user's token (`authorization`).
    JobNotFound for a malformed or unknown id and for anyone else's job: never 401/403, which
    would tell a stranger that the id exists."""
    try:
        uuid.UUID(job_id)
    except ValueError:
        raise JobNotFound() from None
    with services.factory() as session:
        job = records.get(session, job_id.lower())
    if job is None:
        raise JobNotFound()
    if job.user_id is not None:
        try:
            owner = services.verifier.user_id(authorization)
        except Unauthorized:
            raise JobNotFound() from None
        if owner != job.user_id:
            raise JobNotFound()
    return job
