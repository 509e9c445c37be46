import math

import numpy as np
import pytest

from ganviz.toy import datasets as D


@pytest.mark.parametrize("name", list(D.DATASETS))
def test_every_dataset_is_float32_n_by_2_and_seeded(name):
    a = D.DATASETS[name].sample(500, 3)
    b = D.DATASETS[name].sample(500, 3)
    c = D.DATASETS[name].sample(500, 4)
    assert a.dtype == np.float32 and a.shape == (500, 2)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    (x0, x1), (y0, y1) = D.DATASETS[name].display_range
    inside = (a[:, 0] > x0) & (a[:, 0] < x1) & (a[:, 1] > y0) & (a[:, 1] < y1)
    assert inside.mean() > 0.99


def test_parabola_is_y_equals_x_squared():
    p = D.parabola(1000, 0)
    assert np.allclose(p[:, 1], p[:, 0] ** 2, atol=1e-6)
    assert p[:, 0].min() >= -1 and p[:, 0].max() <= 1


def test_circle_radius():
    c = D.circle(1000, 0)
    assert np.allclose(np.hypot(c[:, 0], c[:, 1]), 1.0, atol=1e-5)
    c = D.get_dataset("circle", circle_radius=0.5).sample(1000, 0)
    assert np.allclose(np.hypot(c[:, 0], c[:, 1]), 0.5, atol=1e-5)


@pytest.mark.parametrize("fn", [D.moons, D.swiss_roll])
def test_so_scaling_to_unit_box(fn):
    x = fn(2000, 0)
    assert np.allclose(x.min(axis=0), -1, atol=1e-6) and np.allclose(x.max(axis=0), 1, atol=1e-6)


def test_ring8_has_eight_distinct_centres_std_001():
    c = D.RING8_CENTRES
    assert len({(round(x, 6), round(y, 6)) for x, y in c}) == 8
    assert np.allclose(c[2], [0, 1], atol=1e-12)
    x = D.ring8(80_000, 0)
    nearest = ((x[:, None] - c[None]) ** 2).sum(-1).argmin(1)
    resid = x - c[nearest]
    assert abs(resid.std() - 0.01) < 0.0005


def test_grid25_centres_and_std():
    assert sorted(set(D.GRID25_CENTRES[:, 0])) == [-4, -2, 0, 2, 4]
    x = D.grid25(50_000, 1)
    nearest = ((x[:, None] - D.GRID25_CENTRES[None]) ** 2).sum(-1).argmin(1)
    assert abs((x - D.GRID25_CENTRES[nearest]).std() - 0.05) < 0.002
    assert len(np.unique(nearest)) == 25


def test_points_dataset_from_array_and_csv():
    pts = np.random.default_rng(0).normal(size=(50, 2))
    ds = D.get_dataset("points", points=pts)
    s = ds.sample(100, 0)
    assert s.shape == (100, 2)
    text = "x,y\n" + "\n".join(f"{a},{b}" for a, b in pts)
    assert np.allclose(D.points_from_csv(text), pts, atol=1e-6)


@pytest.mark.parametrize("text, message", [
    ("1,2\n3,abc\n" + "1,1\n" * 10, "row 2 is not numeric"),
    ("1,2\n3,nan\n" + "1,1\n" * 10, "row 2 is not finite"),
    ("1,2\n3,inf\n" + "1,1\n" * 10, "row 2 is not finite"),
    ("1,2,3\n" + "1,1\n" * 10, "row 1 has 3 columns, expected 2"),
    ("1,2\n4\n" + "1,1\n" * 10, "row 2 has 1 columns, expected 2"),
    ("1,2\n" * 9, "needs at least 10 points, got 9"),
    ("", "needs at least 10 points, got 0"),
])
def test_bad_csv_is_refused_with_problem_and_row(text, message):
    with pytest.raises(ValueError, match=message):
        D.points_from_csv(text, source="mine.csv")


def test_too_many_rows_is_refused(monkeypatch):
    monkeypatch.setattr(D, "MAX_POINTS", 20)
    with pytest.raises(ValueError, match="more than 20 rows"):
        D.points_from_csv("1,2\n" * 25)


def test_unknown_dataset_message():
    with pytest.raises(ValueError, match="unknown dataset 'nope'; choose from parabola"):
        D.get_dataset("nope")
    with pytest.raises(ValueError, match="needs your own data"):
        D.get_dataset("points")


def test_spiral_turns():
    s = D.spiral(5000, 0)
    r = np.hypot(s[:, 0], s[:, 1])
    assert 0.05 < r.min() and r.max() < 1.1
    assert math.isclose(float(np.median(r)), 0.1 + 0.9 * math.sqrt(0.5), abs_tol=0.05)
