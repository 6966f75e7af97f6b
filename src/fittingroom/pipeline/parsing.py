"""Person parsing from pose landmarks, the person mask and a skin model calibrated on the face.

Masks are bool (H, W). Coordinates as in `pose`. The parts:
    head         face, hair and neck above the collar line (always in front of garments)
    hair         hair, also where it falls over the shoulders (in front of garments)
    hands        hands and wrists (in front of garments)
    feet         feet and shoes below the ankles (in front of garments)
    arms, legs   bands around the arm and leg bones, wherever the limbs are
    forearm_skin bare forearm skin (in front of a garment's body panel, behind its sleeves)
    body_core    where the body itself is (torso, tapered limbs, neck): bare skin when uncovered
    upper_clothing, lower_clothing   what the current top / bottom cover
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from fittingroom.pipeline.blend import bounding_box
from fittingroom.pipeline.placement import BodyFrame
from fittingroom.pipeline.pose import BodyPose, Landmark

GENERIC_SKIN = (np.array([150.0, 110.0]), np.diag([120.0, 120.0]))  # (Cr, Cb) when no face is visible
ARM_RADIUS_PER_SPAN = 0.16  # an arm's half width, as a fraction of the shoulder span
LUMA_TOLERANCE = 55.0  # skin lit differently from the face still falls within this (Y, 0-255)


@dataclass(frozen=True)
class PersonParse:
    person: np.ndarray
    skin: np.ndarray
    head: np.ndarray
    hair: np.ndarray
    hands: np.ndarray
    feet: np.ndarray
    arms: np.ndarray
    legs: np.ndarray
    forearm_skin: np.ndarray
    body_core: np.ndarray
    upper_clothing: np.ndarray
    lower_clothing: np.ndarray
    skin_rgb: np.ndarray  # float32 (3,), the face's median colour
    collar_y: float

    @property
    def in_front(self) -> np.ndarray:
        """What stays in front of every garment layer."""
        return self.head | self.hair | self.hands | self.feet


def skin_model(image: np.ndarray, pose: BodyPose) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mean (Cr, Cb), covariance 2x2, median RGB) over the face between the eyes and the mouth."""
    ycrcb = cv2.cvtColor(image, cv2.COLOR_RGB2YCrCb)
    eyes = 0.5 * (pose[Landmark.LEFT_EYE] + pose[Landmark.RIGHT_EYE])
    mouth = 0.5 * (pose[Landmark.MOUTH_LEFT] + pose[Landmark.MOUTH_RIGHT])
    eye_gap = max(float(np.linalg.norm(pose[Landmark.LEFT_EYE] - pose[Landmark.RIGHT_EYE])), 4.0)
    center = 0.5 * (eyes + mouth)
    half = int(max(2, 0.6 * eye_gap))
    x, y = int(center[0]), int(center[1])
    h, w = image.shape[:2]
    box = (slice(max(0, y - half), min(h, y + half)), slice(max(0, x - half), min(w, x + half)))
    samples = ycrcb[box][..., 1:].reshape(-1, 2).astype(np.float64)
    if len(samples) < 10:
        return GENERIC_SKIN[0], GENERIC_SKIN[1], np.array([200.0, 160.0, 140.0], np.float32)
    cov = np.cov(samples.T) + np.diag([9.0, 9.0])  # a floor, so that a flat patch is not too strict
    rgb = np.median(image[box].reshape(-1, 3).astype(np.float32), axis=0)
    return samples.mean(axis=0), cov, rgb


def skin_mask(
    image: np.ndarray, mean: np.ndarray, cov: np.ndarray, luma: float | None = None, threshold: float = 3.0
) -> np.ndarray:
    """Pixels within `threshold` Mahalanobis units of the (Cr, Cb) skin model and, when the
    face's luma (Y, 0-255) is given, within LUMA_TOLERANCE of it: beige and khaki cloth share
    skin's chroma but are much lighter or darker than the face."""
    ycrcb = cv2.cvtColor(image, cv2.COLOR_RGB2YCrCb)
    crcb = ycrcb[..., 1:].astype(np.float32) - mean.astype(np.float32)
    inv = np.linalg.inv(cov).astype(np.float32)
    near = np.einsum("ijk,kl,ijl->ij", crcb, inv, crcb, optimize=True) < threshold**2
    if luma is None:
        return near
    return near & (np.abs(ycrcb[..., 0].astype(np.float32) - luma) < LUMA_TOLERANCE)


def band_around(bones: list[np.ndarray], radius: float, shape: tuple[int, int]) -> np.ndarray:
    """Pixels within `radius` of a polyline of points."""
    canvas = np.zeros(shape, np.uint8)
    thickness = max(1, int(round(2 * radius)))
    for a, b in zip(bones, bones[1:], strict=False):
        cv2.line(canvas, (int(a[0]), int(a[1])), (int(b[0]), int(b[1])), (1,), thickness=thickness)
    return canvas > 0


def tapered_band(points: list[np.ndarray], radii: list[float], shape: tuple[int, int]) -> np.ndarray:
    """Pixels within a limb whose radius varies linearly from joint to joint (thigh to ankle)."""
    canvas = np.zeros(shape, np.uint8)
    for (a, ra), (b, rb) in zip(
        zip(points, radii, strict=True), list(zip(points, radii, strict=True))[1:], strict=False
    ):
        d = b - a
        n = np.array([-d[1], d[0]]) / max(float(np.linalg.norm(d)), 1e-6)
        quad = np.array([a + n * ra, b + n * rb, b - n * rb, a - n * ra], np.int32)
        cv2.fillConvexPoly(canvas, quad, (1,))
    for point, radius in zip(points, radii, strict=True):
        cv2.circle(canvas, (int(point[0]), int(point[1])), int(radius), (1,), thickness=-1)
    return canvas > 0


def half_width_across(region: np.ndarray, center: np.ndarray, direction: np.ndarray, cap: float) -> float:
    """Mean distance (pixels) from `center` to the edge of `region` (bool (H, W)) going both
    ways along the unit vector `direction`, each side capped at `cap`. 0 when `center` is
    outside the region or the frame."""
    h, w = region.shape
    x, y = int(center[0]), int(center[1])
    if not (0 <= x < w and 0 <= y < h and region[y, x]):
        return 0.0
    reach = []
    for sign in (1.0, -1.0):
        distance = 0.0
        while distance < cap:
            px, py = center + sign * (distance + 1.0) * direction
            if not (0 <= int(px) < w and 0 <= int(py) < h and region[int(py), int(px)]):
                break
            distance += 1.0
        reach.append(distance)
    return 0.5 * (reach[0] + reach[1])


def limb_half_width(person: np.ndarray, a: np.ndarray, b: np.ndarray, cap: float) -> float:
    """Half the width (pixels) of the person's silhouette (bool (H, W)) across the bone a->b
    at its middle, capped at `cap` (an arm against the torso would otherwise measure the torso)."""
    d = b - a
    normal = np.array([-d[1], d[0]]) / max(float(np.linalg.norm(d)), 1e-6)
    return half_width_across(person, 0.5 * (a + b), normal, cap)


class ColourField:
    """An image's Lab colours inside a box, prepared for many "pixels like this sample" queries.

    |x - m|^2 = |x|^2 - 2 x.m + |m|^2: with |x|^2 computed once, each query is one
    matrix-vector product instead of a fresh difference image.
    """

    def __init__(self, image: np.ndarray, box: tuple[slice, slice]) -> None:
        h, w = image.shape[:2]
        self.box = box
        self.lab = np.zeros((h, w, 3), np.float32)
        self.lab[box] = cv2.cvtColor(image[box], cv2.COLOR_RGB2LAB).astype(np.float32)
        crop = self.lab[box]
        self._crop_shape = crop.shape[:2]
        self._flat = crop.reshape(-1, 3)
        self._squared = np.einsum("ij,ij->i", self._flat, self._flat)

    def patch(self, point: np.ndarray, half: int) -> np.ndarray:
        """float32 (n, 3): the Lab colours of the square of half-size `half` around `point`."""
        h, w = self.lab.shape[:2]
        x, y = int(np.clip(point[0], 0, w - 1)), int(np.clip(point[1], 0, h - 1))
        return self.lab[max(0, y - half) : y + half + 1, max(0, x - half) : x + half + 1].reshape(-1, 3)

    def like(self, point: np.ndarray, half: int, floor: float = 18.0, ceiling: float = 60.0) -> np.ndarray:
        """bool (H, W): pixels in the box whose colour is near the mean of the patch at `point`.

        The distance threshold is 2.5 times the patch's spread, kept within [floor, ceiling]:
        a textured sample (hair strands, a print) must not stretch it to everything."""
        samples = self.patch(point, half)
        mean = samples.mean(axis=0).astype(np.float32)
        threshold = float(np.clip(2.5 * float(np.linalg.norm(samples.std(axis=0))), floor, ceiling))
        distance2 = self._squared - 2.0 * (self._flat @ mean) + float(mean @ mean)
        out = np.zeros(self.lab.shape[:2], bool)
        out[self.box] = (distance2 < threshold**2).reshape(self._crop_shape)
        return out


def parse_person(image: np.ndarray, pose: BodyPose) -> PersonParse:
    """Split the person into the parts garments interact with."""
    h, w = image.shape[:2]
    shape = (h, w)
    body = BodyFrame.from_pose(pose)
    span = body.shoulder_span
    person = pose.person_mask > 0.5
    mean, cov, skin_rgb = skin_model(image, pose)
    # Colour models only matter on the person: compute them inside the person's box.
    box = bounding_box(person, 8) or (slice(0, h), slice(0, w))
    skin = np.zeros(shape, bool)
    face_luma = float(cv2.cvtColor(skin_rgb.astype(np.uint8)[None, None, :], cv2.COLOR_RGB2YCrCb)[0, 0, 0])
    skin[box] = skin_mask(image[box], mean, cov, face_luma) & person[box]
    skin = cv2.morphologyEx(skin.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8)) > 0
    colours = ColourField(image, box)
    lab = colours.lab

    mid_sh = body.mid_shoulder
    collar_y = float(mid_sh[1] - 0.35 * (mid_sh[1] - body.mouth[1]))
    ys = np.arange(h, dtype=np.float32)[:, None]
    xs = np.arange(w, dtype=np.float32)[None, :]
    # The head's column only: above the collar line, the shoulders to either side are clothing.
    head_x = float(pose[Landmark.NOSE][0])
    head = person & (ys < collar_y) & (np.abs(xs - head_x) < 0.4 * span)
    neck = skin & (ys < mid_sh[1]) & (np.abs(xs - mid_sh[0]) < 0.35 * span)
    head |= neck

    # Hair: colour of the head's top, if that is not skin (a shaved head has no hair model).
    eyes_y = float(0.5 * (pose[Landmark.LEFT_EYE][1] + pose[Landmark.RIGHT_EYE][1]))
    column = person[:, int(np.clip(pose[Landmark.NOSE][0], 0, w - 1))]
    head_top = float(np.argmax(column)) if column.any() else eyes_y - 0.3 * span
    hair_point = np.array([pose[Landmark.NOSE][0], head_top + 0.25 * (eyes_y - head_top)])
    hair = np.zeros(shape, bool)
    hx, hy = int(np.clip(hair_point[0], 0, w - 1)), int(np.clip(hair_point[1], 0, h - 1))
    # A sample with skin's chroma is a bare scalp (its highlight can fail the luma bound): no hair.
    scalp = bool(skin_mask(image[hy : hy + 1, hx : hx + 1], mean, cov)[0, 0])
    if eyes_y - head_top > 4 and not skin[hy, hx] and not scalp:
        near_head = (np.abs(xs - mid_sh[0]) < 0.75 * span) & (ys < mid_sh[1] + 0.45 * body.torso_length)
        hair = (
            person
            & near_head
            & colours.like(hair_point, int(max(2, 0.04 * span)), 14.0, ceiling=20.0)
            & ~skin
        )
        # Below the collar, trust only hair that grows from the head, and not at all when the
        # clothing there has the hair's colour (dark hair on a dark jacket).
        probes = [
            sh + 0.3 * (mid_sh - sh) + body.torso_axis * 0.12 * body.torso_length for sh in body.shoulders
        ]
        hair_colour = lab[hy, hx]
        if any(
            np.linalg.norm(lab[int(np.clip(p[1], 0, h - 1)), int(np.clip(p[0], 0, w - 1))] - hair_colour)
            < 25.0
            for p in probes
        ):
            hair &= ys < collar_y
        else:
            hair &= ys < mid_sh[1] + 0.3 * body.torso_length
            count, labels = cv2.connectedComponents(hair.astype(np.uint8), connectivity=8)
            rooted = np.unique(labels[(ys < collar_y).squeeze(1)][hair[(ys < collar_y).squeeze(1)]])
            hair = np.isin(labels, rooted[rooted > 0]) if count > 1 else hair

    arm_radius = ARM_RADIUS_PER_SPAN * span
    arms = band_around(body.arm(0), arm_radius, shape) | band_around(body.arm(1), arm_radius, shape)
    forearms = band_around([body.elbows[0], body.wrists[0]], arm_radius, shape) | band_around(
        [body.elbows[1], body.wrists[1]], arm_radius, shape
    )
    legs = np.zeros(shape, bool)
    for side in (0, 1):  # thigh, knee and ankle radii, fractions of the shoulder span
        joints = [body.hips[side], body.knees[side], body.ankles[side]]
        legs |= tapered_band(joints, [0.24 * span, 0.14 * span, 0.09 * span], shape)

    hands = np.zeros(shape, np.uint8)
    radius = int(max(6, 0.22 * span))
    for wrist, index in (
        (Landmark.LEFT_WRIST, Landmark.LEFT_INDEX),
        (Landmark.RIGHT_WRIST, Landmark.RIGHT_INDEX),
    ):
        if pose.visibility[wrist] > 0.3:
            center = 0.5 * (pose[wrist] + pose[index])
            cv2.circle(hands, (int(center[0]), int(center[1])), radius, (1,), thickness=-1)
    hands_mask = (hands > 0) & skin

    # Feet and shoes: the person below each ankle joint, near it.
    feet = np.zeros(shape, bool)
    for side in (0, 1):
        ankle = body.ankles[side]
        if 0 <= ankle[1] < h:
            near = (np.abs(xs - ankle[0]) < 0.35 * span) & (ys > ankle[1]) & (ys < ankle[1] + 0.5 * span)
            feet |= person & near

    torso = np.zeros(shape, np.uint8)
    waist_l, waist_r = body.waist()
    quad = np.array([body.shoulders[0], body.shoulders[1], waist_r, waist_l], np.int32)
    cv2.fillConvexPoly(torso, quad, (1,))
    # Bare arms are thinner than the sleeves they were in: paint skin only inside a tapered arm
    # (shoulder, elbow, wrist radii as fractions of the span); the rest of an old sleeve is background.
    bare_arms = np.zeros(shape, bool)
    for side in (0, 1):
        bare_arms |= tapered_band(body.arm(side), [0.13 * span, 0.11 * span, 0.08 * span], shape)
    body_core = (torso > 0) | bare_arms | legs | neck

    hip_y = float(body.mid_hip[1])
    chest = mid_sh + 0.35 * (body.mid_hip - mid_sh)
    sample = int(max(2, 0.12 * span))
    upper_rows = (ys >= mid_sh[1] - 0.3 * span) & (ys <= min(float(h), hip_y + 0.25 * body.torso_length))
    # A clothing colour can share skin's chroma (khaki, beige). Skin is excluded from a region
    # only when its sampled colour really is the face's (luminance included); otherwise the
    # "skin-like" pixels there are cloth.
    face_lab = cv2.cvtColor(skin_rgb.astype(np.uint8)[None, None, :], cv2.COLOR_RGB2LAB)[0, 0].astype(
        np.float32
    )

    def clothing_like(point: np.ndarray, half: int) -> np.ndarray:
        region = colours.like(point, half, ceiling=30.0)
        x, y = int(np.clip(point[0], 0, w - 1)), int(np.clip(point[1], 0, h - 1))
        patch = lab[max(0, y - half) : y + half + 1, max(0, x - half) : x + half + 1].reshape(-1, 3)
        bare = float(np.linalg.norm(patch.mean(axis=0) - face_lab)) < 12.0
        return region & ~skin if bare or (region & ~skin).sum() > 0.3 * region.sum() else region

    def colour_at(point: np.ndarray, half: int) -> np.ndarray:
        x, y = int(np.clip(point[0], 0, w - 1)), int(np.clip(point[1], 0, h - 1))
        return (
            lab[max(0, y - half) : y + half + 1, max(0, x - half) : x + half + 1].reshape(-1, 3).mean(axis=0)
        )

    lower_clothing = np.zeros(shape, bool)
    thigh_half = int(max(2, 0.08 * span))
    thighs = [0.5 * (body.hips[side] + body.knees[side]) for side in (0, 1)]
    for thigh in thighs:
        lower_clothing |= clothing_like(thigh, thigh_half)
    lower_clothing &= person & (ys >= float(waist_l[1]) - 0.05 * body.torso_length)

    # The current upper clothing, sampled at the chest and at both upper arms: a jacket worn
    # open shows at the arms while the chest shows the shirt beneath. Where a sample has the
    # trousers' colour (a suit), its region stops at the waist so the trousers stay.
    arm_half = int(max(2, 0.05 * span))
    samples = [(chest, sample)] + [(0.5 * (body.shoulders[s] + body.elbows[s]), arm_half) for s in (0, 1)]
    thigh_colours = [colour_at(t, thigh_half) for t in thighs]
    waist_rows = ys <= float(waist_l[1]) + 0.05 * body.torso_length
    upper_clothing = np.zeros(shape, bool)
    for point, half in samples:
        region = clothing_like(point, half)
        if min(float(np.linalg.norm(colour_at(point, half) - c)) for c in thigh_colours) < 20.0:
            region &= waist_rows
        upper_clothing |= region
    upper_clothing &= person & ~head & ~hair & upper_rows
    return PersonParse(
        person=person,
        skin=skin,
        head=head,
        hair=hair,
        hands=hands_mask,
        feet=feet,
        arms=arms,
        legs=legs,
        forearm_skin=forearms & skin & ~head,
        body_core=body_core,
        upper_clothing=upper_clothing,
        lower_clothing=lower_clothing,
        skin_rgb=skin_rgb.astype(np.float32),
        collar_y=collar_y,
    )
