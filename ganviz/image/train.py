"""Train an image GAN (DCGAN / conditional DCGAN) into a ganviz checkpoint folder.

Stages: `ImageGanConfig` (frozen) -> `ImageGanTrainer` (models, optimizers, one fused
`tf.function` that runs `steps_per_call` D+G steps on in-memory uint8 batches) ->
`train()` (epochs, progress bar, per-epoch evaluation and snapshots) -> a checkpoint
written by `ganviz.checkpoints.save` (atomic).

Per-epoch metrics (all on `eval_samples` generated from one fixed z, so epochs compare):
    ndb_over_k            NDB/K vs the held-out real images (k-means bins fitted once)
    classifier_accuracy   conditional models: share the shipped classifier agrees with the
                          requested label
    class_kl              unconditional: KL(train class histogram || generated histogram)
"""

from __future__ import annotations

import json
import os
import platform
import shlex
import sys
import time
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import numpy as np

from ganviz.image.data import ImageDataset
from ganviz.image.models import MAX_PACKING

MODELS = ("dcgan", "cdcgan")
STRATEGIES = ("default", "mirrored")
# alternating: D step, then a G step against the updated D (fresh fakes), as in the DCGAN
# paper. simultaneous: one batch of fakes, both gradients from the same forward pass, as in
# TensorFlow's DCGAN tutorial; about a third fewer FLOPs per step.
UPDATES = ("alternating", "simultaneous")


# ---------------------------------------------------------------------------- losses
# Per-example losses from D's logits; the trainer averages over the global batch so
# that tf.distribute replicas add up to the same gradient as one device.

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
    return -fake_logits[:, 0]


@dataclass(frozen=True)
class GanLoss:
    generator: Callable
    discriminator: Callable
    gradient_penalty: bool


LOSSES: dict[str, GanLoss] = {
    "non_saturating": GanLoss(ns_generator_loss, ns_discriminator_loss, False),
    "wasserstein_gp": GanLoss(wasserstein_generator_loss, wasserstein_discriminator_loss, True),
}


# ---------------------------------------------------------------------------- config

@dataclass(frozen=True)
class ImageGanConfig:
    """Everything a training run depends on (stored in card.json["config"]).

    epochs: total epochs (a resumed run continues up to this number).
    max_train_images: use only the first N training images (None: all), for quick runs.
    g_steps / d_steps: generator / discriminator updates per training step.
    update: "alternating" or "simultaneous" (see UPDATES).
    init_from: a checkpoint folder whose generator and state/discriminator.keras start this
        run (fresh optimizers), e.g. to show what a frozen discriminator does to a generator.
    auxiliary_weight: cdcgan only; weight of the AC-GAN class loss (Odena et al. 2017):
        D learns to classify real images, G is pushed to make images D classifies as the
        requested label. 0 turns the auxiliary head off (pure projection cDCGAN).
    g_learning_rate / d_learning_rate: Adam learning rates (beta_1, beta_2 shared).
    g_ema: 0 (off) or the decay of an exponential moving average of G's weights, updated after
        every step (Yazici et al. 2019, "The Unusual Effectiveness of Averaging in GAN
        Training"; Karras et al. 2018). The checkpoint's generator.keras and every metric are
        then the averaged G; the trained G is kept in state/ for --resume.
    packing: PacGAN (Lin et al. 2018): D judges packs of this many images (dcgan only; see
        `Architecture.packing`); batch_size must be a multiple of it.
    steps_per_call: D+G steps fused into one tf.function call (fewer Python round trips).
    eval_samples: generated images per epoch for NDB/K and classifier metrics.
    epoch_samples: how many of them each epochs/epoch_NNN.npz keeps for the inspector.
    """

    dataset: str = "mnist"
    model: str = "dcgan"
    loss: str = "non_saturating"
    epochs: int = 10
    batch_size: int = 64
    latent_dim: int = 64
    base_filters: int = 32
    d_dropout: float = 0.0
    g_learning_rate: float = 2e-4
    d_learning_rate: float = 2e-4
    beta_1: float = 0.5
    beta_2: float = 0.999
    g_ema: float = 0.0
    packing: int = 1
    g_steps: int = 1
    d_steps: int = 1
    gp_weight: float = 10.0
    auxiliary_weight: float = 1.0
    max_train_images: int | None = None
    steps_per_call: int = 10
    ndb_bins: int = 50
    ndb_z_threshold: float = 4.0
    eval_samples: int = 2000
    epoch_samples: int = 500
    strategy: str = "default"
    update: str = "alternating"
    init_from: str | None = None
    jit_compile: bool = False
    seed: int = 0

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise ValueError(f"model must be one of {MODELS}, got {self.model!r}")
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {tuple(LOSSES)}, got {self.loss!r}")
        if self.update not in UPDATES:
            raise ValueError(f"update must be one of {UPDATES}, got {self.update!r}")
        if self.update == "simultaneous" and (self.g_steps, self.d_steps) != (1, 1):
            raise ValueError("update='simultaneous' needs g_steps = d_steps = 1")
        if self.strategy not in STRATEGIES:
            raise ValueError(f"strategy must be one of {STRATEGIES}, got {self.strategy!r}")
        if not 1 <= self.epochs <= 10_000:
            raise ValueError(f"epochs must be 1..10000, got {self.epochs}")
        if not 2 <= self.batch_size <= 4096:
            raise ValueError(f"batch_size must be 2..4096, got {self.batch_size}")
        for name in ("g_steps", "d_steps", "steps_per_call"):
            if not 1 <= getattr(self, name) <= 100:
                raise ValueError(f"{name} must be 1..100, got {getattr(self, name)}")
        for name in ("g_learning_rate", "d_learning_rate"):
            if not 0 < getattr(self, name) <= 1:
                raise ValueError(f"{name} must be in (0, 1], got {getattr(self, name)}")
        if self.max_train_images is not None and self.max_train_images < self.batch_size:
            raise ValueError(f"max_train_images ({self.max_train_images}) must be at least "
                             f"batch_size ({self.batch_size})")
        if not 1 <= self.packing <= MAX_PACKING:
            raise ValueError(f"packing must be 1..{MAX_PACKING}, got {self.packing}")
        if self.packing > 1 and self.model != "dcgan":
            raise ValueError("packing needs --model dcgan (unconditional)")
        if self.batch_size % self.packing:
            raise ValueError(f"batch_size ({self.batch_size}) must be a multiple of packing "
                             f"({self.packing})")
        if not 0 <= self.g_ema < 1:
            raise ValueError(f"g_ema must be in [0, 1), got {self.g_ema}")
        if not 0 <= self.eval_samples <= 100_000:
            raise ValueError(f"eval_samples must be 0..100000, got {self.eval_samples}")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "ImageGanConfig":
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})


def architecture_for(config: ImageGanConfig, dataset: ImageDataset):
    """The `Architecture` a config implies for a dataset (shape, classes, D's norm)."""
    from ganviz.image.models import Architecture

    if config.model == "cdcgan" and dataset.num_classes is None:
        raise ValueError(f"cdcgan needs labelled data; {dataset.name} has no labels")
    return Architecture(
        image_shape=dataset.image_shape,
        latent_dim=config.latent_dim,
        num_classes=dataset.num_classes if config.model == "cdcgan" else None,
        base_filters=config.base_filters,
        d_normalization="layer" if LOSSES[config.loss].gradient_penalty else "batch",
        d_dropout=config.d_dropout,
        auxiliary_classifier=config.model == "cdcgan" and config.auxiliary_weight > 0,
        packing=config.packing,
    )


def make_strategy(name: str):
    """`default` (one device) or `mirrored` (tf.distribute.MirroredStrategy, all GPUs)."""
    import tensorflow as tf

    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "default":
        return tf.distribute.get_strategy()
    raise ValueError(f"strategy must be one of {STRATEGIES}, got {name!r}")


# ---------------------------------------------------------------------------- trainer

class ImageGanTrainer:
    """Owns G, D, their Adam optimizers and the compiled train function.

    `train_chunk(images, labels)`: images (S, B, H, W, C) uint8, labels (S, B) int32
    (zeros for unconditional) -> dict of mean d_loss, g_loss, d_real, d_fake over S steps.
    """

    def __init__(self, config: ImageGanConfig, arch, generator=None, discriminator=None,
                 strategy=None, ema_generator=None):
        import keras
        import tensorflow as tf

        from ganviz.image.models import build_discriminator, build_generator

        self.config = config
        self.arch = arch
        self.loss = LOSSES[config.loss]
        self.strategy = strategy or make_strategy(config.strategy)
        replicas = self.strategy.num_replicas_in_sync
        if (config.batch_size // replicas) % arch.packing:
            raise ValueError(f"each of the {replicas} replicas gets {config.batch_size // replicas}"
                             f" images a step, not a multiple of packing ({arch.packing})")
        with self.strategy.scope():
            self.generator = generator or build_generator(arch)
            self.discriminator = discriminator or build_discriminator(arch)
            self.g_optimizer = keras.optimizers.Adam(config.g_learning_rate, config.beta_1,
                                                     config.beta_2)
            self.d_optimizer = keras.optimizers.Adam(config.d_learning_rate, config.beta_1,
                                                     config.beta_2)
            self.g_optimizer.build(self.generator.trainable_variables)
            self.d_optimizer.build(self.discriminator.trainable_variables)
            self.step = tf.Variable(0, dtype=tf.int64, trainable=False, name="step")
            self.ema_generator = None
            if config.g_ema > 0:
                self.ema_generator = ema_generator or build_generator(arch)
                if ema_generator is None:
                    self.ema_generator.set_weights(self.generator.get_weights())
        self._chunk_fn = None
        self._replica_fn = None

    @property
    def sampler(self):
        """The generator to sample and save: the averaged one when g_ema is on."""
        return self.ema_generator if self.ema_generator is not None else self.generator

    def _update_ema(self) -> None:
        """ema <- ema + (1 - decay) (w - ema) for every G weight (batch-norm statistics too)."""
        if self.ema_generator is None:
            return
        rate = 1.0 - self.config.g_ema
        for e, w in zip(self.ema_generator.weights, self.generator.weights):
            e.assign_add(rate * (w - e))

    # -- one step on one replica ------------------------------------------------
    def _noise(self, n, salt):
        import tensorflow as tf

        ctx = tf.distribute.get_replica_context()
        replica = tf.cast(ctx.replica_id_in_sync_group if ctx else 0, tf.int64)
        seed = tf.stack([self.step * 16 + salt + self.config.seed * 1_000_003, replica])
        return tf.random.stateless_normal((n, self.arch.latent_dim), seed, dtype=tf.float32)

    def _auxiliary(self, logits, labels):
        """Per-example AC-GAN class cross-entropy (0 without an auxiliary head)."""
        import tensorflow as tf

        if not self.arch.auxiliary_classifier:
            return tf.zeros(tf.shape(logits)[:1])
        return self.config.auxiliary_weight * tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=tf.cast(labels, tf.int32), logits=logits[:, 1:])

    def _g_inputs(self, z, labels):
        return [z, labels] if self.arch.conditional else z

    def _d_inputs(self, x, labels):
        if self.arch.packing > 1:
            from ganviz.image.models import pack

            return pack(x, self.arch.packing)
        return [x, labels] if self.arch.conditional else x

    @property
    def _d_batch(self) -> int:
        """How many verdicts D gives per global batch (packs of `packing` images)."""
        return self.config.batch_size // self.arch.packing

    def _replica_step(self, real_u8, labels):
        if self.config.update == "simultaneous":
            return self._simultaneous_step(real_u8, labels)
        return self._alternating_step(real_u8, labels)

    def _simultaneous_step(self, real_u8, labels):
        import tensorflow as tf

        cfg = self.config
        real = tf.cast(real_u8, tf.float32) / 127.5 - 1.0
        G, D = self.generator, self.discriminator
        z = self._noise(tf.shape(real)[0], salt=0)
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            fake = G(self._g_inputs(z, labels), training=True)
            per_example, real_logits, fake_logits = self._d_per_example(real, fake, labels, 0)
            d_loss = tf.nn.compute_average_loss(per_example, global_batch_size=self._d_batch)
            g_loss = tf.nn.compute_average_loss(
                self.loss.generator(fake_logits) + self._auxiliary(fake_logits, labels),
                global_batch_size=self._d_batch)
        d_grads = d_tape.gradient(d_loss, D.trainable_variables)
        g_grads = g_tape.gradient(g_loss, G.trainable_variables)
        self.d_optimizer.apply_gradients(zip(d_grads, D.trainable_variables))
        self.g_optimizer.apply_gradients(zip(g_grads, G.trainable_variables))
        return (d_loss, g_loss, tf.reduce_mean(real_logits[:, 0]),
                tf.reduce_mean(fake_logits[:, 0]))

    def _d_per_example(self, real, fake, labels, salt: int):
        """D's per-example loss (adversarial + auxiliary class + optional gradient penalty)
        and its logits on the real and fake batches; call inside the D gradient tape."""
        D = self.discriminator
        real_logits = D(self._d_inputs(real, labels), training=True)
        fake_logits = D(self._d_inputs(fake, labels), training=True)
        per_example = (self.loss.discriminator(real_logits, fake_logits)
                       + self._auxiliary(real_logits, labels))
        if self.loss.gradient_penalty:
            per_example += self.config.gp_weight * self._gradient_penalty(real, fake, labels, salt)
        return per_example, real_logits, fake_logits

    def _alternating_step(self, real_u8, labels):
        import tensorflow as tf

        cfg = self.config
        global_batch = self._d_batch
        real = tf.cast(real_u8, tf.float32) / 127.5 - 1.0
        n = tf.shape(real)[0]
        G, D = self.generator, self.discriminator
        d_loss = d_real = d_fake = tf.constant(0.0)
        for k in range(cfg.d_steps):
            z = self._noise(n, salt=k)
            with tf.GradientTape() as tape:
                fake = G(self._g_inputs(z, labels), training=True)
                per_example, real_logits, fake_logits = self._d_per_example(real, fake, labels, k)
                d_loss = tf.nn.compute_average_loss(per_example, global_batch_size=global_batch)
            grads = tape.gradient(d_loss, D.trainable_variables)
            self.d_optimizer.apply_gradients(zip(grads, D.trainable_variables))
            d_real = tf.reduce_mean(real_logits[:, 0])
            d_fake = tf.reduce_mean(fake_logits[:, 0])
        g_loss = tf.constant(0.0)
        for k in range(cfg.g_steps):
            z = self._noise(n, salt=8 + k)
            with tf.GradientTape() as tape:
                fake = G(self._g_inputs(z, labels), training=True)
                fake_logits = D(self._d_inputs(fake, labels), training=True)
                g_loss = tf.nn.compute_average_loss(
                    self.loss.generator(fake_logits) + self._auxiliary(fake_logits, labels),
                    global_batch_size=global_batch)
            grads = tape.gradient(g_loss, G.trainable_variables)
            self.g_optimizer.apply_gradients(zip(grads, G.trainable_variables))
        return d_loss, g_loss, d_real, d_fake

    def _gradient_penalty(self, real, fake, labels, salt):
        """(|grad_x D(x_hat)|_2 - 1)^2 per example, x_hat between real and fake
        (Gulrajani et al. 2017)."""
        import tensorflow as tf

        n = tf.shape(real)[0]
        seed = tf.stack([self.step * 16 + 4 + salt, tf.cast(self.config.seed, tf.int64)])
        eps = tf.random.stateless_uniform((n, 1, 1, 1), seed)
        x_hat = eps * real + (1.0 - eps) * fake
        with tf.GradientTape() as tape:
            tape.watch(x_hat)
            out = self.discriminator(self._d_inputs(x_hat, labels), training=True)[:, 0]
        g = tape.gradient(out, x_hat)
        # one norm per verdict: over a pack's m images when D judges packs
        g = tf.reshape(g, [tf.shape(out)[0], -1])
        norm = tf.sqrt(tf.reduce_sum(tf.square(g), axis=1) + 1e-12)
        return tf.square(norm - 1.0)

    # -- compiled functions ---------------------------------------------------
    def _build_chunk_fn(self):
        import tensorflow as tf

        strategy = self.strategy
        sums_init = (tf.constant(0.0),) * 4

        if strategy.num_replicas_in_sync == 1 and not isinstance(
                strategy, tf.distribute.MirroredStrategy):
            @tf.function(reduce_retracing=True, jit_compile=self.config.jit_compile)
            def chunk(images, labels):
                sums = sums_init
                for i in tf.range(tf.shape(images)[0]):
                    out = self._replica_step(images[i], labels[i])
                    sums = tuple(s + o for s, o in zip(sums, out))
                    self._update_ema()
                    self.step.assign_add(1)
                return sums
            return chunk

        @tf.function(reduce_retracing=True)
        def replica_step(batch):
            images, labels = batch
            out = strategy.run(self._replica_step, args=(images, labels))
            self._update_ema()
            self.step.assign_add(1)
            # losses are already divided by the global batch: sum replicas; logits: mean
            return (strategy.reduce("SUM", out[0], axis=None),
                    strategy.reduce("SUM", out[1], axis=None),
                    strategy.reduce("MEAN", out[2], axis=None),
                    strategy.reduce("MEAN", out[3], axis=None))

        def chunk(images, labels):
            ds = tf.data.Dataset.from_tensor_slices((images, labels))
            sums = [0.0] * 4
            for batch in strategy.experimental_distribute_dataset(ds):
                out = replica_step(batch)
                sums = [s + float(o) for s, o in zip(sums, out)]
            return sums
        return chunk

    def train_chunk(self, images: np.ndarray, labels: np.ndarray) -> dict[str, float]:
        if self._chunk_fn is None:
            self._chunk_fn = self._build_chunk_fn()
        s = len(images)
        out = self._chunk_fn(images, labels)
        d_loss, g_loss, d_real, d_fake = (float(v) / s for v in out)
        return {"d_loss": d_loss, "g_loss": g_loss, "d_real_logit": d_real, "d_fake_logit": d_fake}

    # -- resume state -------------------------------------------------------------
    def save_state(self, folder: Path, epoch: int) -> None:
        """discriminator.keras + optimizer variables + step into folder (atomic rename)."""
        import shutil

        folder = Path(folder)
        folder.parent.mkdir(parents=True, exist_ok=True)
        from ganviz.checkpoints import make_temp_dir

        tmp = make_temp_dir(folder.parent, ".state.tmp-")
        try:
            self.discriminator.save(tmp / "discriminator.keras")
            if self.ema_generator is not None:  # generator.keras holds the averaged G
                self.generator.save(tmp / "generator.keras")
            arrays = {f"g_{i}": np.asarray(v) for i, v in enumerate(self.g_optimizer.variables)}
            arrays.update({f"d_{i}": np.asarray(v) for i, v in enumerate(self.d_optimizer.variables)})
            np.savez(tmp / "optimizers.npz", **arrays)
            (tmp / "progress.json").write_text(json.dumps({"epoch": epoch, "step": int(self.step.numpy())}))
            if folder.exists():
                shutil.rmtree(folder)
            os.replace(tmp, folder)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    def load_state(self, folder: Path) -> int:
        """Restore optimizer variables and step from save_state; returns the epoch."""
        folder = Path(folder)
        with np.load(folder / "optimizers.npz") as z:
            for prefix, opt in (("g", self.g_optimizer), ("d", self.d_optimizer)):
                for i, v in enumerate(opt.variables):
                    v.assign(z[f"{prefix}_{i}"])
        progress = json.loads((folder / "progress.json").read_text())
        self.step.assign(progress["step"])
        return int(progress["epoch"])


# ---------------------------------------------------------------------------- evaluation

@dataclass
class EpochEvaluator:
    """Fixed z (and labels) plus NDB bins fitted once on the held-out images, so every
    epoch's metrics are computed on the same footing."""

    z: np.ndarray                    # (eval_samples, latent_dim) float32
    labels: np.ndarray | None        # (eval_samples,) int32 for conditional models
    bins: object | None              # ganviz.eval.ndb.NDBBins on the held-out images
    classifier: object | None        # keras model or None
    train_class_histogram: np.ndarray | None
    z_threshold: float

    def evaluate(self, generator) -> tuple[dict[str, float], np.ndarray]:
        """-> (metrics, generated (eval_samples, H, W, C) uint8)."""
        from ganviz.eval import ndb
        from ganviz.image import classifier as clf
        from ganviz.image.models import to_uint8

        images = []
        for i in range(0, len(self.z), 500):
            z = self.z[i:i + 500]
            inputs = z if self.labels is None else [z, self.labels[i:i + 500]]
            images.append(to_uint8(generator(inputs, training=False)))
        images = np.concatenate(images)
        metrics: dict[str, float] = {}
        if self.bins is not None:
            res = ndb.evaluate(self.bins, images, z_threshold=self.z_threshold)
            metrics["ndb_over_k"] = res.NDB_K
            metrics["ndb_js"] = res.JS
        if self.classifier is not None:
            predicted = clf.predict(self.classifier, images)
            if self.labels is not None:
                metrics["classifier_accuracy"] = float(np.mean(predicted == self.labels))
            if self.train_class_histogram is not None:
                hist = clf.class_histogram(predicted, len(self.train_class_histogram))
                metrics["class_kl"] = clf.kl_divergence(self.train_class_histogram, hist)
                metrics["classes_present"] = int(np.sum(hist > 0))
        return metrics, images


def make_evaluator(config: ImageGanConfig, arch, dataset: ImageDataset,
                   classifier=None) -> EpochEvaluator:
    from ganviz.eval import ndb
    from ganviz.image import classifier as clf

    n = config.eval_samples
    rng = np.random.default_rng(config.seed + 12345)
    z = rng.standard_normal((n, arch.latent_dim)).astype(np.float32)
    labels = (np.arange(n) % arch.num_classes).astype(np.int32) if arch.conditional else None
    bins = None
    k = min(config.ndb_bins, len(dataset.heldout_images) // 2)
    if n > 0 and k >= 2:
        # raw pixels, no whitening: the authors' MNIST demo and the seed article
        bins = ndb.fit_bins(dataset.heldout_images, k=k, seed=config.seed)
    hist = None
    if dataset.train_labels is not None and dataset.num_classes:
        hist = clf.class_histogram(dataset.train_labels, dataset.num_classes)
    return EpochEvaluator(z, labels, bins, classifier, hist, config.ndb_z_threshold)


def hardware_info() -> dict:
    """CPU count, platform, TensorFlow version and visible accelerators (for model cards)."""
    import tensorflow as tf

    gpus = [d.name for d in tf.config.list_physical_devices("GPU")]
    return {
        "cpu_count": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "gpus": gpus,
    }


# ---------------------------------------------------------------------------- train

@dataclass(frozen=True)
class TrainResult:
    path: Path
    epochs: int
    training_time_s: float
    metrics: dict[str, float]
    history: tuple[dict, ...]


def _epoch_batches(n: int, batch: int, rng: np.random.Generator) -> np.ndarray:
    """(steps, batch) indices: one shuffled pass, the remainder dropped."""
    steps = n // batch
    return rng.permutation(n)[: steps * batch].reshape(steps, batch)


def train(config: ImageGanConfig, dataset: ImageDataset, out: str | os.PathLike,
          resume: bool = False, classifier=None, progress: bool = True,
          command: str | None = None, notes: str = "",
          on_epoch: Callable[[int, dict], None] | None = None) -> TrainResult:
    """Train and write a checkpoint folder at `out` after every epoch (atomically).

    classifier: keras model for per-epoch classifier metrics (None: skipped).
    resume: continue the run in `out` (its card's config must match `config` except epochs).
    on_epoch: called as on_epoch(epoch, metrics) after each epoch is saved.
    """
    import tensorflow as tf
    from tqdm.auto import tqdm

    from ganviz import checkpoints
    from ganviz.image.models import Architecture

    out = Path(out)
    arch = architecture_for(config, dataset)
    tf.keras.utils.set_random_seed(config.seed)
    history: list[dict] = []
    elapsed_before = 0.0
    start_epoch = 1
    generator = discriminator = ema_generator = ckpt = None
    if out.exists() and not resume:
        raise ValueError(f"{out} already exists: pass --resume to continue it, or choose "
                         "another --out")
    if resume:
        if not (out / "state" / "progress.json").exists():
            raise ValueError(f"cannot resume {out}: it has no state/ (shipped checkpoints "
                             "omit it); train into a new --out instead")
        ckpt = checkpoints.load(out.resolve())  # an explicit path, never a name lookup
        old = ImageGanConfig.from_dict(ckpt.card.config)
        if replace(old, epochs=config.epochs) != config:
            diff = {k: (v, getattr(config, k)) for k, v in asdict(old).items()
                    if k != "epochs" and getattr(config, k) != v}
            raise ValueError(f"cannot resume {out} with a different config: {diff}")
        if Architecture.from_dict(ckpt.card.architecture) != arch:
            raise ValueError(f"cannot resume {out}: the dataset's shape or classes changed")
        import keras

        generator = ckpt.generator
        if config.g_ema > 0:  # the checkpoint's generator is the average; state/ the trained G
            ema_generator = generator
            generator = keras.saving.load_model(out / "state" / "generator.keras",
                                                compile=False, safe_mode=True)
        discriminator = keras.saving.load_model(out / "state" / "discriminator.keras",
                                                compile=False, safe_mode=True)
        history = [dict(h) for h in ckpt.card.history]
        elapsed_before = ckpt.card.training_time_s

    if config.init_from and not resume:
        generator, discriminator = _initial_networks(config.init_from, arch)
    trainer = ImageGanTrainer(config, arch, generator, discriminator,
                              ema_generator=ema_generator)
    if resume:
        start_epoch = trainer.load_state(out / "state") + 1
        if start_epoch > config.epochs:
            raise ValueError(f"{out} already has {start_epoch - 1} epochs; ask for more with --epochs")

    images = dataset.train_images
    labels = dataset.train_labels
    if config.max_train_images is not None:
        images = images[: config.max_train_images]
        labels = None if labels is None else labels[: config.max_train_images]
    if len(images) < config.batch_size:
        raise ValueError(f"batch_size {config.batch_size} is larger than the "
                         f"{len(images)} training images")
    label_array = (labels if labels is not None and arch.conditional
                   else np.zeros(len(images))).astype(np.int32)
    evaluator = make_evaluator(config, arch, dataset, classifier)
    grid_z = evaluator.z[:100] if len(evaluator.z) >= 100 else \
        np.random.default_rng(config.seed).standard_normal((100, arch.latent_dim)).astype(np.float32)
    grid_labels = (np.repeat(np.arange(arch.num_classes), 10)[:100].astype(np.int32)
                   if arch.conditional else None)
    if arch.conditional and arch.num_classes != 10:
        grid_labels = (np.arange(100) % arch.num_classes).astype(np.int32)
    hardware = hardware_info()
    command = command if command is not None else " ".join(shlex.quote(a) for a in sys.argv)
    if resume and ckpt.card.command:
        command = f"{ckpt.card.command} ; {command}"  # a resumed card keeps every command

    spc = config.steps_per_call
    epoch = start_epoch - 1
    run_start = time.perf_counter()
    elapsed = elapsed_before
    for epoch in range(start_epoch, config.epochs + 1):
        rng = np.random.default_rng([config.seed, epoch])
        order = _epoch_batches(len(images), config.batch_size, rng)
        t0 = time.perf_counter()
        sums: dict[str, float] = {}
        bar = tqdm(total=len(order) * config.batch_size, unit="img", disable=not progress,
                   desc=f"epoch {epoch}/{config.epochs}", mininterval=1.0 if sys.stderr.isatty() else 30.0,
                   file=sys.stderr)
        for i in range(0, len(order), spc):
            idx = order[i:i + spc]
            stats = trainer.train_chunk(images[idx], label_array[idx])
            for key, v in stats.items():
                sums[key] = sums.get(key, 0.0) + v * len(idx)
            bar.update(idx.size)
            bar.set_postfix(d_loss=f"{stats['d_loss']:.3f}", g_loss=f"{stats['g_loss']:.3f}",
                            refresh=False)
        bar.close()
        train_s = time.perf_counter() - t0
        metrics, generated = evaluator.evaluate(trainer.sampler)
        record = {"epoch": epoch, **{k: v / len(order) for k, v in sums.items()}, **metrics,
                  "train_seconds": round(train_s, 2),
                  "images_per_second": round(order.size / train_s, 1)}
        history.append(record)
        elapsed = elapsed_before + time.perf_counter() - run_start  # wall time incl. evaluation
        grid = checkpoints.png_bytes(_generate(trainer.sampler, grid_z, grid_labels))
        snap = {"images": generated[: config.epoch_samples]}
        if evaluator.labels is not None:
            snap["labels"] = evaluator.labels[: config.epoch_samples]
        checkpoints.write_atomic(out / "epochs" / f"epoch_{epoch:03d}.png", grid)
        checkpoints.write_atomic(out / "epochs" / f"epoch_{epoch:03d}.npz",
                                 checkpoints.npz_bytes(**snap))
        trainer.save_state(out / "state", epoch)
        card = checkpoints.Card(
            name=out.name, model=config.model, architecture=arch.to_dict(),
            image_shape=arch.image_shape, latent_dim=arch.latent_dim,
            class_names=dataset.class_names, dataset=dataset.name,
            dataset_source=dataset.source, train_count=len(images),
            reference_count=len(dataset.heldout_images), epochs=epoch,
            training_time_s=round(elapsed, 1), hardware=hardware,
            metrics={k: v for k, v in record.items() if k != "epoch"},
            history=tuple(history), config=config.to_dict(), command=command, notes=notes,
            created=datetime.now(timezone.utc).isoformat(timespec="seconds"))
        checkpoints.save(out, trainer.sampler, card,
                         _generate(trainer.sampler, grid_z, grid_labels),
                         dataset.heldout_images, dataset.heldout_labels)
        summary = ", ".join(f"{k}={v:.4g}" for k, v in record.items()
                            if k != "epoch" and isinstance(v, float))
        print(f"epoch {epoch}: {summary}", file=sys.stderr, flush=True)
        if on_epoch is not None:
            on_epoch(epoch, record)
    final = history[-1] if history else {}
    return TrainResult(out, epoch, round(elapsed, 1),
                       {k: v for k, v in final.items() if k != "epoch"}, tuple(history))


def _initial_networks(init_from: str, arch):
    """(generator, discriminator) copied from another run's checkpoint folder."""
    import keras

    from ganviz import checkpoints
    from ganviz.image.models import Architecture

    src = checkpoints.load(Path(init_from).resolve())
    if Architecture.from_dict(src.card.architecture) != arch:
        raise ValueError(f"--init-from {init_from}: its architecture differs from this run's")
    d_file = src.path / "state" / "discriminator.keras"
    if not d_file.exists():
        raise ValueError(f"--init-from {init_from}: it has no state/discriminator.keras")
    return src.generator, keras.saving.load_model(d_file, compile=False, safe_mode=True)


def _generate(generator, z: np.ndarray, labels: np.ndarray | None) -> np.ndarray:
    from ganviz.image.models import to_uint8

    return to_uint8(generator(z if labels is None else [z, labels], training=False))
