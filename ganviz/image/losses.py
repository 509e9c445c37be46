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
    losses.

    gradient_penalty: the trainer adds WGAN-GP's penalty, `ImageGanConfig.gp_weight` times
        (|grad D(x_hat)| - 1)^2 (Gulrajani et al. 2017), to D's loss, and D then uses layer norm
        instead of batch norm (the penalty is per example).
    weight_clip: after every D update the trainer clips each of D's weights to
        [-clip_value, clip_value] (`ImageGanConfig.clip_value`; WGAN, Arjovsky et al. 2017),
        a crude way to keep the critic K-Lipschitz.
    wasserstein: D is a critic with an unbounded score, so mean D(x) - mean D(G(z)) estimates
        the Wasserstein-1 distance (times the Lipschitz bound); the trainer logs it as
        `wasserstein_estimate`, which falls as G improves (Arjovsky et al. 2017, Fig. 3).
    """

    generator: Callable
    discriminator: Callable
    gradient_penalty: bool
    weight_clip: bool = False
    wasserstein: bool = False


LOSSES: dict[str, GanLoss] = {
    "non_saturating": GanLoss(ns_generator_loss, ns_discriminator_loss, False),
    "wasserstein_clip": GanLoss(wasserstein_generator_loss, wasserstein_discriminator_loss,
                                gradient_penalty=False, weight_clip=True, wasserstein=True),
    "wasserstein_gp": GanLoss(wasserstein_generator_loss, wasserstein_discriminator_loss,
                              gradient_penalty=True, wasserstein=True),
}
