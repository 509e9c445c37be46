"""The Toy GAN Lab's plain-Python parts: links, warnings, the canvas, bounded logs, the
doc table and a LabRun's tick / export / load (ganviz.live, ganviz.toy; no streamlit)."""

from __future__ import annotations

import numpy as np
import pytest

from ganviz.docs import doc_table
from ganviz.live.run import QualityLog, RateMeter, training_warnings
from ganviz.toy import presets
from ganviz.toy.canvas import canvas_points
from ganviz.toy.metrics import live_quality
from ganviz.toy.trainer import History
from ganviz.ui import toy_link


# ---- links -------------------------------------------------------------------------------
def test_link_round_trip_holds_only_changed_fields():
    config = presets.config("so-question", batch_size=256, g_lr=0.0005, combined_batch=True)
    params = toy_link.encode(config, "so-question", projector=True, steps_per_refresh=50)
    assert params == {"dataset": "circle", "preset": "so-question", "batch_size": "256",
                      "g_lr": "0.0005", "combined_batch": "true", "projector": "1", "spr": "50"}
    state = toy_link.decode(params)
    assert state.config == config and state.preset == "so-question"
    assert state.projector and state.steps_per_refresh == 50 and not state.notices


def test_link_ignores_invalid_parts_with_notices():
    state = toy_link.decode({"dataset": "circle", "preset": "ring8-default", "batch_size": "0",
                             "loss": "magic", "colour": "red", "spr": "7", "mode": "x",
                             "seed": "3"})
    assert state.dataset == "circle" and state.preset == "circle-default"
    assert state.config == presets.config("circle-default", seed=3)
    text = " ".join(state.notices)
    for word in ("preset", "batch_size", "loss", "colour", "spr", "mode"):
        assert word in text
    assert toy_link.decode({"dataset": "nope"}).dataset == toy_link.DEFAULT_DATASET
    assert "own points" in toy_link.decode({"dataset": "points"}).notices[0]


def test_link_applies_fields_that_only_fit_together():
    # packing 4 needs a batch that is a multiple of 4: valid only after batch_size applies
    state = toy_link.decode({"dataset": "ring8", "packing": "4", "batch_size": "128"})
    assert (state.config.packing, state.config.batch_size) == (4, 128)
    assert not state.notices


# ---- warnings ----------------------------------------------------------------------------
def _history(acc_real, acc_fake, n=2500):
    from ganviz.toy.engine import METRICS

    rows = np.zeros((n, len(METRICS)), np.float32)
    rows[:, METRICS.index("d_accuracy_real")] = acc_real
    rows[:, METRICS.index("d_accuracy_fake")] = acc_fake
    h = History()
    h.extend(0, rows)
    return h


def test_warnings_in_plain_language():
    assert training_warnings(_history(0.8, 0.6), None) == []
    near_half = training_warnings(_history(0.52, 0.5), None)
    assert len(near_half) == 1 and "near 50%" in near_half[0]
    near_full = training_warnings(_history(1.0, 0.98), None)
    assert len(near_full) == 1 and "near 100%" in near_full[0]
    diverged = training_warnings(_history(0.8, 0.6, n=10), 1234)
    assert len(diverged) == 1 and "diverged at step 1,234" in diverged[0]
    assert training_warnings(_history(0.5, 0.5, n=100), None) == []  # too short to say


# ---- the canvas --------------------------------------------------------------------------
def test_canvas_points_map_pixels_to_data():
    data = {"objects": [
        {"type": "circle", "left": 0, "top": 0, "radius": 0, "originX": "center"},
        {"type": "circle", "left": 100, "top": 100, "radius": 0, "originX": "center"},
        {"type": "path", "left": 0, "top": 0, "path": [["M", 0, 50], ["Q", 10, 50, 100, 50]]},
    ]}
    pts = canvas_points(data, 100, 100, ((-1, 1), (-1, 1)), spacing=25)
    np.testing.assert_allclose(pts[0], [-1, 1])     # top-left pixel -> (xmin, ymax)
    np.testing.assert_allclose(pts[1], [1, -1])     # bottom-right -> (xmax, ymin)
    stroke = pts[2:]
    assert len(stroke) == 5                         # 0, 25, 50, 75, 100 px along the stroke
    np.testing.assert_allclose(stroke[:, 1], 0.0, atol=1e-6)
    assert canvas_points(None, 100, 100, ((-1, 1), (-1, 1))).shape == (0, 2)


# ---- bounded logs and the rate meter -----------------------------------------------------
def test_quality_log_thins_but_keeps_the_whole_run():
    log = QualityLog(cap=10)
    for s in range(25):
        log.add(s, {"modes": s})
    steps, values = log.arrays()
    assert len(steps) <= 10 and steps[0] == 0 and steps[-1] >= 20
    np.testing.assert_array_equal(steps, values["modes"])


def test_rate_meter():
    m = RateMeter(window=3.0)
    assert m.rate is None
    m.mark(0, now=0.0)
    m.mark(500, now=0.5)
    m.mark(1000, now=1.0)
    assert m.rate == pytest.approx(1000.0)
    m.mark(1100, now=5.0)  # the old marks leave the window
    assert m.rate == pytest.approx(100 / 4.0)


def test_live_quality_per_dataset_kind():
    from ganviz.toy.datasets import DATASETS

    ring = DATASETS["ring8"]
    real = ring.sample(512, 0)
    q = live_quality(real, real, ring.centres, ring.std, "ring8")
    assert q["modes"] == 8 and q["high_quality"] > 0.95
    circle = DATASETS["circle"].sample(512, 0)
    q = live_quality(circle, circle, None, None, "circle")
    assert q["radial_error"] < 1e-5
    same = live_quality(circle, circle, None, None, "moons")["energy_distance"]
    shifted = live_quality(circle + 0.5, circle, None, None, "moons")["energy_distance"]
    assert same < 0.02 and shifted > 10 * same  # 256-point subsamples: near 0, not exactly
    assert live_quality(np.full((5, 2), np.nan), circle, None, None, "moons") == {}


def test_doc_table(tmp_path):
    assert doc_table(tmp_path / "missing.md") is None
    doc = tmp_path / "d.md"
    doc.write_text("# Title\n\n## Measured, 5 seeds\n\nSome text.\n\n| setup | ok |\n|---|---|\n"
                   "| a | 1 |\n\nafter\n\n| b | 2 |\n|---|---|\n")
    table = doc_table(doc)
    assert table.startswith("**Measured, 5 seeds**\n\n| setup | ok |")
    assert table.endswith("| a | 1 |")
    doc.write_text("no table here\n")
    assert doc_table(doc) is None


# ---- a LabRun ----------------------------------------------------------------------------
def test_lab_run_tick_reset_export_and_load():
    from ganviz.live.run import LabRun
    from ganviz.toy.config import ToyConfig

    run = LabRun(ToyConfig(dataset="line", g_width=8, d_width=8), )
    assert run.tick(30) == 30 and run.step == 30
    assert run.frames and run.frames[0].step == 30
    assert run.quality.steps == [30]
    assert run.history_csv().startswith("step,")
    gif = run.gif()
    assert gif[:6] in (b"GIF87a", b"GIF89a")
    loaded = LabRun.from_zip(run.model_zip())
    assert loaded.step == 30 and loaded.config == run.config
    np.testing.assert_allclose(loaded.trainer.sample(16, 1), run.trainer.sample(16, 1), atol=1e-6)
    assert run.apply(run.config.replace(g_lr=0.002)) == []          # applies at the next step
    assert run.step == 30
    assert run.apply(run.config.replace(g_width=16)) == ["g_width"]  # new networks
    assert run.step == 0 and run.frames == []
    run.tick(5)
    run.reset()
    assert run.step == 0
    with pytest.raises(ValueError, match="not a zip"):
        LabRun.from_zip(b"nope")
