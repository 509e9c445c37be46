"""The toy loss registry: each loss on fixed logits against hand-computed values (as TF-GAN's
loss tests do), and the flags the training loop reads."""

from __future__ import annotations

import numpy as np
import pytest

from ganviz.toy.config import CHOICES
from ganviz.toy.losses import LOSSES

tf = pytest.importorskip("tensorflow")

# One run, four packs. With l3 = ln 3: softplus(0) = ln 2, softplus(l3) = ln 4 and
# softplus(-l3) = ln(4/3); softplus(2) = 2.126928, softplus(-2) = 0.126928.
LN2, LN4, LN43 = 0.6931472, 1.3862944, 0.2876821
SP2, SPM2 = 2.1269280, 0.1269280
LOGITS = [[0.0, np.log(3.0), -np.log(3.0), 2.0]]
TARGETS = [[1.0, 1.0, 0.0, 0.9]]  # the last one smoothed


def _eval(fn, *args):
    return fn(*(tf.constant(a, tf.float32) for a in args)).numpy()


def test_cross_entropy_discriminator_on_real_and_fake():
    # t softplus(-l) + (1 - t) softplus(l): ln 2; ln(4/3); ln(4/3); 0.9 x 0.126928 + 0.1 x 2.126928
    want = [[LN2, LN43, LN43, 0.9 * SPM2 + 0.1 * SP2]]
    for name in ("minimax", "non_saturating"):
        loss = LOSSES[name]
        np.testing.assert_allclose(_eval(loss.discriminator_real, LOGITS, TARGETS), want, rtol=1e-6)
        np.testing.assert_allclose(_eval(loss.discriminator_fake, LOGITS, TARGETS), want, rtol=1e-6)


def test_generator_losses():
    # minimax: -softplus(l); non-saturating: softplus(-l); least squares: (l - 1)^2 / 2;
    # Wasserstein and hinge: -l
    cases = {
        "minimax": [-LN2, -LN4, -LN43, -SP2],
        "non_saturating": [LN2, LN43, LN4, SPM2],
        "least_squares": [0.5, 0.5 * (np.log(3.0) - 1) ** 2, 0.5 * (np.log(3.0) + 1) ** 2, 0.5],
        "wasserstein_clip": [0.0, -1.0986123, 1.0986123, -2.0],
        "wasserstein_gp": [0.0, -1.0986123, 1.0986123, -2.0],
        "hinge": [0.0, -1.0986123, 1.0986123, -2.0],
    }
    for name, want in cases.items():
        np.testing.assert_allclose(_eval(LOSSES[name].generator, LOGITS), [want], rtol=1e-6,
                                   atol=1e-7, err_msg=name)


def test_least_squares_discriminator():
    # (l - t)^2 / 2 with l = (0, 1.0986, -1.0986, 2) and t = (1, 1, 0, 0.9)
    want = [[0.5, 0.5 * 0.0986123**2, 0.5 * 1.0986123**2, 0.5 * 1.1**2]]
    loss = LOSSES["least_squares"]
    np.testing.assert_allclose(_eval(loss.discriminator_real, LOGITS, TARGETS), want, rtol=1e-5)
    np.testing.assert_allclose(_eval(loss.discriminator_fake, LOGITS, TARGETS), want, rtol=1e-5)


def test_wasserstein_and_hinge_discriminators_ignore_targets():
    l3 = 1.0986123
    for name in ("wasserstein_clip", "wasserstein_gp"):
        loss = LOSSES[name]
        np.testing.assert_allclose(_eval(loss.discriminator_real, LOGITS), [[0.0, -l3, l3, -2.0]],
                                   rtol=1e-6)
        np.testing.assert_allclose(_eval(loss.discriminator_fake, LOGITS), [[0.0, l3, -l3, 2.0]],
                                   rtol=1e-6)
    hinge = LOSSES["hinge"]
    # max(0, 1 - l) on real: 1, 1 - ln 3 < 0 -> 0, 1 + ln 3, 0; max(0, 1 + l) on fake
    np.testing.assert_allclose(_eval(hinge.discriminator_real, LOGITS), [[1.0, 0.0, 1 + l3, 0.0]],
                               rtol=1e-6)
    np.testing.assert_allclose(_eval(hinge.discriminator_fake, LOGITS), [[1.0, 1 + l3, 0.0, 3.0]],
                               rtol=1e-6)


def test_flags_the_loop_reads():
    assert tuple(LOSSES) == CHOICES["loss"]  # the field's choices are the registry, in order
    labelled = {"minimax", "non_saturating", "least_squares"}
    assert {n for n, x in LOSSES.items() if x.uses_labels} == labelled
    assert {n for n, x in LOSSES.items() if x.probability} == {"minimax", "non_saturating"}
    assert {n for n, x in LOSSES.items() if x.gradient_penalty} == {"wasserstein_gp"}
    assert {n for n, x in LOSSES.items() if x.weight_clip} == {"wasserstein_clip"}
    assert {n: x.threshold for n, x in LOSSES.items() if x.threshold} == {"least_squares": 0.5}
