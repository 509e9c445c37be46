"""Where a lone student's time goes on the Toy GAN Lab and the batch x width page, in one
process and one run (no browser, no websocket: benchmarks/classroom_ws.py measures those).

For the default ring8 recipe, the time to 9,000 steps:

1. **engine**: one `ToyTrainer.train(9000)` call, as `python -m ganviz toy` trains;
2. **turns**: a `LiveTrainer` alone, in turns of the shared `FairGate` (turn overhead, the
   speed limit's token bucket);
3. **page**: the same while a page thread does what a playing page's refresh does every
   refresh period: `LabRun.refresh` (snapshot: fake points, D's heatmap grid; GIF frame;
   quality metric), the real-vs-fake figure and its JSON, the charts' JSON every
   CHART_REFRESH_S, the status line. Each part of the refresh is timed.

at the page's default steps per refresh (500, a cap of 2,500 steps/s) and at its maximum
(2,000). Then the same for the batch x width page's default grid (16 runs) against
`Sweep.train`. Bar (issue 21): the page within 1.3x of the engine.

    .venv/bin/python benchmarks/lone_student.py [--steps 9000]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._context import machine_context  # noqa: E402

REFRESH_S = 0.2   # the Toy GAN Lab's refresh period for one playing session


def _timed(parts: dict, name: str, fn):
    t0 = time.perf_counter()
    out = fn()
    parts[name] += time.perf_counter() - t0
    return out


def page_refresh(run, style, parts: dict, n: int) -> None:
    """What ganviz.ui.toy_view does for one live refresh, without Streamlit."""
    from ganviz.ui import toy_view
    from ganviz.ui.live_plot import figure_json

    _timed(parts, "snapshot + frame + quality", run.refresh)
    main = _timed(parts, "real-vs-fake figure", lambda: toy_view.main_figure(
        run, True, False, False, style=style, live=True))
    _timed(parts, "figure JSON", lambda: figure_json(main))
    if n % round(toy_view.CHART_REFRESH_S / REFRESH_S) == 0:
        _timed(parts, "charts + JSON", lambda: [figure_json(f) for f in
                                                toy_view.chart_figures(run, style)])
    _timed(parts, "status line", lambda: toy_view.status_html(run, True))


def live_run(config, steps: int, spr: int, page: bool) -> tuple[float, dict]:
    """Seconds from Play to ``steps`` steps with a LiveTrainer (and a page thread's work)."""
    from ganviz.live.run import LabRun
    from ganviz.live.scheduler import FairGate, LiveTrainer
    from ganviz.plots.toy import PlotStyle

    run = LabRun(config)
    run.train_now(1)  # compiled (the shape's loop is cached per process, as on a warm server)
    parts: dict = defaultdict(float)
    t0 = time.perf_counter()
    trainer = LiveTrainer([run], spr, REFRESH_S, gate=FairGate(slots=1)).start()
    n = 0
    while run.step < steps and time.perf_counter() - t0 < 300:
        r0 = time.perf_counter()
        trainer.seen()
        if page:
            page_refresh(run, PlotStyle(), parts, n)
        n += 1
        time.sleep(max(0.0, REFRESH_S - (time.perf_counter() - r0)))
    seconds = time.perf_counter() - t0
    trainer.stop()
    parts["refreshes"] = n
    return seconds, parts


def toy(steps: int) -> None:
    from ganviz.live.run import LabRun
    from ganviz.toy import presets
    from ganviz.ui.toy_link import DEFAULT_STEPS_PER_REFRESH

    config = presets.config(presets.default_preset("ring8"))
    run = LabRun(config)
    run.train_now(1)
    t0 = time.perf_counter()
    run.trainer.train(steps - 1)
    engine = time.perf_counter() - t0
    print(f"Toy GAN Lab, ring8 default ({config.batch_size} per batch), {steps:,} steps:")
    print(f"  engine (one train call, as the CLI): {engine:6.2f} s  "
          f"{steps / engine:6,.0f} steps/s")
    for spr in (DEFAULT_STEPS_PER_REFRESH, 2000):
        for page in (False, True):
            seconds, parts = live_run(config, steps, spr, page)
            what = "turns + page refreshes" if page else "turns alone"
            verdict = f"  {seconds / engine:.2f}x the engine"
            print(f"  spr {spr:5d}, {what:23s}: {seconds:6.2f} s  {steps / seconds:6,.0f} "
                  f"steps/s{verdict}")
            if page:
                n = parts.pop("refreshes")
                shown = ", ".join(f"{k} {1000 * v / n:.1f}" for k, v in parts.items())
                print(f"      per refresh (ms, {n} refreshes): {shown}")


def sweep(steps: int) -> None:
    from ganviz.live.scheduler import FairGate, LiveTrainer
    from ganviz.live.sweep_job import SweepJob
    from ganviz.toy import presets
    from ganviz.toy.sweep import SweepConfig

    config = SweepConfig(presets.config("so-question"), (32, 64, 128, 256), (8, 16, 32, 64),
                         steps=steps)
    job = SweepJob(config, steps)
    job.train_now(1)
    t0 = time.perf_counter()
    job.sweep.train(steps - 1)
    engine = time.perf_counter() - t0
    job = SweepJob(config, steps)
    job.train_now(1)
    t0 = time.perf_counter()
    trainer = LiveTrainer([job], 1000, 0.5, stop_at_target=True, gate=FairGate(slots=1)).start()
    while job.step < steps and time.perf_counter() - t0 < 300:
        trainer.seen()
        job.refresh(wait=False)
        time.sleep(0.5)
    live = time.perf_counter() - t0
    trainer.stop()
    print(f"Batch x width, so-question 4 x 4 grid, {steps:,} steps: engine {engine:.2f} s, "
          f"live with refreshes {live:.2f} s ({live / engine:.2f}x)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=9000)
    ap.add_argument("--sweep-steps", type=int, default=2000)
    args = ap.parse_args()
    print(machine_context(), flush=True)
    toy(args.steps)
    sweep(args.sweep_steps)


if __name__ == "__main__":
    main()
