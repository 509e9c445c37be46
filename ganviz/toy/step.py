"""One training iteration of a stack of toy GANs, as the compiled loop runs it: d_steps
discriminator updates, then one generator update, with the stack's random draws.

``TrainStep`` holds what an iteration reads besides the state: the networks (``Nets``), the
real data, the RNG keys and, when runs differ in batch size, each run's batch weights. The
state is a dict of tensors (weights, optimiser moments, counters, hyper-parameters ``hp``);
inside the loop each network's weights are packed (see ``TrainStep.flat``).

Random numbers are stateless (``tf.random.stateless_*``), keyed by (seed, step, purpose) and
drawn at the stack's largest batch: a prefix of such a draw equals the smaller draw, so a run
sees the same noise alone or in a stack.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ganviz.toy import optimizers
from ganviz.toy.losses import LOSSES, ToyLoss
from ganviz.toy.nets import Nets

# per-step history columns, in order
METRICS = (
    "d_loss", "d_loss_real", "d_loss_fake", "g_loss",
    "d_accuracy_real", "d_accuracy_fake", "d_grad_norm", "g_grad_norm",
)
WEIGHT_LIMIT = 1e6  # a weight beyond this counts as divergence: real GANs here stay below ~1e2

# RNG purposes: each random draw in a step gets its own stream
_P_REAL, _P_ZD, _P_ZG, _P_FLIP_R, _P_FLIP_F, _P_GP, _P_CAT_D, _P_CAT_G = range(8)
_P_CATEGORY = {_P_ZD: _P_CAT_D, _P_ZG: _P_CAT_G}  # the category code of each latent draw
_PURPOSES = 8


@dataclass(frozen=True)
class TrainStep:
    """The inputs of one iteration besides the state (eager tensors, or the compiled
    function's symbolic inputs while it is traced).

    data: (R, N, 2) each run's training set; seeds: (S,) int64 the stack's distinct seeds;
    run_seed_index: (R,) int32 each run's seed in ``seeds``; batch_weights: (R, P) 1/own packs
    on each run's own packs and 0 on the padding, valid: (R, P) 0/1 of the same (both None
    when every run has the stack's batch); r1_on: any run has an R1 penalty; shapes: per
    network ("g", "d"), each weight tensor's shape without the run axis."""

    nets: Nets
    data: Any
    seeds: Any
    run_seed_index: Any
    n_seeds: int
    batch_weights: Any
    valid: Any
    r1_on: bool
    shapes: dict

    @property
    def loss(self) -> ToyLoss:
        return LOSSES[self.nets.s.loss]

    # ---- packing the weights -------------------------------------------------------------------
    def flat(self, tensors: list, like: list | None = None) -> list:
        """A network's weight tensors (R, ...) as the loop keeps them. With one run, one (1, P)
        tensor: the optimiser, the divergence check and the keep-or-roll-back select are then
        one kernel per network instead of one per weight tensor (XLA's CPU runtime pays a
        fixed cost per kernel). A stack of runs keeps its list (packing (R, P) costs a stack
        more than it saves). ``like``: the tensors whose shapes None entries (no gradient)
        take, as zeros."""
        import tensorflow as tf

        if like is not None:
            tensors = [tf.zeros_like(p) if t is None else t for t, p in zip(tensors, like)]
        if self.nets.R > 1:
            return list(tensors)
        return [tf.concat([tf.reshape(t, [1, -1]) for t in tensors], axis=1)]

    def unflat(self, packed: list, net: str) -> list:
        """Inverse of ``flat`` for network ``net`` ("g" or "d")."""
        import tensorflow as tf

        if self.nets.R > 1:
            return list(packed)
        shapes = self.shapes[net]
        parts = tf.split(packed[0], [int(np.prod(sh)) for sh in shapes], axis=1)
        return [tf.reshape(p, [1, *sh]) for p, sh in zip(parts, shapes)]

    def per_run(self, x, like):
        """A per-run (R,) value shaped to broadcast against ``like`` (R, ...)."""
        import tensorflow as tf

        return tf.reshape(x, [self.nets.R] + [1] * (len(like.shape) - 1))

    # ---- random draws --------------------------------------------------------------------------
    def draw(self, step, purpose: int, fn):
        """fn(seed_pair) -> (n, ...) per distinct seed; gathered to (R, n, ...)."""
        import tensorflow as tf

        draws = []
        for j in range(self.n_seeds):
            key = tf.stack([self.seeds[j], tf.cast(step, tf.int64) * _PURPOSES + purpose])
            draws.append(fn(key))
        return tf.gather(tf.stack(draws), self.run_seed_index)

    def latent(self, step, purpose: int, n: int):
        """(R, n, latent_dim + latent_categories): the noise, then the one-hot category code."""
        import tensorflow as tf

        s = self.nets.s
        if s.latent_distribution == "normal":
            f = lambda k: tf.random.stateless_normal([n, s.latent_dim], k)  # noqa: E731
        else:
            f = lambda k: tf.random.stateless_uniform([n, s.latent_dim], k, -1.0, 1.0)  # noqa: E731
        z = self.draw(step, purpose, f)
        if not s.latent_categories:
            return z
        cat = self.draw(step, _P_CATEGORY[purpose], lambda k: tf.random.stateless_uniform(
            [n], k, 0, s.latent_categories, dtype=tf.int32))
        return tf.concat([z, tf.one_hot(cat, s.latent_categories)], axis=-1)

    def real(self, step, purpose: int):
        """(R, B, 2): a batch drawn with replacement from each run's training set."""
        import tensorflow as tf

        B = self.nets.s.batch_size
        n = tf.shape(self.data)[1]
        idx = self.draw(step, purpose, lambda k: tf.random.stateless_uniform(
            [B], k, 0, n, dtype=tf.int32))
        return tf.gather(self.data, idx, batch_dims=1)

    def targets(self, step, hp, real: bool, purpose: int):
        """D targets per pack (R, P) with one-sided smoothing and label noise (flips)."""
        import tensorflow as tf

        R, s = self.nets.R, self.nets.s
        P = s.batch_size // s.packing
        base = (1.0 - hp["label_smoothing"]) if real else tf.zeros([R])
        base = tf.broadcast_to(base[:, None], [R, P])
        u = self.draw(step, purpose, lambda k: tf.random.stateless_uniform([P], k))
        flip = u < hp["label_noise"][:, None]
        return tf.where(flip, 1.0 - base, base)

    # ---- batch statistics ----------------------------------------------------------------------
    def mean(self, x):
        """(R, P) -> (R,): each run's mean over its own packs."""
        import tensorflow as tf

        if self.batch_weights is None:
            return tf.reduce_mean(x, axis=1)
        return tf.reduce_sum(x * self.batch_weights, axis=1)

    def global_norm(self, grads):
        """(R,): each run's gradient norm over all of a network's tensors."""
        import tensorflow as tf

        return tf.sqrt(tf.add_n([tf.reduce_sum(tf.square(g), axis=list(range(1, len(g.shape))))
                                 for g in grads]))

    def input_grad_sq(self, d, x, u):
        """Per-pack squared norm of dD/dx at x (for GP and R1)."""
        import tensorflow as tf

        with tf.GradientTape() as tape:
            tape.watch(x)
            out, _ = self.nets.discriminate(d, x, u, valid=self.valid)
            total = tf.reduce_sum(out)
        g = tape.gradient(total, x)
        return tf.reduce_sum(tf.square(g), axis=-1)

    # ---- the discriminator ---------------------------------------------------------------------
    def _r1_penalty(self, d, real, u, hp):
        """Mescheder et al. 2018's R1: r1_weight / 2 E|dD/dx|^2 on real data (0 when off)."""
        if not self.r1_on:
            return 0.0
        return 0.5 * hp["r1_weight"] * self.mean(self.input_grad_sq(d, real, u))

    def _gradient_penalty(self, d, real, fake, u, hp, step):
        """WGAN-GP (Gulrajani et al. 2017): gp_weight E(|dD/dx| - 1)^2 between real and fake."""
        import tensorflow as tf

        if not self.loss.gradient_penalty:
            return 0.0
        s = self.nets.s
        P = s.batch_size // s.packing
        eps = self.draw(step, _P_GP, lambda k: tf.random.stateless_uniform([P, 1], k))
        xh = eps * real + (1 - eps) * fake
        norm = tf.sqrt(self.input_grad_sq(d, xh, u) + 1e-12)
        return hp["gp_weight"] * self.mean(tf.square(norm - 1.0))

    def _d_objective(self, d, part: str, u, batch: dict):
        """D's loss on the real packs, the fake packs or both (``part``), with its penalties.
        Returns (loss (R,), InfoGAN's term, real logits, fake logits, new u)."""
        nets, hp, loss = self.nets, batch["hp"], self.loss
        new_u = u
        lr_ = lf_ = None
        total = extra = 0.0  # extra: terms outside the GAN loss's averaging (InfoGAN's)
        if part in ("real", "both"):
            lr_, new_u = nets.discriminate(d, batch["real"], u, update_u=True, valid=self.valid)
            total = total + self.mean(loss.discriminator_real(lr_, batch["t_real"])) \
                + self._r1_penalty(d, batch["real"], new_u, hp)
        if part in ("fake", "both"):
            out = nets.discriminate(d, batch["fake"], new_u, update_u=True, valid=self.valid,
                                    info=nets.s.info)
            lf_, new_u = out[0], out[1]
            if nets.s.info:
                extra = hp["info_weight"] * nets.info_loss(out[2], batch["z"])
            total = total + self.mean(loss.discriminator_fake(lf_, batch["t_fake"])) \
                + self._gradient_penalty(d, batch["real"], batch["fake"], new_u, hp, batch["step"])
        return total, extra, lr_, lf_, new_u

    def _d_metrics(self, out: dict, lr_, lf_, batch: dict) -> None:
        """Record D's losses and accuracies on the packs this update judged."""
        import tensorflow as tf

        loss = self.loss
        if lr_ is not None:
            out["d_loss_real"] = self.mean(loss.discriminator_real(lr_, batch["t_real"]))
            out["d_accuracy_real"] = self.mean(tf.cast(lr_ > loss.threshold, tf.float32))
        if lf_ is not None:
            out["d_loss_fake"] = self.mean(loss.discriminator_fake(lf_, batch["t_fake"]))
            out["d_accuracy_fake"] = self.mean(tf.cast(lf_ <= loss.threshold, tf.float32))

    def d_update(self, st, step, x_real, z, g: list):
        """One discriminator update (or two, with separate real and fake batches, when not
        ``combined_batch``). st["d"] and its moments are packed (see ``flat``); g is G's
        weights as a list. Returns (state, metrics)."""
        import tensorflow as tf

        nets, s, hp, loss = self.nets, self.nets.s, st["hp"], self.loss
        labels = loss.uses_labels
        fake = nets.pack(nets.generate(g, z))
        real = nets.pack(x_real)
        batch = {
            "hp": hp, "step": step, "z": z, "real": real, "fake": fake,
            "t_real": self.targets(step, hp, True, _P_FLIP_R) if labels else None,
            "t_fake": self.targets(step, hp, False, _P_FLIP_F) if labels else None,
        }
        u = st.get("d_u")
        d_flat, dm, dv, dt = st["d"], st["d_m"], st["d_v"], st["d_t"]
        out = {}
        for part in ("both",) if s.combined_batch else ("real", "fake"):
            d = self.unflat(d_flat, "d")
            with tf.GradientTape() as tape:
                tape.watch(d)
                total, extra, lr_, lf_, u_new = self._d_objective(d, part, u, batch)
                # a labelled loss on one real+fake batch is the mean over its 2B samples (as
                # Keras' train_on_batch computes it); a critic's loss is the two halves' sum
                half = 0.5 if (part == "both" and labels) else 1.0
                objective = tf.reduce_sum(total * half + extra)
            grads = self.flat(tape.gradient(objective, d), d)
            dt = dt + 1.0
            d_flat, dm, dv = optimizers.apply(s.d_optimizer, d_flat, grads, dm, dv, dt,
                                              hp["d_lr"], hp["d_beta1"])
            if loss.weight_clip:
                clips = [self.per_run(hp["clip_value"], p) for p in d_flat]
                d_flat = [tf.clip_by_value(p, -c, c) for p, c in zip(d_flat, clips)]
            u = u_new
            out["d_grad_norm"] = self.global_norm(grads)
            self._d_metrics(out, lr_, lf_, batch)
        out["d_loss"] = (0.5 if labels else 1.0) * (out["d_loss_real"] + out["d_loss_fake"])
        st = dict(st, d=d_flat, d_m=dm, d_v=dv, d_t=dt)
        if u is not None:
            st["d_u"] = u
        return st, out

    # ---- the generator -------------------------------------------------------------------------
    def g_update(self, st, step, g: list):
        """One generator update; st's weights packed (see ``flat``), g: G's weights as a list."""
        import tensorflow as tf

        nets, s, hp = self.nets, self.nets.s, st["hp"]
        z = self.latent(step, _P_ZG, s.batch_size)
        d = self.unflat(st["d"], "d")
        with tf.GradientTape() as tape:
            tape.watch(g)
            out = nets.discriminate(d, nets.pack(nets.generate(g, z)), st.get("d_u"),
                                    valid=self.valid, info=s.info)
            loss = self.mean(self.loss.generator(out[0]))
            info = hp["info_weight"] * nets.info_loss(out[2], z) if s.info else 0.0
            objective = tf.reduce_sum(loss + info)
        grads = self.flat(tape.gradient(objective, g), g)
        gt = st["g_t"] + 1.0
        g_flat, gm, gv = optimizers.apply(s.g_optimizer, st["g"], grads, st["g_m"], st["g_v"], gt,
                                          hp["g_lr"], hp["g_beta1"])
        new = dict(st, g=g_flat, g_m=gm, g_v=gv, g_t=gt)
        if s.g_ema:
            new["g_ema"] = [e + (1.0 - self.per_run(hp["g_ema"], p)) * (p - e)
                            for e, p in zip(st["g_ema"], g_flat)]
        return new, {"g_loss": loss, "g_grad_norm": self.global_norm(grads)}

    # ---- one iteration -------------------------------------------------------------------------
    def iteration(self, st, mode: str):
        """One training step: d_steps D updates then one G update (mode "both"), or one of
        them ("d", "g"). Returns (state, metrics {name: (R,)}; NaN where not computed)."""
        import tensorflow as tf

        s = self.nets.s
        step = st["step"]
        hp = st["hp"]
        # learning-rate annealing: constant for the first half of `steps`, then exponential
        # decay to lr * lr_final at `steps` (a factor of 1 throughout when lr_final = 1)
        progress = tf.clip_by_value(2.0 * tf.cast(step, tf.float32) / hp["steps"] - 1.0, 0.0, 1.0)
        scale = tf.pow(hp["lr_final"], progress)
        st = dict(st, hp=dict(hp, g_lr=hp["g_lr"] * scale, d_lr=hp["d_lr"] * scale))
        nan = tf.fill([self.nets.R], float("nan"))
        metrics = {k: nan for k in METRICS}
        g = self.unflat(st["g"], "g")  # G is unchanged by the D updates
        if mode in ("both", "d"):
            for sub in range(s.d_steps if mode == "both" else 1):
                key = step * 16 + sub
                x_real = self.real(key, _P_REAL)
                z = self.latent(key, _P_ZD, s.batch_size)
                st, out = self.d_update(st, key, x_real, z, g)
                metrics.update(out)
        if mode in ("both", "g"):
            st, out = self.g_update(st, step * 16 + 15, g)
            metrics.update(out)
        return dict(st, hp=hp), metrics

    def finite(self, st, metrics, mode: str):
        """Per run: every weight finite and below WEIGHT_LIMIT, every metric of this mode finite."""
        import tensorflow as tf

        # |w| < WEIGHT_LIMIT also fails on NaN; weights that large already overflow G's output
        checks = [tf.reduce_all(tf.abs(t) < WEIGHT_LIMIT, axis=list(range(1, len(t.shape))))
                  for t in st["g"] + st["d"]]
        d_keys = tuple(k for k in METRICS if k.startswith("d_"))
        keys = {"both": METRICS, "d": d_keys, "g": ("g_loss", "g_grad_norm")}[mode]
        checks += [tf.math.is_finite(metrics[k]) for k in keys]
        return tf.reduce_all(tf.stack(checks), axis=0)
