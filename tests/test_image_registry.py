"""The image model registry (ganviz.image.models.MODELS): what the config, the trainer, the
CLI and checkpoint loading read from it, and that a new model is one entry."""

from __future__ import annotations

import argparse
import dataclasses
import json

import numpy as np
import pytest

from ganviz.image import models
from ganviz.image.card import Card
from ganviz.image.config import ImageGanConfig, architecture_for
from ganviz.image.data import ImageDataset
from ganviz.image.models import MODELS, Architecture, ImageModel


def _dataset(labelled: bool = True) -> ImageDataset:
    images = np.zeros((20, 28, 28, 1), np.uint8)
    labels = np.arange(20) % 4 if labelled else None
    return ImageDataset("tiny", images, labels, images[:4], None if labels is None else labels[:4],
                        tuple("abcd") if labelled else None, "test data")


@pytest.fixture
def wgan_gp(monkeypatch):
    """A new model as the next issue would add it: one entry, its own default loss."""
    entry = ImageModel("wgan_gp_test", "test entry", conditional=False, loss="wasserstein_gp",
                       packing=True)
    monkeypatch.setitem(MODELS, entry.name, entry)
    return entry


def test_the_shipped_models():
    assert list(MODELS) == ["dcgan", "cdcgan", "wgan", "wgan-gp", "ae", "vae",
                            "began", "sgan"]
    assert not MODELS["dcgan"].conditional and MODELS["dcgan"].packing
    assert MODELS["cdcgan"].conditional and MODELS["cdcgan"].auxiliary_classifier
    gans = [MODELS[name] for name in ("dcgan", "cdcgan", "wgan", "wgan-gp")]
    assert all(m.trainer is None for m in gans)  # the adversarial trainer
    assert [m.loss for m in gans] == ["non_saturating", "non_saturating", "wasserstein_clip",
                                      "wasserstein_gp"]
    assert all(MODELS[name].trainer is not None for name in ("ae", "vae"))  # their own trainers
    with pytest.raises(ValueError, match=r"model must be one of \('dcgan', 'cdcgan'"):
        models.model_spec("stylegan")


def test_config_takes_the_models_loss_unless_given():
    assert ImageGanConfig().loss == "non_saturating"
    assert ImageGanConfig(loss="wasserstein_gp").loss == "wasserstein_gp"
    stored = ImageGanConfig(model="cdcgan").to_dict()
    assert stored["loss"] == "non_saturating"  # a card always names its loss
    assert ImageGanConfig.from_dict(stored) == ImageGanConfig(model="cdcgan")
    assert dataclasses.replace(ImageGanConfig(), epochs=3).loss == "non_saturating"


def test_a_new_model_is_one_entry(wgan_gp):
    config = ImageGanConfig(model=wgan_gp.name, packing=2)
    assert config.loss == "wasserstein_gp"
    arch = architecture_for(config, _dataset())
    assert arch.num_classes is None and arch.d_normalization == "layer" and arch.packing == 2
    card = Card(name="x", model=wgan_gp.name, architecture=arch.to_dict(),
                image_shape=arch.image_shape, latent_dim=arch.latent_dim, class_names=None,
                dataset="tiny", dataset_source="", train_count=20, reference_count=4, epochs=1,
                training_time_s=1.0)
    assert card.spec is wgan_gp and not card.conditional


def test_conditional_models_need_labels_and_take_no_packs():
    with pytest.raises(ValueError, match="cdcgan needs labelled data; tiny has no labels"):
        architecture_for(ImageGanConfig(model="cdcgan"), _dataset(labelled=False))
    arch = architecture_for(ImageGanConfig(model="cdcgan"), _dataset())
    assert arch.num_classes == 4 and arch.auxiliary_classifier
    no_head = architecture_for(ImageGanConfig(model="cdcgan", auxiliary_weight=0), _dataset())
    assert not no_head.auxiliary_classifier
    with pytest.raises(ValueError, match="packing needs --model dcgan"):
        ImageGanConfig(model="cdcgan", packing=2)


def test_cli_choices_come_from_the_registry(wgan_gp):
    from ganviz.cli import train as cli_train
    from ganviz.image.losses import LOSSES

    parser = argparse.ArgumentParser()
    cli_train.add_arguments(parser)
    model = next(a for a in parser._actions if a.dest == "model")
    loss = next(a for a in parser._actions if a.dest == "loss")
    assert model.choices == list(MODELS) and wgan_gp.name in model.choices
    assert loss.choices == list(LOSSES) and loss.default is None


def test_a_model_can_bring_its_own_trainer(monkeypatch):
    from ganviz.image import train

    calls = []

    class OwnTrainer:
        def __init__(self, config, arch, generator=None, discriminator=None, *,
                     ema_generator=None):
            calls.append((config.model, arch, generator, discriminator, ema_generator))

    entry = ImageModel("ae_test", "an autoencoder-like test entry", conditional=False,
                       trainer=OwnTrainer)
    monkeypatch.setitem(MODELS, entry.name, entry)
    arch = Architecture(latent_dim=4, base_filters=4)
    trainer = train.make_trainer(ImageGanConfig(model="ae_test"), arch)
    assert isinstance(trainer, OwnTrainer) and calls == [("ae_test", arch, None, None, None)]


def test_cards_of_unknown_models_are_refused():
    with pytest.raises(ValueError, match="unknown model 'stylegan': this ganviz knows dcgan, "
                                         "cdcgan"):
        Card(name="x", model="stylegan", architecture={}, image_shape=(28, 28, 1), latent_dim=2,
             class_names=None, dataset="d", dataset_source="", train_count=1,
             reference_count=1, epochs=1, training_time_s=0.0)


def test_a_checkpoint_of_an_unknown_model_is_listed_as_broken(tmp_path):
    from ganviz.image import checkpoints

    folder = tmp_path / "from_the_future"
    folder.mkdir()
    for name in checkpoints.REQUIRED_FILES:
        (folder / name).write_bytes(b"x")
    card = {"name": "from_the_future", "model": "stylegan", "architecture": {},
            "image_shape": [28, 28, 1], "latent_dim": 2, "dataset": "mnist"}
    (folder / "card.json").write_text(json.dumps(card))
    [row] = checkpoints.list_checkpoints(tmp_path)
    assert not row.ok and "unknown model 'stylegan'" in row.problem
    with pytest.raises(checkpoints.CorruptCheckpointError, match="unknown model 'stylegan'"):
        checkpoints.load(folder)
