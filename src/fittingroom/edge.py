"""The /process-tryon flow (contracts.md section C), in the document's order:

JWT -> rate limit -> body -> gem balance -> cache -> atomic debit -> layering -> job ->
wait -> answer. The history row is written with the job and the debit, in one transaction,
so that an answer that times out (202) is still found in history.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from fittingroom.answers import Answer, Refusal
from fittingroom.api.i18n import message
from fittingroom.auth import TokenVerifier
from fittingroom.billing import ledger
from fittingroom.db.models import TryOnHistory, TryOnSession, new_id, utcnow
from fittingroom.db.session import transaction
from fittingroom.errors import InvalidInput, InvalidOption, Unavailable
from fittingroom.idempotency import run_once
from fittingroom.images import DATA_URI, ImageInfo, inspect_image
from fittingroom.jobs import records
from fittingroom.jobs.outfits import plan_outfit
from fittingroom.jobs.status import JobStatus
from fittingroom.outfit.layering import CATEGORIES, OutfitItem
from fittingroom.providers.catalog import candidate_order
from fittingroom.ratelimit import RateLimiter
from fittingroom.services import Services
from fittingroom.storage.files import save_upload


@dataclass(frozen=True)
class Item:
    data: bytes
    info: ImageInfo
    category: str
    name: str | None
    sub_category: str | None
    is_primary: bool


def bad_request(locale: str, key: str, **values: object) -> Refusal:
    return Refusal(Answer(400, {"error": message(key, locale, **values)}))


def decode_image(value: Any, field_name: str, locale: str, services: Services) -> tuple[bytes, ImageInfo]:
    """Base64 (optionally a data URI) -> validated image bytes. Raises Refusal (400)."""
    if not isinstance(value, str) or not value.strip():
        raise bad_request(
            locale, "model_image_required" if field_name == "model_image" else "bad_base64", field=field_name
        )
    text = value.strip()
    declared = None
    match = DATA_URI.match(text)
    if match:
        declared = (match.group("type") or "").lower() or None
        text = text[match.end() :]
    try:
        data = base64.b64decode(re.sub(r"\s+", "", text), validate=True)
    except (binascii.Error, ValueError):
        raise bad_request(locale, "bad_base64", field=field_name) from None
    settings = services.settings
    try:
        info = inspect_image(
            data,
            max_bytes=settings.max_upload_bytes,
            max_pixels=settings.max_image_pixels,
            min_side=settings.min_image_side,
        )
    except InvalidInput as exc:
        raise bad_request(locale, "bad_image", field=field_name, problem=str(exc)) from None
    if (
        declared
        and declared != info.media_type
        and not (declared == "image/jpg" and info.media_type == "image/jpeg")
    ):
        raise bad_request(
            locale,
            "bad_image",
            field=field_name,
            problem=f"declared as {declared} but the data is {info.media_type}",
        )
    return data, info


def parse_body(raw: bytes, locale: str, services: Services) -> tuple[bytes, ImageInfo, list[Item], str]:
    """(person bytes, person info, items, quality), or Refusal (400) naming the first problem."""
    # Five images of at most max_upload_bytes each, as base64 (4/3), plus room for the JSON.
    limit = 5 * services.settings.max_upload_bytes * 4 // 3 + 64 * 1024
    if len(raw) > limit:
        raise bad_request(locale, "body_too_large", limit=limit)
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise bad_request(locale, "body_not_json") from None
    if not isinstance(body, dict):
        raise bad_request(locale, "body_not_json")
    clothing = body.get("clothing_images")
    if not isinstance(clothing, list) or not clothing:
        raise bad_request(locale, "clothing_images_required")
    if len(clothing) > 4:
        raise bad_request(locale, "too_many_items", count=len(clothing))
    quality = body.get("quality", "standard")
    if quality not in ("standard", "hd"):
        raise bad_request(locale, "bad_quality")
    items = []
    for index, entry in enumerate(clothing):
        if not isinstance(entry, dict):
            raise bad_request(locale, "bad_field", field=f"clothing_images[{index}]", problem="not an object")
        category = entry.get("category")
        if category not in CATEGORIES:
            raise bad_request(
                locale, "bad_category", index=index, category=category, allowed=", ".join(CATEGORIES)
            )
        for key in ("name", "sub_category"):
            if entry.get(key) is not None and (not isinstance(entry[key], str) or len(entry[key]) > 200):
                raise bad_request(
                    locale,
                    "bad_field",
                    field=f"clothing_images[{index}].{key}",
                    problem="a text of at most 200 characters",
                )
        if entry.get("is_primary") is not None and not isinstance(entry["is_primary"], bool):
            raise bad_request(
                locale, "bad_field", field=f"clothing_images[{index}].is_primary", problem="true or false"
            )
        data, info = decode_image(entry.get("image"), f"clothing_images[{index}].image", locale, services)
        items.append(
            Item(
                data,
                info,
                category,
                entry.get("name"),
                entry.get("sub_category"),
                bool(entry.get("is_primary")),
            )
        )
    person, person_info = decode_image(body.get("model_image"), "model_image", locale, services)
    return person, person_info, items, quality


def fingerprint(person: bytes, items: list[Item], quality: str, providers: list[str]) -> str:
    """Identifies a try-on by the decoded image bytes (not their base64 text), the items'
    categories, sub-categories and primary flags, quality and provider order."""
    digest = hashlib.sha256()
    digest.update(hashlib.sha256(person).digest())
    for item in items:
        digest.update(hashlib.sha256(item.data).digest())
        digest.update(json.dumps([item.category, item.sub_category, item.is_primary]).encode())
    digest.update(f"{quality}|{','.join(providers)}".encode())
    return digest.hexdigest()


def authenticate(services: Services, verifier: TokenVerifier, authorization: str | None) -> str:
    """The user id of a valid bearer token (Unauthorized otherwise, 401 at the router); a
    user seen for the first time is created, with the configured welcome grant."""
    user_id = verifier.user_id(authorization)
    with transaction(services.factory) as session:
        ledger.ensure_user(session, user_id, services.settings.new_user_gems)
    return user_id


def process_tryon(
    services: Services,
    verifier: TokenVerifier,
    limiter: RateLimiter,
    *,
    authorization: str | None,
    locale: str,
    raw_body: bytes,
    base_url: str,
    idempotency_key: str | None = None,
    respond_async: bool = False,
) -> Answer:
    """Run the whole flow; every refusal is raised as Refusal with the contract's answer.

    With an `idempotency_key`, the first answer for that key is stored and replayed."""
    user_id = authenticate(services, verifier, authorization)
    if idempotency_key is not None:
        return run_once(
            services,
            user_id,
            idempotency_key,
            raw_body,
            lambda: _process(services, limiter, user_id, locale, raw_body, base_url, respond_async),
        )
    return _process(services, limiter, user_id, locale, raw_body, base_url, respond_async)


def _process(
    services: Services,
    limiter: RateLimiter,
    user_id: str,
    locale: str,
    raw_body: bytes,
    base_url: str,
    respond_async: bool = False,
) -> Answer:
    settings = services.settings
    decision = limiter.hit(user_id)
    if not decision.allowed:
        raise Refusal(
            Answer(
                429,
                {
                    "error": "RATE_LIMIT_EXCEEDED",
                    "message": message(
                        "rate_limited", locale, limit=decision.limit, retry=decision.reset_after_s
                    ),
                },
                decision.headers(),
            )
        )
    rate_headers = decision.headers()
    person, person_info, items, quality = parse_body(raw_body, locale, services)
    cost = settings.gems_hd if quality == "hd" else settings.gems_standard

    with services.factory() as session:
        balance = ledger.balance(session, user_id)
    if balance < cost:
        raise Refusal(insufficient(locale, cost, balance, rate_headers))

    key = fingerprint(person, items, quality, candidate_order(settings, None))
    cached = cached_answer(services, user_id, key, items, quality, base_url, rate_headers)
    if cached is not None:
        return cached

    if records.count_queued(services.factory) >= settings.queue_max_pending:
        raise busy("QUEUE_FULL", "queue_full", locale, settings.queue_retry_after_s, rate_headers)
    outfit = [
        OutfitItem(i, it.category, it.sub_category, it.name, it.is_primary) for i, it in enumerate(items)
    ]
    try:
        planned = plan_outfit(settings, outfit, None)
    except InvalidOption as exc:
        raise bad_request(locale, "bad_field", field="clothing_images", problem=str(exc)) from None
    job_id = new_id()
    try:
        with transaction(services.factory) as session:
            person_file = save_upload(session, services.store, person, person_info, user_id=user_id)
            garment_files = [
                save_upload(session, services.store, it.data, it.info, user_id=user_id) for it in items
            ]
            options = {
                "quality": quality,
                "output_format": "png",
                "gems": cost,
                **planned.job_options(session, [f.id for f in garment_files]),
            }
            job = records.create(
                session,
                person_file_id=person_file.id,
                garment_file_id=garment_files[planned.primary.index].id,
                options=options,
                user_id=user_id,
                job_id=job_id,
            )
            session.add(
                TryOnHistory(
                    id=job.id,
                    user_id=user_id,
                    job_id=job.id,
                    items=describe(items),
                    quality=quality,
                    gems_used=cost,
                    cached=False,
                    fingerprint=key,
                )
            )
            session.flush()
            remaining = ledger.debit(session, user_id, cost, tryon_id=job.id)
    except ledger.InsufficientGems as short:
        raise Refusal(insufficient(locale, short.required, short.balance, rate_headers)) from None
    try:
        services.queue.enqueue(job_id)
    except Unavailable:  # the job was failed and its gems refunded by the queue
        raise busy(
            "QUEUE_UNAVAILABLE", "queue_unavailable", locale, settings.queue_retry_after_s, rate_headers
        ) from None
    wait_s = 0.0 if respond_async else settings.sync_timeout_s
    return wait_for(services, job_id, cost, remaining, locale, base_url, rate_headers, wait_s)


def busy(code: str, key: str, locale: str, retry: int, headers: dict[str, str]) -> Refusal:
    """A 503 that asks the client to retry in `retry` seconds."""
    return Refusal(
        Answer(
            503,
            {"error": code, "message": message(key, locale, retry=retry)},
            {**headers, "Retry-After": str(retry)},
        )
    )


def insufficient(locale: str, required: int, balance: int, headers: dict[str, str]) -> Answer:
    return Answer(
        402,
        {
            "error": "INSUFFICIENT_GEMS",
            "message": message("insufficient_gems", locale, required=required, balance=balance),
            "gems_required": required,
            "gems_balance": balance,
        },
        headers,
    )


def describe(items: list[Item]) -> list[dict[str, Any]]:
    return [
        {
            "category": it.category,
            "name": it.name,
            "sub_category": it.sub_category,
            "is_primary": it.is_primary,
        }
        for it in items
    ]


def cached_answer(
    services: Services,
    user_id: str,
    key: str,
    items: list[Item],
    quality: str,
    base_url: str,
    headers: dict[str, str],
) -> Answer | None:
    """A completed try-on of this user with this fingerprint within the TTL, replayed for 0 gems."""
    settings = services.settings
    since = utcnow() - timedelta(seconds=settings.cache_ttl_s)
    with transaction(services.factory) as session:
        row = session.execute(
            select(TryOnHistory, TryOnSession)
            .join(TryOnSession, TryOnSession.id == TryOnHistory.job_id)
            .where(
                TryOnHistory.user_id == user_id,
                TryOnHistory.fingerprint == key,
                TryOnHistory.created_at >= since,
                TryOnSession.status == JobStatus.COMPLETED.value,
            )
            .order_by(TryOnHistory.created_at.desc())
            .limit(1)
        ).first()
        if row is None:
            return None
        _, job = row
        replay = TryOnHistory(
            user_id=user_id,
            job_id=job.id,
            items=describe(items),
            quality=quality,
            gems_used=0,
            cached=True,
            fingerprint=key,
        )
        session.add(replay)
        session.flush()
        replay_id = replay.id
        remaining = ledger.balance(session, user_id)
    return Answer(
        200,
        {
            "tryon_id": replay_id,
            "result_image_url": services.result_url(job, base_url),
            "gems_remaining": remaining,
            "gems_used": 0,
            "cached": True,
            "processing_time_ms": 0,
        },
        headers,
    )


def wait_for(
    services: Services,
    job_id: str,
    cost: int,
    remaining: int,
    locale: str,
    base_url: str,
    headers: dict[str, str],
    wait_s: float,
) -> Answer:
    """Poll the job until it ends or `wait_s` passes (then 202: it keeps running)."""
    deadline = time.monotonic() + wait_s
    started = time.monotonic()
    while True:
        with services.factory() as session:
            job = session.get(TryOnSession, job_id)
            assert job is not None
            status = JobStatus(job.status)
            if status.is_terminal:
                balance = ledger.balance(session, job.user_id or "")
        if status is JobStatus.COMPLETED:
            elapsed = job.processing_time if job.processing_time is not None else time.monotonic() - started
            return Answer(
                200,
                {
                    "tryon_id": job_id,
                    "result_image_url": services.result_url(job, base_url),
                    "gems_remaining": balance,
                    "gems_used": cost,
                    "cached": False,
                    "processing_time_ms": round(elapsed * 1000),
                },
                headers,
            )
        if status is JobStatus.FAILED:
            return Answer(
                500,
                {
                    "error": "TRYON_FAILED",
                    "message": message("tryon_failed", locale, reason=job.error or "unknown error"),
                    "gems_refunded": cost,
                },
                headers,
            )
        if time.monotonic() > deadline:
            return Answer(
                202,
                {
                    "tryon_id": job_id,
                    "status": "processing",
                    "message": message("processing", locale),
                    "gems_remaining": remaining,
                    "gems_used": cost,
                },
                headers,
            )
        time.sleep(0.05)
