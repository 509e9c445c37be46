"""The "why circles fail" story, measured: each circle preset over 10 seeds.

Every preset of the Stack Overflow story (so-question, so-answer, one preset per fix, the two
radius presets) is trained for its own steps (10,000, as the asker ran) with each seed; the seeds
of a preset train as one stack (benchmarks/_stacked.py: ToyTrainer's maths, data and noise per
run). 2,500 samples per run are then scored with ``circle_diagnostics``. A run *succeeds* when

    radial_error <= 0.05   (mean |r - R| / R: points lie on the circle, within 5% of R)
    angular_coverage >= 0.9 (at least 33 of 36 ten-degree bins hold a quarter of their share)

and fails otherwise. ``--long`` also carries so-question (and any ``--long-presets``) on to
20,000 and 40,000 steps, to tell "cannot learn the circle" from "learns it slowly".

Writes docs/circle-story-results.md (the table), docs/circle-story-results.json (every run) and
docs/img/circle-story.png (a typical run of each preset: the seed of median radial error).

    python benchmarks/circle_story.py [--seeds 10] [--long]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


from benchmarks._context import machine_context  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PRESETS = ("so-question", "so-answer", "so-question+combined", "so-question+batch256",
           "so-question+small-g", "so-question+radius0.5", "so-question+linear")
RADIAL_MAX = 0.05
COVERAGE_MIN = 0.9
SAMPLES = 2500
LONG_STEPS = (20_000, 40_000)


def succeeded(d: dict) -> bool:
    return d["radial_error"] <= RADIAL_MAX and d["angular_coverage"] >= COVERAGE_MIN


def measure(name: str, seeds: list[int], long_steps: tuple[int, ...] = ()) -> list[dict]:
    """One row per (seed, checkpoint): the diagnostics, success, seconds and the samples.
    The seeds train as one stack (benchmarks/_stacked.py); seconds are per run (stack / R)."""
    from benchmarks._stacked import train_stacked
    from ganviz.toy import presets
    from ganviz.toy.metrics import circle_diagnostics

    configs = [presets.config(name, seed=s) for s in seeds]
    c0 = configs[0]
    rows = []
    for steps, xs, diverged, secs in train_stacked(configs, [c0.steps, *long_steps], SAMPLES):
        for i, seed in enumerate(seeds):
            d = circle_diagnostics(xs[i], c0.circle_radius).to_dict()
            rows.append({"preset": name, "seed": seed, "steps": steps, **d, "success": succeeded(d),
                         "diverged_at": None if diverged[i] < 0 else int(diverged[i]),
                         "seconds": round(secs / len(seeds), 2), "samples": xs[i]})
        rs = [r for r in rows if r["steps"] == steps]
        print(f"  {name:24s} {steps:6d} steps: "
              f"{sum(r['success'] for r in rs)}/{len(rs)} succeed; r_err "
              + " ".join(f"{r['radial_error']:.3f}" for r in rs) + "; cov "
              + " ".join(f"{r['angular_coverage']:.2f}" for r in rs), flush=True)
    return rows


def measure_parabola(seeds: list[int], samples: int = SAMPLES) -> list[dict]:
    """The asker's setup on the parabola (``so-parabola``), where it works: per seed, the energy
    distance between ``samples`` generated points and as many fresh real ones."""
    from benchmarks._stacked import train_stacked
    from ganviz.toy import presets
    from ganviz.toy.datasets import get_dataset
    from ganviz.toy.metrics import energy_distance

    configs = [presets.config("so-parabola", seed=s) for s in seeds]
    ds = get_dataset("parabola")
    rows = []
    for steps, xs, diverged, secs in train_stacked(configs, [configs[0].steps], samples):
        for i, seed in enumerate(seeds):
            real = ds.sample(samples, 10_000 + seed)
            rows.append({"preset": "so-parabola", "seed": seed, "steps": steps,
                         "energy_distance": energy_distance(xs[i], real),
                         "diverged_at": None if diverged[i] < 0 else int(diverged[i]),
                         "seconds": round(secs / len(seeds), 2)})
    return rows


def parabola_line(rows: list[dict]) -> str:
    ed = [r["energy_distance"] for r in rows]
    se = statistics.stdev(ed) / len(ed) ** 0.5 if len(ed) > 1 else 0.0
    return (f"so-parabola, {rows[0]['steps']:,} steps, {len(rows)} seeds: energy distance to "
            f"real data {statistics.mean(ed):.4f} ± {se:.4f} (max {max(ed):.4f})")


def merged_rows(folders: list[Path]) -> list[dict]:
    """The rows of several earlier runs' circle-story-results.json: each preset's rows from
    the folder that measured it at the most step counts (the first such folder)."""
    runs = [json.loads((Path(f) / "circle-story-results.json").read_text()) for f in folders]
    rows = []
    for preset in dict.fromkeys(r["preset"] for run in runs for r in run):
        best = max(runs, key=lambda run: len({r["steps"] for r in run if r["preset"] == preset}))
        rows += [r for r in best if r["preset"] == preset]
    return rows


def summarise(rows: list[dict]) -> list[dict]:
    out = []
    keys = sorted({(r["preset"], r["steps"]) for r in rows},
                  key=lambda k: (PRESETS.index(k[0]) if k[0] in PRESETS else 99, k[1]))
    for preset, steps in keys:
        rs = [r for r in rows if r["preset"] == preset and r["steps"] == steps]

        def stat(k, rs=rs):
            v = [r[k] for r in rs]
            return statistics.mean(v), (statistics.stdev(v) / len(v) ** 0.5 if len(v) > 1 else 0.0)

        out.append({"preset": preset, "steps": steps, "runs": len(rs),
                    "successes": sum(r["success"] for r in rs),
                    **{k: stat(k)
                       for k in ("radial_error", "angular_coverage", "angular_tv", "seconds")}})
    return out


def table(summary: list[dict]) -> str:
    lines = ["| preset | steps | succeeded | radial error | angular coverage | angular TV "
             "| s / run |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for s in summary:
        def f(k, p=3, s=s):
            m, se = s[k]
            return f"{m:.{p}f} ± {se:.{p}f}"
        lines.append(f"| {s['preset']} | {s['steps']:,} | {s['successes']}/{s['runs']} | "
                     f"{f('radial_error')} | "
                     f"{f('angular_coverage', 2)} | {f('angular_tv', 2)} | "
                     f"{s['seconds'][0]:.0f} |")
    return "\n".join(lines)


def typical_runs_png(rows: list[dict], path: Path, radius_of: dict[str, float]) -> None:
    """One panel per (preset, steps): the seed of median radial error, real circle in blue."""
    from PIL import Image, ImageDraw

    from ganviz.export import scatter_frame
    from ganviz.toy.datasets import get_dataset

    panels = []
    keys = sorted({(r["preset"], r["steps"]) for r in rows},
                  key=lambda k: (PRESETS.index(k[0]) if k[0] in PRESETS else 99, k[1]))
    for preset, steps in keys:
        rs = sorted((r for r in rows if r["preset"] == preset and r["steps"] == steps),
                    key=lambda r: r["radial_error"])
        r = rs[len(rs) // 2]
        ds = get_dataset("circle", None, radius_of[preset])
        real = ds.sample(600, 12345)
        frame = scatter_frame(real, r["samples"][:600], ((-1.5, 1.5), (-1.5, 1.5)), size=300)
        caption = (f"{preset} @{steps:,} (seed {r['seed']})\nr_err {r['radial_error']:.3f}  "
                   f"cov {r['angular_coverage']:.2f}  {'OK' if r['success'] else 'FAIL'}")
        ImageDraw.Draw(frame).multiline_text((6, 4), caption, fill=(0, 0, 0))
        panels.append(frame)
    cols = 4
    rows_n = (len(panels) + cols - 1) // cols
    sheet = Image.new("RGB", (cols * 300, rows_n * 300), "white")
    for i, p in enumerate(panels):
        sheet.paste(p, ((i % cols) * 300, (i // cols) * 300))
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--presets", default=",".join(PRESETS))
    ap.add_argument("--long", action="store_true", help="carry so-question on to 20k and 40k steps")
    ap.add_argument("--long-presets", default="so-question")
    ap.add_argument("--out", default=str(ROOT / "docs"))
    ap.add_argument("--parabola", action="store_true",
                    help="measure so-parabola (energy distance) instead of the circle presets")
    ap.add_argument("--merge", nargs="+", metavar="DIR",
                    help="write the table of earlier runs' results folders instead of training")
    args = ap.parse_args()
    if args.merge:
        return write_merged([Path(d) for d in args.merge], Path(args.out))
    if args.parabola:
        rows = measure_parabola(list(range(args.seeds)))
        print(machine_context(), parabola_line(rows), sep="\n", flush=True)
        (Path(args.out) / "circle-story-parabola.json").write_text(json.dumps(rows, indent=1))
        return 0

    from ganviz.toy import presets

    print(machine_context(), flush=True)
    print(f"success: radial_error <= {RADIAL_MAX} and angular_coverage >= {COVERAGE_MIN}; "
          f"{SAMPLES} samples per run", flush=True)
    seeds = list(range(args.seeds))
    long_presets = set(args.long_presets.split(",")) if args.long else set()
    rows = []
    out = Path(args.out)
    for name in args.presets.split(","):
        rows += measure(name, seeds, LONG_STEPS if name in long_presets else ())
        summary = summarise(rows)
        text = table(summary)
        print(text, flush=True)
        # write as we go: a long run that is cut off still leaves its measured rows
        (out / "circle-story-results.md").write_text(
            f"<!-- written by benchmarks/circle_story.py; {machine_context()} -->\n"
            f"Success: radial_error <= {RADIAL_MAX} and angular_coverage >= {COVERAGE_MIN} "
            f"({SAMPLES} samples, seeds 0..{args.seeds - 1}).\n\n{text}\n")
        (out / "circle-story-results.json").write_text(json.dumps(
            [{k: v for k, v in r.items() if k != "samples"} for r in rows], indent=1))
        typical_runs_png(rows, out / "img" / "circle-story.png",
                         {n: presets.config(n).circle_radius for n in {r["preset"] for r in rows}})
    return 0


def write_merged(folders: list[Path], out: Path) -> int:
    """circle-story-results.md and .json in ``out`` from earlier runs' folders (see
    ``merged_rows``), with each folder's machine line and the parabola line when present."""
    rows = merged_rows(folders)
    notes = [(f / "circle-story-results.md").read_text().splitlines()[0] for f in folders]
    parabola = out / "circle-story-parabola.json"
    extra = f"\n{parabola_line(json.loads(parabola.read_text()))}\n" if parabola.exists() else ""
    (out / "circle-story-results.md").write_text(
        "\n".join(notes) + f"\n<!-- merged by benchmarks/circle_story.py --merge -->\n"
        f"Success: radial_error <= {RADIAL_MAX} and angular_coverage >= {COVERAGE_MIN} "
        f"({SAMPLES} samples per run, seeds 0..9).\n\n{table(summarise(rows))}\n{extra}")
    (out / "circle-story-results.json").write_text(json.dumps(rows, indent=1))
    print(table(summarise(rows)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
