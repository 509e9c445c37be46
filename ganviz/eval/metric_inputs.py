"""Input checks shared by the feature-space metrics (FID, KID, PRDC, classifier score).

Every metric takes features as a 2-D array ``(n, d)``: n samples of d numbers each, from any
feature extractor. Bad input is refused here, at the edge, with a message naming the argument.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def check_features(
    features: Any, name: str, min_samples: int = 1, keep_float32: bool = False
) -> np.ndarray:
    """features: (n, d) real numbers, n >= min_samples, all finite.

    Returns a C-contiguous float64 array, or float32 when ``keep_float32`` and the input is
    float32 (PRDC follows scikit-learn, whose distances between two float32 sets are float32).
    """
    x = np.asarray(features)
    if x.dtype == object or not (np.issubdtype(x.dtype, np.number) or x.dtype == bool):
        raise ValueError(f"{name} must be an array of numbers, got dtype {x.dtype}")
    if np.iscomplexobj(x):
        raise ValueError(f"{name} must be real numbers, got dtype {x.dtype}")
    if x.ndim != 2:
        hint = " (one feature per sample? use x.reshape(-1, 1))" if x.ndim == 1 else ""
        raise ValueError(f"{name} must be a 2-D array (n_samples, n_features), "
                         f"got shape {x.shape}{hint}")
    if x.shape[1] == 0:
        raise ValueError(f"{name} has no features (shape {x.shape})")
    if x.shape[0] < min_samples:
        raise ValueError(f"{name} needs at least {min_samples} samples, got {x.shape[0]}")
    dtype = np.float32 if keep_float32 and x.dtype == np.float32 else np.float64
    x = np.ascontiguousarray(x, dtype=dtype)
    finite = np.isfinite(x).all(axis=1)
    if not finite.all():
        bad = int(np.count_nonzero(~finite))
        raise ValueError(f"{name} holds NaN or Inf values (in {bad} of {x.shape[0]} samples, "
                         f"first at row {int(np.argmin(finite))})")
    return x


def check_same_width(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    """Refuses two feature sets of different widths d: they cannot come from one extractor."""
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"{name_a} has {a.shape[1]} features per sample but {name_b} has "
                         f"{b.shape[1]}: both sets must come from the same feature extractor")


def check_count(value: Any, name: str, minimum: int) -> int:
    """value as an int, if it is an integer >= minimum (bools refused)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


def check_seed(seed: Any) -> int:
    """seed as an int in 0..2**32-1, the range NumPy's generators accept."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**32:
        raise ValueError(f"seed must be an integer in 0..2**32-1, got {seed!r}")
    return int(seed)


def read_only(*arrays: np.ndarray | None) -> None:
    """Frozen results mean frozen arrays: a result shared between pages cannot be edited."""
    for array in arrays:
        if array is not None:
            array.setflags(write=False)


def frozen_view(array: np.ndarray | None) -> np.ndarray | None:
    """A read-only view of ``array`` (the caller's own array stays writable), or None."""
    if array is None:
        return None
    view = array.view()
    view.setflags(write=False)
    return view
