"""The fused toy-GAN engine: many GAN steps per XLA-compiled call, for R runs at once.

Every weight carries a leading *run* axis R. A single ToyTrainer is R = 1; the sweep stacks
runs that share their structure (depth, loss, optimizer, ...) but differ in batch size, width,
learning rate or seed. Smaller widths and batches are zero-padded to the stack's largest and
masked, so each run in a stack computes what it would compute alone (to float tolerance):
padded units have zero weights, zero activations and zero gradients, padded samples carry
zero loss weight.

The training loop is functional: state (weights, optimizer moments, counters) goes in as a
dict of tensors, a ``tf.while_loop`` runs up to ``chunk`` steps of ``TrainStep.iteration``
(ganviz.toy.step), and the new state comes out. A run whose step produced a NaN/Inf keeps its
last finite state and is marked diverged.

Where the rest lives: the networks and their initial weights in ``ganviz.toy.nets``, one
training iteration in ``ganviz.toy.step``, the losses in ``ganviz.toy.losses`` and the
optimisers in ``ganviz.toy.optimizers``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from ganviz.toy.config import ToyConfig
from ganviz.toy.fields import HYPERPARAMS
from ganviz.toy.nets import Nets, Structure, draw_latent, init_params, init_sn_vectors, layer_sizes
from ganviz.toy.step import METRICS, TrainStep

# Names other modules have always imported from here.
__all__ = ["METRICS", "Engine", "Structure", "draw_latent", "init_params", "layer_sizes"]

_COMPILED: OrderedDict = OrderedDict()  # (fn name, structure key) -> tf.function
_COMPILED_MAX = 64
_COMPILED_LOCK = threading.Lock()  # a sweep compiles one stack while another trains
# state entries packed inside the compiled loop (see TrainStep.flat), and the network of each
_FLAT_KEYS = {"g": "g", "g_m": "g", "g_v": "g", "g_ema": "g", "d": "d", "d_m": "d", "d_v": "d"}
_PER_RUN_KEYS = ("g", "d", "g_m", "g_v", "d_m", "d_v", "d_u", "g_ema")


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
        self.nets = Nets(s, self.R, tuple(self.g_masks), tuple(self.d_masks))
        batches = [c.batch_size for c in self.configs]
        packs = s.batch_size // s.packing
        self.batch_weights = None if len(set(batches)) == 1 else tf.constant(
            [[1.0 / (b // s.packing) if j < b // s.packing else 0.0 for j in range(packs)]
             for b in batches])
        self.valid = (None if self.batch_weights is None
                      else tf.cast(self.batch_weights > 0, tf.float32))
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

    # ---- what a compiled function reads ---------------------------------------------------------
    def _nets(self, ctx) -> Nets:
        """The networks reading their masks from ``ctx`` (the compiled function's input)."""
        it_g, it_d = iter(ctx["g_masks"]), iter(ctx["d_masks"])
        return Nets(self.s, self.R, tuple(None if m is None else next(it_g) for m in self.g_masks),
                    tuple(None if m is None else next(it_d) for m in self.d_masks))

    def _train_step(self, ctx, shapes: dict) -> TrainStep:
        """One iteration's inputs read from ``ctx``; shapes: per network, its weights' shapes."""
        weights, valid = ctx["batch_weights"] if ctx["batch_weights"] else (None, None)
        return TrainStep(self._nets(ctx), ctx["data"], ctx["seeds"], ctx["run_seed_index"],
                         self.n_seeds, weights, valid, self._r1_on, shapes)

    def _compiled(self, name: str, build):
        key = (name, *self._key)
        with _COMPILED_LOCK:
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
            outs = [int(k.shape[2]) for k in self.nets.kernels(d)]
            state["d_u"] = [tf.constant(u) for u in init_sn_vectors(self.configs, outs)]
        return state

    def hyperparams(self, configs: list[ToyConfig]) -> dict:
        """Per-run float knobs (the field table's fed fields), fed as tensors so changing them
        needs no recompilation."""
        tf = self.tf
        return {n: tf.constant([float(getattr(c, n)) for c in configs], tf.float32)
                for n in HYPERPARAMS}

    # ---- the compiled loop -------------------------------------------------------------
    def train_fn(self, mode: str = "both"):
        """Compiled ``f(state, n, ctx) -> (state, history (chunk, R, M), steps_done)``."""
        return self._compiled(mode, lambda: self._build_train_fn(mode))

    def _build_train_fn(self, mode: str):
        tf = self.tf

        def select(ok, new, old):
            def sel(a, b):
                shape = [self.R] + [1] * (len(a.shape) - 1)
                return tf.where(tf.reshape(ok, shape), a, b)
            return tf.nest.map_structure(sel, new, old)

        def run(st, n, ctx):
            step = self._train_step(ctx, {net: [tuple(t.shape[1:]) for t in st[net]]
                                          for net in ("g", "d")})

            def cond(i, st, hist):
                return tf.logical_and(i < n, tf.reduce_any(st["alive"]))

            def body(i, st, hist):
                new, metrics = step.iteration(st, mode)
                ok = step.finite(new, metrics, mode)
                keep = tf.logical_and(ok, st["alive"])
                merged = dict(st)
                for k in _PER_RUN_KEYS:
                    if k in st:
                        merged[k] = select(keep, new[k], st[k])
                merged["g_t"], merged["d_t"] = new["g_t"], new["d_t"]
                # the step counts if any run kept it (a lone diverged run stays at its last
                # good step)
                merged["step"] = st["step"] + tf.cast(tf.reduce_any(keep), tf.int64)
                just_died = tf.logical_and(st["alive"], tf.logical_not(ok))
                merged["diverged_at"] = tf.where(just_died, st["step"], st["diverged_at"])
                merged["alive"] = keep
                row = tf.stack([tf.where(keep, metrics[k], float("nan")) for k in METRICS], axis=1)
                return i + 1, merged, hist.write(i, row)

            st = dict(st)
            for k in _FLAT_KEYS:
                if k in st:
                    st[k] = step.flat(st[k])
            hist = tf.TensorArray(tf.float32, size=self.chunk, element_shape=[self.R, len(METRICS)])
            i, st, hist = tf.while_loop(cond, body, [tf.constant(0), st, hist],
                                        maximum_iterations=self.chunk)
            for k, net in _FLAT_KEYS.items():
                if k in st:
                    st[k] = step.unflat(st[k], net)
            return st, hist.stack(), i

        return tf.function(run, jit_compile=self.jit_compile, reduce_retracing=True)

    def compile(self, state: dict, mode: str = "both") -> None:
        """Trace and compile the training function for ``state`` without training: a call that
        runs 0 steps, so the first ``train`` call trains at full speed (and a caller can time
        compilation apart from training, or compile one stack while another trains)."""
        self.train_fn(mode)(state, self.tf.constant(0), self.ctx)

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
        """Compiled ``f(state, z_fixed, grid, z_grid, ctx)`` -> (fake, d_grid, fake_grad,
        manifold)."""
        return self._compiled("views", self._build_views_fn)

    def _build_views_fn(self):
        tf, m = self.tf, self.s.packing

        def rep(x):  # a point judged alone: its pack is m copies of it
            return tf.tile(x, [1, 1, m])

        def views(st, z_fixed, grid, z_grid, ctx):
            nets = self._nets(ctx)
            g = st.get("g_ema", st["g"])
            fake = nets.generate(g, z_fixed)
            d_grid, _ = nets.discriminate(st["d"], rep(grid), st.get("d_u"))
            with tf.GradientTape() as tape:
                tape.watch(fake)
                out, _ = nets.discriminate(st["d"], rep(fake), st.get("d_u"))
                total = tf.reduce_sum(out)
            grad = tape.gradient(total, fake)
            manifold = nets.generate(g, z_grid)
            return fake, d_grid, grad, manifold

        return tf.function(views, reduce_retracing=True)

    def views(self, state, z_fixed, grid, z_grid):
        return self.views_fn()(state, z_fixed, grid, z_grid, self.ctx)

    def critic(self, state, x):
        """D's logit for each point judged alone: x (R, n, 2) -> (R, n) ndarray."""
        def build():
            tf, m = self.tf, self.s.packing

            def logits(st, x, ctx):
                out, _ = self._nets(ctx).discriminate(st["d"], tf.tile(x, [1, 1, m]), st.get("d_u"))
                return out
            return tf.function(logits, reduce_retracing=True)
        return self._compiled("critic", build)(state, x, self.ctx).numpy()

    def sample(self, state, z):
        """z: (R, n, latent_dim + latent_categories) -> (R, n, 2) ndarray. Runs eagerly: G is a
        few matmuls, far cheaper than tracing a function for each stack's shapes, and its
        kernels are those a traced function runs (the same numbers, bit for bit)."""
        return self.nets.generate(state.get("g_ema", state["g"]), self.tf.constant(z)).numpy()


def _mask(tf, widths: list[int], full: int):
    """(R, full) 0/1 mask of each run's units, or None when all runs use ``full``."""
    if all(w == full for w in widths):
        return None
    return tf.constant([[1.0 if j < w else 0.0 for j in range(full)] for w in widths])
