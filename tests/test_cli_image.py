"""`python -m ganviz train` and `sample` end to end on tiny generated data (seconds, not
minutes), plus their one-line errors (exit code 2)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from ganviz.__main__ import build_parser, main

TINY = ["--batch-size", "8", "--filters", "4", "--latent-dim", "4", "--eval-samples", "30",
        "--quiet"]


@pytest.fixture(scope="module")
def tiny_npz(tmp_path_factory):
    """40 labelled 28x28 images: class c is a bright square at a class-specific place."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 30, (40, 28, 28), dtype=np.uint8)
    labels = np.arange(40) % 3
    for i, c in enumerate(labels):
        images[i, 4 + 6 * c: 10 + 6 * c, 8:20] = 250
    path = tmp_path_factory.mktemp("data") / "tiny.npz"
    np.savez(path, images=images, labels=labels, class_names=np.array(["top", "middle", "bottom"]))
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory, tiny_npz):
    """A conditional and an unconditional run, trained once for the whole module."""
    root = tmp_path_factory.mktemp("ckpts")
    for model in ("cdcgan", "dcgan"):
        rc = main(["train", "--dataset", f"npz:{tiny_npz}", "--model", model, "--epochs", "1",
                   "--out", str(root / model), *TINY])
        assert rc == 0
    return root


def test_help_lists_the_commands(capsys):
    parser = build_parser()
    text = parser.format_help()
    assert "train" in text and "sample" in text
    with pytest.raises(SystemExit):
        parser.parse_args(["train", "--help"])
    out = capsys.readouterr().out
    for flag in ("--dataset", "--model", "--epochs", "--batch-size", "--out", "--resume",
                 "--strategy"):
        assert flag in out


def test_train_writes_a_complete_checkpoint(trained, tiny_npz):
    folder = trained / "cdcgan"
    for name in ("card.json", "generator.keras", "samples.png", "reference.npz",
                 "epochs/epoch_001.png", "epochs/epoch_001.npz", "state/progress.json"):
        assert (folder / name).is_file(), name
    card = json.loads((folder / "card.json").read_text())
    assert card["model"] == "cdcgan" and card["epochs"] == 1 and card["latent_dim"] == 4
    assert card["class_names"] == ["top", "middle", "bottom"]
    assert card["train_count"] + card["reference_count"] == 40
    assert "ndb_over_k" in card["metrics"] and len(card["history"]) == 1
    assert not [p for p in trained.iterdir() if p.name.startswith(".")]  # no temp folders left


def test_resume_continues_to_more_epochs(trained, tiny_npz):
    args = ["train", "--dataset", f"npz:{tiny_npz}", "--model", "dcgan", "--epochs", "2",
            "--out", str(trained / "dcgan"), *TINY]
    assert main(args) == 2  # exists, no --resume: refused, nothing overwritten
    assert main(args + ["--resume"]) == 0
    card = json.loads((trained / "dcgan" / "card.json").read_text())
    assert card["epochs"] == 2 and [h["epoch"] for h in card["history"]] == [1, 2]
    assert (trained / "dcgan" / "epochs" / "epoch_002.npz").is_file()


def test_g_ema_checkpoint_holds_the_average_and_resumes(tmp_path, tiny_npz):
    """--g-ema: generator.keras is the averaged G, state/generator.keras the trained one, and
    --resume continues both."""
    from ganviz import checkpoints

    out = tmp_path / "ema"
    args = ["train", "--dataset", f"npz:{tiny_npz}", "--model", "dcgan", "--out", str(out),
            "--g-ema", "0.9", *TINY]
    assert main(args + ["--epochs", "1"]) == 0
    card = json.loads((out / "card.json").read_text())
    assert card["config"]["g_ema"] == 0.9
    import keras

    trained = keras.saving.load_model(out / "state" / "generator.keras", safe_mode=True)
    averaged = checkpoints.load(out.resolve()).generator
    assert any(not np.allclose(a, b) for a, b in zip(trained.get_weights(), averaged.get_weights()))
    assert main(args + ["--epochs", "2", "--resume"]) == 0
    assert json.loads((out / "card.json").read_text())["epochs"] == 2
    assert main(["train", "--dataset", f"npz:{tiny_npz}", "--model", "dcgan", "--epochs", "1",
                 "--out", str(tmp_path / "bad"), "--g-ema", "1.5", *TINY]) == 2


def test_sample_npy_and_png(trained, tmp_path, capsys):
    out = tmp_path / "s.npy"
    assert main(["sample", "--checkpoint", str(trained / "cdcgan"), "--n", "7", "--label", "middle",
                 "--seed", "3", "--out", str(out)]) == 0
    arr = np.load(out)
    assert arr.shape == (7, 28, 28, 1) and arr.dtype == np.uint8
    assert main(["sample", "--checkpoint", str(trained / "cdcgan"), "--n", "7", "--label", "1",
                 "--seed", "3", "--out", str(tmp_path / "t.npy")]) == 0
    np.testing.assert_array_equal(arr, np.load(tmp_path / "t.npy"))  # same seed, same label
    png = tmp_path / "grid.png"
    assert main(["sample", "--checkpoint", str(trained / "dcgan"), "--n", "12",
                 "--out", str(png)]) == 0
    with Image.open(png) as im:
        assert im.size[0] > 28 * 10  # ten per row, magnified


@pytest.mark.parametrize("extra, message", [
    (["--n", "5", "--out", "x.jpg"], "must end in .npy or .png"),
    (["--n", "0", "--out", "x.npy"], "--n must be"),
    (["--n", "5", "--label", "9", "--out", "x.npy"], "--label must be in 0..2"),
    (["--n", "5", "--label", "socks", "--out", "x.npy"], "unknown label 'socks'"),
])
def test_sample_errors_are_one_line(trained, tmp_path, capsys, extra, message, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["sample", "--checkpoint", str(trained / "cdcgan"), *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_sample_label_on_unconditional_and_unknown_checkpoint(trained, tmp_path, capsys):
    assert main(["sample", "--checkpoint", str(trained / "dcgan"), "--n", "2", "--label", "1",
                 "--out", str(tmp_path / "a.npy")]) == 2
    assert "unconditional" in capsys.readouterr().err
    assert main(["sample", "--checkpoint", "no_such_checkpoint", "--n", "2",
                 "--out", str(tmp_path / "a.npy")]) == 2
    assert "unknown checkpoint 'no_such_checkpoint'" in capsys.readouterr().err


def test_train_errors(tmp_path, tiny_npz, capsys):
    assert main(["train", "--dataset", "cifar", "--model", "dcgan", "--epochs", "1",
                 "--out", str(tmp_path / "x"), *TINY]) == 2
    assert "unknown dataset 'cifar'" in capsys.readouterr().err
    np.savez(tmp_path / "nolabels.npz", images=np.zeros((20, 28, 28), np.uint8))
    assert main(["train", "--dataset", f"npz:{tmp_path / 'nolabels.npz'}", "--model", "cdcgan",
                 "--epochs", "1", "--out", str(tmp_path / "y"), *TINY]) == 2
    assert "needs labelled data" in capsys.readouterr().err
    assert main(["train", "--dataset", f"npz:{tiny_npz}", "--model", "dcgan", "--epochs", "1",
                 "--out", str(tmp_path / "z"), "--resume", *TINY]) == 2
    assert "cannot resume" in capsys.readouterr().err
    assert main(["train", "--dataset", f"npz:{tiny_npz}", "--model", "cdcgan", "--epochs", "1",
                 "--out", str(tmp_path / "p"), "--packing", "2", *TINY]) == 2
    assert "packing needs --model dcgan" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["train", "--dataset", "mnist", "--model", "gan", "--epochs", "1", "--batch-size", "8",
              "--out", str(tmp_path / "w")])
    assert exc.value.code == 2
