"""The toy GAN's networks for a stack of runs: their shared structure, their initial weights,
and the forward maths of the generator and the discriminator.

Every weight carries a leading *run* axis R (see ``ganviz.toy.engine``): a stack's runs share
a ``Structure`` and differ in width (zero-padded to the stack's largest and masked), batch
size, seed and hyper-parameters. Weights are plain lists of tensors, G's as [W1, b1, ...,
Wout, bout], D's as [W1, b1, ..., (Q's kernel, bias), (MBD tensor), Wout, bout].
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields

import numpy as np

from ganviz.toy.config import ToyConfig
from ganviz.toy.fields import SHARED_IN_STACK
from ganviz.toy.losses import LOSSES

MBD_KERNELS, MBD_DIM = 5, 3  # Salimans et al. 2016 minibatch discrimination: B and C
MBD_MAX_BATCH = 1024
SN_EPS = 1e-12

# hidden activations: (tf, x, leaky slope) -> activation; names are the hidden_activation field's
ACTIVATIONS: dict[str, Callable] = {
    "leaky_relu": lambda tf, x, slope: tf.nn.leaky_relu(x, alpha=slope),
    "relu": lambda tf, x, slope: tf.nn.relu(x),
    "tanh": lambda tf, x, slope: tf.tanh(x),
    "elu": lambda tf, x, slope: tf.nn.elu(x),
    "sigmoid": lambda tf, x, slope: tf.sigmoid(x),
}
# the generator's output activation: (tf, x) -> points; names are the g_output field's
OUTPUTS: dict[str, Callable] = {
    "linear": lambda tf, x: x,
    "tanh": lambda tf, x: tf.tanh(x),
}
# the latent noise, drawn with NumPy: (rng, (n, dim)) -> values; names are latent_distribution's
LATENTS: dict[str, Callable] = {
    "normal": lambda rng, shape: rng.standard_normal(shape),
    "uniform": lambda rng, shape: rng.uniform(-1, 1, shape),
}


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
    def of(cls, configs: list[ToyConfig]) -> Structure:
        """The structure of ``configs`` stacked; ValueError if they cannot share one (the
        fields the table marks shared-in-stack differ, or the depth of G or D does)."""
        c0 = configs[0]
        for c in configs[1:]:
            for name in SHARED_IN_STACK:
                if getattr(c, name) != getattr(c0, name):
                    raise ValueError(f"runs stacked together must share {name}: "
                                     f"{getattr(c0, name)!r} vs {getattr(c, name)!r}")
            if len(c.g_hidden) != len(c0.g_hidden) or len(c.d_hidden) != len(c0.d_hidden):
                raise ValueError("runs stacked together must share the depth of G and D")
        if c0.minibatch_discrimination and max(c.batch_size for c in configs) > MBD_MAX_BATCH:
            raise ValueError(f"minibatch_discrimination needs batch_size <= {MBD_MAX_BATCH}")
        own = {f.name for f in fields(cls)}
        return cls(
            # the shared data fields (dataset, its size) reach the loop as tensors, not structure
            **{n: getattr(c0, n) for n in SHARED_IN_STACK if n in own},
            info=any(c.info_active for c in configs),
            g_ema=any(c.g_ema > 0 for c in configs),
            g_hidden=tuple(max(w) for w in zip(*(c.g_hidden for c in configs))),
            d_hidden=tuple(max(w) for w in zip(*(c.d_hidden for c in configs))),
            batch_size=max(c.batch_size for c in configs),
        )

    @property
    def uses_labels(self) -> bool:
        return LOSSES[self.loss].uses_labels


# ---- initial weights ----------------------------------------------------------------------------
def _glorot(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    limit = np.sqrt(6.0 / (fan_in + fan_out))  # Keras' Dense default (glorot_uniform)
    return rng.uniform(-limit, limit, size=(fan_in, fan_out)).astype(np.float32)


def pad(a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``a`` zero-padded at the end of each axis to ``shape``, float32."""
    out = np.zeros(shape, np.float32)
    out[tuple(slice(0, s) for s in a.shape)] = a
    return out


def unit(x: np.ndarray) -> np.ndarray:
    """``x`` scaled to unit L2 norm along its last axis."""
    return x / (np.linalg.norm(x, axis=-1, keepdims=True) + SN_EPS)


def layer_sizes(s: Structure, g_hidden, d_hidden) -> tuple[list[int], list[int]]:
    """Unit counts of G and D, input to output (D's input is a pack of m points)."""
    return [s.latent_dim + s.latent_categories, *g_hidden, 2], [2 * s.packing, *d_hidden]


def draw_latent(rng: np.random.Generator, n: int, c: ToyConfig) -> np.ndarray:
    """n latent vectors of config ``c`` drawn with NumPy: (n, latent_dim + latent_categories)
    float32 (the continuous part, then the one-hot category code when there is one)."""
    z = LATENTS[c.latent_distribution](rng, (n, c.latent_dim))
    if c.latent_categories:
        code = np.eye(c.latent_categories)[rng.integers(0, c.latent_categories, n)]
        z = np.concatenate([z, code], 1)
    return z.astype(np.float32)


def _run_params(s: Structure, c: ToyConfig) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """One run's G and D weights at its own widths, drawn from its seed."""
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
    return g, d


def init_params(s: Structure, configs: list[ToyConfig]) -> dict[str, list[np.ndarray]]:
    """Glorot-uniform kernels, zero biases, per run from its own seed; padded to the stack.
    Returns {"g": [...], "d": [...]}, each tensor (R, ...)."""
    out: dict[str, list[np.ndarray]] = {"g": [], "d": []}
    runs = [_run_params(s, c) for c in configs]
    for key, stack in (("g", [g for g, _ in runs]), ("d", [d for _, d in runs])):
        for j in range(len(stack[0])):
            shape = tuple(max(run[j].shape[k] for run in stack) for k in range(stack[0][j].ndim))
            if key == "d" and s.minibatch_discrimination and j == len(stack[0]) - 2:
                # final kernel: rows are [hidden features | minibatch features]; pad each part
                rows = []
                for c, run in zip(configs, stack):
                    w = run[j]
                    hid = pad(w[:c.d_hidden[-1]], (s.d_hidden[-1], 1))
                    rows.append(np.concatenate([hid, w[c.d_hidden[-1]:]], axis=0))
                out[key].append(np.stack(rows))
                continue
            out[key].append(np.stack([pad(run[j], shape) for run in stack]))
    return out


def init_sn_vectors(configs: list[ToyConfig], kernel_outs: list[int]) -> list[np.ndarray]:
    """Spectral norm's power-iteration vectors u, one (R, out) array per D kernel (outs:
    the stack's padded output widths). Per run from its own seed at its own widths, as it
    draws alone; padded units get 0 (their kernel columns are 0, so the iteration never
    sees them)."""
    rngs = [np.random.default_rng([c.seed, 2]) for c in configs]
    outs = [[*c.d_hidden, 1] for c in configs]
    return [np.stack([pad(unit(rng.normal(size=(1, out[j])).astype(np.float32))[0], (k,))
                      for rng, out in zip(rngs, outs)]) for j, k in enumerate(kernel_outs)]


# ---- forward maths ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Nets:
    """G and D of a stack of R runs. g_masks, d_masks: per hidden layer, an (R, width) 0/1
    mask of each run's own units, or None where every run has the stack's width (eager
    constants, or the compiled function's inputs while it is traced)."""

    s: Structure
    R: int
    g_masks: tuple
    d_masks: tuple

    def act(self, x):
        import tensorflow as tf

        return ACTIVATIONS[self.s.hidden_activation](tf, x, self.s.leaky_slope)

    def dense(self, x, w, b):
        """x: (R, n, in), w: (R, in, out), b: (R, out) -> (R, n, out)."""
        import tensorflow as tf

        if self.R == 1:  # a plain matmul compiles to XLA's fastest CPU path
            return (tf.matmul(x[0], w[0]) + b[0])[None]
        return tf.matmul(x, w) + b[:, None, :]

    def generate(self, g: list, z):
        """z: (R, n, latent_dim + latent_categories) -> (R, n, 2)."""
        import tensorflow as tf

        h = z
        for i, mask in enumerate(self.g_masks):
            h = self.act(self.dense(h, g[2 * i], g[2 * i + 1]))
            if mask is not None:
                h = h * mask[:, None, :]
        return OUTPUTS[self.s.g_output](tf, self.dense(h, g[-2], g[-1]))

    def kernels(self, d: list) -> list:
        """D's dense kernels (spectral norm applies to these), excluding the MBD tensor."""
        return [d[2 * i] for i in range(len(self.s.d_hidden))] + [d[-2]]

    def sn_kernels(self, d: list, u: list | None, update: bool):
        """Spectrally normalised kernels (one power iteration, Miyato et al. 2018), and the
        new u vectors (the old ones unless ``update``)."""
        import tensorflow as tf

        if u is None:
            return self.kernels(d), None
        new_u, out = [], []
        for w, ui in zip(self.kernels(d), u):
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
        ``info``, also Q's category logits (R, P, K) (InfoGAN's head on the last hidden layer).
        valid: (R, P) 1 for each run's own packs (minibatch features ignore the padding)."""
        import tensorflow as tf

        kernels, new_u = self.sn_kernels(d, u, update_u)
        h = x
        for i, mask in enumerate(self.d_masks):
            h = self.act(self.dense(h, kernels[i], d[2 * i + 1]))
            if mask is not None:
                h = h * mask[:, None, :]
        nh = len(self.d_masks)
        q = self.dense(h, d[2 * nh], d[2 * nh + 1]) if info else None
        if self.s.minibatch_discrimination:
            m = tf.reshape(tf.einsum("rpa,rak->rpk", h, d[-3]),
                           [self.R, -1, MBD_KERNELS, MBD_DIM])
            dist = tf.reduce_sum(tf.abs(m[:, :, None] - m[:, None, :]), axis=-1)  # (R,P,P,B)
            c = tf.exp(-dist)
            if valid is not None:
                c = c * valid[:, None, :, None]
            h = tf.concat([h, tf.reduce_sum(c, axis=2)], axis=-1)
        logits = self.dense(h, kernels[-1], d[-1])[..., 0]
        return (logits, new_u, q) if info else (logits, new_u)

    def info_loss(self, q, z):
        """Per run: the mean cross-entropy of Q's logits (R, n, K) against the one-hot category
        code at the end of z (R, n, latent_dim + K), InfoGAN's L_I (Chen et al. 2016); the
        callers weigh it by info_weight."""
        import tensorflow as tf

        K = self.s.latent_categories
        ce = tf.nn.softmax_cross_entropy_with_logits(labels=z[..., -K:], logits=q)
        return tf.reduce_mean(ce, axis=-1)

    def pack(self, x):
        """(R, B, 2) -> (R, B/m, 2m): PacGAN's packing of m samples into one D input."""
        import tensorflow as tf

        return tf.reshape(x, [self.R, -1, 2 * self.s.packing])


def _l2n(tf, x):
    return x / (tf.norm(x, axis=-1, keepdims=True) + SN_EPS)
