"""Plotly figures that redraw in place while training plays (a small Streamlit component).

``st.plotly_chart`` hashes the figure's JSON into the element's id, and the browser keys the
chart by that id: every new figure unmounts the chart and builds it from scratch (Plotly's
newPlot, about twice the work of Plotly.react, and any zoom or hover is lost). This component
keeps one iframe per ``key``, holding a stack of figures, and calls ``Plotly.react`` in it: the
figures' ``uirevision`` holds the user's view between frames, and a browser that falls behind
skips frames instead of queueing them. When only the points, the title and layout pictures
changed in a figure with fixed axis ranges (the live real-vs-fake plot, whose heatmap is a
picture: ``PlotStyle.live``), it moves the points with ``Plotly.animate`` (no redraw) and swaps
title and picture with ``Plotly.relayout``: about half the browser time of a full redraw
(benchmarks/live_plot_frames.py measures both).

Plotly.js is the copy that ships inside the plotly Python package (``package_data``, what
``plotly.offline`` uses), served by a second, file-only component: nothing is downloaded or
copied. The page uses ``st.plotly_chart`` while paused (full detail, Streamlit's toolbar) and
this while playing.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import numpy as np

FRONTEND = Path(__file__).resolve().parent / "live_plot_frontend"


def _live_plot():
    """Declare (register with this server's runtime) the two components: cheap and idempotent,
    so it happens on every call rather than at import time."""
    import plotly
    import streamlit.components.v1 as components

    # index.html loads ../ganviz.ui.live_plot.plotly_js/plotly.min.js: the name below
    plotly_js = Path(plotly.__file__).parent / "package_data"
    components.declare_component("plotly_js", path=str(plotly_js))
    return components.declare_component("live_plot", path=str(FRONTEND))


_TYPED = {"f": "f4", "i": "i4", "u": "u4", "b": "u1"}  # numpy kind -> plotly.js typed array


def _plotly_value(value):
    """json.dumps fallback: numpy arrays as plotly.js typed arrays (base64; floats as float32,
    half the bytes of float64, and 7 significant digits are more than a screen shows)."""
    if isinstance(value, np.ndarray):
        kind = value.dtype.kind
        if kind not in _TYPED or (kind in "iu" and value.size and np.abs(value).max() >= 2**31):
            return value.tolist()
        array = np.ascontiguousarray(value, dtype=_TYPED[kind])
        spec = {"dtype": _TYPED[kind], "bdata": base64.b64encode(array.tobytes()).decode("ascii")}
        if array.ndim > 1:
            spec["shape"] = ",".join(str(n) for n in array.shape)
        return spec
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def figure_json(fig) -> str:
    """``fig`` as Plotly JSON for the live plot. Direct json.dumps of the traces and layout,
    several times faster than plotly.io.to_json (which rebuilds the figure first), and the
    live view serialises several figures a second for every open session."""
    spec = {"data": [trace.to_plotly_json() for trace in fig.data],
            "layout": fig.layout.to_plotly_json()}
    return json.dumps(spec, default=_plotly_value, separators=(",", ":"))


def live_plotly_charts(figs: list, key: str, config: dict[str, Any] | None = None, *,
                       columns: list[list[int]] | None = None,
                       widths: list[float] | None = None) -> None:
    """Draw ``figs`` in the live-plot component ``key``; later calls with the same key redraw
    them in place. ``columns``: figure indices per column, left to right (default: one column,
    top to bottom); ``widths``: the columns' relative widths."""
    live_plotly_specs([figure_json(f) for f in figs], key, config, columns=columns, widths=widths)


def live_plotly_specs(specs: list[str], key: str, config: dict[str, Any] | None = None, *,
                      columns: list[list[int]] | None = None,
                      widths: list[float] | None = None) -> None:
    """As live_plotly_charts, from figure_json() strings. A figure whose string is the same as
    last time is not redrawn (reuse the strings of figures that did not change)."""
    if columns is not None:
        if sorted(i for col in columns for i in col) != list(range(len(specs))):
            raise ValueError(f"columns must place each of the {len(specs)} figures once, "
                             f"got {columns}")
        if widths is not None and len(widths) != len(columns):
            raise ValueError(f"widths needs one weight per column: {len(columns)}, "
                             f"got {len(widths)}")
    _live_plot()(specs=list(specs), config=config or {}, columns=columns, widths=widths, key=key,
                 default=None)
