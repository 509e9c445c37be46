"""Mode coverage of GANs trained on the synthetic shapes set (48 known modes, no classifier).

    python benchmarks/synthetic_modes.py                          # shapes_dcgan shapes_collapsed
    python benchmarks/synthetic_modes.py /tmp/runs/shapes_dcgan --n 5000 --seed 0

Per checkpoint (a name in checkpoints/ or a folder), sampling seeded with --seed:
  modes          modes captured of 48 (a mode needs >= --min-count high-quality samples)
  high quality   share of samples that `ganviz.image.synthetic.assign_modes` reads as a clean
                 sample of one mode (relative residual <= 0.2, brightness 0.6..1.25)
  mode KL        KL(high-quality mode histogram || uniform), nats (0 is perfect, log 48 = 3.87
                 for a single mode)
  largest share  the most popular mode's share of the high-quality samples (1/48 = 0.021 ideal)
  nearest-mode KL  the same KL over every sample's best-fitting mode, quality ignored: where
                 the generator's mass goes even when its images are poor
  NDB/K          K=50 bins (k-means on the checkpoint's held-out reference.npz images, raw
                 pixels, seeded), z threshold 4, the same samples; JS of the bin histograms
A baseline row scores 5,000 fresh real images (a seed the data never used) the same way.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._context import machine_context  # noqa: E402

DEFAULT_CHECKPOINTS = ("shapes_dcgan", "shapes_collapsed")
# A seed for the real baseline that load_shapes(seed=0) never draws from.
REAL_BASELINE_SEED = 12345


def score(name: str, images: np.ndarray, bins, z_threshold: float, min_count: int) -> dict:
    """Mode counts and NDB of one image set (n, 32, 32, 3) uint8."""
    from ganviz.eval import modes, ndb
    from ganviz.image import synthetic

    t0 = time.perf_counter()
    fit = synthetic.assign_modes(images)
    assign_s = time.perf_counter() - t0
    counts = modes.mode_counts(fit.modes, synthetic.N_MODES, min_count=min_count)
    res = ndb.evaluate(bins, images, z_threshold=z_threshold)
    # every sample counted at its best-fitting mode, quality ignored: where the mass goes
    nearest = modes.mode_counts(fit.best_modes, synthetic.N_MODES, min_count=min_count)
    return {"name": name, "n": len(images), "modes": counts.modes,
            "nearest_mode_kl": nearest.mode_kl, "nearest_modes": nearest.modes,
            "n_modes": counts.n_modes, "high_quality": counts.high_quality,
            "mode_kl": counts.mode_kl, "largest_mode_share": counts.largest_mode_share,
            "ndb_over_k": res.NDB_K, "ndb_js": res.JS, "assign_seconds": assign_s,
            "median_residual": float(np.median(fit.residual))}


def line(r: dict) -> str:
    return (f"{r['name']:<18} n={r['n']}  modes {r['modes']}/{r['n_modes']}  "
            f"high quality {100 * r['high_quality']:.1f}%  mode KL {r['mode_kl']:.3f}  "
            f"largest share {r['largest_mode_share']:.3f}  nearest-mode KL "
            f"{r['nearest_mode_kl']:.3f}  NDB/K {r['ndb_over_k']:.2f}  "
            f"JS {r['ndb_js']:.4f}  median residual {r['median_residual']:.3f}  "
            f"(assign {r['assign_seconds']:.2f} s)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("checkpoints", nargs="*", default=list(DEFAULT_CHECKPOINTS))
    ap.add_argument("--n", type=int, default=5000, help="samples per checkpoint")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--k", type=int, default=50, help="NDB bins")
    ap.add_argument("--z-threshold", type=float, default=4.0)
    ap.add_argument("--min-count", type=int, default=1,
                    help="high-quality samples a mode needs to be captured")
    args = ap.parse_args()

    from ganviz import checkpoints
    from ganviz.eval import ndb
    from ganviz.image import synthetic

    print(machine_context(), flush=True)
    print(f"{args.n} samples each, seed {args.seed}, NDB K={args.k} z>{args.z_threshold}, "
          f"min count {args.min_count}", flush=True)
    bins_by_reference: dict[int, object] = {}
    for name in args.checkpoints:
        ckpt = checkpoints.load(name)
        key = hash(ckpt.reference_images.tobytes())
        if key not in bins_by_reference:
            bins_by_reference[key] = ndb.fit_bins(ckpt.reference_images, k=args.k,
                                                  seed=args.seed)
            real, _ = synthetic.shapes_images(args.n, REAL_BASELINE_SEED)
            print(line(score("real (baseline)", real, bins_by_reference[key],
                             args.z_threshold, args.min_count)), flush=True)
        t0 = time.perf_counter()
        images = ckpt.sample(args.n, seed=args.seed)
        sample_s = time.perf_counter() - t0
        r = score(name, images, bins_by_reference[key], args.z_threshold, args.min_count)
        print(line(r) + f"  (sampling {sample_s:.1f} s)", flush=True)


if __name__ == "__main__":
    main()
