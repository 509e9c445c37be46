"""Pure plot functions of the Toy GAN Lab: arrays in, Plotly figures out."""

from __future__ import annotations

import numpy as np
import pytest

from ganviz.plots import toy as plots

RANGE = ((-1.5, 1.5), (-1.5, 1.5))


def _points(n=64, seed=0):
    return np.random.default_rng(seed).normal(size=(n, 2))


def _trace(fig, name):
    found = [t for t in fig.data if t.name == name]
    assert len(found) == 1, f"{name}: {[t.name for t in fig.data]}"
    return found[0]


def test_real_vs_fake_points_only():
    real, fake = _points(50, 0), _points(40, 1)
    fig = plots.real_vs_fake(real, fake, RANGE, title="step 3")
    assert [t.name for t in fig.data] == ["real", "fake"]
    np.testing.assert_allclose(_trace(fig, "fake").x, fake[:, 0])
    np.testing.assert_allclose(_trace(fig, "real").y, real[:, 1])
    assert fig.layout.title.text == "step 3"
    assert tuple(fig.layout.xaxis.range) == (-1.5, 1.5)
    assert fig.layout.yaxis.scaleanchor == "x"  # equal aspect: a circle looks round


def test_real_vs_fake_toggles_add_heatmap_manifold_and_arrows():
    real, fake = _points(), _points(seed=1)
    gx, gy = np.linspace(-1.5, 1.5, 5), np.linspace(-1, 1, 4)
    z = np.random.default_rng(2).uniform(size=(4, 5))
    manifold = np.random.default_rng(3).normal(size=(6, 6, 2))
    fig = plots.real_vs_fake(real, fake, RANGE, heat=plots.Heatmap(gx, gy, z),
                             manifold=manifold, arrows=plots.Arrows(fake, fake * 0.1))
    names = [t.name for t in fig.data]
    assert names == ["D", "real", "G's manifold", "fake", "D's gradient"]
    heat = _trace(fig, "D")
    assert (heat.zmin, heat.zmid, heat.zmax) == (0.0, 0.5, 1.0)
    # 6 rows + 6 columns of the warped grid, each followed by a NaN break
    man = _trace(fig, "G's manifold")
    assert np.isnan(np.asarray(man.x, float)).sum() == 12


def test_raw_score_heatmap_is_centred_on_mid():
    z = np.array([[-3.0, 1.0], [0.5, 2.0]])
    fig = plots.real_vs_fake(_points(), _points(seed=1), RANGE,
                             heat=plots.Heatmap(np.arange(2.0), np.arange(2.0), z, False, 0.0))
    heat = _trace(fig, "D")
    assert (heat.zmin, heat.zmid, heat.zmax) == (-3.0, 0.0, 3.0)


def test_heatmap_shape_is_checked():
    with pytest.raises(ValueError, match="heatmap z must be"):
        plots.real_vs_fake(_points(), _points(), RANGE,
                           heat=plots.Heatmap(np.arange(3.0), np.arange(2.0), np.zeros((3, 2))))


def test_non_finite_fake_points_are_dropped():
    fake = _points(10)
    fake[3] = np.nan
    fake[7, 1] = np.inf
    fig = plots.real_vs_fake(_points(), fake, RANGE)
    assert len(_trace(fig, "fake").x) == 8


def test_manifold_lines_for_2d_and_1d_latents():
    assert len(plots.manifold_lines(np.zeros((5, 5, 2)))) == 10
    one = plots.manifold_lines(np.zeros((7, 1, 2)))
    assert len(one) == 1 and one[0].shape == (7, 2)
    with pytest.raises(ValueError):
        plots.manifold_lines(np.zeros((5, 2)))


def test_arrows_are_scaled_to_a_fraction_of_the_view():
    points = np.zeros((3, 2))
    vectors = np.array([[1.0, 0.0], [0.0, 10.0], [0.0, 0.0]])
    segs = plots.arrow_segments(plots.Arrows(points, vectors), RANGE, length=0.1)
    lengths = [np.linalg.norm(s[1] - s[0]) for s in segs]
    # the longest arrow is 0.1 x the width (3.0); the others keep their proportion
    np.testing.assert_allclose(lengths, [0.03, 0.3, 0.0], atol=1e-12)
    many = plots.arrow_segments(plots.Arrows(_points(500), _points(500, 1)), RANGE, max_arrows=50)
    assert len(many) == 50
    assert plots.arrow_segments(plots.Arrows(points, np.zeros((3, 2))), RANGE) == []


def test_downsample_bin_means_known_answer():
    steps = np.arange(10)
    values = np.arange(10, dtype=float)
    x, y = plots.downsample(steps, values, max_points=5)
    np.testing.assert_allclose(y, [0.5, 2.5, 4.5, 6.5, 8.5])
    np.testing.assert_allclose(x, [0.5, 2.5, 4.5, 6.5, 8.5])
    values[2] = np.nan  # NaNs are skipped within a bin
    _, y = plots.downsample(steps, values, max_points=5)
    assert y[1] == 3.0
    x, y = plots.downsample(steps[:4], values[:4], max_points=5)  # short series unchanged
    assert len(x) == 4


def _history(n=1000):
    rng = np.random.default_rng(0)
    names = ("d_loss", "d_loss_real", "d_loss_fake", "g_loss", "d_accuracy_real",
             "d_accuracy_fake", "d_grad_norm", "g_grad_norm")
    return np.arange(n), {k: rng.uniform(size=n) for k in names}


def test_loss_and_accuracy_charts():
    steps, values = _history()
    loss = plots.loss_chart(steps, values)
    assert [t.name for t in loss.data] == ["D loss (real)", "D loss (fake)", "G loss"]
    assert all(len(t.x) <= 400 for t in loss.data)
    acc = plots.accuracy_chart(steps, values)
    assert [t.name for t in acc.data] == ["D accuracy on real", "D accuracy on fake"]
    assert acc.layout.shapes[0].y0 == 0.5  # chance line
    assert tuple(acc.layout.yaxis.range) == (-0.02, 1.02)


def test_quality_chart_per_dataset_kind():
    steps = np.arange(5.0)
    modes = plots.quality_chart(steps, {"modes": np.arange(5.0), "high_quality": np.full(5, 0.5)},
                                n_modes=8)
    assert [t.name for t in modes.data] == ["high-quality fraction", "modes captured (of 8)"]
    assert modes.data[1].yaxis == "y2"
    circle = plots.quality_chart(steps, {"radial_error": np.ones(5), "angular_coverage": np.ones(5),
                                         "angular_tv": np.ones(5)})
    assert [t.name for t in circle.data] == ["radial error", "angle TV from uniform"]
    other = plots.quality_chart(steps, {"energy_distance": np.ones(5)})
    assert [t.name for t in other.data] == ["energy distance"]


def test_projector_style_is_bigger_and_bolder():
    normal, big = plots.PlotStyle(), plots.PlotStyle.projector()
    assert big.font_size > normal.font_size and big.marker_size > normal.marker_size
    assert big.line_width > normal.line_width and big.height > normal.height
    fig = plots.real_vs_fake(_points(), _points(seed=1), RANGE, style=big)
    assert fig.layout.font.size == big.font_size
    assert _trace(fig, "fake").marker.size == big.marker_size


def test_every_figure_is_valid_plotly():
    """The figures are built without Plotly's validation (for speed); Plotly's validator must
    accept every kind of them."""
    import plotly.graph_objects as go

    steps, values = _history(50)
    gx = np.linspace(-1.5, 1.5, 5)
    figs = [
        plots.real_vs_fake(_points(), _points(seed=1), RANGE, heat=plots.Heatmap(gx, gx, np.eye(5)),
                           manifold=np.zeros((3, 3, 2)),
                           arrows=plots.Arrows(_points(), _points(seed=2)),
                           title="t", style=plots.PlotStyle().live()),
        plots.real_vs_fake(_points(), _points(seed=1), RANGE, style=plots.PlotStyle.projector(),
                           heat=plots.Heatmap(gx, gx, np.eye(5) - 0.5, False, 0.0)),
        plots.loss_chart(steps, values), plots.accuracy_chart(steps, values),
        plots.quality_chart(steps[:5], {"modes": np.arange(5.0), "high_quality": np.ones(5)},
                            n_modes=8),
        plots.quality_chart(steps[:5], {"energy_distance": np.ones(5)}),
    ]
    for fig in figs:
        go.Figure(fig.to_dict())  # raises ValueError on any invalid property


def test_heat_rgba_maps_the_colour_stops_and_puts_the_top_row_first():
    scale = [[0.0, "#000000"], [0.5, "#808080"], [1.0, "#ff0000"]]
    z = np.array([[0.0, 0.25], [1.0, np.nan]])  # rows follow y upwards
    rgba = plots.heat_rgba(z, 0.0, 1.0, scale)
    assert rgba.shape == (2, 2, 4) and rgba.dtype == np.uint8
    assert rgba[0, 0].tolist() == [255, 0, 0, 255]  # top row is z's last row: z = 1
    assert rgba[0, 1, 3] == 0  # NaN: transparent
    assert rgba[1, 0].tolist() == [0, 0, 0, 255]
    assert rgba[1, 1].tolist() == [64, 64, 64, 255]  # halfway to the middle stop
    np.testing.assert_array_equal(plots.heat_rgba(np.array([[-5.0, 9.0]]), 0, 1, scale)[0, :, 0],
                                  [0, 255])


def test_live_heatmap_image_covers_the_cells_a_heatmap_trace_would():
    """The picture spans the grid's outer cell edges and decodes to heat_rgba's pixels."""
    import base64
    import io

    from PIL import Image

    gx, gy = np.linspace(-1.0, 1.0, 5), np.linspace(0.0, 2.0, 3)
    z = np.arange(15.0).reshape(3, 5) / 14
    fig = plots.real_vs_fake(_points(), _points(seed=1), RANGE, heat=plots.Heatmap(gx, gy, z),
                             style=plots.PlotStyle().live())
    im = fig.layout.images[0]
    assert (im.x, im.y, im.sizex, im.sizey) == (-1.25, 2.5, 2.5, 3.0)
    assert (im.xref, im.yref, im.layer, im.sizing) == ("x", "y", "below", "stretch")
    png = base64.b64decode(im.source.split(",", 1)[1])
    pixels = np.asarray(Image.open(io.BytesIO(png)))
    np.testing.assert_array_equal(pixels,
                                  plots.heat_rgba(z, 0.0, 1.0, plots.PlotStyle().heat_scale))
    assert not any(t.type == "heatmap" for t in fig.data)
    bar = _trace(fig, "D")
    assert bar.marker.showscale and (bar.marker.cmin, bar.marker.cmax) == (0.0, 1.0)
