"""The toy GAN's optimisers, written out for the fused training loop: a registry of update rules.

The compiled loop keeps weights and optimiser moments as plain tensors with a leading run
axis (no ``tf.Variable``s, no Keras optimiser objects), so the rules are written out here.
Each entry of ``OPTIMIZERS`` maps one tensor's (p, g, m, v) to its new (p, m, v) given the
step count t (1 on the first update), the learning rate and ``beta1`` (Adam's first-moment
decay; RMSprop's and SGD's momentum). ``apply`` runs a rule over a network's tensors with
per-run learning rates. A new optimiser is one entry here: the ``g_optimizer`` and
``d_optimizer`` fields' choices (``ganviz.toy.fields``) are this table's names.

How they map to Keras 3 (tests/test_toy_optimizers.py checks each on the same gradients):
- adam = ``keras.optimizers.Adam(lr, beta_1=beta1, beta_2=0.999, epsilon=1e-7)``: epsilon
  added to sqrt(v) after the bias correction is folded into the step size ("epsilon hat",
  Kingma & Ba 2015, end of section 2), as Keras does.
- sgd = ``keras.optimizers.SGD(lr, momentum=beta1)``: m = beta1 m - lr g; p += m.
- rmsprop = ``keras.optimizers.RMSprop(lr, rho=0.9, momentum=beta1)`` except where epsilon
  goes: here lr g / (sqrt(v) + eps), as in PyTorch's RMSprop and Adam above; Keras (and TF 1)
  use lr g / sqrt(v + eps). The two agree with eps = 0 and differ only for gradients whose
  running RMS is near sqrt(eps) ~ 3e-4. It is kept as it is because changing it would change
  the results of saved runs and shared links that use rmsprop. The learning rate sits inside
  the momentum buffer, as in Keras.

Importing this module does not import TensorFlow; ``apply`` does.
"""

from __future__ import annotations

from collections.abc import Callable

ADAM_BETA2 = 0.999  # Keras' and Kingma & Ba's default second-moment decay
RMS_RHO = 0.9  # Keras' default (PyTorch's alpha is 0.99)
EPS = 1e-7  # Keras' default epsilon


def adam(p, g, m, v, t, lr, beta1, eps=EPS, beta2=ADAM_BETA2):
    """Adam (Kingma & Ba 2015, algorithm 1 with epsilon hat): m, v the first and second
    moment estimates, bias-corrected through the step size lr sqrt(1 - b2^t) / (1 - b1^t)."""
    import tensorflow as tf

    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * tf.square(g)
    lr_t = lr * tf.sqrt(1 - beta2 ** t) / (1 - beta1 ** t)
    p = p - lr_t * m / (tf.sqrt(v) + eps)
    return p, m, v


def rmsprop(p, g, m, v, t, lr, beta1, eps=EPS):
    """RMSprop (Hinton, Coursera lecture 6e) with momentum beta1: v the running mean of g^2,
    m the momentum buffer of the scaled steps. ``t`` is unused."""
    import tensorflow as tf

    v = RMS_RHO * v + (1 - RMS_RHO) * tf.square(g)
    m = beta1 * m + lr * g / (tf.sqrt(v) + eps)
    p = p - m
    return p, m, v


def sgd(p, g, m, v, t, lr, beta1):
    """Stochastic gradient descent with (heavy-ball) momentum beta1; 0 is plain SGD.
    ``v`` passes through unchanged and ``t`` is unused."""
    m = beta1 * m - lr * g
    p = p + m
    return p, m, v


# The order is the order the optimiser pickers list them in.
OPTIMIZERS: dict[str, Callable] = {"adam": adam, "rmsprop": rmsprop, "sgd": sgd}


def apply(name: str, params: list, grads: list, m: list, v: list, t, lr, beta1):
    """One update of optimiser ``name`` on a network's tensors, each (R, ...) with a leading
    run axis. grads, m, v: like params; t: scalar step count (1 on the first update);
    lr, beta1: (R,) per run. Returns (params, m, v) as new lists."""
    import tensorflow as tf

    rule = OPTIMIZERS[name]
    new_p, new_m, new_v = [], [], []
    for p, g, mi, vi in zip(params, grads, m, v):
        shape = [int(p.shape[0])] + [1] * (len(p.shape) - 1)  # (R,) against (R, ...)
        p, mi, vi = rule(p, g, mi, vi, t, tf.reshape(lr, shape), tf.reshape(beta1, shape))
        new_p.append(p)
        new_m.append(mi)
        new_v.append(vi)
    return new_p, new_m, new_v
