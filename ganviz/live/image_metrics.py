"""The quick metrics and the plain-language diagnosis of an image GAN trained live (no
streamlit).

``QuickEvaluator`` scores the generator on a fixed z every few hundred steps, on the same
footing each time: NDB/K against bins fitted once on the held-out images; with a shipped
classifier (MNIST, Fashion-MNIST, 28x28x1 only) the classes its samples cover, their mean
confidence, the class histogram's KL from the training data's, and FID-C / KID-C in the
classifier's feature space; with a dataset of known modes (``MODE_COUNTERS``, e.g. the
synthetic shapes) the modes covered. Fewer samples than the evaluation suite uses, so the
numbers are noisier (and FID-C is biased upwards): they show the trend, the Model zoo and
``python -m ganviz eval`` give the final figures.

``image_warnings`` turns the job's history into advice: divergence (the last good weights are
kept), a discriminator that wins every time, a class histogram that collapsed.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ganviz.eval import ndb
from ganviz.eval.classes import class_histogram, kl_divergence
from ganviz.eval.modes import mode_counts
from ganviz.image.data import ImageDataset
from ganviz.image.models import Architecture, generate_images
from ganviz.image.synthetic import N_MODES as SHAPES_MODES
from ganviz.image.synthetic import assign_modes

QUICK_SAMPLES = 500          # generated images per quick evaluation
QUICK_REFERENCE = 1000       # held-out images the bins and reference features come from
QUICK_BINS = 20              # NDB bins (K <= reference / 50: enough images per bin)
NDB_Z = 4.0                  # a bin differs at |z| > 4 (the NDB authors' MNIST demo)
QUICK_SEED_OFFSET = 777      # keeps the quick z apart from the grid's and the training noise
D_WINS_LOSS = 0.05           # mean D loss under this (non-saturating) for the window: D wins
WARN_WINDOW = 200            # steps of history the D-loss warning looks at



def shapes_modes(images: np.ndarray) -> dict[str, float]:
    """Modes of the synthetic shapes set (``ganviz.image.synthetic``) that the samples cover,
    and the share of samples that are a clean shape of some mode."""
    counts = mode_counts(assign_modes(images).modes, SHAPES_MODES)
    return {"modes_covered": float(counts.modes), "high_quality": counts.high_quality}


# dataset name -> (its number of modes, images (n, H, W, C) uint8 -> metrics): datasets whose
# every image has a known mode, so coverage is counted without a classifier
MODE_COUNTERS: dict[str, tuple[int, Callable[[np.ndarray], dict[str, float]]]] = {
    "shapes": (SHAPES_MODES, shapes_modes),
}

METRIC_LABELS = {
    "fid_c": "FID-C (classifier features)", "kid_c": "KID-C ×1000",
    "ndb_over_k": "NDB/K", "classes_covered": "classes covered",
    "mean_confidence": "mean classifier confidence", "class_kl": "class KL (nats)",
    "modes_covered": "modes covered", "high_quality": "high-quality share",
}


@dataclass
class QuickEvaluator:
    """Fixed inputs and references for the live quick metrics (see the module docstring)."""

    z: np.ndarray
    labels: np.ndarray | None
    bins: ndb.NDBBins | None
    classifier: object | None
    num_classes: int | None
    train_histogram: np.ndarray | None
    reference_features: np.ndarray | None
    mode_counter: tuple[int, Callable[[np.ndarray], dict[str, float]]] | None

    def evaluate(self, generator) -> dict[str, float]:
        images = generate_images(generator, self.z, self.labels)
        out: dict[str, float] = {}
        if self.bins is not None:
            out["ndb_over_k"] = ndb.evaluate(self.bins, images, z_threshold=NDB_Z).NDB_K
        if self.classifier is not None:
            out.update(self._classifier_metrics(images))
        if self.mode_counter is not None:
            out.update(self.mode_counter[1](images))
        return out

    def _classifier_metrics(self, images: np.ndarray) -> dict[str, float]:
        from ganviz.eval.frechet import fid
        from ganviz.eval.kid import kid

        features, probs = classifier_features(self.classifier, images)
        predicted = probs.argmax(axis=1)
        hist = class_histogram(predicted, self.num_classes)
        out = {"classes_covered": float(np.sum(hist > 0)),
               "mean_confidence": float(probs.max(axis=1).mean())}
        if self.train_histogram is not None:
            out["class_kl"] = kl_divergence(self.train_histogram, hist)
        if self.reference_features is not None:
            with warnings.catch_warnings():  # noise at step 0 has near-singular covariances
                warnings.simplefilter("ignore")
                out["fid_c"] = fid(features, self.reference_features)
            m = min(len(features), len(self.reference_features), 250)
            out["kid_c"] = 1000 * kid(features, self.reference_features, subsets=10,
                                      subset_size=m).mean
        return out


def classifier_features(classifier, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(penultimate features (n, d), softmax probabilities (n, classes)) of a shipped
    classifier (its last Dense layer gives logits; its input is the penultimate layer)."""
    import keras

    extractor = getattr(classifier, "_ganviz_extractor", None)
    if extractor is None:
        head = [layer for layer in classifier.layers if isinstance(layer, keras.layers.Dense)][-1]
        extractor = keras.Model(classifier.input, [head.input, head.output])
        classifier._ganviz_extractor = extractor  # built once per loaded classifier
    feats, logits = extractor(images.astype(np.float32), training=False)
    logits = np.asarray(logits, np.float64)
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return np.asarray(feats, np.float64), e / e.sum(axis=1, keepdims=True)


def judge_grid(classifier, images: np.ndarray) -> tuple[int, float]:
    """(classes the classifier finds among ``images``, their mean confidence): the live
    benchmark's and the acceptance's reading of the fixed-noise grid."""
    _, probs = classifier_features(classifier, images)
    return int(len(np.unique(probs.argmax(axis=1)))), float(probs.max(axis=1).mean())


def make_quick_evaluator(arch: Architecture, dataset: ImageDataset, seed: int,
                         classifier=None) -> QuickEvaluator:
    """Fixed z from ``seed`` (labels cycling through the classes for a conditional model),
    NDB bins and reference features from the first QUICK_REFERENCE held-out images."""
    rng = np.random.default_rng(seed + QUICK_SEED_OFFSET)
    z = rng.standard_normal((QUICK_SAMPLES, arch.latent_dim)).astype(np.float32)
    labels = (np.arange(QUICK_SAMPLES) % arch.num_classes).astype(np.int32) \
        if arch.conditional else None
    reference = dataset.heldout_images[:QUICK_REFERENCE]
    k = min(QUICK_BINS, len(reference) // 2)
    bins = ndb.fit_bins(reference, k=k, seed=seed) if k >= 2 else None
    hist = ref_features = None
    usable = classifier is not None and arch.image_shape == (28, 28, 1) and dataset.num_classes
    if usable:
        if dataset.train_labels is not None:
            hist = class_histogram(dataset.train_labels, dataset.num_classes)
        ref_features = classifier_features(classifier, reference)[0]
    return QuickEvaluator(z, labels, bins, classifier if usable else None,
                          dataset.num_classes if usable else None, hist, ref_features,
                          MODE_COUNTERS.get(dataset.name))


# ---- plain-language diagnosis ----------------------------------------------------------------
def image_warnings(history_steps: np.ndarray, history: dict[str, np.ndarray],
                   quick: dict[str, float], diverged_at: int | None, good_step: int,
                   num_classes: int | None, wasserstein: bool,
                   num_modes: int | None = None) -> list[str]:
    """Warnings a user can act on. history_steps / history: the per-turn training numbers
    (d_loss ...); quick: the latest quick metrics; num_classes / num_modes: what the classes
    covered / modes covered are out of (None: not measured)."""
    out = []
    if diverged_at is not None:
        out.append(f"Training diverged at step {diverged_at:,} (a NaN or infinite value). "
                   f"Training is paused with the last good weights (step {good_step:,}). Lower "
                   "the learning rates and press Play to go on from there, or Reset.")
    d_loss = history.get("d_loss")
    if (not wasserstein and d_loss is not None and len(history_steps)
            and history_steps[-1] >= WARN_WINDOW):
        recent = d_loss[history_steps >= history_steps[-1] - WARN_WINDOW]
        if len(recent) and np.nanmean(recent) < D_WINS_LOSS:
            out.append(f"D's loss has stayed near 0 ({np.nanmean(recent):.3f}) for the last "
                       f"{WARN_WINDOW} steps: D wins every time and G's gradient fades. Try a "
                       "smaller D learning rate, a narrower D or the WGAN-GP model.")
    for key, total, noun in (("classes_covered", num_classes, "classes"),
                             ("modes_covered", num_modes, "modes")):
        covered = quick.get(key)
        if total and covered is not None and covered <= total // 2:
            out.append(f"The samples cover only {covered:.0f} of {total} {noun}: mode "
                       "collapse (or too early to tell). Packing (PacGAN) or weight averaging "
                       "(EMA) helps; so does a smaller G learning rate.")
    return out
