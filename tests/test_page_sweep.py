"""AppTest of the Batch x Width page: every widget changed once, no exception, a visible effect.

AppTest never fires the fragment's timer, so training is driven by the "+N steps" button and
by the one fragment run that follows Play; the timer itself is covered by the browser test."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "2_Batch_x_Width.py")


def status(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown if "Step " in m.value)


def captions(at: AppTest) -> str:
    return " ".join(c.value for c in at.caption)


def ok(at: AppTest) -> AppTest:
    assert not at.exception, at.exception
    return at


@pytest.fixture(scope="module")
def at() -> AppTest:
    app = AppTest.from_file(PAGE, default_timeout=240)
    return ok(app.run())


def test_default_is_the_askers_circle_setup(at):
    assert at.selectbox(key="sweep_dataset").value == "circle"
    assert at.selectbox(key="sweep_preset").value == "so-question"
    assert "Step 0 of 2,000" in status(at)
    assert "16 runs (4 batch sizes × 4 widths of the generator" in status(at)
    assert "Live energy distance" in captions(at)
    # run alone, the page cannot resolve the Lab page: plain links with the query parameters
    links = [m.value for m in at.markdown if "/Toy_GAN_Lab?" in m.value]
    assert len(links) == 16
    assert any("batch_size=256" in v and "g_layers=16%2C32" in v and "preset=so-question" in v
               for v in links)


def test_links_open_the_lab_through_the_app():
    """From the app's entrypoint the links are st.page_link to the Lab with the cell's fields."""
    root = Path(PAGE).parents[1]
    app = AppTest.from_file(str(root / "app.py"), default_timeout=240).run()
    app.switch_page("pages/2_Batch_x_Width.py")
    ok(app.run())
    links = app.get("page_link")
    assert len(links) == 16
    link = next(e for e in links if "256 × 16-32" in e.proto.label)
    assert link.proto.page == "Toy_GAN_Lab"
    assert link.proto.query_string == ("dataset=circle&preset=so-question&g_layers=16%2C32"
                                       "&batch_size=256")


def test_every_widget_once(at):
    ok(at.selectbox(key="sweep_preset").set_value("so-answer").run())
    assert "All three fixes" in captions(at)
    ok(at.multiselect(key="sweep_batches").set_value([32, 256]).run())
    assert "8 runs (2 batch sizes × 4 widths" in status(at)
    ok(at.multiselect(key="sweep_widths").set_value([16, 64]).run())
    assert "4 runs (2 batch sizes × 2 widths" in status(at)
    ok(at.radio(key="sweep_width_of").set_value("both").run())
    assert "widths of both networks" in status(at)
    ok(at.slider(key="sweep_seeds").set_value(2).run())
    assert "8 runs" in status(at) and "2 seeds" in status(at)
    ok(at.select_slider(key="sweep_target").set_value(500).run())
    assert "of 500" in status(at)
    ok(at.select_slider(key="sweep_spr").set_value(10).run())
    assert at.button(key="sweep_step").label == "+10 steps"
    ok(at.selectbox(key="sweep_metric").set_value("radial_error").run())
    assert "Live radial error" in captions(at)

    ok(at.button(key="sweep_step").click().run())  # compiles the stack, trains 10 steps
    assert "Step 10 of 500" in status(at)
    ok(at.button(key="sweep_play").click().run())  # the fragment trains once on this run
    assert at.button(key="sweep_play").label.endswith("Pause")
    assert "Step 20 of 500" in status(at)
    ok(at.button(key="sweep_reset").click().run())
    assert "Step 0 of 500" in status(at) and at.button(key="sweep_play").label.endswith("Train")

    ok(at.selectbox(key="sweep_dataset").set_value("ring8").run())
    assert at.selectbox(key="sweep_preset").value == "ring8-default"
    assert at.selectbox(key="sweep_metric").value == "modes"
    assert "Live modes captured" in captions(at)
