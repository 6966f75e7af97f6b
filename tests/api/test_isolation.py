"""Auth attacks answered 401 over HTTP, and two users who cannot read, list or reuse each
other's jobs, files, results or history."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr

from fittingroom.config import Settings
from fittingroom.pipeline.models import Models
from tests.api.conftest import Harness, make_harness
from tests.api.test_edge import InlineQueue, body, token
from tests.conftest import SHIRT, TEE

SECRET = "isolation-secret-0123456789abcdef0123"


@pytest.fixture
def two_users(settings: Settings, models: Models) -> Iterator[Harness]:
    settings.jwt_secret = SecretStr(SECRET)
    settings.rate_limit = "100/minute"
    for harness in make_harness(settings, models):
        harness.services.queue = InlineQueue(harness)  # type: ignore[assignment]
        yield harness


def claims(**extra: object) -> dict[str, object]:
    now = int(time.time())
    return {"sub": "alice", "iat": now, "exp": now + 600, **extra}


def attacks() -> dict[str, str]:
    """Tokens that must all be refused with 401."""
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header, _, signature = jwt.encode(claims(), SECRET, "HS256").split(".")
    forged = base64.urlsafe_b64encode(json.dumps(claims(sub="bob")).encode()).rstrip(b"=").decode()
    no_sub = claims()
    del no_sub["sub"]
    return {
        "alg none": jwt.encode(claims(), None, algorithm="none"),
        "RS256 token": jwt.encode(claims(), rsa_key, "RS256"),
        "HS256 signed with the RSA public key": _hs256(claims(), public_pem),
        "wrong key": jwt.encode(claims(), "another-secret-0123456789abcdef0123", "HS256"),
        "expired": jwt.encode(claims(exp=int(time.time()) - 10), SECRET, "HS256"),
        "not yet valid": jwt.encode(claims(nbf=int(time.time()) + 600), SECRET, "HS256"),
        "missing sub": jwt.encode(no_sub, SECRET, "HS256"),
        "tampered payload": f"{header}.{forged}.{signature}",
        "garbage": "not-a-jwt",
    }


def _hs256(payload: dict[str, object], key: bytes) -> str:
    """HS256 by hand with any bytes as the key (PyJWT refuses PEM keys for HMAC, as it should)."""
    import hashlib
    import hmac

    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = part(b'{"alg":"HS256","typ":"JWT"}') + "." + part(json.dumps(payload).encode())
    return signing_input + "." + part(hmac.new(key, signing_input.encode(), hashlib.sha256).digest())


def test_every_token_attack_is_401(two_users: Harness) -> None:
    for name, forged in attacks().items():
        headers = {"Authorization": f"Bearer {forged}"}
        submit = two_users.client.post(
            "/process-tryon", json=body((TEE.read_bytes(), "top")), headers=headers
        )
        history = two_users.client.get("/api/history", headers=headers)
        assert (submit.status_code, history.status_code) == (401, 401), name
        assert submit.json()["error"] == "Unauthorized" and submit.json()["detail"], name


def test_two_users_share_nothing(two_users: Harness) -> None:
    alice, bob = token(two_users, "alice", gems=3), token(two_users, "bob", gems=3)
    client = two_users.client
    first = client.post("/process-tryon", json=body((TEE.read_bytes(), "top")), headers=alice)
    assert first.status_code == 200, first.text
    alice_job = first.json()["tryon_id"]

    # Bob cannot read Alice's job on any surface, nor see it in his history.
    for path in (f"/api/tryon/{alice_job}", f"/api/tryon/process/{alice_job}"):
        assert client.get(path, headers=bob).status_code == 404
        assert client.get(path, headers=alice).status_code == 200
    assert client.get("/api/history", headers=bob).json()["items"] == []

    # The same images from Bob are his own try-on: no cache hit on Alice's result, his gem spent.
    same = client.post("/process-tryon", json=body((TEE.read_bytes(), "top")), headers=bob)
    assert same.status_code == 200 and same.json()["cached"] is False and same.json()["gems_remaining"] == 2

    # An idempotency key is per user: Bob's use of Alice's key does not replay her answer.
    key = {"Idempotency-Key": "order-17"}
    alice_keyed = client.post("/process-tryon", json=body((SHIRT.read_bytes(), "top")), headers=alice | key)
    bob_keyed = client.post("/process-tryon", json=body((SHIRT.read_bytes(), "top")), headers=bob | key)
    assert alice_keyed.json()["tryon_id"] != bob_keyed.json()["tryon_id"]

    # Files made with a token are not reachable, nor usable, through the anonymous surfaces.
    with two_users.services.factory() as session:
        from fittingroom.jobs import records

        job = records.get(session, alice_job)
        assert job is not None
        alice_file = job.person_file_id
    assert client.get(f"/api/files/{alice_file}").status_code == 404
    start = client.post("/api/tryon/process", json={"personFileId": alice_file, "garmentFileId": alice_file})
    assert start.status_code == 400 and start.json()["message"] == f"Unknown file id: {alice_file}"

    # A result URL is a signed capability for one blob: re-aimed at another blob, it is refused.
    alice_url = client.get(f"/api/tryon/process/{alice_job}", headers=alice).json()["resultUrl"]
    bob_url = client.get(f"/api/tryon/process/{same.json()['tryon_id']}", headers=bob).json()["resultUrl"]
    assert client.get(alice_url).status_code == 200
    signed = parse_qs(urlsplit(alice_url).query)
    forged = f"{urlsplit(bob_url).path}?expires={signed['expires'][0]}&signature={signed['signature'][0]}"
    assert client.get(forged).status_code == 404
