"""The fused toy-GAN engine: many GAN steps per XLA-compiled call, for R runs at once.

Every weight carries a leading *run* axis R. A single ToyTrainer is R = 1; the sweep stacks
runs that share their structure (depth, loss, optimizer, ...) but differ in batch size, width,
learning rate or seed. Smaller widths and batches are zero-padded to the stack's largest and
masked, so each run in a stack computes what it would compute alone (to float tolerance):
padded units have zero weights, zero activations and zero gradients, padded samples carry
zero loss weight.

The training loop is functional: state (weights, optimizer moments, counters) goes in as a
dict of tensors, a ``tf.while_loop`` runs up to ``chunk`` steps, and the new state comes out.
A run whose step produced a NaN/Inf keeps its last finite state and is marked diverged.

Random numbers are stateless (``tf.random.stateless_*``), keyed by (seed, step, purpose), and
drawn at the stack's largest batch: a prefix of such a draw equals the smaller draw, so a run
sees the same noise alone or in a stack.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from ganviz.toy.config import ToyConfig

# per-step history columns, in order
METRICS = (
    "d_loss", "d_loss_real", "d_loss_fake", "g_loss",
    "d_accuracy_real", "d_accuracy_fake", "d_grad_norm", "g_grad_norm",
)
MBD_KERNELS, MBD_DIM = 5, 3  # Salimans et al. 2016 minibatch discrimination: B and C
MBD_MAX_BATCH = 1024
ADAM_BETA2, EPS = 0.999, 1e-7
RMS_RHO = 0.9
SN_EPS = 1e-12
WEIGHT_LIMIT = 1e6  # a weight beyond this counts as divergence: real GANs here stay below ~1e2

# RNG purposes: each random draw in a step gets its own stream
_P_REAL, _P_ZD, _P_ZG, _P_FLIP_R, _P_FLIP_F, _P_GP, _P_CAT_D, _P_CAT_G = range(8)
_P_CATEGORY = {_P_ZD: _P_CAT_D, _P_ZG: _P_CAT_G}  # the category code of each latent draw
_PURPOSES = 8
_COMPILED: OrderedDict = OrderedDict()  # (fn name, structure key) -> tf.function
_COMPILED_MAX = 64
# state entries packed inside the compiled loop (see Engine._flat), and the network of each
_FLAT_KEYS = {"g": "g", "g_m": "g", "g_v": "g", "g_ema": "g", "d": "d", "d_m": "d", "d_v": "d"}


@dataclass(frozen=True)
class Structure:
    """What all runs of a stack share (everything that decides the computation's shape)."""

    latent_dim: int
    latent_distribution: str
    latent_categories: int
    info: bool  # InfoGAN's Q head on D (any run whose config has info_active)
    g_ema: bool
    hidden_activation: str
    leaky_slope: float
    g_output: str
    g_optimizer: str
    d_optimizer: str
    loss: str
    d_steps: int
    combined_batch: bool
    packing: int
    minibatch_discrimination: bool
    spectral_norm: bool
    g_hidden: tuple[int, ...]  # per layer, the stack's largest
    d_hidden: tuple[int, ...]
    batch_size: int

    @classmethod
    def of(cls, configs: list[ToyConfig]) -> "Structure":
        c0 = configs[0]
        shared = ("latent_dim", "latent_distribution", "latent_categories", "hidden_activation",
                  "leaky_slope", "g_output", "g_optimizer", "d_optimizer", "loss", "d_steps",
                  "combined_batch", "packing", "minibatch_discrimination", "spectral_norm",
                  "dataset", "dataset_size", "circle_radius")
        for c in configs[1:]:
            for name in shared:
                if getattr(c, name) != getattr(c0, name):
                    raise ValueError(f"runs stacked together must share {name}: "
                                     f"{getattr(c0, name)!r} vs {getattr(c, name)!r}")
            if len(c.g_hidden) != len(c0.g_hidden) or len(c.d_hidden) != len(c0.d_hidden):
                raise ValueError("runs stacked together must share the depth of G and D")
        if c0.minibatch_discrimination and max(c.batch_size for c in configs) > MBD_MAX_BATCH:
            raise ValueError(f"minibatch_discrimination needs batch_size <= {MBD_MAX_BATCH}")
        return cls(
            **{n: getattr(c0, n) for n in shared if n not in ("dataset", "dataset_size", "circle_radius")},
            info=any(c.info_active for c in configs),
            g_ema=any(c.g_ema > 0 for c in configs),
            g_hidden=tuple(max(w) for w in zip(*(c.g_hidden for c in configs))),
            d_hidden=tuple(max(w) for w in zip(*(c.d_hidden for c in configs))),
            batch_size=max(c.batch_size for c in configs),
        )

    @property
    def uses_labels(self) -> bool:
        return self.loss in ("minimax", "non_saturating", "least_squares")


def _glorot(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    limit = np.sqrt(6.0 / (fan_in + fan_out))  # Keras' Dense default (glorot_uniform)
    return rng.uniform(-limit, limit, size=(fan_in, fan_out)).astype(np.float32)


def _pad(a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    out = np.zeros(shape, np.float32)
    out[tuple(slice(0, s) for s in a.shape)] = a
    return out


def layer_sizes(s: Structure, g_hidden, d_hidden) -> tuple[list[int], list[int]]:
    """Unit counts of G and D, input to output (D's input is a pack of m points)."""
    return [s.latent_dim + s.latent_categories, *g_hidden, 2], [2 * s.packing, *d_hidden]


def draw_latent(rng: np.random.Generator, n: int, c: ToyConfig) -> np.ndarray:
    """n latent vectors of config ``c`` drawn with NumPy: (n, latent_dim + latent_categories)
    float32 (the continuous part, then the one-hot category code when there is one)."""
    z = rng.standard_normal((n, c.latent_dim)) if c.latent_distribution == "normal" \
        else rng.uniform(-1, 1, (n, c.latent_dim))
    if c.latent_categories:
        z = np.concatenate([z, np.eye(c.latent_categories)[rng.integers(0, c.latent_categories, n)]], 1)
    return z.astype(np.float32)


def init_params(s: Structure, configs: list[ToyConfig]) -> dict[str, list[np.ndarray]]:
    """Glorot-uniform kernels, zero biases, per run from its own seed; padded to the stack."""
    out: dict[str, list[np.ndarray]] = {"g": [], "d": []}
    g_stack: list[list[np.ndarray]] = []
    d_stack: list[list[np.ndarray]] = []
    for c in configs:
        rng = np.random.default_rng([c.seed, 1])
        g_sizes, d_sizes = layer_sizes(s, c.g_hidden, c.d_hidden)
        g = []
        for i in range(len(g_sizes) - 1):
            g += [_glorot(rng, g_sizes[i], g_sizes[i + 1]), np.zeros(g_sizes[i + 1], np.float32)]
        d = []
        for i in range(len(d_sizes) - 1):
            d += [_glorot(rng, d_sizes[i], d_sizes[i + 1]), np.zeros(d_sizes[i + 1], np.float32)]
        last_in = d_sizes[-1]
        if s.minibatch_discrimination:
            d.append(rng.normal(0, 0.05, size=(last_in, MBD_KERNELS * MBD_DIM)).astype(np.float32))
            d += [_glorot(rng, last_in + MBD_KERNELS, 1), np.zeros(1, np.float32)]
        else:
            d += [_glorot(rng, last_in, 1), np.zeros(1, np.float32)]
        if s.info:  # InfoGAN's Q head, right after the hidden layers (drawn last: the other
            # weights are those of the same seed without it)
            nh = len(d_sizes) - 1
            d[2 * nh:2 * nh] = [_glorot(rng, last_in, s.latent_categories),
                                np.zeros(s.latent_categories, np.float32)]
        g_stack.append(g)
        d_stack.append(d)
    # pad each run's tensors to the stack's largest shape
    for key, stack in (("g", g_stack), ("d", d_stack)):
        for j in range(len(stack[0])):
            shape = tuple(max(run[j].shape[k] for run in stack) for k in range(stack[0][j].ndim))
            if key == "d" and s.minibatch_discrimination and j == len(stack[0]) - 2:
                # final kernel: rows are [hidden features | minibatch features]; pad each part
                rows = []
                for c, run in zip(configs, stack):
                    w = run[j]
                    hid = _pad(w[:c.d_hidden[-1]], (s.d_hidden[-1], 1))
                    rows.append(np.concatenate([hid, w[c.d_hidden[-1]:]], axis=0))
                out[key].append(np.stack(rows))
                continue
            out[key].append(np.stack([_pad(run[j], shape) for run in stack]))
    return out


class Engine:
    """Compiled training for a stack of runs. Use ToyTrainer for one run."""

    def __init__(self, configs: list[ToyConfig], real_data: np.ndarray, chunk: int = 1000,
                 jit_compile: bool = True):
        """configs: R configs sharing a Structure. real_data: (R, N, 2) float32 (each run's
        training set). chunk: most steps one compiled call runs (the history buffer's size)."""
        import tensorflow as tf

        self.tf = tf
        self.configs = list(configs)
        self.s = Structure.of(self.configs)
        self.R = len(self.configs)
        self.chunk = int(chunk)
        self.jit_compile = jit_compile
        s = self.s
        seeds = sorted({c.seed for c in self.configs})
        self._r1_on = any(c.r1_weight > 0 for c in self.configs)
        # masks (None when every run has the stack's full size)
        self.g_masks = [_mask(tf, [c.g_hidden[i] for c in self.configs], w)
                        for i, w in enumerate(s.g_hidden)]
        self.d_masks = [_mask(tf, [c.d_hidden[i] for c in self.configs], w)
                        for i, w in enumerate(s.d_hidden)]
        batches = [c.batch_size for c in self.configs]
        packs = s.batch_size // s.packing
        self.batch_weights = None if len(set(batches)) == 1 else tf.constant(
            [[1.0 / (b // s.packing) if j < b // s.packing else 0.0 for j in range(packs)]
             for b in batches])
        self.valid = None if self.batch_weights is None else tf.cast(self.batch_weights > 0, tf.float32)
        # Everything a compiled function reads besides the structure travels in ``ctx``, so
        # engines of equal structure share one compiled function (no recompilation when the
        # dataset, seed or a hyperparameter changes; shared by all sessions of the app).
        self.ctx = {
            "data": tf.constant(np.asarray(real_data, np.float32)),
            "seeds": tf.constant(seeds, tf.int64),
            "run_seed_index": tf.constant([seeds.index(c.seed) for c in self.configs], tf.int32),
            "g_masks": [m for m in self.g_masks if m is not None],
            "d_masks": [m for m in self.d_masks if m is not None],
            "batch_weights": [] if self.batch_weights is None else [self.batch_weights, self.valid],
        }
        self.n_seeds = len(seeds)
        self._key = (self.s, self.R, self.n_seeds, tuple(m is None for m in self.g_masks),
                     tuple(m is None for m in self.d_masks), self.batch_weights is None,
                     self.chunk, self.jit_compile, self._r1_on)

    @contextlib.contextmanager
    def _tracing(self, ctx):
        """While tracing, read data, seeds and masks from the symbolic ``ctx``."""
        saved = (self.ctx, self.g_masks, self.d_masks, self.batch_weights, self.valid)
        it_g, it_d = iter(ctx["g_masks"]), iter(ctx["d_masks"])
        self.ctx = ctx
        self.g_masks = [None if m is None else next(it_g) for m in self.g_masks]
        self.d_masks = [None if m is None else next(it_d) for m in self.d_masks]
        if ctx["batch_weights"]:
            self.batch_weights, self.valid = ctx["batch_weights"]
        try:
            yield
        finally:
            self.ctx, self.g_masks, self.d_masks, self.batch_weights, self.valid = saved

    def _compiled(self, name: str, build):
        key = (name, *self._key)
        fn = _COMPILED.get(key)
        if fn is None:
            fn = build()
            _COMPILED[key] = fn
            while len(_COMPILED) > _COMPILED_MAX:
                _COMPILED.pop(next(iter(_COMPILED)))
        return fn

    # ---- state -------------------------------------------------------------------------
    def initial_state(self) -> dict:
        tf, s = self.tf, self.s
        p = init_params(s, self.configs)
        g = [tf.constant(a) for a in p["g"]]
        d = [tf.constant(a) for a in p["d"]]
        zeros = lambda ts: [tf.zeros_like(t) for t in ts]  # noqa: E731
        state = {
            "g": g, "d": d, "g_m": zeros(g), "g_v": zeros(g), "d_m": zeros(d), "d_v": zeros(d),
            "g_t": tf.constant(0.0), "d_t": tf.constant(0.0),
            "step": tf.constant(0, tf.int64),
            "alive": tf.ones([self.R], tf.bool),
            "diverged_at": -tf.ones([self.R], tf.int64),
            "hp": self.hyperparams(self.configs),
        }
        if s.g_ema:
            state["g_ema"] = list(g)
        if s.spectral_norm:
            # per run from its own seed at its own widths, as it draws alone; padded units get 0
            # (their kernel columns are 0, so the power iteration never sees them)
            rngs = [np.random.default_rng([c.seed, 2]) for c in self.configs]
            outs = [[*c.d_hidden, 1] for c in self.configs]
            state["d_u"] = [tf.constant(np.stack([
                _pad(_unit(rng.normal(size=(1, out[j])).astype(np.float32))[0], (int(k.shape[2]),))
                for rng, out in zip(rngs, outs)])) for j, k in enumerate(self._kernels(d))]
        return state

    def hyperparams(self, configs: list[ToyConfig]) -> dict:
        """Per-run float knobs, fed as tensors so changing them needs no recompilation."""
        tf = self.tf
        names = ("g_lr", "d_lr", "g_beta1", "d_beta1", "label_smoothing", "label_noise",
                 "gp_weight", "r1_weight", "clip_value", "g_ema", "lr_final", "steps", "info_weight")
        return {n: tf.constant([float(getattr(c, n)) for c in configs], tf.float32) for n in names}

    def _kernels(self, d: list) -> list:
        """D's dense kernels (spectral norm applies to these), excluding the MBD tensor."""
        ks = [d[2 * i] for i in range(len(self.s.d_hidden))]
        return ks + [d[-2]]

    # ---- networks ----------------------------------------------------------------------
    def _act(self, x):
        tf, s = self.tf, self.s
        if s.hidden_activation == "leaky_relu":
            return tf.nn.leaky_relu(x, alpha=s.leaky_slope)
        return {"relu": tf.nn.relu, "tanh": tf.tanh, "elu": tf.nn.elu, "sigmoid": tf.sigmoid}[s.hidden_activation](x)

    def _dense(self, x, w, b):
        """x: (R, n, in), w: (R, in, out), b: (R, out) -> (R, n, out)."""
        if self.R == 1:  # a plain matmul compiles to XLA's fastest CPU path
            return (self.tf.matmul(x[0], w[0]) + b[0])[None]
        return self.tf.matmul(x, w) + b[:, None, :]

    def generate(self, g: list, z):
        """z: (R, n, latent_dim) -> (R, n, 2)."""
        tf, s = self.tf, self.s
        h = z
        for i, mask in enumerate(self.g_masks):
            h = self._act(self._dense(h, g[2 * i], g[2 * i + 1]))
            if mask is not None:
                h = h * mask[:, None, :]
        out = self._dense(h, g[-2], g[-1])
        return tf.tanh(out) if s.g_output == "tanh" else out

    def _sn_kernels(self, d: list, u: list | None, update: bool):
        """Spectrally normalised kernels (one power iteration, Miyato et al. 2018)."""
        tf = self.tf
        if u is None:
            return self._kernels(d), None
        new_u, out = [], []
        for w, ui in zip(self._kernels(d), u):
            v = _l2n(tf, tf.einsum("rio,ro->ri", w, ui))
            un = _l2n(tf, tf.einsum("rio,ri->ro", w, v))
            v, un = tf.stop_gradient(v), tf.stop_gradient(un)
            sigma = tf.einsum("ri,rio,ro->r", v, w, un)
            out.append(w / sigma[:, None, None])
            new_u.append(un if update else ui)
        return out, new_u

    def discriminate(self, d: list, x, u: list | None = None, update_u: bool = False, valid=None,
                     info: bool = False):
        """x: (R, P, 2m) packs -> logits (R, P), and the updated power-iteration vectors; with
        ``info``, also Q's category logits (R, P, K) (InfoGAN's head on the last hidden layer)."""
        tf, s = self.tf, self.s
        kernels, new_u = self._sn_kernels(d, u, update_u)
        h = x
        for i, mask in enumerate(self.d_masks):
            h = self._act(self._dense(h, kernels[i], d[2 * i + 1]))
            if mask is not None:
                h = h * mask[:, None, :]
        nh = len(self.d_masks)
        q = self._dense(h, d[2 * nh], d[2 * nh + 1]) if info else None
        if s.minibatch_discrimination:
            m = tf.reshape(tf.einsum("rpa,rak->rpk", h, d[-3]),
                           [self.R, -1, MBD_KERNELS, MBD_DIM])
            dist = tf.reduce_sum(tf.abs(m[:, :, None] - m[:, None, :]), axis=-1)  # (R,P,P,B)
            c = tf.exp(-dist)
            if valid is not None:
                c = c * valid[:, None, :, None]
            h = tf.concat([h, tf.reduce_sum(c, axis=2)], axis=-1)
        logits = self._dense(h, kernels[-1], d[-1])[..., 0]
        return (logits, new_u, q) if info else (logits, new_u)

    def _info_loss(self, q, z):
        """Per run: the mean cross-entropy of Q's logits (R, n, K) against the one-hot category
        code at the end of z (R, n, latent_dim + K), InfoGAN's L_I (Chen et al. 2016); the
        callers weigh it by info_weight."""
        tf, K = self.tf, self.s.latent_categories
        ce = tf.nn.softmax_cross_entropy_with_logits(labels=z[..., -K:], logits=q)
        return tf.reduce_mean(ce, axis=-1)

    def _pack(self, x):
        """(R, B, 2) -> (R, B/m, 2m): PacGAN's packing of m samples into one D input."""
        return self.tf.reshape(x, [self.R, -1, 2 * self.s.packing])

    # ---- random draws ------------------------------------------------------------------
    def _draw(self, step, purpose: int, fn):
        """fn(seed_pair) -> (n, ...) per distinct seed; gathered to (R, n, ...)."""
        tf = self.tf
        draws = []
        for j in range(self.n_seeds):
            key = tf.stack([self.ctx["seeds"][j], tf.cast(step, tf.int64) * _PURPOSES + purpose])
            draws.append(fn(key))
        return tf.gather(tf.stack(draws), self.ctx["run_seed_index"])

    def _latent(self, step, purpose: int, n: int):
        tf, s = self.tf, self.s
        if s.latent_distribution == "normal":
            f = lambda k: tf.random.stateless_normal([n, s.latent_dim], k)  # noqa: E731
        else:
            f = lambda k: tf.random.stateless_uniform([n, s.latent_dim], k, -1.0, 1.0)  # noqa: E731
        z = self._draw(step, purpose, f)
        if not s.latent_categories:
            return z
        cat = self._draw(step, _P_CATEGORY[purpose], lambda k: tf.random.stateless_uniform(
            [n], k, 0, s.latent_categories, dtype=tf.int32))
        return tf.concat([z, tf.one_hot(cat, s.latent_categories)], axis=-1)

    def _real(self, step, purpose: int):
        tf, B = self.tf, self.s.batch_size
        data = self.ctx["data"]
        n = tf.shape(data)[1]
        idx = self._draw(step, purpose, lambda k: tf.random.stateless_uniform(
            [B], k, 0, n, dtype=tf.int32))
        return tf.gather(data, idx, batch_dims=1)

    # ---- losses ------------------------------------------------------------------------
    def _mean(self, x):
        if self.batch_weights is None:
            return self.tf.reduce_mean(x, axis=1)
        return self.tf.reduce_sum(x * self.batch_weights, axis=1)

    def _targets(self, step, hp, real: bool, purpose: int):
        """D targets per pack with one-sided smoothing and label noise (flips)."""
        tf = self.tf
        P = self.s.batch_size // self.s.packing
        base = (1.0 - hp["label_smoothing"]) if real else tf.zeros([self.R])
        base = tf.broadcast_to(base[:, None], [self.R, P])
        u = self._draw(step, purpose, lambda k: tf.random.stateless_uniform([P], k))
        flip = u < hp["label_noise"][:, None]
        return tf.where(flip, 1.0 - base, base)

    def _d_loss_part(self, logits, targets):
        """Per-run D loss on one half (real or fake) of the batch."""
        tf, loss = self.tf, self.s.loss
        if loss in ("minimax", "non_saturating"):
            per = targets * tf.nn.softplus(-logits) + (1 - targets) * tf.nn.softplus(logits)
        elif loss == "least_squares":
            per = 0.5 * tf.square(logits - targets)
        elif loss in ("wasserstein_clip", "wasserstein_gp"):
            per = -logits if targets is True else logits
        else:  # hinge
            per = tf.nn.relu(1.0 - logits) if targets is True else tf.nn.relu(1.0 + logits)
        return self._mean(per)

    def _g_loss(self, logits):
        tf, loss = self.tf, self.s.loss
        if loss == "minimax":
            per = -tf.nn.softplus(logits)  # log(1 - D(G(z))), minimised
        elif loss == "non_saturating":
            per = tf.nn.softplus(-logits)  # -log D(G(z))
        elif loss == "least_squares":
            per = 0.5 * tf.square(logits - 1.0)
        else:
            per = -logits
        return self._mean(per)

    def _threshold(self) -> float:
        return 0.5 if self.s.loss == "least_squares" else 0.0

    def _input_grad_sq(self, d, x, u):
        """Per-pack squared norm of dD/dx at x (for GP and R1)."""
        tf = self.tf
        with tf.GradientTape() as tape:
            tape.watch(x)
            out, _ = self.discriminate(d, x, u, valid=self.valid)
            total = tf.reduce_sum(out)
        g = tape.gradient(total, x)
        return tf.reduce_sum(tf.square(g), axis=-1)

    # ---- optimisers --------------------------------------------------------------------
    def _apply(self, kind: str, params, grads, m, v, t, lr, beta1):
        """One optimiser step on a list of (R, ...) tensors. lr, beta1: (R,)."""
        tf = self.tf
        new_p, new_m, new_v = [], [], []
        for p, g, mi, vi in zip(params, grads, m, v):
            shape = [self.R] + [1] * (len(p.shape) - 1)
            lr_b, b1 = tf.reshape(lr, shape), tf.reshape(beta1, shape)
            if kind == "adam":
                mi = b1 * mi + (1 - b1) * g
                vi = ADAM_BETA2 * vi + (1 - ADAM_BETA2) * tf.square(g)
                lr_t = lr_b * tf.sqrt(1 - ADAM_BETA2 ** t) / (1 - b1 ** t)
                p = p - lr_t * mi / (tf.sqrt(vi) + EPS)
            elif kind == "rmsprop":
                vi = RMS_RHO * vi + (1 - RMS_RHO) * tf.square(g)
                mi = b1 * mi + lr_b * g / (tf.sqrt(vi) + EPS)
                p = p - mi
            else:  # sgd with momentum beta1
                mi = b1 * mi - lr_b * g
                p = p + mi
            new_p.append(p)
            new_m.append(mi)
            new_v.append(vi)
        return new_p, new_m, new_v

    def _global_norm(self, grads):
        tf = self.tf
        return tf.sqrt(tf.add_n([tf.reduce_sum(tf.square(g), axis=list(range(1, len(g.shape))))
                                 for g in grads]))

    # ---- one training iteration -------------------------------------------------------
    def _d_update(self, st, step, sub: int, x_real, z, g: list):
        """One discriminator update (or two, with separate real and fake batches). In the loop,
        st["d"] and its moments are packed (see ``_flat``); g is G's weights as a list."""
        tf, s, hp = self.tf, self.s, st["hp"]
        fake = self._pack(self.generate(g, z))
        real = self._pack(x_real)
        labels = s.uses_labels
        t_real = self._targets(step, hp, True, _P_FLIP_R) if labels else True
        t_fake = self._targets(step, hp, False, _P_FLIP_F) if labels else False
        u = st.get("d_u")

        def penalty_real(d, uu):
            if not self._r1_on:
                return 0.0
            return 0.5 * hp["r1_weight"] * self._mean(self._input_grad_sq(d, real, uu))

        def penalty_gp(d, uu):
            if s.loss != "wasserstein_gp":
                return 0.0
            P = s.batch_size // s.packing
            eps = self._draw(step, _P_GP, lambda k: tf.random.stateless_uniform([P, 1], k))
            xh = eps * real + (1 - eps) * fake
            norm = tf.sqrt(self._input_grad_sq(d, xh, uu) + 1e-12)
            return hp["gp_weight"] * self._mean(tf.square(norm - 1.0))

        def loss_fn(d, part: str, uu):
            new_u = uu
            lr_ = lf_ = None
            total = extra = 0.0  # extra: terms outside the GAN loss's averaging (InfoGAN's)
            if part in ("real", "both"):
                lr_, new_u = self.discriminate(d, real, uu, update_u=True, valid=self.valid)
                total = total + self._d_loss_part(lr_, t_real) + penalty_real(d, new_u)
            if part in ("fake", "both"):
                out = self.discriminate(d, fake, new_u, update_u=True, valid=self.valid, info=s.info)
                lf_, new_u = out[0], out[1]
                if s.info:
                    extra = hp["info_weight"] * self._info_loss(out[2], z)
                total = total + self._d_loss_part(lf_, t_fake) + penalty_gp(d, new_u)
            return total, extra, lr_, lf_, new_u

        thr = self._threshold()
        parts = ("both",) if s.combined_batch else ("real", "fake")
        d_flat, dm, dv, dt = st["d"], st["d_m"], st["d_v"], st["d_t"]
        out = {}
        for part in parts:
            d = self._unflat(d_flat, "d")
            with tf.GradientTape() as tape:
                tape.watch(d)
                total, extra, lr_, lf_, u_new = loss_fn(d, part, u)
                objective = tf.reduce_sum(total * (0.5 if (part == "both" and labels) else 1.0) + extra)
            grads = self._flat(tape.gradient(objective, d), d)
            dt = dt + 1.0
            d_flat, dm, dv = self._apply(s.d_optimizer, d_flat, grads, dm, dv, dt,
                                         hp["d_lr"], hp["d_beta1"])
            if s.loss == "wasserstein_clip":
                clips = [self._per_run(hp["clip_value"], p) for p in d_flat]
                d_flat = [tf.clip_by_value(p, -c, c) for p, c in zip(d_flat, clips)]
            u = u_new
            out["d_grad_norm"] = self._global_norm(grads)
            if lr_ is not None:
                out["d_loss_real"] = self._d_loss_part(lr_, t_real)
                out["d_accuracy_real"] = self._mean(tf.cast(lr_ > thr, tf.float32))
            if lf_ is not None:
                out["d_loss_fake"] = self._d_loss_part(lf_, t_fake)
                out["d_accuracy_fake"] = self._mean(tf.cast(lf_ <= thr, tf.float32))
        scale = 0.5 if labels else 1.0
        out["d_loss"] = scale * (out["d_loss_real"] + out["d_loss_fake"])
        st = dict(st, d=d_flat, d_m=dm, d_v=dv, d_t=dt)
        if u is not None:
            st["d_u"] = u
        return st, out

    def _g_update(self, st, key, g: list):
        """One generator update; st's weights packed (see ``_flat``), g: G's weights as a list."""
        tf, s, hp = self.tf, self.s, st["hp"]
        z = self._latent(key, _P_ZG, s.batch_size)
        d = self._unflat(st["d"], "d")
        with tf.GradientTape() as tape:
            tape.watch(g)
            out = self.discriminate(d, self._pack(self.generate(g, z)), st.get("d_u"),
                                    valid=self.valid, info=s.info)
            loss = self._g_loss(out[0])
            info = hp["info_weight"] * self._info_loss(out[2], z) if s.info else 0.0
            objective = tf.reduce_sum(loss + info)
        grads = self._flat(tape.gradient(objective, g), g)
        gt = st["g_t"] + 1.0
        g_flat, gm, gv = self._apply(s.g_optimizer, st["g"], grads, st["g_m"], st["g_v"], gt,
                                     hp["g_lr"], hp["g_beta1"])
        new = dict(st, g=g_flat, g_m=gm, g_v=gv, g_t=gt)
        if s.g_ema:
            new["g_ema"] = [e + (1.0 - self._per_run(hp["g_ema"], p)) * (p - e)
                            for e, p in zip(st["g_ema"], g_flat)]
        return new, {"g_loss": loss, "g_grad_norm": self._global_norm(grads)}

    def _iteration(self, st, mode: str):
        """One training step: d_steps D updates then one G update (mode "both"), or one of them."""
        tf, s = self.tf, self.s
        step = st["step"]
        hp = st["hp"]
        # learning-rate annealing: constant for the first half of `steps`, then exponential
        # decay to lr * lr_final at `steps` (a factor of 1 throughout when lr_final = 1)
        progress = tf.clip_by_value(2.0 * tf.cast(step, tf.float32) / hp["steps"] - 1.0, 0.0, 1.0)
        scale = tf.pow(hp["lr_final"], progress)
        st = dict(st, hp=dict(hp, g_lr=hp["g_lr"] * scale, d_lr=hp["d_lr"] * scale))
        nan = tf.fill([self.R], float("nan"))
        metrics = {k: nan for k in METRICS}
        g = self._unflat(st["g"], "g")  # G is unchanged by the D updates
        if mode in ("both", "d"):
            for sub in range(s.d_steps if mode == "both" else 1):
                key = step * 16 + sub
                x_real = self._real(key, _P_REAL)
                z = self._latent(key, _P_ZD, s.batch_size)
                st, out = self._d_update(st, key, sub, x_real, z, g)
                metrics.update(out)
        if mode in ("both", "g"):
            st, out = self._g_update(st, step * 16 + 15, g)
            metrics.update(out)
        return dict(st, hp=hp), metrics

    def _finite(self, st, metrics, mode: str):
        """Per-run: every weight finite and below WEIGHT_LIMIT, every metric of this mode finite."""
        tf = self.tf
        # |w| < WEIGHT_LIMIT also fails on NaN; weights that large already overflow G's output
        checks = [tf.reduce_all(tf.abs(t) < WEIGHT_LIMIT, axis=list(range(1, len(t.shape))))
                  for t in st["g"] + st["d"]]
        d_keys = tuple(k for k in METRICS if k.startswith("d_"))
        keys = {"both": METRICS, "d": d_keys, "g": ("g_loss", "g_grad_norm")}[mode]
        checks += [tf.math.is_finite(metrics[k]) for k in keys]
        return tf.reduce_all(tf.stack(checks), axis=0)

    # ---- the compiled loop -------------------------------------------------------------
    def _flat(self, tensors: list, like: list | None = None) -> list:
        """A network's weight tensors (R, ...) as the loop keeps them. With one run, one (1, P)
        tensor: the optimiser, the divergence check and the keep-or-roll-back select are then one
        kernel per network instead of one per weight tensor (XLA's CPU runtime pays a fixed cost
        per kernel: this cut a batch-16 bench step's time by 5-13 % in single-threaded A/B
        runs). A stack of runs keeps its list (packing (R, P) costs a stack more than it saves:
        the sweep trained ~13 % slower).
        ``like``: the tensors whose shapes None entries (no gradient) take, as zeros."""
        tf = self.tf
        if like is not None:
            tensors = [tf.zeros_like(p) if t is None else t for t, p in zip(tensors, like)]
        if self.R > 1:
            return list(tensors)
        return [tf.concat([tf.reshape(t, [1, -1]) for t in tensors], axis=1)]

    def _unflat(self, packed: list, net: str) -> list:
        """Inverse of ``_flat`` for network ``net`` ("g" or "d")."""
        if self.R > 1:
            return list(packed)
        tf, shapes = self.tf, self._shapes[net]
        parts = tf.split(packed[0], [int(np.prod(sh)) for sh in shapes], axis=1)
        return [tf.reshape(p, [1, *sh]) for p, sh in zip(parts, shapes)]

    def _per_run(self, x, like):
        """A per-run (R,) value shaped to broadcast against ``like`` (R, ...)."""
        return self.tf.reshape(x, [self.R] + [1] * (len(like.shape) - 1))

    def train_fn(self, mode: str = "both"):
        """Compiled ``f(state, n) -> (state, history (chunk, R, M), steps_done)``."""
        return self._compiled(mode, lambda: self._build_train_fn(mode))

    def _build_train_fn(self, mode: str):
        tf = self.tf
        per_run_keys = ("g", "d", "g_m", "g_v", "d_m", "d_v", "d_u", "g_ema")

        def select(ok, new, old):
            def sel(a, b):
                shape = [self.R] + [1] * (len(a.shape) - 1)
                return tf.where(tf.reshape(ok, shape), a, b)
            return tf.nest.map_structure(sel, new, old)

        def body(i, st, hist):
            new, metrics = self._iteration(st, mode)
            ok = self._finite(new, metrics, mode)
            keep = tf.logical_and(ok, st["alive"])
            merged = dict(st)
            for k in per_run_keys:
                if k in st:
                    merged[k] = select(keep, new[k], st[k])
            merged["g_t"], merged["d_t"] = new["g_t"], new["d_t"]
            # the step counts if any run kept it (a lone diverged run stays at its last good step)
            merged["step"] = st["step"] + tf.cast(tf.reduce_any(keep), tf.int64)
            just_died = tf.logical_and(st["alive"], tf.logical_not(ok))
            merged["diverged_at"] = tf.where(just_died, st["step"], st["diverged_at"])
            merged["alive"] = keep
            row = tf.stack([tf.where(keep, metrics[k], float("nan")) for k in METRICS], axis=1)
            return i + 1, merged, hist.write(i, row)

        def run(st, n, ctx):
            def cond(i, st, hist):
                return tf.logical_and(i < n, tf.reduce_any(st["alive"]))

            with self._tracing(ctx):
                self._shapes = {net: [tuple(t.shape[1:]) for t in st[net]] for net in ("g", "d")}
                st = dict(st)
                for k, net in _FLAT_KEYS.items():
                    if k in st:
                        st[k] = self._flat(st[k])
                hist = tf.TensorArray(tf.float32, size=self.chunk, element_shape=[self.R, len(METRICS)])
                i, st, hist = tf.while_loop(cond, body, [tf.constant(0), st, hist],
                                            maximum_iterations=self.chunk)
                for k, net in _FLAT_KEYS.items():
                    if k in st:
                        st[k] = self._unflat(st[k], net)
            return st, hist.stack(), i

        return tf.function(run, jit_compile=self.jit_compile, reduce_retracing=True)

    def train(self, state: dict, steps: int, mode: str = "both"):
        """Run ``steps`` steps in chunks. Returns (state, history (steps_done, R, M) ndarray)."""
        tf = self.tf
        fn = self.train_fn(mode)
        rows = []
        left = int(steps)
        while left > 0:
            n = min(left, self.chunk)
            state, hist, done = fn(state, tf.constant(n), self.ctx)
            done = int(done)
            rows.append(hist.numpy()[:done])
            left -= n
            if done < n:  # every run diverged
                break
        history = np.concatenate(rows) if rows else np.zeros((0, self.R, len(METRICS)), np.float32)
        return state, history

    # ---- views -------------------------------------------------------------------------
    def views_fn(self):
        """Compiled ``f(state, z_fixed, grid, z_grid, ctx) -> (fake, d_grid, fake_grad, manifold)``."""
        return self._compiled("views", self._build_views_fn)

    def _build_views_fn(self):
        tf, m = self.tf, self.s.packing

        def rep(x):  # a point judged alone: its pack is m copies of it
            return tf.tile(x, [1, 1, m])

        def views(st, z_fixed, grid, z_grid, ctx):
            with self._tracing(ctx):
                g = st.get("g_ema", st["g"])
                fake = self.generate(g, z_fixed)
                d_grid, _ = self.discriminate(st["d"], rep(grid), st.get("d_u"))
                with tf.GradientTape() as tape:
                    tape.watch(fake)
                    out, _ = self.discriminate(st["d"], rep(fake), st.get("d_u"))
                    total = tf.reduce_sum(out)
                grad = tape.gradient(total, fake)
                manifold = self.generate(g, z_grid)
            return fake, d_grid, grad, manifold

        return tf.function(views, reduce_retracing=True)

    def views(self, state, z_fixed, grid, z_grid):
        return self.views_fn()(state, z_fixed, grid, z_grid, self.ctx)

    def critic(self, state, x):
        """D's logit for each point judged alone: x (R, n, 2) -> (R, n) ndarray."""
        def build():
            tf, m = self.tf, self.s.packing

            def logits(st, x, ctx):
                with self._tracing(ctx):
                    out, _ = self.discriminate(st["d"], tf.tile(x, [1, 1, m]), st.get("d_u"))
                return out
            return tf.function(logits, reduce_retracing=True)
        return self._compiled("critic", build)(state, x, self.ctx).numpy()

    def sample(self, state, z):
        """z: (R, n, latent_dim) -> (R, n, 2) ndarray."""
        def build():
            def gen(st, z, ctx):
                with self._tracing(ctx):
                    return self.generate(st.get("g_ema", st["g"]), z)
            return self.tf.function(gen, reduce_retracing=True)
        return self._compiled("sample", build)(state, z, self.ctx).numpy()


def _mask(tf, widths: list[int], full: int):
    """(R, full) 0/1 mask of each run's units, or None when all runs use ``full``."""
    if all(w == full for w in widths):
        return None
    return tf.constant([[1.0 if j < w else 0.0 for j in range(full)] for w in widths])


def _l2n(tf, x):
    return x / (tf.norm(x, axis=-1, keepdims=True) + SN_EPS)


def _unit(x: np.ndarray) -> np.ndarray:
    return x / (np.linalg.norm(x, axis=-1, keepdims=True) + SN_EPS)
