"""Per-epoch evaluation of an image generator during training, on a fixed footing: the same
z (and labels) every epoch, NDB bins fitted once on the held-out real images.

Metrics (all on `eval_samples` generated images):
    ndb_over_k, ndb_js    NDB/K and JS vs the held-out images (Richardson & Weiss 2018)
    classifier_accuracy   conditional models: share the shipped classifier agrees with the
                          requested label
    class_kl              KL(train class histogram || generated histogram), nats
    classes_present       classes the classifier finds at least once among the samples
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ganviz.eval import ndb
from ganviz.eval.classes import class_histogram, kl_divergence
from ganviz.image.classifier import predict
from ganviz.image.config import ImageGanConfig
from ganviz.image.data import ImageDataset
from ganviz.image.models import Architecture, generate_images

# The seed offset keeps evaluation z apart from the training noise drawn from the same seed.
EVAL_SEED_OFFSET = 12345


@dataclass
class EpochEvaluator:
    """Fixed z (and labels) plus NDB bins fitted once on the held-out images, so every
    epoch's metrics are computed on the same footing."""

    z: np.ndarray                    # (eval_samples, latent_dim) float32
    labels: np.ndarray | None        # (eval_samples,) int32 for conditional models
    bins: ndb.NDBBins | None         # on the held-out images
    classifier: object | None        # keras model or None
    train_class_histogram: np.ndarray | None
    z_threshold: float

    def evaluate(self, generator) -> tuple[dict[str, float], np.ndarray]:
        """-> (metrics, generated (eval_samples, H, W, C) uint8)."""
        images = generate_images(generator, self.z, self.labels)
        metrics: dict[str, float] = {}
        if self.bins is not None:
            res = ndb.evaluate(self.bins, images, z_threshold=self.z_threshold)
            metrics["ndb_over_k"] = res.NDB_K
            metrics["ndb_js"] = res.JS
        if self.classifier is not None:
            predicted = predict(self.classifier, images)
            if self.labels is not None:
                metrics["classifier_accuracy"] = float(np.mean(predicted == self.labels))
            if self.train_class_histogram is not None:
                hist = class_histogram(predicted, len(self.train_class_histogram))
                metrics["class_kl"] = kl_divergence(self.train_class_histogram, hist)
                metrics["classes_present"] = int(np.sum(hist > 0))
        return metrics, images


def make_evaluator(config: ImageGanConfig, arch: Architecture, dataset: ImageDataset,
                   classifier=None) -> EpochEvaluator:
    """z ~ N(0, I) from `config.seed`, labels cycling through the classes (balanced), and K =
    min(ndb_bins, held-out / 2) bins; no bins when eval_samples is 0 or too few held-out."""
    n = config.eval_samples
    rng = np.random.default_rng(config.seed + EVAL_SEED_OFFSET)
    z = rng.standard_normal((n, arch.latent_dim)).astype(np.float32)
    labels = (np.arange(n) % arch.num_classes).astype(np.int32) if arch.conditional else None
    bins = None
    k = min(config.ndb_bins, len(dataset.heldout_images) // 2)
    if n > 0 and k >= 2:
        # raw pixels, no whitening: the authors' MNIST demo and the seed article
        bins = ndb.fit_bins(dataset.heldout_images, k=k, seed=config.seed)
    hist = None
    if dataset.train_labels is not None and dataset.num_classes:
        hist = class_histogram(dataset.train_labels, dataset.num_classes)
    return EpochEvaluator(z, labels, bins, classifier, hist, config.ndb_z_threshold)
