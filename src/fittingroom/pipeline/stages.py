"""The pipeline's stages in order, with the progress each one reports (contract A)."""

from __future__ import annotations

from enum import StrEnum


class Step(StrEnum):
    SEGMENTATION = "segmentation"
    POSE = "pose"
    WARP = "warp"
    INPAINTING = "inpainting"
    BLEND = "blend"
    DONE = "done"

    @property
    def progress(self) -> int:
        """Percent complete reported while this step runs (contract A's table)."""
        return _PROGRESS[self]


_PROGRESS = {
    Step.SEGMENTATION: 10,
    Step.POSE: 25,
    Step.WARP: 40,
    Step.INPAINTING: 55,
    Step.BLEND: 85,
    Step.DONE: 100,
}
