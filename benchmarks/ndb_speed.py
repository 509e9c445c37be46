"""NDB speed: fit K=100 bins on 20,000 28x28 samples, evaluate 10,000 samples against them.

Acceptance (issue 7): evaluate < 1 s, fit < 20 s. Uses real Fashion-MNIST (Debian package
dataset-fashion-mnist): bins on the first 20,000 training images, queries from the 10,000 test
images; falls back to seeded random data if the files are missing. On a machine shared with
other jobs wall time grows with the printed load average; CPU seconds (all threads) do not much.

    .venv/bin/python benchmarks/ndb_speed.py [--fit-repeats 3] [--eval-repeats 5]
"""

from __future__ import annotations

import argparse
import gzip
import os
import platform
import statistics
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks._context import timed  # noqa: E402
from ganviz.eval.ndb import KMEANS_ALGORITHM, KMEANS_MAX_ITER, KMEANS_N_INIT, evaluate, fit_bins  # noqa: E402

FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")
N_TRAIN, N_QUERY, K = 20_000, 10_000, 100


def read_idx_images(path: Path) -> np.ndarray:
    """IDX3 gz file -> (n, 28, 28) uint8 (16-byte header: magic, count, rows, cols)."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    n, rows, cols = (int.from_bytes(data[i:i + 4], "big") for i in (4, 8, 12))
    return np.frombuffer(data, np.uint8, offset=16).reshape(n, rows, cols)


def load_data(seed: int) -> tuple[np.ndarray, np.ndarray, str]:
    train_file = FASHION_MNIST / "train-images-idx3-ubyte.gz"
    test_file = FASHION_MNIST / "t10k-images-idx3-ubyte.gz"
    if train_file.exists() and test_file.exists():
        train = read_idx_images(train_file)[:N_TRAIN].astype(np.float64) / 255.0
        query = read_idx_images(test_file)[:N_QUERY].astype(np.float64) / 255.0
        return train, query, "Fashion-MNIST (train[:20000] -> bins, t10k[:10000] -> query)"
    rng = np.random.default_rng(seed)
    return (rng.random((N_TRAIN, 28, 28)), rng.random((N_QUERY, 28, 28)),
            "uniform random 28x28 (Fashion-MNIST files missing)")



def report(label: str, walls: list[float], cpus: list[float], target_s: float,
           extra: str = "") -> None:
    wall = statistics.median(walls)
    print(f"{label}: median {wall:7.3f} s wall, {statistics.median(cpus):7.3f} s CPU  "
          f"(wall runs: {', '.join(f'{t:.3f}' for t in walls)}{extra})  "
          f"target < {target_s:g} s: {'PASS' if wall < target_s else 'FAIL'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fit-repeats", type=int, default=3)
    parser.add_argument("--eval-repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    import scipy
    import sklearn

    train, query, source = load_data(args.seed)
    print(f"machine: {os.cpu_count()} CPUs ({len(os.sched_getaffinity(0))} usable), "
          f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, "
          f"numpy {np.__version__}, scikit-learn {sklearn.__version__}, scipy {scipy.__version__}, "
          f"load average {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(f"data: {source}; train {train.shape}, query {query.shape}")
    print(f"k-means: K={K}, k-means++, n_init={KMEANS_N_INIT}, max_iter={KMEANS_MAX_ITER}, "
          f"algorithm={KMEANS_ALGORITHM}, seed {args.seed}")

    fit_walls, fit_cpus, bins = timed(lambda: fit_bins(train, K, seed=args.seed), args.fit_repeats)
    report("fit_bins ", fit_walls, fit_cpus, 20, f"; {bins.n_iter} k-means iterations")
    eval_walls, eval_cpus, result = timed(lambda: evaluate(bins, query, z_threshold=4),
                                          args.eval_repeats)
    report("evaluate ", eval_walls, eval_cpus, 1)
    white_walls, white_cpus, white_bins = timed(
        lambda: fit_bins(train, K, whiten=True, seed=args.seed), 1)
    print(f"fit_bins whiten=True: {white_walls[0]:.3f} s wall, {white_cpus[0]:.3f} s CPU "
          f"({white_bins.n_iter} k-means iterations)")
    print(f"load average after: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(f"result (held-out test set vs train bins, |z| > 4): NDB = {result.NDB}, "
          f"NDB/K = {result.NDB_K:.3f}, JS = {result.JS:.5f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
