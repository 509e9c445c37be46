"""Where a toy recipe's misses lie: for each seed, train the preset (with optional overrides),
draw 2,500 samples as the CLI does, and count the samples that miss their nearest mode's 3-std
disc by how far they land (blur: 3-6 std; 6-15 std; bridges and strays: beyond 15 std). Also
prints each mode's high-quality count and the rms radius of its samples in std units (a real
2-D Gaussian mode: 1.41).

    python benchmarks/toy_misses.py ring8-default 1,3 ['{"steps": 9000}']
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from benchmarks._context import machine_context  # noqa: E402


def main(argv: list[str]) -> None:
    from ganviz.toy.datasets import get_dataset
    from ganviz.toy.presets import PRESETS
    from ganviz.toy.trainer import ToyTrainer

    if len(argv) < 2 or argv[0] in ("-h", "--help"):
        print(__doc__)
        raise SystemExit(0 if argv[:1] in (["-h"], ["--help"]) else 2)
    preset, seeds = argv[0], [int(s) for s in argv[1].split(",")]
    over = json.loads(argv[2]) if len(argv) > 2 else {}
    print(machine_context())
    for seed in seeds:
        cfg = PRESETS[preset].config(seed=seed, **over)
        ds = get_dataset(cfg.dataset)
        if ds.centres is None:
            raise SystemExit(f"{cfg.dataset} has no mode centres")
        t0 = time.perf_counter()
        trainer = ToyTrainer(cfg)
        trainer.train(cfg.steps)
        x = trainer.sample(2500, seed=seed)
        secs = time.perf_counter() - t0
        c, sd = np.asarray(ds.centres), ds.std
        d2 = ((x[:, None] - c[None]) ** 2).sum(-1)
        k, dist = d2.argmin(1), np.sqrt(d2.min(1))
        hq = dist <= 3 * sd
        counts = np.bincount(k[hq], minlength=len(c))
        miss = dist[~hq] / sd
        rms = [round(float(np.sqrt((dist[hq & (k == j)] ** 2).mean()) / sd), 2)
               if counts[j] else None
               for j in range(len(c))]
        print(f"seed {seed}: {100 * hq.mean():.1f}% high quality, "
              f"{(counts > 0).sum()}/{len(c)} modes, "
              f"per mode {counts.tolist()}; misses {len(miss)}: 3-6 std {(miss < 6).sum()}, "
              f"6-15 std {((miss >= 6) & (miss < 15)).sum()}, beyond {(miss >= 15).sum()}; "
              f"rms radius / std {rms}; {secs:.0f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
