"""Precision, recall, density and coverage of generated features against real ones, the
realism score of each generated sample, and each sample's nearest real neighbour.

Definitions (Naeem et al. 2020, "Reliable Fidelity and Diversity Metrics for Generative
Models"; precision and recall from Kynkaanniemi et al. 2019, "Improved Precision and Recall
Metric for Assessing Generative Models"), with r(x) the distance from x to its k-th nearest
neighbour in its own set (the point itself excluded) and B(x, r) the open ball of radius r:

    precision = share of fakes inside some real ball B(real_i, r(real_i))
    recall    = share of reals inside some fake ball B(fake_j, r(fake_j))
    density   = (1/k) * mean over fakes of the number of real balls holding it
    coverage  = share of reals whose nearest fake lies inside their own ball

``prdc`` gives the numbers the authors' package gives (``prdc.compute_prdc`` 0.2, equal to
1e-9, ties included) without its three full N x N distance matrices: distances are computed a
block of rows at a time. To make ties come out as the package's do, the arithmetic is
scikit-learn's, term for term: squared distances ``(-2 x.y + |x|^2) + |y|^2`` in float64 with
the same matrix products (the package's 8 column slices of ``pairwise_distances(n_jobs=8)``,
row blocks aligned to BLAS tiles), clipped at 0, then ``sqrt``; between two float32 sets the
squared distance is rounded to float32 before the root, as scikit-learn does. Instead of
taking a root per pair, each radius r becomes the smallest squared distance T whose root
reaches r (the root is monotone), so ``dist < r`` is tested exactly as ``squared < T``.
Bit-for-bit equality rests on the BLAS rounding an entry of a product the same way whatever
the product's height, given tile-aligned blocks: true of NumPy's OpenBLAS, and checked by
tests/test_eval_prdc.py against scikit-learn itself; elsewhere only exact ties could differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ganviz.eval.metric_inputs import (
    check_count,
    check_features,
    check_same_width,
    read_only,
)

DEFAULT_K = 5
# Rows of distances held at once: (chunk, n) float64, 82 MB at n = 20,000 (larger blocks were
# no faster). Rounded down to a multiple of ROW_ALIGN so every block starts on a BLAS tile
# boundary: products then round exactly as in the package's single full-height product.
DEFAULT_CHUNK = 512
ROW_ALIGN = 64
# prdc 0.2 calls sklearn's pairwise_distances with n_jobs=8: 8 column slices, one product each.
PACKAGE_COLUMN_SLICES = 8
# Realism score: Kynkaanniemi et al. drop the real balls above this percentile of radii.
REALISM_PERCENTILE = 50.0
REALISM_EPS = 1e-5


@dataclass(frozen=True, eq=False)
class PRDC:
    """Precision, recall, density, coverage (Naeem et al. 2020) with k neighbours.

    real_radii: (n_real,), fake_radii: (n_fake,) k-NN distances within each set.
    fake_real_balls: (n_fake,) int64 number of real balls holding each fake
    (precision = mean(fake_real_balls > 0), density = mean(fake_real_balls) / k).
    real_in_fake: (n_real,) bool, real inside some fake ball (recall's per-sample view).
    real_covered: (n_real,) bool, real's nearest fake inside its ball (coverage's).
    """

    precision: float
    recall: float
    density: float
    coverage: float
    k: int
    n_real: int
    n_fake: int
    real_radii: np.ndarray
    fake_radii: np.ndarray
    fake_real_balls: np.ndarray
    real_in_fake: np.ndarray
    real_covered: np.ndarray

    def to_dict(self) -> dict[str, Any]:
        return {"precision": self.precision, "recall": self.recall, "density": self.density,
                "coverage": self.coverage, "k": self.k, "n_real": self.n_real,
                "n_fake": self.n_fake}


# ---------------------------------------------------------------- scikit-learn's arithmetic


@dataclass(frozen=True, eq=False)
class _Operand:
    """One feature set ready for squared distances: float64 rows, -2 x rows and |x|^2."""

    x: np.ndarray  # (n, d) float64
    minus_two: np.ndarray  # (n, d) -2 x: exact, so x.(-2y) rounds as -2 (x.y) does
    sq_norms: np.ndarray  # (n,) float64 |x|^2 as sklearn's row_norms (einsum)
    float32: bool  # the set came in as float32

    @classmethod
    def of(cls, features: np.ndarray) -> _Operand:
        x = np.ascontiguousarray(features, dtype=np.float64)
        return cls(x, -2.0 * x, np.einsum("ij,ij->i", x, x), features.dtype == np.float32)


def _column_slices(n: int) -> list[slice]:
    """sklearn.utils.gen_even_slices(n, 8): the package's 8 products, the first n % 8 wider."""
    out, start = [], 0
    for pack in range(PACKAGE_COLUMN_SLICES):
        width = n // PACKAGE_COLUMN_SLICES + (pack < n % PACKAGE_COLUMN_SLICES)
        if width > 0:
            out.append(slice(start, start + width))
            start += width
    return out


def _squared_block(rows: _Operand, start: int, stop: int, cols: _Operand, cs: slice,
                   out: np.ndarray) -> np.ndarray:
    """out (stop - start, cs width) = (-2 x.y + |x|^2) + |y|^2, sklearn's order of operations."""
    np.matmul(rows.x[start:stop], cols.minus_two[cs].T, out=out)
    out += rows.sq_norms[start:stop, None]
    out += cols.sq_norms[None, cs]
    return out


def _to_distance(squared: np.ndarray, float32: bool) -> np.ndarray:
    """sqrt(max(squared, 0)) as sklearn takes it; rounded to float32 first for float32 pairs.
    Returns float64 (float32 values exactly) so comparisons with other radii stay exact."""
    with np.errstate(over="ignore"):  # beyond float32's range is inf, as a cast gives
        squared = np.asarray(squared, dtype=np.float32 if float32 else np.float64)
    return np.sqrt(np.maximum(squared, 0)).astype(np.float64)


def _squared_thresholds(radii: np.ndarray, float32: bool) -> np.ndarray:
    """(n,) T with ``distance(a) < r  <=>  a < T`` for every float64 squared distance a:
    T is the smallest a whose distance reaches r, found by bisection on the float64 bit
    patterns (ordered like the values for a >= 0). r <= 0 holds nothing: T = -inf."""
    lo = np.zeros(radii.shape, dtype=np.int64)  # distance(0) = 0 < r
    hi = np.full(radii.shape, np.float64(np.inf).view(np.int64))  # distance(inf) >= r
    while (hi - lo > 1).any():
        mid = lo + (hi - lo) // 2
        reaches = _to_distance(mid.view(np.float64), float32) >= radii
        hi = np.where(reaches, mid, hi)
        lo = np.where(reaches, lo, mid)
    return np.where(radii > 0, hi.view(np.float64), -np.inf)


def _row_blocks(n: int, chunk: int) -> list[tuple[int, int]]:
    """(start, stop) row blocks of ``chunk`` rounded down to a multiple of ROW_ALIGN (at least
    ROW_ALIGN). A last block of one row joins the one before: NumPy would multiply a single
    row as a vector (gemv), which rounds differently from the package's full-height gemm."""
    step = max(ROW_ALIGN, chunk // ROW_ALIGN * ROW_ALIGN)
    blocks = [(start, min(start + step, n)) for start in range(0, n, step)]
    if len(blocks) > 1 and blocks[-1][1] - blocks[-1][0] == 1:
        blocks[-2:] = [(blocks[-2][0], n)]
    return blocks


def _tallest(blocks: list[tuple[int, int]]) -> int:
    return max(stop - start for start, stop in blocks)


def _knn_radii(points: _Operand, k: int, chunk: int) -> np.ndarray:
    """(n,) distance to the k-th nearest other point: the (k+1)-th smallest distance with the
    point's own set to 0, as the package's argpartition takes it. The root is monotone, so the
    order statistic is taken on squared distances and rooted once per point."""
    n = points.x.shape[0]
    slices = _column_slices(n)
    blocks = _row_blocks(n, chunk)
    buffer = np.empty((_tallest(blocks), n))  # (rows, n) squared distances
    kth = np.empty(n)
    for start, stop in blocks:
        block = buffer[:stop - start]
        for cs in slices:
            _squared_block(points, start, stop, points, cs, block[:, cs])
        block[np.arange(stop - start), np.arange(start, stop)] = 0.0  # sklearn zeroes the diagonal
        block.partition(k, axis=1)
        kth[start:stop] = block[:, k]
    return _to_distance(kth, points.float32)


# ---------------------------------------------------------------- the metrics


def _check_k(k: Any, n_real: int, n_fake: int) -> int:
    k = check_count(k, "k", 1)
    for name, n in (("real_features", n_real), ("fake_features", n_fake)):
        if n < k + 1:
            raise ValueError(f"k={k} needs at least {k + 1} samples in {name} (a ball's radius "
                             f"is the distance to the k-th nearest other sample), got {n}")
    return k


def _prepare(real_features: Any, fake_features: Any, k: Any, chunk: Any, fake_balls: bool):
    """Checked operands, k and chunk. fake_balls: the fakes need k-NN radii too (PRDC does,
    the realism score does not)."""
    real = check_features(real_features, "real_features", keep_float32=True)
    fake = check_features(fake_features, "fake_features", keep_float32=True)
    check_same_width(real, fake, "real_features", "fake_features")
    k = _check_k(k, real.shape[0], fake.shape[0] if fake_balls else k + 1)
    chunk = check_count(chunk, "chunk", 1)
    return _Operand.of(real), _Operand.of(fake), k, chunk


def _cross_pass(real: _Operand, fake: _Operand, real_thresholds: np.ndarray,
                fake_thresholds: np.ndarray, chunk: int):
    """One pass over real-vs-fake squared distances (rows: reals, as in the package).

    Returns fake_real_balls (n_fake,) int64, real_in_fake (n_real,) bool, real_covered
    (n_real,) bool. Holds one (chunk, n_fake / 8) tile at a time.
    """
    n_real, n_fake = real.x.shape[0], fake.x.shape[0]
    slices = _column_slices(n_fake)
    blocks = _row_blocks(n_real, chunk)
    width = slices[0].stop - slices[0].start  # the first slices are the widest
    tile_buffer = np.empty((_tallest(blocks), width))
    mask_buffer = np.empty(tile_buffer.shape, dtype=bool)
    fake_real_balls = np.zeros(n_fake, dtype=np.int64)
    real_in_fake = np.zeros(n_real, dtype=bool)
    nearest = np.full(n_real, np.inf)  # squared distance from each real to its nearest fake
    for start, stop in blocks:
        real_t = real_thresholds[start:stop, None]
        for cs in slices:
            shape = (stop - start, cs.stop - cs.start)
            tile = _squared_block(real, start, stop, fake, cs, tile_buffer[:shape[0], :shape[1]])
            inside = np.less(tile, real_t, out=mask_buffer[:shape[0], :shape[1]])
            fake_real_balls[cs] += inside.sum(axis=0)
            np.less(tile, fake_thresholds[None, cs], out=inside)
            real_in_fake[start:stop] |= inside.any(axis=1)
            np.minimum(nearest[start:stop], tile.min(axis=1), out=nearest[start:stop])
    return fake_real_balls, real_in_fake, nearest < real_thresholds


def prdc(
    real_features: Any, fake_features: Any, k: int = DEFAULT_K, chunk: int = DEFAULT_CHUNK
) -> PRDC:
    """Precision, recall, density and coverage (Naeem et al. 2020), equal to the authors'
    ``prdc.compute_prdc(real, fake, nearest_k=k)``.

    real_features: (n_real, d), fake_features: (n_fake, d), both with n >= k + 1 (the
    authors use k = 5; their package needs k + 2). chunk: rows of distances held at once
    (memory ~ chunk * n * 8 bytes; rounded down to a multiple of 64). float32 sets are
    compared in float32 as sklearn does.
    """
    real, fake, k, chunk = _prepare(real_features, fake_features, k, chunk, fake_balls=True)
    real_radii = _knn_radii(real, k, chunk)
    fake_radii = _knn_radii(fake, k, chunk)
    both_float32 = real.float32 and fake.float32  # sklearn's dtype for the real-fake distances
    fake_real_balls, real_in_fake, real_covered = _cross_pass(
        real, fake, _squared_thresholds(real_radii, both_float32),
        _squared_thresholds(fake_radii, both_float32), chunk)
    read_only(real_radii, fake_radii, fake_real_balls, real_in_fake, real_covered)
    return PRDC(
        precision=float(np.mean(fake_real_balls > 0)),
        recall=float(np.mean(real_in_fake)),
        density=float((1.0 / k) * fake_real_balls.mean()),
        coverage=float(np.mean(real_covered)),
        k=k, n_real=real.x.shape[0], n_fake=fake.x.shape[0],
        real_radii=real_radii, fake_radii=fake_radii, fake_real_balls=fake_real_balls,
        real_in_fake=real_in_fake, real_covered=real_covered,
    )


def realism(
    real_features: Any, fake_features: Any, k: int = DEFAULT_K, chunk: int = DEFAULT_CHUNK
) -> np.ndarray:
    """Realism score of each fake (Kynkaanniemi et al. 2019, section 5): (n_fake,) float64

        R(fake) = max over kept reals i of  r(real_i) / (||fake - real_i|| + 1e-5)

    with r the k-NN radius among reals (n_real >= k + 1) and only the reals whose radius is at
    most the median kept (the authors drop the largest half: outliers' big balls would make
    anything look real). R >= 1 roughly means "inside the real manifold"; rank fakes by it.
    The authors' code takes the ratio of squared distances, i.e. the square of this score.
    """
    real, fake, k, chunk = _prepare(real_features, fake_features, k, chunk, fake_balls=False)
    radii = _knn_radii(real, k, chunk)
    kept = radii <= np.percentile(radii, REALISM_PERCENTILE)
    ref = _Operand.of(real.x[kept])
    kept_radii = radii[kept]
    n_fake = fake.x.shape[0]
    scores = np.empty(n_fake)
    whole = slice(0, ref.x.shape[0])
    for start, stop in _row_blocks(n_fake, chunk):
        squared = _squared_block(fake, start, stop, ref, whole,
                                 np.empty((stop - start, ref.x.shape[0])))  # (rows, kept)
        distances = np.sqrt(np.maximum(squared, 0, out=squared), out=squared)
        distances += REALISM_EPS
        scores[start:stop] = (kept_radii[None, :] / distances).max(axis=1)
    return scores


def nearest_neighbours(
    reference: Any, query: Any, chunk: int = DEFAULT_CHUNK
) -> tuple[np.ndarray, np.ndarray]:
    """Each query sample's nearest reference sample (L2): the memorisation check.

    reference: (n_ref, d) e.g. training features; query: (n_query, d) e.g. generated ones.
    Returns indices (n_query,) int64 into reference (lowest index on ties) and distances
    (n_query,) float64, recomputed as ||q - ref[index]|| directly so an exact copy gives 0.
    Judge the distances against held-out real vs training (real data's own distances).
    """
    ref = check_features(reference, "reference")
    q = check_features(query, "query")
    check_same_width(ref, q, "reference", "query")
    chunk = check_count(chunk, "chunk", 1)
    ref_operand, q_operand = _Operand.of(ref), _Operand.of(q)
    whole = slice(0, ref.shape[0])
    indices = np.empty(q.shape[0], dtype=np.int64)
    for start in range(0, q.shape[0], chunk):
        stop = min(start + chunk, q.shape[0])
        squared = _squared_block(q_operand, start, stop, ref_operand, whole,
                                 np.empty((stop - start, ref.shape[0])))
        indices[start:stop] = np.argmin(squared, axis=1)
    distances = np.linalg.norm(q - ref[indices], axis=1)
    return indices, distances
