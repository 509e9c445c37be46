"""The fused loop's optimisers: 100 steps on the same gradients against a NumPy reference and
against keras.optimizers (Adam, RMSprop, SGD with the same hyper-parameters), to 1e-6.

Gradients mix scales from 1 down to 1e-6, so where epsilon goes shows: at |g| ~ 1e-6 Adam's
sqrt(v) + 1e-7 differs from sqrt(v + 1e-7) by a factor of ~300. The updates run in float64
so that any difference beyond rounding is a difference of algorithm. Keras turns its Python
float hyper-parameters into float32 tensors before casting them to the weights' dtype (its
Adam's bias correction sees 0.999 as 0.99900001), so the Keras comparisons use values that
float32 holds exactly.
"""

from __future__ import annotations

import numpy as np
import pytest

from ganviz.toy.config import CHOICES
from ganviz.toy.optimizers import ADAM_BETA2, EPS, OPTIMIZERS, RMS_RHO, apply

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

STEPS = 100
LR, BETA1 = (1e-3, 2e-2), (0.5, 0.9)  # two runs with their own hyper-parameters
TOL = 1e-6
# for Keras: as close, and exact in float32
KERAS_LR, KERAS_BETA1, KERAS_BETA2 = (2.0**-10, 2.0**-6), (0.5, 0.875), float(np.float32(0.999))


def _problem(seed: int = 0):
    """Start weights (2 runs, 3, 4) and STEPS gradients of mixed scales."""
    rng = np.random.default_rng(seed)
    p0 = rng.normal(size=(2, 3, 4))
    scale = 10.0 ** -rng.integers(0, 7, size=(1, 3, 4))  # 1 .. 1e-6 per weight
    grads = rng.normal(size=(STEPS, 2, 3, 4)) * scale
    return p0, grads


# ---- the NumPy reference (the formulas of ganviz/toy/optimizers.py's docstring) ----------------
def _numpy(name: str, p, grads, lr, beta1, eps=EPS):
    """One run: p (...), grads (STEPS, ...), scalar lr and beta1."""
    m, v = np.zeros_like(p), np.zeros_like(p)
    for t, g in enumerate(grads, start=1):
        if name == "adam":
            m = beta1 * m + (1 - beta1) * g
            v = ADAM_BETA2 * v + (1 - ADAM_BETA2) * g**2
            p = p - lr * np.sqrt(1 - ADAM_BETA2**t) / (1 - beta1**t) * m / (np.sqrt(v) + eps)
        elif name == "rmsprop":
            v = RMS_RHO * v + (1 - RMS_RHO) * g**2
            m = beta1 * m + lr * g / (np.sqrt(v) + eps)
            p = p - m
        else:
            m = beta1 * m - lr * g
            p = p + m
    return p


def _keras(name: str, p, grads, lr, beta1, epsilon=EPS):
    """One run through the Keras 3 optimiser the module docstring names."""
    optimizer = {
        "adam": lambda: keras.optimizers.Adam(lr, beta_1=beta1, beta_2=KERAS_BETA2,
                                              epsilon=epsilon),
        "rmsprop": lambda: keras.optimizers.RMSprop(lr, rho=RMS_RHO, momentum=beta1,
                                                    epsilon=epsilon),
        "sgd": lambda: keras.optimizers.SGD(lr, momentum=beta1),
    }[name]()
    var = keras.Variable(p, dtype="float64")
    for g in grads:
        optimizer.apply([tf.constant(g, tf.float64)], [var])
    return np.asarray(var.numpy())


def _ours(name: str, p0, grads, lr=LR, beta1=BETA1, **rule_args):
    """Both runs through ``apply`` (per-run lr and beta1), or through the rule itself with
    ``rule_args`` (eps, Adam's beta2)."""
    p = [tf.constant(p0, tf.float64)]
    m = [tf.zeros_like(p[0])]
    v = [tf.zeros_like(p[0])]
    lr, beta1 = tf.constant(lr, tf.float64), tf.constant(beta1, tf.float64)
    for t, g in enumerate(grads, start=1):
        t = tf.constant(float(t), tf.float64)
        if not rule_args:
            p, m, v = apply(name, p, [tf.constant(g)], m, v, t, lr, beta1)
        else:
            shape = [2, 1, 1]
            out = OPTIMIZERS[name](p[0], tf.constant(g), m[0], v[0], t, tf.reshape(lr, shape),
                                   tf.reshape(beta1, shape), **rule_args)
            p, m, v = [out[0]], [out[1]], [out[2]]
    return p[0].numpy()


@pytest.mark.parametrize("name", ["adam", "rmsprop", "sgd"])
def test_matches_the_numpy_reference(name):
    p0, grads = _problem()
    got = _ours(name, p0, grads)
    for r in range(2):
        want = _numpy(name, p0[r], grads[:, r], LR[r], BETA1[r])
        np.testing.assert_allclose(got[r], want, atol=TOL, rtol=0)
    assert np.abs(got - p0).max() > 1e-3  # the weights did move


def test_adam_matches_keras():
    p0, grads = _problem(1)
    got = _ours("adam", p0, grads, KERAS_LR, KERAS_BETA1, eps=EPS, beta2=KERAS_BETA2)
    for r in range(2):
        want = _keras("adam", p0[r], grads[:, r], KERAS_LR[r], KERAS_BETA1[r])
        np.testing.assert_allclose(got[r], want, atol=TOL, rtol=0)


def test_sgd_matches_keras():
    p0, grads = _problem(1)
    got = _ours("sgd", p0, grads, KERAS_LR, KERAS_BETA1)
    for r in range(2):
        want = _keras("sgd", p0[r], grads[:, r], KERAS_LR[r], KERAS_BETA1[r])
        np.testing.assert_allclose(got[r], want, atol=TOL, rtol=0)


def test_rmsprop_matches_keras_but_for_where_epsilon_goes():
    """Keras divides by sqrt(v + eps), ours by sqrt(v) + eps (see the module docstring): with
    eps = 0 the two are one algorithm (rho, momentum, lr inside the momentum buffer); with
    eps = 1e-7 they part where gradients are ~1e-6."""
    p0, grads = _problem(2)
    exact = _ours("rmsprop", p0, grads, KERAS_LR, KERAS_BETA1, eps=0.0)
    ours = _ours("rmsprop", p0, grads, KERAS_LR, KERAS_BETA1)
    for r in range(2):
        np.testing.assert_allclose(exact[r], _keras("rmsprop", p0[r], grads[:, r], KERAS_LR[r],
                                                    KERAS_BETA1[r], epsilon=0.0), atol=TOL, rtol=0)
        keras_eps = _keras("rmsprop", p0[r], grads[:, r], KERAS_LR[r], KERAS_BETA1[r])
        assert np.abs(ours[r] - keras_eps).max() > 1e-3


def test_registry_is_the_fields_choices():
    assert tuple(OPTIMIZERS) == CHOICES["g_optimizer"] == CHOICES["d_optimizer"]
