"""Toy-GAN quality metrics: pure NumPy, arrays in, numbers out.

- Mode coverage and high-quality fraction: VEEGAN (Srivastava et al. 2017) and PacGAN
  (Lin et al. 2018) benchmark code: a sample is high quality if within 3 std of its nearest
  centre; a mode is captured if at least one high-quality sample is nearest to it.
- Energy distance: Szekely & Rizzo 2013, E = 2 E|X-Y| - E|X-X'| - E|Y-Y'| (>= 0, 0 iff equal).
- Sliced Wasserstein-1: mean over random directions of the 1-D W1 of the projections.
- JS divergence over a grid histogram, natural log (0 .. ln 2).
- Circle diagnostics: radial error and angular coverage of samples against a circle.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

HQ_STDS = 3.0


def _points(x: np.ndarray, name: str) -> np.ndarray:
    x = np.asarray(x, np.float64)
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"{name} must be (n, 2), got shape {x.shape}")
    if len(x) == 0:
        raise ValueError(f"{name} is empty")
    return x


@dataclass(frozen=True)
class ModeCoverage:
    """modes: modes captured; n_modes: all modes; high_quality: fraction in [0, 1];
    per_mode: high-quality samples nearest to each mode."""

    modes: int
    n_modes: int
    high_quality: float
    per_mode: tuple[int, ...]

    def to_dict(self) -> dict:
        return asdict(self)


def mode_coverage(samples: np.ndarray, centres: np.ndarray, std: float) -> ModeCoverage:
    """Modes captured and high-quality fraction (VEEGAN / PacGAN definition, 3 std)."""
    x = _points(samples, "samples")
    c = np.asarray(centres, np.float64)
    finite = np.isfinite(x).all(axis=1)
    d2 = ((x[:, None, :] - c[None, :, :]) ** 2).sum(-1)
    d2[~finite] = np.inf
    nearest = d2.argmin(axis=1)
    dist = np.sqrt(d2[np.arange(len(x)), nearest])
    hq = dist <= HQ_STDS * std
    per_mode = np.bincount(nearest[hq], minlength=len(c))
    return ModeCoverage(int((per_mode > 0).sum()), len(c), float(hq.mean()),
                        tuple(int(v) for v in per_mode))


def energy_distance(x: np.ndarray, y: np.ndarray, max_points: int = 2000, seed: int = 0) -> float:
    """Energy distance between two 2-D samples (subsampled to ``max_points`` each)."""
    x, y = _points(x, "x"), _points(y, "y")
    rng = np.random.default_rng(seed)
    if len(x) > max_points:
        x = x[rng.choice(len(x), max_points, replace=False)]
    if len(y) > max_points:
        y = y[rng.choice(len(y), max_points, replace=False)]

    def mean_dist(a, b):
        return float(np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)).mean())

    return max(0.0, 2 * mean_dist(x, y) - mean_dist(x, x) - mean_dist(y, y))


def sliced_wasserstein(x: np.ndarray, y: np.ndarray, n_directions: int = 64,
                       seed: int = 0) -> float:
    """Sliced Wasserstein-1 distance (equal-size subsamples, sorted projections)."""
    x, y = _points(x, "x"), _points(y, "y")
    n = min(len(x), len(y))
    rng = np.random.default_rng(seed)
    x = x[rng.choice(len(x), n, replace=False)]
    y = y[rng.choice(len(y), n, replace=False)]
    angles = rng.uniform(0, np.pi, n_directions)
    dirs = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    px, py = np.sort(x @ dirs.T, axis=0), np.sort(y @ dirs.T, axis=0)
    return float(np.abs(px - py).mean())


def grid_js(x: np.ndarray, y: np.ndarray, display_range, bins: int = 30) -> float:
    """Jensen-Shannon divergence (natural log) of the two samples' histograms on a grid
    over ``display_range`` ((xmin, xmax), (ymin, ymax)); points outside fall in edge cells."""
    x, y = _points(x, "x"), _points(y, "y")
    (x0, x1), (y0, y1) = display_range

    def hist(a):
        a = np.clip(a, [x0, y0], [x1 - 1e-9, y1 - 1e-9])
        h, _, _ = np.histogram2d(a[:, 0], a[:, 1], bins=bins, range=[[x0, x1], [y0, y1]])
        return h.ravel() / h.sum()

    p, q = hist(x), hist(y)
    m = 0.5 * (p + q)
    with np.errstate(divide="ignore", invalid="ignore"):
        kl_pm = np.where(p > 0, p * np.log(p / m), 0.0).sum()
        kl_qm = np.where(q > 0, q * np.log(q / m), 0.0).sum()
    return float(0.5 * (kl_pm + kl_qm))


@dataclass(frozen=True)
class CircleDiagnostics:
    """radial_error: mean |r - radius| / radius; angular_coverage: fraction of 36 angle bins
    (10 degrees each) holding at least 1% of samples / 36 ... i.e. a quarter of their fair share;
    angular_tv: total-variation distance of the angle histogram from uniform (0 = even)."""

    radial_error: float
    angular_coverage: float
    angular_tv: float

    def to_dict(self) -> dict:
        return asdict(self)


def circle_diagnostics(samples: np.ndarray, radius: float = 1.0,
                       bins: int = 36) -> CircleDiagnostics:
    """How well ``samples`` lie on a centred circle and spread around it."""
    x = _points(samples, "samples")
    r = np.sqrt((x**2).sum(1))
    radial = float(np.mean(np.abs(r - radius)) / radius)
    angle = np.arctan2(x[:, 1], x[:, 0])
    h, _ = np.histogram(angle, bins=bins, range=(-np.pi, np.pi))
    share = h / h.sum()
    coverage = float((share >= 0.25 / bins).mean())
    tv = float(0.5 * np.abs(share - 1.0 / bins).sum())
    return CircleDiagnostics(radial, coverage, tv)


# ---- the metric registry: which metrics judge which dataset, and their names ----------------
@dataclass(frozen=True)
class QualityMetric:
    """One quality number a toy GAN is judged by.

    family: "modes" (datasets with mode centres: VEEGAN/PacGAN counts), "circle" (datasets
    judged by how well samples lie on a circle) or "distance" (every dataset: sample
    distances to the real data). lower_is_better: the direction of "better". shown: False
    for bookkeeping numbers (``n_modes``) that no chart or table offers."""

    name: str
    label: str
    family: str
    lower_is_better: bool
    shown: bool = True


METRICS: dict[str, QualityMetric] = {m.name: m for m in (
    QualityMetric("modes", "modes captured", "modes", False),
    QualityMetric("n_modes", "modes in the data", "modes", False, shown=False),
    QualityMetric("high_quality", "high-quality fraction", "modes", False),
    QualityMetric("energy_distance", "energy distance", "distance", True),
    QualityMetric("sliced_wasserstein", "sliced Wasserstein", "distance", True),
    QualityMetric("grid_js", "JS divergence (grid)", "distance", True),
    QualityMetric("radial_error", "radial error", "circle", True),
    QualityMetric("angular_coverage", "angular coverage", "circle", False),
    QualityMetric("angular_tv", "angle TV from uniform", "circle", True),
)}
METRIC_LABELS: dict[str, str] = {m.name: m.label for m in METRICS.values()}
FAMILIES = ("modes", "distance", "circle")  # the order metrics are listed and computed in
# datasets judged by the circle diagnostics (their ``circle_radius`` is the radius)
CIRCLE_DATASETS = frozenset({"circle"})


def families(dataset: str, has_centres: bool) -> tuple[str, ...]:
    """The metric families that judge ``dataset`` (in FAMILIES order)."""
    return tuple(f for f in FAMILIES if f == "distance" or (f == "modes" and has_centres)
                 or (f == "circle" and dataset in CIRCLE_DATASETS))


def live_family(dataset: str, has_centres: bool) -> str:
    """The one family a live chart shows: modes where the dataset has modes, else the circle
    diagnostics for a circle, else the distances."""
    fams = families(dataset, has_centres)
    return "modes" if "modes" in fams else "circle" if "circle" in fams else "distance"


def family_of(names) -> str:
    """The live family a set of recorded metric names came from (see ``live_family``)."""
    names = set(names)
    for fam in ("modes", "circle"):
        if any(METRICS[n].family == fam for n in names if n in METRICS):
            return fam
    return "distance"


def metric_names(dataset: str) -> list[str]:
    """The shown metrics that judge the registry dataset ``dataset``, in FAMILIES order."""
    from ganviz.toy.datasets import get_dataset

    fams = families(dataset, get_dataset(dataset).centres is not None)
    return [m.name for f in fams for m in METRICS.values() if m.family == f and m.shown]


def quality(samples: np.ndarray, real: np.ndarray, centres: np.ndarray | None,
            std: float | None, display_range, dataset: str = "", radius: float = 1.0) -> dict:
    """Every metric of the dataset's families in one dict: modes / high quality where it has
    modes, circle diagnostics for a circle, and the distances for every dataset (on the
    finite samples; absent with fewer than two)."""
    out: dict[str, float] = {}
    has_centres = centres is not None and std is not None
    for fam in families(dataset, has_centres):
        if fam == "modes":
            mc = mode_coverage(samples, centres, std)
            out.update(modes=mc.modes, n_modes=mc.n_modes, high_quality=mc.high_quality)
        elif fam == "circle":
            out.update(circle_diagnostics(samples, radius).to_dict())
        else:
            finite = np.isfinite(np.asarray(samples)).all(axis=1)
            if finite.sum() >= 2:
                s = np.asarray(samples)[finite]
                out["energy_distance"] = energy_distance(s, real)
                out["sliced_wasserstein"] = sliced_wasserstein(s, real)
                out["grid_js"] = grid_js(s, real, display_range)
    return out


def live_quality(fake: np.ndarray, real: np.ndarray, centres: np.ndarray | None,
                 std: float | None, dataset: str, radius: float = 1.0,
                 max_points: int = 256) -> dict[str, float]:
    """The one quality measure a dataset's live chart shows, cheap enough for every refresh
    (see ``live_family``): modes captured and high-quality fraction, radial error and angular
    spread for the circle, otherwise the energy distance on ``max_points`` points of each.
    Non-finite samples count as misses."""
    fake = np.asarray(fake, np.float64)
    finite = np.isfinite(fake).all(axis=1)
    if finite.sum() < 2:
        return {}
    fam = live_family(dataset, centres is not None and std is not None)
    if fam == "modes":
        mc = mode_coverage(fake, centres, std)
        return {"modes": mc.modes, "n_modes": mc.n_modes, "high_quality": mc.high_quality}
    if fam == "circle":
        return circle_diagnostics(fake[finite], radius).to_dict()
    return {"energy_distance": energy_distance(fake[finite], real, max_points=max_points)}
