"""Messages of the /process-tryon surface in English and Vietnamese (the source document's
language). Error *codes* never change with the language; only `message`/`error` texts do."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "rate_limited": {
        "en": "You have reached the limit of {limit} try-ons per minute. Try again in {retry} s.",
        "vi": "Bạn đã đạt giới hạn {limit} lần thử/phút. Vui lòng thử lại sau {retry} giây.",
    },
    "insufficient_gems": {
        "en": "Not enough gems: this try-on needs {required}, you have {balance}.",
        "vi": "Không đủ gems: lần thử này cần {required}, bạn còn {balance}.",
    },
    "tryon_failed": {
        "en": "The try-on failed: {reason}",
        "vi": "Thử đồ thất bại: {reason}",
    },
    "body_too_large": {
        "en": "The request body is larger than {limit} bytes",
        "vi": "Nội dung yêu cầu lớn hơn {limit} byte",
    },
    "body_not_json": {
        "en": "The request body must be a JSON object",
        "vi": "Nội dung yêu cầu phải là một đối tượng JSON",
    },
    "model_image_required": {"en": "model_image is required", "vi": "model_image là bắt buộc"},
    "clothing_images_required": {
        "en": "clothing_images array is required",
        "vi": "clothing_images array là bắt buộc",
    },
    "too_many_items": {
        "en": "clothing_images has {count} items; 1 to 4 are allowed",
        "vi": "clothing_images có {count} món; chỉ cho phép từ 1 đến 4",
    },
    "bad_category": {
        "en": "clothing_images[{index}].category '{category}' is not one of {allowed}",
        "vi": "clothing_images[{index}].category '{category}' không thuộc {allowed}",
    },
    "bad_quality": {
        "en": "quality must be 'standard' or 'hd'",
        "vi": "quality phải là 'standard' hoặc 'hd'",
    },
    "bad_field": {"en": "Invalid field {field}: {problem}", "vi": "Trường {field} không hợp lệ: {problem}"},
    "bad_base64": {
        "en": "{field} is not valid base64 image data",
        "vi": "{field} không phải dữ liệu ảnh base64 hợp lệ",
    },
    "bad_image": {"en": "{field}: {problem}", "vi": "{field}: {problem}"},
    "queue_unavailable": {
        "en": "The job queue cannot be reached; try again in {retry} s. Your gems were refunded.",
        "vi": "Không kết nối được hàng đợi; vui lòng thử lại sau {retry} giây. Gems đã được hoàn lại.",
    },
    "queue_full": {
        "en": "The service is busy; try again in {retry} s. No gems were taken.",
        "vi": "Hệ thống đang bận; vui lòng thử lại sau {retry} giây. Chưa trừ gems.",
    },
    "processing": {
        "en": "The try-on is still running; find it in your history with this tryon_id.",
        "vi": "Đang xử lý; hãy xem kết quả trong lịch sử với tryon_id này.",
    },
}

LOCALES = ("en", "vi")


def locale_from(accept_language: str | None, default: str) -> str:
    """The first supported language named in an Accept-Language header, else `default`.

    Quality values are honoured: 'en;q=0.3, vi' prefers Vietnamese."""
    if accept_language:
        ranked = []
        for position, part in enumerate(accept_language.split(",")):
            tag, _, params = part.strip().partition(";")
            quality = 1.0
            if params.strip().startswith("q="):
                try:
                    quality = float(params.strip()[2:])
                except ValueError:
                    quality = 0.0
            ranked.append((-quality, position, tag.strip().lower().split("-")[0]))
        for _, _, language in sorted(ranked):
            if language in LOCALES:
                return language
    return default if default in LOCALES else "en"


def message(key: str, locale: str, **values: object) -> str:
    texts = MESSAGES[key]
    return texts.get(locale, texts["en"]).format(**values)
