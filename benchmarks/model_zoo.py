"""The Model zoo page's comparison, printed as Markdown: what docs/model-zoo.md quotes.

    python benchmarks/model_zoo.py mnist_dcgan mnist_wgan_gp mnist_vae mnist_ae
    python benchmarks/model_zoo.py fashion_dcgan fashion_wgan fashion_sgan --samples 2000

The same call the page makes (`ganviz.judge.zoo.compare`, the page's defaults: 1,000 samples
per model from latent seed 0), then its metrics table and the sentences it shows, and how long
the comparison took on this machine.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._context import machine_context  # noqa: E402


def markdown(rows: list[dict]) -> str:
    keys = list(rows[0])
    lines = ["| " + " | ".join(keys) + " |", "|---" + "|---:" * (len(keys) - 1) + "|"]
    for row in rows:
        cells = [f"{v:.3g}" if isinstance(v, float) else ("" if v is None else str(v))
                 for v in row.values()]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("checkpoints", nargs="+", help="2 to 4 checkpoints of one dataset")
    p.add_argument("--samples", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    from ganviz import checkpoints
    from ganviz.judge import zoo

    print(machine_context(), flush=True)
    t0 = time.perf_counter()
    loaded = [checkpoints.load(name) for name in args.checkpoints]
    comparison = zoo.compare(loaded, zoo.ZooConfig(samples=args.samples, seed=args.seed))
    seconds = time.perf_counter() - t0
    print(markdown(zoo.table_rows(comparison)))
    print()
    for sentence in zoo.findings(comparison):
        print(f"- {sentence}")
    print(f"\ncomparison of {len(loaded)} models, {args.samples} samples each: {seconds:.1f} s "
          "(checkpoints loaded, samples, features, metrics, reconstructions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
