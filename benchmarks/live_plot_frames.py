"""Browser time per frame of the Toy GAN Lab's live real-vs-fake plot, its two ways of redrawing.

Trains the bench config (``ganviz.toy.presets.BENCH``) and keeps a figure every 50 steps, as
the page draws it while playing, in two styles:

- ``live``: ``PlotStyle.live()``, D's heatmap a layout picture: the live-plot component moves
  the points with ``Plotly.animate`` and swaps title and picture (no full redraw);
- ``heatmap trace``: the same figure with D's heatmap as a smoothed heatmap trace (the live
  style before the picture heatmap): every frame takes ``Plotly.react``'s full redraw.

Each sequence is posted to the real component (``ganviz/ui/live_plot_frontend/index.html``,
served from a temporary folder next to the plotly package's own plotly.min.js) in headless
Chromium, one frame at a time; a frame's time runs from the post until the component has drawn
it and the browser has shown one more animation frame (~16 ms of it is that wait). The first 5
frames are not counted; the median of the rest is printed, per round.

    .venv/bin/python benchmarks/live_plot_frames.py [--frames 40] [--rounds 2]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._context import machine_context  # noqa: E402
from benchmarks._procs import CHROMIUM_ARGS  # noqa: E402

CHROMIUM = os.environ.get("GANVIZ_CHROMIUM", "/usr/bin/chromium")

POST_FRAMES_JS = """async (frames) => {
  const drawn = (n) => new Promise(res => {
    const poll = () =>
      Number(document.body.dataset.renders || 0) >= n ? res() : setTimeout(poll, 0);
    poll();
  });
  const times = [];
  for (let i = 0; i < frames.length; i++) {
    const t0 = performance.now();
    window.postMessage({type: 'streamlit:render',
                        args: {specs: [frames[i]], config: {displayModeBar: false}}}, '*');
    await drawn(i + 1);
    await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
    times.push(performance.now() - t0);
  }
  return times;
}"""


def frames(n: int) -> dict[str, list[str]]:
    """figure_json strings of n snapshots, 50 steps apart, in both styles."""
    from ganviz.plots import toy as plots
    from ganviz.toy.config import ToyConfig
    from ganviz.toy.presets import BENCH
    from ganviz.toy.trainer import ToyTrainer
    from ganviz.ui.live_plot import figure_json
    from ganviz.ui.toy_view import LIVE_GRID_STRIDE, LIVE_POINTS, LIVE_REAL_POINTS

    trainer = ToyTrainer(ToyConfig(**BENCH))
    live = plots.PlotStyle().live()
    trace = dataclasses.replace(live, heat_image=False)
    out: dict[str, list[str]] = {"live": [], "heatmap trace": []}
    g = LIVE_GRID_STRIDE
    for _ in range(n):
        trainer.train(50)
        snap = trainer.snapshot()
        heat = plots.Heatmap(snap.grid_x[::g], snap.grid_y[::g], snap.d_grid[::g, ::g],
                             snap.d_is_probability)
        for name, style in (("live", live), ("heatmap trace", trace)):
            fig = plots.real_vs_fake(snap.real[:LIVE_REAL_POINTS], snap.fake[:LIVE_POINTS],
                                     trainer.dataset.display_range, heat=heat,
                                     title=f"step {snap.step:,}", style=style)
            if name == "heatmap trace":
                fig.data[0].zsmooth = "fast"  # the former live style's smoothed heatmap
            out[name].append(figure_json(fig))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--frames", type=int, default=40)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    if args.frames < 10:
        ap.error("--frames must be at least 10 (the first 5 are not counted)")
    print(machine_context())
    import plotly
    from playwright.sync_api import sync_playwright

    sequences = frames(args.frames)
    tmp = Path(tempfile.mkdtemp(prefix="ganviz-live-frames-"))
    try:
        (tmp / "live").mkdir()
        shutil.copy(ROOT / "ganviz" / "ui" / "live_plot_frontend" / "index.html", tmp / "live")
        # index.html loads ../ganviz.ui.live_plot.plotly_js/plotly.min.js (see live_plot.py)
        plotly_js = Path(plotly.__file__).parent / "package_data"
        (tmp / "ganviz.ui.live_plot.plotly_js").symlink_to(plotly_js)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM,
                                         args=CHROMIUM_ARGS + ["--allow-file-access-from-files"])
            print(f"{args.frames} frames of the bench config, 50 steps apart; median ms per frame "
                  "(frames 6 on)")
            for r in range(args.rounds):
                row = []
                for name, specs in sequences.items():
                    page = browser.new_page(viewport={"width": 1000, "height": 800})
                    page.goto((tmp / "live" / "index.html").as_uri())
                    page.wait_for_function("typeof Plotly !== 'undefined'")
                    times = page.evaluate(POST_FRAMES_JS, specs)[5:]
                    row.append(f"{name} {statistics.median(times):6.1f} ms")
                    page.close()
                print(f"round {r + 1}: " + "   ".join(row), flush=True)
            browser.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
