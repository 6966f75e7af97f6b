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
│   └── InvalidOption             an option value outside its allowed set
├── NotFound
│   ├── JobNotFound
│   └── FileNotFound
├── Unavailable                   a dependency cannot take work now; clients may retry
│   ├── QueueFull                 carries `retry_after_s`
│   └── StorageUnavailable
└── TryOnFailed                   a job could not be rendered; its message is stored on the job
    ├── NoPersonDetected
    └── NoGarmentDetected
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
