"""Bearer JWTs, as Supabase issues them: `sub` is the user id, `exp` required, `aud` checked
when configured. The accepted algorithms are pinned by configuration, never taken from the
token: `alg: none` and HS/RS confusion are refused before any key is chosen.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import jwt
from jwt import PyJWKClient, PyJWKSet

from fittingroom.config import Settings
from fittingroom.errors import FittingroomError

HMAC_ALGORITHMS = {"HS256", "HS384", "HS512"}


class Unauthorized(FittingroomError):
    """A request without a valid token. `detail` says precisely why."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class TokenVerifier:
    """Verifies bearer tokens and, for development, issues HS256 ones."""

    def __init__(self, settings: Settings) -> None:
        self.algorithms = list(settings.jwt_algorithms)
        self.audience = settings.jwt_audience
        self._secret = settings.resolved_jwt_secret() if HMAC_ALGORITHMS & set(self.algorithms) else None
        self._jwks_client: PyJWKClient | None = None
        self._jwks_file: PyJWKSet | None = None
        source = settings.jwks_url
        if source and source.startswith(("http://", "https://")):
            self._jwks_client = PyJWKClient(source, cache_keys=True, lifespan=300, timeout=5)
        elif source:
            self._jwks_file = PyJWKSet.from_json(Path(source).read_text())

    def user_id(self, authorization: str | None) -> str:
        """The `sub` of a valid `Authorization: Bearer <jwt>` header; raises Unauthorized."""
        if (
            not authorization
            or not authorization.lower().startswith("bearer ")
            or not authorization[7:].strip()
        ):
            raise Unauthorized("Missing bearer token")
        token = authorization[7:].strip()
        try:
            header = jwt.get_unverified_header(token)
        except jwt.DecodeError:
            raise Unauthorized("Malformed token") from None
        algorithm = header.get("alg")
        if algorithm not in self.algorithms:
            raise Unauthorized(f"Algorithm not allowed: {algorithm}")
        key = self._key(token, algorithm, header.get("kid"))
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=self.audience,
                options={"require": ["exp", "sub"], "verify_aud": self.audience is not None},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized("JWT expired") from None
        except jwt.ImmatureSignatureError:
            raise Unauthorized("JWT not yet valid") from None
        except jwt.InvalidAudienceError:
            raise Unauthorized("Invalid audience") from None
        except jwt.InvalidSignatureError:
            raise Unauthorized("Invalid signature") from None
        except jwt.MissingRequiredClaimError as exc:
            raise Unauthorized(f"Missing claim: {exc.claim}") from None
        except jwt.InvalidTokenError:
            raise Unauthorized("Invalid token") from None
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject.strip() or len(subject) > 255:
            raise Unauthorized("Invalid claim: sub")
        return subject

    def _key(self, token: str, algorithm: str, kid: str | None) -> Any:
        if algorithm in HMAC_ALGORITHMS:
            if self._secret is None:
                raise Unauthorized(f"Algorithm not allowed: {algorithm}")
            return self._secret
        try:
            if self._jwks_client is not None:
                return self._jwks_client.get_signing_key_from_jwt(token).key
            if self._jwks_file is not None:
                for jwk in self._jwks_file.keys:
                    if kid is None or jwk.key_id == kid:
                        return jwk.key
        except (jwt.PyJWKClientError, jwt.DecodeError):
            raise Unauthorized("Signing key not found") from None
        raise Unauthorized("Signing key not found")

    def issue(self, user_id: str, ttl_s: int = 3600, **claims: Any) -> str:
        """An HS256 token for `user_id` valid `ttl_s` seconds (development and tests)."""
        if self._secret is None:
            raise ValueError("HS256 is not among the configured algorithms")
        now = int(time.time())
        payload = {"sub": user_id, "iat": now, "exp": now + ttl_s, **claims}
        if self.audience is not None:
            payload.setdefault("aud", self.audience)
        return jwt.encode(payload, self._secret, algorithm="HS256")
