"""ganviz.image.callbacks: what an epoch's end writes, with a stand-in generator (no
TensorFlow): the sample grid is generated once and is both the epoch PNG and samples.png."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ganviz.image.callbacks import CheckpointWriter, EpochEnd, EpochFunction, ProgressPrinter
from ganviz.image.card import Card
from ganviz.image.data import ImageDataset


class CountingGenerator:
    """z (n, d) -> (n, 28, 28, 1) in [-1, 1] (each image one grey level, tanh of z[:, 0]);
    counts its calls. `save` writes a placeholder file."""

    output_shape = (None, 28, 28, 1)

    def __init__(self):
        self.calls = 0

    def __call__(self, inputs, training=False):
        assert training is False
        self.calls += 1
        z = np.asarray(inputs[0] if isinstance(inputs, list) else inputs)
        return np.tanh(np.repeat(z[:, :1], 28 * 28, axis=1)).reshape(-1, 28, 28, 1)

    def save(self, path):
        Path(path).write_bytes(b"generator")


class FakeTrainer:
    def __init__(self):
        self.sampler = CountingGenerator()
        self.saved_epochs = []

    def save_state(self, folder: Path, epoch: int) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "progress.json").write_text(json.dumps({"epoch": epoch}))
        self.saved_epochs.append(epoch)


def _setup(tmp_path):
    rng = np.random.default_rng(0)
    held = rng.integers(0, 256, (6, 28, 28, 1), dtype=np.uint8)
    dataset = ImageDataset("tiny", held, None, held, None, None, "test data")
    card = Card(name="run", model="dcgan", architecture={}, image_shape=(28, 28, 1),
                latent_dim=4, class_names=None, dataset="tiny", dataset_source="test data",
                train_count=6, reference_count=6, epochs=0, training_time_s=0.0)
    trainer = FakeTrainer()
    grid_z = rng.standard_normal((100, 4)).astype(np.float32)
    writer = CheckpointWriter(tmp_path / "run", trainer, card, grid_z, None, dataset,
                              epoch_samples=5)
    generated = rng.integers(0, 256, (8, 28, 28, 1), dtype=np.uint8)
    record = {"epoch": 1, "d_loss": 1.25, "ndb_over_k": 0.5}
    return writer, trainer, EpochEnd(record, (record,), generated, None, 12.34)


def test_an_epoch_is_written_once_and_completely(tmp_path):
    writer, trainer, logs = _setup(tmp_path)
    writer.on_epoch_end(1, logs)
    out = tmp_path / "run"
    assert trainer.sampler.calls == 1  # one generation of the grid for both pictures
    assert (out / "epochs" / "epoch_001.png").read_bytes() == (out / "samples.png").read_bytes()
    with np.load(out / "epochs" / "epoch_001.npz") as snap:
        np.testing.assert_array_equal(snap["images"], logs.generated[:5])
        assert "labels" not in snap.files
    card = json.loads((out / "card.json").read_text())
    assert card["epochs"] == 1 and card["training_time_s"] == 12.3
    assert card["metrics"] == {"d_loss": 1.25, "ndb_over_k": 0.5}
    assert card["history"] == [logs.record] and card["created"]
    assert trainer.saved_epochs == [1] and (out / "state" / "progress.json").is_file()
    with np.load(out / "reference.npz") as ref:
        np.testing.assert_array_equal(ref["images"], writer.dataset.heldout_images)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp folders


def test_printer_and_function_callbacks(tmp_path, capsys):
    _, _, logs = _setup(tmp_path)
    ProgressPrinter().on_epoch_end(1, logs)
    assert capsys.readouterr().err.strip() == "epoch 1: d_loss=1.25, ndb_over_k=0.5"
    seen = []
    EpochFunction(lambda epoch, record: seen.append((epoch, record))).on_epoch_end(1, logs)
    assert seen == [(1, logs.record)]
