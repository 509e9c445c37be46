"""An image GAN trained live while a page watches (no streamlit).

``ImageJob`` is one session's image model (any ``ganviz.image.models.MODELS`` entry) as a
``LiveJob``: a ``LiveTrainer`` trains it in short turns of the shared ``FairGate`` while the
page draws the fixed-noise grid, the training numbers and the quick metrics. It keeps

- the training numbers per turn and the quick metrics every EVAL_EVERY steps
  (``QualityLog``s, thinned so the whole run stays visible in bounded memory);
- the grid of the 100 fixed-noise samples (one row per class for a conditional model) and
  up to MAX_FRAMES of its past for the GIF;
- the last good state: every variable of the trainer (weights, optimiser moments, step
  counters) copied every GOOD_EVERY_S seconds of training. When a step returns NaN or
  infinity the job puts that state back and stops (``diverged``): the page pauses with the
  last good weights, and new learning rates (``set_learning_rates``) let it go on from there.

Batches are drawn as `python -m ganviz train` draws them: shuffled epochs seeded by (seed,
epoch). ``save`` writes a checkpoint folder the other pages list at once.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from ganviz.image.callbacks import card_template
from ganviz.image.checkpoints import checkpoints_root
from ganviz.image.checkpoints import save as save_checkpoint
from ganviz.image.config import ImageGanConfig, architecture_for
from ganviz.image.data import ImageDataset
from ganviz.image.losses import LOSSES
from ganviz.image.models import generate_images
from ganviz.image.train import grid_inputs, make_trainer, training_data
from ganviz.live import sessions
from ganviz.live.image_metrics import image_warnings, make_quick_evaluator
from ganviz.live.run import QualityLog

EVAL_EVERY = 300          # steps between quick evaluations
GOOD_EVERY_S = 2.0        # seconds of training between copies of the last good state
MAX_FRAMES = 60           # grids kept for the GIF (thinned when full)
FIRST_FRAME_EVERY = 20    # steps between GIF frames at the start (doubles when thinned)
NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
LIVE_COMMAND = "ganviz page 'Train an image GAN' (live)"


def trainer_variables(trainer) -> list:
    """Every variable a trainer's state lives in: its networks' weights (batch-norm statistics
    too), its optimisers' variables and its own counters (step, BEGAN's k_t)."""
    import keras
    import tensorflow as tf

    out, seen = [], set()
    for value in vars(trainer).values():
        if isinstance(value, keras.Model):
            found = list(value.weights)
        elif isinstance(value, keras.optimizers.Optimizer):
            found = list(value.variables)
        elif isinstance(value, (tf.Variable, keras.Variable)):
            found = [value]
        else:
            continue
        for v in found:
            if id(v) not in seen:
                seen.add(id(v))
                out.append(v)
    return out


class ImageJob:
    """One session's image GAN, trained live (see the module docstring). ``lock`` guards the
    trainer: training turns, learning-rate changes, saving."""

    def __init__(self, config: ImageGanConfig, dataset: ImageDataset, classifier=None):
        import keras

        self.config, self.dataset = config, dataset
        self.arch = architecture_for(config, dataset)
        keras.utils.set_random_seed(config.seed)
        self.trainer = make_trainer(config, self.arch)
        self.images, self.labels = training_data(config, dataset, self.arch)
        self.evaluator = make_quick_evaluator(self.arch, dataset, config.seed, classifier)
        self.grid_z, self.grid_labels = grid_inputs(config, self.arch, self.evaluator)
        self.wasserstein = LOSSES[config.loss].wasserstein
        self.lock = threading.Lock()
        self.step = 0
        self.images_seen = 0
        self.train_seconds = 0.0
        self.last_seconds_per_step: float | None = None
        self.diverged_at: int | None = None
        self.stats, self.quick = QualityLog(), QualityLog()
        self.frames: list[tuple[int, np.ndarray]] = []
        self.frame_every = FIRST_FRAME_EVERY
        self._order, self._cursor, self._epoch = np.zeros(0, np.int64), 0, 0
        self._variables = trainer_variables(self.trainer)
        self._good: tuple[int, int, list[np.ndarray]] | None = None
        self._good_at = 0.0
        self._grid: tuple[int, np.ndarray] | None = None
        self._keep_good_state()
        self._evaluate()
        sessions.track(self)

    # ---- the LiveJob protocol ------------------------------------------------------------
    @property
    def diverged(self) -> bool:
        return self.diverged_at is not None

    @property
    def target_steps(self) -> int:
        return 2**62  # an image GAN plays until paused

    @property
    def released(self) -> bool:
        return self.trainer is None

    @property
    def good_step(self) -> int:
        return self._good[0] if self._good else 0

    @property
    def epoch(self) -> float:
        """Epochs of the training set seen so far (fractional)."""
        return self.images_seen / len(self.images)

    def train_now(self, steps: int) -> int:
        """Train ``steps`` steps under the lock, ``steps_per_call`` per trainer call. Stops
        at a NaN or infinite number (``diverged``, the last good state put back). Returns
        the steps done."""
        with self.lock:
            if self.trainer is None or self.diverged:
                return 0
            done, t0 = 0, time.perf_counter()
            while done < steps:
                n = min(steps - done, self.config.steps_per_call)
                idx = self._next_batches(n)
                stats = self.trainer.train_chunk(self.images[idx], self.labels[idx])
                if not all(np.isfinite(v) for v in stats.values()):
                    self._diverge()
                    return done
                done += n
                self.step += n
                self.images_seen += idx.size
                self.stats.add(self.step, stats)
            dt = time.perf_counter() - t0
            self.train_seconds += dt
            if done:
                self.last_seconds_per_step = dt / done
            if time.monotonic() - self._good_at >= GOOD_EVERY_S:
                self._keep_good_state()
            if self.step // EVAL_EVERY > (self.quick.steps[-1] if self.quick.steps else 0) \
                    // EVAL_EVERY:
                self._evaluate()
        return done

    def _next_batches(self, n: int) -> np.ndarray:
        """(n, batch) indices from shuffled epochs seeded by (seed, epoch)."""
        b = self.config.batch_size
        rows = []
        for _ in range(n):
            if self._cursor + b > len(self._order):
                self._epoch += 1
                rng = np.random.default_rng([self.config.seed, self._epoch])
                self._order, self._cursor = rng.permutation(len(self.images)), 0
            rows.append(self._order[self._cursor:self._cursor + b])
            self._cursor += b
        return np.stack(rows)

    # ---- the last good state ---------------------------------------------------------------
    def _keep_good_state(self) -> None:
        self._good = (self.step, self.images_seen, [np.array(v.numpy()) for v in self._variables])
        self._good_at = time.monotonic()

    def _diverge(self) -> None:
        """A step gave NaN or infinity: put the last good state back and stop."""
        self.diverged_at = self.step
        step, seen, values = self._good
        for v, x in zip(self._variables, values):
            v.assign(x)
        self.step, self.images_seen = step, seen
        self._grid = None

    def set_learning_rates(self, g_learning_rate: float, d_learning_rate: float) -> bool:
        """Change the learning rates in place (weights and moments kept); after a divergence
        this lets training go on from the last good state. Returns True when they changed."""
        config = replace(self.config, g_learning_rate=g_learning_rate,
                         d_learning_rate=d_learning_rate)
        if config == self.config:
            return False
        with self.lock:
            for name, lr in (("g_optimizer", g_learning_rate), ("d_optimizer", d_learning_rate)):
                optimizer = getattr(self.trainer, name, None)
                if optimizer is not None:
                    optimizer.learning_rate.assign(lr)
            self.config = config
            self.diverged_at = None
        return True

    # ---- views -----------------------------------------------------------------------------
    def _evaluate(self) -> None:
        self.quick.add(self.step, self.evaluator.evaluate(self.trainer.sampler))

    def grid(self) -> np.ndarray:
        """The 100 fixed-noise samples (n, H, W, C) uint8 at the current step (cached);
        adds a GIF frame when one is due."""
        cached = self._grid
        if cached is not None and cached[0] == self.step:
            return cached[1]
        step = self.step
        images = generate_images(self.trainer.sampler, self.grid_z, self.grid_labels)
        self._grid = (step, images)
        if not self.frames or step >= self.frames[-1][0] + self.frame_every:
            self.frames.append((step, images))
            if len(self.frames) > MAX_FRAMES:
                self.frames = self.frames[::2]
                self.frame_every *= 2
        return images

    def warnings(self) -> list[str]:
        steps, values = self.stats.arrays()
        counter = self.evaluator.mode_counter
        return image_warnings(steps, values, self.quick.latest(), self.diverged_at,
                              self.good_step, self.evaluator.num_classes, self.wasserstein,
                              counter[0] if counter else None)

    def gif(self, columns: int = 10, scale: int = 2) -> bytes:
        """An animated GIF of the grid's history, the step written on each frame."""
        from PIL import ImageDraw

        from ganviz.export import gif_bytes
        from ganviz.image.pixels import image_grid

        frames = list(self.frames) or [(self.step, self.grid())]
        pictures = []
        for step, images in frames:
            picture = image_grid(images, columns, scale=scale).convert("RGB")
            ImageDraw.Draw(picture).text((4, 2), f"step {step:,}", fill=(255, 64, 64))
            pictures.append(picture)
        return gif_bytes(pictures, ms_per_frame=150)

    # ---- saving and releasing --------------------------------------------------------------
    def save(self, name: str, root: Path | None = None) -> Path:
        """Write the generator as checkpoint ``root/name`` (default root: the checkpoints
        folder the other pages list). Refuses a bad or taken name (ValueError)."""
        if not NAME_RE.fullmatch(name or ""):
            raise ValueError("a checkpoint name is 1-64 letters, digits, '_' or '-', starting "
                             f"with a letter or digit; got {name!r}")
        path = (checkpoints_root() if root is None else Path(root)) / name
        if path.exists():
            raise ValueError(f"a checkpoint named {name!r} exists already; choose another name")
        with self.lock:
            config = replace(self.config, epochs=max(1, int(self.epoch)))
            card = card_template(name, config, self.arch, self.dataset, len(self.images),
                                 LIVE_COMMAND, f"trained live for {self.step:,} steps "
                                 f"({self.epoch:.2f} epochs) on the Train an image GAN page")
            metrics = {**self.stats.latest(), **self.quick.latest(), "step": float(self.step)}
            history = tuple({"step": s, **{k: v[i] for k, v in self.quick.values.items()
                                           if np.isfinite(v[i])}}
                            for i, s in enumerate(self.quick.steps))
            card = replace(card, epochs=config.epochs, training_time_s=round(self.train_seconds, 1),
                           metrics=metrics, history=history,
                           created=datetime.now(UTC).isoformat(timespec="seconds"))
            samples = generate_images(self.trainer.sampler, self.grid_z, self.grid_labels)
            return save_checkpoint(path, self.trainer.sampler, card, samples,
                                   self.dataset.heldout_images, self.dataset.heldout_labels)

    def release(self) -> None:
        """Drop the networks and views: the session is gone for good (unusable after)."""
        with self.lock:
            self.trainer = None
            self._variables, self._good = [], None
        self.frames, self._grid = [], None
