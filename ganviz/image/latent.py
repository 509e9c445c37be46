"""Latent-space paths for image GANs: pure NumPy, no TensorFlow.

Shapes: a latent point is a (d,) float vector (d = latent_dim); a path of k points is (k, d).
All functions return float32 (the generator's input dtype) and refuse bad input with a
ValueError that says what to change.

Why slerp: a generator is trained on z ~ N(0, I_d), whose norm follows a chi distribution with
d degrees of freedom, concentrated near sqrt(d - 1/2) (a thin shell for d = 64). The straight
line between two such points passes well inside the shell (at the midpoint of two orthogonal
draws the norm is about 0.71 sqrt(d)), where the generator has never seen inputs. Spherical
interpolation follows the great circle and stays on the shell. Sources: Shoemake 1985,
"Animating rotation with quaternion curves" (slerp); White 2016, "Sampling Generative
Networks" (slerp, bilinear latent grids, the chi-norm argument for GANs/VAEs).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

METHODS = ("lerp", "slerp")
MAX_STEPS = 1024
MAX_GRID_SIDE = 64
_PARALLEL_EPS = 1e-6  # |cos| within this of 1: the great circle is (nearly) undefined
# Extra seed words, so that `seed` here never replays `Checkpoint.latent(n, seed)`'s stream
# (a walk direction equal to its own start point, or resampled values copying z).
_DIRECTION_STREAM, _TRUNCATION_STREAM = 0xD1EC, 0x7C47


# ---------------------------------------------------------------------------- helpers

def _vector(x, name: str) -> np.ndarray:
    v = np.asarray(x, dtype=np.float64)
    if v.ndim != 1 or v.size == 0:
        raise ValueError(f"{name} must be a (d,) vector, got shape {v.shape}")
    if not np.all(np.isfinite(v)):
        raise ValueError(f"{name} holds NaN or inf")
    return v


def _pair(a, b) -> tuple[np.ndarray, np.ndarray]:
    a, b = _vector(a, "a"), _vector(b, "b")
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    return a, b


def _fractions(t) -> tuple[np.ndarray, bool]:
    """t: a float or (k,) floats in [0, 1] -> ((k,) float64, was_scalar)."""
    arr = np.asarray(t, dtype=np.float64)
    scalar = arr.ndim == 0
    arr = np.atleast_1d(arr)
    if arr.ndim != 1:
        raise ValueError(f"t must be a number or a (k,) vector, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)) or arr.min(initial=0.0) < 0.0 or arr.max(initial=0.0) > 1.0:
        raise ValueError("t must lie in [0, 1]")
    return arr, scalar


def _finish(path: np.ndarray, a: np.ndarray, b: np.ndarray, t: np.ndarray,
            scalar: bool) -> np.ndarray:
    # exact endpoints whatever the rounding inside the formula
    path[t == 0.0] = a
    path[t == 1.0] = b
    path = path.astype(np.float32)
    return path[0] if scalar else path


def _method(method: str):
    try:
        return {"lerp": lerp, "slerp": slerp}[method]
    except KeyError:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}") from None


def _check_count(n: int, name: str, lo: int, hi: int) -> int:
    if isinstance(n, bool) or int(n) != n or not lo <= int(n) <= hi:
        raise ValueError(f"{name} must be an integer in {lo}..{hi}, got {n}")
    return int(n)


# ---------------------------------------------------------------------------- two points

def lerp(a, b, t) -> np.ndarray:
    """Linear interpolation (1 - t) a + t b.

    a, b: (d,); t: a float or (k,) floats in [0, 1]. Returns (d,) for a scalar t, else (k, d)
    float32. t = 0 gives a and t = 1 gives b exactly.
    """
    a, b = _pair(a, b)
    t, scalar = _fractions(t)
    path = (1.0 - t)[:, None] * a + t[:, None] * b
    return _finish(path, a, b, t, scalar)


def _perpendicular(u: np.ndarray) -> np.ndarray:
    """A unit vector orthogonal to unit u: Gram-Schmidt on the axis least aligned with u
    (deterministic, so the antiparallel case always takes the same great circle)."""
    e = np.zeros_like(u)
    e[int(np.argmin(np.abs(u)))] = 1.0
    p = e - (e @ u) * u
    return p / np.linalg.norm(p)


def slerp(a, b, t) -> np.ndarray:
    """Spherical linear interpolation (Shoemake 1985; for GAN latents White 2016).

    a, b: (d,); t: a float or (k,) floats in [0, 1]. Returns (d,) or (k, d) float32.
    The direction moves along the great circle from a/|a| to b/|b| at constant angular speed:
        u(t) = sin((1 - t) w) / sin(w) * a_hat + sin(t w) / sin(w) * b_hat,  cos w = a_hat . b_hat
    and the norm moves linearly from |a| to |b|. For |a| = |b| this is exactly the formula in
    White's code; for unequal norms it keeps every interpolant's norm between the endpoints'.
    Endpoints are hit exactly. Nearly parallel vectors (w ~ 0) fall back to lerp (the arc is a
    line there); antiparallel vectors (w ~ pi, every great circle through both is equally short)
    take the circle through a fixed perpendicular direction. A zero vector has no direction: lerp.
    """
    a, b = _pair(a, b)
    t, scalar = _fractions(t)
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na == 0.0 or nb == 0.0:
        return lerp(a, b, t[0] if scalar else t)
    ua, ub = a / na, b / nb
    cos_w = float(np.clip(ua @ ub, -1.0, 1.0))
    if cos_w > 1.0 - _PARALLEL_EPS:
        return lerp(a, b, t[0] if scalar else t)
    if cos_w < -1.0 + _PARALLEL_EPS:
        p = _perpendicular(ua)
        direction = np.cos(np.pi * t)[:, None] * ua + np.sin(np.pi * t)[:, None] * p
    else:
        w = math.acos(cos_w)
        s = math.sin(w)
        direction = (np.sin((1.0 - t) * w) / s)[:, None] * ua + (np.sin(t * w) / s)[:, None] * ub
        direction /= np.linalg.norm(direction, axis=1, keepdims=True)
    norm = (1.0 - t) * na + t * nb
    return _finish(direction * norm[:, None], a, b, t, scalar)


def interpolate(a, b, steps: int, method: str = "slerp") -> np.ndarray:
    """`steps` evenly spaced points from a to b (both included). a, b: (d,); steps 2..1024;
    method "lerp" or "slerp". Returns (steps, d) float32."""
    steps = _check_count(steps, "steps", 2, MAX_STEPS)
    return _method(method)(a, b, np.linspace(0.0, 1.0, steps))


# ---------------------------------------------------------------------------- grids

def bilinear_grid(corners, rows: int, cols: int, method: str = "slerp") -> np.ndarray:
    """A (rows, cols, d) float32 grid spanned by four corner latents (White 2016, fig. 3).

    corners: (4, d) in the order top-left, top-right, bottom-left, bottom-right. Each row's two
    ends are interpolated down the left and right edges, then the row is interpolated between
    them, with `method` for both ("lerp" gives the bilinear patch). grid[0, 0], grid[0, -1],
    grid[-1, 0], grid[-1, -1] are the corners exactly. rows, cols: 2..64.
    """
    rows = _check_count(rows, "rows", 2, MAX_GRID_SIDE)
    cols = _check_count(cols, "cols", 2, MAX_GRID_SIDE)
    c = np.asarray(corners, dtype=np.float64)
    if c.ndim != 2 or c.shape[0] != 4:
        raise ValueError(f"corners must be (4, d) (top-left, top-right, bottom-left, "
                         f"bottom-right), got shape {c.shape}")
    fn = _method(method)
    u = np.linspace(0.0, 1.0, rows)
    left, right = fn(c[0], c[2], u), fn(c[1], c[3], u)
    v = np.linspace(0.0, 1.0, cols)
    return np.stack([fn(left[r], right[r], v) for r in range(rows)]).astype(np.float32)


def class_grid(z, classes) -> tuple[np.ndarray, np.ndarray]:
    """The class x noise grid of a conditional generator: noise fixed per column, class per row.

    z: (cols, d) one latent per column; classes: (rows,) ints, one class per row.
    Returns (z_flat (rows * cols, d) float32, labels (rows * cols,) int32) in row-major order,
    so image r * cols + c is class classes[r] drawn with noise z[c].
    """
    z = np.asarray(z, dtype=np.float32)
    if z.ndim != 2 or len(z) == 0:
        raise ValueError(f"z must be (cols, d) with cols >= 1, got shape {z.shape}")
    classes = np.asarray(classes)
    if classes.ndim != 1 or len(classes) == 0 or not np.issubdtype(classes.dtype, np.integer):
        raise ValueError(f"classes must be a non-empty list of ints, got {classes!r}")
    rows, cols = len(classes), len(z)
    return np.tile(z, (rows, 1)), np.repeat(classes.astype(np.int32), cols)


@dataclass(frozen=True)
class ClassPath:
    """Inputs for a class-to-class morph with the noise held fixed.

    z: (steps, d) float32, the same noise in every row. t: (steps,) fractions 0..1.
    labels: (steps,) int32, class_a while t < 0.5, then class_b (the nearest real class).
    embeddings: (steps, e) float32 mixed label embeddings, or None when stepping labels.
    """

    z: np.ndarray
    t: np.ndarray
    labels: np.ndarray
    embeddings: np.ndarray | None

    @property
    def mixed(self) -> bool:
        return self.embeddings is not None


def class_interpolation(z, class_a: int, class_b: int, steps: int, num_classes: int,
                        embedding_table=None, method: str = "lerp") -> ClassPath:
    """Interpolate between two classes of a conditional generator with fixed noise z (d,).

    With `embedding_table` (num_classes, e), the generator's learned label embedding, the label
    input itself is interpolated: row k gets `method`(E[class_a], E[class_b], t_k), so the
    generator sees in-between labels and the image morphs (valid only for generators that take
    the embedding vector, e.g. ganviz's cDCGAN, where it is concatenated to z). Without it the
    labels can only be stepped: the first half of the strip shows class_a, the second class_b,
    always with the same noise, which shows what the noise (style) keeps across classes.
    Returns a ClassPath; steps 2..1024.
    """
    steps = _check_count(steps, "steps", 2, MAX_STEPS)
    num_classes = _check_count(num_classes, "num_classes", 2, 100_000)
    for name, c in (("class_a", class_a), ("class_b", class_b)):
        if isinstance(c, bool) or int(c) != c or not 0 <= int(c) < num_classes:
            raise ValueError(f"{name} must be a class in 0..{num_classes - 1}, got {c}")
    z = _vector(z, "z")
    t = np.linspace(0.0, 1.0, steps)
    labels = np.where(t < 0.5, int(class_a), int(class_b)).astype(np.int32)
    emb = None
    if embedding_table is not None:
        table = np.asarray(embedding_table, dtype=np.float64)
        if table.ndim != 2 or table.shape[0] != num_classes:
            raise ValueError(f"embedding_table must be ({num_classes}, e), got {table.shape}")
        emb = _method(method)(table[int(class_a)], table[int(class_b)], t)
    return ClassPath(np.tile(z.astype(np.float32), (steps, 1)), t, labels, emb)


# ---------------------------------------------------------------------------- walks, truncation

def random_direction(d: int, seed: int = 0) -> np.ndarray:
    """A (d,) float32 unit vector, uniform on the sphere (a normalised Gaussian draw).
    Drawn from its own stream: it is not the direction of `default_rng(seed)`'s first draw."""
    d = _check_count(d, "d", 1, 1_000_000)
    v = np.random.default_rng((int(seed), _DIRECTION_STREAM)).standard_normal(d)
    return (v / np.linalg.norm(v)).astype(np.float32)


def random_walk(z0, direction=None, steps: int = 16, step_size: float = 0.5,
                seed: int = 0) -> np.ndarray:
    """A straight walk z_k = z0 + k * step_size * u, k = 0..steps-1, u = direction / |direction|
    (a random unit direction from `seed` when None). z0: (d,). step_size in (0, 100].
    Returns (steps, d) float32; row 0 is z0. Long walks leave the chi shell, which is the point
    of showing them next to the norm plot."""
    z0 = _vector(z0, "z0")
    steps = _check_count(steps, "steps", 2, MAX_STEPS)
    if not (np.isfinite(step_size) and 0.0 < step_size <= 100.0):
        raise ValueError(f"step_size must be in (0, 100], got {step_size}")
    if direction is None:
        u = random_direction(len(z0), seed).astype(np.float64)
    else:
        u = _vector(direction, "direction")
        if u.shape != z0.shape:
            raise ValueError(f"direction must have shape {z0.shape}, got {u.shape}")
        n = np.linalg.norm(u)
        if n == 0.0:
            raise ValueError("direction must not be the zero vector")
        u = u / n
    k = np.arange(steps, dtype=np.float64)[:, None]
    return (z0 + k * step_size * u).astype(np.float32)


def truncate(z, threshold: float | None, seed: int = 0, max_rounds: int = 10_000) -> np.ndarray:
    """The truncation trick by resampling (Brock, Donahue & Simonyan 2018, BigGAN): every
    component with |z_i| > threshold is redrawn from N(0, 1) until it falls inside, so the result
    is an exact truncated normal. Smaller thresholds trade variety for typical-looking images.

    z: (n, d) or (d,). threshold: > 0 (None or inf: unchanged). Returns float32 like z.
    Thresholds below 0.01 are refused (too few draws would ever be accepted).
    """
    z = np.asarray(z, dtype=np.float32)
    if threshold is None or threshold == np.inf:
        return z.copy()
    if not (np.isfinite(threshold) and threshold >= 0.01):
        raise ValueError(f"truncation threshold must be >= 0.01 (or off), got {threshold}")
    rng = np.random.default_rng((int(seed), _TRUNCATION_STREAM))
    out = z.copy()
    bad = np.abs(out) > threshold
    for _ in range(max_rounds):
        count = int(bad.sum())
        if count == 0:
            break
        out[bad] = rng.standard_normal(count).astype(np.float32)
        bad = np.abs(out) > threshold
    # rounds exhausted (astronomically unlikely for threshold >= 0.01): clip the rest
    return np.clip(out, -threshold, threshold)


# ---------------------------------------------------------------------------- norms

def latent_norms(z) -> np.ndarray:
    """Euclidean norms of latents: (k, d) -> (k,) float64 (also (..., d) -> (...))."""
    z = np.asarray(z, dtype=np.float64)
    if z.ndim < 1:
        raise ValueError("z must have a trailing latent dimension")
    return np.linalg.norm(z, axis=-1)


def reference_norms(latent_dim: int, n: int = 10_000, seed: int = 0) -> np.ndarray:
    """Norms of n real draws z ~ N(0, I_latent_dim): (n,) float64, chi-distributed."""
    latent_dim = _check_count(latent_dim, "latent_dim", 1, 1_000_000)
    n = _check_count(n, "n", 1, 10_000_000)
    return latent_norms(np.random.default_rng(seed).standard_normal((n, latent_dim)))


def chi_pdf(r, k: int) -> np.ndarray:
    """Density of the chi distribution with k degrees of freedom (the norm of N(0, I_k)):
    f(r) = r^(k-1) exp(-r^2 / 2) / (2^(k/2 - 1) Gamma(k/2)), r >= 0."""
    k = _check_count(k, "k", 1, 1_000_000)
    r = np.asarray(r, dtype=np.float64)
    safe = np.where(r > 0, r, 1.0)
    log_f = (k - 1) * np.log(safe) - safe ** 2 / 2 - (k / 2 - 1) * math.log(2) - math.lgamma(k / 2)
    at_zero = math.sqrt(2 / math.pi) if k == 1 else 0.0
    return np.where(r > 0, np.exp(log_f), np.where(r == 0, at_zero, 0.0))


def chi_mean_std(k: int) -> tuple[float, float]:
    """Mean sqrt(2) Gamma((k+1)/2) / Gamma(k/2) and standard deviation sqrt(k - mean^2) of
    chi(k); for large k the mean is about sqrt(k - 1/2) and the std about 1/sqrt(2)."""
    k = _check_count(k, "k", 1, 1_000_000)
    mean = math.sqrt(2.0) * math.exp(math.lgamma((k + 1) / 2) - math.lgamma(k / 2))
    return mean, math.sqrt(max(k - mean * mean, 0.0))
