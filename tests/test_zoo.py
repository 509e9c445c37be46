"""ganviz.judge.zoo and zoo_findings: the same seeds through each model, the same checkpoint
twice giving identical rows, refusals of mixed picks, tiny MNIST ae / vae / sgan checkpoints
(trained here in seconds) beside the shipped DCGAN, and findings sentences that name the right
model for hand-set numbers."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from ganviz import checkpoints as ckpts
from ganviz.eval.sharpness import Sharpness
from ganviz.judge import zoo
from ganviz.judge.zoo_findings import findings

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = {s.name for s in ckpts.list_checkpoints(ROOT / "checkpoints") if s.ok}
SMALL = zoo.ZooConfig(samples=60, grid=6, steps=4, reconstructions=3, kid_subsets=5)
TINY_MODELS = ("vae", "ae", "sgan")
needs_mnist = pytest.mark.skipif(not {"mnist_dcgan", "mnist_cdcgan"} <= SHIPPED,
                                 reason="the shipped MNIST checkpoints are missing")


def train_tiny(root: Path, models=TINY_MODELS) -> dict[str, Path]:
    """Tiny MNIST checkpoints root/mnist_tiny_MODEL (one short epoch each, a few seconds): the
    same dataset and reference set as the shipped MNIST checkpoints."""
    from ganviz.image import data
    from ganviz.image.config import ImageGanConfig
    from ganviz.image.train import train

    mnist = data.load("mnist")
    out = {}
    for model in models:
        # the digits come sorted by class: the SGAN needs every class, so all 4,000 of them
        extra = ({"labels_per_class": 4, "max_train_images": None, "batch_size": 100}
                 if model == "sgan" else {"max_train_images": 128, "batch_size": 32})
        config = ImageGanConfig(dataset="mnist", model=model, epochs=1, latent_dim=8,
                                base_filters=8, steps_per_call=2, eval_samples=0,
                                epoch_samples=0, g_ema=0.0, **extra)
        out[model] = root / f"mnist_tiny_{model}"
        train(config, mnist, out[model], progress=False, command="tiny")
    return out


LINKED = {"mnist_dcgan", "mnist_cdcgan", "mnist_collapsed"}


def zoo_root(tmp: Path, models=TINY_MODELS) -> Path:
    """A checkpoints root: links to the classifiers and three shipped MNIST GANs (a fixed set, so
    the page's default picks do not change as more checkpoints ship), plus tiny ones."""
    for name in ("classifiers", *sorted(LINKED & SHIPPED)):
        (tmp / name).symlink_to(ROOT / "checkpoints" / name, target_is_directory=True)
    train_tiny(tmp, models)
    return tmp


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    if "mnist_dcgan" not in SHIPPED:
        pytest.skip("mnist_dcgan is not shipped")
    return zoo_root(tmp_path_factory.mktemp("zoo"))


@pytest.fixture
def in_root(root, monkeypatch):
    monkeypatch.setenv(ckpts.ROOT_ENV, str(root))
    return root


# ---------------------------------------------------------------------------- checks

def _fake(name: str, dataset: str = "mnist", shape=(28, 28, 1)):
    return SimpleNamespace(name=name, card=SimpleNamespace(dataset=dataset), image_shape=shape)


def test_check_models_refuses_counts_datasets_and_shapes():
    zoo.check_models([_fake("a"), _fake("b")])
    zoo.check_models([_fake(n) for n in "abcd"])
    with pytest.raises(ValueError, match="pick 2 to 4 models.*got 1"):
        zoo.check_models([_fake("a")])
    with pytest.raises(ValueError, match="got 5"):
        zoo.check_models([_fake(n) for n in "abcde"])
    with pytest.raises(ValueError, match=r"same data.*b \(fashion_mnist\)"):
        zoo.check_models([_fake("a"), _fake("b", "fashion_mnist")])
    with pytest.raises(ValueError, match="one shape.*b 32x32x3"):
        zoo.check_models([_fake("a"), _fake("b", shape=(32, 32, 3))])


@pytest.mark.parametrize("kw, message", [
    ({"samples": 10}, "samples must be at least 20"),
    ({"samples": 20_000}, "at most 10000"),
    ({"grid": 100, "samples": 50}, "must not exceed samples"),
    ({"steps": 1}, "steps must be at least 2"),
    ({"path_seeds": (1,)}, "two seeds"),
    ({"seed": -1}, "seed must be"),
])
def test_config_refuses_bad_values(kw, message):
    with pytest.raises(ValueError, match=message):
        zoo.ZooConfig(**kw)


def test_default_picks_one_dataset_one_of_each_kind_first():
    cards = {n: SimpleNamespace(dataset=d, model=m) for n, d, m in (
        ("fashion_dcgan", "fashion_mnist", "dcgan"), ("mnist_ae", "mnist", "ae"),
        ("mnist_began", "mnist", "began"), ("mnist_collapsed", "mnist", "dcgan"),
        ("mnist_dcgan", "mnist", "dcgan"), ("mnist_vae", "mnist", "vae"),
        ("mnist_wgan_gp", "mnist", "wgan-gp"))}
    assert zoo.default_picks(cards) == ["mnist_dcgan", "mnist_wgan_gp", "mnist_vae", "mnist_began"]
    assert zoo.default_picks(cards, limit=6)[-2:] == ["mnist_ae", "mnist_collapsed"]
    assert zoo.default_picks({}) == []


# ---------------------------------------------------------------------------- shipped models

@needs_mnist
def test_the_same_checkpoint_twice_gives_identical_rows():
    comp = zoo.compare(["mnist_dcgan", "mnist_dcgan"], SMALL)
    a, b = comp.models
    np.testing.assert_array_equal(a.grid, b.grid)
    np.testing.assert_array_equal(a.path, b.path)
    assert a.metrics == b.metrics and set(a.metrics) >= {"FID", "KID", "IS", "precision",
                                                          "recall", "coverage", "NDB_K"}
    assert a.sharpness.mean == b.sharpness.mean and a.class_kl == b.class_kl
    assert comp.feature_label.startswith("FID-C") and comp.metric_name("FID") == "FID-C"
    assert not a.grid.flags.writeable
    # the grid is z = latent(samples, seed)[:grid]: the same as drawing grid latents directly
    ckpt = ckpts.load("mnist_dcgan")
    np.testing.assert_array_equal(a.grid, ckpt.generate(ckpt.latent(SMALL.grid, SMALL.seed)))
    rows = zoo.table_rows(comp)
    assert [r["model"] for r in rows][:2] == ["mnist_dcgan (DCGAN)"] * 2
    assert rows[-1]["model"].startswith("real images") and rows[0]["FID-C"] == a.metrics["FID"]


@needs_mnist
def test_a_conditional_model_gets_the_classes_in_turn_and_seeds_matter():
    comp = zoo.compare(["mnist_cdcgan", "mnist_dcgan"], SMALL)
    cond = comp.models[0]
    assert cond.conditional and list(cond.grid_labels) == [0, 1, 2, 3, 4, 5]
    assert any("classes in turn" in n for n in comp.notes)
    other = zoo.compare(["mnist_cdcgan", "mnist_dcgan"],
                        zoo.ZooConfig(**{**SMALL.__dict__, "seed": 5}))
    assert not np.array_equal(other.models[1].grid, comp.models[1].grid)


@needs_mnist
def test_mixed_datasets_are_refused_before_anything_slow():
    if "fashion_dcgan" not in SHIPPED:
        pytest.skip("fashion_dcgan is not shipped")
    with pytest.raises(ValueError, match="same data"):
        zoo.compare(["mnist_dcgan", "fashion_dcgan"], SMALL)


# ---------------------------------------------------------------------------- tiny models

def test_tiny_autoencoders_and_sgan_beside_the_dcgan(in_root):
    names = ["mnist_dcgan", "mnist_tiny_vae", "mnist_tiny_ae", "mnist_tiny_sgan"]
    comp = zoo.compare(names, SMALL)
    dcgan, vae, ae, sgan = comp.models
    assert [m.model for m in comp.models] == ["dcgan", "vae", "ae", "sgan"]
    assert any("latent sizes differ" in n and "mnist_tiny_vae 8" in n for n in comp.notes)
    for m in (vae, ae):
        assert m.reconstructions.shape == (3, 28, 28, 1)
        assert m.reconstruction_sharpness > 0
    assert dcgan.reconstructions is None and sgan.reconstructions is None
    assert 0 <= sgan.classifier_accuracy <= 1 and sgan.supervised_accuracy is None
    assert sgan.labels_per_class == 4
    said = findings(comp)
    assert any(s.startswith("The samples of mnist_tiny_vae (VAE) are") and
               "those of mnist_dcgan (DCGAN)" in s and "real images" in s for s in said)
    assert any("python benchmarks/sgan_accuracy.py" in s for s in said)
    assert any("mnist_tiny_ae (AE)'s reconstructions" in s for s in said)


def test_a_supervised_baseline_on_the_card_is_read(in_root, tmp_path):
    copy = in_root / "mnist_tiny_sgan_baseline"
    if not copy.exists():
        shutil.copytree(in_root / "mnist_tiny_sgan", copy)
        card = json.loads((copy / "card.json").read_text())
        card["metrics"]["supervised_test_accuracy"] = 0.0
        (copy / "card.json").write_text(json.dumps(card))
    comp = zoo.compare(["mnist_tiny_sgan_baseline", "mnist_tiny_ae"], SMALL)
    sgan = comp.models[0]
    assert sgan.supervised_accuracy == 0.0
    said = [s for s in findings(comp) if "supervised on the same labels" in s]
    assert len(said) == 1 and ("help" in said[0]) and "0.0%" in said[0]


# ---------------------------------------------------------------------------- findings

def _model(name: str, model: str, sharp: float, metrics: dict | None = None, classes=None,
           kl=None, **kw) -> zoo.ModelResult:
    blank = np.zeros((1, 4, 4, 1), np.uint8)
    return zoo.ModelResult(name, model, 8, False, blank, None, blank, metrics or {},
                           Sharpness(np.array([sharp]), sharp, sharp), classes, kl, **kw)


def _comparison(*models: zoo.ModelResult, real_sharpness: float = 0.05,
                classes: bool = True) -> zoo.Comparison:
    probabilities = np.eye(10)[np.arange(20) % 10] if classes else None
    features = SimpleNamespace(probabilities=probabilities, space="classifier",
                               label="FID-C (MNIST classifier features)")
    real = zoo.RealSide("mnist_dcgan", "mnist", np.zeros((20, 4, 4, 1), np.uint8), features,
                        np.arange(20) % 10 if classes else None,
                        Sharpness(np.array([real_sharpness]), real_sharpness, real_sharpness),
                        None)
    return zoo.Comparison("mnist", (4, 4, 1), real, models, features.label, "C", None,
                          zoo.ZooConfig())


def test_findings_say_which_model_is_blurrier_from_the_numbers():
    dcgan = _model("mnist_dcgan", "dcgan", 0.045)
    said = findings(_comparison(_model("mnist_vae", "vae", 0.012), dcgan))
    assert ("The samples of mnist_vae (VAE) are blurrier than those of mnist_dcgan (DCGAN): "
            "variance of the Laplacian 0.012 vs 0.045 (real images 0.05; higher is sharper)."
            ) in said
    said = findings(_comparison(_model("mnist_vae", "vae", 0.09), dcgan))
    assert any(s.startswith("The samples of mnist_vae (VAE) are not blurrier") for s in said)
    # 0.047 is 6 % under the real images' 0.05: within the margin, not "blurrier"
    said = findings(_comparison(_model("mnist_vae", "vae", 0.09),
                                _model("mnist_dcgan", "dcgan", 0.047)))
    assert "0 of 2 models make samples more than 10% blurrier than the real images." in said
    said = findings(_comparison(_model("mnist_vae", "vae", 0.09),
                                _model("mnist_dcgan", "dcgan", 0.03)))
    assert ("1 of 2 models makes samples more than 10% blurrier than the real images "
            "(mnist_dcgan (DCGAN)).") in said
    said = findings(_comparison(_model("a", "dcgan", 0.01), _model("b", "wgan-gp", 0.03)))
    assert said[0].startswith("Sharpest samples: b (WGAN-GP) (variance of the Laplacian 0.03); "
                              "blurriest: a (DCGAN) (0.01)")


def test_findings_on_classes_name_the_right_models():
    dcgan = _model("mnist_dcgan", "dcgan", 0.04, classes=9, kl=0.30)
    wgan = _model("mnist_wgan_gp", "wgan-gp", 0.04, classes=10, kl=0.02)
    began = _model("mnist_began", "began", 0.04, classes=7, kl=0.90)
    said = findings(_comparison(dcgan, wgan, began))
    assert ("mnist_wgan_gp (WGAN-GP) covers the most classes (10 of 10); mnist_began (BEGAN) "
            "the fewest (7).") in said
    assert any(s.startswith("Class histogram closest to the real images': mnist_wgan_gp") and
               "farthest: mnist_began (BEGAN) (0.9)" in s for s in said)
    assert ("mnist_wgan_gp (WGAN-GP) covers more classes than mnist_dcgan (DCGAN): 10 vs 9 of "
            "10.") in said
    tie = findings(_comparison(_model("d", "dcgan", 0.04, classes=10, kl=0.1),
                               _model("w", "wgan-gp", 0.04, classes=10, kl=0.3)))
    assert "Every model's samples hit 10 of 10 classes (by the classifier's predictions)." in tie
    assert any("w (WGAN-GP) covers as many classes as d (DCGAN)" in s and "no closer" in s
               for s in tie)
    assert not any("classes" in s for s in findings(_comparison(
        _model("d", "dcgan", 0.04), _model("w", "wgan-gp", 0.04), classes=False)))


def test_findings_on_fid_recall_and_the_trade_off():
    a = _model("a", "dcgan", 0.04, {"FID": 10.0, "KID": 1.0, "precision": 0.9, "recall": 0.5})
    b = _model("b", "wgan-gp", 0.04, {"FID": 20.0, "KID": 0.5, "precision": 0.6, "recall": 0.8})
    said = findings(_comparison(a, b))
    assert ("Lowest FID-C (closest to the real images): a (DCGAN) (10); highest: b (WGAN-GP) "
            "(20).") in said
    assert "KID-C ranks the models differently from how FID-C does." in said
    assert any(s.startswith("Highest recall") and "b (WGAN-GP) (0.8)" in s for s in said)
    assert any(s.startswith("Precision against recall: a (DCGAN) is the most realistic") and
               "b (WGAN-GP) the most varied" in s for s in said)
    c = _model("c", "vae", 0.01, {"FID": 5.0, "KID": 0.1, "precision": 0.95, "recall": 0.9})
    said = findings(_comparison(a, c))
    assert "KID-C ranks the models as FID-C does." in said
    assert any(s.startswith("c (VAE) leads on both precision (0.95) and recall (0.9)")
               for s in said)


def test_sgan_findings_compare_with_the_supervised_baseline():
    gan = _model("mnist_dcgan", "dcgan", 0.04)
    better = _model("f_sgan", "sgan", 0.04, classifier_accuracy=0.80, supervised_accuracy=0.70,
                    labels_per_class=10)
    said = findings(_comparison(gan, better))
    assert ("f_sgan (SGAN)'s discriminator, trained with 10 labels per class, classifies 80.0% "
            "of held-out images correctly; the same architecture trained supervised on the "
            "same labels: 70.0%. The unlabelled images and the GAN game help (+10.0 points)."
            ) in said
    worse = _model("f_sgan", "sgan", 0.04, classifier_accuracy=0.6, supervised_accuracy=0.7)
    assert any("do not help (-10.0 points)" in s for s in findings(_comparison(gan, worse)))
    missing = _model("f_sgan", "sgan", 0.04)
    assert any("records no classifier accuracy" in s for s in findings(_comparison(gan, missing)))


# ---------------------------------------------------------------------------- plots

def test_plots_sharpness_bars_and_reconstruction_grid():
    from ganviz.plots import zoo as plots

    fig = plots.sharpness_bars(["a (DCGAN)", "b (VAE)"], [0.16, 0.02], real=0.15)
    assert list(fig.data[0].x) == ["a (DCGAN)", "b (VAE)"]
    assert list(fig.data[0].y) == [0.16, 0.02] and fig.layout.shapes[0].y0 == 0.15
    with pytest.raises(ValueError, match="one value per name"):
        plots.sharpness_bars(["a"], [0.1, 0.2], real=0.1)
    real = np.zeros((3, 4, 4, 1), np.uint8)
    picture = plots.reconstruction_grid(real, {"a": real + 1, "b": real + 2}, scale=1)
    assert picture.size == (3 * 6 + 2, 3 * 6 + 2)  # 3 columns and 3 rows of 4 px + 2 px pads
    with pytest.raises(ValueError, match="do not match"):
        plots.reconstruction_grid(real, {"a": real[:2]})
