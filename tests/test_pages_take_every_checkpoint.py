"""Every shipped checkpoint, whatever its model (dcgan, cdcgan, wgan, wgan-gp, ae, vae, began,
sgan), opens in the latent-interpolation page and the mode-collapse inspector; the conditional
page lists exactly the conditional ones."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ganviz import checkpoints as ckpts

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 300
SHIPPED = {s.name: s for s in ckpts.list_checkpoints(ROOT / "checkpoints") if s.ok}


@pytest.fixture(autouse=True)
def shipped_root(monkeypatch):
    import streamlit as st

    monkeypatch.setenv(ckpts.ROOT_ENV, str(ROOT / "checkpoints"))
    yield
    st.cache_data.clear()


def clean(at: AppTest) -> AppTest:
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_latent_page_walks_every_checkpoint(name):
    at = clean(AppTest.from_file(str(ROOT / "pages" / "3_Latent_Interpolation.py"),
                                 default_timeout=TIMEOUT).run())
    at = clean(at.sidebar.selectbox(key="lat_ckpt_name").set_value(name).run())
    assert len(at.get("image")) >= 3
    assert any(SHIPPED[name].card.model in c.value for c in at.caption), \
        "the page describes the checkpoint's model"


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_inspector_scores_every_checkpoint(name):
    at = clean(AppTest.from_file(str(ROOT / "pages" / "5_Mode_Collapse_Inspector.py"),
                                 default_timeout=TIMEOUT).run())
    at = clean(at.multiselect(key="insp_checkpoints").set_value([name]).run())
    assert [m.label for m in at.metric][:2] == ["NDB/K", "JS"]
    assert len(at.get("plotly_chart")) == 1


CONDITIONAL = sorted(n for n, s in SHIPPED.items() if s.card.conditional)


def test_conditional_page_lists_the_conditional_ones_first():
    at = clean(AppTest.from_file(str(ROOT / "pages" / "4_Conditional_Generation.py"),
                                 default_timeout=TIMEOUT).run())
    options = at.sidebar.selectbox(key="cond_ckpt_name").options
    assert sorted(options[:len(CONDITIONAL)]) == [f"{n} ({SHIPPED[n].card.dataset}, conditional)"
                                                  for n in CONDITIONAL]


@pytest.mark.parametrize("name", CONDITIONAL)
def test_conditional_page_draws_every_conditional_checkpoint(name):
    at = clean(AppTest.from_file(str(ROOT / "pages" / "4_Conditional_Generation.py"),
                                 default_timeout=TIMEOUT).run())
    at = clean(at.sidebar.selectbox(key="cond_ckpt_name").set_value(name).run())
    assert len(at.get("image")) == 1
