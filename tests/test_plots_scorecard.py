"""ganviz.plots.scorecard: the Scorecard's figures carry the numbers they are given."""

import numpy as np
import pytest

from ganviz.plots import scorecard as plots


def test_precision_recall_puts_recall_on_x_and_labels_the_baseline():
    fig = plots.precision_recall({"healthy": (0.8, 0.7), "collapsed": (0.9, 0.1)},
                                 {"real vs real (baseline)": (0.75, 0.76)})
    assert [t.name for t in fig.data] == ["healthy", "collapsed", "real vs real (baseline)"]
    assert (fig.data[1].x[0], fig.data[1].y[0]) == (0.1, 0.9)
    assert fig.data[2].marker.symbol == "star"
    assert fig.data[2].text == ("real vs real",)
    assert fig.layout.xaxis.title.text.startswith("recall")
    assert any("mode collapse" in a.text for a in fig.layout.annotations)


def test_fid_kid_vs_n_draws_the_std_band_around_the_mean():
    sizes = [250, 500, 1000]
    fid = [30.0, 20.0, 15.0]
    mean, std = [0.01, 0.011, 0.0105], [0.004, 0.002, 0.001]
    fig = plots.fid_kid_vs_n(sizes, fid, mean, std, baseline_fid=[5.0, 2.5, 1.2],
                             baseline_kid=[0.0, 0.0, 0.0], fid_label="FID-C")
    names = [t.name for t in fig.data]
    assert names == ["FID-C", "KID ± std", "KID", "FID-C, real vs real", "KID, real vs real"]
    band = fig.data[1]
    np.testing.assert_allclose(band.y[:3], np.add(mean, std))
    np.testing.assert_allclose(band.y[3:], np.subtract(mean, std)[::-1])
    assert list(fig.data[0].y) == fid
    assert fig.layout.xaxis.type == "log" and fig.layout.xaxis2.type == "log"


def test_fid_kid_vs_n_refuses_mismatched_lengths():
    with pytest.raises(ValueError, match="one value per sample size"):
        plots.fid_kid_vs_n([250, 500], [1.0], [0.0, 0.0], [0.0, 0.0])
    with pytest.raises(ValueError, match="non-empty"):
        plots.fid_kid_vs_n([], [], [], [])


def test_realism_extremes_known_answer():
    realism = np.array([0.5, 2.0, np.nan, 1.5, 0.1])
    best, worst = plots.realism_extremes(realism, count=2)
    assert best.tolist() == [1, 3]
    assert worst.tolist() == [2, 4]  # NaN counts as the worst
    best, worst = plots.realism_extremes(realism, count=99)
    assert len(best) == len(worst) == 5
    with pytest.raises(ValueError):
        plots.realism_extremes(np.array([]))


def images(n, value):
    return np.full((n, 8, 8, 1), value, np.uint8)


def test_realism_grid_and_memorisation_pairs_are_pictures():
    grid = plots.realism_grid(images(4, 200), np.array([2.0, 1.0, 0.5, 0.1]), columns=4)
    assert grid.mode == "RGB" and grid.width > 4 * 8 * 3
    pairs = plots.memorisation_pairs(images(3, 10), images(3, 250), np.array([0.0, 1.0, 2.0]),
                                     threshold=0.5)
    assert pairs.mode == "RGB"
    assert pairs.height > 2 * 8 * 3  # two rows: generated above nearest training image
    with pytest.raises(ValueError, match="m distances"):
        plots.memorisation_pairs(images(3, 10), images(2, 250), np.zeros(3))
