"""The toy GAN's losses: a registry of per-pack loss functions of D's logits.

Each entry of ``LOSSES`` is a ``ToyLoss``: the discriminator's loss on real packs and on fake
packs, the generator's loss, and what the training loop must know about the loss (targets
with smoothing and noise, the accuracy threshold, gradient penalty, weight clipping). The
functions take logits (R, P) (R runs, P packs) and return per-pack losses (R, P); the engine
averages them over the batch (``ganviz.toy.step``). A new loss is one entry here: the
``loss`` field's choices (``ganviz.toy.fields``) are this table's names.

Importing this module does not import TensorFlow; the functions do, when first called.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


# ---- cross-entropy (Goodfellow et al. 2014) ------------------------------------------------------
def bce(logits, targets):
    """Binary cross-entropy of sigmoid(logits) against targets in [0, 1] (one-sided smoothing
    and flipped labels make them fractional): t softplus(-l) + (1 - t) softplus(l)."""
    import tensorflow as tf

    return targets * tf.nn.softplus(-logits) + (1 - targets) * tf.nn.softplus(logits)


def minimax_generator(logits):
    """The original minimax G loss log(1 - D(G(z))) = -softplus(l), minimised (it saturates
    when D rejects the fakes: the gradient vanishes where G needs it most)."""
    import tensorflow as tf

    return -tf.nn.softplus(logits)


def non_saturating_generator(logits):
    """-log D(G(z)) = softplus(-l): the same fixed point, strong gradients early on."""
    import tensorflow as tf

    return tf.nn.softplus(-logits)


# ---- least squares (Mao et al. 2017, LSGAN with a-b-c = 0-1-1) ----------------------------------
def least_squares_discriminator(logits, targets):
    """0.5 (D(x) - t)^2 with t the (smoothed, possibly flipped) target: 1 real, 0 fake."""
    import tensorflow as tf

    return 0.5 * tf.square(logits - targets)


def least_squares_generator(logits):
    """0.5 (D(G(z)) - 1)^2."""
    import tensorflow as tf

    return 0.5 * tf.square(logits - 1.0)


# ---- Wasserstein (Arjovsky et al. 2017; Gulrajani et al. 2017) ----------------------------------
def wasserstein_real(logits, targets=None):
    """The critic maximises D(x) on real data: -D(x) minimised. ``targets`` is unused."""
    return -logits


def wasserstein_fake(logits, targets=None):
    """... and minimises D(G(z)) on fakes. ``targets`` is unused."""
    return logits


def wasserstein_generator(logits):
    """-D(G(z)): G moves its samples up the critic (also hinge's G loss)."""
    return -logits


# ---- hinge (Lim & Ye 2017; Miyato et al. 2018) --------------------------------------------------
def hinge_real(logits, targets=None):
    """max(0, 1 - D(x)). ``targets`` is unused."""
    import tensorflow as tf

    return tf.nn.relu(1.0 - logits)


def hinge_fake(logits, targets=None):
    """max(0, 1 + D(G(z))). ``targets`` is unused."""
    import tensorflow as tf

    return tf.nn.relu(1.0 + logits)


@dataclass(frozen=True)
class ToyLoss:
    """One GAN loss and what the training loop must know about it.

    discriminator_real(logits, targets), discriminator_fake(logits, targets): D's per-pack
        loss on real and on fake packs; targets (R, P) are the label targets when
        ``uses_labels`` (else None, unused).
    generator(logits): G's per-pack loss on D's logits of its fakes.
    uses_labels: D is trained against targets, so label smoothing and label noise apply, and
        its reported loss is the mean of the real and fake halves (not their sum).
    threshold: the logit above which D calls a pack real (its accuracy).
    probability: sigmoid(D) is D's probability of "real"; its logit then estimates
        log p_data / p_G, which the heatmap shows as a probability and rejection sampling uses.
    gradient_penalty: add WGAN-GP's penalty (Gulrajani et al. 2017) to D's loss.
    weight_clip: clip D's weights to +-clip_value after each update (Arjovsky et al. 2017).
    """

    discriminator_real: Callable
    discriminator_fake: Callable
    generator: Callable
    uses_labels: bool
    threshold: float = 0.0
    probability: bool = False
    gradient_penalty: bool = False
    weight_clip: bool = False


# The order is the order the loss picker lists them in.
LOSSES: dict[str, ToyLoss] = {
    "minimax": ToyLoss(bce, bce, minimax_generator, uses_labels=True, probability=True),
    "non_saturating": ToyLoss(bce, bce, non_saturating_generator, uses_labels=True,
                              probability=True),
    "least_squares": ToyLoss(least_squares_discriminator, least_squares_discriminator,
                             least_squares_generator, uses_labels=True, threshold=0.5),
    "wasserstein_clip": ToyLoss(wasserstein_real, wasserstein_fake, wasserstein_generator,
                                uses_labels=False, weight_clip=True),
    "wasserstein_gp": ToyLoss(wasserstein_real, wasserstein_fake, wasserstein_generator,
                              uses_labels=False, gradient_penalty=True),
    "hinge": ToyLoss(hinge_real, hinge_fake, wasserstein_generator, uses_labels=False),
}
