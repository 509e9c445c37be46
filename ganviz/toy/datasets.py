"""Registry of 2-D toy distributions.

Each dataset is a function ``(n, seed) -> float32 (n, 2)`` plus the facts a view or a metric
needs: a display range, and where it has them the mode centres and their std.

Definitions follow the sources named in each docstring: the Stack Overflow question "why GAN
cannot generate samples from some distributions" (parabola, circle, moons, swiss roll), PacGAN's
benchmark code (ring8, grid25) and GAN Lab (line, gaussians2, disjoint3).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

MIN_POINTS = 10
MAX_POINTS = 1_000_000
MAX_CSV_BYTES = 64 * 2**20  # 1,000,000 rows of two full-precision numbers fit in ~40 MB

Sampler = Callable[[int, int], np.ndarray]


@dataclass(frozen=True)
class ToyDataset:
    """A 2-D distribution: ``sample(n, seed)`` returns float32 (n, 2).

    display_range: ((xmin, xmax), (ymin, ymax)) that frames the data with a margin.
    centres: (k, 2) mode centres for mode-coverage metrics, or None.
    std: the std of each mode (isotropic), or None.
    """

    name: str
    title: str
    description: str
    sample: Sampler = field(repr=False, compare=False)
    display_range: tuple[tuple[float, float], tuple[float, float]] = ((-1.5, 1.5), (-1.5, 1.5))
    centres: np.ndarray | None = field(default=None, repr=False, compare=False)
    std: float | None = None


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(int(seed))


def _minmax_to_unit(data: np.ndarray) -> np.ndarray:
    """Min-max scale each column to [-1, 1], exactly as the Stack Overflow code does.
    A column with no spread (n = 1) maps to 0 instead of 0/0 = NaN."""
    data = data - np.min(data, axis=0)
    span = np.max(data, axis=0)
    data = np.divide(data, span, out=np.full_like(data, 0.5), where=span > 0)
    return 2 * data - 1.0


def parabola(n: int, seed: int) -> np.ndarray:
    """x ~ U(-1, 1), y = x^2 (Stack Overflow question, V1)."""
    x = _rng(seed).uniform(-1, 1, size=n)
    return np.stack([x, x**2], axis=1).astype(np.float32)


def circle(n: int, seed: int, radius: float = 1.0) -> np.ndarray:
    """(r cos a, r sin a), a ~ U(0, 2 pi) (Stack Overflow question, V2; r = 1 there)."""
    if not (0.05 <= radius <= 10):
        raise ValueError(f"circle radius must be 0.05..10, got {radius}")
    a = _rng(seed).uniform(0, 1, size=n) * (2 * np.pi)
    return (radius * np.stack([np.cos(a), np.sin(a)], axis=1)).astype(np.float32)


def swiss_roll(n: int, seed: int) -> np.ndarray:
    """make_swiss_roll(noise=0)[:, [0, 2]] min-max scaled to [-1, 1] (Stack Overflow, V3)."""
    from sklearn.datasets import make_swiss_roll

    data, _ = make_swiss_roll(n_samples=n, noise=0.0, random_state=int(seed))
    return _minmax_to_unit(data[:, [0, 2]]).astype(np.float32)


def moons(n: int, seed: int) -> np.ndarray:
    """make_moons(noise=None) min-max scaled to [-1, 1] (Stack Overflow, V4).

    The question used shuffle=False; we shuffle so that any prefix is a fair sample.
    """
    from sklearn.datasets import make_moons

    data, _ = make_moons(n_samples=n, shuffle=True, noise=None, random_state=int(seed))
    return _minmax_to_unit(data).astype(np.float32)


def _mixture(centres: np.ndarray, std: float, n: int, seed: int) -> np.ndarray:
    rng = _rng(seed)
    idx = rng.integers(0, len(centres), size=n)
    return (centres[idx] + std * rng.standard_normal((n, 2))).astype(np.float32)


RING8_CENTRES = np.array(
    [(math.cos(2 * math.pi * i / 8), math.sin(2 * math.pi * i / 8)) for i in range(8)]
)
RING8_STD = 0.01
GRID25_CENTRES = np.array([(x, y) for x in (-4, -2, 0, 2, 4) for y in (-4, -2, 0, 2, 4)], float)
GRID25_STD = 0.05
GAUSSIANS2_CENTRES = np.array([(-0.5, -0.5), (0.5, 0.5)])
GAUSSIANS2_STD = 0.1
DISJOINT3_CENTRES = np.array([(-0.6, -0.45), (0.6, -0.45), (0.0, 0.6)])
DISJOINT3_STD = 0.12


def ring8(n: int, seed: int) -> np.ndarray:
    """8 Gaussians, centres (cos 2 pi i/8, sin 2 pi i/8), std 0.01 (PacGAN / VEEGAN)."""
    return _mixture(RING8_CENTRES, RING8_STD, n, seed)


def grid25(n: int, seed: int) -> np.ndarray:
    """25 Gaussians, centres {-4,-2,0,2,4}^2, std 0.05 (PacGAN / VEEGAN)."""
    return _mixture(GRID25_CENTRES, GRID25_STD, n, seed)


def gaussians2(n: int, seed: int) -> np.ndarray:
    """Two Gaussians on the diagonal (GAN Lab's 'two Gaussian hills')."""
    return _mixture(GAUSSIANS2_CENTRES, GAUSSIANS2_STD, n, seed)


def line(n: int, seed: int) -> np.ndarray:
    """A straight segment from (-0.8, -0.6) to (0.8, 0.6) with a little width (GAN Lab)."""
    rng = _rng(seed)
    t = rng.uniform(-1, 1, size=n)
    pts = np.stack([0.8 * t, 0.6 * t], axis=1) + 0.01 * rng.standard_normal((n, 2))
    return pts.astype(np.float32)


def disjoint3(n: int, seed: int) -> np.ndarray:
    """Three separate blobs (GAN Lab's 'three disjoint distributions')."""
    return _mixture(DISJOINT3_CENTRES, DISJOINT3_STD, n, seed)


def spiral(n: int, seed: int) -> np.ndarray:
    """An Archimedean spiral, two turns, radius 0.1..1, small noise."""
    rng = _rng(seed)
    t = np.sqrt(rng.uniform(0, 1, size=n))  # uniform density along the arc, roughly
    angle = 4 * np.pi * t
    r = 0.1 + 0.9 * t
    pts = np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1)
    return (pts + 0.01 * rng.standard_normal((n, 2))).astype(np.float32)


DATASETS: dict[str, ToyDataset] = {
    d.name: d
    for d in [
        ToyDataset("parabola", "Parabola",
                   "x ~ U(-1,1), y = x^2: the Stack Overflow case that works.",
                   parabola, ((-1.5, 1.5), (-0.5, 1.5))),
        ToyDataset("circle", "Circle", "The unit circle: the Stack Overflow case that fails.",
                   circle, ((-1.5, 1.5), (-1.5, 1.5))),
        ToyDataset("moons", "Two moons", "scikit-learn's two moons, scaled to [-1, 1].",
                   moons, ((-1.5, 1.5), (-1.5, 1.5))),
        ToyDataset("swiss_roll", "Swiss roll",
                   "scikit-learn's swiss roll (x, z), scaled to [-1, 1].",
                   swiss_roll, ((-1.5, 1.5), (-1.5, 1.5))),
        ToyDataset("ring8", "Ring of 8 Gaussians",
                   "The mode-collapse benchmark: 8 modes, std 0.01.",
                   ring8, ((-1.5, 1.5), (-1.5, 1.5)), RING8_CENTRES, RING8_STD),
        ToyDataset("grid25", "Grid of 25 Gaussians", "The harder benchmark: 25 modes, std 0.05.",
                   grid25, ((-6.0, 6.0), (-6.0, 6.0)), GRID25_CENTRES, GRID25_STD),
        ToyDataset("gaussians2", "Two Gaussians", "Two Gaussian hills (GAN Lab).",
                   gaussians2, ((-1.2, 1.2), (-1.2, 1.2)), GAUSSIANS2_CENTRES, GAUSSIANS2_STD),
        ToyDataset("line", "Line", "A straight segment (GAN Lab).", line,
                   ((-1.2, 1.2), (-1.2, 1.2))),
        ToyDataset("disjoint3", "Three blobs", "Three disjoint blobs (GAN Lab).",
                   disjoint3, ((-1.2, 1.2), (-1.2, 1.2)), DISJOINT3_CENTRES, DISJOINT3_STD),
        ToyDataset("spiral", "Spiral", "A two-turn spiral.", spiral, ((-1.3, 1.3), (-1.3, 1.3))),
    ]
}


def _check_points(data: np.ndarray, source: str = "points") -> np.ndarray:
    """Validate a user's (n, 2) array; returns float32. Raises ValueError naming the problem."""
    data = np.asarray(data)
    if data.ndim != 2 or data.shape[1] != 2:
        raise ValueError(f"{source}: expected 2 columns (x, y), got shape {data.shape}")
    if not np.issubdtype(data.dtype, np.number):
        raise ValueError(f"{source}: values must be numbers, got dtype {data.dtype}")
    bad = ~np.isfinite(data).all(axis=1)
    if bad.any():
        row = int(np.argmax(bad)) + 1
        raise ValueError(f"{source}: row {row} is not finite (NaN or Inf): "
                         f"{data[row - 1].tolist()}")
    if len(data) < MIN_POINTS:
        raise ValueError(f"{source}: needs at least {MIN_POINTS} points, got {len(data)}")
    if len(data) > MAX_POINTS:
        raise ValueError(f"{source}: at most {MAX_POINTS:,} points, got {len(data):,}")
    return data.astype(np.float32)


def points_from_csv(text_or_path: str | Path | bytes, source: str | None = None) -> np.ndarray:
    """Parse a CSV of 2-D points (an optional header row of non-numbers is skipped).

    Returns float32 (n, 2). Raises ValueError (and nothing else, whatever the input) naming
    the problem and the 1-based row: non-numeric values, NaN/Inf, not 2 columns, fewer than 10
    or more than 1,000,000 rows, a file over MAX_CSV_BYTES, a file that cannot be read.
    """
    text, source = _csv_text(text_or_path, source)
    return _parse_points(text, source or "CSV")


def _csv_text(text_or_path: str | Path | bytes, source: str | None) -> tuple[str, str | None]:
    """The CSV's text, read from a path, bytes or a string (size-checked first), and the name
    to give it in messages (a file's name unless ``source`` is given)."""
    if isinstance(text_or_path, Path) or (
        isinstance(text_or_path, str) and "\n" not in text_or_path and text_or_path.endswith(".csv")
    ):
        path = Path(text_or_path)
        source = source or path.name
        try:
            size = path.stat().st_size
        except (OSError, ValueError) as exc:  # missing, or a NUL in the name
            raise ValueError(f"{source}: cannot read the file ({exc})") from None
        if size > MAX_CSV_BYTES:
            raise ValueError(_too_large(source, size))
        try:
            return path.read_text(encoding="utf-8", errors="replace"), source
        except OSError as exc:  # a folder, no permission
            raise ValueError(f"{source}: cannot read the file ({exc})") from None
    if isinstance(text_or_path, bytes):
        if len(text_or_path) > MAX_CSV_BYTES:
            raise ValueError(_too_large(source or "CSV", len(text_or_path)))
        return text_or_path.decode("utf-8", errors="replace"), source
    text = str(text_or_path)
    if len(text) > MAX_CSV_BYTES:
        raise ValueError(_too_large(source or "CSV", len(text)))
    return text, source


def _parse_points(text: str, source: str) -> np.ndarray:
    """(n, 2) float32 from CSV text; ValueError naming ``source`` and the 1-based row."""
    rows: list[tuple[float, float]] = []
    # newline="" lets the csv module see a lone "\r" (old Mac line ends) as a line end
    reader = csv.reader(io.StringIO(text, newline=""))
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # an over-long field, a stray quote or line break
            raise ValueError(f"{source}: row {reader.line_num} cannot be read as CSV "
                             f"({exc})") from None
        line_no = reader.line_num
        cells = [c.strip() for c in row]
        if not cells or all(c == "" for c in cells):
            continue
        if len(cells) != 2:
            other = next((sep for sep in (";", "\t", "|", " ")
                          if len(cells) == 1 and sep in cells[0]), None)
            hint = f"; separate x and y with a comma, not {other!r}" if other else ""
            raise ValueError(f"{source}: row {line_no} has {len(cells)} columns, "
                             f"expected 2 (x, y){hint}")
        try:
            x, y = float(cells[0]), float(cells[1])
        except ValueError:
            if line_no == 1 and not rows:  # a header such as "x,y"
                continue
            raise ValueError(f"{source}: row {line_no} is not numeric: "
                             f"{','.join(cells)[:60]!r}") from None
        if not (math.isfinite(x) and math.isfinite(y)):
            raise ValueError(f"{source}: row {line_no} is not finite (NaN or Inf): "
                             f"{','.join(cells)[:60]!r}")
        rows.append((x, y))
        if len(rows) > MAX_POINTS:
            raise ValueError(f"{source}: more than {MAX_POINTS:,} rows (row {line_no})")
    if len(rows) < MIN_POINTS:
        raise ValueError(f"{source}: needs at least {MIN_POINTS} points, got {len(rows)}")
    return np.asarray(rows, dtype=np.float32)


def _too_large(source: str, size: int) -> str:
    return (f"{source}: the file is {size / 2**20:,.1f} MB; "
            f"at most {MAX_CSV_BYTES / 2**20:,.0f} MB "
            f"({MAX_POINTS:,} rows) can be loaded. Keep a sample of the rows.")


def points_dataset(data: np.ndarray, name: str = "points", source: str = "points") -> ToyDataset:
    """The user's own points as a dataset: sampling draws (with replacement) from them.
    ``source`` names the data in error messages ("your drawing", a file name)."""
    pts = _check_points(data, source)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    pad = np.maximum(0.15 * (hi - lo), 0.1)
    rng_box = ((float(lo[0] - pad[0]), float(hi[0] + pad[0])),
               (float(lo[1] - pad[1]), float(hi[1] + pad[1])))

    def sample(n: int, seed: int) -> np.ndarray:
        return pts[_rng(seed).integers(0, len(pts), size=n)]

    return ToyDataset(name, "Your points", f"{len(pts)} points of your own.", sample, rng_box)


def get_dataset(name: str, points: np.ndarray | None = None,
                circle_radius: float = 1.0) -> ToyDataset:
    """Look a dataset up by name; ``points`` supplies the data of the ``points`` dataset."""
    if name == "points":
        if points is None:
            raise ValueError("dataset 'points' needs your own data: a CSV file or an (n, 2) array")
        return points_dataset(points)
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose from {', '.join(dataset_names())}")
    ds = DATASETS[name]
    if name == "circle" and circle_radius != 1.0:
        r = float(circle_radius)
        m = max(1.5, 1.5 * r)
        return ToyDataset("circle", f"Circle (r={r:g})", f"A circle of radius {r:g}.",
                          lambda n, seed: circle(n, seed, r), ((-m, m), (-m, m)))
    return ds


def dataset_names() -> list[str]:
    """All registry names, with the user's own ``points`` last."""
    return [*DATASETS, "points"]
