"""AppTest for pages/6_Model_Zoo.py: four MNIST models (the shipped DCGAN and cDCGAN, a tiny VAE
and SGAN trained here) compared with no exception; every widget changed once with a visible
effect; too few, too many or mixed picks give a message instead of a traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ganviz import checkpoints as ckpts
from tests.test_zoo import SHIPPED, zoo_root

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "pages" / "6_Model_Zoo.py")
TIMEOUT = 300
FOUR = ["mnist_dcgan", "mnist_tiny_vae", "mnist_tiny_sgan", "mnist_cdcgan"]


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    if not {"mnist_dcgan", "mnist_cdcgan", "fashion_dcgan"} <= SHIPPED:
        pytest.skip("the shipped MNIST and Fashion-MNIST checkpoints are missing")
    root = zoo_root(tmp_path_factory.mktemp("zoo_page"), models=("vae", "sgan"))
    (root / "fashion_dcgan").symlink_to(ROOT / "checkpoints" / "fashion_dcgan")
    broken = root / "mnist_broken"  # a complete folder whose generator file is cut short
    shutil.copytree(ROOT / "checkpoints" / "mnist_dcgan", broken,
                    ignore=shutil.ignore_patterns("epochs", "state"))
    (broken / "generator.keras").write_bytes(b"PK\x03\x04 truncated")
    return root


def captions(at) -> list[str]:
    return [img.proto.imgs[0].caption for img in at.get("image")]


def findings(at) -> str:
    return "\n".join(m.value for m in at.markdown if m.value.startswith("- "))


def assert_clean(at):
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert not at.warning, [w.value for w in at.warning]


@pytest.fixture
def page(root, monkeypatch):
    monkeypatch.setenv(ckpts.ROOT_ENV, str(root))
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.run()
    assert_clean(at)
    return at


def test_four_models_then_every_widget(page):
    at = page
    picked = at.sidebar.multiselect(key="zoo_models").value
    assert sorted(picked) == sorted(FOUR)  # one of each kind, the dataset with the most
    said = findings(at)
    assert "The samples of mnist_tiny_vae (VAE) are" in said and "mnist_dcgan (DCGAN)" in said
    assert "python benchmarks/sgan_accuracy.py" in said
    table = at.dataframe[0].value
    assert len(table) == 5 and "FID-C" in table.columns and "sharpness" in table.columns[9]
    assert len([c for c in captions(at) if "z from seed 0" in c]) == 4
    assert len([c for c in captions(at) if "slerp from seed 1 to seed 2, 8 steps" in c]) == 4
    assert any(c.startswith("Top row: real held-out images") for c in captions(at))
    assert any("test accuracy" in m.label for m in at.metric)
    assert any("sgan_accuracy.py" in i.value for i in at.info)

    at.sidebar.select_slider(key="zoo_samples").set_value(200).run()
    assert_clean(at)
    assert any("200 samples per model" in c.value for c in at.caption)
    at.sidebar.number_input(key="zoo_seed").set_value(3).run()
    assert len([c for c in captions(at) if "z from seed 3" in c]) == 4
    at.sidebar.number_input(key="zoo_seed_a").set_value(5).run()
    at.sidebar.number_input(key="zoo_seed_b").set_value(6).run()
    at.sidebar.slider(key="zoo_steps").set_value(5).run()
    assert_clean(at)
    assert len([c for c in captions(at) if "slerp from seed 5 to seed 6, 5 steps" in c]) == 4


def test_bad_picks_give_a_message(page):
    at = page
    at.sidebar.select_slider(key="zoo_samples").set_value(200).run()
    models = at.sidebar.multiselect(key="zoo_models")
    models.set_value(["mnist_dcgan"]).run()
    assert not at.exception and "Pick 2 to 4 models" in at.info[0].value
    assert not at.get("image")
    at.sidebar.multiselect(key="zoo_models").set_value(
        [*FOUR, "mnist_collapsed"]).run()
    assert not at.exception and "at most 4" in at.warning[0].value
    at.sidebar.multiselect(key="zoo_models").set_value(["mnist_dcgan", "fashion_dcgan"]).run()
    assert not at.exception
    assert "same data" in at.warning[0].value and "fashion_dcgan (fashion_mnist)" in \
        at.warning[0].value
    at.sidebar.multiselect(key="zoo_models").set_value(["mnist_dcgan", "mnist_broken"]).run()
    assert not at.exception
    assert "Cannot compare these" in at.warning[0].value and "mnist_broken" in \
        at.warning[0].value
    at.sidebar.multiselect(key="zoo_models").set_value(["mnist_dcgan", "mnist_collapsed"]).run()
    assert_clean(at)
    assert "mnist_collapsed (DCGAN)" in findings(at)
