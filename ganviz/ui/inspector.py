"""Cached loading and NDB work for the Mode-collapse inspector page, and the views' numbers:
each model's NDB score, the epoch series, the class statistics per dataset.

Everything expensive is cached and keyed by plain values (checkpoint name, K, whitening, seed,
sample count), so moving a widget that does not change a key costs nothing. Cached objects are
shared by all sessions: checkpoints, bins and toy trainers are never mutated after creation.
The maths is in `ganviz.eval` (ndb, classes); this module only fetches and caches.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import streamlit as st

from ganviz import checkpoints as ckpts
from ganviz.eval import ndb
from ganviz.eval.classes import ClassCoverage, class_coverage, class_histogram

# Toy setups of the toy view: a healthy recipe and a collapsed one (a generator that learns
# 50x faster than the discriminator with the minimax loss chases one mode at a time).
TOY_SETUPS = {
    "ring8, healthy (ring8-default)": ("ring8-default", {}),
    "ring8, collapsed (minimax, fast G, slow D)": (
        "ring8-connected", dict(loss="minimax", g_lr=5e-3, d_lr=1e-4, batch_size=64)),
}


@dataclass(frozen=True)
class ToyRun:
    """A trained toy GAN's real and generated points (what the toy view needs)."""

    setup: str
    steps: int
    real: np.ndarray            # (n, 2) training points the bins are fitted on
    fake: np.ndarray            # (n, 2) generator samples
    display_range: tuple[tuple[float, float], tuple[float, float]]


def checkpoint_names() -> tuple[list[str], dict[str, str]]:
    """(loadable names, {name: problem} of broken folders). Reads card.json files only."""
    ok, broken = [], {}
    for s in ckpts.list_checkpoints():
        if s.ok:
            ok.append(s.name)
        else:
            broken[s.name] = s.problem or "unreadable"
    return ok, broken


def _stamp(name: str) -> float:
    """The generator file's mtime: a retrained checkpoint gets a fresh cache entry."""
    try:
        return (ckpts.checkpoints_root() / name / "generator.keras").stat().st_mtime
    except OSError:
        return 0.0


@st.cache_resource(show_spinner="Loading checkpoint…", max_entries=6)
def _load(name: str, stamp: float) -> ckpts.Checkpoint:
    return ckpts.load(name, inside_root=True)


def load_checkpoint(name: str) -> ckpts.Checkpoint:
    """The loaded checkpoint (shared by sessions; never modify it). Raises CheckpointError."""
    return _load(name, _stamp(name))


@st.cache_data(show_spinner="Generating samples…", max_entries=12)
def generated(name: str, n: int, seed: int, stamp: float = 0.0) -> np.ndarray:
    """n generated images (n, H, W, C) uint8; a conditional model cycles through its classes."""
    return load_checkpoint(name).sample(int(n), seed=int(seed))


@st.cache_resource(show_spinner="Fitting NDB bins (k-means)…", max_entries=12)
def fitted_bins(name: str, k: int, whiten: bool, seed: int, stamp: float = 0.0) -> ndb.NDBBins:
    """K bins fitted on the checkpoint's held-out real images (frozen, read-only arrays)."""
    return ndb.fit_bins(load_checkpoint(name).reference_images, int(k), whiten=bool(whiten),
                        seed=int(seed))


@st.cache_data(show_spinner="Computing the elbow…", max_entries=8)
def elbow(name: str, k_values: tuple[int, ...], whiten: bool, seed: int,
          stamp: float = 0.0) -> np.ndarray:
    """k-means inertia on the checkpoint's real images for each K (an elbow plot's y)."""
    return ndb.elbow(load_checkpoint(name).reference_images, list(k_values), seed=int(seed),
                     whiten=bool(whiten))


@st.cache_data(show_spinner="Scoring the epoch snapshots…", max_entries=8)
def epoch_scores(name: str, k: int, whiten: bool, seed: int, alpha: float,
                 z_threshold: float | None, stamp: float = 0.0,
                 ) -> tuple[list[int], list[float], list[float], list[str]]:
    """(epochs, NDB/K, JS, problems) of each saved epoch's samples against the same fitted
    bins. An unreadable snapshot (a run killed mid-write) is skipped and named in problems."""
    bins = fitted_bins(name, k, whiten, seed, stamp)
    epochs, ndb_k, js, problems = [], [], [], []
    for snap in load_checkpoint(name).epochs():
        if snap.samples_path is None:
            continue
        try:
            images, _ = snap.load_samples()
        except ckpts.CheckpointError as exc:
            problems.append(str(exc))
            continue
        r = ndb.evaluate(bins, images, alpha=alpha, z_threshold=z_threshold)
        epochs.append(snap.epoch)
        ndb_k.append(r.NDB_K)
        js.append(r.JS)
    return epochs, ndb_k, js, problems


@st.cache_resource(show_spinner="Loading the classifier…")
def classifier(dataset: str):
    """The shipped classifier for a dataset, or None when it is not shipped."""
    from ganviz.image.classifier import load_classifier

    return load_classifier(dataset, required=False)


@st.cache_data(show_spinner="Classifying samples…", max_entries=12)
def predicted_classes(name: str, n: int, seed: int, stamp: float = 0.0) -> np.ndarray | None:
    """(n,) predicted class of each generated sample, or None without a shipped classifier."""
    from ganviz.image.classifier import predict

    model = classifier(load_checkpoint(name).card.dataset)
    return None if model is None else predict(model, generated(name, n, seed, stamp))


@st.cache_data(show_spinner=False, max_entries=4)
def reference_classes(name: str, stamp: float = 0.0) -> np.ndarray | None:
    """(n,) classifier predictions on the real reference images (the histogram to match)."""
    from ganviz.image.classifier import predict

    ckpt = load_checkpoint(name)
    model = classifier(ckpt.card.dataset)
    return None if model is None else predict(model, ckpt.reference_images)


@st.cache_resource(show_spinner="Training the toy GAN…", max_entries=6)
def toy_run(setup: str, steps: int, n: int, seed: int) -> ToyRun:
    """Train a toy GAN for ``steps`` steps and draw n real and n generated points."""
    from ganviz.toy.presets import config
    from ganviz.toy.trainer import ToyTrainer

    if setup not in TOY_SETUPS:
        raise ValueError(f"unknown toy setup {setup!r}; choose from {', '.join(TOY_SETUPS)}")
    preset, changes = TOY_SETUPS[setup]
    trainer = ToyTrainer(config(preset, steps=int(steps), seed=int(seed), **changes))
    trainer.train(int(steps))
    real = trainer.dataset.sample(int(n), int(seed) + 101)
    fake = trainer.sample(int(n), seed=int(seed) + 1)
    if not np.isfinite(fake).all():
        raise ValueError(f"the toy GAN diverged at step {trainer.diverged_at}; try fewer steps")
    return ToyRun(setup, int(steps), real, fake, trainer.dataset.display_range)


def stamp(name: str) -> float:
    """Cache key part that changes when a checkpoint is retrained."""
    return _stamp(name)


# ---------------------------------------------------------------------------- the views' numbers

HEALTHY_DEFAULTS = ("mnist_dcgan", "mnist_cdcgan")


def default_checkpoints(available: list[str]) -> list[str]:
    """At most two to compare at first: a healthy shipped model and a collapsed one (a name
    with "collapse"), topped up with the first others available."""
    healthy = [n for n in HEALTHY_DEFAULTS if n in available]
    collapsed = [n for n in available if "collapse" in n]
    picked = healthy[:1] + collapsed[:1]
    return picked + [n for n in available if n not in picked][:2 - len(picked)]


def elbow_k_values(lo: int, hi: int, count: int = 6) -> tuple[int, ...]:
    """About `count` whole K values spread evenly over [lo, hi] (duplicates dropped)."""
    return tuple(int(v) for v in np.unique(np.linspace(lo, hi, count).round()))


@dataclass(frozen=True)
class Scored:
    """One checkpoint scored: bins fitted on its real images, the NDB result of `images`
    (n, H, W, C) uint8 generated from it."""

    bins: ndb.NDBBins
    result: ndb.NDBResult
    images: np.ndarray


@dataclass(frozen=True)
class NDBSettings:
    """The sidebar's choices: K bins, whitening, seed (k-means and sampling), generated
    samples n, and the test (p < alpha, or |z| > z_threshold when given)."""

    k: int
    whiten: bool
    seed: int
    n: int
    alpha: float
    z_threshold: float | None


def score(name: str, s: NDBSettings) -> Scored:
    """NDB of a checkpoint's generated samples against bins on its real images. Raises
    ValueError (CheckpointError is one) for a checkpoint that cannot be used."""
    stamp_ = stamp(name)
    bins = fitted_bins(name, s.k, s.whiten, s.seed, stamp_)
    images = generated(name, s.n, s.seed, stamp_)
    return Scored(bins, ndb.evaluate(bins, images, alpha=s.alpha, z_threshold=s.z_threshold),
                  images)


def score_all(names: list[str], s: NDBSettings) -> tuple[dict[str, Scored], dict[str, str]]:
    """({name: Scored} of those that work, {name: why not} of the others)."""
    out, problems = {}, {}
    for name in names:
        try:
            out[name] = score(name, s)
        except ValueError as exc:  # CheckpointError is a ValueError
            problems[name] = str(exc)
    return out, problems


@dataclass
class EpochSeries:
    """NDB/K and JS per saved epoch for each model that kept snapshots; `problems` the
    checkpoints or snapshots that could not be scored, `empty` the models with none."""

    series: dict[str, tuple[list[int], list[float]]] = field(default_factory=dict)
    js: dict[str, list[float]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)


def epoch_series(names: list[str], s: NDBSettings) -> EpochSeries:
    out = EpochSeries()
    for name in names:
        try:
            epochs, ndb_k, js, problems = epoch_scores(name, s.k, s.whiten, s.seed, s.alpha,
                                                       s.z_threshold, stamp(name))
        except ValueError as exc:
            out.problems.append(f"{name}: {exc}")
            continue
        out.skipped += [f"{name}: skipped {problem}" for problem in problems]
        if epochs:
            out.series[name], out.js[name] = (epochs, ndb_k), js
        else:
            out.empty.append(name)
    return out


@dataclass(frozen=True)
class ClassStats:
    """The classifier's view of the models trained on one dataset: `coverage[model]`, and
    `reference` the real images' class histogram (C,), or None without labels. `coverage` is
    empty when no classifier is shipped for the dataset."""

    dataset: str
    class_names: tuple[str, ...] | None
    coverage: dict[str, ClassCoverage]
    reference: np.ndarray | None


def class_stats(names: list[str], n: int, seed: int) -> list[ClassStats]:
    """One `ClassStats` per dataset among `names` (models grouped by their card's dataset)."""
    by_dataset: dict[str, list[str]] = {}
    for name in names:
        by_dataset.setdefault(load_checkpoint(name).card.dataset, []).append(name)
    out = []
    for dataset, group in by_dataset.items():
        ckpt = load_checkpoint(group[0])
        class_names = ckpt.dataset_class_names
        predictions = {m: predicted_classes(m, n, seed, stamp(m)) for m in group}
        if class_names is None or any(p is None for p in predictions.values()):
            out.append(ClassStats(dataset, class_names, {}, None))
            continue
        c = len(class_names)
        reference = (class_histogram(ckpt.reference_labels, c)
                     if ckpt.reference_labels is not None else None)
        out.append(ClassStats(dataset, class_names,
                              {m: class_coverage(p, c) for m, p in predictions.items()},
                              reference))
    return out
