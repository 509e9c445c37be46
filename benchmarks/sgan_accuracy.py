"""Issue 19's SGAN bar: does the semi-supervised GAN's discriminator classify better than the same
architecture trained supervised on the same few labels?

    python benchmarks/sgan_accuracy.py                                # fashion_mnist, 10 labels
    python benchmarks/sgan_accuracy.py --epochs 5 --seeds 0 1 2 --out-dir runs/sgan --json r.json

Per seed: `python -m ganviz train --model sgan --labels-per-class N --d-dropout 0.5
--unsupervised-weight 2 --seed S` (a real CLI run, so each checkpoint's card holds the
command), then `ganviz.image.sgan.supervised_baseline` trains the same network (same dropout,
optimiser, learning rate, batch size, labelled images and number of updates) on the labels
alone. Both accuracies are on the dataset's whole held-out split (Fashion-MNIST: the 10,000
test images), after the last update: no early stopping on the test split for either. The
control's accuracy goes into the checkpoint's card as `metrics["supervised_test_accuracy"]`
(the Model zoo page reads it). Acceptance: the mean over seeds of SGAN minus supervised is at
least 5 points.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._context import machine_context  # noqa: E402

BAR_POINTS = 5.0


def train_sgan(out: Path, args: argparse.Namespace, seed: int) -> float:
    """One `python -m ganviz train --model sgan` run into `out`; returns its wall seconds (the
    card's training time when `out` already holds --epochs epochs: that run is reused)."""
    cmd = [sys.executable, "-m", "ganviz", "train", "--dataset", args.dataset, "--model", "sgan",
           "--epochs", str(args.epochs), "--batch-size", str(args.batch_size),
           "--labels-per-class", str(args.labels_per_class), "--seed", str(seed),
           "--out", str(out), "--quiet"]
    if args.max_images:
        cmd += ["--max-images", str(args.max_images)]
    cmd += ["--d-dropout", str(args.d_dropout), "--d-input-noise", str(args.d_input_noise),
            "--unsupervised-weight", str(args.unsupervised_weight)]
    if (out / "card.json").exists():
        card = json.loads((out / "card.json").read_text())
        if card["epochs"] >= args.epochs:
            return float(card["training_time_s"])
        cmd.append("--resume")
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT)
    return time.perf_counter() - t0


def control(out: Path) -> tuple[float, float, float, int]:
    """(SGAN accuracy from the card, supervised accuracy, its seconds, updates) for one run."""
    from ganviz import checkpoints
    from ganviz.image.config import ImageGanConfig
    from ganviz.image.models import Architecture
    from ganviz.image.sgan import supervised_baseline

    card = checkpoints.load(out).card
    config = ImageGanConfig.from_dict(card.config)
    arch = Architecture.from_dict(card.architecture)
    steps = int(card.epochs * (card.train_count // config.batch_size))
    t0 = time.perf_counter()
    accuracy = supervised_baseline(config, arch, steps)
    seconds = time.perf_counter() - t0
    metrics = {**card.metrics, "supervised_test_accuracy": round(accuracy, 4),
               "supervised_steps": steps}
    checkpoints.write_metrics(out, metrics)
    return float(card.metrics["classifier_test_accuracy"]), accuracy, seconds, steps


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--dataset", default="fashion_mnist")
    p.add_argument("--labels-per-class", type=int, default=10)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--max-images", type=int, default=None)
    p.add_argument("--d-dropout", type=float, default=0.5,
                   help="D's dropout after each block, both models (default 0.5)")
    p.add_argument("--unsupervised-weight", type=float, default=2.0,
                   help="the SGAN's real/fake loss weight (the control has none; default 2, "
                        "fashion_sgan's)")
    p.add_argument("--d-input-noise", type=float, default=0.0,
                   help="std of Gaussian noise on D's input, both models (default 0: off)")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--out-dir", default=None, help="keep each seed's checkpoint here (seed_S/); "
                   "an existing one is resumed up to --epochs")
    p.add_argument("--json", default=None)
    args = p.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    print(machine_context(), flush=True)
    out_dir = Path(args.out_dir or tempfile.mkdtemp(prefix="sgan_accuracy_"))
    rows = []
    for seed in args.seeds:
        out = out_dir / f"seed_{seed}"
        train_s = train_sgan(out, args, seed)
        sgan_acc, sup_acc, sup_s, steps = control(out)
        rows.append({"seed": seed, "sgan_test_accuracy": sgan_acc,
                     "supervised_test_accuracy": sup_acc, "updates": steps,
                     "sgan_train_seconds": round(train_s, 1),
                     "supervised_train_seconds": round(sup_s, 1), "checkpoint": str(out)})
        print(f"seed {seed}: SGAN {100 * sgan_acc:.2f}%  supervised {100 * sup_acc:.2f}%  "
              f"gap {100 * (sgan_acc - sup_acc):+.2f} points  ({steps} updates each; "
              f"SGAN run {train_s:.0f} s, supervised {sup_s:.0f} s)", flush=True)
    sgan_mean = float(np.mean([r["sgan_test_accuracy"] for r in rows]))
    sup_mean = float(np.mean([r["supervised_test_accuracy"] for r in rows]))
    gap = 100 * (sgan_mean - sup_mean)
    verdict = "PASS" if gap >= BAR_POINTS else "FAIL"
    print(f"mean over {len(rows)} seeds ({args.dataset}, {args.labels_per_class} labels per "
          f"class, {args.epochs} epochs): SGAN {100 * sgan_mean:.2f}%  supervised "
          f"{100 * sup_mean:.2f}%  gap {gap:+.2f} points (bar >= {BAR_POINTS:g}): {verdict}")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "context": machine_context(), "dataset": args.dataset,
            "labels_per_class": args.labels_per_class, "epochs": args.epochs, "runs": rows,
            "sgan_mean": sgan_mean, "supervised_mean": sup_mean, "gap_points": gap,
            "pass": gap >= BAR_POINTS}, indent=2) + "\n")
    return 0 if gap >= BAR_POINTS else 1


if __name__ == "__main__":
    sys.exit(main())
