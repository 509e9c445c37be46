"""The live plot's payload: figure_json must carry exactly the figure's data (as plotly.js
typed arrays, floats as float32) and its layout."""

from __future__ import annotations

import base64
import json

import numpy as np

from ganviz.plots import toy as plots
from ganviz.ui.live_plot import figure_json

RANGE = ((-1.5, 1.5), (-1.5, 1.5))


def _decode(value):
    if isinstance(value, dict) and "bdata" in value:
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        if "shape" in value:
            array = array.reshape([int(n) for n in value["shape"].split(",")])
        return array
    return np.asarray(value)


def test_figure_json_round_trips_every_trace_and_the_layout():
    rng = np.random.default_rng(0)
    grid_x, grid_y = np.linspace(-1.5, 1.5, 6), np.linspace(-1.5, 1.5, 4)
    fig = plots.real_vs_fake(
        rng.normal(size=(30, 2)), rng.normal(size=(40, 2)), RANGE,
        heat=plots.Heatmap(grid_x, grid_y, rng.uniform(size=(4, 6))),
        manifold=rng.normal(size=(3, 3, 2)), arrows=plots.Arrows(rng.normal(size=(40, 2)),
                                                                  rng.normal(size=(40, 2))),
        title="step 7", style=plots.PlotStyle())
    spec = json.loads(figure_json(fig))
    assert [t["name"] for t in spec["data"]] == [t.name for t in fig.data]
    for sent, trace in zip(spec["data"], fig.data):
        for name in ("x", "y", "z"):
            if getattr(trace, name, None) is not None:
                assert sent[name]["dtype"] == "f4"
                np.testing.assert_allclose(_decode(sent[name]),
                                           np.asarray(getattr(trace, name), float),
                                           rtol=1e-6, atol=1e-6)  # NaN breaks survive too
    assert _decode(spec["data"][0]["z"]).shape == (4, 6)
    assert spec["layout"]["title"]["text"] == "step 7"
    assert spec["layout"]["uirevision"] == "keep"  # Plotly.react keeps the user's zoom


def test_live_figure_json_carries_the_heatmap_as_a_picture_and_fixed_axes():
    """The live plot moves points without a full redraw only when the axes have fixed ranges
    and D's heatmap is a layout image (index.html's movable/skeleton)."""
    rng = np.random.default_rng(0)
    grid = np.linspace(-1.5, 1.5, 6)
    fig = plots.real_vs_fake(rng.normal(size=(30, 2)), rng.normal(size=(40, 2)), RANGE,
                             heat=plots.Heatmap(grid, grid, rng.uniform(size=(6, 6))),
                             title="step 7", style=plots.PlotStyle().live())
    spec = json.loads(figure_json(fig))
    assert all(t["type"] == "scatter" for t in spec["data"])
    assert spec["layout"]["images"][0]["source"].startswith("data:image/png;base64,")
    assert spec["layout"]["xaxis"]["range"] == [-1.5, 1.5]
    assert spec["layout"]["yaxis"]["range"] == [-1.5, 1.5]


def test_figure_json_handles_numpy_scalars_and_integer_arrays():
    fig = plots.figure([{"type": "scatter", "x": np.arange(5), "y": np.arange(5.0),
                         "marker": {"size": np.int64(3)}}], {"height": np.int64(200)})
    spec = json.loads(figure_json(fig))
    assert spec["layout"]["height"] == 200 and spec["data"][0]["marker"]["size"] == 3
    assert spec["data"][0]["x"]["dtype"] == "i4"
    np.testing.assert_array_equal(_decode(spec["data"][0]["x"]), np.arange(5))
