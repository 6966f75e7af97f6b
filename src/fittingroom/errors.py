"""The domain error tree. HTTP status codes are chosen only in `fittingroom.api`.

FittingroomError                  base; `str(err)` is a message fit to show a client
├── InvalidInput                  the caller sent something we cannot use
│   ├── MissingField
│   ├── EmptyUpload
│   ├── UploadTooLarge            bytes over the configured limit
│   ├── UnsupportedImageType      not JPEG, PNG or WEBP by its magic bytes
│   ├── ImageTooManyPixels        width*height over the limit (checked before decoding)
│   ├── ImageTooSmall
│   ├── CorruptImage              claims a supported type but does not decode
│   ├── AnimatedImage             more than one frame (animated WEBP or PNG)
│   └── InvalidOption             an option value outside its allowed set
├── NotFound
│   ├── JobNotFound
│   └── FileNotFound
├── Unavailable                   a dependency cannot take work now; clients may retry
│   ├── QueueFull                 carries `retry_after_s`
│   ├── StorageUnavailable
│   └── DatabaseUnavailable       the database refused or dropped a query (locked, gone)
└── TryOnFailed                   a job could not be rendered; its message is stored on the job
    ├── NoPersonDetected
    ├── NoGarmentDetected
    ├── BodyNotVisible
    └── ProviderError             a remote provider did not deliver; carries `provider`
        ├── ProviderUnauthorized  401/403: the key is wrong or revoked
        ├── ProviderRejected      400/422 or a failed prediction: it would not render these inputs
        ├── ProviderRateLimited   429; carries `retry_after_s` when the vendor sent one
        ├── ProviderUnavailable   5xx, a refused connection, a canceled prediction
        ├── ProviderTimeout       our deadline passed (the remote prediction is cancelled)
        └── ProviderBadOutput     an answer or an image we cannot read
"""

from __future__ import annotations


class FittingroomError(Exception):
    """Base of every error the service raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InvalidInput(FittingroomError):
    pass


class MissingField(InvalidInput):
    def __init__(self, field: str) -> None:
        super().__init__(f"Missing required field: {field}")
        self.field = field


class EmptyUpload(InvalidInput):
    pass


class UploadTooLarge(InvalidInput):
    pass


class UnsupportedImageType(InvalidInput):
    def __init__(self, detected: str) -> None:
        super().__init__(f"Unsupported image type: {detected}")
        self.detected = detected


class ImageTooManyPixels(InvalidInput):
    pass


class ImageTooSmall(InvalidInput):
    pass


class CorruptImage(InvalidInput):
    pass


class AnimatedImage(InvalidInput):
    pass


class InvalidOption(InvalidInput):
    pass


class NotFound(FittingroomError):
    pass


class JobNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("Job not found")


class FileNotFound(NotFound):
    def __init__(self, file_id: str = "") -> None:
        super().__init__(f"File not found: {file_id}" if file_id else "File not found")


class Unavailable(FittingroomError):
    pass


class QueueFull(Unavailable):
    def __init__(self, retry_after_s: int) -> None:
        super().__init__("The try-on queue is full; retry later")
        self.retry_after_s = retry_after_s


class StorageUnavailable(Unavailable):
    pass


class DatabaseUnavailable(Unavailable):
    def __init__(self) -> None:
        super().__init__("The database is unavailable; retry in a moment")


class TryOnFailed(FittingroomError):
    pass


class NoPersonDetected(TryOnFailed):
    def __init__(self) -> None:
        super().__init__("No person found in the person image")


class NoGarmentDetected(TryOnFailed):
    def __init__(self) -> None:
        super().__init__("No garment found in the clothing image")


class BodyNotVisible(TryOnFailed):
    def __init__(self, category: str, part: str) -> None:
        super().__init__(f"The person photo does not show the {part} that a {category} needs")
        self.category = category


class ProviderError(TryOnFailed):
    """A provider did not deliver. `counts_against_provider` is False when the inputs, not the
    provider, are the likely cause (the circuit breaker ignores those)."""

    counts_against_provider = True

    def __init__(self, provider: str, message: str) -> None:
        super().__init__(f"{provider}: {message}")
        self.provider = provider
        self.detail = message


class ProviderUnauthorized(ProviderError):
    pass


class ProviderRejected(ProviderError):
    counts_against_provider = False


class ProviderRateLimited(ProviderError):
    def __init__(self, provider: str, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(provider, message)
        self.retry_after_s = retry_after_s


class ProviderUnavailable(ProviderError):
    pass


class ProviderTimeout(ProviderError):
    pass


class ProviderBadOutput(ProviderError):
    pass
