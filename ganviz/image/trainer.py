"""The adversarial trainer of the image GANs: `ImageGanTrainer` owns G, D, their
optimizers and one fused `tf.function` that runs `steps_per_call` D+G steps on in-memory
uint8 batches; `save_state` / `load_state` keep what `train --resume` needs.

Steps (`ImageGanConfig.update`): alternating (D, then G against the updated D, as in the DCGAN
paper) or simultaneous (one batch of fakes, both gradients from one forward pass, as in
TensorFlow's DCGAN tutorial). Losses come from `ganviz.image.losses.LOSSES`, the networks from
the model's `ganviz.image.models.MODELS` entry. Noise is stateless and keyed by (seed, step,
replica), so the same seed gives the same run.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ganviz.image.config import OPTIMIZERS, STRATEGIES, ImageGanConfig
from ganviz.image.losses import LOSSES
from ganviz.image.models import Architecture, model_spec, pack
from ganviz.image.state import load_optimizer_state, save_optimizer_state

TF_CONFIG_ENV = "TF_CONFIG"
# one strategy object per name and process: TensorFlow allows one multi-worker strategy, and
# `train` enters the scope of the object its trainer then uses (scopes of two objects clash)
_STRATEGIES: dict[str, object] = {}


def make_strategy(name: str):
    """`default` (one device), `mirrored` (tf.distribute.MirroredStrategy, all local GPUs) or
    `multiworker` (tf.distribute.MultiWorkerMirroredStrategy over the cluster in $TF_CONFIG,
    checked by `read_tf_config`). TensorFlow wants the multi-worker strategy created once,
    before any other TF op: call this first. Later calls return the same object."""
    import tensorflow as tf

    if name == "default":
        return tf.distribute.get_strategy()
    if name not in _STRATEGIES:
        if name == "mirrored":
            _STRATEGIES[name] = tf.distribute.MirroredStrategy()
        elif name == "multiworker":
            read_tf_config()
            _STRATEGIES[name] = tf.distribute.MultiWorkerMirroredStrategy()
        else:
            raise ValueError(f"strategy must be one of {STRATEGIES}, got {name!r}")
    return _STRATEGIES[name]


def read_tf_config(text: str | None = None) -> tuple[str, int, int]:
    """$TF_CONFIG (or `text`) -> (task type, task index, number of workers incl. a chief).

    The format (TensorFlow's): {"cluster": {"worker": ["host:port", ...], "chief": [...]},
    "task": {"type": "worker", "index": 0}}. Raises ValueError saying what is wrong."""
    text = os.environ.get(TF_CONFIG_ENV, "") if text is None else text
    if not text.strip():
        raise ValueError("--strategy multiworker needs the TF_CONFIG environment variable, e.g. "
                         'TF_CONFIG=\'{"cluster": {"worker": ["host1:12345", "host2:12345"]}, '
                         '"task": {"type": "worker", "index": 0}}\' (docs/multiworker.md)')
    try:
        spec = json.loads(text)
        cluster, task = spec["cluster"], spec["task"]
        kind, index = task["type"], int(task["index"])
        workers = len(cluster.get("worker", [])) + len(cluster.get("chief", []))
        hosts = cluster[kind]
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ValueError(f"TF_CONFIG is not a valid cluster spec ({type(exc).__name__}: "
                         f"{exc}); see docs/multiworker.md") from None
    if kind not in ("worker", "chief") or not 0 <= index < len(hosts):
        raise ValueError(f"TF_CONFIG task {kind!r} index {index} is not one of its cluster's "
                         f"{len(hosts)} {kind!r} entries")
    return kind, index, workers


@dataclass(frozen=True)
class WorkerRole:
    """This process's place in a run: `chief` writes the checkpoint and prints; `workers`
    processes (1 unless multiworker) hold `replicas` model copies in all."""

    chief: bool
    workers: int
    replicas: int


def worker_role(strategy) -> WorkerRole:
    """The chief is the "chief" task, else worker 0 (TensorFlow's convention)."""
    resolver = getattr(strategy, "cluster_resolver", None)
    replicas = strategy.num_replicas_in_sync
    if resolver is None or not resolver.cluster_spec().as_dict():
        return WorkerRole(True, 1, replicas)
    cluster = resolver.cluster_spec().as_dict()
    workers = len(cluster.get("worker", ())) + len(cluster.get("chief", ()))
    chief = resolver.task_type == "chief" or (
        resolver.task_type == "worker" and resolver.task_id == 0 and "chief" not in cluster)
    return WorkerRole(chief, workers, replicas)


def _replica_split(images: np.ndarray, labels: np.ndarray, replicas: int):
    """A `distribute_datasets_from_function` input: replica r of every step gets slice r of
    the step's global batch. images (S, B, H, W, C), labels (S, B) -> per worker, elements of
    (B / replicas, H, W, C), its local replicas' slices step by step. Every worker holds the
    same images, so the split is explicit: no auto-sharding, no overlap, nothing dropped."""
    import tensorflow as tf

    steps, batch = labels.shape
    per = batch // replicas
    images = images.reshape(steps, replicas, per, *images.shape[2:])  # (S, R, B/R, H, W, C)
    labels = labels.reshape(steps, replicas, per)

    def dataset_fn(ctx: tf.distribute.InputContext):
        local = replicas // ctx.num_input_pipelines
        first = ctx.input_pipeline_id * local
        mine = images[:, first:first + local].reshape(steps * local, per, *images.shape[3:])
        return tf.data.Dataset.from_tensor_slices(
            (mine, labels[:, first:first + local].reshape(steps * local, per)))
    return dataset_fn


class ImageGanTrainer:
    """Owns G, D, their optimizers (`ImageGanConfig.optimizer`) and the compiled train function.

    `train_chunk(images, labels)`: images (S, B, H, W, C) uint8, labels (S, B) int32
    (zeros for unconditional) -> dict of mean d_loss, g_loss, d_real, d_fake over S steps,
    and wasserstein_estimate (d_real - d_fake) for a Wasserstein critic's loss.
    """

    def __init__(self, config: ImageGanConfig, arch: Architecture, generator=None,
                 discriminator=None, strategy=None, ema_generator=None):
        import tensorflow as tf

        spec = model_spec(config.model)
        build_generator, build_discriminator = spec.build_generator, spec.build_discriminator
        self.config = config
        self.arch = arch
        self.loss = LOSSES[config.loss]
        self.strategy = strategy or make_strategy(config.strategy)
        replicas = self.strategy.num_replicas_in_sync
        if config.batch_size % replicas:
            raise ValueError(f"batch_size ({config.batch_size}) must be a multiple of the "
                             f"{replicas} replicas")
        if (config.batch_size // replicas) % arch.packing:
            raise ValueError(f"each of the {replicas} replicas gets {config.batch_size // replicas}"
                             f" images a step, not a multiple of packing ({arch.packing})")
        with self.strategy.scope():
            self.generator = generator or build_generator(arch)
            self.discriminator = discriminator or build_discriminator(arch)
            make_optimizer = OPTIMIZERS[config.optimizer]
            self.g_optimizer = make_optimizer(config.g_learning_rate, config)
            self.d_optimizer = make_optimizer(config.d_learning_rate, config)
            self.g_optimizer.build(self.generator.trainable_variables)
            self.d_optimizer.build(self.discriminator.trainable_variables)
            self.step = tf.Variable(0, dtype=tf.int64, trainable=False, name="step")
            self.ema_generator = None
            if config.g_ema > 0:
                self.ema_generator = ema_generator or build_generator(arch)
                if ema_generator is None:
                    self.ema_generator.set_weights(self.generator.get_weights())
        self._chunk_fn = None

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
        self._apply_d_gradients(d_grads)
        self.g_optimizer.apply_gradients(zip(g_grads, G.trainable_variables))
        return (d_loss, g_loss, tf.reduce_mean(real_logits[:, 0]),
                tf.reduce_mean(fake_logits[:, 0]))

    def _apply_d_gradients(self, grads) -> None:
        """One D update; with a weight-clipping loss every D weight is then clipped to
        [-clip_value, clip_value] (WGAN, Arjovsky et al. 2017, Algorithm 1)."""
        import tensorflow as tf

        variables = self.discriminator.trainable_variables
        self.d_optimizer.apply_gradients(zip(grads, variables))
        if self.loss.weight_clip:
            c = self.config.clip_value
            for v in variables:
                v.assign(tf.clip_by_value(v, -c, c))

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
            self._apply_d_gradients(tape.gradient(d_loss, D.trainable_variables))
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
            sums = [0.0] * 4
            dataset_fn = _replica_split(images, labels, strategy.num_replicas_in_sync)
            for batch in strategy.distribute_datasets_from_function(dataset_fn):
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
        stats = {"d_loss": d_loss, "g_loss": g_loss, "d_real_logit": d_real,
                 "d_fake_logit": d_fake}
        if self.loss.wasserstein:  # mean critic(real) - mean critic(fake), before D's last step
            stats["wasserstein_estimate"] = d_real - d_fake
        return stats

    # -- resume state -------------------------------------------------------------
    def save_state(self, folder: Path, epoch: int) -> None:
        """discriminator.keras + optimizer variables + step into folder (atomic rename)."""
        # with EMA the checkpoint's generator.keras holds the average: keep the trained G here
        extra = None if self.ema_generator is None else (
            lambda tmp: self.generator.save(tmp / "generator.keras"))
        save_optimizer_state(folder, self.discriminator, self.g_optimizer, self.d_optimizer,
                             {"epoch": epoch, "step": int(self.step.numpy())}, extra)

    def load_state(self, folder: Path) -> int:
        """Restore optimizer variables and step from save_state; returns the epoch."""
        return int(load_optimizer_state(folder, self.g_optimizer, self.d_optimizer,
                                        self.step)["epoch"])

