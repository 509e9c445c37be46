"""GAN losses for the image trainer, as a registry: `LOSSES[name]` -> `GanLoss`.

Per-example losses from D's logits (column 0 of D's output is the real/fake logit); the
trainer averages over the global batch so that tf.distribute replicas add up to the same
gradient as one device. A new loss is one entry in `LOSSES` (a model names its default loss
in `ganviz.image.models.MODELS`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


def ns_discriminator_loss(real_logits, fake_logits):
    """Non-saturating GAN (Goodfellow et al. 2014): softplus(-D(x)) + softplus(D(G(z)))."""
    import tensorflow as tf

    return tf.nn.softplus(-real_logits[:, 0]) + tf.nn.softplus(fake_logits[:, 0])


def ns_generator_loss(fake_logits):
    """-log sigmoid(D(G(z))) = softplus(-D(G(z)))."""
    import tensorflow as tf

    return tf.nn.softplus(-fake_logits[:, 0])


def wasserstein_discriminator_loss(real_logits, fake_logits):
    """WGAN critic loss D(G(z)) - D(x); the gradient penalty is added by the trainer."""
    return fake_logits[:, 0] - real_logits[:, 0]


def wasserstein_generator_loss(fake_logits):
    """-D(G(z)) (Arjovsky et al. 2017)."""
    return -fake_logits[:, 0]


@dataclass(frozen=True)
class GanLoss:
    """generator(fake_logits) and discriminator(real_logits, fake_logits): per-example (n,)
    losses. gradient_penalty: the trainer adds WGAN-GP's penalty (Gulrajani et al. 2017) to D's
    loss, and D then uses layer norm instead of batch norm (the penalty is per example)."""

    generator: Callable
    discriminator: Callable
    gradient_penalty: bool


LOSSES: dict[str, GanLoss] = {
    "non_saturating": GanLoss(ns_generator_loss, ns_discriminator_loss, False),
    "wasserstein_gp": GanLoss(wasserstein_generator_loss, wasserstein_discriminator_loss, True),
}
