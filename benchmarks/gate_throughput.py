"""How much training a class gets through the shared FairGate, without Streamlit.

N Toy GAN Lab runs (the default ring8 recipe) play at once, each on its own LiveTrainer at
the page's speed limit (``--spr`` steps per ``refresh_period(N)``), through one FairGate
with the server's defaults (slots: cores - 1; share: adaptive). A "page" thread per run does
what a playing page's refresh asks of the run (``LabRun.refresh``: D's heatmap, G's
manifold, a GIF frame) every refresh period. Reported: steps/s per run (median, min) and for
the whole class, the turns per second, and the engine's own rate alone (one ``train`` call)
for scale. This isolates the scheduler from Streamlit's serving: ``classroom_ws.py`` measures
the whole server.

    .venv/bin/python benchmarks/gate_throughput.py --sessions 1 10 30 [--seconds 15]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._context import machine_context  # noqa: E402


def engine_rate(steps: int = 3000) -> float:
    from ganviz.live.run import LabRun
    from ganviz.toy import presets

    run = LabRun(presets.config(presets.default_preset("ring8")))
    run.train_now(1)
    t0 = time.perf_counter()
    run.trainer.train(steps)
    return steps / (time.perf_counter() - t0)


def class_rate(n: int, seconds: float, spr: int, pages: bool) -> dict:
    from ganviz.live import scheduler
    from ganviz.live.run import LabRun
    from ganviz.toy import presets

    scheduler.reset_gate()
    config = presets.config(presets.default_preset("ring8"))
    runs = [LabRun(config) for _ in range(n)]
    for r in runs:
        r.train_now(1)
    period = scheduler.refresh_period(n)
    trainers = [scheduler.LiveTrainer([r], spr, period) for r in runs]
    halt = threading.Event()

    def page(run, trainer) -> None:
        while not halt.wait(period):
            trainer.seen()
            if pages:
                run.refresh()

    threads = [threading.Thread(target=page, args=pair, daemon=True)
               for pair in zip(runs, trainers)]
    for t in trainers:
        t.start()
    for t in threads:
        t.start()
    time.sleep(2.0)  # every trainer has taken a few turns
    start = [r.step for r in runs]
    t0 = time.perf_counter()
    time.sleep(seconds)
    span = time.perf_counter() - t0
    rates = [(r.step - s) / span for r, s in zip(runs, start)]
    halt.set()
    for t in trainers:
        t.stop()
    return {"sessions": n, "median": statistics.median(rates), "min": min(rates),
            "total": sum(rates), "period": period, "turn_ms": 1000 * scheduler.turn_seconds(n)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sessions", type=int, nargs="+", default=[1, 10, 30])
    ap.add_argument("--seconds", type=float, default=15.0)
    ap.add_argument("--spr", type=int, default=200, help="steps per refresh (the benchmark's "
                    "students set 200)")
    ap.add_argument("--no-pages", action="store_true", help="no page refresh work")
    args = ap.parse_args()
    print(machine_context(), flush=True)
    print(f"engine alone: {engine_rate():,.0f} steps/s", flush=True)
    print(f"{'sessions':>8} {'period s':>8} {'turn ms':>7} {'median':>8} {'min':>8} "
          f"{'class':>8}  (steps/s)")
    for n in args.sessions:
        f = class_rate(n, args.seconds, args.spr, not args.no_pages)
        print(f"{n:>8} {f['period']:>8.2f} {f['turn_ms']:>7.1f} {f['median']:>8.1f} "
              f"{f['min']:>8.1f} {f['total']:>8.0f}", flush=True)


if __name__ == "__main__":
    main()
