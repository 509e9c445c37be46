"""Train the seeds of one recipe as a single stack (one Engine, R = seeds): same maths per run
as ToyTrainer (same data, weights, noise streams and sampling), several times faster on CPU.

Per-seed numbers agree with a single-run ``python -m ganviz toy --seed S`` only to float
tolerance (batched vs plain matmuls), which a GAN's chaotic training can amplify: a rerun
through the CLI reproduces the statistics, not bit-identical samples.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np


def train_stacked(configs: list, checkpoints: list[int], samples: int = 2500
                  ) -> Iterator[tuple[int, np.ndarray, np.ndarray, float]]:
    """Yields (step, samples (R, n, 2), diverged_at (R,), seconds so far) at each checkpoint.

    configs: ToyConfigs differing only in seed. Sampling matches ToyTrainer.sample(n, seed)."""
    from ganviz.toy.datasets import get_dataset
    from ganviz.toy.engine import Engine, draw_latent

    c0 = configs[0]
    ds = get_dataset(c0.dataset, None, c0.circle_radius)
    data = np.stack([ds.sample(c.dataset_size, c.seed) for c in configs])
    t0 = time.perf_counter()
    engine = Engine(configs, data, chunk=500)
    state = engine.initial_state()
    z = np.stack([draw_latent(np.random.default_rng([c.seed, 4]), samples, c) for c in configs])
    done = 0
    for cp in checkpoints:
        state, _ = engine.train(state, cp - done)
        done = cp
        x = engine.sample(state, z)
        yield cp, x, state["diverged_at"].numpy(), time.perf_counter() - t0
