"""Answers of the /process-tryon surface, and the exception that carries a refusal."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Answer:
    """An HTTP answer of this surface: status, JSON body, extra headers."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


class Refusal(Exception):  # noqa: N818 - it carries the answer, it is not an error of ours
    def __init__(self, answer: Answer) -> None:
        super().__init__(answer.body)
        self.answer = answer
