"""The fused training call the autoencoder, BEGAN and SGAN trainers share: S steps inside one
`tf.function` (one Python round trip per chunk, as `ImageGanTrainer` does), their outputs
summed in the graph and averaged on the way out."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def chunk_means(step: Callable, count: int, jit_compile: bool = False
                ) -> Callable[[np.ndarray], list[float]]:
    """step(images_u8 (B, H, W, C)) -> `count` scalar tensors. Returns means(images) for
    images (S, B, H, W, C) uint8: the `count` means over the S steps, as floats. The
    tf.function is traced once, here, not per call."""
    import tensorflow as tf

    @tf.function(reduce_retracing=True, jit_compile=jit_compile)
    def sums(images):
        total = (tf.constant(0.0),) * count
        for i in tf.range(tf.shape(images)[0]):
            total = tuple(s + o for s, o in zip(total, step(images[i])))
        return total

    def means(images: np.ndarray) -> list[float]:
        return [float(v) / len(images) for v in sums(images)]

    return means

