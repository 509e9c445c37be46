"""Small CNN classifiers used to evaluate generators (conditional accuracy, class histograms;
the histogram maths is `ganviz.eval.classes`).

Shipped files: checkpoints/classifiers/mnist.keras, checkpoints/classifiers/fashion.keras
(train them with `python -m ganviz.image.classifier DATASET`). Inputs are (n, 28, 28, 1)
uint8 images; the model rescales them itself, so callers never normalise.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

# dataset name -> file under checkpoints/classifiers/
CLASSIFIER_FILES = {"mnist": "mnist.keras", "fashion_mnist": "fashion.keras"}


def classifier_path(dataset: str, root: Path | None = None) -> Path:
    """Where the shipped classifier for a dataset lives (it may not exist)."""
    from ganviz.image.checkpoints import checkpoints_root

    if dataset not in CLASSIFIER_FILES:
        raise ValueError(f"no classifier for dataset {dataset!r}; "
                         f"known: {sorted(CLASSIFIER_FILES)}")
    root = checkpoints_root() if root is None else Path(root)
    return root / "classifiers" / CLASSIFIER_FILES[dataset]


def load_classifier(dataset: str, root: Path | None = None, required: bool = True):
    """The shipped keras classifier for `dataset`, or None if absent and not required."""
    import keras

    path = classifier_path(dataset, root) if dataset in CLASSIFIER_FILES else None
    if path is None or not path.exists():
        if required:
            raise FileNotFoundError(f"no shipped classifier for {dataset!r} (expected {path}); "
                                    f"train it: python -m ganviz.image.classifier {dataset}")
        return None
    return keras.saving.load_model(path, compile=False, safe_mode=True)


def build_classifier(image_shape=(28, 28, 1), num_classes: int = 10, augment: bool = True):
    """uint8 (n, H, W, C) -> (n, num_classes) logits. Three conv+pool blocks, dropout; small
    random shifts while training (the augmentation layer is inactive at inference)."""
    import keras
    from keras import layers

    inputs = keras.Input(image_shape, name="image")
    x = layers.Rescaling(1.0 / 255.0, name="to_unit")(inputs)
    if augment:
        x = layers.RandomTranslation(0.08, 0.08, fill_mode="constant", name="shift")(x)
    for i, f in enumerate((32, 64)):
        x = layers.Conv2D(f, 3, padding="same", activation="relu", name=f"conv{i}")(x)
        x = layers.MaxPooling2D(name=f"pool{i}")(x)
    x = layers.Conv2D(128, 3, padding="same", activation="relu", name="conv2")(x)
    x = layers.MaxPooling2D(name="pool2")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dropout(0.4, name="drop_features")(x)
    x = layers.Dense(128, activation="relu", name="hidden")(x)
    x = layers.Dropout(0.4, name="drop_hidden")(x)
    logits = layers.Dense(num_classes, name="logits")(x)
    return keras.Model(inputs, logits, name="classifier")


def predict(model, images: np.ndarray, batch_size: int = 1000) -> np.ndarray:
    """images: (n, H, W, C) uint8 -> (n,) int64 predicted classes."""
    out = []
    for i in range(0, len(images), batch_size):
        logits = model(np.asarray(images[i:i + batch_size], np.float32), training=False)
        out.append(np.argmax(np.asarray(logits), axis=1))
    return np.concatenate(out) if out else np.zeros(0, np.int64)


def accuracy(model, images: np.ndarray, labels: np.ndarray) -> float:
    """Share of images whose predicted class equals `labels` (n,), in [0, 1]."""
    return float(np.mean(predict(model, images) == np.asarray(labels)))


def train_classifier(dataset, epochs: int = 15, batch_size: int = 128, seed: int = 0,
                     augment: bool = True, verbose: int = 2, init=None,
                     learning_rate: float = 2e-3):
    """Train `build_classifier` on an ImageDataset's train split; returns (model, held-out
    accuracy in [0, 1]). init: a keras model to continue training instead of a new one.
    The learning rate decays from `learning_rate` to 0 over the run (cosine)."""
    import keras

    if dataset.train_labels is None:
        raise ValueError(f"{dataset.name} has no labels to train a classifier on")
    keras.utils.set_random_seed(seed)
    model = init or build_classifier(dataset.image_shape, dataset.num_classes, augment=augment)
    steps = epochs * int(np.ceil(len(dataset.train_images) / batch_size))
    model.compile(
        optimizer=keras.optimizers.Adam(
            keras.optimizers.schedules.CosineDecay(learning_rate, steps)),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"])
    model.fit(dataset.train_images.astype(np.float32), dataset.train_labels, epochs=epochs,
              batch_size=batch_size, verbose=verbose, shuffle=True)
    return model, accuracy(model, dataset.heldout_images, dataset.heldout_labels)


def main(argv: list[str] | None = None) -> int:
    """python -m ganviz.image.classifier DATASET [--epochs N] [--init FILE --lr LR] [--out FILE]"""
    from ganviz.image import data

    p = argparse.ArgumentParser(prog="python -m ganviz.image.classifier",
                                description="Train a shipped evaluation classifier.")
    p.add_argument("dataset", choices=sorted(CLASSIFIER_FILES))
    p.add_argument("--epochs", type=int, default=15)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=None)
    p.add_argument("--no-augment", action="store_true", help="no random shifts while training")
    p.add_argument("--init", type=Path, default=None,
                   help="continue training this .keras classifier instead of a new one")
    p.add_argument("--lr", type=float, default=2e-3, help="peak learning rate (cosine decay)")
    args = p.parse_args(argv)
    ds = data.load(args.dataset, seed=args.seed)
    print(ds.describe(), flush=True)
    t0 = time.perf_counter()
    init = None
    if args.init is not None:
        import keras

        init = keras.saving.load_model(args.init, compile=False, safe_mode=True)
    model, acc = train_classifier(ds, epochs=args.epochs, seed=args.seed,
                                  augment=not args.no_augment, init=init, learning_rate=args.lr)
    out = args.out or classifier_path(args.dataset)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.stem}.tmp.keras")
    model.save(tmp)
    tmp.replace(out)
    print(f"{args.dataset}: held-out accuracy {acc:.4f} on {len(ds.heldout_images)} images, "
          f"{time.perf_counter() - t0:.0f} s -> {out}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
