"""AppTest of the Toy GAN Lab page: every widget once, Play/Step/Reset, presets, own data,
links, the circles mode and loading a saved model.

AppTest never fires ``st.fragment(run_every=...)`` ticks (FACTS.md): a click on Play reruns
the page once, and that run trains one refresh; the timer itself is tested in the browser.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from ganviz.toy import presets
from ganviz.toy.fields import FIELD_WIDGETS
from ganviz.ui.toy_config import FIELD_PREFIX

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "pages" / "1_Toy_GAN_Lab.py"
TIMEOUT = 300  # TensorFlow's import and the first XLA compiles on a loaded 2-core machine
# UI wiring is under test here, not speed: skip XLA's compile of every new network shape
os.environ.setdefault("GANVIZ_TOY_XLA", "0")
SMALL = {"dataset": "gaussians2", "preset": "gaussians2-default", "g_width": "8", "d_width": "8",
         "spr": "10"}


def page(query: dict[str, str] | None = None):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(PAGE), default_timeout=TIMEOUT)
    at.query_params.update(SMALL if query is None else query)
    at.run()
    assert_ok(at)
    return at


def assert_ok(at) -> None:
    assert not at.exception, [e.value for e in at.exception]


def lab(at):
    return at.session_state["toy_lab"]


def shown_step(at) -> int:
    """The step counter as the status line shows it."""
    status = [m.value for m in at.markdown if "toy-status" in m.value and "toy-step" in m.value]
    assert status, "no status line"
    return int(re.search(r"class='toy-step'>([\d,]+)<", status[0]).group(1).replace(",", ""))


def test_every_config_field_has_a_widget():
    from dataclasses import fields

    from ganviz.toy.config import ToyConfig

    assert {w.name for w in FIELD_WIDGETS} | {"dataset"} == {f.name for f in fields(ToyConfig)}


def test_step_play_reset():
    at = page()
    assert shown_step(at) == 0
    at.button(key="toy_step_both").click().run()
    assert_ok(at)
    assert shown_step(at) == 1
    at.button(key="toy_step_d").click().run()
    assert shown_step(at) == 2
    at.button(key="toy_step_g").click().run()
    assert shown_step(at) == 3
    at.button(key="toy_play").click().run()
    assert_ok(at)
    assert lab(at).playing
    assert shown_step(at) == 13  # one refresh of 10 steps
    assert at.button(key="toy_play").label.endswith("Pause")
    assert any("training" in m.value for m in at.markdown if "toy-status" in m.value)
    at.button(key="toy_play").click().run()
    assert not lab(at).playing
    assert shown_step(at) == 13  # paused: no refresh trains
    at.button(key="toy_reset").click().run()
    assert_ok(at)
    assert shown_step(at) == 0
    assert len(lab(at).run.trainer.history) == 0


def _new_value(w, current):
    """A valid value different from ``current`` for field widget ``w``."""
    special = {"g_layers": "16,16", "d_layers": "16,8", "packing": 2, "latent_dim": 3,
               "circle_radius": 0.5, "clip_value": 0.02, "gp_weight": 5.0, "r1_weight": 1.0}
    if w.name in special:
        return special[w.name]
    if w.name in ("steps", "seed"):
        return current + 1
    if w.kind in ("select", "select_slider"):
        options = list(w.options)
        if current not in options:
            return options[0]
        return options[(options.index(current) + 1) % len(options)]
    if w.kind == "toggle":
        return not current
    if w.kind == "slider":
        lo, hi = w.kwargs["min_value"], w.kwargs["max_value"]
        step = w.kwargs.get("step", 1)
        return current + step if current + step <= hi else lo
    raise AssertionError(f"no test value for {w.name}")


def test_every_widget_once():
    at = page()
    at.button(key="toy_step_both").click().run()
    # the circle's radius widget is shown for the circle only
    at.selectbox(key="toy_dataset").set_value("circle").run()
    assert_ok(at)
    assert lab(at).config.dataset == "circle"
    changed = []
    for w in FIELD_WIDGETS:
        key = FIELD_PREFIX + w.name
        current = at.session_state[key]
        value = _new_value(w, current)
        getattr(at, _kind(w))(key=key).set_value(value).run()
        assert_ok(at)
        config = lab(at).config
        errors = [e.value for e in at.error]
        assert getattr(config, w.name) == value or errors, f"{w.name}: neither applied nor refused"
        changed.append(w.name)
        if w.name in ("g_layers", "d_layers"):  # back to layers x units for the sliders
            at.text_input(key=key).set_value("").run()
    assert len(changed) == len(FIELD_WIDGETS)
    # training still works after all that
    at.button(key="toy_step_both").click().run()
    assert_ok(at)
    assert shown_step(at) >= 1
    # the main area's widgets
    for key in ("toy_show_heatmap", "toy_show_manifold", "toy_show_arrows", "toy_stop_at"):
        at.toggle(key=key).set_value(not at.toggle(key=key).value).run()
        assert_ok(at)
    spec = at.get("plotly_chart")[0].proto.spec  # the plot carries the manifold and arrows now
    assert "G's manifold" in spec and "D's gradient" in spec
    at.select_slider(key="toy_spr").set_value(5).run()
    assert_ok(at)
    at.toggle(key="toy_projector").set_value(True).run()
    assert_ok(at)
    assert any("font-size: 22px" in m.value for m in at.markdown), "projector CSS missing"
    at.radio(key="toy_canvas_tool").set_value("freedraw").run()
    assert_ok(at)
    at.button(key="toy_use_drawing").click().run()  # nothing drawn: a clear message
    assert_ok(at)
    assert any("at least 10 points" in e.value for e in at.error)


def _kind(w) -> str:
    return {"slider": "slider", "select_slider": "select_slider", "select": "selectbox",
            "toggle": "toggle", "number": "number_input", "text": "text_input"}[w.kind]


def test_preset_switch_loads_the_recipe():
    at = page({"dataset": "circle", "preset": "circle-default", "spr": "10"})
    at.selectbox(key="toy_preset").set_value("so-question").run()
    assert_ok(at)
    want = presets.config("so-question")
    assert lab(at).config == want
    assert at.session_state[FIELD_PREFIX + "batch_size"] == 32
    assert at.session_state[FIELD_PREFIX + "g_layers"] == "64,128"
    assert at.session_state[FIELD_PREFIX + "combined_batch"] is False
    assert lab(at).run.config == want


def test_bad_csv_shows_the_engine_message_and_good_csv_trains():
    at = page()
    at.file_uploader(key="toy_csv").set_value(("bad.csv", b"x,y\n0,1\n1,oops\n", "text/csv")).run()
    assert_ok(at)
    errors = [e.value for e in at.error]
    assert any("bad.csv: row 3 is not numeric" in e for e in errors), errors
    assert lab(at).points is None
    rows = "x,y\n" + "\n".join(f"{i / 10:.1f},{(i % 5) / 5:.1f}" for i in range(40))
    at.file_uploader(key="toy_csv").set_value(("mine.csv", rows.encode(), "text/csv")).run()
    assert_ok(at)
    assert at.selectbox(key="toy_dataset").value == "points"
    assert lab(at).run.trainer.points.shape == (40, 2)
    at.button(key="toy_step_both").click().run()
    assert shown_step(at) == 1


def test_link_restores_and_ignores_invalid_params():
    at = page({"dataset": "circle", "preset": "so-question", "batch_size": "256", "g_lr": "fast",
               "bogus": "1", "spr": "10"})
    assert lab(at).config == presets.config("so-question", batch_size=256)
    notices = " ".join(i.value for i in at.info)
    assert "g_lr" in notices and "bogus" in notices
    assert at.session_state[FIELD_PREFIX + "batch_size"] == 256


def test_why_circles_fail_runs_two_in_lockstep():
    at = page({"mode": "circles", "spr": "10"})
    assert_ok(at)
    pair = lab(at).pair
    assert pair is not None and len(pair) == 2
    assert pair[0].config == presets.config("so-question")
    assert pair[1].config == presets.config("so-answer")
    at.button(key="toy_step_both").click().run()
    assert [r.step for r in lab(at).pair] == [1, 1]
    at.toggle(key="toy_fix_batch").set_value(False).run()  # restarts both
    assert_ok(at)
    assert [r.step for r in lab(at).pair] == [0, 0]
    assert lab(at).pair[1].config.batch_size == 32
    for key in ("toy_fix_combined", "toy_fix_small_g", "toy_fix_radius", "toy_fix_linear"):
        at.toggle(key=key).set_value(not at.toggle(key=key).value).run()
        assert_ok(at)
    at.selectbox(key="toy_cmp_left").set_value("so-question+linear").run()
    at.selectbox(key="toy_cmp_right").set_value("so-question+combined").run()
    assert_ok(at)
    assert lab(at).pair[0].config == presets.config("so-question+linear")
    assert len([c for c in at.get("plotly_chart")]) >= 2


def test_saved_model_loads_back():
    from ganviz.live.run import LabRun
    from ganviz.toy.config import ToyConfig

    run = LabRun(ToyConfig(dataset="line", g_width=8, d_width=8))
    run.tick(7)
    data = run.model_zip()
    at = page()
    at.file_uploader(key="toy_model_upload").set_value(("model.zip", data, "application/zip")).run()
    assert_ok(at)
    assert lab(at).run.step == 7
    assert lab(at).config == run.config
    assert shown_step(at) == 7
    junk = ("junk.zip", b"not a zip", "application/zip")
    at.file_uploader(key="toy_model_upload").set_value(junk).run()
    assert_ok(at)
    assert any("not a zip file" in e.value for e in at.error)


@pytest.mark.parametrize("dataset", ["ring8", "parabola"])
def test_other_datasets_render(dataset):
    at = page({"dataset": dataset, "g_width": "8", "d_width": "8", "spr": "10"})
    assert lab(at).config.dataset == dataset
    assert len(at.get("plotly_chart")) >= 4
