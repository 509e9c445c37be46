"""Streamlit pieces of the Batch x Width page: a grid of toy GANs training live.

Per-session state lives in ``st.session_state[STATE_KEY]`` (a ``SweepSession``, a
``LiveSession``): the session's own ``SweepJob``, never shared, released by the janitor once
its browser has gone for good. Training runs as the Toy GAN Lab's does: Play's first refresh
trains here, then the session's LiveTrainer thread trains the grid through the shared fair
gate up to the target, and the ``st.fragment(run_every=...)`` refresh only draws. Widgets have
explicit keys (``sweep_*``) that the AppTest and the browser test use.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import numpy as np
import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from ganviz.live.scheduler import StopReason, train_in_turns
from ganviz.live.sessions import LiveSession
from ganviz.live.sweep_job import SweepJob
from ganviz.plots import sweep as sweep_plots
from ganviz.toy import presets
from ganviz.toy.datasets import dataset_names
from ganviz.toy.metrics import METRIC_LABELS, metric_names
from ganviz.toy.sweep import LOWER_IS_BETTER, SweepConfig, cell_means, default_metric
from ganviz.ui import toy_link
from ganviz.ui.live_session import live_refresh, session_state

STATE_KEY = "sweep_page"
LAB_PAGE = "pages/1_Toy_GAN_Lab.py"
LAB_URL = "/Toy_GAN_Lab"  # the classic pages/ folder's URL of LAB_PAGE
REFRESH_S = 0.5
BATCH_OPTIONS = (8, 16, 32, 64, 128, 256, 512, 1024)
WIDTH_OPTIONS = (2, 4, 8, 16, 32, 64, 128, 256)
DEFAULT_BATCHES = (32, 64, 128, 256)
DEFAULT_WIDTHS = (8, 16, 32, 64)
TARGETS = (500, 1000, 2000, 5000, 10_000, 20_000)
STEPS_PER_REFRESH = (10, 50, 100, 200, 500, 1000)
WIDTH_OF_LABELS = {"g": "Generator", "d": "Discriminator", "both": "Both"}
WIDTH_OF_NAMES = {"g": "the generator", "d": "the discriminator", "both": "both networks"}


@dataclass(eq=False)
class SweepSession(LiveSession):
    """Everything the page keeps for one browser session (plain objects only)."""

    job: SweepJob | None = None
    config: SweepConfig | None = None
    preset: str = ""

    def jobs(self) -> list[SweepJob]:
        return [self.job] if self.job is not None else []

    def drop_models(self) -> None:
        if self.job is not None:
            self.job.release()
        self.job = None


def session() -> SweepSession:
    return session_state(STATE_KEY, SweepSession)


# ---- inputs ----------------------------------------------------------------------------------
def _on_dataset_change() -> None:
    st.session_state["sweep_preset"] = _presets_of(st.session_state["sweep_dataset"])[0]


def _presets_of(dataset: str) -> list[str]:
    names = presets.preset_names(dataset)
    # the asker's setup first on the circle: the grid then shows where it starts to work
    default = presets.default_preset(dataset)
    return sorted(names, key=lambda n: (n != "so-question", n != default, n))


def sidebar() -> tuple[SweepConfig | None, str, dict]:
    """The grid's inputs. Returns (config or None when invalid, preset, page options)."""
    sb = st.sidebar
    datasets = [d for d in dataset_names() if d != "points"]
    dataset = sb.selectbox("Dataset", datasets, index=datasets.index("circle"), key="sweep_dataset",
                           on_change=_on_dataset_change)
    options = _presets_of(dataset)
    if st.session_state.get("sweep_preset") not in options:
        st.session_state["sweep_preset"] = options[0]
    preset = sb.selectbox("Preset (every other field)", options, key="sweep_preset",
                          help=presets.PRESETS[options[0]].description)
    sb.caption(presets.PRESETS[preset].description)
    batches = sb.multiselect("Batch sizes (rows)", BATCH_OPTIONS, default=DEFAULT_BATCHES,
                             key="sweep_batches")
    widths = sb.multiselect("Widths (columns)", WIDTH_OPTIONS, default=DEFAULT_WIDTHS,
                            key="sweep_widths")
    width_of = sb.radio("Width sets", list(WIDTH_OF_LABELS), format_func=WIDTH_OF_LABELS.get,
                        horizontal=True, key="sweep_width_of",
                        help="A network given per-layer widths (so-question: 64,128) is scaled so "
                             "its first layer has this width (16 gives 16,32); a network given "
                             "as layers x units gets this many units.")
    seeds = sb.slider("Seeds per cell", 1, 4, 1, key="sweep_seeds",
                      help="The heatmap shows the mean over seeds; the small plots the first seed.")
    target = sb.select_slider("Train to (steps)", TARGETS, value=2000, key="sweep_target")
    spr = sb.select_slider("Steps per refresh", STEPS_PER_REFRESH, value=100, key="sweep_spr")
    base = presets.config(preset)
    metrics = metric_names(dataset)
    metric = sb.selectbox("Heatmap metric", metrics, index=metrics.index(default_metric(dataset)),
                          format_func=lambda m: METRIC_LABELS.get(m, m), key="sweep_metric")
    page = dict(target=int(target), steps_per_refresh=int(spr), metric=metric)
    if not batches or not widths:
        st.info("Pick at least one batch size and one width.")
        return None, preset, page
    try:
        config = SweepConfig(base, tuple(sorted(batches)), tuple(sorted(widths)), seeds=int(seeds),
                             width_of=width_of, steps=int(target))
    except ValueError as exc:
        st.error(str(exc))
        return None, preset, page
    return config, preset, page


# ---- state -----------------------------------------------------------------------------------
def ensure_sweep(state: SweepSession, config: SweepConfig, preset: str, target: int) -> SweepJob:
    """The session's SweepJob for ``config`` (a new grid starts from step 0; building compiles
    nothing, the first training call does)."""
    if state.job is None or state.config != config:
        state.play.halt()  # the trainer trained the old grid; the next refresh starts one
        state.drop_models()
        state.job = SweepJob(config, target)
        state.config = config
    state.preset = preset
    return state.job


def _compiling(job: SweepJob):
    return st.spinner(f"Compiling {len(job.sweep.stacks)} stacked engine(s) for "
                      f"{len(job.sweep.runs)} runs (first refresh only)...")


def finish_if_due(job: SweepJob) -> None:
    """Final metrics once training has reached the target."""
    if job.finish_due:
        with st.spinner("Final metrics on 2,500 samples per run..."):
            job.finish()


def step_by_hand(state: SweepSession, steps: int, target: int) -> None:
    """The "+N steps" button: train up to ``steps`` more steps through the fair gate (one
    step past the target when already there)."""
    job = state.job
    job.target_steps = max(target, job.step + 1)
    n = min(steps, job.target_steps - job.step)
    if job.compiled:
        train_in_turns([job], n)
    else:
        with _compiling(job):
            train_in_turns([job], n)
    job.refresh()
    finish_if_due(job)


def _on_play(playing: bool) -> None:
    """Train (True) or Pause (False), as the button's label said: a click delivered twice
    cannot undo itself."""
    state = session()
    with state.lock:
        if playing:
            state.play.start()
        else:
            state.play.stop(StopReason.PAUSED)


def _on_reset() -> None:
    state = session()
    with state.lock:
        state.play.stop(StopReason.PAUSED)
        if state.config is not None and state.job is not None:
            target = state.job.target_steps
            state.drop_models()
            state.job = SweepJob(state.config, target)


def transport(state: SweepSession, page: dict) -> None:
    """Play/Pause, one refresh by hand, and reset."""
    state.play.halt_unless(state.jobs())
    playing, job = state.playing, state.job
    cols = st.columns([1, 1, 1, 4])
    cols[0].button("⏸ Pause" if playing else "▶ Train", key="sweep_play", type="primary",
                   on_click=_on_play, args=(not playing,), use_container_width=True,
                   disabled=job is None)
    step = cols[1].button(f"+{page['steps_per_refresh']} steps", key="sweep_step",
                          use_container_width=True, disabled=job is None)
    cols[2].button("Reset", key="sweep_reset", use_container_width=True, on_click=_on_reset,
                   disabled=job is None, help="New weights from the seeds, step 0.")
    if step and job is not None:
        step_by_hand(state, page["steps_per_refresh"], page["target"])


# ---- output ----------------------------------------------------------------------------------
def status_line(state: SweepSession, target: int) -> str:
    job, c = state.job, state.config
    sweep = job.sweep
    n, stacks = len(sweep.runs), len(sweep.stacks)
    text = (f"**Step {job.step:,} of {target:,}** · {n} runs ({len(c.batch_sizes)} batch sizes × "
            f"{len(c.widths)} widths of {WIDTH_OF_NAMES[c.width_of]} × {c.seeds} "
            f"seed{'s' if c.seeds > 1 else ''}) in {stacks} compiled "
            f"stack{'s' if stacks > 1 else ''}")
    if job.step and sweep.seconds:
        text += f" · {n * job.step / sweep.seconds:,.0f} run-steps/s"
    if state.playing and not job.compiled:
        text += " · compiling the stacked engines (first time only)"
    diverged = sum(d is not None for d in (job.snapshot.diverged_at if job.snapshot else ()))
    if diverged:
        text += f" · {diverged} diverged (red frame)"
    return text


def grid_figures(state: SweepSession, metric: str):
    """(small multiples, heatmap, heatmap caption) for the current snapshot or final result."""
    config, job = state.config, state.job
    snap = job.snapshot
    rows, cols = labels(config)
    runs = job.sweep.runs
    first = [i for i, r in enumerate(runs) if r.seed == config.base.seed]
    grid = (len(rows), len(cols))
    fake = np.stack([snap.fake[i] for i in first]).reshape(*grid, *snap.fake.shape[1:])
    failed = np.array([snap.diverged_at[i] is not None for i in first]).reshape(grid)
    ds = job.sweep.dataset
    multiples = sweep_plots.small_multiples(snap.real, fake, ds.display_range, rows, cols,
                                            failed=failed)
    label = METRIC_LABELS.get(metric, metric)
    if job.result is not None and job.result.steps == job.step:
        values = job.result.metric_grid(metric)
        caption = f"Final {label} on 2,500 samples per run at step {job.step:,}."
    else:
        values = cell_means(config, runs, [m.get(metric) for m in job.live_metrics])
        caption = (f"Live {label} on the {snap.fake.shape[1]} plotted points per run (noisier than "
                   "the final value, computed on 2,500 samples at the target).")
    heat = sweep_plots.metric_heatmap(values, [r.split()[1] for r in rows], cols, label,
                                      lower_is_better=metric in LOWER_IS_BETTER)
    return multiples, heat, caption


def live_grid(state: SweepSession, page: dict) -> None:
    """Status, small multiples and heatmap; while playing, each refresh keeps the trainer
    going (``live_refresh``) and draws where it has got to."""

    @st.fragment(run_every=state.play.live_period(REFRESH_S))
    def _live() -> None:
        with state.lock:
            job = state.job
            job.target_steps = page["target"]
            rerun = live_refresh(state, [job], page["steps_per_refresh"], REFRESH_S,
                                 stop_at_target=True, notices={}, compiling=_compiling)
            if not rerun:
                job.refresh(wait=not state.playing)  # playing: never wait for a turn
                finish_if_due(job)
                draw_grid(state, page)
        if rerun:  # the full run sets the fragment's timer (off once paused)
            st.rerun(scope="app")

    _live()


def draw_grid(state: SweepSession, page: dict) -> None:
    st.markdown(status_line(state, page["target"]))
    multiples, heat, caption = grid_figures(state, page["metric"])
    left, right = st.columns([3, 2])
    # fixed size: square cells keep a circle round
    left.plotly_chart(multiples, key="sweep_multiples", theme=None, width="content",
                      config={"displayModeBar": False})
    right.plotly_chart(heat, key="sweep_heatmap", theme=None, config={"displayModeBar": False})
    right.caption(caption)


def labels(config: SweepConfig) -> tuple[list[str], list[str]]:
    c = config
    widths = []
    for w in c.widths:  # the layer widths the column sets, e.g. "16-32" for so-question's G
        cfg = c.cell_config(c.batch_sizes[0], w, c.base.seed)
        net = cfg.d_hidden if c.width_of == "d" else cfg.g_hidden
        widths.append("-".join(map(str, net)))
    return [f"batch {b}" for b in c.batch_sizes], widths


def lab_links(state: SweepSession) -> None:
    """One link per cell: open that config (first seed) in the Toy GAN Lab."""
    config = state.config
    st.subheader("Open a cell in the Toy GAN Lab")
    st.caption("Each link opens the Lab with that cell's batch size and widths (first seed); "
               "train it there alone with every view.")
    rows, cols = labels(config)
    use_page_link = True
    header = st.columns(len(cols) + 1)
    header[0].markdown("**batch \\ width**")
    for j, c in enumerate(cols):
        header[j + 1].markdown(f"**{c}**")
    for b in config.batch_sizes:
        line = st.columns(len(cols) + 1)
        line[0].markdown(f"**{b}**")
        for j, w in enumerate(config.widths):
            cell = config.cell_config(b, w, config.base.seed)
            params = toy_link.encode(cell, state.preset)
            label = f"{b} × {cols[j]}"
            if use_page_link:
                try:
                    line[j + 1].page_link(LAB_PAGE, label=label, icon="↗", query_params=params)
                    continue
                except StreamlitPageNotFoundError:
                    # the page runs alone (no app.py entrypoint, e.g. under AppTest): plain links
                    use_page_link = False
            line[j + 1].markdown(f"[↗ {label}]({LAB_URL}?{urlencode(params)})")


def results_table(state: SweepSession) -> None:
    result = state.job.result if state.job is not None else None
    if result is None:
        return
    with st.expander("All runs (final metrics)"):
        st.dataframe(result.rows(), key="sweep_table", hide_index=True)
        st.download_button("Download CSV", result.to_csv(), "sweep.csv", "text/csv",
                           key="sweep_csv")
