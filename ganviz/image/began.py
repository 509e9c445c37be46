"""BEGAN, the boundary equilibrium GAN (Berthelot, Schumm & Metz 2017), as the `began` entry of
the image-model registry: its networks, `BeganTrainer` (the `ImageModel.trainer` interface of
`ganviz.image.trainer.ImageGanTrainer`) and the equilibrium maths (`update_k`,
`convergence_measure`) in functions of their own.

The discriminator is an autoencoder, image (n, H, W, C) in [-1, 1] -> its reconstruction
(n, H, W, C) in [-1, 1], and it judges an image by how badly it reconstructs it:
    L(v)        = mean over pixels of |v - D(v)|           (the paper's L1 loss, eta = 1)
    L_D         = L(x) - k_t L(G(z))                       D: reconstruct reals, not fakes
    L_G         = L(G(z))                                  G: make images D reconstructs well
    k_{t+1}     = clip(k_t + lambda_k (gamma L(x) - L(G(z))), 0, 1)
    M_global    = L(x) + |gamma L(x) - L(G(z))|            falls as training converges
gamma = E[L(G(z))] / E[L(x)] is the equilibrium (diversity) ratio: lower gamma, sharper but
less varied images. k_t, a proportional controller, starts at k_0 (the paper's 0;
`ImageGanConfig.k_init`) and weighs the fakes' term only as much as keeps that ratio; both
networks step at once from one batch of fakes (the paper's Algorithm), so
`ImageGanConfig.update` does not apply.

Why MNIST needs k_0 > 0 (measured, docs/model-zoo.md): black backgrounds make real digits easy
to reconstruct (L(x) ~ 0.05 after a few hundred steps), while G, with k_t = 0, drifts to
low-contrast grey images that D, a near-identity on them, reconstructs about as well. With
gamma 0.5, 0.7 or 1.0 and k_0 = 0, L(G(z)) stayed above gamma L(x), so k_t sat at 0, D never
learned to reject fakes and G never left the grey image (77 epochs, every sample one class).
Starting at k_0 = 0.1 makes D push fakes away from the first step; G leaves grey within three
epochs and the controller takes over from there.

How it fits the GAN checkpoint format: G is generator.keras (z (n, latent_dim) ~ N(0, I) ->
(n, H, W, C) in [-1, 1], tanh so every page can sample it); the autoencoder takes D's slot,
state/discriminator.keras, and k_t rides in state/progress.json, so `train --resume` goes on
with the controller where it stopped.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ganviz.image.fused import chunk_means
from ganviz.image.state import load_optimizer_state, save_optimizer_state

if TYPE_CHECKING:  # models.py imports this module for its registry entry
    from ganviz.image.config import ImageGanConfig
    from ganviz.image.models import Architecture

GAMMA = 0.5  # the paper's equilibrium default (its figures use 0.3..0.7); --gamma
LAMBDA_K = 0.001  # k_t's learning rate (Berthelot et al. 2017, section 3.4); --lambda-k
STAT_NAMES = ("d_loss", "g_loss", "loss_real", "loss_fake", "k_t", "m_global")


# ---------------------------------------------------------------------------- maths

def update_k(k, loss_real, loss_fake, gamma: float = GAMMA, lambda_k: float = LAMBDA_K):
    """k_{t+1} = clip(k_t + lambda_k (gamma L(x) - L(G(z))), 0, 1): scalars (floats or tf
    tensors) -> a float32 tensor in [0, 1] (Berthelot et al. 2017, eq. 4)."""
    import tensorflow as tf

    k, loss_real, loss_fake = (tf.cast(v, tf.float32) for v in (k, loss_real, loss_fake))
    return tf.clip_by_value(k + lambda_k * (gamma * loss_real - loss_fake), 0.0, 1.0)


def convergence_measure(loss_real, loss_fake, gamma: float = GAMMA):
    """M_global = L(x) + |gamma L(x) - L(G(z))| >= 0: scalars -> a float32 tensor
    (Berthelot et al. 2017, section 3.4.1)."""
    import tensorflow as tf

    loss_real, loss_fake = tf.cast(loss_real, tf.float32), tf.cast(loss_fake, tf.float32)
    return loss_real + tf.abs(gamma * loss_real - loss_fake)


def reconstruction_loss(images, reconstructions):
    """L(v) = mean |v - D(v)| over a batch: (B, H, W, C) twice -> a scalar."""
    import tensorflow as tf

    return tf.reduce_mean(tf.abs(images - reconstructions))


# ---------------------------------------------------------------------------- networks

def _decode(arch: Architecture, h, prefix: str):
    """The paper's decoder, shared by G and D: Dense to a start map, then per scale a 2x
    nearest-neighbour up-sampling and a 3x3 convolution with ELU, all `base_filters` wide;
    a tanh 3x3 convolution to the image's channels. h (n, latent_dim) -> (n, H, W, C)."""
    from keras import layers

    side, _, channels = arch.image_shape
    start, n = side // 2 ** arch.num_scales, arch.base_filters
    x = layers.Dense(start * start * n, name=f"{prefix}project")(h)
    x = layers.Reshape((start, start, n), name=f"{prefix}to_map")(x)
    for i in range(arch.num_scales):
        x = layers.UpSampling2D(2, interpolation="nearest", name=f"{prefix}up{i + 1}")(x)
        x = layers.Conv2D(n, 3, padding="same", activation="elu", name=f"{prefix}conv{i + 1}")(x)
    return layers.Conv2D(channels, 3, padding="same", activation="tanh",
                         name=f"{prefix}to_image")(x)


def build_began_generator(arch: Architecture, name: str = "generator"):
    """z (n, latent_dim) float32 -> (n, H, W, C) float32 in [-1, 1]: the decoder of D's
    autoencoder, as in the paper. No batch norm (the paper has none)."""
    import keras

    z = keras.Input((arch.latent_dim,), name="z")
    return keras.Model(z, _decode(arch, z, ""), name=name)


def build_began_discriminator(arch: Architecture, name: str = "discriminator"):
    """The autoencoder D: image (n, H, W, C) in [-1, 1] -> reconstruction, same shape and
    range. Encoder: per scale a stride-2 convolution with ELU, filters n, 2n, 3n... (the
    paper grows them linearly), then a Dense embedding of latent_dim values."""
    import keras
    from keras import layers

    image = keras.Input(arch.image_shape, name="image")
    x = layers.Conv2D(arch.base_filters, 3, padding="same", activation="elu", name="enc_in")(image)
    for i in range(arch.num_scales):
        x = layers.Conv2D(arch.base_filters * (i + 2), 3, 2, padding="same", activation="elu",
                          name=f"enc_down{i + 1}")(x)
    h = layers.Dense(arch.latent_dim, name="embedding")(layers.Flatten(name="features")(x))
    return keras.Model(image, _decode(arch, h, "dec_"), name=name)


# ---------------------------------------------------------------------------- trainer

class BeganTrainer:
    """Owns G, the autoencoder D, two Adams (config.g_learning_rate / d_learning_rate,
    beta_1, beta_2), k_t (starting at 0) and a fused `tf.function` of `steps_per_call` steps.
    Same constructor and train_chunk / save_state / load_state / sampler as `ImageGanTrainer`.

    `train_chunk(images, labels)`: images (S, B, H, W, C) uint8, labels ignored -> the means
    over S steps of d_loss, g_loss, loss_real (L(x)), loss_fake (L(G(z))), k_t (after each
    step) and m_global, with `config.gamma`, `config.lambda_k` and k_0 = `config.k_init`.
    """

    def __init__(self, config: ImageGanConfig, arch: Architecture, generator=None,
                 discriminator=None, strategy=None, ema_generator=None):
        import keras
        import tensorflow as tf

        if config.g_ema > 0 or ema_generator is not None:
            raise ValueError("began does not average weights: use g_ema 0")
        if config.strategy != "default" or strategy is not None:
            raise ValueError("began trains on one device: use --strategy default")
        if (config.d_steps, config.g_steps) != (1, 1):
            raise ValueError("began steps D and G together: use d_steps 1 and g_steps 1")
        if arch.conditional:
            raise ValueError("began is unconditional")
        self.config, self.arch = config, arch
        self.gamma, self.lambda_k = config.gamma, config.lambda_k
        self.generator = generator or build_began_generator(arch)
        self.discriminator = discriminator or build_began_discriminator(arch)
        self.g_optimizer = keras.optimizers.Adam(config.g_learning_rate, config.beta_1,
                                                 config.beta_2)
        self.d_optimizer = keras.optimizers.Adam(config.d_learning_rate, config.beta_1,
                                                 config.beta_2)
        self.g_optimizer.build(self.generator.trainable_variables)
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.step = tf.Variable(0, dtype=tf.int64, trainable=False, name="step")
        self.k = tf.Variable(config.k_init, dtype=tf.float32, trainable=False, name="k_t")
        self._chunk_fn = None

    @property
    def sampler(self):
        """The generator: the checkpoint's generator.keras, sampled from N(0, I)."""
        return self.generator

    def _step(self, images_u8):
        import tensorflow as tf

        G, D = self.generator, self.discriminator
        real = tf.cast(images_u8, tf.float32) / 127.5 - 1.0  # (B, H, W, C)
        seed = tf.stack([self.step, tf.constant(self.config.seed, tf.int64)])
        z = tf.random.stateless_normal((tf.shape(real)[0], self.arch.latent_dim), seed)
        # one batch of fakes for both losses: the paper's simultaneous update
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            fake = G(z, training=True)
            loss_real = reconstruction_loss(real, D(real, training=True))
            loss_fake = reconstruction_loss(fake, D(fake, training=True))
            d_loss = loss_real - self.k * loss_fake
            g_loss = loss_fake
        d_grads = d_tape.gradient(d_loss, D.trainable_variables)
        g_grads = g_tape.gradient(g_loss, G.trainable_variables)
        self.d_optimizer.apply_gradients(zip(d_grads, D.trainable_variables))
        self.g_optimizer.apply_gradients(zip(g_grads, G.trainable_variables))
        self.k.assign(update_k(self.k, loss_real, loss_fake, self.gamma, self.lambda_k))
        self.step.assign_add(1)
        return (d_loss, g_loss, loss_real, loss_fake, tf.identity(self.k),
                convergence_measure(loss_real, loss_fake, self.gamma))

    def train_chunk(self, images: np.ndarray, labels: np.ndarray) -> dict[str, float]:
        if self._chunk_fn is None:
            self._chunk_fn = chunk_means(self._step, len(STAT_NAMES), self.config.jit_compile)
        return dict(zip(STAT_NAMES, self._chunk_fn(images)))

    # -- resume state -------------------------------------------------------------
    def save_state(self, folder: Path, epoch: int) -> None:
        """folder (the run's state/): D, both Adams' variables, the step, k_t and the epoch
        (an atomic rename)."""
        save_optimizer_state(folder, self.discriminator, self.g_optimizer, self.d_optimizer,
                             {"epoch": epoch, "step": int(self.step.numpy()),
                              "k": float(self.k.numpy())})

    def load_state(self, folder: Path) -> int:
        """Restore both Adams, the step and k_t from save_state; returns the epoch."""
        progress = load_optimizer_state(folder, self.g_optimizer, self.d_optimizer, self.step)
        self.k.assign(progress["k"])
        return int(progress["epoch"])
