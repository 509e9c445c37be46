"""AppTest of the Mode-collapse inspector: every widget changed once, no exception, a visible
effect."""

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from ganviz.checkpoints import list_checkpoints

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "pages" / "5_Mode_Collapse_Inspector.py")


def app() -> AppTest:
    return AppTest.from_file(PAGE, default_timeout=180)


def chart_data(at: AppTest, index: int = 0) -> list[dict]:
    return json.loads(at.get("plotly_chart")[index].proto.spec)["data"]


def values(array) -> np.ndarray:
    """A plotly array from the chart spec: a list, or plotly's typed {dtype, bdata} encoding."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"])
    return np.asarray(array)


def ok(at: AppTest) -> AppTest:
    assert not at.exception, at.exception
    return at


@pytest.fixture(autouse=True)
def fresh_caches():
    import streamlit as st

    yield
    st.cache_data.clear()  # other sessions' checkpoints roots must not leak into the next test


def test_every_image_widget_once():
    names = [s.name for s in list_checkpoints() if s.ok]
    if not names:
        pytest.skip("no image checkpoint installed")
    at = ok(app().run())
    assert [m.label for m in at.metric][:2] == ["NDB/K", "JS"]
    assert len(values(chart_data(at)[0]["x"])) == 20

    at = ok(at.multiselect(key="insp_checkpoints").set_value(names[:2]).run())
    assert len(at.get("plotly_chart")) == len(names[:2])
    at = ok(at.number_input(key="insp_n").set_value(500).run())
    at = ok(at.slider(key="insp_k").set_value(8).run())
    data = chart_data(at)
    assert len(values(data[0]["x"])) == 8
    query = values(data[1]["y"])
    assert abs(query.sum() - 1) < 1e-9 and len(query) == 8
    at = ok(at.radio(key="insp_test").set_value("|z| > threshold").run())
    assert "|z| > 4" in json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]["title"]["text"]
    at = ok(at.number_input(key="insp_z").set_value(2.5).run())
    assert "|z| > 2.5" in json.loads(
        at.get("plotly_chart")[0].proto.spec)["layout"]["title"]["text"]
    at = ok(at.radio(key="insp_test").set_value("p-value < alpha").run())
    at = ok(at.number_input(key="insp_alpha").set_value(0.01).run())
    assert "p < 0.01" in json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]["title"]["text"]
    at = ok(at.checkbox(key="insp_whiten").check().run())
    at = ok(at.number_input(key="insp_seed").set_value(1).run())
    assert not at.error, [e.value for e in at.error]

    at = ok(at.radio(key="insp_view").set_value("Bin detail").run())
    at = ok(at.selectbox(key="insp_bin_model").set_value(names[:2][-1]).run())
    at = ok(at.selectbox(key="insp_bin").set_value(3).run())
    assert any(m.value.startswith("**Bin 3 centre**") for m in at.markdown)
    assert len(at.get("image")) >= 2  # the centre and the real members at least

    at = ok(at.radio(key="insp_view").set_value("Elbow").run())
    at = ok(at.selectbox(key="insp_elbow_model").set_value(names[0]).run())
    at = ok(at.slider(key="insp_elbow_range").set_value((4, 12)).run())
    xs = values(chart_data(at)[0]["x"])
    assert xs[0] == 4 and xs[-1] == 12
    inertia = values(chart_data(at)[0]["y"])
    assert (np.diff(inertia) < 0).all()  # more bins, less inertia

    at = ok(at.radio(key="insp_view").set_value("Epochs").run())
    assert at.get("plotly_chart") or at.info
    at = ok(at.radio(key="insp_view").set_value("Classes").run())
    assert any("classes never generated" in c.value for c in at.caption) or at.info


def test_toy_view_trains_and_draws_bins_as_cells():
    at = ok(app().run())
    at = ok(at.radio(key="insp_view").set_value("Toy").run())
    assert any("Train and score" in i.value for i in at.info)
    setups = at.selectbox(key="insp_toy_setup").options
    at = ok(at.selectbox(key="insp_toy_setup").set_value(setups[1]).run())
    at = ok(at.number_input(key="insp_toy_steps").set_value(300).run())
    at = ok(at.number_input(key="insp_toy_n").set_value(500).run())
    at = ok(at.button(key="insp_toy_train").click().run())
    assert not at.error, [e.value for e in at.error]
    assert [m.label for m in at.metric] == ["NDB/K", "JS"]
    at = ok(at.slider(key="insp_toy_k").set_value(6).run())
    bars = [c for c in at.get("plotly_chart")]
    assert len(bars) == 2
    assert len(values(json.loads(bars[1].proto.spec)["data"][0]["x"])) == 6
    cells = values(json.loads(bars[0].proto.spec)["data"][0]["z"][0]) if isinstance(
        json.loads(bars[0].proto.spec)["data"][0]["z"], list) else None
    assert cells is None or set(np.unique(cells)) <= {0.0, 0.5, 1.0}


def test_no_or_broken_checkpoints_give_messages_not_tracebacks(tmp_path, monkeypatch):
    (tmp_path / "half_trained").mkdir()
    (tmp_path / "half_trained" / "card.json").write_text("{not json")
    monkeypatch.setenv("GANVIZ_CHECKPOINTS", str(tmp_path))
    at = ok(app().run())
    assert any("half_trained" in w.value for w in at.warning)
    assert any("No image checkpoint" in i.value for i in at.info)
    assert at.radio(key="insp_view").options == ["Toy"]
