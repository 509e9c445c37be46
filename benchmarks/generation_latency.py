"""Latency of what the image pages do on every rerun: generate a 64-image grid and encode it as a
PNG for display. Target (issue 6): median under 200 ms, warm, on the 2-core dev machine.

    python benchmarks/generation_latency.py [--checkpoint mnist_cdcgan] [--repeats 30]

Each repeat uses a new seed (new z and labels), times `Checkpoint.generate` on 64 latents and
`ganviz.plots.images` grid + PNG encoding (3x magnified, as the pages show it), and reports the
median and the 90th percentile of each part and of the total. The first calls (graph tracing,
cache warm-up) are excluded and reported separately.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from benchmarks._context import machine_context  # noqa: E402

GRID = 64
TARGET_MS = 200.0


def main(argv: list[str] | None = None) -> int:
    from ganviz import checkpoints as ckpts
    from ganviz.plots import images as plots

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--checkpoint", action="append",
                   help="checkpoint name or folder (repeatable; default: every complete one)")
    p.add_argument("--repeats", type=int, default=30)
    p.add_argument("--warmup", type=int, default=3)
    args = p.parse_args(argv)
    names = args.checkpoint or [s.name for s in ckpts.list_checkpoints() if s.ok]
    if not names:
        print("no checkpoints found; train one (see checkpoints/README.md)")
        return 1
    print(machine_context())
    print(f"{GRID}-image grid: Checkpoint.generate + grid + PNG (scale 3, zlib level 1); "
          f"{args.repeats} repeats after {args.warmup} warm-up calls")
    worst = 0.0
    for name in names:
        t0 = time.perf_counter()
        ckpt = ckpts.load(name)
        load_s = time.perf_counter() - t0
        gen_ms, enc_ms, total_ms, warm_ms = [], [], [], []
        for i in range(args.warmup + args.repeats):
            z = ckpt.latent(GRID, seed=i)
            labels = (np.arange(GRID) % ckpt.num_classes) if ckpt.conditional else None
            t0 = time.perf_counter()
            images = ckpt.generate(z, labels)
            t1 = time.perf_counter()
            png = plots.png_bytes(plots.image_grid(images, 8, scale=3))
            t2 = time.perf_counter()
            if i < args.warmup:
                warm_ms.append((t2 - t0) * 1e3)
                continue
            assert len(png) > 1000
            gen_ms.append((t1 - t0) * 1e3)
            enc_ms.append((t2 - t1) * 1e3)
            total_ms.append((t2 - t0) * 1e3)
        med = float(np.median(total_ms))
        worst = max(worst, med)
        print(f"\n{name} ({ckpt.card.model}, latent {ckpt.latent_dim}, "
              f"{'x'.join(map(str, ckpt.image_shape))}): load {load_s:.1f} s, "
              f"first calls {', '.join(f'{w:.0f}' for w in warm_ms)} ms")
        for part, xs in (("generate", gen_ms), ("grid + PNG", enc_ms), ("total", total_ms)):
            print(f"  {part:<11} median {np.median(xs):7.1f} ms   "
                  f"p90 {np.percentile(xs, 90):7.1f} ms"
                  f"   min {np.min(xs):6.1f} ms")
        print(f"  PNG size {len(png) / 1024:.0f} KiB")
    verdict = "meets" if worst < TARGET_MS else "MISSES"
    print(f"\nslowest median total {worst:.1f} ms: {verdict} the {TARGET_MS:.0f} ms target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
