"""Colour and size for every image model and for the evaluation features.

Every `MODELS` entry builds its two networks and trains one chunk (S=1 step, batch 8,
base_filters 8) with finite numbers at 28x28x1, 32x32x3 and 64x64x3. The data come from an
`npz:PATH` written here: `sgan`'s trainer loads its labelled images by `config.dataset`, so
the same file serves it at colour. Then the feature spaces of `ganviz.judge.features` on
colour images, and the whole metric suite scoring two small colour sets on pixel features.
"""

from __future__ import annotations

import numpy as np
import pytest

from ganviz.image import data
from ganviz.image.config import ImageGanConfig, architecture_for
from ganviz.image.models import MODELS, Architecture, build_discriminator, build_generator
from ganviz.image.train import make_trainer
from ganviz.judge import features
from ganviz.judge.inputs import InputError, samples_from_array

SHAPES = [(28, 28, 1), (32, 32, 3), (64, 64, 3)]
CLASSES = 3
IMAGES = 48
BATCH = 8


def coloured_squares(n: int, shape: tuple[int, int, int], seed: int
                     ) -> tuple[np.ndarray, np.ndarray]:
    """(n, H, W, C) uint8 dim noise plus a bright square whose colour (or, for grey, whose
    place) is the class; (n,) int64 labels."""
    rng = np.random.default_rng(seed)
    h, w, c = shape
    labels = np.arange(n) % CLASSES
    images = rng.integers(0, 40, (n, h, w, c), dtype=np.uint8)
    side = h // 4
    for i, label in enumerate(labels):
        top = side * (label if c == 1 else 1)
        colour = 250 if c == 1 else np.roll([250, 60, 60], label)
        images[i, top:top + side, side:3 * side] = colour
    return images, labels


@pytest.fixture(scope="module")
def dataset_names(tmp_path_factory) -> dict[tuple[int, int, int], str]:
    """shape -> 'npz:PATH' of IMAGES labelled images of that shape."""
    folder = tmp_path_factory.mktemp("colour_sizes")
    names = {}
    for shape in SHAPES:
        images, labels = coloured_squares(IMAGES, shape, seed=shape[0])
        path = folder / f"squares_{shape[0]}x{shape[2]}.npz"
        np.savez(path, images=images, labels=labels,
                 class_names=np.array(["red", "green", "blue"]))
        names[shape] = f"npz:{path}"
    return names


def _config(model: str, dataset: str) -> ImageGanConfig:
    # one critic step: WGAN's 5 repeat the same shapes and only cost time here
    return ImageGanConfig(dataset=dataset, model=model, batch_size=BATCH, latent_dim=8,
                          base_filters=8, steps_per_call=1, labels_per_class=2, d_steps=1,
                          eval_samples=0, epoch_samples=0)


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)))
@pytest.mark.parametrize("model", list(MODELS))
def test_every_model_trains_a_chunk_at_every_shape(model, shape, dataset_names):
    config = _config(model, dataset_names[shape])
    dataset = data.load(config.dataset, seed=config.seed)
    arch = architecture_for(config, dataset)
    assert arch.image_shape == shape
    trainer = make_trainer(config, arch)
    conditional = MODELS[model].conditional
    assert trainer.generator.output_shape == (None, *shape)
    images = dataset.train_images[:BATCH][None]  # (S=1, B, H, W, C)
    labels = (dataset.train_labels[:BATCH] if conditional
              else np.zeros(BATCH)).astype(np.int32)[None]  # (S, B)
    stats = trainer.train_chunk(images, labels)
    assert stats and all(np.isfinite(v) for v in stats.values()), stats
    z = np.random.default_rng(0).standard_normal((2, 8)).astype(np.float32)
    sampled = trainer.sampler([z, labels[0, :2]] if conditional else z, training=False)
    assert sampled.shape == (2, *shape)
    assert np.isfinite(np.asarray(sampled)).all()


def test_the_art_notebooks_generator_is_our_dcgan_at_64x64x3():
    """The art notebook (seed 000) builds G: Dense(4*4*512) -> ConvT 256 -> 128 -> 64 -> 3
    (64x64x3); our DCGAN at image_shape (64, 64, 3) with base_filters 64 has the same widths
    and map sizes. Our G differs in ReLU + batch norm (the DCGAN paper's) where the notebook
    has LeakyReLU, and in tanh where it has sigmoid. D differs more: the notebook's is Conv
    32 -> 64 -> 128 -> 256 -> Dense(1) with no activation after its first convolution and
    dropout 0.5 before the Dense; ours doubles from base_filters (64 -> 128 -> 256 -> 512 at
    base_filters 64; 32 -> ... -> 256, the notebook's widths, at base_filters 32, where G
    would then be 4x4x256 -> 128 -> 64 -> 32 -> 3)."""
    arch = Architecture(image_shape=(64, 64, 3), latent_dim=100, base_filters=64)
    g = build_generator(arch)
    assert g.get_layer("project").output.shape == (None, 4 * 4 * 512)
    assert g.get_layer("to_map").output.shape == (None, 4, 4, 512)
    ups = [g.get_layer(f"up{i}").output.shape for i in (1, 2, 3)]
    assert ups == [(None, 8, 8, 256), (None, 16, 16, 128), (None, 32, 32, 64)]
    assert g.output_shape == (None, 64, 64, 3)
    d = build_discriminator(arch)
    assert [d.get_layer(f"down{i}").output.shape[-1] for i in (1, 2, 3, 4)] == [64, 128, 256, 512]
    notebook_d = build_discriminator(Architecture(image_shape=(64, 64, 3), base_filters=32))
    downs = [notebook_d.get_layer(f"down{i}").output.shape for i in (1, 2, 3, 4)]
    assert downs == [(None, 32, 32, 32), (None, 16, 16, 64), (None, 8, 8, 128),
                     (None, 4, 4, 256)]
    assert notebook_d.output_shape == (None, 1)


# ---------------------------------------------------------------------------- features

@pytest.mark.parametrize("shape", [(32, 32, 3), (64, 64, 3)])
def test_pixel_features_of_colour_images(shape):
    images, _ = coloured_squares(10, shape, seed=1)
    feats = features.extract("pixels", samples_from_array(images, "squares"))
    h, w, c = shape
    assert feats.values.shape == (10, h * w * c)
    assert feats.values.min() >= 0.0 and feats.values.max() <= 1.0
    np.testing.assert_array_equal(feats.values[3], images[3].reshape(-1) / 255.0)


def test_inception_features_of_colour_images_or_a_clear_refusal(monkeypatch, tmp_path):
    """Offline the weights file is absent: FeaturesUnavailable says where to put it. With
    the weights (a developer's machine), colour images give (n, 2048) features."""
    images, _ = coloured_squares(4, (32, 32, 3), seed=2)
    samples = samples_from_array(images, "squares")
    inputs = features.inception_inputs(images)
    assert inputs.shape == (4, features.INCEPTION_SIZE, features.INCEPTION_SIZE, 3)
    assert float(np.min(inputs)) >= -1.0 and float(np.max(inputs)) <= 1.0
    try:
        features.inception_weights_path()
    except features.FeaturesUnavailable:
        monkeypatch.setenv("KERAS_HOME", str(tmp_path))  # no weights there either
        with pytest.raises(features.FeaturesUnavailable, match="InceptionV3 ImageNet weights"):
            features.extract("inception", samples)
        return
    feats = features.extract("inception", samples)  # pragma: no cover - needs the weights
    assert feats.values.shape == (4, 2048)


@pytest.mark.parametrize("shape", [(32, 32, 3), (64, 64, 3), (32, 32, 1), (28, 28, 3)])
def test_classifier_features_refuse_what_no_classifier_reads(shape):
    images, _ = coloured_squares(4, shape, seed=3)
    samples = samples_from_array(images, "squares", dataset="mnist")
    with pytest.raises(InputError, match=r"reads 28x28x1 images and squares .* holds "
                                         rf"\({shape[0]}, {shape[1]}, {shape[2]}\); use the "
                                         "pixels or inception space"):
        features.extract("classifier", samples)
    with pytest.raises(InputError, match="classifier features need the dataset"):
        features.extract("classifier", samples_from_array(images, "squares"))


def test_the_suite_scores_colour_samples_on_pixel_features(tmp_path):
    """200 generated-like vs 200 real-like 32x32x3 sets, as .npy files, scored end to end:
    FID, KID, precision / recall / density / coverage, NDB and the split real-vs-real
    baseline. FID on 3,072-d pixel features with 200 samples takes the low-rank route
    (ganviz.eval.frechet.low_rank_fid): the d x d root took ~5 minutes here."""
    from ganviz.judge.suite import EvalConfig, evaluate

    real, _ = coloured_squares(200, (32, 32, 3), seed=4)
    fake = np.clip(coloured_squares(200, (32, 32, 3), seed=5)[0].astype(int) + 30, 0, 255)
    np.save(tmp_path / "real.npy", real)
    np.save(tmp_path / "fake.npy", fake.astype(np.uint8))
    config = EvalConfig(metrics=("fid", "kid", "prdc", "ndb", "is"), features="pixels",
                        kid_subsets=10, ndb_bins=10)
    card = evaluate(str(tmp_path / "fake.npy"), str(tmp_path / "real.npy"), config)
    assert card.values["FID"] > card.baseline["FID"]
    for key in ("FID", "KID", "precision", "recall", "density", "coverage", "NDB_K"):
        assert np.isfinite(card.values[key]), (key, card.values)
        assert np.isfinite(card.baseline[key]), (key, card.baseline)
    assert "IS" not in card.values  # pixel features carry no class probabilities
    assert any("left out" in note for note in card.notes)
    assert card.values["KID"] > card.baseline["KID"]  # brighter fakes vs real halves


def test_fid_on_colour_pixel_features():
    """FID through the suite's `score` on 8x8x3 colour images (192-d pixel features): equal
    sets score 0, a brightened set more."""
    from ganviz.judge.suite import EvalConfig, score

    real, _ = coloured_squares(300, (8, 8, 3), seed=6)
    brighter = np.clip(real.astype(int) + 40, 0, 255).astype(np.uint8)
    config = EvalConfig(metrics=("fid",), features="pixels")
    as_features = [features.extract("pixels", samples_from_array(x, name))
                   for x, name in ((real, "real"), (brighter, "brighter"))]
    assert as_features[0].values.shape == (300, 8 * 8 * 3)
    same = score(as_features[0], as_features[0], config)["FID"]
    shifted = score(as_features[1], as_features[0], config)["FID"]
    assert abs(same) < 1e-6 and shifted > 1.0
