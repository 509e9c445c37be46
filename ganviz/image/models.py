"""Image models: the `MODELS` registry (name -> `ImageModel`), the DCGAN and conditional DCGAN
builders (Keras functional models, no Lambda layers, so the saved `.keras` files load with
`safe_mode=True`) and `generate_images` (any generator -> uint8 images).

Architecture follows the DCGAN paper's guidelines (Radford, Metz & Chintala 2015): no
pooling (strided convolutions in D, strided transposed convolutions in G), batch norm in G
and in D (except D's first layer), ReLU in G, LeakyReLU(0.2) in D, tanh output.
For `wasserstein_gp` D uses layer norm instead of batch norm (the gradient penalty is per
example, which batch norm breaks; Gulrajani et al. 2017). `wgan` and `wgan-gp` are these same
networks with a Wasserstein critic's loss and their papers' optimisers (`Recipe`).

Shapes: 28x28x1 (MNIST-like, starts from 7x7), 32x32xC and 64x64xC (start from 4x4).
The conditional models embed the label: in G the embedding is concatenated to z; in D it
becomes an extra input channel and a projection term (Miyato & Koyama 2018) on the features.

Generator: z (n, latent_dim) float32 [, label (n,) int] -> (n, H, W, C) float32 in [-1, 1].
Discriminator: image (n, H, W, C) in [-1, 1] [, label] -> (n, 1) float32 logits, or
(n, 1 + num_classes) with an auxiliary classifier head (column 0 is always real/fake).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ganviz.image.autoencoders import (
    AeTrainer,
    VaeTrainer,
    build_ae_encoder,
    build_decoder,
    build_vae_encoder,
)
from ganviz.image.began import BeganTrainer, build_began_discriminator, build_began_generator
from ganviz.image.pixels import to_uint8
from ganviz.image.sgan import SganTrainer, build_sgan_discriminator

SUPPORTED_SIZES = {28: 7, 32: 4, 64: 4}  # image side -> side of G's first feature map
D_NORMALIZATIONS = ("batch", "layer", "none")
MAX_PACKING = 4  # PacGAN's paper uses packs of 2-4


@dataclass(frozen=True)
class Architecture:
    """Everything needed to rebuild a generator/discriminator pair (goes into card.json).

    image_shape: (H, W, C), H == W in SUPPORTED_SIZES, C in {1, 3}.
    num_classes: None for unconditional DCGAN, else >= 2 (conditional DCGAN).
    auxiliary_classifier: conditional D also predicts the class (AC-GAN, Odena et al. 2017)
        and returns (n, 1 + num_classes): column 0 the real/fake logit, then class logits.
    base_filters: width of G's last hidden layer and D's first layer (doubles per scale).
    packing: D judges `packing` images at once, stacked along channels (PacGAN, Lin et al.
        2018): a pack of m samples shows D how varied G's output is, which penalises dropped
        modes. 1 = plain D. Unconditional models only.
    """

    image_shape: tuple[int, int, int] = (28, 28, 1)
    latent_dim: int = 64
    num_classes: int | None = None
    base_filters: int = 64
    kernel_size: int = 4
    d_normalization: str = "batch"
    d_dropout: float = 0.0
    d_input_noise: float = 0.0
    embedding_dim: int = 32
    auxiliary_classifier: bool = False
    packing: int = 1

    def __post_init__(self) -> None:
        h, w, c = self.image_shape
        if h != w or h not in SUPPORTED_SIZES:
            raise ValueError(f"image_shape must be square with side in {sorted(SUPPORTED_SIZES)}"
                             f", got {self.image_shape}")
        if c not in (1, 3):
            raise ValueError(f"image channels must be 1 or 3, got {c}")
        if not 1 <= self.latent_dim <= 1024:
            raise ValueError(f"latent_dim must be 1..1024, got {self.latent_dim}")
        if self.num_classes is not None and not 2 <= self.num_classes <= 1000:
            raise ValueError(f"num_classes must be None or 2..1000, got {self.num_classes}")
        if not 4 <= self.base_filters <= 512:
            raise ValueError(f"base_filters must be 4..512, got {self.base_filters}")
        if self.d_normalization not in D_NORMALIZATIONS:
            raise ValueError(f"d_normalization must be one of {D_NORMALIZATIONS}, "
                             f"got {self.d_normalization!r}")
        if self.auxiliary_classifier and self.num_classes is None:
            raise ValueError("auxiliary_classifier needs num_classes")
        if not 0.0 <= self.d_dropout < 1.0:
            raise ValueError(f"d_dropout must be in [0, 1), got {self.d_dropout}")
        if not 0.0 <= self.d_input_noise <= 1.0:
            raise ValueError(f"d_input_noise must be in [0, 1], got {self.d_input_noise}")
        if not 1 <= self.packing <= MAX_PACKING:
            raise ValueError(f"packing must be 1..{MAX_PACKING}, got {self.packing}")
        if self.packing > 1 and self.conditional:
            raise ValueError("packing needs an unconditional model (dcgan)")

    @property
    def conditional(self) -> bool:
        return self.num_classes is not None

    @property
    def num_scales(self) -> int:
        """How many 2x up-samplings take G from its first map to the image."""
        side = self.image_shape[0]
        return (side // SUPPORTED_SIZES[side]).bit_length() - 1  # 28/7=4 -> 2, 64/4=16 -> 4

    def to_dict(self) -> dict:
        d = asdict(self)
        d["image_shape"] = list(self.image_shape)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Architecture:
        d = dict(d)
        d["image_shape"] = tuple(d["image_shape"])
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})


def build_generator(arch: Architecture, name: str = "generator"):
    """DCGAN generator. Inputs: `z` (n, latent_dim) [and `label` (n,) int32]."""
    import keras
    from keras import layers

    h, _, c = arch.image_shape
    start = SUPPORTED_SIZES[h]
    filters = arch.base_filters * 2 ** (arch.num_scales - 1)
    z = keras.Input((arch.latent_dim,), name="z")
    inputs = [z]
    x = z
    if arch.conditional:
        label = keras.Input((), dtype="int32", name="label")
        inputs.append(label)
        e = layers.Embedding(arch.num_classes, arch.embedding_dim, name="label_embedding")(label)
        x = layers.Concatenate(name="z_and_label")([z, e])
    x = layers.Dense(start * start * filters, use_bias=False, name="project")(x)
    x = layers.BatchNormalization(name="project_bn")(x)
    x = layers.ReLU(name="project_relu")(x)
    x = layers.Reshape((start, start, filters), name="to_map")(x)
    for i in range(arch.num_scales - 1):
        filters //= 2
        x = layers.Conv2DTranspose(filters, arch.kernel_size, 2, padding="same", use_bias=False,
                                   name=f"up{i + 1}")(x)
        x = layers.BatchNormalization(name=f"up{i + 1}_bn")(x)
        x = layers.ReLU(name=f"up{i + 1}_relu")(x)
    x = layers.Conv2DTranspose(c, arch.kernel_size, 2, padding="same", activation="tanh",
                               name="to_image")(x)
    return keras.Model(inputs if arch.conditional else z, x, name=name)


def build_discriminator(arch: Architecture, name: str = "discriminator"):
    """DCGAN discriminator returning logits (n, 1). Inputs: `image` [and `label`]; with
    packing m, `image` is m images stacked along channels (see `pack`)."""
    import keras
    from keras import layers

    h, w, c = arch.image_shape
    image = keras.Input((h, w, c * arch.packing), name="image")
    inputs = [image]
    x = image
    if arch.conditional:
        label = keras.Input((), dtype="int32", name="label")
        inputs.append(label)
        plane = layers.Embedding(arch.num_classes, h * w, name="label_plane")(label)
        plane = layers.Reshape((h, w, 1), name="label_plane_map")(plane)
        x = layers.Concatenate(axis=-1, name="image_and_label")([image, plane])
    filters = arch.base_filters
    for i in range(arch.num_scales):
        x = layers.Conv2D(filters, arch.kernel_size, 2, padding="same",
                          use_bias=(i == 0 or arch.d_normalization == "none"),
                          name=f"down{i + 1}")(x)
        if i > 0 and arch.d_normalization == "batch":
            x = layers.BatchNormalization(name=f"down{i + 1}_bn")(x)
        elif i > 0 and arch.d_normalization == "layer":
            x = layers.LayerNormalization(axis=[1, 2, 3], name=f"down{i + 1}_ln")(x)
        x = layers.LeakyReLU(0.2, name=f"down{i + 1}_lrelu")(x)
        if arch.d_dropout > 0:
            x = layers.Dropout(arch.d_dropout, name=f"down{i + 1}_dropout")(x)
        filters *= 2
    features = layers.Flatten(name="features")(x)
    logits = layers.Dense(1, name="logit")(features)
    if arch.conditional:
        # projection discriminator: <embed(y), phi(x)> makes D check the class explicitly
        e = layers.Embedding(arch.num_classes, features.shape[-1], name="label_projection")(label)
        logits = layers.Add(name="logit_with_projection")(
            [logits, layers.Dot(axes=1, name="projection")([features, e])])
        if arch.auxiliary_classifier:
            class_logits = layers.Dense(arch.num_classes, name="class_logits")(features)
            logits = layers.Concatenate(name="logit_and_class_logits")([logits, class_logits])
    return keras.Model(inputs if arch.conditional else image, logits, name=name)


def pack(images, m: int):
    """(n, H, W, C) -> (n / m, H, W, m * C): images i*m .. i*m + m-1 side by side in channels
    (PacGAN's packed sample). n must be a multiple of m."""
    import tensorflow as tf

    if m == 1:
        return images
    _, h, w, c = images.shape
    x = tf.reshape(images, [-1, m, h, w, c])
    x = tf.transpose(x, [0, 2, 3, 1, 4])
    return tf.reshape(x, [-1, h, w, m * c])


def generate_images(generator, z: np.ndarray, labels: np.ndarray | None = None,
                    batch_size: int = 500) -> np.ndarray:
    """Run a generator in inference mode: z (n, latent_dim) float32 [and labels (n,) int32]
    -> (n, H, W, C) uint8, `batch_size` rows per call so memory stays bounded."""
    out = []
    for i in range(0, len(z), batch_size):
        inputs = z[i:i + batch_size] if labels is None else [z[i:i + batch_size],
                                                              labels[i:i + batch_size]]
        out.append(to_uint8(generator(inputs, training=False)))
    if not out:
        return np.zeros((0, *generator.output_shape[1:]), np.uint8)
    return np.concatenate(out)


# ---------------------------------------------------------------------------- the registry

@dataclass(frozen=True)
class Recipe:
    """How a model's paper optimises it; `ImageGanConfig` fields left None take these values.

    optimizer: a `ganviz.image.config.OPTIMIZERS` key ("adam" or "rmsprop").
    g_learning_rate / d_learning_rate, beta_1 / beta_2 (Adam's moment decays; RMSprop
        ignores them), d_steps: critic updates per generator update (WGAN's n_critic).
    Defaults: the DCGAN paper's Adam(2e-4, beta_1 0.5), one D step per G step.
    """

    optimizer: str = "adam"
    g_learning_rate: float = 2e-4
    d_learning_rate: float = 2e-4
    beta_1: float = 0.5
    beta_2: float = 0.999
    d_steps: int = 1


# WGAN (Arjovsky et al. 2017, Algorithm 1): RMSprop, lr 5e-5, clip 0.01, n_critic 5
WGAN_RECIPE = Recipe("rmsprop", 5e-5, 5e-5, d_steps=5)
# WGAN-GP (Gulrajani et al. 2017, Algorithm 1): Adam(1e-4, 0, 0.9), lambda 10, n_critic 5
WGAN_GP_RECIPE = Recipe("adam", 1e-4, 1e-4, beta_1=0.0, beta_2=0.9, d_steps=5)
# AE / VAE: Adam's own defaults (Kingma & Ba 2015), as in Keras' VAE example; one optimiser
# over encoder and decoder, so d_learning_rate is unused
AUTOENCODER_RECIPE = Recipe("adam", 1e-3, 1e-3, beta_1=0.9)
# BEGAN (Berthelot et al. 2017): Adam, lr 1e-4 for G and D; the paper gives no betas, these
# are the DCGAN recipe's (as in the common reimplementations)
BEGAN_RECIPE = Recipe("adam", 1e-4, 1e-4, beta_1=0.5)


@dataclass(frozen=True)
class ImageModel:
    """One image model, as the trainer (`ganviz.image.train`), `python -m ganviz train --model`
    and checkpoint loading (`Card.model`) know it. A new model is its builder(s) plus one
    `MODELS` entry; nothing else branches on model names.

    conditional: G takes (z, label) and D (image, label); the model needs labelled data and
        its checkpoints are asked for classes.
    build_generator / build_discriminator: `Architecture` -> keras Model (standard layers
        only, so checkpoints load in Keras safe mode).
    loss: the `ganviz.image.losses.LOSSES` key used when a config names none.
    auxiliary_classifier: D grows an AC-GAN class head when the config's auxiliary_weight > 0.
    packing: PacGAN packs allowed (D judges unlabelled images stacked along channels).
    trainer: None for `ImageGanTrainer` (adversarial D+G steps); a model with another kind of
        step (an autoencoder, say) gives a class with the same constructor and
        train_chunk / save_state / load_state / sampler interface.
    recipe: the optimiser, learning rates, betas and critic steps a config takes by default.
    """

    name: str
    summary: str
    conditional: bool
    build_generator: Callable[[Architecture], Any] = build_generator
    build_discriminator: Callable[[Architecture], Any] = build_discriminator
    loss: str = "non_saturating"
    auxiliary_classifier: bool = False
    packing: bool = False
    trainer: Callable[..., Any] | None = None
    recipe: Recipe = Recipe()


MODELS: dict[str, ImageModel] = {m.name: m for m in (
    ImageModel("dcgan", "DCGAN (Radford et al. 2015), unconditional", conditional=False,
               packing=True),
    ImageModel("cdcgan", "conditional DCGAN: label embedding in G, projection D (Miyato & "
               "Koyama 2018) with an AC-GAN class head (Odena et al. 2017)", conditional=True,
               auxiliary_classifier=True),
    ImageModel("wgan", "WGAN (Arjovsky et al. 2017): DCGAN networks, a weight-clipped critic, "
               "RMSprop, 5 critic steps per G step", conditional=False,
               loss="wasserstein_clip", packing=True, recipe=WGAN_RECIPE),
    ImageModel("wgan-gp", "WGAN-GP (Gulrajani et al. 2017): DCGAN networks, gradient penalty "
               "10, layer norm in the critic, Adam(1e-4, 0, 0.9), 5 critic steps per G step",
               conditional=False, loss="wasserstein_gp", packing=True, recipe=WGAN_GP_RECIPE),
    # autoencoders: the decoder is the generator, the encoder takes D's slot (loss unused)
    ImageModel("ae", "convolutional autoencoder, its decoder sampled from N(0, I): codes "
               "were never pushed towards N(0, I), so samples look poor", conditional=False,
               build_generator=build_decoder, build_discriminator=build_ae_encoder,
               trainer=AeTrainer, recipe=AUTOENCODER_RECIPE),
    ImageModel("vae", "variational autoencoder (Kingma & Welling 2014): Bernoulli "
               "reconstruction + KL(q(z|x) || N(0, I)), reparameterised z = mu + sigma * eps",
               conditional=False, build_generator=build_decoder,
               build_discriminator=build_vae_encoder, trainer=VaeTrainer,
               recipe=AUTOENCODER_RECIPE),
    ImageModel("began", "BEGAN (Berthelot et al. 2017): an autoencoder D, L1 reconstruction "
               "losses balanced by k_t towards gamma = 0.5, convergence measure M_global",
               conditional=False, build_generator=build_began_generator,
               build_discriminator=build_began_discriminator, trainer=BeganTrainer,
               recipe=BEGAN_RECIPE),
    # semi-supervised: D is a K-class classifier, Adam(3e-4, 0.5) as Salimans et al.'s code
    ImageModel("sgan", "semi-supervised GAN (Odena 2016; Salimans et al. 2016): a K-class D "
               "whose logits give D(x) = Z/(Z+1), --labels-per-class labelled images, "
               "non-saturating G; D's held-out accuracy recorded per epoch",
               conditional=False, build_discriminator=build_sgan_discriminator,
               trainer=SganTrainer, recipe=Recipe("adam", 3e-4, 3e-4)),
)}


def model_spec(name: str) -> ImageModel:
    """The `MODELS` entry for `name`, or ValueError naming the known models."""
    if name not in MODELS:
        raise ValueError(f"model must be one of {tuple(MODELS)}, got {name!r}")
    return MODELS[name]
