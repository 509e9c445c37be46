"""What ``ganviz.judge.suite.evaluate`` hands to the CLI and the Scorecard view: one generated
set judged against one real set, with its baseline, notes and the per-sample evidence."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True, eq=False)
class Scorecard:
    """One generated set judged against one real set. values / baseline: JSON key (see
    REPORTED) -> float; baseline None when there is none (a note says why); n_baseline its
    samples per side. intervals: key -> (low, high) bootstrap interval. feature_label: the
    space in words. notes: what to know before trusting a number. realism: (n_gen,)
    Kynkaanniemi et al.'s realism score (>= 1: inside the real manifold), or None. nearest:
    (indices (n_gen,) into training_images, distances (n_gen,)), each generated sample's
    nearest training sample in feature space (the memorisation check), or None; real_nearest:
    (n_real,) the same for the held-out real samples, the yardstick (a generated sample far
    closer than real ones ever are is a likely copy). gen_images: (n_gen, H, W, C) uint8 or
    None, for the best and worst samples.
    """

    values: dict[str, float]
    baseline: dict[str, float] | None
    intervals: dict[str, tuple[float, float]]
    feature_label: str
    n_gen: int
    n_real: int
    notes: tuple[str, ...]
    realism: np.ndarray | None = None
    nearest: tuple[np.ndarray, np.ndarray] | None = None
    real_nearest: np.ndarray | None = None
    gen_images: np.ndarray | None = None
    training_images: np.ndarray | None = None
    n_baseline: int | None = None
    gen_source: str = "generated"
    real_source: str = "real"

    def to_json(self) -> dict[str, Any]:
        """The flat keys, `baseline` (same keys, or None), `features`, `n_gen`, `n_real`,
        `notes`, and KEY_ci: [low, high] per interval. Non-finite numbers become None."""
        out: dict[str, Any] = {key: _json_number(v) for key, v in self.values.items()}
        out["baseline"] = (None if self.baseline is None
                           else {key: _json_number(v) for key, v in self.baseline.items()})
        out.update(features=self.feature_label, n_gen=self.n_gen, n_real=self.n_real,
                   notes=list(self.notes))
        for key, (low, high) in self.intervals.items():
            out[f"{key}_ci"] = [_json_number(low), _json_number(high)]
        return out

    def nearest_images(self) -> np.ndarray | None:
        """(n_gen, H, W, C) uint8: each generated sample's nearest training image, or None."""
        if self.nearest is None or self.training_images is None:
            return None
        return self.training_images[self.nearest[0]]


def _json_number(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None
