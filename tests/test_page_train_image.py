"""AppTest for pages/7_Train_Image_GAN.py: the default MNIST DCGAN builds and trains, every
widget changed once with a visible effect, bad settings give a message instead of a
traceback, and a saved checkpoint opens on the latent page through its link.

AppTest never fires the fragment's timer, so training is driven by the "+50 steps" button
(Play, the live grid and Pause are the browser test's: tests/e2e/test_train_image_browser.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ganviz import checkpoints as ckpts

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "pages" / "7_Train_Image_GAN.py")
LATENT = str(ROOT / "pages" / "3_Latent_Interpolation.py")
TIMEOUT = 300


def status(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("**Step"))


def clean(at: AppTest) -> AppTest:
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


@pytest.fixture
def root(tmp_path, monkeypatch):
    """An empty checkpoints root holding only the shipped classifiers."""
    (tmp_path / "classifiers").symlink_to(ROOT / "checkpoints" / "classifiers")
    monkeypatch.setenv(ckpts.ROOT_ENV, str(tmp_path))
    return tmp_path


@pytest.fixture
def at(root) -> AppTest:
    return clean(AppTest.from_file(PAGE, default_timeout=TIMEOUT).run())


def test_default_run_trains_saves_and_opens_on_the_latent_page(at, root):
    assert status(at).startswith("**Step 0** · epoch 0.0 · dcgan on mnist")
    assert len(at.get("image")) == 1   # the fixed-noise grid
    clean(at.button(key="img_step").click().run())
    assert status(at).startswith("**Step 50** · epoch 0.8")
    at.text_input(key="img_ckpt_name").input("my_live_digits")
    clean(at.button(key="img_save").click().run())
    assert "Saved **my_live_digits**" in at.success[0].value
    link = [m.value for m in at.markdown if "Open in latent interpolation" in m.value]
    assert link == ["[↗ Open in latent interpolation](/Latent_Interpolation?checkpoint="
                    "my_live_digits)"]
    assert [s.name for s in ckpts.list_checkpoints(root)] == ["my_live_digits"]
    latent = AppTest.from_file(LATENT, default_timeout=TIMEOUT)
    latent.query_params["checkpoint"] = "my_live_digits"
    clean(latent.run())
    assert latent.sidebar.selectbox(key="lat_ckpt_name").value == "my_live_digits"
    # the same name again: refused, nothing overwritten
    at.button(key="img_save").click().run()
    assert "exists already" in at.error[0].value


def test_every_widget_once(at):
    at.sidebar.select_slider(key="img_g_lr").set_value(1e-3).run()
    assert clean(at).toast[0].value.startswith("New learning rates")
    assert status(at).startswith("**Step 0**")
    at.sidebar.select_slider(key="img_d_lr").set_value(1e-4).run()
    assert clean(at).toast[0].value.startswith("New learning rates")
    for key, value in (("img_batch", 32), ("img_width", 16), ("img_latent", 32),
                       ("img_ema", 0.99), ("img_packing", 2)):
        at.sidebar.select_slider(key=key).set_value(value).run()
        assert any("New networks" in i.value for i in clean(at).info), key
    at.sidebar.number_input(key="img_seed").set_value(3).run()
    assert any("New networks" in i.value for i in clean(at).info)
    at.sidebar.select_slider(key="img_spr").set_value(5).run()
    clean(at)
    at.sidebar.selectbox(key="img_model").set_value("wgan-gp").run()
    assert "wgan-gp on mnist" in status(clean(at))
    # a model change takes its paper's learning rates
    assert at.sidebar.select_slider(key="img_g_lr").value == pytest.approx(1e-4)
    assert at.sidebar.select_slider(key="img_packing").value == 2   # wgan-gp packs too
    at.sidebar.selectbox(key="img_model").set_value("vae").run()
    assert "vae on mnist" in status(clean(at))
    assert at.sidebar.select_slider(key="img_packing").value == 1
    clean(at.button(key="img_make_gif").click().run())
    assert at.get("download_button")
    clean(at.button(key="img_reset").click().run())
    assert status(at).startswith("**Step 0**")


def test_fashion_and_an_upload_prompt(at):
    at.sidebar.selectbox(key="img_dataset").set_value("fashion_mnist").run()
    assert "dcgan on fashion_mnist" in status(clean(at))
    at.sidebar.selectbox(key="img_dataset").set_value("upload").run()
    assert any("Upload a .zip" in i.value for i in clean(at).info)
    assert not [m for m in at.markdown if m.value.startswith("**Step")]


def test_settings_that_make_no_model_say_why(at):
    at.sidebar.selectbox(key="img_model").set_value("cdcgan").run()
    assert "cdcgan on mnist" in status(clean(at))
    at.sidebar.select_slider(key="img_batch").set_value(16).run()
    clean(at)
    at.sidebar.selectbox(key="img_model").set_value("dcgan").run()
    at.sidebar.select_slider(key="img_packing").set_value(3).run()   # 16 is not a multiple
    assert not at.exception
    assert "must be a multiple of packing" in at.error[0].value
