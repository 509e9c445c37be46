"""Shapes: a synthetic 32x32 RGB dataset whose every image has a known mode.

48 modes = 3 shapes (square, disc, triangle) x 4 colours (red, green, blue, yellow) x 4
positions (the quadrants), each a single anti-aliased shape on a black background. Per image,
seeded jitter keeps the data from being 48 pictures: the centre moves up to +-1 px on each
axis, the half-size r is uniform in [4.5, 6] px, the brightness is scaled by U(0.8, 1) and each
colour channel moves by up to +-8 levels. Everything is generated in code (vectorised NumPy, no
download) and is identical for a seed.

Because a clean sample of a mode is one shape of one colour in one quadrant and nothing else,
the mode of *any* image (a GAN's included) can be read without a classifier: `assign_modes`
fits every image (both 3x3 box-blurred, which forgives a GAN's pixel-level texture noise) by
least squares with one clean rendering (any of the 3 shapes, 4 colours, a grid of jittered
positions and sizes, any brightness) in its brightest quadrant, and
accepts the best fit only when it explains the image: relative residual
``||x - a T|| / ||x|| <= MAX_RELATIVE_RESIDUAL`` and brightness ``a`` in ``BRIGHTNESS_RANGE``.
Other images (noise, blank, two shapes, a blend, a colour off the palette) get mode -1.
The counting itself lives in `ganviz.eval.modes`. See docs/synthetic-shapes.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # data.py imports this module for its registry; import it lazily here
    from ganviz.image.data import ImageDataset

SIZE = 32
QUADRANT = SIZE // 2
SHAPES = ("square", "disc", "triangle")
# Saturated, well separated RGB in [0, 1]; the closest pair (red, yellow) is 33 degrees apart.
COLOURS = {
    "red": (0.90, 0.15, 0.15),
    "green": (0.15, 0.80, 0.25),
    "blue": (0.20, 0.35, 0.95),
    "yellow": (0.90, 0.82, 0.15),
}
POSITIONS = ("top-left", "top-right", "bottom-left", "bottom-right")
# Quadrant centres (row, col), pixel-centre coordinates; same order as POSITIONS.
POSITION_CENTRES = ((7.5, 7.5), (7.5, 23.5), (23.5, 7.5), (23.5, 23.5))
N_MODES = len(SHAPES) * len(COLOURS) * len(POSITIONS)
# Jitter of the data (see the module docstring); shapes stay inside their quadrant.
SHIFT_PX = 1.0
RADIUS_RANGE = (4.5, 6.0)
BRIGHTNESS_JITTER = (0.8, 1.0)
CHANNEL_JITTER = 8 / 255
# The template grid of `assign_modes`: shifts every 0.25 px in +-1 px, seven half-sizes
# every 0.25 px: a real image is never more than 0.125 px from a template.
TEMPLATE_SHIFTS = np.arange(-1.0, 1.01, 0.25)
TEMPLATE_RADII = tuple(np.arange(4.5, 6.01, 0.25))
# Acceptance of a fit, calibrated in docs/synthetic-shapes.md (after the 3x3 blur): all
# 14,400 real images of load_shapes(0) fit within 0.084 (brightness 0.73..1.07); a noisy
# background (std 0.1) starts at 0.19, two colours blended at 0.20, an orange (off-palette)
# shape at 0.21, cyan at 0.40, two quadrants at 0.71, uniform noise at 0.92.
MAX_RELATIVE_RESIDUAL = 0.15
BRIGHTNESS_RANGE = (0.6, 1.25)
TRAIN_COUNT, HELDOUT_COUNT = 12_000, 2_400
# Rows per block in `assign_modes`: bounds the (rows, templates) score array (~7 MB).
ASSIGN_BLOCK_ROWS = 1024


def mode_index(shape: int, colour: int, position: int) -> int:
    """Mode number in [0, 48): shape-major, then colour, then position (ints or arrays)."""
    return (shape * len(COLOURS) + colour) * len(POSITIONS) + position


def mode_names() -> tuple[str, ...]:
    """The 48 mode names in mode order, e.g. 'red disc top-left'."""
    colours = list(COLOURS)
    return tuple(f"{colours[c]} {SHAPES[s]} {POSITIONS[p]}"
                 for s in range(len(SHAPES)) for c in range(len(colours))
                 for p in range(len(POSITIONS)))


def mode_parts(modes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(shape, colour, position) index arrays of mode numbers (inverse of `mode_index`)."""
    modes = np.asarray(modes, dtype=np.int64)
    position = modes % len(POSITIONS)
    colour = (modes // len(POSITIONS)) % len(COLOURS)
    shape = modes // (len(POSITIONS) * len(COLOURS))
    return shape, colour, position


def _square(dy: np.ndarray, dx: np.ndarray, r: np.ndarray) -> np.ndarray:
    return np.maximum(np.abs(dy), np.abs(dx)) - r


def _disc(dy: np.ndarray, dx: np.ndarray, r: np.ndarray) -> np.ndarray:
    return np.sqrt(dy * dy + dx * dx) - r


def _triangle(dy: np.ndarray, dx: np.ndarray, r: np.ndarray) -> np.ndarray:
    # the base row dy = r, and the two slanted sides 2|dx| - dy = r
    return np.maximum(dy - r, (2.0 * np.abs(dx) - dy - r) / np.sqrt(np.float32(5.0)))


_SIGNED_DISTANCES = (_square, _disc, _triangle)  # same order as SHAPES


def shape_coverage(shape: np.ndarray, dy: np.ndarray, dx: np.ndarray,
                   radius: np.ndarray) -> np.ndarray:
    """Anti-aliased coverage in [0, 1] of each shape at offsets (dy, dx) from its centre.

    shape, radius: (n,) broadcast against dy, dx: (n, h, w) pixel offsets. Each shape is a
    signed distance d (negative inside), and coverage = clip(0.5 - d, 0, 1), a one-pixel ramp.
    square: Chebyshev distance - r (side 2r); disc: Euclidean - r; triangle: apex up, vertices
    (-r, 0), (r, -r), (r, r) in (row, col), the largest of its three edge distances.
    """
    d = np.empty(np.broadcast_shapes(dy.shape, dx.shape), dtype=np.float32)
    for kind, signed_distance in enumerate(_SIGNED_DISTANCES):
        rows = np.flatnonzero(shape == kind)  # each image pays only for its own shape
        if len(rows):
            d[rows] = signed_distance(dy[rows], dx[rows], radius[rows, None, None])
    return np.clip(0.5 - d, 0.0, 1.0).astype(np.float32)


def render(modes: np.ndarray, shift: np.ndarray, radius: np.ndarray,
           colour_rgb: np.ndarray) -> np.ndarray:
    """Images of the given modes. modes: (n,) ints; shift: (n, 2) px (row, col) from the
    quadrant centre; radius: (n,) px; colour_rgb: (n, 3) in [0, 1]. Returns (n, 32, 32, 3)
    float32 in [0, 1] on black."""
    modes = np.asarray(modes, dtype=np.int64)
    shape, _, position = mode_parts(modes)
    centres = np.asarray(POSITION_CENTRES, dtype=np.float32)[position] + shift  # (n, 2)
    grid = np.arange(SIZE, dtype=np.float32)
    dy = grid[None, :, None] - centres[:, 0, None, None]  # (n, 32, 1)
    dx = grid[None, None, :] - centres[:, 1, None, None]  # (n, 1, 32)
    cover = shape_coverage(shape, dy, dx, np.asarray(radius, dtype=np.float32))
    return np.clip(cover[..., None] * colour_rgb[:, None, None, :], 0.0, 1.0).astype(np.float32)


def shapes_images(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n jittered images with balanced modes (each mode n/48 times, +-1), in seeded order.

    Returns images (n, 32, 32, 3) uint8 and modes (n,) int64 in [0, 48). Same seed, same data.
    """
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    rng = np.random.default_rng(seed)
    modes = rng.permutation(np.arange(n, dtype=np.int64) % N_MODES)
    shift = rng.uniform(-SHIFT_PX, SHIFT_PX, size=(n, 2)).astype(np.float32)
    radius = rng.uniform(*RADIUS_RANGE, size=n).astype(np.float32)
    brightness = rng.uniform(*BRIGHTNESS_JITTER, size=(n, 1))
    palette = np.asarray(list(COLOURS.values()))
    colour = palette[mode_parts(modes)[1]] * brightness
    colour = colour + rng.uniform(-CHANNEL_JITTER, CHANNEL_JITTER, size=(n, 3))
    images = render(modes, shift, radius, np.clip(colour, 0.0, 1.0).astype(np.float32))
    return np.rint(images * 255.0).astype(np.uint8), modes


def prototypes() -> np.ndarray:
    """The 48 clean (jitter-free: centred, r = 5.25, full brightness) renderings, in mode
    order: (48, 32, 32, 3) uint8."""
    modes = np.arange(N_MODES)
    palette = np.asarray(list(COLOURS.values()), dtype=np.float32)
    images = render(modes, np.zeros((N_MODES, 2), np.float32),
                    np.full(N_MODES, sum(RADIUS_RANGE) / 2, np.float32),
                    palette[mode_parts(modes)[1]])
    return np.rint(images * 255.0).astype(np.uint8)


def load_shapes(seed: int = 0) -> ImageDataset:
    """The shapes dataset: 12,000 train + 2,400 held-out images (50 per mode), labels = mode.

    Train and held-out sets come from different seeds' streams, so no image is in both.
    """
    from ganviz.image.data import ImageDataset

    rng = np.random.default_rng(seed)
    train_seed, held_seed = (int(s) for s in rng.integers(0, 2**31 - 1, size=2))
    x_train, y_train = shapes_images(TRAIN_COUNT, train_seed)
    x_held, y_held = shapes_images(HELDOUT_COUNT, held_seed)
    return ImageDataset(
        "shapes", x_train, y_train, x_held, y_held, mode_names(),
        f"synthetic shapes (ganviz.image.synthetic, seed {seed}): 3 shapes x 4 colours x 4 "
        f"quadrants = {N_MODES} modes, 32x32 RGB, {TRAIN_COUNT:,} train / {HELDOUT_COUNT:,} "
        "held out, balanced")


# ------------------------------------------------------------------ mode assignment

def box_blur(x: np.ndarray) -> np.ndarray:
    """3x3 box blur (zero padding) of (n, h, w, c) float32 images, same shape."""
    h, w = x.shape[1:3]
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    return sum(padded[:, i:i + h, j:j + w] for i in range(3) for j in range(3)) / np.float32(9)


def _templates() -> tuple[np.ndarray, np.ndarray]:
    """Unit-colour shape masks on the quadrant grid, box-blurred as `assign_modes` blurs the
    images: (T, 16*16) float32, and each one's shape index (T,).
    T = 3 shapes x 9 x 9 shifts x 7 radii = 1,701."""
    s, sy, sx, r = np.meshgrid(np.arange(len(SHAPES)), TEMPLATE_SHIFTS, TEMPLATE_SHIFTS,
                               TEMPLATE_RADII, indexing="ij")
    s, sy, sx, r = (a.ravel() for a in (s, sy, sx, r))
    # render in the top-left quadrant of a full frame so the blur sees the same padding
    grid = np.arange(SIZE, dtype=np.float32)
    centre = POSITION_CENTRES[0][0]
    dy = grid[None, :, None] - (centre + sy.astype(np.float32))[:, None, None]
    dx = grid[None, None, :] - (centre + sx.astype(np.float32))[:, None, None]
    masks = box_blur(shape_coverage(s, dy, dx, r.astype(np.float32))[..., None])
    return masks[:, :QUADRANT, :QUADRANT, 0].reshape(len(s), -1), s.astype(np.int64)


@dataclass(frozen=True, eq=False)
class ModeFit:
    """Each image's best one-shape explanation (see `assign_modes`); all arrays (n,).

    modes: int64 mode in [0, 48), or -1 when the fit is rejected. best_modes: the best-fitting
    mode even when rejected. residual: ||x - a T|| / ||x|| in [0, 1] (1 for a blank image).
    brightness: the fitted scale a of the template (data: 0.8..1).
    """

    modes: np.ndarray
    best_modes: np.ndarray
    residual: np.ndarray
    brightness: np.ndarray


def _as_unit_float(images: np.ndarray) -> np.ndarray:
    """(n, 32, 32, 3) uint8 [0, 255] or float [0, 1] -> float32 [0, 1]; refuses other shapes."""
    x = np.asarray(images)
    if x.ndim != 4 or x.shape[1:] != (SIZE, SIZE, 3):
        raise ValueError(f"images must be (n, {SIZE}, {SIZE}, 3), got {x.shape}")
    if x.dtype == np.uint8:
        return x.astype(np.float32) / 255.0
    if not np.issubdtype(x.dtype, np.floating):
        raise ValueError(f"images must be uint8 or float in [0, 1], got {x.dtype}")
    return np.clip(x, 0.0, 1.0).astype(np.float32)


def _fit_block(x: np.ndarray, masks: np.ndarray, mask_shape: np.ndarray) -> tuple:
    """Least-squares fit of one block x: (b, 32, 32, 3) float32. Returns (best_mode,
    residual, brightness) arrays (b,)."""
    b = len(x)
    quads = x.reshape(b, 2, QUADRANT, 2, QUADRANT, 3).transpose(0, 1, 3, 2, 4, 5)
    quads = quads.reshape(b, 4, QUADRANT * QUADRANT, 3)  # (b, 4 quadrants, 256, 3)
    energy = np.einsum("bqpc,bqpc->bq", quads, quads)
    total = energy.sum(axis=1)
    position = energy.argmax(axis=1)  # the fit lives in the brightest quadrant
    crop = quads[np.arange(b), position]  # (b, 256, 3)
    palette = np.asarray(list(COLOURS.values()), dtype=np.float32)  # (4, 3)
    colour_norm2 = (palette * palette).sum(axis=1)  # (4,)
    projected = np.einsum("bpc,kc->bkp", crop, palette)  # (b, 4, 256)
    # the colour whose direction holds most of the crop's energy (4x cheaper than fitting
    # all four); the fit must still explain the image, so a poor pick can only reject
    colour = (np.einsum("bkp,bkp->bk", projected, projected) / colour_norm2).argmax(axis=1)
    dots = projected[np.arange(b), colour] @ masks.T  # (b, T): <x, a T (x) colour> / a
    norms = (masks * masks).sum(axis=1)[None, :] * colour_norm2[colour][:, None]  # (b, T)
    # best a >= 0 explains dot^2 / ||T (x) colour||^2 of the energy; negative dots nothing
    explained = np.where(dots > 0, dots * dots / norms, 0.0)
    template = explained.argmax(axis=1)
    best = explained[np.arange(b), template]
    brightness = dots[np.arange(b), template] / norms[np.arange(b), template]
    safe_total = np.where(total > 0, total, 1.0)
    residual = np.where(total > 0, np.sqrt(np.clip(1.0 - best / safe_total, 0.0, 1.0)), 1.0)
    best_mode = (mask_shape[template] * len(COLOURS) + colour) * len(POSITIONS) + position
    return best_mode.astype(np.int64), residual.astype(np.float64), brightness.astype(np.float64)


def assign_modes(images: np.ndarray, max_residual: float = MAX_RELATIVE_RESIDUAL,
                 brightness_range: tuple[float, float] = BRIGHTNESS_RANGE) -> ModeFit:
    """The mode of each image, or -1 when no single clean shape explains it.

    images: (n, 32, 32, 3) uint8 in [0, 255] or float in [0, 1] (a GAN's output scaled there).
    Per image: blur with a 3x3 box (the templates too); take the quadrant holding most of
    the energy sum(x^2) and the palette colour whose direction holds most of its energy;
    fit a * template (x) colour (a >= 0) for every template in a grid of 3 shapes x 9 x 9
    shifts (0.25 px) x 7 half-sizes (0.25 px); keep the fit explaining most energy. Energy
    outside that quadrant stays unexplained, so two shapes, noise and off-palette colours
    leave a large relative residual sqrt(1 - explained / ||x||^2). Accept when residual <=
    max_residual and a lies in brightness_range. Cost: about n x 0.9 MFLOP (a matmul against
    1,701 templates).
    """
    if not 0.0 < max_residual < 1.0:
        raise ValueError(f"max_residual must be in (0, 1), got {max_residual}")
    # the blur makes the fit tolerant of pixel-level texture noise (a DCGAN artefact, not a
    # property of the mode); it costs the ability to tell a 50/50 average of two shapes drawn
    # in one place and colour from either shape (see docs/synthetic-shapes.md)
    x = box_blur(_as_unit_float(images))
    masks, mask_shape = _templates()
    parts = [_fit_block(x[i:i + ASSIGN_BLOCK_ROWS], masks, mask_shape)
             for i in range(0, len(x), ASSIGN_BLOCK_ROWS)]
    if parts:
        best_mode, residual, brightness = (np.concatenate(p) for p in zip(*parts))
    else:
        best_mode, residual, brightness = (np.zeros(0, np.int64), np.zeros(0), np.zeros(0))
    low, high = brightness_range
    ok = (residual <= max_residual) & (brightness >= low) & (brightness <= high)
    modes = np.where(ok, best_mode, -1).astype(np.int64)
    for a in (modes, best_mode, residual, brightness):
        a.setflags(write=False)
    return ModeFit(modes, best_mode, residual, brightness)
