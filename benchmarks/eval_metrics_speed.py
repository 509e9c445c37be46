"""Feature-metric speed: FID, KID and precision/recall/density/coverage on 10,000 x 10,000
features of width 128 (the MNIST classifier's penultimate layer, ``hidden`` in
ganviz/image/classifier.py), against the authors' ``prdc`` package on the same features; then
the peak extra memory of ``prdc`` at 20,000 x 20,000.

Acceptance (issue 18): FID + KID (100 subsets of 1,000) + PRDC at 10,000 in at most 10 s;
PRDC no slower than the ``prdc`` package at 10,000; PRDC at 20,000 with at most 1 GB peak extra
memory. Features are seeded Gaussians, float32 as the classifier gives them (``--dtype
float64`` for the other path); real and fake differ in scale so that no metric sits at 0 or 1.
Memory is measured in a fresh subprocess two ways: tracemalloc's peak (NumPy reports its
arrays to it; BLAS's own buffers are not included) and the growth of the peak resident size
(VmHWM in /proc/self/status, reset first) over the resident size just before the call
(everything, BLAS included).

    .venv/bin/python benchmarks/eval_metrics_speed.py [--repeats 3] [--skip-package]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks._context import machine_context, timed
from benchmarks._context import timing_line as _timing_line  # noqa: E402
from ganviz.eval.frechet import fid  # noqa: E402
from ganviz.eval.kid import kid  # noqa: E402
from ganviz.eval.prdc import DEFAULT_CHUNK, nearest_neighbours, prdc  # noqa: E402

N, N_MEMORY, WIDTH, K = 10_000, 20_000, 128, 5
TOTAL_TARGET_S, MEMORY_TARGET_BYTES = 10.0, 1 << 30


def features(n: int, dtype: str, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    real = rng.standard_normal((n, WIDTH)).astype(dtype)
    fake = (rng.standard_normal((n, WIDTH)) * 1.05 + 0.02).astype(dtype)
    return real, fake




def package_prdc(real: np.ndarray, fake: np.ndarray) -> dict:
    from prdc import compute_prdc

    with contextlib.redirect_stdout(io.StringIO()):  # it prints the set sizes
        return compute_prdc(real, fake, K)


def status_bytes(field: str) -> int:
    """A /proc/self/status size (VmRSS now, VmHWM the peak) in bytes."""
    with open("/proc/self/status") as f:
        for row in f:
            if row.startswith(field + ":"):
                return int(row.split()[1]) * 1024  # kB
    raise RuntimeError(f"{field} missing from /proc/self/status")


def measure_memory(n: int, dtype: str) -> None:
    """Child process: one prdc() call at n x n, printed as JSON: its time and peak extra
    memory. VmHWM is this process's own peak resident size (ru_maxrss is not: after a vfork it
    starts at the parent's peak); it is reset to the current size first where the kernel lets
    us (/proc/self/clear_refs), and tracemalloc runs in a second call so it cannot slow the
    timed one."""
    import tracemalloc

    real, fake = features(n, dtype, seed=1)
    prdc(real[:600], fake[:600], K)  # BLAS threads and buffers exist before the baseline
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass
    before = status_bytes("VmRSS")
    start = time.perf_counter()
    result = prdc(real, fake, K)
    seconds = time.perf_counter() - start
    hwm_growth = status_bytes("VmHWM") - before
    tracemalloc.start()
    prdc(real, fake, K)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(json.dumps({"tracemalloc_peak": traced_peak, "hwm_growth": hwm_growth,
                      "seconds": seconds, "result": result.to_dict()}))


def speed(args) -> None:
    real, fake = features(N, args.dtype)
    print(f"data: {N:,} real x {N:,} fake, width {WIDTH}, {args.dtype}, seeded Gaussians; "
          f"k={K}, chunk={DEFAULT_CHUNK}")
    fid_w, fid_c, fid_value = timed(lambda: fid(real, fake), args.repeats)
    t_fid = line("FID", fid_w, fid_c, f"  = {fid_value:.5f}")
    kid_w, kid_c, kid_value = timed(lambda: kid(real, fake), args.repeats)
    t_kid = line("KID (100 subsets x 1,000)", kid_w, kid_c,
                 f"  = {kid_value.mean:.6f} +- {kid_value.std:.6f}")
    prdc_w, prdc_c, ours = timed(lambda: prdc(real, fake, K), args.repeats)
    t_prdc = line("precision/recall/density/coverage", prdc_w, prdc_c)
    print(f"  = {json.dumps({k: round(v, 6) for k, v in ours.to_dict().items()})}")
    total = t_fid + t_kid + t_prdc
    print(f"FID + KID + PRDC: {total:.3f} s (target <= {TOTAL_TARGET_S:g} s: "
          f"{'PASS' if total <= TOTAL_TARGET_S else 'FAIL'})")
    nn_w, nn_c, _ = timed(lambda: nearest_neighbours(real, fake), 1)
    line("nearest_neighbours (memorisation)", nn_w, nn_c)
    if args.skip_package:
        return
    pkg_w, pkg_c, theirs = timed(lambda: package_prdc(real, fake), 1)
    t_pkg = line("prdc package 0.2 (compute_prdc)", pkg_w, pkg_c)
    worst = max(abs(getattr(ours, key) - float(theirs[key])) for key in theirs)
    print(f"ganviz vs package: {t_pkg / t_prdc:.2f}x faster (target >= 1: "
          f"{'PASS' if t_prdc <= t_pkg else 'FAIL'}); largest difference in the four "
          f"numbers {worst:.1e}")


def memory(args) -> None:
    out = subprocess.run([sys.executable, __file__, "--measure-memory", str(N_MEMORY),
                          "--dtype", args.dtype], capture_output=True, text=True, check=True)
    m = json.loads(out.stdout.strip().splitlines()[-1])
    peak = max(m["tracemalloc_peak"], m["hwm_growth"])
    print(f"prdc at {N_MEMORY:,} x {N_MEMORY:,} (fresh subprocess): {m['seconds']:.2f} s; "
          f"peak extra memory {m['tracemalloc_peak'] / 2**20:.0f} MiB by tracemalloc, "
          f"{m['hwm_growth'] / 2**20:.0f} MiB by peak resident size (VmHWM) growth "
          f"(target <= 1 GiB: {'PASS' if peak <= MEMORY_TARGET_BYTES else 'FAIL'}); "
          f"the package's three {N_MEMORY:,}^2 float matrices alone: "
          f"{3 * N_MEMORY**2 * (4 if args.dtype == 'float32' else 8) / 2**30:.1f} GiB")
    print(f"  = {json.dumps({k: round(v, 6) for k, v in m['result'].items()})}")


def line(label: str, walls: list[float], cpus: list[float], extra: str = "") -> float:
    return _timing_line(label, walls, cpus, extra, width=34)



def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    parser.add_argument("--skip-package", action="store_true", help="do not time prdc 0.2")
    parser.add_argument("--measure-memory", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure_memory:
        measure_memory(args.measure_memory, args.dtype)
        return 0
    print(machine_context())
    speed(args)
    memory(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
