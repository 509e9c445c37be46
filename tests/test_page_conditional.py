"""AppTest for pages/4_Conditional_Generation.py: every widget changed once, the class grid and
the classifier's verdicts render, bad input gives a clear message."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ganviz import checkpoints as ckpts

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "pages" / "4_Conditional_Generation.py")
TIMEOUT = 300
SHIPPED = {s.name: s for s in ckpts.list_checkpoints(ROOT / "checkpoints") if s.ok}
CONDITIONAL = next((n for n, s in SHIPPED.items() if s.card.model == "cdcgan"), None)
UNCONDITIONAL = next((n for n, s in SHIPPED.items() if s.card.model == "dcgan"), None)


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@pytest.fixture
def page(monkeypatch):
    monkeypatch.setenv(ckpts.ROOT_ENV, str(ROOT / "checkpoints"))
    if CONDITIONAL is None:
        pytest.skip("no conditional checkpoint shipped yet")
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT).run()
    at.sidebar.selectbox(key="cond_ckpt_name").set_value(CONDITIONAL).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    return at


def test_every_widget_changes_and_the_grid_follows(page):
    at = page
    num_classes = SHIPPED[CONDITIONAL].card.num_classes
    assert metrics(at)["Samples"] == str(num_classes * 8)
    assert len(at.get("image")) == 1
    assert at.metric[0].label == "Classifier agrees with the label"
    assert at.metric[0].value.endswith("%")

    at.sidebar.multiselect(key="cond_classes").set_value([1, 7]).run()
    at.sidebar.slider(key="cond_n").set_value(3).run()
    assert metrics(at)["Samples"] == "6"
    first = at.metric[0].value
    at.sidebar.number_input(key="cond_seed").set_value(42).run()
    at.sidebar.toggle(key="cond_trunc_on").set_value(True).run()
    at.sidebar.slider(key="cond_trunc").set_value(0.5).run()
    assert not at.exception and not at.error
    assert any("Truncation at ±0.5" in c.value for c in at.caption)
    assert metrics(at)["Samples"] == "6" and at.metric[0].value.endswith("%")
    assert first.endswith("%")
    assert len(at.get("image")) == 1 and len(at.get("download_button")) == 1


def test_extreme_truncation_and_no_class_are_handled(page):
    at = page
    at.sidebar.toggle(key="cond_trunc_on").set_value(True).run()
    at.sidebar.slider(key="cond_trunc").set_value(0.05).run()
    assert not at.exception and not at.error and len(at.get("image")) == 1
    at.sidebar.multiselect(key="cond_classes").set_value([]).run()
    assert not at.exception
    assert any("at least one class" in w.value for w in at.warning)


@pytest.mark.skipif(UNCONDITIONAL is None, reason="no unconditional checkpoint shipped yet")
def test_unconditional_model_is_refused_with_a_message(page):
    at = page
    at.sidebar.selectbox(key="cond_ckpt_name").set_value(UNCONDITIONAL).run()
    assert not at.exception
    assert any("unconditional" in e.value and "cdcgan" in e.value for e in at.error)
    assert not at.get("image")


def test_corrupt_checkpoint_gives_a_clear_message(tmp_path, monkeypatch):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "card.json").write_text("{ not json")
    monkeypatch.setenv(ckpts.ROOT_ENV, str(tmp_path))
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert any("Cannot use this checkpoint" in e.value for e in at.error)
