"""NDB: the Number of statistically Different Bins (Richardson & Weiss 2018, "On GANs and GMMs").

A mode-collapse score that needs no classifier and no pretrained network:

1. ``fit_bins``: k-means (k-means++ init, seeded) on the training samples, optionally after
   per-dimension whitening by the training mean and std; each bin's centre is the mean of its
   members; bins are ordered by size, largest first, as the authors' reference code does.
2. ``evaluate``: every query sample goes to its nearest centre (L2); per bin a two-proportion
   z-test with pooled proportion compares the training and query proportions; a bin is
   *different* if the two-sided p-value is below ``alpha`` or, when a threshold is given,
   if ``|z| > z_threshold``. NDB is the number of different bins, NDB/K its fraction, and JS
   the Jensen-Shannon divergence (natural log) between the two bin histograms.

Bins are fitted once and reused for any number of query sets: refitting k-means on generated
samples would change what the bins mean. Samples of any shape ``(n, ...)`` are flattened per
sample; this module knows nothing about images or models (pure NumPy / scikit-learn / SciPy).

One deliberate difference from the reference code: it clusters a random d/6 of the dimensions
when d > 1000 (for speed); here k-means always sees every dimension, so bins are seeded
entirely by ``seed`` and identical for a given training set.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

# The reference adds this to the training std so constant pixels do not divide by zero.
WHITENING_EPS = 1e-6
# k-means settings for fit_bins and elbow. One k-means++ start (scikit-learn's own choice for
# k-means++ with n_init="auto") and at most 100 iterations (the reference's max_iter).
# More starts would multiply the time for a lower inertia that barely moves the bins' meaning.
# Elkan's algorithm gives Lloyd's exact result (same inertia, same iterations) but skips
# distances by the triangle inequality, at the cost of (n, K) bounds: 16 MB at n=20,000, K=100.
# float64 on purpose: scikit-learn's float32 path was the slower one when measured.
KMEANS_N_INIT = 1
KMEANS_MAX_ITER = 100
KMEANS_ALGORITHM = "elkan"
# Rows per block in nearest-centre assignment: bounds the (rows, K) distance matrix in memory.
ASSIGN_BLOCK_ROWS = 8192


@dataclass(frozen=True, eq=False)
class NDBBins:
    """K bins fitted on training samples; reuse them for every query set.

    centers: (K, d) float64, in the (whitened, if ``whiten``) feature space, largest bin first.
    train_counts: (K,) int64 training members per bin; train_proportions: (K,) summing to 1.
    train_bins: (n_train,) int64, each training sample's bin (its k-means cluster).
    mean, std: (d,) float64 whitening statistics (std includes +1e-6), or None without whitening.
    sample_shape: the shape of one input sample, e.g. (28, 28, 1), to draw a centre as an image.
    inertia: k-means sum of squared distances to the cluster centres; n_iter: Lloyd iterations.
    """

    centers: np.ndarray
    train_counts: np.ndarray
    train_proportions: np.ndarray
    train_bins: np.ndarray
    mean: np.ndarray | None
    std: np.ndarray | None
    whiten: bool
    seed: int
    sample_shape: tuple[int, ...]
    inertia: float
    n_iter: int

    @property
    def K(self) -> int:
        return int(self.centers.shape[0])

    @property
    def n_train(self) -> int:
        return int(self.train_bins.shape[0])

    @property
    def n_features(self) -> int:
        return int(self.centers.shape[1])

    def features(self, samples: Any, name: str = "query") -> np.ndarray:
        """samples: (n, ...) numbers with prod(...) == n_features. Returns (n, d) float64,
        whitened by the training statistics when the bins were fitted with whitening."""
        x = flatten_samples(samples, name)
        if x.shape[1] != self.n_features:
            raise ValueError(
                f"{name} samples have {x.shape[1]} features per sample "
                f"(shape {np.shape(samples)}), "
                f"but the bins were fitted on {self.n_features} (sample shape {self.sample_shape})"
            )
        if self.whiten:
            x = (x - self.mean) / self.std
        return x

    def assign(self, samples: Any, name: str = "query") -> np.ndarray:
        """samples: (n, ...). Returns (n,) int64, each sample's nearest bin centre (L2)."""
        return nearest_center(self.features(samples, name), self.centers)

    def center_samples(self) -> np.ndarray:
        """Bin centres back in input space (whitening undone): (K, *sample_shape) float64."""
        centers = self.centers * self.std + self.mean if self.whiten else self.centers
        return centers.reshape((self.K, *self.sample_shape))


@dataclass(frozen=True, eq=False)
class NDBResult:
    """NDB of one query set against fitted bins (Richardson & Weiss 2018).

    Per-bin arrays are (K,) and follow the bins' order (largest training bin first).
    z = (train_proportion - query_proportion) / se, so z > 0 means the query has too few
    samples in that bin. ``direction`` is sign(query - train): +1 over-, -1 under-represented.
    se: the pooled standard error of the test. train_se: the reference's plotting band,
    train_proportion +- train_se (pooled SE of the training proportion at both sample sizes).
    query_bins: (n_query,) each query sample's bin.
    """

    K: int
    NDB: int
    NDB_K: float
    JS: float
    n_train: int
    n_query: int
    alpha: float
    z_threshold: float | None
    train_proportions: np.ndarray
    query_proportions: np.ndarray
    query_counts: np.ndarray
    z: np.ndarray
    p: np.ndarray
    se: np.ndarray
    train_se: np.ndarray
    different: np.ndarray
    direction: np.ndarray
    query_bins: np.ndarray

    @property
    def different_bins(self) -> np.ndarray:
        """Indices of the statistically different bins."""
        return np.flatnonzero(self.different)

    @property
    def over_represented(self) -> np.ndarray:
        """Indices of different bins holding too many query samples."""
        return np.flatnonzero(self.different & (self.direction > 0))

    @property
    def under_represented(self) -> np.ndarray:
        """Indices of different bins holding too few query samples (missing modes)."""
        return np.flatnonzero(self.different & (self.direction < 0))

    def to_dict(self, per_sample: bool = False) -> dict[str, Any]:
        """JSON-ready summary; per-bin lists always, query_bins only if ``per_sample``."""
        out: dict[str, Any] = {
            "K": self.K,
            "NDB": self.NDB,
            "NDB_K": self.NDB_K,
            "JS": self.JS,
            "different_bins": self.different_bins.tolist(),
            "over_represented": self.over_represented.tolist(),
            "under_represented": self.under_represented.tolist(),
            "n_train": self.n_train,
            "n_query": self.n_query,
            "alpha": self.alpha,
            "z_threshold": self.z_threshold,
            "train_proportions": self.train_proportions.tolist(),
            "query_proportions": self.query_proportions.tolist(),
            "z": self.z.tolist(),
            "p": self.p.tolist(),
        }
        if per_sample:
            out["query_bins"] = self.query_bins.tolist()
        return out


# ---------------------------------------------------------------- input checks


def flatten_samples(samples: Any, name: str = "samples") -> np.ndarray:
    """samples: (n, ...) real numbers. Returns (n, prod(...)) float64; refuses NaN/Inf."""
    x = np.asarray(samples)
    if x.dtype == object or not (np.issubdtype(x.dtype, np.number) or x.dtype == bool):
        raise ValueError(f"{name} must be an array of numbers, got dtype {x.dtype}")
    if np.iscomplexobj(x):
        raise ValueError(f"{name} must be real numbers, got dtype {x.dtype}")
    if x.ndim == 0:
        raise ValueError(f"{name} must be an array of samples (n, ...), got a scalar")
    if x.shape[0] == 0:
        raise ValueError(f"{name} holds no samples (shape {x.shape})")
    x = x.reshape(x.shape[0], -1).astype(np.float64, copy=False)
    if x.shape[1] == 0:
        raise ValueError(f"{name} samples have no features (shape {np.shape(samples)})")
    if not np.isfinite(x).all():
        bad = int(np.count_nonzero(~np.isfinite(x).all(axis=1)))
        raise ValueError(f"{name} holds NaN or Inf values (in {bad} of {x.shape[0]} samples)")
    return x


def check_k(k: Any, n_train: int) -> int:
    """k as an int, if it is an integer >= 2 and there are at least k training samples."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise ValueError(f"number of bins K must be an integer, got {k!r}")
    if k < 2:
        raise ValueError(f"number of bins K must be at least 2, got {k}")
    if n_train < k:
        raise ValueError(f"need at least K={k} training samples for K bins, got {n_train}")
    return int(k)


def check_significance(alpha: float, z_threshold: float | None) -> None:
    """Refuses alpha outside (0, 1) and a z_threshold that is not a positive number."""
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    if z_threshold is not None and not (np.isfinite(z_threshold) and z_threshold > 0):
        raise ValueError(f"z_threshold must be a positive number, got {z_threshold}")


# ---------------------------------------------------------------- the maths


def _kmeans(x: np.ndarray, k: int, seed: int):
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**32:
        raise ValueError(f"seed must be an integer in 0..2**32-1, got {seed!r}")
    # imported here: importing ganviz stays cheap
    from sklearn.cluster import KMeans
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        # "fewer distinct clusters than n_clusters": fit_bins refuses the empty bins itself
        warnings.simplefilter("ignore", ConvergenceWarning)
        return KMeans(
            n_clusters=k, init="k-means++", n_init=KMEANS_N_INIT, max_iter=KMEANS_MAX_ITER,
            algorithm=KMEANS_ALGORITHM, random_state=seed,
        ).fit(x)


def fit_bins(train: Any, k: int, whiten: bool = False, seed: int = 0) -> NDBBins:
    """Fit K NDB bins on training samples (Richardson & Weiss 2018, reference algorithm).

    train: (n, ...) numbers, n >= k; flattened per sample. k: number of bins, >= 2.
    whiten: standardise each dimension by the training mean and std (+1e-6) first.
    seed: k-means++ seed; the same seed and data give the same bins.
    """
    x = flatten_samples(train, "training")
    k = check_k(k, x.shape[0])
    mean = std = None
    if whiten:
        mean = x.mean(axis=0)
        std = x.std(axis=0) + WHITENING_EPS
        x = (x - mean) / std
    km = _kmeans(x, k, seed)
    labels = km.labels_.astype(np.int64)
    counts = np.bincount(labels, minlength=k)
    if (counts == 0).any():
        raise ValueError(
            f"k-means left {int((counts == 0).sum())} of K={k} bins empty: the training set has "
            f"too few distinct samples for K={k}; use fewer bins"
        )
    # Largest bin first, as the reference orders them; stable sort keeps ties reproducible.
    order = np.argsort(-counts, kind="stable")
    rank = np.empty(k, dtype=np.int64)
    rank[order] = np.arange(k)
    train_bins = rank[labels]
    counts = counts[order]
    centers = _member_sums(train_bins, x, k) / counts[:, None]
    bins = NDBBins(
        centers=centers,
        train_counts=counts,
        train_proportions=counts / counts.sum(),
        train_bins=train_bins,
        mean=mean,
        std=std,
        whiten=bool(whiten),
        seed=int(seed),
        sample_shape=tuple(np.shape(train)[1:]) or (1,),
        inertia=float(km.inertia_),
        n_iter=int(km.n_iter_),
    )
    for array in (bins.centers, bins.train_counts, bins.train_proportions, bins.train_bins,
                  bins.mean, bins.std):
        if array is not None:
            array.setflags(write=False)  # frozen means frozen: bins are shared between queries
    return bins


def _member_sums(bins: np.ndarray, x: np.ndarray, k: int) -> np.ndarray:
    """(k, d) sum of each bin's members: one sparse (k, n) indicator matmul, not a loop over
    bins."""
    from scipy.sparse import csr_matrix

    n = x.shape[0]
    indicator = csr_matrix((np.ones(n), (bins, np.arange(n))), shape=(k, n))
    return np.asarray(indicator @ x)


def nearest_center(x: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """x: (n, d), centers: (K, d). Returns (n,) int64 index of the nearest centre (L2).

    Uses ||a - b||^2 = ||a||^2 - 2 a.b + ||b||^2 as one float64 matmul per block of rows;
    ||a||^2 is the same for every centre of a row, so only -2 a.b + ||b||^2 is compared.
    """
    center_sq = np.einsum("ij,ij->i", centers, centers)
    out = np.empty(x.shape[0], dtype=np.int64)
    for start in range(0, x.shape[0], ASSIGN_BLOCK_ROWS):
        block = x[start:start + ASSIGN_BLOCK_ROWS]
        out[start:start + block.shape[0]] = np.argmin(center_sq - 2.0 * (block @ centers.T), axis=1)
    return out


def two_proportion_z_test(
    p1: np.ndarray, n1: int, p2: np.ndarray, n2: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pooled two-proportion z-test, element-wise. Returns (z, two-sided p, se).

    p = (p1 n1 + p2 n2) / (n1 + n2); se = sqrt(p (1 - p) (1/n1 + 1/n2)); z = (p1 - p2) / se;
    p-value = 2 Phi(-|z|). Where se is 0 (both proportions 0 or both 1) z = 0 and p = 1.
    """
    from scipy.stats import norm

    p1 = np.asarray(p1, dtype=np.float64)
    p2 = np.asarray(p2, dtype=np.float64)
    pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
    se = np.sqrt(pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, (p1 - p2) / np.where(se > 0, se, 1.0), 0.0)
    p_value = 2.0 * norm.cdf(-np.abs(z))
    return z, p_value, se


def js_divergence(p: np.ndarray, q: np.ndarray) -> float:
    """Jensen-Shannon divergence (natural log, in [0, ln 2]) between two histograms summing to 1."""
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    m = 0.5 * (p + q)
    return 0.5 * (_kl_divergence(p, m) + _kl_divergence(q, m))


def _kl_divergence(p: np.ndarray, q: np.ndarray) -> float:
    positive = p > 0  # q > 0 wherever p > 0, since q is the midpoint histogram
    return float(np.sum(p[positive] * np.log(p[positive] / q[positive])))


def evaluate(
    bins: NDBBins, query: Any, alpha: float = 0.05, z_threshold: float | None = None
) -> NDBResult:
    """NDB and JS of query samples against fitted bins (Richardson & Weiss 2018).

    query: (m, ...) numbers with the training samples' number of features.
    alpha: a bin differs if its two-sided p-value < alpha (default 0.05), unless
    z_threshold is given: then a bin differs if |z| > z_threshold (the authors' MNIST demo: 4).
    """
    check_significance(alpha, z_threshold)
    query_bins = bins.assign(query)
    n_query = int(query_bins.shape[0])
    query_counts = np.bincount(query_bins, minlength=bins.K)
    query_proportions = query_counts / n_query
    z, p_value, se = two_proportion_z_test(
        bins.train_proportions, bins.n_train, query_proportions, n_query
    )
    _, _, train_se = two_proportion_z_test(
        bins.train_proportions, bins.n_train, bins.train_proportions, n_query
    )
    different = np.abs(z) > z_threshold if z_threshold is not None else p_value < alpha
    ndb_count = int(np.count_nonzero(different))
    return NDBResult(
        K=bins.K,
        NDB=ndb_count,
        NDB_K=ndb_count / bins.K,
        JS=js_divergence(bins.train_proportions, query_proportions),
        n_train=bins.n_train,
        n_query=n_query,
        alpha=float(alpha),
        z_threshold=None if z_threshold is None else float(z_threshold),
        train_proportions=bins.train_proportions,
        query_proportions=query_proportions,
        query_counts=query_counts,
        z=z,
        p=p_value,
        se=se,
        train_se=train_se,
        different=different,
        direction=np.sign(query_proportions - bins.train_proportions).astype(np.int8),
        query_bins=query_bins,
    )


def ndb(
    train: Any,
    query: Any,
    k: int,
    alpha: float = 0.05,
    z_threshold: float | None = None,
    whiten: bool = False,
    seed: int = 0,
) -> NDBResult:
    """One-shot NDB: ``evaluate(fit_bins(train, k, whiten, seed), query, alpha, z_threshold)``.
    Fit the bins once with ``fit_bins`` instead when comparing several query sets."""
    check_significance(alpha, z_threshold)  # before the slow fit
    return evaluate(fit_bins(train, k, whiten=whiten, seed=seed), query, alpha, z_threshold)


def elbow(
    train: Any, k_values: Sequence[int], seed: int = 0, whiten: bool = False
) -> np.ndarray:
    """k-means inertia (sum of squared distances to the nearest centre) for each K in k_values,
    with the same k-means settings as ``fit_bins``: plot it against K and pick the bend.
    Returns (len(k_values),) float64."""
    x = flatten_samples(train, "training")
    ks = [check_k(k, x.shape[0]) for k in k_values]
    if not ks:
        raise ValueError("k_values is empty: give at least one K")
    if whiten:
        x = (x - x.mean(axis=0)) / (x.std(axis=0) + WHITENING_EPS)
    return np.array([_kmeans(x, k, seed).inertia_ for k in ks], dtype=np.float64)


def bin_map(bins: NDBBins, xs: Any, ys: Any) -> np.ndarray:
    """Voronoi cells of 2-D bins on a grid, for drawing bins on the plane.

    bins: fitted on (n, 2) samples. xs: (nx,), ys: (ny,) grid coordinates.
    Returns (ny, nx) int64: entry [i, j] is the bin of the point (xs[j], ys[i]).
    """
    if bins.n_features != 2:
        raise ValueError(f"bin_map needs bins fitted on 2-D samples, these have "
                         f"{bins.n_features} features")
    xs = np.asarray(xs, dtype=np.float64).ravel()
    ys = np.asarray(ys, dtype=np.float64).ravel()
    if xs.size == 0 or ys.size == 0:
        raise ValueError(f"bin_map needs non-empty xs and ys, got {xs.size} and {ys.size} values")
    gx, gy = np.meshgrid(xs, ys)
    points = np.column_stack([gx.ravel(), gy.ravel()])
    return bins.assign(points, "grid").reshape(ys.size, xs.size)
