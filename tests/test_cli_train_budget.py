"""`python -m ganviz train --seconds S` (a wall-time budget), `--images DIR_OR_ZIP`, `--size`
and its old name `--image-size`: a budgeted run stops mid-epoch with an honest record and a
loadable checkpoint; the flags' refusals are one line (exit 2). No timed assertions beyond
generous sanity bounds."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest
from PIL import Image

from ganviz.__main__ import main
from tests.bar_images import squares_npz as write_squares

TINY = ["--batch-size", "8", "--filters", "4", "--latent-dim", "4", "--eval-samples", "30",
        "--quiet"]


@pytest.fixture(scope="module")
def squares_npz(tmp_path_factory):
    """48 unlabelled 28x28 images: a bright square on dark noise."""
    return write_squares(tmp_path_factory.mktemp("data"), 48)


class _CountingTrainer:
    """train_chunk returns the chunk's number as d_loss, so means have known answers."""

    def __init__(self):
        self.chunks = 0

    def train_chunk(self, images, labels):
        self.chunks += 1
        return {"d_loss": float(self.chunks - 1), "g_loss": 1.0}


def _after(n: int):
    """A `time_is_up` that answers True from its n-th question on."""
    asked = []

    def time_is_up() -> bool:
        asked.append(1)
        return len(asked) >= n
    return time_is_up


@pytest.mark.parametrize("time_is_up, steps, d_loss, stopped", [
    (None, 10, 2.0, False),      # 5 chunks of 2 steps numbered 0..4: mean (0+1+2+3+4) * 2 / 10
    (_after(1), 2, 0.0, True),   # up at once: the first chunk ends the epoch
    (_after(3), 6, 1.0, True),   # after the third chunk: mean (0+1+2) * 2 / 6
    (_after(5), 10, 2.0, True),  # up after the last chunk: a full epoch, but a stop
    (_after(6), 10, 2.0, False),
])
def test_train_epoch_stops_after_the_chunk_that_finds_the_time_up(time_is_up, steps, d_loss,
                                                                  stopped):
    from ganviz.image.config import ImageGanConfig
    from ganviz.image.train import _train_epoch

    config = ImageGanConfig(batch_size=4, steps_per_call=2, seconds=1.0)
    images, labels = np.zeros((42, 2, 2, 1), np.uint8), np.zeros(42, np.int32)
    means, train_s, done, total, out_of_time = _train_epoch(
        _CountingTrainer(), images, labels, config, epoch=1, progress=False,
        time_is_up=time_is_up)
    assert (done, total, out_of_time) == (steps, 10, stopped)  # 42 // 4 = 10 steps an epoch
    assert means == {"d_loss": d_loss, "g_loss": 1.0} and train_s >= 0


def test_seconds_stops_mid_epoch_with_a_loadable_honest_checkpoint(tmp_path, squares_npz, capsys):
    from ganviz.image.checkpoints import load

    out = tmp_path / "budget"
    args = ["train", "--dataset", f"npz:{squares_npz}", "--model", "dcgan", "--seconds", "5",
            "--out", str(out), *TINY, "--max-images", "40"]
    assert main(args) == 0
    assert "stopped on the 5 s budget" in capsys.readouterr().out
    card = load(out.resolve()).card
    history = card.history
    last = history[-1]
    assert last["stopped"] == "seconds" and 0 < last["epoch_fraction"] <= 1
    assert card.epochs == last["epoch"] == len(history) and card.config["seconds"] == 5.0
    assert all(h["steps"] == 40 // 8 for h in history[:-1])  # full epochs: 5 steps each
    assert last["steps"] == round(last["epoch_fraction"] * 5)
    assert all(h["images_seen"] == 8 * h["steps"] for h in history)
    assert "stopped" not in card.metrics  # numbers only there; the history says why
    assert card.metrics["epoch_fraction"] == last["epoch_fraction"]
    assert "ndb_over_k" in last  # evaluated at the end only
    assert all("ndb_over_k" not in h for h in history[:-1])
    # evaluated and saved once, at the end: one epoch snapshot, the last
    assert sorted(p.name for p in (out / "epochs").iterdir()) == [
        f"epoch_{card.epochs:03d}.npz", f"epoch_{card.epochs:03d}.png"]
    assert card.training_time_s < 5 + 120  # sanity only: the final chunk, evaluation, saving

    # --resume after a stop mid-epoch starts the next epoch
    assert main(args + ["--resume", "--seconds", "1"]) == 0
    resumed = json.loads((out / "card.json").read_text())
    assert resumed["history"][len(history)]["epoch"] == card.epochs + 1
    assert resumed["history"][: len(history)] == [dict(h) for h in history]


def test_epochs_before_the_budget_runs_out_is_not_a_stop(tmp_path, squares_npz):
    out = tmp_path / "enough"
    assert main(["train", "--dataset", f"npz:{squares_npz}", "--model", "dcgan", "--epochs", "2",
                 "--seconds", "3600", "--out", str(out), *TINY]) == 0
    card = json.loads((out / "card.json").read_text())
    assert card["epochs"] == 2 and [h["epoch"] for h in card["history"]] == [1, 2]
    assert not any("stopped" in h for h in card["history"])
    assert "ndb_over_k" in card["history"][1] and "ndb_over_k" not in card["history"][0]


@pytest.mark.parametrize("extra, message", [
    ([], "give --epochs N, --seconds S, or both"),
    (["--epochs", "1", "--size", "32"], "--size applies to --images and folder: datasets"),
])
def test_budget_and_size_refusals_are_one_line(tmp_path, capsys, extra, message):
    assert main(["train", "--dataset", "mnist", "--model", "dcgan", "--batch-size", "8",
                 "--out", str(tmp_path / "x"), *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


@pytest.mark.parametrize("extra", [
    ["--seconds", "0"], ["--seconds", "soon"], ["--size", "48"],
    ["--images", "x.zip"],  # with --dataset: one source only
])
def test_argparse_refuses(tmp_path, capsys, extra):
    with pytest.raises(SystemExit) as exc:
        main(["train", "--dataset", "mnist", "--model", "dcgan", "--epochs", "1",
              "--batch-size", "8", "--out", str(tmp_path / "x"), *extra])
    assert exc.value.code == 2


def _picture_folder(folder, n: int = 12):
    folder.mkdir()
    rng = np.random.default_rng(1)
    for i in range(n):
        Image.fromarray(rng.integers(0, 255, (40, 30, 3), dtype=np.uint8)).save(
            folder / f"p{i:02d}.png")
    return folder


def test_image_size_still_works_for_folder_datasets(tmp_path):
    folder = _picture_folder(tmp_path / "pics")
    out = tmp_path / "old_flag"
    assert main(["train", "--dataset", f"folder:{folder}", "--image-size", "28", "--model",
                 "dcgan", "--epochs", "1", "--out", str(out), *TINY]) == 0
    assert json.loads((out / "card.json").read_text())["image_shape"] == [28, 28, 3]


def test_images_zip_trains_and_reports(tmp_path, capsys):
    from ganviz.image import uploads

    folder = _picture_folder(tmp_path / "pics", n=20)
    archive = tmp_path / "art.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for p in sorted(folder.iterdir()):
            z.write(p, p.name)
        z.writestr("notes.txt", "not a picture")
        z.writestr("broken.png", b"not a png either")
    expected, report = uploads.load_images(str(archive), 32, seed=0)
    out = tmp_path / "art"
    assert main(["train", "--images", str(archive), "--size", "32", "--model", "dcgan",
                 "--epochs", "1", "--out", str(out), *TINY]) == 0
    assert report.summary() in capsys.readouterr().err
    card = json.loads((out / "card.json").read_text())
    assert card["dataset"] == expected.name and card["config"]["dataset"] == expected.name
    assert card["image_shape"] == [32, 32, expected.image_shape[2]]
    assert card["train_count"] == len(expected.train_images)


def test_images_with_nothing_usable_is_one_line(tmp_path, capsys):
    archive = tmp_path / "empty.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("readme.txt", "no pictures here")
    assert main(["train", "--images", str(archive), "--model", "dcgan", "--epochs", "1",
                 "--out", str(tmp_path / "x"), *TINY]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and not (tmp_path / "x").exists()


def test_help_lists_the_new_flags_with_examples(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = capsys.readouterr().out
    for flag in ("--images", "--size", "--seconds", "multiworker", "TF_CONFIG"):
        assert flag in text
    examples = text[text.index("examples:"):]
    for flag in ("--images", "--size", "--seconds", "--strategy multiworker"):
        assert flag in examples, flag
