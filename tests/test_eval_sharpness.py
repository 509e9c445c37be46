"""ganviz.eval.sharpness: the variance of the Laplacian against hand-computed values, blur
lowering it, and bad input refused at the edge."""

from __future__ import annotations

import re

import numpy as np
import pytest
from scipy import ndimage

from ganviz.eval.sharpness import grey, laplacian_variance, sharpness


def test_a_constant_image_scores_zero():
    for image in (np.full((2, 5, 7, 1), 128, np.uint8), np.full((1, 4, 4, 3), 0.3)):
        np.testing.assert_allclose(laplacian_variance(image), 0.0, atol=1e-15)


def test_hand_computed_single_bright_pixel():
    # a 3x3 image, 1 at the centre: with reflected edges the Laplacian is the kernel itself,
    # [[0, 1, 0], [1, -4, 1], [0, 1, 0]]: mean 0, variance (4 * 1 + 16) / 9 = 20 / 9
    image = np.zeros((1, 3, 3, 1))
    image[0, 1, 1, 0] = 1.0
    np.testing.assert_allclose(laplacian_variance(image), [20 / 9])
    as_uint8 = (image * 255).astype(np.uint8)
    np.testing.assert_allclose(laplacian_variance(as_uint8), [20 / 9])


def test_hand_computed_vertical_edge():
    # columns 0 0 1 1 (4x4): the Laplacian is +1 in column 1 and -1 in column 2 (rows and the
    # reflected border add nothing), so its mean is 0 and its variance 8 / 16 = 0.5
    image = np.zeros((1, 4, 4, 1))
    image[0, :, 2:, 0] = 1.0
    np.testing.assert_allclose(laplacian_variance(image), [0.5])


def test_rgb_uses_bt601_luma():
    rgb = np.zeros((1, 3, 3, 3))
    rgb[0, 1, 1] = (1.0, 0.0, 0.0)  # luma 0.299 at the centre
    np.testing.assert_allclose(grey(rgb)[0, 1, 1], 0.299)
    np.testing.assert_allclose(laplacian_variance(rgb), [20 / 9 * 0.299**2])


def test_blur_lowers_it_and_each_image_is_scored_on_its_own():
    rng = np.random.default_rng(0)
    sharp = rng.random((3, 28, 28, 1))
    blurred = ndimage.gaussian_filter(sharp, sigma=(0, 1.5, 1.5, 0))
    assert (laplacian_variance(blurred) < 0.2 * laplacian_variance(sharp)).all()
    stacked = laplacian_variance(np.concatenate([sharp, blurred]))
    np.testing.assert_allclose(stacked[:3], laplacian_variance(sharp))
    np.testing.assert_allclose(stacked[1], laplacian_variance(sharp[1:2])[0])


def test_summary_mean_median_and_read_only():
    image = np.zeros((3, 3, 3, 1))
    image[0, 1, 1, 0] = 1.0
    image[1, :, 2:, 0] = 1.0
    s = sharpness(image)
    assert len(s) == 3
    assert s.mean == pytest.approx((20 / 9 + laplacian_variance(image[1:2])[0]) / 3)
    assert s.median == pytest.approx(laplacian_variance(image[1:2])[0])
    with pytest.raises(ValueError):
        s.per_image[0] = 1.0


@pytest.mark.parametrize("images, message", [
    (np.zeros((28, 28)), "(n, H, W, C)"),
    (np.zeros((2, 28, 28)), "(n, H, W, C)"),
    (np.zeros((2, 28, 28, 2)), "C 1 or 3"),
    (np.zeros((0, 28, 28, 1)), "at least one"),
    (np.full((1, 4, 4, 1), np.nan), "NaN"),
    (np.full((1, 4, 4, 1), np.inf), "NaN or inf"),
    (np.full((1, 4, 4, 1), 2.0), "[0, 1]"),
    (np.full((1, 4, 4, 1), -1.0), "[0, 1]"),
    (np.zeros((1, 4, 4, 1), np.int32), "uint8 or float"),
])
def test_bad_input_is_refused_with_a_message(images, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        laplacian_variance(images)
