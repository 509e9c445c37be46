"""The autoencoder (`ae`) and variational autoencoder (`vae`) of the image-model registry: their
encoder and decoder builders, `AeTrainer` / `VaeTrainer` (the `ImageModel.trainer` interface
of `ganviz.image.trainer.ImageGanTrainer`) and `load_autoencoder`, which reconstructs real
images from a checkpoint.

How they fit the GAN checkpoint format: the decoder plays the generator (generator.keras, z
(n, latent_dim) -> (n, H, W, C) in [-1, 1], so every page samples it from N(0, I)); the encoder
takes the registry's second-network slot (`build_discriminator`), so `train --resume` finds it
in state/discriminator.keras. A public copy lives in encoder/encoder.keras, which
`ganviz.image.checkpoints.save` carries like epochs/ and state/.

Losses, per image, averaged over the batch (nats):
    reconstruction  sum over pixels of the Bernoulli cross-entropy of the target intensity
                    p = (x + 1) / 2 under the decoder's probability (Kingma & Welling 2014,
                    the MNIST model). Summed, not averaged, so it weighs against the KL in the
                    same units: the chapter's mean squared error per pixel + summed KL
                    over-weights the KL ~784x and pulls every posterior onto the prior.
    kl (vae only)   KL(q(z|x) || N(0, I)) = 1/2 sum_j (mu_j^2 + sigma_j^2 - log sigma_j^2 - 1),
                    the encoder giving mu and log sigma^2; z = mu + sigma * eps, eps ~ N(0, I)
                    (the reparameterisation trick), so gradients reach the encoder.
The AE is the same without the KL and the sampling: its codes go wherever reconstruction
wants them, not to N(0, I), which is why its decoder makes poor images from N(0, I) latents.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ganviz.files import replace_dir
from ganviz.image.fused import chunk_means
from ganviz.image.pixels import to_uint8

if TYPE_CHECKING:  # models.py imports this module for its registry entries
    from ganviz.image.config import ImageGanConfig
    from ganviz.image.models import Architecture

ENCODER_FILE = Path("encoder") / "encoder.keras"
STATE_ENCODER_FILE = "discriminator.keras"  # the registry's second network: see the docstring


# ---------------------------------------------------------------------------- networks

def build_decoder(arch: Architecture, name: str = "generator"):
    """DCGAN-shaped decoder: z (n, latent_dim) float32 -> (n, H, W, C) float32 in [-1, 1].
    No batch norm (as in the chapter's VAE_CNN): sampling and reconstruction then use the very
    function training fitted, even after a few steps (moving statistics lag). The layer
    `to_logits` holds a, the output is tanh(a); the trainer's Bernoulli loss uses logit 2a,
    since sigmoid(2a) = (tanh(a) + 1) / 2 is the pixel's probability."""
    import keras
    from keras import layers

    h, _, c = arch.image_shape
    start = h // 2 ** arch.num_scales
    filters = arch.base_filters * 2 ** (arch.num_scales - 1)
    z = keras.Input((arch.latent_dim,), name="z")
    x = layers.Dense(start * start * filters, name="project")(z)
    x = layers.ReLU(name="project_relu")(x)
    x = layers.Reshape((start, start, filters), name="to_map")(x)
    for i in range(arch.num_scales - 1):
        filters //= 2
        x = layers.Conv2DTranspose(filters, arch.kernel_size, 2, padding="same",
                                   name=f"up{i + 1}")(x)
        x = layers.ReLU(name=f"up{i + 1}_relu")(x)
    x = layers.Conv2DTranspose(c, arch.kernel_size, 2, padding="same", name="to_logits")(x)
    x = layers.Activation("tanh", name="to_image")(x)
    return keras.Model(z, x, name=name)


def _encoder_features(arch: Architecture):
    """(image input, flattened features): strided convolutions and ReLU, the decoder's mirror
    (the chapter's encoder)."""
    import keras
    from keras import layers

    image = keras.Input(arch.image_shape, name="image")
    x, filters = image, arch.base_filters
    for i in range(arch.num_scales):
        x = layers.Conv2D(filters, arch.kernel_size, 2, padding="same", name=f"down{i + 1}")(x)
        x = layers.ReLU(name=f"down{i + 1}_relu")(x)
        filters *= 2
    return image, layers.Flatten(name="features")(x)


def build_ae_encoder(arch: Architecture, name: str = "encoder"):
    """image (n, H, W, C) in [-1, 1] -> code z (n, latent_dim) float32."""
    import keras
    from keras import layers

    image, features = _encoder_features(arch)
    return keras.Model(image, layers.Dense(arch.latent_dim, name="z")(features), name=name)


def build_vae_encoder(arch: Architecture, name: str = "encoder"):
    """image (n, H, W, C) in [-1, 1] -> [mu, log sigma^2], each (n, latent_dim): q(z|x)."""
    import keras
    from keras import layers

    image, features = _encoder_features(arch)
    mean = layers.Dense(arch.latent_dim, name="z_mean")(features)
    log_var = layers.Dense(arch.latent_dim, name="z_log_var")(features)
    return keras.Model(image, [mean, log_var], name=name)


def kl_to_standard_normal(mean, log_var):
    """KL(N(mean, exp(log_var)) || N(0, I)) per row, nats: (n, d), (n, d) -> (n,)
    (Kingma & Welling 2014, appendix B)."""
    import tensorflow as tf

    return 0.5 * tf.reduce_sum(tf.square(mean) + tf.exp(log_var) - log_var - 1.0, axis=1)


# ---------------------------------------------------------------------------- trainers

class AeTrainer:
    """Owns the encoder, the decoder (the checkpoint's generator), one Adam over both
    (config.g_learning_rate, beta_1, beta_2) and a fused `tf.function` of `steps_per_call`
    steps. Same constructor and train_chunk / save_state / load_state / sampler as
    `ImageGanTrainer`; `discriminator` is the encoder (see the module docstring).

    `train_chunk(images, labels)`: images (S, B, H, W, C) uint8, labels ignored -> the means
    over S steps of loss, reconstruction (and kl), latent_mean_sq (E[mu^2]) and, for the VAE,
    posterior_std (E[sigma]); matching N(0, I) needs E[mu^2] + E[sigma^2] = 1.
    """

    variational = False
    stat_names = ("loss", "reconstruction", "latent_mean_sq")

    def __init__(self, config: ImageGanConfig, arch: Architecture, generator=None,
                 discriminator=None, strategy=None, ema_generator=None):
        import keras
        import tensorflow as tf

        if config.g_ema > 0 or ema_generator is not None:
            raise ValueError(f"{config.model} does not average weights: use g_ema 0")
        if config.strategy != "default" or strategy is not None:
            raise ValueError(f"{config.model} trains on one device: use --strategy default")
        if arch.conditional:
            raise ValueError(f"{config.model} is unconditional")
        self.config, self.arch = config, arch
        build_encoder = build_vae_encoder if self.variational else build_ae_encoder
        self.decoder = generator or build_decoder(arch)
        self.encoder = discriminator or build_encoder(arch)
        self._decoder_logits = keras.Model(self.decoder.inputs,
                                           self.decoder.get_layer("to_logits").output)
        self.optimizer = keras.optimizers.Adam(config.g_learning_rate, config.beta_1,
                                               config.beta_2)
        self.optimizer.build(self._variables)
        self.step = tf.Variable(0, dtype=tf.int64, trainable=False, name="step")
        self._chunk_fn = None

    @property
    def _variables(self) -> list:
        return self.encoder.trainable_variables + self.decoder.trainable_variables

    @property
    def sampler(self):
        """The decoder: the checkpoint's generator.keras, sampled from N(0, I)."""
        return self.decoder

    @property
    def generator(self):
        return self.decoder

    @property
    def discriminator(self):
        return self.encoder

    def _code(self, x):
        """x (B, H, W, C) in [-1, 1] -> (z, kl (B,), mean, std) in training mode."""
        import tensorflow as tf

        z = self.encoder(x, training=True)
        return z, tf.zeros(tf.shape(z)[:1]), z, tf.zeros_like(z)

    def _step(self, images_u8):
        import tensorflow as tf

        x = tf.cast(images_u8, tf.float32) / 127.5 - 1.0  # (B, H, W, C)
        with tf.GradientTape() as tape:
            z, kl, mean, std = self._code(x)
            logits = 2.0 * self._decoder_logits(z, training=True)  # sigmoid(2a) = (tanh a + 1)/2
            reconstruction = tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(
                labels=(x + 1.0) / 2.0, logits=logits), axis=[1, 2, 3])  # (B,)
            loss = tf.reduce_mean(reconstruction + kl)
        grads = tape.gradient(loss, self._variables)
        self.optimizer.apply_gradients(zip(grads, self._variables))
        self.step.assign_add(1)
        return (loss, tf.reduce_mean(reconstruction), tf.reduce_mean(kl),
                tf.reduce_mean(tf.square(mean)), tf.reduce_mean(std))

    def train_chunk(self, images: np.ndarray, labels: np.ndarray) -> dict[str, float]:
        if self._chunk_fn is None:
            self._chunk_fn = chunk_means(self._step, 5, self.config.jit_compile)
        loss, rec, kl, mean_sq, std = self._chunk_fn(images)
        stats = {"loss": loss, "reconstruction": rec, "kl": kl, "latent_mean_sq": mean_sq,
                 "posterior_std": std}
        return {k: stats[k] for k in self.stat_names}

    # -- resume state -------------------------------------------------------------
    def save_state(self, folder: Path, epoch: int) -> None:
        """folder (the run's state/): the encoder, Adam's variables, the step and epoch; and
        the encoder's public copy in folder's sibling encoder/ (each an atomic rename)."""
        folder = Path(folder)
        replace_dir(folder.parent / ENCODER_FILE.parent,
                    lambda tmp: self.encoder.save(tmp / ENCODER_FILE.name), ".encoder.tmp-")

        def build(tmp: Path) -> None:
            self.encoder.save(tmp / STATE_ENCODER_FILE)
            np.savez(tmp / "optimizers.npz",
                     **{f"opt_{i}": np.asarray(v) for i, v in enumerate(self.optimizer.variables)})
            progress = {"epoch": epoch, "step": int(self.step.numpy())}
            (tmp / "progress.json").write_text(json.dumps(progress))

        replace_dir(folder, build, ".state.tmp-")

    def load_state(self, folder: Path) -> int:
        """Restore Adam's variables and the step from save_state; returns the epoch."""
        folder = Path(folder)
        with np.load(folder / "optimizers.npz") as z:
            for i, v in enumerate(self.optimizer.variables):
                v.assign(z[f"opt_{i}"])
        progress = json.loads((folder / "progress.json").read_text())
        self.step.assign(progress["step"])
        return int(progress["epoch"])


class VaeTrainer(AeTrainer):
    """`AeTrainer` with q(z|x) = N(mu, sigma^2), z = mu + sigma * eps and the KL term."""

    variational = True
    stat_names = ("loss", "reconstruction", "kl", "latent_mean_sq", "posterior_std")

    def _code(self, x):
        import tensorflow as tf

        mean, log_var = self.encoder(x, training=True)  # (B, latent_dim) each
        seed = tf.stack([self.step, tf.constant(self.config.seed, tf.int64)])
        eps = tf.random.stateless_normal(tf.shape(mean), seed, dtype=tf.float32)
        std = tf.exp(0.5 * log_var)
        return mean + std * eps, kl_to_standard_normal(mean, log_var), mean, std


# ---------------------------------------------------------------------------- reconstruction

@dataclass(frozen=True)
class Autoencoder:
    """A loaded AE/VAE: `encode` real images to codes, `reconstruct` them through the decoder."""

    encoder: Any
    decoder: Any
    variational: bool

    def encode(self, images: np.ndarray, batch_size: int = 500) -> np.ndarray:
        """images (n, H, W, C) uint8 -> codes (n, latent_dim) float32 (the VAE's mean mu)."""
        images = np.asarray(images)
        expected = tuple(self.encoder.input_shape[1:])
        if images.dtype != np.uint8 or images.ndim != 4 or images.shape[1:] != expected:
            raise ValueError(f"images must be (n, {', '.join(map(str, expected))}) uint8, got "
                             f"{images.shape} {images.dtype}")
        codes = [np.zeros((0, self.decoder.input_shape[-1]), np.float32)]
        for i in range(0, len(images), batch_size):
            x = images[i:i + batch_size].astype(np.float32) / 127.5 - 1.0
            out = self.encoder(x, training=False)
            codes.append(np.asarray(out[0] if self.variational else out, np.float32))
        return np.concatenate(codes)

    def reconstruct(self, images: np.ndarray, batch_size: int = 500) -> np.ndarray:
        """images (n, H, W, C) uint8 -> reconstructions (n, H, W, C) uint8, decoded from the
        code (the VAE's posterior mean, so the same image always gives the same result)."""
        codes = self.encode(images, batch_size)
        out = [to_uint8(self.decoder(codes[i:i + batch_size], training=False))
               for i in range(0, len(codes), batch_size)]
        return np.concatenate(out) if out else np.zeros((0, *images.shape[1:]), np.uint8)


def load_autoencoder(checkpoint) -> Autoencoder:
    """The encoder of a loaded `ganviz.image.checkpoints.Checkpoint` of an `ae` / `vae` run
    (encoder/encoder.keras, Keras safe mode) with its generator as decoder."""
    import keras

    from ganviz.image.card import CheckpointError, CorruptCheckpointError

    file = Path(checkpoint.path) / ENCODER_FILE
    if checkpoint.card.spec.trainer not in (AeTrainer, VaeTrainer):
        raise CheckpointError(f"checkpoint {checkpoint.name!r} is a {checkpoint.card.model}, "
                              "not an autoencoder (ae, vae): it has no encoder")
    if not file.is_file():
        raise CheckpointError(f"checkpoint {checkpoint.name!r} lacks {ENCODER_FILE}; retrain "
                              "it to reconstruct images")
    try:
        encoder = keras.saving.load_model(file, compile=False, safe_mode=True)
    except Exception as exc:  # truncated, not a .keras file, or a Lambda layer (safe mode)
        raise CorruptCheckpointError(f"checkpoint {checkpoint.name!r}: {ENCODER_FILE} cannot "
                                     f"be loaded ({type(exc).__name__}: {str(exc)[:200]})"
                                     ) from exc
    return Autoencoder(encoder, checkpoint.generator, checkpoint.card.spec.trainer.variational)


def reconstructor(checkpoint) -> Callable[[np.ndarray], np.ndarray]:
    """`reconstruct(images) -> images` ((n, H, W, C) uint8 both) for an ae / vae checkpoint."""
    return load_autoencoder(checkpoint).reconstruct
