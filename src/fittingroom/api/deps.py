"""Dependencies routes take as `Annotated` aliases."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Request

from fittingroom.db.models import TryOnSession
from fittingroom.errors import JobNotFound
from fittingroom.jobs import records
from fittingroom.services import Services


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def load_anonymous_job(services: Services, job_id: str) -> TryOnSession:
    """A job of the anonymous surfaces (A and B) by id; JobNotFound for a malformed or
    unknown id, and for jobs created with a user's token, which only that user may read."""
    try:
        uuid.UUID(job_id)
    except ValueError:
        raise JobNotFound() from None
    with services.factory() as session:
        job = records.get(session, job_id.lower())
    if job is None or job.user_id is not None:
        raise JobNotFound()
    return job
