"""Mode-collapse benchmark and distance checks of every dataset's default recipe.

ring8 and grid25 with their defaults over 10 seeds, 2,500 samples each, scored as VEEGAN and
PacGAN score them (FACTS.md): a sample is high quality if within 3 std of its nearest centre;
a mode is captured if at least one high-quality sample is nearest to it. Printed beside the
published rows. Acceptance (issue 3): ring8 8/8 modes and >= 97% high quality in >= 9 of 10
seeds; grid25 25/25 and >= 95% in >= 8 of 10.

Every other dataset's default is judged by the energy distance (Szekely & Rizzo) between its
2,500 samples and a fresh real sample of 2,500 (``dataset.sample(2500, seed + 1)``, as the CLI
does): it passes at ``ED <= 0.01``. For scale: two real samples sit at ~0.0005; a circle whose
points lie within 3% of the radius with uneven density scores 0.006-0.02; a blurred annulus
0.01-0.04; a generator that covers half the circle ~0.5.

Each seed trains its own ToyTrainer and is sampled as the CLI samples it (through
discriminator rejection sampling where the recipe turns it on; the raw generator's row is
printed beneath). "s / run" is training plus sampling, in process. ``--cli N`` also times N
single runs through ``python -m ganviz toy --dataset D --seed S --samples 2500 --out x.npy``
(wall clock, TensorFlow's import and compilation included).

    python benchmarks/toy_modes.py [--seeds 10] [--datasets ring8,grid25,...] [--cli 3] [--keep]

``--keep`` re-measures only the named datasets and keeps the other rows of the last results
file (docs/toy-modes-results.json); each row records the machine context it was measured in.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._context import machine_context  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = 2500
ED_MAX = 0.01
ACCEPT = {"ring8": (8, 0.97, 9), "grid25": (25, 0.95, 8)}  # modes, high quality, seeds of 10
PUBLISHED = {  # (modes, % high quality) from the VEEGAN and PacGAN papers (FACTS.md)
    "ring8": [("GAN (VEEGAN paper)", 1, 99.3), ("Unrolled GAN (VEEGAN paper)", 7.6, 35.6),
              ("VEEGAN", 8, 52.9), ("GAN (PacGAN paper, 10 runs)", 6.3, 98.2),
              ("PacGAN4", 7.8, 95.9)],
    "grid25": [("GAN (VEEGAN paper)", 3.3, 0.5), ("Unrolled GAN (VEEGAN paper)", 23.6, 16),
               ("VEEGAN", 24.6, 40), ("GAN (PacGAN paper, 10 runs)", 17.3, 94.8),
               ("PacGAN4", 24.8, 93.6)],
}
OTHERS = ("parabola", "circle", "moons", "swiss_roll", "gaussians2", "line", "disjoint3", "spiral")


def mean_se(values: list[float]) -> tuple[float, float]:
    m = statistics.mean(values)
    return m, (statistics.stdev(values) / len(values) ** 0.5 if len(values) > 1 else 0.0)


def measure(dataset: str, seeds: list[int]) -> list[dict]:
    """One ToyTrainer per seed, sampled exactly as ``python -m ganviz toy`` samples (with
    rejection sampling where the recipe has it; the raw generator is scored too)."""
    from ganviz.toy import presets
    from ganviz.toy.metrics import energy_distance, mode_coverage, sliced_wasserstein
    from ganviz.toy.trainer import ToyTrainer

    rows = []
    for seed in seeds:
        config = presets.dataset_default(dataset, seed=seed)
        t0 = time.perf_counter()
        trainer = ToyTrainer(config, chunk=1000)
        trainer.train(config.steps)
        train_s = time.perf_counter() - t0
        xs = trainer.sample(SAMPLES, seed=seed)
        seconds = time.perf_counter() - t0
        ds = trainer.dataset
        real = ds.sample(SAMPLES, seed + 1)
        row = {"dataset": dataset, "seed": seed, "steps": config.steps,
               "diverged_at": trainer.diverged_at,
               "rejection_sampling": config.rejection_sampling,
               "energy_distance": energy_distance(xs, real),
               "sliced_wasserstein": sliced_wasserstein(xs, real),
               "seconds_per_run": seconds, "train_seconds": train_s}
        if ds.centres is not None:
            mc = mode_coverage(xs, ds.centres, ds.std)
            row.update(modes=mc.modes, n_modes=mc.n_modes, high_quality=mc.high_quality,
                       min_per_mode=min(mc.per_mode))
            if config.rejection_sampling:
                raw = mode_coverage(trainer.sample(SAMPLES, seed=seed, rejection=False),
                                    ds.centres, ds.std)
                row.update(raw_modes=raw.modes, raw_high_quality=raw.high_quality)
        if dataset in ACCEPT:
            n, hq, _ = ACCEPT[dataset]
            row["passes"] = row["modes"] >= n and row["high_quality"] >= hq
        else:
            row["passes"] = row["energy_distance"] <= ED_MAX
        rows.append(row)
    return rows


def cli_wall_seconds(dataset: str, seeds: list[int]) -> list[float]:
    """Wall seconds of ``python -m ganviz toy`` per seed (the acceptance's command)."""
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in seeds:
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "ganviz", "toy", "--dataset", dataset,
                            "--seed", str(seed), "--samples", str(SAMPLES),
                            "--out", os.path.join(tmp, "x.npy"), "--no-progress"],
                           cwd=ROOT, check=True, capture_output=True)
            out.append(time.perf_counter() - t0)
    return out


def modes_table(rows: list[dict], cli: dict[str, list[float]]) -> str:
    lines = ["| dataset | method | modes captured | % high quality | runs meeting the bar "
             "| s / run |",
             "|---|---|---:|---:|---:|---:|"]
    for dataset in ACCEPT:
        rs = [r for r in rows if r["dataset"] == dataset]
        if not rs:
            continue
        m, m_se = mean_se([r["modes"] for r in rs])
        q, q_se = mean_se([100 * r["high_quality"] for r in rs])
        n, hq, need = ACCEPT[dataset]
        secs = (f"{min(r['seconds_per_run'] for r in rs):.0f}-"
                f"{max(r['seconds_per_run'] for r in rs):.0f}")
        if cli.get(dataset):
            secs += f"; CLI {min(cli[dataset]):.0f}-{max(cli[dataset]):.0f}"
        lines.append(f"| {dataset} | **ganviz {dataset}-default** "
                     f"({rs[0]['steps']:,} steps) | "
                     f"{m:.1f} ± {m_se:.1f} | {q:.1f} ± {q_se:.1f} | "
                     f"{sum(r['passes'] for r in rs)}/{len(rs)} "
                     f"(bar: {n} modes, >= {100 * hq:.0f}%; "
                     f"need {need}) | {secs} |")
        if "raw_high_quality" in rs[0]:
            rm, rm_se = mean_se([r["raw_modes"] for r in rs])
            rq, rq_se = mean_se([100 * r["raw_high_quality"] for r in rs])
            lines.append(f"| {dataset} | the same generator without rejection sampling | "
                         f"{rm:.1f} ± {rm_se:.1f} | "
                         f"{rq:.1f} ± {rq_se:.1f} | | |")
        for name, pm, pq in PUBLISHED[dataset]:
            lines.append(f"| {dataset} | {name} | {pm} | {pq} | | |")
    return "\n".join(lines)


def distance_table(rows: list[dict]) -> str:
    lines = [f"| dataset | steps | passes (ED <= {ED_MAX}) | energy distance | sliced W1 "
             "| s / run |",
             "|---|---:|---:|---:|---:|---:|"]
    for dataset in (*ACCEPT, *OTHERS):
        rs = [r for r in rows if r["dataset"] == dataset]
        if not rs:
            continue
        e, e_se = mean_se([r["energy_distance"] for r in rs])
        w, w_se = mean_se([r["sliced_wasserstein"] for r in rs])
        passes = sum(r["energy_distance"] <= ED_MAX for r in rs)
        lines.append(f"| {dataset} | {rs[0]['steps']:,} | {passes}/{len(rs)} | "
                     f"{e:.4f} ± {e_se:.4f} | {w:.3f} ± {w_se:.3f} | "
                     f"{statistics.median(r['seconds_per_run'] for r in rs):.0f} |")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--datasets", default=",".join((*ACCEPT, *OTHERS)))
    ap.add_argument("--cli", type=int, default=0, help="also time N CLI runs of ring8 and grid25")
    ap.add_argument("--out", default=str(ROOT / "docs"))
    ap.add_argument("--keep", action="store_true",
                    help="keep the last results of datasets not measured in this run")
    args = ap.parse_args()

    context = machine_context()
    print(context, flush=True)
    seeds = list(range(args.seeds))
    rows: list[dict] = []
    cli: dict[str, list[float]] = {}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    names = args.datasets.split(",")
    if args.keep and (out / "toy-modes-results.json").exists():
        last = json.loads((out / "toy-modes-results.json").read_text())
        rows = [r for r in last["rows"] if r["dataset"] not in names]
        cli = {k: v for k, v in last.get("cli_wall_seconds", {}).items() if k not in names}
    for dataset in names:
        rows += [dict(r, context=context) for r in measure(dataset, seeds)]
        rs = [r for r in rows if r["dataset"] == dataset]
        print(f"{dataset}: " + "; ".join(
            (f"{r['modes']}/{100 * r['high_quality']:.1f}%" if "modes" in r else "")
            + f" ED {r['energy_distance']:.4f}" for r in rs), flush=True)
        if args.cli and dataset in ACCEPT:
            cli[dataset] = cli_wall_seconds(dataset, seeds[:args.cli])
            print(f"{dataset}: CLI wall seconds {[round(s, 1) for s in cli[dataset]]}", flush=True)
        contexts = sorted({r.get("context", "unrecorded") for r in rows})
        text = ("<!-- written by benchmarks/toy_modes.py; " + " / ".join(contexts) + " -->\n"
                f"## Mode coverage ({SAMPLES} samples per run, seeds 0..{args.seeds - 1})\n\n"
                f"{modes_table(rows, cli)}\n\n"
                f"## Distance to a fresh real sample (pass: energy distance <= {ED_MAX})\n\n"
                f"{distance_table(rows)}\n")
        print(text, flush=True)
        (out / "toy-modes-results.md").write_text(text)
        (out / "toy-modes-results.json").write_text(
            json.dumps({"rows": rows, "cli_wall_seconds": cli}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
