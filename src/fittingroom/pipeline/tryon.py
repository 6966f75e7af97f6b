"""The local try-on, as a recipe: validate, then five numbered stages, a callback before each.

    result = run_outfit(person_rgb, [GarmentInput(bottom, "bottom"), GarmentInput(top, "top")], models)
    result = run_tryon(person_rgb, garment_rgb, models, category="top")   # one garment

Garments are drawn in the order given, which is the outfit plan's z-order (bottom, then top,
dress, outerwear). Every stage reports its `Step` (and so the contract's progress) before it
runs, so a poller sees the stage in progress.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from fittingroom.errors import BodyNotVisible, InvalidOption
from fittingroom.pipeline import blend, garment, inpaint, parsing, placement, pose, worn
from fittingroom.pipeline.checks import check_rgb
from fittingroom.pipeline.fit import Layer, close_seams, render_layer
from fittingroom.pipeline.models import Models
from fittingroom.pipeline.pose import Landmark
from fittingroom.pipeline.stages import Step

#: Categories the local pipeline renders.
SUPPORTED_CATEGORIES = ("top", "bottom", "dress", "outerwear")
STYLES = {"top": ("untucked", "tucked"), "outerwear": ("closed", "open")}
MAX_GARMENTS = 4

StepCallback = Callable[[Step], None]
Landmarks = garment.TopLandmarks | garment.BottomLandmarks
Analysed = tuple[np.ndarray, Landmarks | None]  # (mask float32 (H, W), landmarks if already known)


@dataclass(frozen=True)
class GarmentInput:
    """One garment of an outfit. image: uint8 (H, W, 3) RGB product photo.

    style: for a top "untucked" (default) or "tucked" (only matters over a bottom);
    for outerwear "closed" (default) or "open". photo_type "model" cuts the garment out of a
    photo of someone wearing it; "auto" decides from the photo.
    """

    image: np.ndarray
    category: str = "top"
    style: str | None = None
    photo_type: str = "auto"  # "auto", "flat-lay" (product photo) or "model" (worn by a person)


@dataclass(frozen=True)
class ConfidenceSignals:
    """What a quality score uses; every field in [0, 1]."""

    pose_visibility: float  # mean MediaPipe visibility of the joints the outfit is fitted to
    mask_certainty: float  # how decisive the person mask is (1 = every pixel 0 or 1)
    garment_coverage: float  # share of the old clothing in the target regions now covered
    synthesized_fraction: float  # share of the person's pixels that had to be invented

    def as_dict(self) -> dict[str, float]:
        return {k: round(float(v), 4) for k, v in self.__dict__.items()}


@dataclass
class TryOnResult:
    image: np.ndarray  # uint8 (H, W, 3) RGB, the person photo's size capped at max_side
    signals: ConfidenceSignals
    coverage: np.ndarray  # float32 (H, W) in [0, 1]: where the new garments are drawn
    timings: dict[str, float] = field(default_factory=dict)  # seconds per step


def fit_to_side(image: np.ndarray, max_side: int) -> np.ndarray:
    """Downscale (never upscale) so that the long side is at most `max_side` pixels."""
    h, w = image.shape[:2]
    scale = max_side / max(h, w)
    if scale >= 1.0:
        return image
    return cv2.resize(
        image, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA
    )


def validate_outfit(garments: Sequence[GarmentInput]) -> None:
    """Raise InvalidOption for an empty or oversized outfit, an unknown category or style."""
    if not 1 <= len(garments) <= MAX_GARMENTS:
        raise InvalidOption(f"An outfit has 1 to {MAX_GARMENTS} garments, got {len(garments)}")
    for item in garments:
        check_rgb(item.image, f"{item.category} image")
        if item.category not in SUPPORTED_CATEGORIES:
            raise InvalidOption(f"The local pipeline cannot render category '{item.category}'")
        allowed = STYLES.get(item.category, ())
        if item.style is not None and item.style not in allowed:
            raise InvalidOption(f"Style '{item.style}' does not apply to a {item.category}")
        if item.photo_type not in worn.PHOTO_TYPES:
            raise InvalidOption(f"Invalid garment_photo_type '{item.photo_type}'")


def run_tryon(
    person_image: np.ndarray,
    garment_image: np.ndarray,
    models: Models,
    *,
    category: str = "top",
    max_side: int = 1024,
    on_step: StepCallback | None = None,
) -> TryOnResult:
    """Dress the person in one garment (see `run_outfit`)."""
    return run_outfit(
        person_image, [GarmentInput(garment_image, category)], models, max_side=max_side, on_step=on_step
    )


def run_outfit(
    person_image: np.ndarray,
    garments: Sequence[GarmentInput],
    models: Models,
    *,
    max_side: int = 1024,
    on_step: StepCallback | None = None,
) -> TryOnResult:
    """Dress the person in 1-4 garments, drawn in the given (z) order.

    person_image: uint8 (H, W, 3) RGB. Returns the person at up to `max_side` px on the long
    side. Raises NoPersonDetected / NoGarmentDetected (job failures with a message) and
    InvalidOption for an outfit this pipeline cannot render.
    """
    check_rgb(person_image, "person image")
    validate_outfit(garments)
    report = on_step or (lambda _step: None)
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(step: Step) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[step.value] = now - clock
        clock = now

    person = fit_to_side(person_image, max_side)
    height, width = person.shape[:2]
    categories = [g.category for g in garments]

    # 1. Segmentation: the person's silhouette (with the pose, one network pass) and each garment's.
    report(Step.SEGMENTATION)
    body_pose = pose.detect_pose(person, models)
    garment_rgbs = [fit_to_side(g.image, 1024) for g in garments]
    analysed = [_analyse_garment(g, rgb, models) for g, rgb in zip(garments, garment_rgbs, strict=True)]
    lap(Step.SEGMENTATION)

    # 2. Pose: the person's parts and skeleton; each garment's landmarks and placement.
    report(Step.POSE)
    _require_visible(body_pose, categories, height)
    parts = parsing.parse_person(person, body_pose)
    frame = placement.BodyFrame.from_pose(body_pose)
    torso_only = parts.person & ~parts.arms
    cap = 0.75 * frame.shoulder_span

    def torso_half(point: np.ndarray) -> float:
        return parsing.half_width_across(torso_only, point, frame.across, cap)

    fitted = [
        _place(g.category, mask, marks, frame, torso_half)
        for g, (mask, marks) in zip(garments, analysed, strict=True)
    ]
    fitted = [(_with_limb_widths(place, parts.person, frame), panel, limbs) for place, panel, limbs in fitted]
    lap(Step.POSE)

    # 3. Warp: each garment's body panel smoothly, each sleeve and trouser leg along its bones.
    report(Step.WARP)
    layers = [
        render_layer(g.category, rgb, panel, limbs, place, (height, width))
        for g, rgb, (place, panel, limbs) in zip(garments, garment_rgbs, fitted, strict=True)
    ]
    seam_radius = 0.12 * frame.shoulder_span
    for item, layer, (place, _, _) in zip(garments, layers, fitted, strict=True):
        old_below = parts.lower_clothing if item.category == "bottom" else parts.upper_clothing
        close_seams(layer, old_below & ~parts.in_front, seam_radius)
        _apply_style(item, layer, place, layers, fitted, frame)
        layer.alpha[parts.in_front] = 0.0
        # Bare forearms in front of the body stay in front of a body panel, behind a sleeve.
        panel_only = parts.forearm_skin & (layer.limb_alpha < 0.5)
        layer.alpha[panel_only] = 0.0
    coverage = np.max([layer.alpha for layer in layers], axis=0)  # occluders already cut out
    lap(Step.WARP)

    # 4. Inpainting: where old clothing shows and the new outfit will not cover, restore what
    # is behind: bare skin on the body, background elsewhere.
    report(Step.INPAINTING)
    old = np.zeros((height, width), bool)
    if any(c in ("top", "dress") for c in categories):
        old |= parts.upper_clothing  # outerwear alone replaces only what it covers: the top stays
    if any(c in ("bottom", "dress") for c in categories):
        old |= parts.lower_clothing
    covered = cv2.dilate((coverage > 0.5).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    exposed = old & ~covered
    to_skin = exposed & parts.body_core
    cleaned = inpaint.fill_region(person, exposed & ~parts.body_core)
    cleaned = inpaint.synthesize_skin(cleaned, to_skin, parts.skin_rgb)
    lap(Step.INPAINTING)

    # 5. Blend: the person's folds and shadows carried onto each layer, soft edges, z-order.
    report(Step.BLEND)
    edge_px = max(1.0, 0.003 * max(height, width))
    shading = blend.shading_map(person, coverage > 0.01)
    image = cleaned
    for layer in layers:
        alpha = blend.feather(layer.alpha, edge_px)
        alpha[parts.in_front] = 0.0
        image = blend.composite(image, layer.rgb, alpha, shading)
    lap(Step.BLEND)

    signals = _signals(body_pose, parts, categories, coverage, old, exposed)
    report(Step.DONE)
    return TryOnResult(image=image, signals=signals, coverage=coverage, timings=timings)


def _require_visible(body_pose: pose.BodyPose, categories: list[str], height: int) -> None:
    """Refuse a bottom or dress on a photo that does not show the hips (a selfie). Legs that
    run out of the frame are fine: the garment is drawn as far as the photo goes."""
    hips = (Landmark.LEFT_HIP, Landmark.RIGHT_HIP)
    for category in categories:
        if category not in ("bottom", "dress"):
            continue
        in_frame = all(0 <= body_pose[j][1] < height for j in hips)
        if not in_frame or float(body_pose.visibility[list(hips)].min()) < 0.3:
            raise BodyNotVisible(category, "hips")


def _analyse_garment(item: GarmentInput, image: np.ndarray, models: Models) -> Analysed:
    """The garment's mask and, for a photo of someone wearing it, landmarks from their pose."""
    photo_type = item.photo_type
    if photo_type == "auto":
        photo_type = worn.detect_photo_type(image, models)
    if photo_type == "model":
        cut = worn.extract_worn_garment(image, item.category, models)
        return cut.mask, cut.top or cut.bottom
    return garment.segment_garment(image), None


def _place(
    category: str,
    mask: np.ndarray,
    known: Landmarks | None,
    frame: placement.BodyFrame,
    torso_half: Callable[[np.ndarray], float] | None = None,
) -> tuple[placement.Placement, np.ndarray | None, list[np.ndarray]]:
    """(placement, panel part, limb parts in placement order) of one garment.

    `known` landmarks (from a model's pose) are used as given; otherwise they are found on the mask.
    """
    if category == "bottom":
        marks_b = known if isinstance(known, garment.BottomLandmarks) else garment.find_bottom_landmarks(mask)
        place = placement.place_bottom(marks_b, frame)
        if marks_b.is_skirt:
            return place, mask, []
        xs = np.arange(mask.shape[1], dtype=np.float32)[None, :]
        center = float(marks_b.waist_center[0])
        return (
            place,
            None,
            [(mask * (xs < center)).astype(np.float32), (mask * (xs >= center)).astype(np.float32)],
        )
    if isinstance(known, garment.TopLandmarks):
        marks = known
    elif category == "dress":
        marks = garment.find_top_landmarks(mask, torso_band=(0.3, 0.45), sleeve_depth=0.4)
    else:
        marks = garment.find_top_landmarks(mask)
    place = placement.place_upper(marks, frame, torso_half)
    torso, left, right = garment.split_top(mask, marks)
    limb_parts = [left if spec.side == 0 else right for spec in place.limbs]
    return place, torso, limb_parts


def _with_limb_widths(
    place: placement.Placement, person: np.ndarray, frame: placement.BodyFrame
) -> placement.Placement:
    """The placement with each limb's half width measured on the person's silhouette."""
    cap = parsing.ARM_RADIUS_PER_SPAN * frame.shoulder_span  # wider is the torso or a blob beside the arm
    limbs = [
        dataclasses.replace(
            spec, body_half_width=parsing.limb_half_width(person, spec.bones[0], spec.bones[1], cap)
        )
        for spec in place.limbs
    ]
    return dataclasses.replace(place, limbs=limbs)


def _apply_style(
    item: GarmentInput,
    layer: Layer,
    place: placement.Placement,
    layers: list[Layer],
    fitted: list[tuple[placement.Placement, np.ndarray | None, list[np.ndarray]]],
    frame: placement.BodyFrame,
) -> None:
    """Tucked tops end at the waistband of the outfit's bottom; open outerwear shows what is under."""
    height, width = layer.alpha.shape
    if item.category == "top" and item.style == "tucked":
        waists = [
            p.waist_y
            for (p, _, _), other in zip(fitted, layers, strict=True)
            if other.category == "bottom" and p.waist_y is not None
        ]
        if waists:
            cut = int(max(0, min(height, waists[0] + 0.02 * frame.torso_length)))
            layer.alpha[cut:] = layer.limb_alpha[cut:]  # the body panel disappears into the waistband
    if item.category == "outerwear" and item.style == "open" and place.panel is not None:
        neck, hem = place.panel.body[0], place.panel.body[-1]
        span = frame.shoulder_span
        opening = np.array(
            [
                neck - [0.09 * span, 0],
                neck + [0.09 * span, 0],
                hem + [0.22 * span, 0],
                hem - [0.22 * span, 0],
            ],
            np.int32,
        )
        cut_mask = np.zeros((height, width), np.uint8)
        cv2.fillConvexPoly(cut_mask, opening, (1,))
        front = (cut_mask > 0) & (layer.limb_alpha < 0.5)
        layer.alpha[front] = 0.0


def _signals(
    body_pose: pose.BodyPose,
    parts: parsing.PersonParse,
    categories: list[str],
    coverage: np.ndarray,
    old: np.ndarray,
    synthesized: np.ndarray,
) -> ConfidenceSignals:
    joints = [
        Landmark.LEFT_SHOULDER,
        Landmark.RIGHT_SHOULDER,
        Landmark.LEFT_ELBOW,
        Landmark.RIGHT_ELBOW,
        Landmark.LEFT_HIP,
        Landmark.RIGHT_HIP,
    ]
    if "bottom" in categories or "dress" in categories:
        joints += [Landmark.LEFT_KNEE, Landmark.RIGHT_KNEE]
    person_px = max(int(parts.person.sum()), 1)
    ys, xs = np.nonzero(parts.person)
    box = (
        body_pose.person_mask[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
        if ys.size
        else body_pose.person_mask
    )
    target = old | ((coverage > 0.5) & parts.person)
    covered = float(((coverage > 0.5) & target).sum()) / max(int(target.sum()), 1)
    return ConfidenceSignals(
        pose_visibility=float(body_pose.visibility[joints].mean()),
        mask_certainty=float(np.abs(2.0 * box - 1.0).mean()),
        garment_coverage=covered,
        synthesized_fraction=float(synthesized.sum()) / person_px,
    )
