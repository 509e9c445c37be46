"""Discriminator rejection sampling (ganviz.toy.drs) with known densities."""

import numpy as np
import pytest

from ganviz.toy.drs import acceptance, rejection_sample


def _normal_logpdf(x, mu, sd):
    return -0.5 * ((x - mu) / sd) ** 2 - np.log(sd)


def test_exact_drs_turns_a_wide_proposal_into_the_target():
    # proposal N(0, 2), target N(1, 0.5): the optimal D logit is log p_data - log p_g
    def draw(k, r):
        return np.random.default_rng([1, r]).normal(0, 2, (k, 1))

    def logit(x):
        return _normal_logpdf(x[:, 0], 1, 0.5) - _normal_logpdf(x[:, 0], 0, 2)

    res = rejection_sample(draw, logit, 20_000, seed=0)
    assert res.filled == 0 and res.samples.shape == (20_000, 1)
    assert abs(res.samples.mean() - 1.0) < 0.02
    assert abs(res.samples.std() - 0.5) < 0.02
    # acceptance of exact rejection sampling is 1 / max ratio = 1 / exp(M)
    assert 0.15 < res.acceptance < 0.35


def test_drs_removes_samples_where_the_data_have_no_mass():
    # proposal: half on a "mode" at 0, half on a "bridge" at 5; D says the bridge is 1e-4 as likely
    def draw(k, r):
        rng = np.random.default_rng([2, r])
        return np.where(rng.random((k, 1)) < 0.5, 0.0, 5.0) + rng.normal(0, 0.1, (k, 1))

    def logit(x):
        return np.where(x[:, 0] < 2.5, 0.0, np.log(1e-4))

    res = rejection_sample(draw, logit, 5_000, seed=3)
    assert (res.samples[:, 0] > 2.5).mean() < 0.002
    assert 0.45 < res.acceptance < 0.55


def test_gamma_percentile_keeps_fewer_and_prefers_high_logits():
    lg = np.linspace(-5, 0, 1001)
    exact = acceptance(lg, 0.0, None)
    shifted = acceptance(lg, 0.0, 95.0)
    assert np.all(np.diff(shifted) >= 0)          # monotone in D's logit
    assert shifted.mean() < exact.mean()          # stricter overall
    assert shifted[-1] > 0.99                     # the most data-like candidate is kept


def test_same_seed_same_samples_and_fill_when_everything_is_rejected():
    draw = lambda k, r: np.random.default_rng([r]).normal(size=(k, 2))  # noqa: E731
    logit = lambda x: -50.0 * np.abs(x[:, 0])  # noqa: E731
    a = rejection_sample(draw, logit, 100, seed=7, pool=1000)
    b = rejection_sample(draw, logit, 100, seed=7, pool=1000)
    np.testing.assert_array_equal(a.samples, b.samples)
    calls = []

    def one_good_candidate(x):  # only the very first candidate is data-like
        calls.append(1)
        lg = np.full(len(x), -np.inf)
        if len(calls) == 1:
            lg[0] = 0.0
        return lg

    never = rejection_sample(draw, one_good_candidate, 10, seed=0, pool=100)
    assert never.samples.shape == (10, 2) and never.filled == 9


def test_n_must_be_positive():
    with pytest.raises(ValueError, match="n must be"):
        rejection_sample(lambda k, r: np.zeros((k, 2)), lambda x: np.zeros(len(x)), 0, seed=0)
