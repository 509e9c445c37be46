"""ganviz.checkpoints: save/load round trips, atomic writes, clear errors, and the shipped
files in checkpoints/ (loaded, never retrained)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ganviz import checkpoints
from ganviz.checkpoints import (
    Card,
    CorruptCheckpointError,
    IncompleteCheckpointError,
    UnknownCheckpointError,
)
from ganviz.image.models import Architecture, build_generator

SHIPPED = ["mnist_dcgan", "mnist_cdcgan", "fashion_dcgan", "fashion_cdcgan", "mnist_collapsed",
           "mnist_wgan_gp", "mnist_vae", "mnist_ae", "mnist_began", "fashion_sgan", "fashion_wgan"]
SHIPPED_LIMIT_BYTES = 80 * 10**6  # issue 19: the whole checkpoints/ stays under 80 MB
SHIPPED_CLASSIFIERS = {"mnist": 0.98, "fashion_mnist": 0.90}


def _card(name, arch: Architecture, model="dcgan") -> Card:
    return Card(name=name, model=model, architecture=arch.to_dict(), image_shape=arch.image_shape,
                latent_dim=arch.latent_dim,
                class_names=tuple("abc") if arch.num_classes == 3 else None,
                dataset="npz:/tmp/x.npz", dataset_source="tiny test data", train_count=10,
                reference_count=4, epochs=1, training_time_s=0.5)


@pytest.fixture()
def root(tmp_path, monkeypatch):
    monkeypatch.setenv(checkpoints.ROOT_ENV, str(tmp_path))
    return tmp_path


@pytest.fixture()
def saved(root):
    """Two tiny checkpoints, unconditional `uncond` and conditional `cond`."""
    ref = np.random.default_rng(0).integers(0, 256, (4, 28, 28, 1), dtype=np.uint8)
    for name, classes, model in (("uncond", None, "dcgan"), ("cond", 3, "cdcgan")):
        arch = Architecture(latent_dim=5, num_classes=classes, base_filters=4)
        checkpoints.save(root / name, build_generator(arch), _card(name, arch, model),
                         samples=ref, reference_images=ref,
                         reference_labels=None if classes is None else np.array([0, 1, 2, 0]))
    return root


def test_round_trip_and_generate(saved):
    ckpt = checkpoints.load("cond")
    assert ckpt.name == "cond" and ckpt.latent_dim == 5 and ckpt.image_shape == (28, 28, 1)
    assert ckpt.conditional and ckpt.num_classes == 3 and ckpt.class_names == ("a", "b", "c")
    assert ckpt.reference_images.shape == (4, 28, 28, 1)
    assert ckpt.reference_labels.tolist() == [0, 1, 2, 0]
    z = ckpt.latent(6, seed=1)
    assert z.shape == (6, 5) and z.dtype == np.float32
    np.testing.assert_array_equal(z, ckpt.latent(6, seed=1))
    images = ckpt.generate(z, labels=[0, 1, 2, 0, 1, 2])
    assert images.shape == (6, 28, 28, 1) and images.dtype == np.uint8
    np.testing.assert_array_equal(images, ckpt.generate(z, labels=[0, 1, 2, 0, 1, 2]))
    assert ckpt.generate(z, labels=2).shape == (6, 28, 28, 1)

    plain = checkpoints.load(saved / "uncond")  # an explicit path works too
    assert plain.num_classes is None and plain.class_names is None and not plain.conditional
    assert plain.sample(3, seed=0).shape == (3, 28, 28, 1)


def test_label_errors(saved):
    cond, plain = checkpoints.load("cond"), checkpoints.load("uncond")
    z = cond.latent(2)
    with pytest.raises(ValueError, match="conditional: give labels"):
        cond.generate(z)
    with pytest.raises(ValueError, match=r"labels must be in \[0, 3\)"):
        cond.generate(z, labels=[0, 3])
    with pytest.raises(ValueError, match="takes no labels"):
        plain.generate(z, labels=[0, 1])
    with pytest.raises(ValueError, match=r"z must be \(n, 5\)"):
        plain.generate(np.zeros((2, 4)))


def test_list_reads_cards_only(saved):
    (saved / "classifiers").mkdir()
    (saved / "classifiers" / "mnist.keras").write_bytes(b"x")
    rows = checkpoints.list_checkpoints()
    assert [r.name for r in rows] == ["cond", "uncond"]
    assert all(r.ok and r.card.epochs == 1 for r in rows)


def test_unknown_and_refused_names(saved):
    with pytest.raises(UnknownCheckpointError,
                       match="unknown checkpoint 'nope'.*available: cond, uncond"):
        checkpoints.load("nope")
    with pytest.raises(UnknownCheckpointError, match="refusing"):
        checkpoints.load("../../definitely/not/here")
    with pytest.raises(UnknownCheckpointError, match="refusing"):
        checkpoints.load("/definitely/not/here")


def test_incomplete_and_corrupt(saved):
    (saved / "uncond" / "samples.png").unlink()
    with pytest.raises(IncompleteCheckpointError, match="missing samples.png"):
        checkpoints.load("uncond")
    assert not {r.name: r for r in checkpoints.list_checkpoints()}["uncond"].ok

    (saved / "cond" / "card.json").write_text("{not json")
    with pytest.raises(CorruptCheckpointError, match="card.json"):
        checkpoints.load("cond")


def test_corrupt_generator(saved):
    (saved / "uncond" / "generator.keras").write_bytes(b"PK\x03\x04 truncated zip")
    with pytest.raises(CorruptCheckpointError, match="generator.keras cannot be loaded"):
        checkpoints.load("uncond")


def test_card_missing_fields_is_corrupt(saved):
    card = json.loads((saved / "uncond" / "card.json").read_text())
    del card["latent_dim"]
    (saved / "uncond" / "card.json").write_text(json.dumps(card))
    with pytest.raises(CorruptCheckpointError, match="latent_dim"):
        checkpoints.load("uncond")


def test_save_replaces_atomically_and_carries_epochs(saved):
    (saved / "uncond" / "epochs").mkdir()
    (saved / "uncond" / "epochs" / "epoch_001.png").write_bytes(b"png")
    ckpt = checkpoints.load("uncond")
    arch = Architecture.from_dict(ckpt.card.architecture)
    ref = ckpt.reference_images

    class Exploding:
        def save(self, path):
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        checkpoints.save(saved / "uncond", Exploding(), ckpt.card, ref, ref)
    # the old checkpoint is untouched and no temp folder is left behind
    assert checkpoints.load("uncond").card == ckpt.card
    assert sorted(p.name for p in saved.iterdir()) == ["cond", "uncond"]

    card2 = Card(**{**ckpt.card.__dict__, "epochs": 2})
    checkpoints.save(saved / "uncond", build_generator(arch), card2, ref, ref)
    assert checkpoints.load("uncond").card.epochs == 2
    assert (saved / "uncond" / "epochs" / "epoch_001.png").read_bytes() == b"png"
    assert sorted(p.name for p in saved.iterdir()) == ["cond", "uncond"]


def test_write_evaluation_keeps_the_rest_of_the_card(saved):
    before = json.loads((saved / "uncond" / "card.json").read_text())
    evaluation = {"FID": 1.5, "baseline": {"FID": 0.5}, "command": "python -m ganviz eval ..."}
    checkpoints.write_evaluation("uncond", evaluation)
    after = json.loads((saved / "uncond" / "card.json").read_text())
    assert after["evaluation"] == evaluation
    assert {k: v for k, v in after.items() if k != "evaluation"} == {
        k: v for k, v in before.items() if k != "evaluation"}
    assert checkpoints.load("uncond").card.evaluation == evaluation


def test_image_grid_known_layout():
    from ganviz.image.pixels import grid_array

    images = np.stack([np.full((2, 2, 1), v, np.uint8) for v in (10, 20, 30)])
    grid = grid_array(images, columns=2, pad=1)
    assert grid.shape == (7, 7, 1)
    assert grid[1, 1, 0] == 10 and grid[1, 4, 0] == 20
    assert grid[4, 1, 0] == 30 and grid[4, 4, 0] == 255


# ---------------------------------------------------------------------------- shipped files

def test_shipped_checkpoints_are_listed_and_small():
    root = checkpoints.DEFAULT_ROOT
    names = {r.name: r for r in checkpoints.list_checkpoints(root)}
    for name in SHIPPED:
        assert name in names and names[name].ok, f"{name}: {names.get(name)}"
    total = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    assert total < SHIPPED_LIMIT_BYTES, f"checkpoints/ holds {total / 1e6:.1f} MB"


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_checkpoint_loads_and_samples(name):
    ckpt = checkpoints.load(name, root=checkpoints.DEFAULT_ROOT)
    card = ckpt.card
    assert card.dataset in ("mnist", "fashion_mnist") and card.epochs >= 1
    assert card.command.startswith("python -m ganviz train") and card.training_time_s > 0
    assert "ndb_over_k" in card.metrics and card.hardware.get("tensorflow")
    assert ckpt.conditional == name.endswith("_cdcgan")
    images = ckpt.sample(10, seed=0)
    assert images.shape == (10, 28, 28, 1) and images.dtype == np.uint8
    assert ckpt.reference_images.shape[1:] == (28, 28, 1)
    assert len(ckpt.reference_labels) == len(ckpt.reference_images)
    assert ckpt.epochs() and ckpt.epochs()[-1].epoch == card.epochs


@pytest.mark.parametrize("dataset, floor", sorted(SHIPPED_CLASSIFIERS.items()))
def test_shipped_classifiers_know_their_reference_images(dataset, floor):
    """Known answer: the classifier labels held-out real images (never trained on)."""
    from ganviz.image import classifier

    model = classifier.load_classifier(dataset, root=checkpoints.DEFAULT_ROOT)
    name = "mnist_cdcgan" if dataset == "mnist" else "fashion_cdcgan"
    ckpt = checkpoints.load(name, root=checkpoints.DEFAULT_ROOT)
    acc = classifier.accuracy(model, ckpt.reference_images, ckpt.reference_labels)
    assert acc >= floor, (f"{dataset} classifier: {acc:.4f} on {len(ckpt.reference_labels)} "
                          "held-out images")
