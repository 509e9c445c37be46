"""The batch-size x width sweep: a run in a stack equals the same run alone; the CLI's rows."""

from __future__ import annotations

import csv
import re

import numpy as np
import pytest

from ganviz.toy import presets
from ganviz.toy.engine import METRICS
from ganviz.toy.sweep import (
    Sweep,
    SweepConfig,
    padded_work,
    parse_int_list,
    plan_stacks,
    run_work,
    with_width,
)

STEPS = 300
BATCHES, WIDTHS = (32, 64, 128), (8, 16, 32)
# float agreement, not bit equality: a padded stack's matrix products sum in another order than
# a lone run's (the CPU's kernels differ by shape), and 300 GAN steps amplify that to ~4e-4
TOL = dict(rtol=1e-3, atol=1e-3)
POINT_TOL = dict(rtol=0, atol=5e-3)  # generated points, in data units: 0.5% of a unit radius


def grid(**changes) -> SweepConfig:
    kw = dict(batch_sizes=BATCHES, widths=WIDTHS, seeds=1, max_stacks=1, steps=STEPS)
    kw.update(changes)
    return SweepConfig(presets.config("so-question"), **kw)


@pytest.fixture(scope="module")
def trained() -> Sweep:
    sweep = Sweep(grid(), chunk=STEPS)
    sweep.train(STEPS)
    return sweep


# ---- the grid ----------------------------------------------------------------------------------
def test_width_scales_layer_lists_and_sets_plain_widths():
    so = presets.config("so-question")
    assert with_width(so, 16).g_layers == "16,32"  # the accepted answer's small generator
    assert with_width(so, 16).d_layers == "64,128"
    both = with_width(so, 8, "both")
    assert (both.g_hidden, both.d_hidden) == ((8, 16), (8, 16))
    ring = presets.config("ring8-default")
    assert with_width(ring, 24, "d").d_hidden == (24, 24)
    assert with_width(ring, 24, "d").g_hidden == (64, 64)
    with pytest.raises(ValueError, match="at most 512"):
        with_width(so, 300)


def test_sweep_config_refuses_bad_axes():
    for bad, match in [(dict(batch_sizes=(1,)), "batch_sizes must each be 2..4096"),
                       (dict(widths=(8, 8)), "repeated"), (dict(seeds=0), "seeds"),
                       (dict(width_of="x"), "width_of"),
                       (dict(batch_sizes=tuple(range(2, 40)), widths=tuple(range(1, 10))),
                        "at most 256")]:
        with pytest.raises(ValueError, match=match):
            grid(**bad)
    with pytest.raises(ValueError, match="whole numbers"):
        parse_int_list("32,x", "--batch")


def test_runs_cover_the_grid_in_order():
    runs = grid(seeds=2).runs()
    assert len(runs) == 3 * 3 * 2
    assert [(r.batch_size, r.width, r.seed) for r in runs[:3]] == [(32, 8, 0), (32, 8, 1),
                                                                    (32, 16, 0)]
    assert runs[-1].config.batch_size == 128 and runs[-1].config.g_layers == "32,64"


def test_plan_stacks_partitions_and_beats_one_stack_on_a_wide_grid():
    wide = grid(batch_sizes=(16, 64, 256, 1024), widths=(4, 16, 64, 256))
    configs = [r.config for r in wide.runs()]
    one = plan_stacks(configs, 1, steps=2000)
    assert one == [list(range(len(configs)))]
    many = plan_stacks(configs, 6, steps=2000)
    assert sorted(i for g in many for i in g) == list(range(len(configs)))
    assert 1 < len(many) <= 6
    # the split pads less than one stack, and never less than training each run unpadded
    split = sum(padded_work([configs[i] for i in g]) for g in many)
    assert sum(run_work(c) for c in configs) <= split < padded_work(configs)


# ---- stacked == alone --------------------------------------------------------------------------
@pytest.mark.parametrize("batch_size,width", [(32, 16), (64, 8)])
def test_a_run_in_the_stack_equals_the_same_run_alone(trained, batch_size, width):
    from ganviz.toy.trainer import ToyTrainer

    assert len(trained.stacks) == 1  # one stack padded to batch 128, G 32-64
    i = next(k for k, r in enumerate(trained.runs)
             if (r.batch_size, r.width) == (batch_size, width))
    config = trained.runs[i].config
    alone = ToyTrainer(config, chunk=STEPS)
    alone.train(STEPS)
    assert len(trained.histories[i]) == len(alone.history) == STEPS
    for k in METRICS:
        np.testing.assert_allclose(trained.histories[i].values[k], alone.history.values[k], **TOL,
                                   err_msg=k)
    np.testing.assert_allclose(trained.samples(500)[i], alone.sample(500, seed=config.seed),
                               **POINT_TOL)
    # the live grid shows the Lab's snapshot noise for that config
    np.testing.assert_allclose(trained.snapshot().fake[i], alone.snapshot().fake[:256],
                               **POINT_TOL)


def test_stacked_runs_differ_from_each_other(trained):
    """Guards the equality test: the runs it compares really are different computations."""
    fake = trained.snapshot().fake
    assert np.abs(fake[0] - fake[-1]).max() > 1e-2


def test_result_rows_and_metric_grid(trained):
    result = trained.result(n_samples=500)
    assert len(result.runs) == 9 and result.stack_sizes == [9]
    grid_ = result.metric_grid("energy_distance")
    assert grid_.shape == (3, 3) and np.isfinite(grid_).all()
    row = result.rows()[0]
    assert (row["batch_size"], row["width"], row["g_hidden"], row["steps"]) == (32, 8, "8-16",
                                                                               STEPS)
    assert row["energy_distance"] == pytest.approx(grid_[0, 0], abs=1e-6)
    t = result.times
    assert t.train > 0 and t.metrics > 0 and t.compile >= t.compile_wait >= 0


# ---- CLI ---------------------------------------------------------------------------------------
def test_cli_writes_one_row_per_run(tmp_path, capsys):
    from ganviz.__main__ import main

    out = tmp_path / "grid.csv"
    # same grid and steps as the fixture: the compiled loop is reused
    code = main(["sweep", "--dataset", "circle", "--preset", "so-question", "--batch", "32,64,128",
                 "--width", "8,16,32", "--steps", str(STEPS), "--max-stacks", "1",
                 "--out", str(out), "--no-progress"])
    assert code == 0
    rows = list(csv.DictReader(out.open()))
    assert [(int(r["batch_size"]), int(r["width"])) for r in rows] == [
        (b, w) for b in BATCHES for w in WIDTHS]
    assert all(float(r["seconds"]) > 0 and r["radial_error"] for r in rows)
    # each row names its config: the fields that differ from the preset
    assert rows[0]["changes"] == "g_layers=8,16"
    assert rows[4]["changes"] == "g_layers=16,32 batch_size=64"
    out = capsys.readouterr().out
    assert "9 runs x 300 steps" in out
    # where the wall time went, printed by the CLI itself
    assert re.search(r"time: setup [\d.]+ s, compile [\d.]+ s \([\d.]+ s of it not hidden "
                     r"behind training\), train [\d.]+ s, sample [\d.]+ s, metrics [\d.]+ s; "
                     r"wall [\d.]+ s, of which [\d.]+ s not training", out), out


@pytest.mark.parametrize("argv,message", [
    (["--batch", "32,x", "--width", "8"], "--batch must be comma-separated"),
    (["--batch", "1", "--width", "8"], "batch_sizes must each be 2..4096"),
    (["--batch", "32", "--width", "8", "--seeds", "99"], "seeds must be 1..16"),
    (["--batch", "32", "--width", "8", "--out", "grid.txt"], "--out must end in .csv"),
    (["--batch", "32", "--width", "8", "--preset", "nope"], "unknown preset"),
    (["--batch", "32", "--width", "8", "--dataset", "nope"], "unknown dataset"),
])
def test_cli_bad_input_is_one_line_and_exit_2(capsys, argv, message):
    from ganviz.__main__ import main

    assert main(["sweep", "--steps", "10", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err


def test_spectral_norm_runs_in_a_stack_equal_themselves_alone():
    """Spectral norm's power-iteration vectors start per run from its own seed (engine fix:
    they were drawn once for the stack from the first run's seed)."""
    from ganviz.toy.config import ToyConfig
    from ganviz.toy.presets import BENCH
    from ganviz.toy.trainer import ToyTrainer

    steps = 100
    sweep = Sweep(SweepConfig(ToyConfig(**dict(BENCH, spectral_norm=True)), (64, 128), (16, 32),
                              seeds=2, width_of="both", max_stacks=1, steps=steps), chunk=steps)
    sweep.train(steps)
    i = next(k for k, r in enumerate(sweep.runs) if (r.batch_size, r.width, r.seed) == (64, 16, 1))
    alone = ToyTrainer(sweep.runs[i].config, chunk=steps)
    alone.train(steps)
    for k in METRICS:
        np.testing.assert_allclose(sweep.histories[i].values[k], alone.history.values[k], **TOL,
                                   err_msg=k)


# ---- plots -------------------------------------------------------------------------------------
def test_plots_draw_one_cell_per_run_and_annotate_the_heatmap():
    from ganviz.plots.sweep import metric_heatmap, small_multiples

    rng = np.random.default_rng(0)
    fig = small_multiples(rng.normal(size=(50, 2)), rng.normal(size=(2, 3, 40, 2)),
                          ((-2, 2), (-2, 2)), ["32", "64"], ["8", "16", "32"],
                          failed=np.eye(2, 3, dtype=bool))
    assert len(fig.data) == 2 * 2 * 3  # real and fake in each of the 6 cells
    assert len(fig.layout.shapes) == 2  # the failed cells are framed
    heat = metric_heatmap(np.array([[0.1, np.nan], [0.2, 0.3]]), ["32", "64"], ["8", "16"],
                          "energy distance")
    assert [list(row) for row in heat.data[0].text] == [["0.1", "–"], ["0.2", "0.3"]]
    with pytest.raises(ValueError, match="rows, cols, n, 2"):
        small_multiples(np.zeros((5, 2)), np.zeros((3, 40, 2)), ((-1, 1), (-1, 1)), ["a"], ["b"])
