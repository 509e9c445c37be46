"""Images/s of ganviz's image GAN training against the Fashion-MNIST DCGAN tutorial loop
(seed 004 / FACTS.md): the same generator and discriminator, the same batch (32), the same
data, in one run.

    python benchmarks/image_train_throughput.py [--steps 150] [--rounds 2] [--batch-size 32]

Tutorial loop: tf.data (shuffle 1000, batch, prefetch 1), then per batch
`discriminator.train_on_batch` on real+fake and `gan.train_on_batch` with D frozen, toggling
`discriminator.trainable` as the tutorial does. ganviz: `ImageGanTrainer.train_chunk`, one
`tf.function` that runs `steps_per_call` D+G steps on in-memory uint8 batches, both in
its "alternating" update (D step, then G step on fresh fakes, like the tutorial) and its
"simultaneous" update (one batch of fakes for both gradients, like TensorFlow's DCGAN
tutorial, about a third fewer FLOPs); the
discriminator's final sigmoid is folded into the loss (softplus on logits), same maths.
An image counts once per step (the real batch), for both loops. Rounds alternate the two
loops so a busy shared machine slows both alike; the median round is reported.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

LATENT = 100  # the tutorial's num_features


def tutorial_generator():
    import keras
    from keras import layers

    return keras.Sequential([
        keras.Input((LATENT,)),
        layers.Dense(7 * 7 * 128),
        layers.Reshape([7, 7, 128]),
        layers.BatchNormalization(),
        layers.Conv2DTranspose(64, (5, 5), (2, 2), padding="same", activation="selu"),
        layers.BatchNormalization(),
        layers.Conv2DTranspose(1, (5, 5), (2, 2), padding="same", activation="tanh"),
    ], name="generator")


def tutorial_discriminator(sigmoid: bool = True):
    import keras
    from keras import layers

    return keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(64, (5, 5), (2, 2), padding="same"),
        layers.LeakyReLU(0.2),
        layers.Dropout(0.3),
        layers.Conv2D(128, (5, 5), (2, 2), padding="same"),
        layers.LeakyReLU(0.2),
        layers.Dropout(0.3),
        layers.Flatten(),
        layers.Dense(1, activation="sigmoid" if sigmoid else None),
    ], name="discriminator")


class TutorialLoop:
    """The seed article's code, kept as written (apart from Keras 3 spelling)."""

    def __init__(self, x_train: np.ndarray, batch_size: int):
        import keras
        import tensorflow as tf

        self.batch_size = batch_size
        self.generator = tutorial_generator()
        self.discriminator = tutorial_discriminator()
        self.discriminator.compile(loss="binary_crossentropy", optimizer="adam")
        self.discriminator.trainable = False
        self.gan = keras.Sequential([self.generator, self.discriminator])
        self.gan.compile(loss="binary_crossentropy", optimizer="adam")
        x = x_train.reshape(-1, 28, 28, 1).astype(np.float32) / 255.0 * 2.0 - 1.0
        self.dataset = (tf.data.Dataset.from_tensor_slices(x).shuffle(1000)
                        .batch(batch_size, drop_remainder=True).prefetch(1))
        self.iterator = iter(self.dataset.repeat())

    def run(self, steps: int) -> None:
        import tensorflow as tf

        bs = self.batch_size
        for _ in range(steps):
            x_batch = next(self.iterator)
            noise = tf.random.normal(shape=[bs, LATENT])
            generated_images = self.generator(noise)
            x_fake_and_real = tf.concat([generated_images, x_batch], axis=0)
            y1 = tf.constant([[0.0]] * bs + [[1.0]] * bs)
            self.discriminator.trainable = True
            self.discriminator.train_on_batch(x_fake_and_real, y1)
            noise = tf.random.normal(shape=[bs, LATENT])
            y2 = tf.constant([[1.0]] * bs)
            self.discriminator.trainable = False
            self.gan.train_on_batch(noise, y2)


class GanvizLoop:
    """ganviz.image.trainer.ImageGanTrainer on the same networks, as `train()` drives it:
    a shuffled index per epoch, uint8 batches gathered on the host, fused steps."""

    def __init__(self, x_train: np.ndarray, batch_size: int, steps_per_call: int,
                 update: str = "alternating"):
        from ganviz.image.config import ImageGanConfig
        from ganviz.image.models import Architecture
        from ganviz.image.trainer import ImageGanTrainer

        config = ImageGanConfig(dataset="fashion_mnist", batch_size=batch_size, latent_dim=LATENT,
                                g_learning_rate=1e-3, d_learning_rate=1e-3, beta_1=0.9,
                                steps_per_call=steps_per_call, update=update)
        arch = Architecture(latent_dim=LATENT)
        self.trainer = ImageGanTrainer(config, arch, tutorial_generator(),
                                       tutorial_discriminator(sigmoid=False))
        self.images = x_train.reshape(-1, 28, 28, 1)
        self.labels = np.zeros(len(self.images), np.int32)
        self.batch_size, self.spc = batch_size, steps_per_call
        self.rng = np.random.default_rng(0)

    def run(self, steps: int) -> None:
        done = 0
        while done < steps:
            s = min(self.spc, steps - done)
            idx = self.rng.integers(0, len(self.images), (s, self.batch_size))
            self.trainer.train_chunk(self.images[idx], self.labels[idx])
            done += s


def forward_flops(model) -> float:
    """FLOPs (2 x multiply-adds) of one image through ``model``'s Dense and convolution layers."""
    from keras import layers

    total = 0.0
    for layer in model.layers:
        if isinstance(layer, layers.Dense):
            total += 2 * layer.kernel.shape[0] * layer.kernel.shape[1]
        elif isinstance(layer, (layers.Conv2D, layers.Conv2DTranspose)):
            # Conv2D: (kh, kw, in, out); transposed: (kh, kw, out, in)
            kh, kw, a, b = layer.kernel.shape
            if isinstance(layer, layers.Conv2DTranspose):  # every input pixel scatters a kernel
                h, w = layer.input.shape[1:3]
            else:  # every output pixel gathers one
                h, w = layer.output.shape[1:3]
            total += 2 * h * w * kh * kw * a * b
    return total


def step_flops(g_flops: float, d_flops: float, batch: int) -> dict[str, float]:
    """Arithmetic of one training step, counting a backward pass as twice its forward
    (weight and input gradients). Alternating (the tutorial's algorithm): G makes a batch, D
    learns on 2B images, G makes a fresh batch and learns through D (D's input gradients
    only). Simultaneous: one batch of fakes serves both, so one G forward less and D's
    forward on the fakes is shared."""
    return {
        "alternating": batch * (4 * g_flops + 8 * d_flops),
        "simultaneous": batch * (3 * g_flops + 7 * d_flops),
    }


def tf_matmul_gflops(n: int = 1024, seconds: float = 1.0) -> float:
    """TensorFlow's best arithmetic rate here: n x n float32 matmuls, GFLOP/s."""
    import tensorflow as tf

    from benchmarks._context import best_gflops

    a = tf.random.normal([n, n])
    f = tf.function(lambda a: tf.matmul(a, a))
    f(a).numpy()
    return best_gflops(lambda: f(a).numpy(), 2 * n ** 3, seconds)


def timed(loop, steps: int, batch_size: int) -> float:
    t0 = time.perf_counter()
    loop.run(steps)
    return steps * batch_size / (time.perf_counter() - t0)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=150, help="timed steps per loop per round")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--steps-per-call", type=int, default=10)
    p.add_argument("--train-images", type=int, default=10_000)
    args = p.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    import keras
    import tensorflow as tf

    from benchmarks._context import matmul_gflops
    from ganviz.image import data

    keras.utils.set_random_seed(0)
    ds = data.load("fashion_mnist")
    x = ds.train_images[: args.train_images]
    print(f"machine: {os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), "
          f"load average {os.getloadavg()[0]:.1f}, "
          f"numpy 256x256 matmul {matmul_gflops():.0f} GFLOP/s, "
          f"GPUs {len(tf.config.list_physical_devices('GPU'))}; "
          f"Python {platform.python_version()}, TensorFlow {tf.__version__}, "
          f"Keras {keras.__version__}")
    print(f"data: {ds.source}; first {len(x)} training images; batch {args.batch_size}; "
          f"networks: the tutorial's G (Dense 7x7x128, ConvT 64 5x5, ConvT 1 5x5) and D "
          f"(Conv 64 5x5, Conv 128 5x5, Dense 1)")
    loops = {
        "tutorial loop": TutorialLoop(x, args.batch_size),
        "ganviz alternating": GanvizLoop(x, args.batch_size, args.steps_per_call, "alternating"),
        "ganviz simultaneous": GanvizLoop(x, args.batch_size, args.steps_per_call, "simultaneous"),
    }
    for loop in loops.values():  # warm-up: tracing and first-call costs are not timed
        loop.run(2 * args.steps_per_call)
    results: dict[str, list[float]] = {name: [] for name in loops}
    for r in range(args.rounds):
        for name, loop in loops.items():
            results[name].append(timed(loop, args.steps, args.batch_size))
        rates = "   ".join(f"{k} {v[-1]:6.1f} img/s" for k, v in results.items())
        print(f"round {r + 1}: " + rates,
              flush=True)
    report(results, args.batch_size, list(loops))
    return 0


def report(results: dict[str, list[float]], batch_size: int, loops: list[str]) -> None:
    """Median images/s per loop, the arithmetic they achieve and the speed-ups."""
    from benchmarks._context import matmul_gflops

    med = {k: statistics.median(v) for k, v in results.items()}
    base = med["tutorial loop"]
    print("median images/s: " + ", ".join(f"{k} {v:.1f}" for k, v in med.items()))
    flops = step_flops(forward_flops(tutorial_generator()), forward_flops(tutorial_discriminator()),
                       batch_size)
    per_loop = {"tutorial loop": flops["alternating"], "ganviz alternating": flops["alternating"],
                "ganviz simultaneous": flops["simultaneous"]}
    print(f"arithmetic per step: alternating {flops['alternating'] / 1e9:.2f} GFLOP, simultaneous "
          f"{flops['simultaneous'] / 1e9:.2f} GFLOP (Dense and convolution layers; "
          "backward = 2x forward)")
    print("achieved: " + ", ".join(f"{k} {med[k] / batch_size * per_loop[k] / 1e9:.1f} GFLOP/s"
                                   for k in loops) +
          "; 1.5x the tutorial loop needs " + ", ".join(
              f"{name} {1.5 * base / batch_size * flops[name] / 1e9:.1f} GFLOP/s"
              for name in flops) +
          f"; TensorFlow's 1024x1024 matmul here: {tf_matmul_gflops():.1f} GFLOP/s")
    for name in ("ganviz alternating", "ganviz simultaneous"):
        print(f"speed-up {name} / tutorial loop: {med[name] / base:.2f}x (acceptance: >= 1.5x)")
    print(f"load average now {os.getloadavg()[0]:.1f} "
          "(other work on the machine slows every loop); "
          f"numpy 256x256 matmul {matmul_gflops():.0f} GFLOP/s")


if __name__ == "__main__":
    sys.exit(main())
