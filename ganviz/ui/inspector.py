"""Cached loading and NDB work for the Mode-collapse inspector page.

Everything expensive is cached and keyed by plain values (checkpoint name, K, whitening, seed,
sample count), so moving a widget that does not change a key costs nothing. Cached objects are
shared by all sessions: checkpoints, bins and toy trainers are never mutated after creation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from ganviz import checkpoints as ckpts
from ganviz.eval import ndb

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
    return ndb.fit_bins(load_checkpoint(name).reference_images, int(k), whiten=bool(whiten), seed=int(seed))


@st.cache_data(show_spinner="Computing the elbow…", max_entries=8)
def elbow(name: str, k_values: tuple[int, ...], whiten: bool, seed: int, stamp: float = 0.0) -> np.ndarray:
    return ndb.elbow(load_checkpoint(name).reference_images, list(k_values), seed=int(seed), whiten=bool(whiten))


@st.cache_data(show_spinner="Scoring the epoch snapshots…", max_entries=8)
def epoch_scores(name: str, k: int, whiten: bool, seed: int, alpha: float, z_threshold: float | None,
                 stamp: float = 0.0) -> tuple[list[int], list[float], list[float], list[str]]:
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
