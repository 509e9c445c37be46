"""AppTest for pages/3_Latent_Interpolation.py: every widget changed once, images render, bad
checkpoints give a clear message instead of a traceback."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ganviz import checkpoints as ckpts

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "pages" / "3_Latent_Interpolation.py")
TIMEOUT = 300
SHIPPED = {s.name: s for s in ckpts.list_checkpoints(ROOT / "checkpoints") if s.ok}
# MNIST first: the assertions below name digit classes ("1 -> 7")
CONDITIONAL = "mnist_cdcgan" if "mnist_cdcgan" in SHIPPED else None
UNCONDITIONAL = "mnist_dcgan" if "mnist_dcgan" in SHIPPED else None


def captions(at) -> list[str]:
    return [img.proto.imgs[0].caption for img in at.get("image")]


def assert_clean(at):
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert len(at.get("image")) >= 3


@pytest.fixture
def page(monkeypatch):
    monkeypatch.setenv(ckpts.ROOT_ENV, str(ROOT / "checkpoints"))
    if CONDITIONAL is None:
        pytest.skip("no conditional checkpoint shipped yet")
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.run()
    at.sidebar.selectbox(key="lat_ckpt_name").set_value(CONDITIONAL).run()
    assert_clean(at)
    return at


def test_every_widget_changes_without_exception(page):
    at = page
    assert any("slerp" in c and "10 steps" in c for c in captions(at))
    at.sidebar.radio(key="lat_method").set_value("lerp").run()
    assert any(c.startswith("lerp from A") for c in captions(at))
    at.sidebar.slider(key="lat_steps").set_value(5).run()
    assert any("5 steps" in c for c in captions(at))
    at.sidebar.selectbox(key="lat_class").set_value(7).run()
    at.sidebar.number_input(key="lat_seed_a").set_value(11).run()
    at.sidebar.number_input(key="lat_seed_b").set_value(12).run()
    at.sidebar.slider(key="lat_ms").set_value(300).run()
    assert_clean(at)
    at.sidebar.button(key="lat_random").click().run()
    assert_clean(at)

    at.sidebar.radio(key="lat_source").set_value("Pick from a sample grid").run()
    assert "Pick two of these as the endpoints" in captions(at)
    at.number_input(key="lat_pick_seed").set_value(5).run()
    at.selectbox(key="lat_pick_a").set_value(3).run()
    at.selectbox(key="lat_pick_b").set_value(9).run()
    assert_clean(at)

    n_images = len(at.get("image"))
    at.toggle(key="lat_play").set_value(False).run()
    assert len(at.get("image")) == n_images - 1  # the strip's animation is gone

    at.slider(key="lat_grid_side").set_value(4).run()
    at.number_input(key="lat_grid_seed").set_value(9).run()
    assert any("seed 9" in c for c in captions(at))

    at.selectbox(key="lat_class_a").set_value(1).run()
    at.selectbox(key="lat_class_b").set_value(7).run()
    assert any(c.startswith("1 → 7") and "embeddings mixed" in c for c in captions(at))
    at.radio(key="lat_class_mode").set_value("Step the label").run()
    assert any("label stepped" in c for c in captions(at))

    at.slider(key="lat_walk_steps").set_value(6).run()
    at.slider(key="lat_walk_size").set_value(1.5).run()
    at.number_input(key="lat_walk_seed").set_value(4).run()
    assert any("1.5 per step" in c for c in captions(at))
    assert_clean(at)
    assert len(at.get("download_button")) >= 5


def test_extreme_walk_warns_instead_of_failing(page):
    at = page
    at.slider(key="lat_walk_steps").set_value(32).run()
    at.slider(key="lat_walk_size").set_value(10.0).run()
    assert not at.exception and not at.error
    assert any("beyond every one" in w.value for w in at.warning)


@pytest.mark.skipif(UNCONDITIONAL is None, reason="no unconditional checkpoint shipped yet")
def test_unconditional_checkpoint_has_no_class_widgets(page):
    at = page
    at.sidebar.selectbox(key="lat_ckpt_name").set_value(UNCONDITIONAL).run()
    assert_clean(at)
    keys = {w.key for w in at.sidebar.selectbox}
    assert "lat_class" not in keys
    assert not any("→" in c and "noise of A" in c for c in captions(at))


def test_unknown_and_corrupt_checkpoints_give_a_clear_message(tmp_path, monkeypatch):
    broken = tmp_path / "broken"
    broken.mkdir()
    for name in ckpts.REQUIRED_FILES:
        (broken / name).write_text("not what you think")
    monkeypatch.setenv(ckpts.ROOT_ENV, str(tmp_path))
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert any("Cannot use this checkpoint" in e.value and "card.json" in e.value for e in at.error)

    at.sidebar.selectbox(key="lat_ckpt_name").set_value("Other folder…").run()
    at.sidebar.text_input(key="lat_ckpt_path").set_value(str(tmp_path / "nowhere")).run()
    assert not at.exception
    assert any("Cannot use this checkpoint" in e.value and "nowhere" in e.value for e in at.error)
