"""Steps/s of ToyTrainer (fused XLA loop) vs the Stack Overflow code's Keras train_on_batch
loop, same networks, on the bench config: ring8, batch 256, G and D 2 x 32 leaky ReLU,
latent 2, Adam, non_saturating.

    python benchmarks/toy_throughput.py [--steps 20000] [--keras-steps 300] [--processes 3]

The XLA loop is measured in ``--processes`` fresh Python processes, each printed: on a 2-core
machine the rate of one process seems to depend on how its two TensorFlow worker threads land
on the cores (pinned to one core a process runs steadily in between); it differs between
processes by up to ~25% (2,000 vs 2,500 steps/s) while steady within one. The ratio uses
their median.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from benchmarks._context import machine_context  # noqa: E402


def ganviz_steps_per_second(steps: int, jit: bool, repeats: int = 3) -> tuple[float, float]:
    from ganviz.toy.config import ToyConfig
    from ganviz.toy.presets import BENCH
    from ganviz.toy.trainer import ToyTrainer

    trainer = ToyTrainer(ToyConfig(**BENCH), chunk=1000, jit_compile=jit)
    t0 = time.perf_counter()
    trainer.train(1000)  # compile and warm up
    warm = time.perf_counter() - t0
    rates = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        trainer.train(steps)
        rates.append(steps / (time.perf_counter() - t0))
    return statistics.median(rates), warm


def keras_train_on_batch_steps_per_second(steps: int) -> float:
    """The Stack Overflow loop (Keras-GAN style): D.train_on_batch(real), D.train_on_batch(fake),
    combined.train_on_batch(noise), with G.predict for the fakes, as the question's code does."""
    import keras
    from keras import layers

    from ganviz.toy.datasets import ring8

    latent, batch = 2, 256

    def mlp(n_in, n_out, act):
        return keras.Sequential([keras.Input((n_in,)), layers.Dense(32), layers.LeakyReLU(0.2),
                                 layers.Dense(32), layers.LeakyReLU(0.2),
                                 layers.Dense(n_out, activation=act)])

    d = mlp(2, 1, "sigmoid")
    before = [w.numpy().copy() for w in d.weights]
    d.compile(loss="binary_crossentropy", optimizer=keras.optimizers.Adam(1e-3, 0.5),
              metrics=["accuracy"])
    g = mlp(latent, 2, None)
    d.trainable = False
    z_in = keras.Input((latent,))
    combined = keras.Model(z_in, d(g(z_in)))
    combined.compile(loss="binary_crossentropy", optimizer=keras.optimizers.Adam(1e-3, 0.5))
    data = ring8(10_000, 0)
    rng = np.random.default_rng(0)
    valid, fake = np.ones((batch, 1)), np.zeros((batch, 1))

    def step():
        imgs = data[rng.integers(0, len(data), batch)]
        noise = rng.normal(0, 1, (batch, latent))
        gen = g.predict(noise, verbose=0)
        # Keras 3 reads `trainable` at train time (Keras 2 froze it at compile time), so the
        # faithful port toggles it: D learns on its own batches, not through `combined`.
        d.trainable = True
        d.train_on_batch(imgs, valid)
        d.train_on_batch(gen, fake)
        d.trainable = False
        combined.train_on_batch(rng.normal(0, 1, (batch, latent)), valid)

    for _ in range(20):
        step()
    if all(np.array_equal(a, w.numpy()) for a, w in zip(before, d.weights)):
        raise RuntimeError("the Keras loop did not train D: the comparison would be unfair")
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    return steps / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=20_000)
    ap.add_argument("--keras-steps", type=int, default=300)
    ap.add_argument("--processes", type=int, default=3, help="fresh processes for the XLA loop")
    ap.add_argument("--only-xla", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.only_xla:
        rate, warm = ganviz_steps_per_second(args.steps, jit=True)
        print(f"{rate:.0f} {warm:.2f}")
        return
    print(machine_context())
    print(f"XLA_FLAGS: {os.environ.get('XLA_FLAGS', '')!r}")
    rates, warms = [], []
    for k in range(args.processes):
        out = subprocess.run([sys.executable, __file__, "--only-xla", "--steps", str(args.steps)],
                             capture_output=True, text=True, check=True).stdout.split()
        rates.append(float(out[-2]))
        warms.append(float(out[-1]))
        print(f"ToyTrainer, XLA, process {k + 1}    : {rates[-1]:9.0f} steps/s")
    xla, xla_warm = statistics.median(rates), statistics.median(warms)
    plain, plain_warm = ganviz_steps_per_second(max(2000, args.steps // 4), jit=False)
    keras_rate = keras_train_on_batch_steps_per_second(args.keras_steps)
    print(f"ToyTrainer, XLA fused loop     : {xla:9.0f} steps/s  "
          f"(median of {len(rates)} processes; "
          f"compile + first 1000 steps {xla_warm:.1f} s)")
    print(f"ToyTrainer, tf.function no XLA : {plain:9.0f} steps/s  "
          f"(compile + first 1000 steps {plain_warm:.1f} s)")
    print(f"Keras train_on_batch loop (SO) : {keras_rate:9.1f} steps/s")
    print(f"ratio ToyTrainer(best) / train_on_batch: {max(xla, plain) / keras_rate:.0f}x")
    print(f"kept: {'XLA' if xla >= plain else 'no XLA'} (ToyTrainer default jit_compile=True)")


if __name__ == "__main__":
    main()
