"""Does memory come back after heavy students leave? Rounds of heavy Toy GAN Lab runs in one
process, released the way the janitor releases a session (``release()``, a garbage
collection, ``return_free_memory``).

Each round builds ``--heavy`` runs on the heaviest settings the lab's widgets allow (G and D
6 x 512, batch 4,096), trains and refreshes each as a playing page does, then releases them.
Printed: RSS before, at the round's peak and after its release. A leak grows round after
round; a high-water mark (memory kept by the allocator and TensorFlow for the next such
session) does not. ``classroom_ws.py --hostile-share`` shows the same in the server.

    .venv/bin/python benchmarks/heavy_memory.py [--rounds 3] [--heavy 3]
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._context import machine_context  # noqa: E402
from benchmarks.classroom_load import rss_mib  # noqa: E402

HEAVY = dict(dataset="ring8", g_depth=6, g_width=512, d_depth=6, d_width=512, batch_size=4096)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--heavy", type=int, default=3)
    args = ap.parse_args()
    print(machine_context(), flush=True)
    from ganviz.live.run import LabRun
    from ganviz.live.sessions import return_free_memory
    from ganviz.toy.config import ToyConfig

    light = LabRun(ToyConfig(dataset="ring8"))  # the server's warm state: one light run
    light.train(200)
    light.refresh()
    before = rss_mib(os.getpid())
    print(f"before: {before:,.0f} MiB (one light run trained and drawn)")
    for k in range(args.rounds):
        runs = [LabRun(ToyConfig(**HEAVY, seed=10 * k + i)) for i in range(args.heavy)]
        for run in runs:
            run.train(3)
            run.refresh()
            run.train(2)
            run.refresh()
        peak = rss_mib(os.getpid())
        for run in runs:
            run.release()
        del runs, run
        gc.collect()
        trimmed = return_free_memory()
        after = rss_mib(os.getpid())
        print(f"round {k + 1}: {args.heavy} heavy runs, peak {peak:,.0f} MiB, after release "
              f"{after:,.0f} MiB ({100 * (after / before - 1):+.0f} % of before; malloc_trim "
              f"{'ran' if trimmed else 'unavailable'})", flush=True)


if __name__ == "__main__":
    main()
