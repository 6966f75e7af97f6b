"""Blobs in an S3 bucket (AWS or any S3-compatible server) through boto3; presigned URLs."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from fittingroom.config import Settings
from fittingroom.errors import FileNotFound, StorageUnavailable
from fittingroom.storage.base import validate_key


class S3Store:
    external_urls = True

    def __init__(self, client: Any, bucket: str, prefix: str = "", presigner: Any = None) -> None:
        """`presigner`: the client that signs URLs for clients, when they reach the store by
        another address than this server does (default: `client`)."""
        self._client = client
        self._presigner = presigner or client
        self.bucket = bucket
        self.prefix = prefix

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Store:
        def client(endpoint_url: str | None) -> Any:
            secret = (
                settings.s3_secret_access_key.get_secret_value() if settings.s3_secret_access_key else None
            )
            return boto3.client(
                "s3",
                endpoint_url=endpoint_url,
                region_name=settings.s3_region,
                aws_access_key_id=settings.s3_access_key_id,
                aws_secret_access_key=secret,
                config=Config(
                    signature_version="s3v4",
                    retries={"max_attempts": 3, "mode": "standard"},
                    connect_timeout=5,
                    read_timeout=30,
                ),
            )

        public = settings.s3_public_endpoint_url
        return cls(
            client(settings.s3_endpoint_url),
            bucket=settings.s3_bucket or "",
            prefix=settings.s3_prefix,
            presigner=client(public) if public else None,
        )

    def _key(self, key: str) -> str:
        return self.prefix + validate_key(key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        try:
            self._client.put_object(
                Bucket=self.bucket, Key=self._key(key), Body=data, ContentType=content_type
            )
        except (BotoCoreError, ClientError) as exc:
            raise StorageUnavailable(f"Cannot write to S3: {exc}") from exc

    def get(self, key: str) -> bytes:
        try:
            body = self._client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"]
            return bytes(body.read())
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise FileNotFound(key) from None
            raise StorageUnavailable(f"Cannot read from S3: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageUnavailable(f"Cannot read from S3: {exc}") from exc

    def delete(self, key: str) -> None:
        try:
            self._client.delete_object(Bucket=self.bucket, Key=self._key(key))
        except (BotoCoreError, ClientError) as exc:
            raise StorageUnavailable(f"Cannot delete from S3: {exc}") from exc

    def url(self, key: str, expires_in: int) -> str:
        return str(
            self._presigner.generate_presigned_url(
                "get_object", Params={"Bucket": self.bucket, "Key": self._key(key)}, ExpiresIn=expires_in
            )
        )

    def check(self) -> None:
        try:
            self._client.head_bucket(Bucket=self.bucket)
        except (BotoCoreError, ClientError) as exc:
            raise StorageUnavailable(f"S3 bucket '{self.bucket}' is not reachable: {exc}") from exc
