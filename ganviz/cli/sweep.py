"""`python -m ganviz sweep`: train a batch-size x width grid of toy GANs, one row per run."""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

HELP = "Train a grid of toy GANs (batch sizes x widths x seeds) together; one row per run."
EXAMPLES = """\
  python -m ganviz sweep --dataset circle --preset so-question --batch 32,64,128,256 \
      --width 8,16,32,64 --steps 2000
  python -m ganviz sweep --dataset ring8 --batch 64,256 --width 16,64 --seeds 3 --steps 3000 \
      --out ring.csv
  python -m ganviz sweep --preset so-question --batch 32,256 --width 16,64 --width-of both \
      --steps 500 --json

Width: a network given per-layer widths (so-question: 64,128) is scaled so its first layer
has that width (16 -> 16,32); a network given as depth x width gets that width. --width-of
picks the networks (default g, the generator, as in the accepted Stack Overflow answer).
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dataset", help="dataset name (default: the preset's)")
    p.add_argument("--preset", help="recipe for every field but the two axes "
                                    "(default: the dataset's default recipe)")
    p.add_argument("--batch", required=True,
                   help="batch sizes, comma-separated, e.g. 32,64,128,256")
    p.add_argument("--width", required=True, help="widths, comma-separated, e.g. 8,16,32,64")
    p.add_argument("--width-of", choices=("g", "d", "both"), default="g",
                   help="which networks the width sets (default g)")
    p.add_argument("--seeds", type=int, default=1,
                   help="seeds per cell: seed, seed+1, ... (default 1)")
    p.add_argument("--seed", type=int, default=None, help="first seed (default: the preset's, 0)")
    p.add_argument("--steps", type=int, required=True, help="generator steps per run")
    p.add_argument("--max-stacks", type=int, default=6,
                   help="most compiled engines the grid is split into (default 6)")
    p.add_argument("--out", help="write the rows as CSV (FILE.csv)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def build_sweep_config(args: argparse.Namespace):
    """The SweepConfig the arguments describe (ValueError with a clear message if not)."""
    from ganviz.toy import presets
    from ganviz.toy.sweep import SweepConfig, parse_int_list

    preset = presets.choose(args.preset, args.dataset, "circle")
    changes = {"dataset": args.dataset} if args.dataset and args.dataset != preset.dataset else {}
    if args.seed is not None:
        changes["seed"] = args.seed
    base = preset.config(**changes)
    if not 1 <= args.steps <= 1_000_000:
        raise ValueError(f"--steps must be 1..1000000, got {args.steps}")
    return SweepConfig(base, parse_int_list(args.batch, "--batch"),
                       parse_int_list(args.width, "--width"), seeds=args.seeds,
                       width_of=args.width_of, max_stacks=args.max_stacks, steps=args.steps)


def run(args: argparse.Namespace) -> int:
    from ganviz.cli import UsageError

    t0 = time.perf_counter()
    if args.out and not args.out.endswith(".csv"):
        raise UsageError("--out must end in .csv")
    config = build_sweep_config(args)
    n_runs = len(config.runs())

    from tqdm import tqdm

    from ganviz.toy.sweep import run_sweep

    bar = tqdm(total=n_runs * args.steps, unit="run-step", unit_scale=True, file=sys.stderr,
               disable=args.no_progress or args.json, desc=f"{config.base.dataset} x{n_runs}")
    result = run_sweep(config, args.steps, progress=bar.update)
    bar.close()
    rows = result.rows()
    if args.out:
        Path(args.out).write_text(result.to_csv())
    wall = time.perf_counter() - t0
    if args.json:
        preset = args.preset or f"{config.base.dataset}-default"
        print(json.dumps({"dataset": config.base.dataset, "preset": preset,
                          "steps": args.steps, "seconds": round(result.seconds, 3),
                          "times": {k: round(v, 3) for k, v in asdict(result.times).items()},
                          "wall_seconds": round(wall, 3), "stacks": result.stack_sizes,
                          "rows": rows}))
        return 0
    print(f"{n_runs} runs x {args.steps} steps in {result.seconds:.1f} s "
          f"({len(result.stack_sizes)} stacks of {', '.join(map(str, result.stack_sizes))} runs)")
    print(time_breakdown(result.times, wall))
    cols = ["batch_size", "width", "seed", "g_hidden", "d_hidden", "diverged_at", "seconds",
            *result.metric_names()]
    print("  ".join(f"{c:>12.12s}" for c in cols))
    for row in rows:
        print("  ".join(_cell(row.get(c)) for c in cols))
    return 0


def time_breakdown(t, wall: float) -> str:
    """One line: where the wall time went (``t``: the sweep's SweepTimes)."""
    return (f"time: setup {t.setup:.1f} s, compile {t.compile:.1f} s ({t.compile_wait:.1f} s of it "
            f"not hidden behind training), train {t.train:.1f} s, sample {t.sample:.1f} s, "
            f"metrics {t.metrics:.1f} s; wall {wall:.1f} s, of which {wall - t.train:.1f} s "
            f"not training")


def _cell(v) -> str:
    if isinstance(v, float):
        return f"{v:12.4g}"
    return f"{'-' if v is None else v!s:>12.12s}"
