"""`Idempotency-Key` for /process-tryon: the same key and body from the same user get the first
answer and are never charged twice; the same key with another body is refused (422).

The first request claims the key by inserting its row (the primary key makes concurrent
duplicates lose the insert); they then wait for the first answer and replay it.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

from sqlalchemy.exc import IntegrityError

from fittingroom.answers import Answer, Refusal
from fittingroom.db.models import IdempotencyKey
from fittingroom.db.session import transaction
from fittingroom.services import Services

MAX_KEY_LENGTH = 255
NOT_STORED = {429}  # a rate-limited request was never processed: the same key may try again


def run_once(
    services: Services, user_id: str, key: str, raw_body: bytes, process: Callable[[], Answer]
) -> Answer:
    """Run `process` for the first request with this key; replay its answer for the rest."""
    if not key or len(key) > MAX_KEY_LENGTH:
        raise Refusal(Answer(400, {"error": f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters"}))
    digest = hashlib.sha256(raw_body).hexdigest()
    try:
        with transaction(services.factory) as session:
            session.add(IdempotencyKey(user_id=user_id, key=key, body_sha256=digest))
    except IntegrityError:
        return _replay(services, user_id, key, digest)
    try:
        answer = process()
    except Refusal as refusal:
        answer = refusal.answer
    except BaseException:
        _forget(services, user_id, key)  # nothing was answered: let a retry run
        raise
    if answer.status in NOT_STORED:
        _forget(services, user_id, key)
    else:
        with transaction(services.factory) as session:
            row = session.get(IdempotencyKey, (user_id, key))
            if row is not None:
                row.status_code, row.response = answer.status, answer.body
    return answer


def _forget(services: Services, user_id: str, key: str) -> None:
    with transaction(services.factory) as session:
        row = session.get(IdempotencyKey, (user_id, key))
        if row is not None and row.status_code is None:
            session.delete(row)


def _replay(services: Services, user_id: str, key: str, digest: str) -> Answer:
    deadline = time.monotonic() + services.settings.sync_timeout_s + 5
    while True:
        with services.factory() as session:
            row = session.get(IdempotencyKey, (user_id, key))
        if row is None:  # the first request gave up its claim (rate-limited or crashed)
            raise Refusal(
                Answer(
                    409,
                    {
                        "error": "IDEMPOTENCY_KEY_RETRY",
                        "message": "The first request with this key was not processed; retry",
                    },
                )
            )
        if row.body_sha256 != digest:
            raise Refusal(
                Answer(
                    422,
                    {
                        "error": "IDEMPOTENCY_KEY_REUSED",
                        "message": "This Idempotency-Key was used with a different request body",
                    },
                )
            )
        if row.status_code is not None and row.response is not None:
            return Answer(row.status_code, dict(row.response), {"Idempotent-Replayed": "true"})
        if time.monotonic() > deadline:
            raise Refusal(
                Answer(
                    409,
                    {
                        "error": "IDEMPOTENCY_KEY_IN_USE",
                        "message": "A request with this key is still being processed",
                    },
                )
            )
        time.sleep(0.05)
