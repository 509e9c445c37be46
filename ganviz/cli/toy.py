"""`python -m ganviz toy`: train a 2-D GAN headless and report its metrics."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HELP = "Train a toy 2-D GAN (parabola, circle, ring8, grid25, ...) and print its metrics."
EXAMPLES = """\
  python -m ganviz toy --dataset ring8 --seed 1 --samples 2500 --out ring.npy
  python -m ganviz toy --preset so-question --steps 2000 --json
  python -m ganviz toy --dataset circle --set batch_size=256 --set g_layers=16,32 --gif circle.gif
  python -m ganviz toy --dataset points --points mine.csv --history hist.csv
"""

GIF_FRAMES = 40


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dataset", help="dataset name (default: the preset's)")
    p.add_argument("--preset", help="recipe name (default: the dataset's default recipe)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="change one ToyConfig field (repeatable), e.g. --set batch_size=256")
    p.add_argument("--steps", type=int, help="generator steps (default: the preset's)")
    p.add_argument("--seed", type=int, default=None, help="random seed (default 0)")
    p.add_argument("--points", help="CSV of x,y rows for --dataset points")
    p.add_argument("--samples", type=int, default=2500,
                   help="samples for metrics and --out (default 2500)")
    p.add_argument("--out", help="write generator samples as float32 (N, 2) .npy")
    p.add_argument("--history", help="write the per-step history as CSV")
    p.add_argument("--gif", help="write an animated GIF of training")
    p.add_argument("--save", help="save the trained model to this folder (loadable in the app)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def build_config(args: argparse.Namespace):
    """The ToyConfig the arguments describe (ValueError with a clear message if not)."""
    from ganviz.toy import presets
    from ganviz.toy.config import parse_value

    preset = presets.choose(args.preset, args.dataset, "ring8")
    changes = {"dataset": args.dataset} if args.dataset and args.dataset != preset.dataset else {}
    for item in args.set:
        if "=" not in item:
            raise ValueError(f"--set needs KEY=VALUE, got {item!r}")
        key, value = item.split("=", 1)
        changes[key.strip()] = parse_value(key.strip(), value)
    if args.seed is not None:
        changes["seed"] = args.seed
    if args.steps is not None:
        changes["steps"] = args.steps
    return preset.config(**changes)


def run(args: argparse.Namespace) -> int:
    from ganviz.cli import UsageError

    if args.out and not args.out.endswith(".npy"):
        raise UsageError("--out must end in .npy")
    if not (1 <= args.samples <= 1_000_000):
        raise UsageError(f"--samples must be 1..1000000, got {args.samples}")
    config = build_config(args)
    points = None
    if config.dataset == "points":
        if not args.points:
            raise UsageError("--dataset points needs --points FILE.csv")
        from ganviz.toy.datasets import points_from_csv

        points = points_from_csv(Path(args.points))

    from ganviz.toy.metrics import quality
    from ganviz.toy.trainer import ToyTrainer

    t0 = time.perf_counter()
    trainer = ToyTrainer(config, points=points)
    snaps = _train(trainer, args)
    wall = time.perf_counter() - t0
    samples = trainer.sample(args.samples, seed=config.seed)
    ds = trainer.dataset
    real = ds.sample(args.samples, config.seed + 1)
    metrics = quality(samples, real, ds.centres, ds.std, ds.display_range, config.dataset,
                      config.circle_radius)
    result = {
        "dataset": config.dataset, "preset": args.preset or f"{config.dataset}-default",
        "seed": config.seed, "steps": trainer.step, "diverged_at": trainer.diverged_at,
        "train_seconds": round(trainer.seconds, 3), "wall_seconds": round(wall, 3),
        "steps_per_second": round(trainer.step / trainer.seconds, 1) if trainer.seconds else None,
        "metrics": {k: (round(v, 6) if isinstance(v, float) else v) for k, v in metrics.items()},
        "final": {k: round(trainer.history.last(k, 100), 6) for k in trainer.history.values},
    }
    _write_outputs(args, trainer, samples, snaps)
    if args.json:
        print(json.dumps(result))
    else:
        _print_report(result, trainer.seconds, wall)
    return 0


def _train(trainer, args: argparse.Namespace) -> list:
    """Train to the config's steps with a progress bar; the GIF's snapshots when asked for."""
    from tqdm import tqdm

    total = trainer.config.steps
    chunk = max(1, total // GIF_FRAMES) if args.gif else min(total, 500)
    snaps = [trainer.snapshot()] if args.gif else []
    bar = tqdm(total=total, unit="step", disable=args.no_progress or args.json, file=sys.stderr,
               desc=f"{trainer.config.dataset}")
    while trainer.step < total and trainer.diverged_at is None:
        before = trainer.step
        trainer.train(min(chunk, total - trainer.step))
        bar.update(trainer.step - before)
        if args.gif:
            snaps.append(trainer.snapshot())
    bar.close()
    return snaps


def _write_outputs(args: argparse.Namespace, trainer, samples, snaps: list) -> None:
    """The files asked for: samples (.npy), history (CSV), GIF, saved model."""
    if args.out:
        import numpy as np

        np.save(args.out, samples.astype(np.float32))
    if args.history:
        Path(args.history).write_text(trainer.history.to_csv())
    if args.gif:
        from ganviz.export import training_gif

        Path(args.gif).write_bytes(training_gif(snaps, trainer.dataset.display_range))
    if args.save:
        trainer.save(args.save)


def _print_report(result: dict, train_seconds: float, wall: float) -> None:
    print(f"{result['dataset']}: {result['steps']} steps in {train_seconds:.1f} s "
          f"({result['steps_per_second']} steps/s), wall {wall:.1f} s")
    if result["diverged_at"] is not None:
        print(f"DIVERGED at step {result['diverged_at']} (NaN/Inf); last finite weights kept")
    for k, v in result["metrics"].items():
        print(f"  {k:20s} {v}")
