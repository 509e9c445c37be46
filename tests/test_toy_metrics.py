import numpy as np
import pytest

from ganviz.toy import datasets as D
from ganviz.toy import metrics as M


def test_ring_with_two_modes_removed_covers_6_of_8():
    x = D.ring8(2500, 0)
    nearest = ((x[:, None] - D.RING8_CENTRES[None]) ** 2).sum(-1).argmin(1)
    kept = x[(nearest != 0) & (nearest != 5)]
    mc = M.mode_coverage(kept, D.RING8_CENTRES, D.RING8_STD)
    assert mc.modes == 6 and mc.per_mode[0] == 0 and mc.per_mode[5] == 0


def test_perfect_sampler_scores_about_98_9_percent_high_quality():
    # 2-D isotropic Gaussian: P(|x| <= 3 std) = 1 - exp(-9/2) = 0.98889
    hq = [M.mode_coverage(D.ring8(2500, s), D.RING8_CENTRES, D.RING8_STD).high_quality
          for s in range(20)]
    assert abs(np.mean(hq) - (1 - np.exp(-4.5))) < 0.002
    assert M.mode_coverage(D.grid25(2500, 0), D.GRID25_CENTRES, D.GRID25_STD).modes == 25


def test_collapsed_sampler_scores_one_mode():
    x = np.tile(D.RING8_CENTRES[3], (100, 1))
    mc = M.mode_coverage(x, D.RING8_CENTRES, D.RING8_STD)
    assert (mc.modes, mc.high_quality) == (1, 1.0)


def test_energy_distance_known_answers():
    x = D.circle(1000, 0)
    assert M.energy_distance(x, x) == pytest.approx(0.0, abs=1e-12)
    # two point masses at distance d: E = 2d - 0 - 0
    a, b = np.zeros((10, 2)), np.tile([3.0, 4.0], (10, 1))
    assert M.energy_distance(a, b) == pytest.approx(10.0)
    assert M.energy_distance(x, D.circle(1000, 1)) < 0.01 < M.energy_distance(x, 0.5 * x)


def test_sliced_wasserstein_shift():
    x = np.random.default_rng(0).normal(size=(2000, 2))
    # shifting by (1, 0): |cos a| averaged over a ~ U(0, pi) is 2/pi
    shifted = M.sliced_wasserstein(x, x + [1.0, 0.0], n_directions=4000)
    assert shifted == pytest.approx(2 / np.pi, abs=0.01)


def test_grid_js_bounds():
    x = D.ring8(2000, 0)
    r = ((-1.5, 1.5), (-1.5, 1.5))
    assert M.grid_js(x, x, r) == pytest.approx(0.0, abs=1e-12)
    far = np.tile([-1.4, -1.4], (2000, 1))
    assert M.grid_js(x, far, r) == pytest.approx(np.log(2), abs=1e-9)


def test_circle_diagnostics():
    good = M.circle_diagnostics(D.circle(5000, 0))
    assert good.radial_error < 1e-5 and good.angular_coverage == 1.0 and good.angular_tv < 0.05
    half = D.circle(5000, 0)
    half = half[half[:, 1] > 0] * 0.8
    bad = M.circle_diagnostics(half)
    assert bad.radial_error == pytest.approx(0.2, abs=1e-5)
    assert bad.angular_coverage == pytest.approx(0.5, abs=0.03)
    assert bad.angular_tv == pytest.approx(0.5, abs=0.03)


def test_bad_shapes():
    with pytest.raises(ValueError, match="must be \\(n, 2\\)"):
        M.energy_distance(np.zeros((3, 3)), np.zeros((3, 2)))


# ---- the metric registry ------------------------------------------------------------------
def test_metric_names_per_dataset_family():
    assert M.metric_names("circle") == ["energy_distance", "sliced_wasserstein", "grid_js",
                                        "radial_error", "angular_coverage", "angular_tv"]
    assert M.metric_names("ring8") == ["modes", "high_quality", "energy_distance",
                                       "sliced_wasserstein", "grid_js"]
    assert M.metric_names("moons") == ["energy_distance", "sliced_wasserstein", "grid_js"]


def test_every_metric_has_a_label_and_a_known_family():
    assert set(M.METRIC_LABELS) == set(M.METRICS)
    assert {m.family for m in M.METRICS.values()} == set(M.FAMILIES)


def test_quality_returns_exactly_the_registry_metrics_of_the_dataset():
    for name in ("circle", "ring8", "moons"):
        ds = D.get_dataset(name)
        real = ds.sample(500, 0)
        out = M.quality(real, real, ds.centres, ds.std, ds.display_range, name)
        shown = {k for k in out if M.METRICS[k].shown}
        assert shown == set(M.metric_names(name))


def test_live_quality_shows_one_family_per_dataset():
    ring = D.get_dataset("ring8")
    pts = ring.sample(400, 1)
    live = M.live_quality(pts, pts, ring.centres, ring.std, "ring8")
    assert live["modes"] == 8 and live["n_modes"] == 8 and M.family_of(live) == "modes"
    circle = D.get_dataset("circle")
    on_circle = circle.sample(400, 1)
    live = M.live_quality(on_circle, on_circle, None, None, "circle")
    assert live["radial_error"] < 1e-6 and M.family_of(live) == "circle"
    moons = D.get_dataset("moons").sample(200, 1)  # under max_points: no subsampling
    live = M.live_quality(moons, moons, None, None, "moons")
    assert list(live) == ["energy_distance"] and live["energy_distance"] < 1e-9
    assert M.family_of(live) == "distance"
    # fewer than two finite samples: nothing to judge
    assert M.live_quality(np.full((5, 2), np.nan), moons, None, None, "moons") == {}
