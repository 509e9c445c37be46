"""The Toy GAN Lab's files: your own data (a CSV upload or points drawn on a canvas, both
becoming the ``points`` dataset), and the exports (GIF, history CSV, config JSON, the saved
model) with loading a saved model back. Uploads are checked at the edge by the library
(``points_from_csv``, ``LabRun.from_zip``); their messages are shown as they are.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from ganviz.live.run import LabRun
from ganviz.live.scheduler import StopReason
from ganviz.toy import presets
from ganviz.toy.canvas import canvas_points
from ganviz.toy.datasets import points_dataset, points_from_csv
from ganviz.ui.toy_config import queue_config, set_widgets_now
from ganviz.ui.toy_lab import PageState, page_state

CANVAS_SIZE = 360
CANVAS_RANGE = ((-1.5, 1.5), (-1.5, 1.5))


# ---- your own data -----------------------------------------------------------------------
def _on_csv() -> None:
    state = page_state()
    upload = st.session_state.get("toy_csv")
    if upload is None:
        return
    with state.lock:
        try:
            points = points_from_csv(upload.getvalue(), source=upload.name)
        except ValueError as exc:
            state.errors.append(str(exc))
            return
        use_points(state, points, upload.name, now=True)


def use_points(state: PageState, points: np.ndarray, source: str, now: bool) -> None:
    """Train on ``points`` from now on (paused): ``now`` from a callback (the widgets show it
    at once), else from the next run."""
    state.points, state.points_source = points, source
    config = presets.config("points-default")
    if now:
        set_widgets_now(config, "points-default")
    else:
        queue_config(state, config, "points-default")
    state.play.stop(StopReason.PAUSED)
    state.notices.append(f"Training on {len(points):,} points from {source}.")


def own_data(state: PageState) -> None:
    """Upload a CSV or draw points; both become the ``points`` dataset."""
    expanded = st.session_state.get("toy_dataset") == "points"
    with st.expander("Your own data: upload a CSV or draw points", expanded=expanded):
        left, right = st.columns(2)
        with left:
            st.file_uploader("CSV of x,y rows (a header row is fine)", type=["csv", "txt"],
                             key="toy_csv", on_change=_on_csv)
            if state.points is not None:
                st.caption(f"Loaded: {len(state.points):,} points from {state.points_source}.")
        with right:
            drawn = draw_points()
            accepted = (st.button("Train on my drawing", key="toy_use_drawing")
                        and _use_drawing(state, drawn))
    if accepted:  # the sidebar's widgets already exist: show the points' config from a new run
        st.rerun()


def _use_drawing(state: PageState, drawn: np.ndarray) -> bool:
    """Train on the drawing if it is usable (else say why). Returns True when accepted."""
    try:
        points_dataset(drawn, source="Your drawing")  # finite, at least 10 points
    except ValueError as exc:
        st.error(f"{exc}. Click more points or draw longer strokes.")
        return False
    use_points(state, drawn, "your drawing", now=False)
    return True


def draw_points() -> np.ndarray:
    """The drawing canvas (streamlit-drawable-canvas): click points or draw strokes."""
    tool = st.radio("Drawing tool", ["point", "freedraw"], horizontal=True, key="toy_canvas_tool",
                    format_func={"point": "click points", "freedraw": "draw strokes"}.get)
    try:
        from streamlit_drawable_canvas import st_canvas

        result = st_canvas(stroke_width=3, stroke_color="#d62d20", fill_color="#d62d20",
                           background_color="#f4f6fa", height=CANVAS_SIZE, width=CANVAS_SIZE,
                           drawing_mode=tool, point_display_radius=4, key="toy_canvas")
        data = getattr(result, "json_data", None)
    except Exception as exc:  # a broken third-party component must not break the page
        st.warning(f"The drawing canvas is unavailable here ({type(exc).__name__}); "
                   "upload a CSV instead.")
        data = None
    points = canvas_points(data, CANVAS_SIZE, CANVAS_SIZE, CANVAS_RANGE)
    st.caption(f"{len(points):,} points drawn (x and y from -1.5 to 1.5).")
    return points


# ---- export and load ---------------------------------------------------------------------
def _on_model_upload() -> None:
    state = page_state()
    upload = st.session_state.get("toy_model_upload")
    if upload is None:
        return
    with state.lock:
        try:
            run = LabRun.from_zip(upload.getvalue())
        except ValueError as exc:
            state.errors.append(f"{upload.name}: {exc}")
            return
        state.play.stop(StopReason.PAUSED)
        state.run = run
        state.points = run.trainer.points
        state.points_source = upload.name if state.points is not None else ""
        set_widgets_now(run.config, presets.default_preset(run.config.dataset))
        state.notices.append(f"Loaded {upload.name}: step {run.step:,}.")


def exports(run: LabRun | None) -> None:
    """GIF, history CSV, config JSON and the saved model; and loading a saved model back."""
    with st.expander("Export and load", expanded=False):
        if run is not None:
            cols = st.columns(4)
            downloads = (
                ("GIF of training", run.gif, "toy_gan_training.gif", "image/gif", "toy_dl_gif"),
                ("History (CSV)", run.history_csv, "toy_gan_history.csv", "text/csv",
                 "toy_dl_csv"),
                ("Config (JSON)", run.config.to_json(), "toy_gan_config.json",
                 "application/json", "toy_dl_json"),
                ("Model (zip)", run.model_zip, "toy_gan_model.zip", "application/zip",
                 "toy_dl_model"),
            )
            for col, (label, data, name, mime, key) in zip(cols, downloads):
                col.download_button(label, data, name, mime, key=key, on_click="ignore",
                                    use_container_width=True)
        st.file_uploader("Load a saved model (.zip from 'Model (zip)')", type=["zip"],
                         key="toy_model_upload", on_change=_on_model_upload)
