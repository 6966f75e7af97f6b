"""Bearer JWT verification: every refusal has a precise detail; attacks are refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from typer.testing import CliRunner

from fittingroom.auth import TokenVerifier, Unauthorized
from fittingroom.cli import app
from fittingroom.config import Settings

RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())


def jwks(**keys: object) -> str:
    """A JWKS document for {kid: private key}, publishing the public halves."""
    out = []
    for kid, key in keys.items():
        algorithm = (
            jwt.algorithms.RSAAlgorithm if isinstance(key, rsa.RSAPrivateKey) else jwt.algorithms.ECAlgorithm
        )
        jwk = json.loads(algorithm.to_jwk(key.public_key()))  # type: ignore[attr-defined]
        out.append({**jwk, "kid": kid})
    return json.dumps({"keys": out})


def hs256_by_hand(payload: dict[str, object], secret: bytes) -> str:
    """An HS256 token built without PyJWT's guard against asymmetric keys as HMAC secrets,
    as an attacker would build one."""

    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = json.dumps({"alg": "HS256", "typ": "JWT"}).encode()
    signing_input = part(header) + "." + part(json.dumps(payload).encode())
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{part(signature)}"


def settings_for(tmp_path: Path, **overrides: object) -> Settings:
    return Settings(
        data_dir=tmp_path / "data", jwt_secret="s3cret-for-tests-only-0123456789abcdef", **overrides
    )  # type: ignore[arg-type]


def claims(**extra: object) -> dict[str, object]:
    now = int(time.time())
    return {"sub": "user-1", "exp": now + 60, "iat": now, **extra}


def bearer(token: str) -> str:
    return f"Bearer {token}"


def refused(verifier: TokenVerifier, header: str | None) -> str:
    with pytest.raises(Unauthorized) as info:
        verifier.user_id(header)
    return info.value.detail


def test_hs256_round_trip_and_refusals(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    verifier = TokenVerifier(settings)
    secret = "s3cret-for-tests-only-0123456789abcdef"
    assert verifier.user_id(bearer(verifier.issue("alice"))) == "alice"
    assert verifier.user_id(bearer(jwt.encode(claims(), secret, "HS256"))) == "user-1"
    assert refused(verifier, None) == "Missing bearer token"
    assert refused(verifier, "Basic abc") == "Missing bearer token"
    assert refused(verifier, "Bearer ") == "Missing bearer token"
    assert refused(verifier, "Bearer not.a.jwt") == "Malformed token"
    assert (
        refused(verifier, bearer(jwt.encode(claims(exp=int(time.time()) - 5), secret, "HS256")))
        == "JWT expired"
    )
    assert refused(verifier, bearer(jwt.encode(claims(nbf=int(time.time()) + 600), secret, "HS256"))) == (
        "JWT not yet valid"
    )
    assert refused(
        verifier, bearer(jwt.encode(claims(), "another-secret-0123456789abcdef0123", "HS256"))
    ) == ("Invalid signature")
    no_sub = claims()
    del no_sub["sub"]
    assert refused(verifier, bearer(jwt.encode(no_sub, secret, "HS256"))) == "Missing claim: sub"
    no_exp = claims()
    del no_exp["exp"]
    assert refused(verifier, bearer(jwt.encode(no_exp, secret, "HS256"))) == "Missing claim: exp"
    assert refused(verifier, bearer(jwt.encode(claims(sub=""), secret, "HS256"))) == "Invalid claim: sub"


def test_tampered_payload_and_alg_none(tmp_path: Path) -> None:
    verifier = TokenVerifier(settings_for(tmp_path))
    header, _payload, signature = verifier.issue("alice").split(".")
    forged = base64.urlsafe_b64encode(json.dumps(claims(sub="admin")).encode()).rstrip(b"=").decode()
    assert refused(verifier, bearer(f"{header}.{forged}.{signature}")) == "Invalid signature"
    unsigned = jwt.encode(claims(sub="admin"), None, algorithm="none")
    assert refused(verifier, bearer(unsigned)) == "Algorithm not allowed: none"


def test_audience_is_checked_when_configured(tmp_path: Path) -> None:
    verifier = TokenVerifier(settings_for(tmp_path, jwt_audience="authenticated"))
    secret = "s3cret-for-tests-only-0123456789abcdef"
    assert verifier.user_id(bearer(jwt.encode(claims(aud="authenticated"), secret, "HS256"))) == "user-1"
    assert refused(verifier, bearer(jwt.encode(claims(aud="anon"), secret, "HS256"))) == "Invalid audience"
    assert verifier.user_id(bearer(verifier.issue("bob"))) == "bob", "issued tokens carry the audience"


def test_rs256_from_a_jwks_file_and_hs_rs_confusion(tmp_path: Path) -> None:
    path = tmp_path / "jwks.json"
    path.write_text(jwks(k1=RSA_KEY))
    verifier = TokenVerifier(settings_for(tmp_path, jwt_algorithms=["RS256"], jwks_url=str(path)))
    token = jwt.encode(claims(), RSA_KEY, algorithm="RS256", headers={"kid": "k1"})
    assert verifier.user_id(bearer(token)) == "user-1"
    # HS/RS confusion: an HS256 token "signed" with the public key must be refused outright.
    public_pem = RSA_KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    confused = hs256_by_hand(claims(), public_pem)
    assert refused(verifier, bearer(confused)) == "Algorithm not allowed: HS256"
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    wrong_key = jwt.encode(claims(), other, algorithm="RS256", headers={"kid": "k1"})
    assert refused(verifier, bearer(wrong_key)) == "Invalid signature"
    assert refused(verifier, bearer(jwt.encode(claims(), RSA_KEY, "RS256", headers={"kid": "nope"}))) == (
        "Signing key not found"
    )


@pytest.fixture
def jwks_server(tmp_path: Path) -> Iterator[str]:
    folder = tmp_path / "www"
    folder.mkdir()
    (folder / "jwks.json").write_text(jwks(ec1=EC_KEY))
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/jwks.json"
    server.shutdown()


def test_es256_from_a_jwks_url(tmp_path: Path, jwks_server: str) -> None:
    verifier = TokenVerifier(settings_for(tmp_path, jwt_algorithms=["ES256"], jwks_url=jwks_server))
    token = jwt.encode(claims(sub="carol"), EC_KEY, algorithm="ES256", headers={"kid": "ec1"})
    assert verifier.user_id(bearer(token)) == "carol"


def test_generated_secret_and_the_token_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FITTINGROOM_DATA_DIR", str(tmp_path / "data"))
    result = CliRunner().invoke(app, ["users", "token", "dave", "--ttl", "120"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    settings = Settings()
    assert (tmp_path / "data" / "jwt.secret").exists()
    assert TokenVerifier(settings).user_id(bearer(token)) == "dave"
    assert 100 < jwt.decode(token, options={"verify_signature": False})["exp"] - time.time() <= 120
