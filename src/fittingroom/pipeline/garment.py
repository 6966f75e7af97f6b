"""Garment parsing: separate a product photo's garment from its background; find its landmarks.

Coordinates are pixels of the garment image, x right, y down. "Image-left" is smaller x.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TypeVar

import cv2
import numpy as np

from fittingroom.errors import NoGarmentDetected
from fittingroom.pipeline.checks import check_rgb

_ANALYSIS_SIDE = 224  # long side, pixels, at which the mask is computed (see bench note)
MarksT = TypeVar("MarksT", "TopLandmarks", "BottomLandmarks")
_LANDMARK_SIDE = 384  # long side, pixels, at which landmarks are read off the mask
AMBIGUOUS_SHARE_FOR_GRABCUT = 0.1  # share of pixels near the colour threshold that calls for GrabCut


def segment_garment(image: np.ndarray) -> np.ndarray:
    """Garment mask of a product photo (flat-lay or ghost mannequin on a plain background).

    image: uint8 (H, W, 3) RGB. Returns float32 (H, W) in [0, 1], soft at the edges.
    The background colour is estimated from the border; the colour-distance mask seeds
    GrabCut, which also separates light garments from light backgrounds. Raises
    NoGarmentDetected when nothing plausible stands out from the background.
    """
    check_rgb(image, "garment image")
    height, width = image.shape[:2]
    scale = _ANALYSIS_SIDE / max(height, width)
    small = cv2.resize(
        image, (max(1, round(width * scale)), max(1, round(height * scale))), interpolation=cv2.INTER_AREA
    )
    lab = cv2.cvtColor(small, cv2.COLOR_RGB2LAB).astype(np.float32)
    border = np.concatenate(
        [
            lab[:3].reshape(-1, 3),
            lab[-3:].reshape(-1, 3),
            lab[:, :3].reshape(-1, 3),
            lab[:, -3:].reshape(-1, 3),
        ]
    )
    background = np.median(border, axis=0)
    distance = np.linalg.norm(lab - background, axis=2)
    border_noise = float(np.percentile(np.linalg.norm(border - background, axis=1), 95))
    seed = distance > max(8.0, 2.5 * border_noise)
    seed = cv2.morphologyEx(seed.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    # A white garment on a white background barely differs in colour, but its outline shows.
    seed = np.maximum(seed, _edge_seed(small))
    if seed.sum() < 0.01 * seed.size:
        raise NoGarmentDetected()

    # Where most pixels are clearly garment or clearly background, the seed is the answer
    # (IoU >= 0.957 against GrabCut on every clean product photo of the test data, at no cost).
    # GrabCut earns its ~50 ms on the ambiguous ones: white on white, busy backgrounds.
    threshold = max(8.0, 2.5 * border_noise)
    ambiguous = float(((distance > threshold / 2) & (distance < 2 * threshold)).mean())
    if ambiguous < AMBIGUOUS_SHARE_FOR_GRABCUT:
        mask = largest_component_filled(seed.astype(np.uint8))
        return _to_full_size(mask, width, height, scale)
    # GrabCut: border is sure background, the colour-distinct core is sure foreground.
    gc = np.full(seed.shape, cv2.GC_PR_BGD, np.uint8)
    gc[seed > 0] = cv2.GC_PR_FGD
    core = cv2.erode(seed, np.ones((5, 5), np.uint8))
    gc[core > 0] = cv2.GC_FGD
    gc[:2, :] = gc[-2:, :] = cv2.GC_BGD
    gc[:, :2] = gc[:, -2:] = cv2.GC_BGD
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    try:
        bgr = cv2.cvtColor(small, cv2.COLOR_RGB2BGR)
        cv2.grabCut(bgr, gc, (0, 0, 0, 0), bgd, fgd, 2, cv2.GC_INIT_WITH_MASK)
        mask = np.isin(gc, (cv2.GC_FGD, cv2.GC_PR_FGD)).astype(np.uint8)
    except cv2.error:
        mask = seed
    return _to_full_size(largest_component_filled(mask), width, height, scale)


def _to_full_size(mask: np.ndarray, width: int, height: int, scale: float) -> np.ndarray:
    """Upsample an analysis-size uint8 {0,1} mask to float32 (height, width) with soft edges."""
    if mask.sum() < 0.02 * mask.size:
        raise NoGarmentDetected()
    full = cv2.resize(mask.astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR)
    return np.clip(cv2.GaussianBlur(full, (0, 0), max(1.0, 0.6 / scale)) * 1.4 - 0.2, 0.0, 1.0)


def _edge_seed(small: np.ndarray) -> np.ndarray:
    """uint8 {0,1}: the filled outline of the largest closed edge contour of an RGB image."""
    gray = cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY), (3, 3), 0)
    edges = cv2.Canny(gray, 8, 24)
    edges[:3, :] = edges[-3:, :] = 0  # the photo's own frame is not an outline
    edges[:, :3] = edges[:, -3:] = 0
    closed = cv2.morphologyEx(edges, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
    filled = largest_component_filled((closed > 0).astype(np.uint8))
    if filled.sum() < 0.05 * filled.size:  # an open outline fills nothing useful
        return np.zeros_like(filled)
    return cv2.erode(filled, np.ones((3, 3), np.uint8))


def largest_component_filled(mask: np.ndarray) -> np.ndarray:
    """Keep the largest 8-connected component of a uint8 {0,1} mask and fill its holes."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count <= 1:
        return np.zeros_like(mask)
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    mask = (labels == largest).astype(np.uint8)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    filled = np.zeros_like(mask)
    cv2.drawContours(filled, contours, -1, (1,), thickness=cv2.FILLED)
    return filled


def _run_through(row: np.ndarray, x: int) -> tuple[int, int] | None:
    """(first, last) column of the run of True in a bool row that contains column x."""
    if not 0 <= x < row.size or not row[x]:
        return None
    gaps_left = np.flatnonzero(~row[:x])
    gaps_right = np.flatnonzero(~row[x:])
    first = int(gaps_left[-1]) + 1 if gaps_left.size else 0
    last = x + int(gaps_right[0]) - 1 if gaps_right.size else row.size - 1
    return first, last


@dataclass(frozen=True)
class TopLandmarks:
    """Landmarks of an upper-body garment seen from the front; float32 (2,) points each.

    `left_*` is image-left. A sleeveless top has `left_cuff`/`right_cuff` equal to its armpits.
    """

    neck: np.ndarray
    left_shoulder: np.ndarray
    right_shoulder: np.ndarray
    left_armpit: np.ndarray
    right_armpit: np.ndarray
    left_cuff: np.ndarray
    right_cuff: np.ndarray
    left_hem: np.ndarray
    right_hem: np.ndarray
    torso_left: float  # x of the torso's edges, below the sleeves
    torso_right: float

    @property
    def torso_width(self) -> float:
        return float(self.torso_right - self.torso_left)

    def has_sleeve(self, side: str) -> bool:
        pit, cuff = (
            (self.left_armpit, self.left_cuff) if side == "left" else (self.right_armpit, self.right_cuff)
        )
        return bool(np.linalg.norm(cuff - pit) > 1.0)


def _vertical_extent(mask: np.ndarray) -> tuple[np.ndarray, int, int, int]:
    """(mask > 0.5, first row, last row, rows spanned) of a garment's mask; raises
    NoGarmentDetected when it spans fewer than 8 rows."""
    binary = mask > 0.5
    rows = np.flatnonzero(binary.any(axis=1))
    if rows.size < 8:
        raise NoGarmentDetected()
    top, bottom = int(rows[0]), int(rows[-1])
    return binary, top, bottom, bottom - top + 1


def _reduced(mask: np.ndarray) -> tuple[np.ndarray, float]:
    """The mask at most _LANDMARK_SIDE px on its long side, and the factor it was scaled by."""
    scale = min(1.0, _LANDMARK_SIDE / max(mask.shape))
    if scale == 1.0:
        return mask, 1.0
    size = (max(1, round(mask.shape[1] * scale)), max(1, round(mask.shape[0] * scale)))
    return cv2.resize(mask, size, interpolation=cv2.INTER_AREA), scale


def _rescaled(marks: MarksT, scale: float) -> MarksT:
    """Landmarks found on a reduced mask, in the full mask's pixels."""
    if scale == 1.0:
        return marks
    values = {
        f.name: (
            getattr(marks, f.name) / scale
            if not isinstance(getattr(marks, f.name), bool)
            else getattr(marks, f.name)
        )
        for f in fields(marks)
    }
    return type(marks)(**values)


def find_top_landmarks(
    mask: np.ndarray, torso_band: tuple[float, float] = (0.6, 0.9), sleeve_depth: float = 0.75
) -> TopLandmarks:
    """Landmarks of a top (or dress), read off the mask at reduced resolution (see `_top_landmarks`)."""
    small, scale = _reduced(mask)
    return _rescaled(_top_landmarks(small, torso_band, sleeve_depth), scale)


def _top_landmarks(mask: np.ndarray, torso_band: tuple[float, float], sleeve_depth: float) -> TopLandmarks:
    """Landmarks of a top (or dress) from its mask, float32 (H, W) in [0, 1].

    The torso band is the garment's extent over `torso_band` of its height (below the
    sleeves; a dress's bodice sits higher, at (0.3, 0.45)); what lies outside that band in
    the upper three quarters is sleeve. The hem points are the real extents of the bottom
    rows (a flared skirt is wider than the torso). Sleeves are searched in the top
    `sleeve_depth` of the height (a dress: 0.4, above its skirt).
    """
    binary, top, bottom, height = _vertical_extent(mask)
    lefts = np.array([np.argmax(r) if r.any() else -1 for r in binary], dtype=np.int64)
    rights = np.array([len(r) - 1 - np.argmax(r[::-1]) if r.any() else -1 for r in binary], dtype=np.int64)

    # Torso edges: in each row of the band, the run of garment pixels through the centre line.
    # Long sleeves hang beside the torso; taking the outermost pixels would count them in.
    center = int(round(float(np.median(np.nonzero(binary[top : top + max(1, height // 4)])[1]))))
    band = np.arange(top + int(torso_band[0] * height), top + int(torso_band[1] * height) + 1)
    runs = [r for y in band if (r := _run_through(binary[y], center)) is not None]
    if not runs:
        raise NoGarmentDetected()
    torso_left = float(np.median([r[0] for r in runs]))
    torso_right = float(np.median([r[1] for r in runs]))
    extent = np.where(lefts >= 0, rights - lefts, 0)
    # Sleeves that touch the torso join its run; the span just below the collar (the shoulder
    # seams) bounds the torso then.
    seam_row = top + int(0.14 * height)
    if 0 < extent[seam_row] < torso_right - torso_left:
        half = 0.5 * float(extent[seam_row])
        mid = 0.5 * float(lefts[seam_row] + rights[seam_row])
        torso_left, torso_right = mid - half, mid + half
    torso_width = max(1.0, torso_right - torso_left)
    center_x = 0.5 * (torso_left + torso_right)

    # Shoulder height: first row whose extent reaches 85 % of the torso width.
    wide = np.flatnonzero(extent >= 0.85 * torso_width)
    shoulder_y = float(wide[0]) if wide.size else top + 0.1 * height
    shoulder_y = min(shoulder_y, top + 0.25 * height)

    def sleeve(side: int) -> tuple[np.ndarray, np.ndarray]:
        """(armpit, cuff) on one side: side=-1 image-left, +1 image-right."""
        edge = torso_left if side < 0 else torso_right
        margin = 0.04 * torso_width
        upper = slice(top, top + int(sleeve_depth * height))
        ys, xs = np.nonzero(binary[upper])
        ys = ys + top
        outside = (xs < edge - margin) if side < 0 else (xs > edge + margin)
        if outside.sum() < 0.002 * torso_width * height:
            armpit = np.array([edge, shoulder_y + 0.35 * torso_width], np.float32)
            return armpit, armpit.copy()
        sx, sy = xs[outside], ys[outside]
        shoulder = np.array([edge, shoulder_y])
        far = np.argmax((sx - shoulder[0]) ** 2 + (sy - shoulder[1]) ** 2)
        cuff = np.array([sx[far], sy[far]], np.float32)
        near = np.abs(sx - edge) < 3 * margin
        armpit_y = float(sy[near].max()) if near.any() else shoulder_y + 0.35 * torso_width
        # A long sleeve hanging beside the torso touches it far below the armpit.
        armpit_y = float(np.clip(armpit_y, shoulder_y + 0.2 * torso_width, shoulder_y + 0.5 * torso_width))
        # The cuff point is the outer corner; use the middle of the cuff edge instead.
        cuff_pixels = (np.abs(sx - cuff[0]) + np.abs(sy - cuff[1])) < 0.12 * torso_width
        cuff = np.array([sx[cuff_pixels].mean(), sy[cuff_pixels].mean()], np.float32)
        return np.array([edge, armpit_y], np.float32), cuff

    left_armpit, left_cuff = sleeve(-1)
    right_armpit, right_cuff = sleeve(+1)
    hem_rows = np.arange(max(top, bottom - max(2, int(0.03 * height))), bottom + 1)
    hem_rows = hem_rows[lefts[hem_rows] >= 0]
    hem_left = min(torso_left, float(np.median(lefts[hem_rows])))
    hem_right = max(torso_right, float(np.median(rights[hem_rows])))
    hem_y = float(bottom)
    return TopLandmarks(
        neck=np.array([center_x, float(top)], np.float32),
        left_shoulder=np.array([torso_left, shoulder_y], np.float32),
        right_shoulder=np.array([torso_right, shoulder_y], np.float32),
        left_armpit=left_armpit,
        right_armpit=right_armpit,
        left_cuff=left_cuff,
        right_cuff=right_cuff,
        left_hem=np.array([hem_left, hem_y], np.float32),
        right_hem=np.array([hem_right, hem_y], np.float32),
        torso_left=torso_left,
        torso_right=torso_right,
    )


def split_top(mask: np.ndarray, marks: TopLandmarks) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(torso, left sleeve, right sleeve) parts of a top's float32 (H, W) mask.

    Sleeves are what lies beyond the torso's edges (image-left / image-right), plus the
    shoulder cap above the armpit just inside them: carried along the arm, it covers the
    deltoid. The torso part keeps a margin too, so that the parts overlap instead of leaving
    a gap; sleeves are drawn over the torso.
    """
    xs = np.arange(mask.shape[1], dtype=np.float32)[None, :]
    ys = np.arange(mask.shape[0], dtype=np.float32)[:, None]
    margin = 0.03 * marks.torso_width
    cap = 0.08 * marks.torso_width
    left = (xs < marks.torso_left - margin) | ((xs < marks.torso_left + cap) & (ys < marks.left_armpit[1]))
    right = (xs > marks.torso_right + margin) | (
        (xs > marks.torso_right - cap) & (ys < marks.right_armpit[1])
    )
    torso = mask * ((xs >= marks.torso_left - 2 * margin) & (xs <= marks.torso_right + 2 * margin))
    return torso.astype(np.float32), (mask * left).astype(np.float32), (mask * right).astype(np.float32)


@dataclass(frozen=True)
class BottomLandmarks:
    """Landmarks of trousers, shorts or a skirt seen from the front; float32 (2,) points.

    For a skirt (`is_skirt`), the leg points are the hem's corners and `crotch` its centre.
    """

    waist_left: np.ndarray
    waist_right: np.ndarray
    crotch: np.ndarray
    left_hem_outer: np.ndarray
    left_hem_inner: np.ndarray
    right_hem_inner: np.ndarray
    right_hem_outer: np.ndarray
    is_skirt: bool

    @property
    def waist_width(self) -> float:
        return float(self.waist_right[0] - self.waist_left[0])

    @property
    def waist_center(self) -> np.ndarray:
        return 0.5 * (self.waist_left + self.waist_right)

    def leg_axis(self, side: str) -> tuple[np.ndarray, np.ndarray]:
        """(root at the waist, tip at the opening's centre) of one leg."""
        if side == "left":
            root = 0.5 * (self.waist_left + self.waist_center)
            tip = 0.5 * (self.left_hem_outer + self.left_hem_inner)
        else:
            root = 0.5 * (self.waist_right + self.waist_center)
            tip = 0.5 * (self.right_hem_outer + self.right_hem_inner)
        return root.astype(np.float32), tip.astype(np.float32)


def find_bottom_landmarks(mask: np.ndarray) -> BottomLandmarks:
    """Landmarks of a bottom, read off the mask at reduced resolution (see `_bottom_landmarks`)."""
    small, scale = _reduced(mask)
    return _rescaled(_bottom_landmarks(small), scale)


def _bottom_landmarks(mask: np.ndarray) -> BottomLandmarks:
    """Waistband, crotch and leg openings from a bottom's float32 (H, W) mask.

    The crotch is where the background gap between the legs ends, scanning up the centre
    line from the hem; no gap (or a very short one) means a skirt.
    """
    binary, top, bottom, height = _vertical_extent(mask)
    waist_y = top + max(1, int(0.02 * height))
    waist_cols = np.flatnonzero(binary[waist_y])
    if waist_cols.size < 2:
        raise NoGarmentDetected()
    waist_left, waist_right = float(waist_cols[0]), float(waist_cols[-1])
    center = int(round(0.5 * (waist_left + waist_right)))

    column = binary[top : bottom + 1, center]
    filled = np.flatnonzero(column)
    crotch_y = float(top + filled[-1]) if filled.size else float(bottom)
    is_skirt = crotch_y > bottom - 0.12 * height

    def opening(side: str) -> tuple[np.ndarray, np.ndarray]:
        half = binary[:, :center] if side == "left" else binary[:, center:]
        offset = 0 if side == "left" else center
        half_rows = np.flatnonzero(half.any(axis=1))
        y = int(half_rows[-1]) if half_rows.size else bottom
        band = half[max(top, y - max(2, int(0.03 * height))) : y + 1]
        cols = np.flatnonzero(band.any(axis=0)) + offset
        if cols.size == 0:
            cols = np.array([center, center])
        outer, inner = (cols[0], cols[-1]) if side == "left" else (cols[-1], cols[0])
        return np.array([outer, y], np.float32), np.array([inner, y], np.float32)

    left_outer, left_inner = opening("left")
    right_outer, right_inner = opening("right")
    if is_skirt:
        hem_mid = 0.5 * (left_outer + right_outer)
        left_inner = right_inner = hem_mid.astype(np.float32)
        crotch_y = float(hem_mid[1])
    return BottomLandmarks(
        waist_left=np.array([waist_left, waist_y], np.float32),
        waist_right=np.array([waist_right, waist_y], np.float32),
        crotch=np.array([center, crotch_y], np.float32),
        left_hem_outer=left_outer,
        left_hem_inner=left_inner,
        right_hem_inner=right_inner,
        right_hem_outer=right_outer,
        is_skirt=bool(is_skirt),
    )
