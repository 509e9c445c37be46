"""Machine context printed by every benchmark, so numbers are read with their machine."""

from __future__ import annotations

import os
import platform
import statistics
import time


def best_gflops(call, flop: float, seconds: float) -> float:
    """GFLOP/s of ``call()`` (``flop`` operations each), calling it for ``seconds``; best of 3."""
    best = 0.0
    for _ in range(3):
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds / 3:
            call()
            n += 1
        best = max(best, flop * n / (time.perf_counter() - t0) / 1e9)
    return best


def matmul_gflops(seconds: float = 0.3) -> float:
    """This machine's speed right now: float32 256x256 matmuls in numpy, GFLOP/s. Shared cloud
    cores drift (25-54 GFLOP/s seen on this machine on different days), so every benchmark
    prints it next to its own numbers."""
    import numpy as np

    a = np.random.default_rng(0).random((256, 256), dtype=np.float32)
    return best_gflops(lambda: a @ a, 2 * 256 ** 3, seconds)


def machine_context() -> str:
    import numpy

    parts = [f"python {platform.python_version()}", f"{os.cpu_count()} CPUs",
             platform.processor() or platform.machine(), f"numpy {numpy.__version__}"]
    try:
        import tensorflow as tf

        parts.append(f"tensorflow {tf.__version__}")
        gpus = tf.config.list_physical_devices("GPU")
        parts.append(f"{len(gpus)} GPU" if gpus else "no GPU")
    except ImportError:
        pass
    try:
        load = os.getloadavg()[0]
        parts.append(f"load avg {load:.2f}")
    except OSError:
        pass
    parts.append(f"numpy 256x256 matmul {matmul_gflops():.0f} GFLOP/s")
    return "machine: " + ", ".join(parts)


def timed(fn, repeats: int) -> tuple[list[float], list[float], object]:
    """Wall and CPU seconds per run of ``fn()``, and its last result. CPU time (all threads)
    is the figure other jobs on a shared machine disturb least."""
    walls, cpus, out = [], [], None
    for _ in range(repeats):
        start, cpu_start = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu_start)
    return walls, cpus, out


def timing_line(label: str, walls: list[float], cpus: list[float], extra: str = "",
                width: int = 40) -> float:
    """Print the median wall and CPU seconds of ``timed`` runs; returns the median wall."""
    wall = statistics.median(walls)
    print(f"{label:<{width}} median {wall:7.3f} s wall, {statistics.median(cpus):7.3f} s CPU "
          f"(runs {', '.join(f'{t:.3f}' for t in walls)}){extra}")
    return wall
