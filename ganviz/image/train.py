"""Train an image GAN (any `ganviz.image.models.MODELS` entry) into a checkpoint folder.

Stages, each handing the next a typed object:
    `ImageGanConfig` (ganviz.image.config, frozen)
    -> a start: a fresh trainer, or one resumed from the folder's state/ (`_resume`)
    -> the epoch loop (`_train_epoch`: shuffled batches, fused D+G steps, progress bar; an
       optional wall-time budget, `ImageGanConfig.seconds`, can cut the last epoch short)
    -> evaluation on a fixed z (`ganviz.image.evaluation.EpochEvaluator`)
    -> callbacks (`ganviz.image.callbacks`): the checkpoint written atomically every epoch,
       a line on stderr, the caller's `on_epoch`
    -> `TrainResult`.

The trainer is the model's own (`ImageModel.trainer`) or `ImageGanTrainer`; its networks come
from the model's builders. Same config and seed, same run: the seed fixes Keras' initial
weights, each epoch's shuffling (seeded by (seed, epoch)) and the stateless step noise.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from ganviz.image.callbacks import (
    CheckpointWriter,
    EpochCallback,
    EpochEnd,
    EpochFunction,
    ProgressPrinter,
    card_template,
    distribution,
)
from ganviz.image.checkpoints import load
from ganviz.image.config import ImageGanConfig, architecture_for
from ganviz.image.data import ImageDataset
from ganviz.image.evaluation import EpochEvaluator, make_evaluator
from ganviz.image.models import Architecture, model_spec
from ganviz.image.trainer import ImageGanTrainer, make_strategy, worker_role

GRID_COLUMNS = 10
GRID_SIZE = GRID_COLUMNS * GRID_COLUMNS  # samples.png: 10 x 10, one row per class of ten


@dataclass(frozen=True)
class TrainResult:
    path: Path
    epochs: int
    training_time_s: float
    metrics: dict[str, float]
    history: tuple[dict, ...]


@dataclass
class _Start:
    """Where a run begins: its trainer, first epoch, earlier history and wall time, and the
    commands that made the earlier epochs ("" for a fresh run)."""

    trainer: ImageGanTrainer
    first_epoch: int
    history: list[dict]
    elapsed_before: float
    earlier_command: str


def train(config: ImageGanConfig, dataset: ImageDataset, out: str | os.PathLike,
          resume: bool = False, classifier=None, progress: bool = True,
          command: str | None = None, notes: str = "",
          on_epoch: Callable[[int, dict], None] | None = None) -> TrainResult:
    """Train and write a checkpoint folder at `out` after every epoch (atomically).

    classifier: keras model for per-epoch classifier metrics (None: skipped).
    resume: continue the run in `out` (its card's config must match `config` except epochs
        and seconds); after an epoch cut short by `config.seconds` it starts the next epoch.
    on_epoch: called as on_epoch(epoch, metrics) after each epoch is saved.
    config.seconds: see `_fit`; evaluation, checkpoint and callbacks then run once, at the end.
    multiworker: every worker runs this with the same arguments; only the chief writes to `out`
        and prints; the others write the same files into a temporary folder they delete (so
        every worker runs the same TensorFlow ops).
    """
    import tensorflow as tf

    strategy = make_strategy(config.strategy)  # first: multiworker needs it so
    role = worker_role(strategy)
    out = Path(out)
    arch = architecture_for(config, dataset)
    tf.keras.utils.set_random_seed(config.seed)
    if out.exists() and not resume:
        raise ValueError(f"{out} already exists: pass --resume to continue it, or choose "
                         "another --out")
    with strategy.scope():  # networks loaded from a checkpoint get the strategy's variables
        start = _resume(config, arch, out) if resume else _fresh(config, arch)
    images, labels = training_data(config, dataset, arch)
    evaluator = make_evaluator(config, arch, dataset, classifier)
    command = command if command is not None else " ".join(shlex.quote(a) for a in sys.argv)
    if start.earlier_command:
        command = f"{start.earlier_command} ; {command}"  # a resumed card keeps every command
    card = card_template(out.name, config, arch, dataset, len(images), command, notes,
                         distribution(config.strategy, role))
    scratch = None if role.chief else Path(tempfile.mkdtemp(prefix="ganviz-worker-"))
    folder = out if scratch is None else scratch / out.name
    callbacks: list[EpochCallback] = [
        CheckpointWriter(folder, start.trainer, card, *grid_inputs(config, arch, evaluator),
                         dataset, config.epoch_samples)]
    if role.chief:
        callbacks.append(ProgressPrinter())
    if on_epoch is not None:
        callbacks.append(EpochFunction(on_epoch))
    try:
        return _fit(config, start, images, labels, evaluator, callbacks,
                    progress and role.chief, out)
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


def _fit(config: ImageGanConfig, start: _Start, images: np.ndarray, labels: np.ndarray,
         evaluator: EpochEvaluator, callbacks: list[EpochCallback], progress: bool,
         out: Path) -> TrainResult:
    """The epoch loop: train, evaluate, record, hand the epoch to every callback.

    With `config.seconds` the budget is wall time from the first step: training, its tracing
    and the loop's bookkeeping; the epoch during which it runs out ends after its current
    chunk, is recorded as stopped (`stopped: "seconds"`, `epoch_fraction`), and only then is
    the generator evaluated and the checkpoint written (that final work is not counted)."""
    trainer, history = start.trainer, start.history
    epoch, elapsed = start.first_epoch - 1, start.elapsed_before
    run_start = time.perf_counter()
    time_is_up = _budget(config, trainer, run_start)
    for epoch in range(start.first_epoch, config.epochs + 1):
        means, train_s, steps, total, out_of_time = _train_epoch(
            trainer, images, labels, config, epoch, progress, time_is_up)
        # a trainer may measure something once an epoch (SGAN: its classifier's test accuracy)
        means.update(getattr(trainer, "epoch_metrics", dict)())
        n_images = steps * config.batch_size
        record = {"epoch": epoch, **means, "train_seconds": round(train_s, 2),
                  "images_per_second": round(n_images / max(train_s, 1e-9), 1),
                  "steps": steps, "images_seen": n_images}
        if out_of_time:
            record.update(stopped="seconds", epoch_fraction=round(steps / total, 4))
        if config.seconds is not None and not (out_of_time or epoch == config.epochs):
            history.append(record)  # a budgeted run evaluates and saves once, at the end
            continue
        metrics, generated = evaluator.evaluate(trainer.sampler)
        record = {**record, **metrics}
        history.append(record)
        elapsed = start.elapsed_before + time.perf_counter() - run_start  # incl. evaluation
        logs = EpochEnd(record, tuple(history), generated, evaluator.labels, elapsed)
        for callback in callbacks:
            callback.on_epoch_end(epoch, logs)
        if out_of_time:
            break
    final = history[-1] if history else {}
    return TrainResult(out, epoch, round(elapsed, 1),
                       {k: v for k, v in final.items() if k != "epoch"}, tuple(history))


def _train_epoch(trainer, images: np.ndarray, labels: np.ndarray, config: ImageGanConfig,
                 epoch: int, progress: bool, time_is_up: Callable[[], bool] | None = None
                 ) -> tuple[dict[str, float], float, int, int, bool]:
    """One shuffled pass, `steps_per_call` steps per trainer call, cut short after the first
    chunk after which `time_is_up()` answers True (see `_budget`). Returns (the per-step
    means of the trainer's numbers over the steps done, training seconds, steps done, steps in
    a full epoch, whether the time ran out)."""
    from tqdm.auto import tqdm

    order = _epoch_batches(len(images), config.batch_size,
                           np.random.default_rng([config.seed, epoch]))  # (steps, batch)
    spc = config.steps_per_call
    t0 = time.perf_counter()
    sums: dict[str, float] = {}
    done, stopped = 0, False
    total = "" if config.seconds is not None else f"/{config.epochs}"
    bar = tqdm(total=order.size, unit="img", disable=not progress,
               desc=f"epoch {epoch}{total}", file=sys.stderr,
               mininterval=1.0 if sys.stderr.isatty() else 30.0)
    for i in range(0, len(order), spc):
        idx = order[i:i + spc]
        stats = trainer.train_chunk(images[idx], labels[idx])  # (S, B, H, W, C), (S, B)
        for key, v in stats.items():
            sums[key] = sums.get(key, 0.0) + v * len(idx)
        done += len(idx)
        bar.update(idx.size)
        # the trainer's first two numbers: d_loss, g_loss for GANs; loss, reconstruction for AEs
        bar.set_postfix({k: f"{v:.3f}" for k, v in list(stats.items())[:2]}, refresh=False)
        stopped = time_is_up is not None and time_is_up()
        if stopped:
            break
    bar.close()
    train_s = time.perf_counter() - t0
    return {k: v / done for k, v in sums.items()}, train_s, done, len(order), stopped


def _budget(config: ImageGanConfig, trainer, run_start: float) -> Callable[[], bool] | None:
    """None without `config.seconds`; else 'is the time up?', asked after every chunk. In a
    multiworker run each worker has its own clock but all must stop after the same chunk
    (collective ops wait for every worker), so the answer is one all-reduced flag: up when
    any worker's budget is spent."""
    if config.seconds is None:
        return None
    stop_at = run_start + config.seconds
    strategy = getattr(trainer, "strategy", None)
    if strategy is None or worker_role(strategy).workers == 1:
        return lambda: time.perf_counter() >= stop_at

    import tensorflow as tf

    @tf.function
    def workers_up(flag):  # () float32, 1.0 when this worker's time is up -> how many are
        return strategy.reduce("SUM", strategy.run(tf.identity, args=(flag,)), axis=None)

    return lambda: float(workers_up(tf.constant(float(time.perf_counter() >= stop_at)))) > 0


def _epoch_batches(n: int, batch: int, rng: np.random.Generator) -> np.ndarray:
    """(steps, batch) indices: one shuffled pass, the remainder dropped."""
    steps = n // batch
    return rng.permutation(n)[: steps * batch].reshape(steps, batch)


def make_trainer(config: ImageGanConfig, arch: Architecture, generator=None,
                  discriminator=None, ema_generator=None):
    factory = model_spec(config.model).trainer or ImageGanTrainer
    return factory(config, arch, generator, discriminator, ema_generator=ema_generator)


def _fresh(config: ImageGanConfig, arch: Architecture) -> _Start:
    """New networks, or copies of `config.init_from`'s."""
    generator = discriminator = None
    if config.init_from:
        generator, discriminator = _initial_networks(config.init_from, arch)
    return _Start(make_trainer(config, arch, generator, discriminator), 1, [], 0.0, "")


def _resume(config: ImageGanConfig, arch: Architecture, out: Path) -> _Start:
    """The run saved in `out`: its networks, optimizer state, step, history and wall time.
    Refused when the config (epochs aside) or the data's shape changed, or state/ is gone."""
    import keras

    state = out / "state"
    if not (state / "progress.json").exists():
        raise ValueError(f"cannot resume {out}: it has no state/ (shipped checkpoints "
                         "omit it); train into a new --out instead")
    ckpt = load(out.resolve())  # an explicit path, never a name lookup
    old = ImageGanConfig.from_dict(ckpt.card.config)
    if replace(old, epochs=config.epochs, seconds=config.seconds) != config:
        diff = {k: (v, getattr(config, k)) for k, v in asdict(old).items()
                if k not in ("epochs", "seconds") and getattr(config, k) != v}
        raise ValueError(f"cannot resume {out} with a different config: {diff}")
    if Architecture.from_dict(ckpt.card.architecture) != arch:
        raise ValueError(f"cannot resume {out}: the dataset's shape or classes changed")
    generator, ema_generator = ckpt.generator, None
    if config.g_ema > 0:  # the checkpoint's generator is the average; state/ the trained G
        ema_generator = generator
        generator = keras.saving.load_model(state / "generator.keras", compile=False,
                                            safe_mode=True)
    discriminator = keras.saving.load_model(state / "discriminator.keras", compile=False,
                                            safe_mode=True)
    trainer = make_trainer(config, arch, generator, discriminator, ema_generator)
    first_epoch = trainer.load_state(state) + 1
    if first_epoch > config.epochs:
        raise ValueError(f"{out} already has {first_epoch - 1} epochs; ask for more with "
                         "--epochs")
    return _Start(trainer, first_epoch, [dict(h) for h in ckpt.card.history],
                  ckpt.card.training_time_s, ckpt.card.command)


def _initial_networks(init_from: str, arch: Architecture):
    """(generator, discriminator) copied from another run's checkpoint folder."""
    import keras

    src = load(Path(init_from).resolve())
    if Architecture.from_dict(src.card.architecture) != arch:
        raise ValueError(f"--init-from {init_from}: its architecture differs from this run's")
    d_file = src.path / "state" / "discriminator.keras"
    if not d_file.exists():
        raise ValueError(f"--init-from {init_from}: it has no state/discriminator.keras")
    return src.generator, keras.saving.load_model(d_file, compile=False, safe_mode=True)


def training_data(config: ImageGanConfig, dataset: ImageDataset,
                   arch: Architecture) -> tuple[np.ndarray, np.ndarray]:
    """(images (n, H, W, C) uint8, labels (n,) int32): the first `max_train_images`, labels
    all 0 for an unconditional model (the trainer's inputs keep one shape)."""
    images, labels = dataset.train_images, dataset.train_labels
    if config.max_train_images is not None:
        images = images[: config.max_train_images]
        labels = None if labels is None else labels[: config.max_train_images]
    if len(images) < config.batch_size:
        raise ValueError(f"batch_size {config.batch_size} is larger than the "
                         f"{len(images)} training images")
    label_array = (labels if labels is not None and arch.conditional
                   else np.zeros(len(images))).astype(np.int32)
    return images, label_array


def grid_inputs(config: ImageGanConfig, arch: Architecture,
                 evaluator: EpochEvaluator) -> tuple[np.ndarray, np.ndarray | None]:
    """The fixed (z, labels) of the 10 x 10 sample grid: the evaluator's first 100 z (else
    100 drawn from the seed); with ten classes one row per class, else classes in turn."""
    if len(evaluator.z) >= GRID_SIZE:
        grid_z = evaluator.z[:GRID_SIZE]
    else:
        grid_z = np.random.default_rng(config.seed).standard_normal(
            (GRID_SIZE, arch.latent_dim)).astype(np.float32)
    if not arch.conditional:
        return grid_z, None
    if arch.num_classes == GRID_COLUMNS:
        return grid_z, np.repeat(np.arange(GRID_COLUMNS), GRID_COLUMNS).astype(np.int32)
    return grid_z, (np.arange(GRID_SIZE) % arch.num_classes).astype(np.int32)
