"""ganviz.plots.ndb: figures carry the NDB result's numbers and colour bins by the test."""

import numpy as np
import pytest

from ganviz.eval import ndb
from ganviz.plots import ndb as plots


def blobs(centres, n_per, seed, std=0.05):
    rng = np.random.default_rng(seed)
    return np.concatenate([c + std * rng.standard_normal((n_per, 2)) for c in centres])


CENTRES = np.array([[0, 0], [3, 0], [0, 3], [3, 3]], dtype=float)


@pytest.fixture(scope="module")
def missing_mode():
    """Bins on four equal blobs; the query has lost the blob at (3, 3) and doubled (0, 0)."""
    train = blobs(CENTRES, 300, seed=0)
    query = blobs(CENTRES[[0, 0, 1, 2]], 300, seed=1)
    bins = ndb.fit_bins(train, 4, seed=0)
    result = ndb.evaluate(bins, query, z_threshold=4)
    lost = int(bins.assign(CENTRES[3:4])[0])
    doubled = int(bins.assign(CENTRES[0:1])[0])
    return bins, result, lost, doubled, train, query


def test_bin_status_marks_the_lost_and_the_doubled_mode(missing_mode):
    _, result, lost, doubled, _, _ = missing_mode
    status = plots.bin_status(result)
    assert status[lost] == "under" and status[doubled] == "over"
    assert sorted(status.tolist()) == ["over", "same", "same", "under"]


def test_bin_proportions_draws_the_result(missing_mode):
    _, result, lost, doubled, _, _ = missing_mode
    fig = plots.bin_proportions(result, title="query")
    train_bar, query_bar = fig.data[0], fig.data[1]
    np.testing.assert_allclose(train_bar.y, result.train_proportions)
    np.testing.assert_allclose(train_bar.error_y.array, result.train_se)
    np.testing.assert_allclose(query_bar.y, result.query_proportions)
    colors = list(query_bar.marker.color)
    assert colors[lost] == plots.UNDER_COLOR and colors[doubled] == plots.OVER_COLOR
    assert colors.count(plots.SAME_COLOR) == 2
    assert "NDB/K = 0.50" in fig.layout.title.text and "|z| > 4" in fig.layout.title.text


def test_identical_sets_colour_nothing():
    x = blobs(CENTRES, 200, seed=3)
    result = ndb.evaluate(ndb.fit_bins(x, 4, seed=0), x)
    fig = plots.bin_proportions(result)
    assert set(fig.data[1].marker.color) == {plots.SAME_COLOR}
    assert "NDB/K = 0.00" in fig.layout.title.text


def test_elbow_plot_marks_the_chosen_k_and_refuses_mismatched_arrays():
    fig = plots.elbow_plot([2, 4, 8], np.array([30.0, 10.0, 8.0]), chosen_k=4)
    assert list(fig.data[0].x) == [2, 4, 8] and list(fig.data[0].y) == [30.0, 10.0, 8.0]
    assert fig.layout.shapes[0].x0 == 4
    with pytest.raises(ValueError, match="differ in shape"):
        plots.elbow_plot([2, 4], np.array([1.0, 2.0, 3.0]))


def test_ndb_over_epochs_one_line_per_model_and_js_on_a_second_axis():
    fig = plots.ndb_over_epochs({"a": ([1, 2, 3], [0.9, 0.5, 0.2]), "b": ([1, 2], [1.0, 0.95])},
                                js={"a": [0.5, 0.2, 0.1]})
    names = [t.name for t in fig.data]
    assert names == ["a NDB/K", "a JS", "b NDB/K"]
    assert fig.data[1].yaxis == "y2" and list(fig.data[0].y) == [0.9, 0.5, 0.2]


def test_class_histogram_shows_the_missing_class():
    p = np.array([0.5, 0.5, 0.0])
    fig = plots.class_histogram({"collapsed": p}, ["0", "1", "2"], reference=np.full(3, 1 / 3))
    assert [t.name for t in fig.data] == ["real (reference)", "collapsed"]
    assert list(fig.data[1].y) == [0.5, 0.5, 0.0]
    with pytest.raises(ValueError, match="2 class proportions for 3 classes"):
        plots.class_histogram({"x": np.array([0.5, 0.5])}, ["0", "1", "2"])


def test_toy_bins_tints_cells_by_the_test(missing_mode):
    bins, result, lost, doubled, train, query = missing_mode
    xs, ys = np.linspace(-1, 4, 51), np.linspace(-1, 4, 41)
    cells = ndb.bin_map(bins, xs, ys)
    fig = plots.toy_bins(xs, ys, cells, train, query, result, centers=bins.center_samples())
    code = np.asarray(fig.data[0].z)
    assert code.shape == (41, 51)
    np.testing.assert_array_equal(code[cells == lost], 0.0)      # under: purple end
    np.testing.assert_array_equal(code[cells == doubled], 1.0)   # over: orange end
    assert len(fig.data[-1].text) == 4
    with pytest.raises(ValueError, match="cells must be"):
        plots.toy_bins(xs, ys, cells.T, train, query, result)


def test_to_uint8_images_rounds_and_clips():
    x = np.array([[-3.0, 0.4, 127.5, 254.6, 300.0]])
    np.testing.assert_array_equal(plots.to_uint8_images(x), [[0, 0, 128, 255, 255]])
