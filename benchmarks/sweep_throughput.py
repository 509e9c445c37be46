"""A 5 x 5 batch-size x width sweep (25 toy GANs x 2,000 steps) trained as a few stacked
engines, against the same runs trained one after another with ToyTrainer.

Grid: the bench network family (ganviz.toy.presets.BENCH: ring8, latent 2, G and D 2 x width,
leaky ReLU, Adam, non_saturating), batch sizes 16, 32, 64, 128, 256 x widths 4, 8, 16, 32, 64
(both networks). Acceptance (issue 8): the sweep, compilation included, in at most 30 s.

The sequential baseline compiles and trains every run alone, as a user would. By default it
measures a subset of runs (one per batch size and per width, a random Latin-square transversal)
and extrapolates to 25 runs (mean x 25, said so in the output); --sequential-runs 25 measures all.

    python benchmarks/sweep_throughput.py [--steps 2000] [--sequential-runs 5] [--max-stacks 6]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from benchmarks._context import machine_context  # noqa: E402

BATCHES = (16, 32, 64, 128, 256)
WIDTHS = (4, 8, 16, 32, 64)
LIMIT_SECONDS = 30.0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--sequential-runs", type=int, default=5,
                   help="runs of the baseline measured (1..25)")
    p.add_argument("--max-stacks", type=int, default=6)
    p.add_argument("--chunk", type=int, default=500)
    args = p.parse_args()
    if not 1 <= args.sequential_runs <= 25:
        p.error("--sequential-runs must be 1..25")

    t0 = time.perf_counter()
    import tensorflow  # noqa: F401  (imported once up front: not charged to either side)

    print(machine_context())
    print(f"import tensorflow: {time.perf_counter() - t0:.1f} s (not counted)")

    from ganviz.toy.config import ToyConfig
    from ganviz.toy.presets import BENCH
    from ganviz.toy.sweep import SweepConfig

    config = SweepConfig(ToyConfig(**BENCH), BATCHES, WIDTHS, seeds=1, width_of="both",
                         max_stacks=args.max_stacks, steps=args.steps)
    print(f"grid: {len(config.runs())} runs = batch {BATCHES} x width {WIDTHS} (G and D 2 x width, "
          f"latent 2, ring8), {args.steps} steps each, chunk {args.chunk}")
    sweep, total, t_train, cpu = time_sweep(config, args)
    seq_est, seq_train_est, seq_cpu = time_one_after_another(sweep.runs, args)
    print(f"one after another, CPU time: {seq_cpu:.1f} s; "
          f"speed-up in CPU time {seq_cpu / cpu:.1f}x")
    print(f"speed-up of the sweep: {seq_est / total:.1f}x overall, "
          f"{seq_train_est / t_train:.1f}x training only (compilation excluded on both sides)")
    print(machine_context())
    return 0 if total <= LIMIT_SECONDS else 1


def time_sweep(config, args):
    """Train the grid as stacks; prints the timings. Returns (sweep, total s, training s of
    steps 2.., CPU s)."""
    from ganviz.toy.sweep import Sweep

    steps, n = args.steps, len(config.runs())
    t0, cpu0 = time.perf_counter(), time.process_time()
    sweep = Sweep(config, chunk=min(args.chunk, steps))
    sweep.train(1)  # compiles every stack (n is a tensor: the same function serves any n)
    t_compile = time.perf_counter() - t0
    t1 = time.perf_counter()
    sweep.train(steps - 1)
    t_train = time.perf_counter() - t1
    total = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    result = sweep.result(n_samples=500)
    plan = ", ".join(
        f"{len(g)} runs padded to batch {max(sweep.configs[i].batch_size for i in g)}"
        f" x width {max(sweep.configs[i].g_hidden[0] for i in g)}" for g in sweep.stacks)
    print(f"stacks: {len(sweep.stacks)} ({plan})")
    print(f"sweep: {total:.1f} s total = {t_compile:.1f} s build+compile+1 step, "
          f"{t_train:.1f} s for {steps - 1} steps ({n * (steps - 1) / t_train:,.0f} run-steps/s)")
    t = result.times
    print(f"sweep stages: setup {t.setup:.1f} s, compile {t.compile:.1f} s (waited for "
          f"{t.compile_wait:.1f} s), train {t.train:.1f} s")
    print(f"sweep CPU time (all threads): {cpu:.1f} s; wall/CPU = {total / cpu:.2f} "
          "(an idle 2-core machine would need about CPU/2 to CPU seconds of wall time)")
    diverged = sum(r.diverged_at is not None for r in result.runs)
    ed = result.metric_grid("energy_distance")
    print(f"diverged runs: {diverged}; energy distance by batch (rows) x width (cols):")
    for b, row in zip(BATCHES, ed):
        print(f"  {b:4d}  " + "  ".join(f"{v:6.3f}" for v in row))
    verdict = "PASS" if total <= LIMIT_SECONDS else "FAIL"
    print(f"acceptance: {n} x {steps} steps in {total:.1f} s (limit {LIMIT_SECONDS:.0f} s): "
          f"{verdict}")
    return sweep, total, t_train, cpu


def time_one_after_another(runs, args) -> tuple[float, float, float]:
    """Train a subset of the runs alone with ToyTrainer (compilation included, as a user
    would); prints each. Returns (total s, training-only s, CPU s), extrapolated to all runs."""
    from ganviz.toy.trainer import ToyTrainer

    steps, n = args.steps, len(runs)
    if args.sequential_runs == n:
        subset = list(range(n))
    else:
        perm = np.random.default_rng(0).permutation(len(WIDTHS))
        transversal = [next(i for i, r in enumerate(runs) if r.row == a and r.col == perm[a])
                       for a in range(len(BATCHES))]
        extra = [i for i in np.random.default_rng(1).permutation(n) if i not in transversal]
        subset = (transversal + extra)[:args.sequential_runs]
    seq_total, seq_train = [], []
    cpu0 = time.process_time()
    for i in subset:
        c = runs[i].config
        t0 = time.perf_counter()
        trainer = ToyTrainer(c, chunk=min(args.chunk, steps))
        trainer.train(1)
        t1 = time.perf_counter()
        trainer.train(steps - 1)
        t2 = time.perf_counter()
        seq_total.append(t2 - t0)
        seq_train.append(t2 - t1)
        print(f"  alone: batch {c.batch_size:4d} width {c.g_width:3d}: {t2 - t0:5.1f} s "
              f"({t1 - t0:.1f} s compile+1 step, {(steps - 1) / (t2 - t1):,.0f} steps/s)",
              flush=True)
    scale = n / len(subset)
    seq_est, seq_train_est = sum(seq_total) * scale, sum(seq_train) * scale
    how = ("measured" if len(subset) == n
           else f"extrapolated from {len(subset)} measured runs (mean x {n})")
    print(f"one after another: {seq_est:.1f} s for {n} runs, {how}; "
          f"training only {seq_train_est:.1f} s")
    return seq_est, seq_train_est, (time.process_time() - cpu0) * scale


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.exit(main())
