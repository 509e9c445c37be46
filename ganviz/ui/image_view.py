"""The Train an image GAN page's live view (the fixed-noise grid, the charts, the diagnosis)
and its outputs (the GIF, saving a checkpoint and opening it on the latent page).

While playing, the view is a ``st.fragment(run_every=...)`` that refreshes at least once a
second (REFRESH_S, longer only when many sessions play: ``refresh_period``): each refresh keeps
the session's trainer going (``live_refresh``), then draws where it has got to. The charts
redraw in place while playing (``live_plot``) and are full Plotly charts while paused.
"""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from ganviz.image.pixels import image_grid, png_bytes
from ganviz.live.image_job import ImageJob
from ganviz.live.image_metrics import METRIC_LABELS
from ganviz.live.scheduler import StopReason
from ganviz.plots import live_image as plots
from ganviz.ui.image_train import ImageSession, compiling
from ganviz.ui.live_plot import figure_json, live_plotly_specs
from ganviz.ui.live_session import live_refresh

REFRESH_S = 0.5
GRID_PIXELS = 560        # the grid's drawn width: clear from the back of a classroom
LATENT_PAGE = "pages/3_Latent_Interpolation.py"
LATENT_URL = "/Latent_Interpolation"
NOTICES = {StopReason.DIVERGED: "Training diverged (NaN): paused with the last good weights.",
           StopReason.DISCONNECTED: "Training stopped: the browser had gone."}
PLOT_CONFIG = {"displayModeBar": False}


def status_line(state: ImageSession, job: ImageJob) -> str:
    text = (f"**Step {job.step:,}** · epoch {job.epoch:.1f} · {job.config.model} on "
            f"{job.dataset.name} ({len(job.images):,} training images "
            f"{'×'.join(map(str, job.arch.image_shape))})")
    rate = state.meter.rate
    if state.playing and rate:
        text += f" · {rate:,.0f} steps/s ({rate * job.config.batch_size:,.0f} images/s)"
    if job.diverged:
        text += f" · **diverged at step {job.diverged_at:,}**, showing step {job.step:,}"
    return text


def grid_png(job: ImageJob) -> bytes:
    images = job.grid()
    scale = max(1, GRID_PIXELS // (10 * images.shape[1]))
    return png_bytes(image_grid(images, 10, scale=scale))


def figures(job: ImageJob) -> list:
    steps, values = job.stats.arrays()
    qsteps, qvalues = job.quick.arrays()
    return [plots.training_figure(steps, values, job.wasserstein),
            plots.quick_figure(qsteps, qvalues, METRIC_LABELS)]


def draw(state: ImageSession, job: ImageJob) -> None:
    state.meter.mark(job.step)
    st.markdown(status_line(state, job))
    left, right = st.columns([1, 1.25])
    left.image(grid_png(job), caption="The same 100 noise vectors every frame"
               + (" (one row per class)" if job.arch.conditional else ""))
    figs = figures(job)
    with right:
        if state.playing:
            live_plotly_specs([figure_json(f) for f in figs], "img_charts", PLOT_CONFIG)
        else:
            for i, fig in enumerate(figs):
                st.plotly_chart(fig, key=f"img_chart_{i}", theme=None, config=PLOT_CONFIG)
    for text in job.warnings():
        st.warning(text)


def live_view(state: ImageSession, steps_per_refresh: int) -> None:
    """Status, grid, charts and warnings; while playing each refresh trains on."""

    @st.fragment(run_every=state.play.live_period(REFRESH_S))
    def _live() -> None:
        with state.lock:
            job = state.job
            if job is None:
                return
            rerun = live_refresh(state, [job], steps_per_refresh, REFRESH_S,
                                 stop_at_target=False, notices=NOTICES, compiling=compiling)
            if not rerun:
                draw(state, job)
        if rerun:  # the full run sets the fragment's timer (off once paused)
            st.rerun(scope="app")

    _live()


# ---- outputs ---------------------------------------------------------------------------------
def gif_download(state: ImageSession) -> None:
    job = state.job
    left, right = st.columns([1, 3])
    if left.button("Make a GIF of the grid's history", key="img_make_gif"):
        with st.spinner("Drawing the frames…"):
            state.gif = (job.step, job.gif())
    if state.gif is not None:
        step, gif = state.gif
        right.download_button(f"Download the GIF (to step {step:,})", gif,
                              f"ganviz_{job.config.model}_step{step}.gif", "image/gif",
                              key="img_gif")


def _default_name(job: ImageJob) -> str:
    dataset = job.dataset.name.split(":")[0].replace(".", "_")
    return f"live_{dataset}_{job.config.model}_{job.step}".replace("-", "_")


def save_checkpoint(state: ImageSession) -> None:
    """Save the generator as a checkpoint the other pages list, then link to the latent page."""
    job = state.job
    st.subheader("Save as a checkpoint")
    cols = st.columns([2, 1])
    name = cols[0].text_input("Checkpoint name", value=_default_name(job), key="img_ckpt_name",
                              help="Letters, digits, '_' or '-'. Saved in the checkpoints "
                                   "folder, where every image page lists it.")
    if cols[1].button("Save checkpoint", key="img_save", use_container_width=True):
        try:
            with st.spinner("Saving…"):
                path = job.save(name.strip())
            state.saved = path.name
        except (ValueError, OSError) as exc:
            st.error(f"Not saved: {exc}")
    if state.saved:
        st.success(f"Saved **{state.saved}**: every image page lists it now.")
        open_in_latent_page(state.saved)


def open_in_latent_page(name: str) -> None:
    params = {"checkpoint": name}
    try:
        st.page_link(LATENT_PAGE, label="Open in latent interpolation", icon="↗",
                     query_params=params)
    except StreamlitPageNotFoundError:  # the page runs alone (AppTest): a plain link
        st.markdown(f"[↗ Open in latent interpolation]({LATENT_URL}?{urlencode(params)})")
