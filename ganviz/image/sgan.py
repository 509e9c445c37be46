"""The semi-supervised GAN (`sgan`) of the image-model registry: a K-class discriminator that
also tells real from fake, trained on `labels_per_class` labelled images per class and every
training image unlabelled (Odena 2016; Salimans et al. 2016, "Improved Techniques for Training
GANs", section 5).

No explicit fake class (Salimans' trick, section 5): D's K logits l_1..l_K give
    p(y = k | x) = softmax(l)_k                      the classifier
    D(x) = Z(x) / (Z(x) + 1),  Z(x) = sum_k exp l_k   the probability that x is real
so log D(x) = lse(l) - softplus(lse(l)) and log(1 - D(x)) = -softplus(lse(l)), lse the
log-sum-exp (stable for any logits). Per example, averaged over the batch (nats):
    supervised     -log softmax(l(x_lab))_y                 on a labelled batch
    unsupervised   -log D(x) - log(1 - D(G(z)))  = softplus(-lse(l(x))) + softplus(lse(l(G z)))
    d_loss         supervised + w unsupervised             w = `--unsupervised-weight` (1)
    g_loss         -log D(G(z)) = softplus(-lse(l(G z)))    non-saturating (`--loss`)
Salimans et al. found feature matching (G matches the mean of D's last features) gives the
better classifier; on Fashion-MNIST with 10 labels per class it measured worse here (2 epochs,
dropout 0.5: 58.5 % with pooled features, 69.9 % with flattened ones, against 71.9 % with the
non-saturating loss and 69.8 % for the supervised control; docs/model-zoo.md), so G uses the
non-saturating loss, the registry's `non_saturating` entry applied to the logit lse(l).

How it fits the registry: G is the DCGAN generator (the checkpoint's generator.keras); D
(`build_sgan_discriminator`, no batch norm so test accuracy uses the very function training
fitted) takes the second-network slot and is saved in state/discriminator.keras. The trainer
loads its labelled and held-out images itself, by `config.dataset` (the same name and seed
train.py loaded): its `train_chunk` batches arrive with their labels zeroed, as for every
unconditional model. The labelled images are `labels_per_class` of each class among the first
`max_train_images` training images, chosen by `stratified_split(config.seed)`; each step draws
a labelled batch of `batch_size` from them (with replacement) next to the unlabelled batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ganviz.image.fused import chunk_means
from ganviz.image.state import load_optimizer_state, save_optimizer_state

if TYPE_CHECKING:  # models.py imports this module for its registry entry
    from ganviz.image.config import ImageGanConfig
    from ganviz.image.models import Architecture

DEFAULT_CLASSES = 10  # D's outputs when a builder is called without the data's classes
EVAL_BATCH = 500


# ---------------------------------------------------------------------------- maths

def log_sum_exp(logits):
    """(n, K) -> (n,) log Z(x) = log sum_k exp l_k."""
    import tensorflow as tf

    return tf.reduce_logsumexp(logits, axis=1)


def real_probability(logits):
    """D(x) = Z / (Z + 1) = sigmoid(lse(l)), (n, K) logits -> (n,) in (0, 1) (Salimans et al.
    2016, section 5)."""
    import tensorflow as tf

    return tf.sigmoid(log_sum_exp(logits))


def supervised_loss(logits, labels):
    """-log softmax(l)_y per example: (n, K), (n,) int -> (n,) nats."""
    import tensorflow as tf

    return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.cast(labels, tf.int32),
                                                          logits=logits)


def unsupervised_loss(real_logits, fake_logits):
    """-log D(x) - log(1 - D(G z)) per example: (n, K), (n, K) -> (n,) nats."""
    import tensorflow as tf

    return tf.nn.softplus(-log_sum_exp(real_logits)) + tf.nn.softplus(log_sum_exp(fake_logits))


def generator_loss(fake_logits):
    """-log D(G z) per example: (n, K) -> (n,) nats; the non-saturating G loss on lse(l)."""
    from ganviz.image.losses import ns_generator_loss

    return ns_generator_loss(log_sum_exp(fake_logits)[:, None])


# ---------------------------------------------------------------------------- network

def build_sgan_discriminator(arch: Architecture, num_classes: int | None = None,
                             name: str = "discriminator"):
    """image (n, H, W, C) in [-1, 1] -> class logits (n, K), K = num_classes (else the
    architecture's, else 10). Gaussian input noise of std arch.d_input_noise while training
    (0: none), strided convolutions, LeakyReLU(0.2), dropout arch.d_dropout;
    the flattened last features are the layer `features`."""
    import keras
    from keras import layers

    k = num_classes or arch.num_classes or DEFAULT_CLASSES
    image = keras.Input(arch.image_shape, name="image")
    x, filters = image, arch.base_filters
    if arch.d_input_noise > 0:  # Salimans et al. 2016's D starts with GaussianNoise(0.3)
        x = layers.GaussianNoise(arch.d_input_noise, name="input_noise")(x)
    for i in range(arch.num_scales):
        x = layers.Conv2D(filters, arch.kernel_size, 2, padding="same", name=f"down{i + 1}")(x)
        x = layers.LeakyReLU(0.2, name=f"down{i + 1}_lrelu")(x)
        if arch.d_dropout > 0:
            x = layers.Dropout(arch.d_dropout, name=f"down{i + 1}_dropout")(x)
        filters *= 2
    features = layers.Flatten(name="features")(x)
    return keras.Model(image, layers.Dense(k, name="class_logits")(features), name=name)


# ---------------------------------------------------------------------------- data

@dataclass(frozen=True)
class SemiSupervisedData:
    """labelled_indices (N*K,) into the run's training images, their images (N*K, H, W, C)
    uint8 and labels (N*K,) int32; the held-out split's test_images / test_labels; and
    steps_per_epoch (training images // batch_size, as train.py runs them)."""

    labelled_indices: np.ndarray
    labelled_images: np.ndarray
    labelled_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    num_classes: int
    steps_per_epoch: int


def semi_supervised_data(config: ImageGanConfig, arch: Architecture) -> SemiSupervisedData:
    """Load `config.dataset` and pick `labels_per_class` labelled images of each class."""
    from ganviz.image.data import load, stratified_split

    try:
        dataset = load(config.dataset, seed=config.seed, image_size=arch.image_shape[0])
    except (ValueError, FileNotFoundError) as exc:
        raise ValueError(f"sgan loads its labels by dataset name: {exc}") from exc
    if dataset.train_labels is None or dataset.heldout_labels is None:
        raise ValueError(f"sgan needs labelled data; {dataset.name} has no labels")
    labels = dataset.train_labels[: config.max_train_images]
    n, k = config.labels_per_class, dataset.num_classes
    counts = np.bincount(labels, minlength=k)
    if counts.min() < n:
        raise ValueError(f"labels_per_class {n}: class {int(counts.argmin())} has only "
                         f"{int(counts.min())} training images")
    if len(labels) < config.batch_size:
        raise ValueError(f"batch_size {config.batch_size} is larger than the {len(labels)} "
                         "training images")
    _, labelled = stratified_split(labels, n, config.seed)  # (N*K,), sorted
    return SemiSupervisedData(
        labelled, dataset.train_images[labelled], labels[labelled].astype(np.int32),
        dataset.heldout_images, dataset.heldout_labels.astype(np.int32), k,
        len(labels) // config.batch_size)


def classifier_accuracy(discriminator, images: np.ndarray, labels: np.ndarray) -> float:
    """Share of images (n, H, W, C) uint8 whose argmax logit is the label (n,)."""
    correct = 0
    for i in range(0, len(images), EVAL_BATCH):
        x = images[i:i + EVAL_BATCH].astype(np.float32) / 127.5 - 1.0
        logits = np.asarray(discriminator(x, training=False))
        correct += int(np.sum(logits.argmax(axis=1) == labels[i:i + EVAL_BATCH]))
    return correct / max(len(images), 1)


def supervised_baseline(config: ImageGanConfig, arch: Architecture, steps: int,
                        data: SemiSupervisedData | None = None) -> float:
    """The SGAN's control: the same architecture as its D (`build_sgan_discriminator`, same
    dropout), the same optimiser and learning rate, trained on the same `labels_per_class`
    labelled images only (the supervised loss, batches of `batch_size` drawn as the SGAN's D
    draws them) for `steps` updates; returns its held-out accuracy after the last one (no
    early stopping on the test split, for either model). Seeded by config.seed."""
    import keras
    import tensorflow as tf

    from ganviz.image.config import OPTIMIZERS

    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    data = data or semi_supervised_data(config, arch)
    keras.utils.set_random_seed(config.seed)
    model = build_sgan_discriminator(arch, data.num_classes, name="supervised")
    optimizer = OPTIMIZERS[config.optimizer](config.d_learning_rate, config)
    images = tf.constant(data.labelled_images)
    labels = tf.constant(data.labelled_labels)

    @tf.function(reduce_retracing=True)
    def run(first_step, count):
        for i in tf.range(count):
            seed = tf.stack([(first_step + i) * 8, tf.constant(config.seed, tf.int64)])
            pick = tf.random.stateless_uniform((config.batch_size,), seed, 0,
                                               len(data.labelled_labels), dtype=tf.int32)
            x = tf.cast(tf.gather(images, pick), tf.float32) / 127.5 - 1.0
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(supervised_loss(model(x, training=True),
                                                      tf.gather(labels, pick)))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    chunk = max(config.steps_per_call, 100)
    for start in range(0, steps, chunk):
        run(tf.constant(start, tf.int64), tf.constant(min(chunk, steps - start), tf.int64))
    return classifier_accuracy(model, data.test_images, data.test_labels)


# ---------------------------------------------------------------------------- trainer

class SganTrainer:
    """Owns G, the K-class D, one optimiser each (`ImageGanConfig.optimizer`) and a fused
    `tf.function` of `steps_per_call` alternating D, G steps; the `ImageGanTrainer` interface.

    `train_chunk(images, labels)`: images (S, B, H, W, C) uint8 (unlabelled; labels ignored) ->
    the means over S steps of d_loss, g_loss, supervised_loss, unsupervised_loss,
    d_real / d_fake (mean D(x) on real and generated images) and labelled_images (N*K);
    `epoch_metrics()`: D's accuracy as a classifier on the held-out split, once an epoch.
    """

    def __init__(self, config: ImageGanConfig, arch: Architecture, generator=None,
                 discriminator=None, strategy=None, ema_generator=None):
        import tensorflow as tf

        from ganviz.image.config import OPTIMIZERS
        from ganviz.image.models import build_generator

        if config.g_ema > 0 or ema_generator is not None:
            raise ValueError("sgan does not average weights: use g_ema 0")
        if config.loss != "non_saturating":
            raise ValueError("sgan's D(x) = Z/(Z+1) is a probability: use --loss non_saturating, "
                             f"not {config.loss}")
        if config.strategy != "default" or strategy is not None:
            raise ValueError("sgan trains on one device: use --strategy default")
        self.config, self.arch = config, arch
        self.data = semi_supervised_data(config, arch)
        self.generator = generator or build_generator(arch)
        self.discriminator = discriminator or build_sgan_discriminator(arch, self.data.num_classes)
        make = OPTIMIZERS[config.optimizer]
        self.g_optimizer = make(config.g_learning_rate, config)
        self.d_optimizer = make(config.d_learning_rate, config)
        self.g_optimizer.build(self.generator.trainable_variables)
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.step = tf.Variable(0, dtype=tf.int64, trainable=False, name="step")
        self._labelled = (tf.constant(self.data.labelled_images),
                          tf.constant(self.data.labelled_labels))
        self._chunk_fn = None

    @property
    def sampler(self):
        return self.generator

    def test_accuracy(self) -> float:
        """D as a classifier on the dataset's held-out split (argmax of the K logits)."""
        return classifier_accuracy(self.discriminator, self.data.test_images,
                                   self.data.test_labels)

    def _random(self, salt: int):
        import tensorflow as tf

        return tf.stack([self.step * 8 + salt, tf.constant(self.config.seed, tf.int64)])

    def _d_step(self, real):
        import tensorflow as tf

        n = tf.shape(real)[0]
        pick = tf.random.stateless_uniform((n,), self._random(0), 0,
                                           len(self.data.labelled_labels), dtype=tf.int32)
        x_lab = tf.cast(tf.gather(self._labelled[0], pick), tf.float32) / 127.5 - 1.0
        y_lab = tf.gather(self._labelled[1], pick)
        z = tf.random.stateless_normal((n, self.arch.latent_dim), self._random(1))
        D = self.discriminator
        with tf.GradientTape() as tape:
            fake = self.generator(z, training=True)
            real_logits, fake_logits = D(real, training=True), D(fake, training=True)
            sup = tf.reduce_mean(supervised_loss(D(x_lab, training=True), y_lab))
            unsup = tf.reduce_mean(unsupervised_loss(real_logits, fake_logits))
            d_loss = sup + self.config.unsupervised_weight * unsup
        grads = tape.gradient(d_loss, D.trainable_variables)
        self.d_optimizer.apply_gradients(zip(grads, D.trainable_variables))
        return (d_loss, sup, unsup, tf.reduce_mean(real_probability(real_logits)),
                tf.reduce_mean(real_probability(fake_logits)))

    def _g_step(self, real):
        import tensorflow as tf

        z = tf.random.stateless_normal((tf.shape(real)[0], self.arch.latent_dim),
                                       self._random(2))
        G = self.generator
        with tf.GradientTape() as tape:
            g_loss = tf.reduce_mean(generator_loss(self.discriminator(G(z, training=True),
                                                                      training=True)))
        grads = tape.gradient(g_loss, G.trainable_variables)
        self.g_optimizer.apply_gradients(zip(grads, G.trainable_variables))
        return g_loss

    def _step(self, images_u8):
        import tensorflow as tf

        real = tf.cast(images_u8, tf.float32) / 127.5 - 1.0  # (B, H, W, C)
        d_loss, sup, unsup, d_real, d_fake = self._d_step(real)
        g_loss = self._g_step(real)
        self.step.assign_add(1)
        return d_loss, g_loss, sup, unsup, d_real, d_fake

    def train_chunk(self, images: np.ndarray, labels: np.ndarray) -> dict[str, float]:
        if self._chunk_fn is None:
            self._chunk_fn = chunk_means(self._step, 6, self.config.jit_compile)
        names = ("d_loss", "g_loss", "supervised_loss", "unsupervised_loss", "d_real", "d_fake")
        stats = dict(zip(names, self._chunk_fn(images)))
        stats["labelled_images"] = float(len(self.data.labelled_labels))
        return stats

    def epoch_metrics(self) -> dict[str, float]:
        """Numbers measured once at each epoch's end (train.py adds them to the record):
        D's accuracy as a classifier on the held-out split."""
        return {"classifier_test_accuracy": self.test_accuracy()}

    # -- resume state -------------------------------------------------------------
    def save_state(self, folder: Path, epoch: int) -> None:
        """D, both optimisers' variables, the step and epoch into folder (atomic rename)."""
        save_optimizer_state(folder, self.discriminator, self.g_optimizer, self.d_optimizer,
                             {"epoch": epoch, "step": int(self.step.numpy())})

    def load_state(self, folder: Path) -> int:
        """Restore both optimisers and the step from save_state; returns the epoch."""
        return int(load_optimizer_state(folder, self.g_optimizer, self.d_optimizer,
                                        self.step)["epoch"])
