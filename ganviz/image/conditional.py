"""Conditional generation helpers on top of `ganviz.image.checkpoints`: label-embedding mixing
and classifier verdicts. TensorFlow/Keras are imported inside the functions that need them.

The checkpoint gives a generator that takes integer labels and `ganviz.image.classifier` a
classifier that returns argmax classes; the pages also need in-between labels (mixed label
embeddings) and confidences, which live here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ganviz.image.pixels import to_uint8

EMBEDDING_LAYER = "label_embedding"   # ganviz.image.models.build_generator's layer names
CONCAT_LAYER = "z_and_label"


@dataclass(frozen=True)
class EmbeddingGenerator:
    """The part of a cDCGAN generator after the label lookup: (z (n, d), e (n, emb)) ->
    (n, H, W, C) float32 in [-1, 1]. `table` is the learned (num_classes, emb) embedding.
    It shares the generator's layers (and weights); nothing is copied or changed."""

    model: Any
    table: np.ndarray

    def generate(self, z: np.ndarray, embeddings: np.ndarray) -> np.ndarray:
        """z: (n, d), embeddings: (n, emb) -> (n, H, W, C) uint8."""
        z = np.asarray(z, np.float32)
        e = np.asarray(embeddings, np.float32)
        if z.ndim != 2 or e.ndim != 2 or len(z) != len(e) or e.shape[1] != self.table.shape[1]:
            raise ValueError(f"need z (n, d) and embeddings (n, {self.table.shape[1]}), "
                             f"got {z.shape} and {e.shape}")
        return to_uint8(self.model([z, e], training=False))


def embedding_generator(generator) -> EmbeddingGenerator | None:
    """Rebuild `generator` from the label embedding on, or None when the model is not a ganviz
    cDCGAN of the expected shape (no `label_embedding` layer, or the layers after the
    `z_and_label` concatenation are not a single chain). Callers then step labels instead."""
    import keras

    names = [layer.name for layer in generator.layers]
    if EMBEDDING_LAYER not in names or CONCAT_LAYER not in names:
        return None
    try:
        table = np.asarray(generator.get_layer(EMBEDDING_LAYER).get_weights()[0], np.float32)
        z_in = keras.Input((generator.inputs[0].shape[-1],), name="z")
        e_in = keras.Input((table.shape[1],), name="label_embedding_vector")
        x = generator.get_layer(CONCAT_LAYER)([z_in, e_in])
        for layer in generator.layers[names.index(CONCAT_LAYER) + 1:]:
            x = layer(x, training=False)
        model = keras.Model([z_in, e_in], x, name="generator_from_embedding")
    except Exception:  # any other graph shape: fall back to stepped labels
        return None
    if tuple(model.output_shape) != tuple(generator.output_shape):
        return None
    return EmbeddingGenerator(model, table)


@dataclass(frozen=True)
class Verdicts:
    """A classifier's opinion of n images: `predicted` (n,) int64, `confidence` (n,) float64
    softmax probability of the predicted class, `probabilities` (n, k)."""

    predicted: np.ndarray
    confidence: np.ndarray
    probabilities: np.ndarray

    def agreement(self, labels) -> float:
        """Share in [0, 1] of images whose predicted class equals the requested label."""
        labels = np.asarray(labels)
        if labels.shape != self.predicted.shape:
            raise ValueError(f"labels must be {self.predicted.shape}, got {labels.shape}")
        return float(np.mean(self.predicted == labels)) if len(labels) else float("nan")


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax of (n, k) logits, stable (max subtracted)."""
    x = np.asarray(logits, np.float64)
    x = np.exp(x - x.max(axis=1, keepdims=True))
    return x / x.sum(axis=1, keepdims=True)


def classify(classifier, images: np.ndarray, batch_size: int = 1000) -> Verdicts:
    """images: (n, H, W, C) uint8 -> Verdicts from a `ganviz.image.classifier` model (logits)."""
    images = np.asarray(images)
    probs = [softmax(np.asarray(classifier(images[i:i + batch_size].astype(np.float32),
                                           training=False)))
             for i in range(0, len(images), batch_size)]
    p = np.concatenate(probs) if probs else np.zeros((0, 0))
    pred = p.argmax(axis=1) if len(p) else np.zeros(0, np.int64)
    conf = p[np.arange(len(p)), pred] if len(p) else np.zeros(0)
    return Verdicts(pred.astype(np.int64), conf, p)
