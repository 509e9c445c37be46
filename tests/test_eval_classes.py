"""ganviz.eval.classes: class histograms, KL and missing / thin classes, known answers."""

import math

import numpy as np
import pytest

from ganviz.eval.classes import class_coverage, class_histogram, kl_divergence


def test_histogram_counts_every_class_and_sums_to_one():
    np.testing.assert_allclose(class_histogram(np.array([0, 2, 2, 3]), 4), [0.25, 0, 0.5, 0.25])
    np.testing.assert_array_equal(class_histogram(np.array([], np.int64), 3), [0, 0, 0])


def test_kl_known_answers():
    assert kl_divergence([0.5, 0.5], [0.5, 0.5]) == 0.0
    # KL([1, 0] || [0.5, 0.5]) = 1 * log(1 / 0.5)
    assert math.isclose(kl_divergence([1, 0], [0.5, 0.5]), math.log(2))
    # a class the generator never makes: large but finite (q floored at 1e-10)
    expected = 0.5 * math.log(0.5 / 1) + 0.5 * math.log(0.5 / 1e-10)
    assert math.isclose(kl_divergence([0.5, 0.5], [1, 0]), expected)


def test_coverage_names_missing_and_thin_classes():
    """The docstring's example: 4 classes, fifteen 0s and one 1: classes 2 and 3 missing,
    class 1 thin (1/16 < half of 1/4), class 0 fine."""
    cov = class_coverage(np.array([0] * 15 + [1]), 4)
    np.testing.assert_allclose(cov.histogram, [15 / 16, 1 / 16, 0, 0])
    assert cov.missing == (2, 3) and cov.thin == (1,)
    assert not cov.histogram.flags.writeable
    balanced = class_coverage(np.arange(40) % 4, 4)
    assert balanced.missing == () and balanced.thin == ()
    # exactly half the uniform share is not thin (strictly under)
    assert class_coverage(np.array([0, 0, 0, 1, 1, 1, 2, 3]), 4).thin == ()


def test_coverage_refuses_labels_outside_the_classes():
    with pytest.raises(ValueError, match=r"predicted classes must be in \[0, 3\), got \[0, 3\]"):
        class_coverage(np.array([0, 3]), 3)
    with pytest.raises(ValueError, match="num_classes must be at least 1"):
        class_coverage(np.array([0]), 0)
