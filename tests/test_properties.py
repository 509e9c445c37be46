"""Property tests (hypothesis) of the toy side: ToyConfig validation and links, the dataset
registry, the points CSV parser and the toy metrics. NDB has its own in test_ndb_properties.py.

No TensorFlow here: every property runs on plain NumPy, so the file takes seconds.
"""

from __future__ import annotations

import json
import math
from dataclasses import fields

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ganviz.toy import metrics
from ganviz.toy.config import CHOICES, RANGES, ToyConfig, parse_value
from ganviz.toy.datasets import (
    DATASETS,
    GRID25_CENTRES,
    MAX_POINTS,
    MIN_POINTS,
    RING8_CENTRES,
    dataset_names,
    get_dataset,
    points_from_csv,
)
from ganviz.ui import toy_link

SETTINGS = settings(max_examples=40, deadline=None)
TYPES = {f.name: f.type for f in fields(ToyConfig)}
BOOLS = sorted(name for name, kind in TYPES.items() if kind == "bool")
LAYERS = ("g_layers", "d_layers")
SEEDS = st.integers(0, 2**31 - 1)


# ---------------------------------------------------------------------------- ToyConfig

def in_range(name: str) -> st.SearchStrategy:
    lo, hi = RANGES[name]
    if TYPES[name] == "int":
        return st.integers(int(lo), int(hi))
    return st.floats(lo, hi, allow_nan=False)


@st.composite
def valid_fields(draw) -> dict:
    """Every ToyConfig field, each anywhere in its range, within the cross-field rules:
    batch_size a multiple of packing; rejection sampling only with a BCE loss."""
    values = {name: draw(in_range(name)) for name in RANGES if name != "batch_size"}
    packing = values["packing"]
    values["batch_size"] = packing * draw(st.integers(-(-2 // packing), 4096 // packing))
    values.update({name: draw(st.sampled_from(options)) for name, options in CHOICES.items()})
    values.update({name: draw(st.booleans()) for name in BOOLS})
    if values.get("rejection_sampling"):
        values["loss"] = draw(st.sampled_from(["minimax", "non_saturating"]))
    values["dataset"] = draw(st.sampled_from(dataset_names()))
    for name in LAYERS:
        widths = draw(st.lists(st.integers(1, 512), min_size=0, max_size=6))
        values[name] = ",".join(map(str, widths))
    return values


@SETTINGS
@given(valid_fields())
def test_any_in_range_config_constructs_and_round_trips(values):
    config = ToyConfig(**values)
    for name, value in values.items():
        assert getattr(config, name) == value, name
    assert ToyConfig.from_dict(json.loads(config.to_json())) == config
    assert len(config.g_hidden) >= 1 and len(config.d_hidden) >= 1


def out_of_range(name: str) -> st.SearchStrategy:
    lo, hi = RANGES[name]
    wrong_type = st.one_of(st.text(max_size=8), st.none(), st.booleans(), st.just([1]))
    not_finite = st.sampled_from([math.nan, math.inf, -math.inf])
    if TYPES[name] == "int":
        numbers = st.one_of(st.integers(max_value=int(lo) - 1), st.integers(min_value=int(hi) + 1),
                            st.floats(lo, hi, allow_nan=False).filter(lambda v: not v.is_integer()))
    else:
        numbers = st.one_of(st.floats(max_value=lo, exclude_max=True),
                            st.floats(min_value=hi, exclude_min=True, allow_infinity=False))
    return st.one_of(numbers, not_finite, wrong_type)


def bad_value(name: str) -> st.SearchStrategy:
    if name in RANGES:
        return out_of_range(name)
    if name in CHOICES:
        return st.one_of(st.text(max_size=12).filter(lambda v: v not in CHOICES[name]),
                         st.integers(), st.none())
    if name in BOOLS:
        return st.one_of(st.integers(), st.text(max_size=5), st.none(), st.floats())
    if name == "dataset":
        return st.text(max_size=12).filter(lambda v: v not in dataset_names())
    assert name in LAYERS
    widths = st.integers(1, 512)
    return st.one_of(
        st.lists(widths, min_size=7, max_size=10).map(lambda w: ",".join(map(str, w))),
        st.tuples(st.lists(widths, max_size=5),
                  st.one_of(st.integers(max_value=0), st.integers(min_value=513)))
        .map(lambda t: ",".join(map(str, [*t[0], t[1]]))),
        st.text(alphabet="abcxyz;. -+", min_size=1, max_size=6).filter(lambda v: v.strip()),
        st.integers(), st.none())


@SETTINGS
@given(st.data(), valid_fields(), st.sampled_from(sorted(TYPES)))
def test_any_single_bad_field_raises_value_error_naming_it(data, values, name):
    bad = data.draw(bad_value(name), label=name)
    with pytest.raises(ValueError) as info:
        ToyConfig(**{**values, name: bad})
    assert name in str(info.value)


@SETTINGS
@given(st.dictionaries(st.one_of(st.sampled_from(sorted(TYPES) + list(toy_link.PAGE_KEYS)),
                                 st.text(max_size=10)),
                       st.one_of(st.text(max_size=20),
                                 st.sampled_from(["nan", "NaN", "inf", "-inf", "1e400", "1e-400",
                                                  "99999999999999999999999", "-0", "0x10", " 7 ",
                                                  "true", "", "256", "1,2,3"])),
                       max_size=6))
@example({"batch_size": "1e400", "seed": "nan", "steps": "-inf", "g_lr": "NaN"})
def test_any_link_decodes_to_a_valid_config_with_notices(params):
    """Query parameters never break the Toy GAN Lab: invalid parts are skipped with a notice."""
    link = toy_link.decode(params)
    assert isinstance(link.config, ToyConfig) and link.config.dataset == link.dataset
    assert all(isinstance(n, str) and n for n in link.notices)
    for key, text in params.items():
        if key in TYPES and key != "dataset":
            try:
                value = parse_value(key, text)
                link.config.replace(**{key: value})
            except ValueError:  # refused on its own: the link must say so
                assert any(key in n for n in link.notices), (key, text, link.notices)


# ---------------------------------------------------------------------------- datasets

@SETTINGS
@given(st.sampled_from(sorted(DATASETS)), st.integers(1, 3000), SEEDS)
@example("swiss_roll", 1, 0)
@example("moons", 1, 0)
def test_every_dataset_gives_float32_finite_points_reproducibly(name, n, seed):
    points = DATASETS[name].sample(n, seed)
    assert points.dtype == np.float32 and points.shape == (n, 2)
    assert np.isfinite(points).all()
    np.testing.assert_array_equal(points, DATASETS[name].sample(n, seed))


@SETTINGS
@given(st.floats(0.05, 10.0), st.integers(1, 500), SEEDS)
def test_circle_of_any_radius_lies_on_it(radius, n, seed):
    points = get_dataset("circle", circle_radius=radius).sample(n, seed)
    assert points.dtype == np.float32 and points.shape == (n, 2)
    np.testing.assert_allclose(np.hypot(points[:, 0], points[:, 1]), radius, rtol=1e-5)


@SETTINGS
@given(st.one_of(st.binary(max_size=3000), st.text(max_size=3000)))
@example(b"a\rb,1\n")                 # a stray carriage return
@example("9" * 200_000)               # a field over the csv module's limit
@example("nowhere.csv")               # looks like a path
@example("x\x00.csv")                 # a path with a NUL
@example(b"x,y\n1,2\n\"unterminated")
@example(bytes(range(256)) * 8)
def test_points_csv_raises_only_value_error(data):
    try:
        points = points_from_csv(data)
    except ValueError as exc:
        assert str(exc)
        return
    assert points.dtype == np.float32 and points.ndim == 2 and points.shape[1] == 2
    assert MIN_POINTS <= len(points) <= MAX_POINTS and np.isfinite(points).all()


PAIRS = st.lists(st.tuples(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6)), min_size=MIN_POINTS,
                 max_size=60)


@SETTINGS
@given(PAIRS, st.booleans(), st.sampled_from(["\n", "\r\n", "\r"]),
       st.sampled_from(["", " ", "\t"]))
def test_points_csv_round_trips_any_finite_points(pairs, header, newline, pad):
    lines = (["x,y"] if header else []) + [f"{pad}{x!r},{pad}{y!r}" for x, y in pairs]
    points = points_from_csv(newline.join(lines) + newline)
    np.testing.assert_array_equal(points, np.asarray(pairs, np.float32))


@SETTINGS
@given(PAIRS, st.data(), st.sampled_from(["nan", "inf", "oops", "1;2", ""]))
def test_points_csv_names_the_bad_row(pairs, data, bad):
    row = data.draw(st.integers(1, len(pairs) - 1), label="row")  # row 0 could pass as a header
    lines = [f"{x!r},{y!r}" for x, y in pairs]
    lines[row] = f"{bad},1"
    with pytest.raises(ValueError, match=f"row {row + 1} "):
        points_from_csv("\n".join(lines))


# ---------------------------------------------------------------------------- metrics

def samples(min_size: int = 1, max_size: int = 120, bound: float = 10.0) -> st.SearchStrategy:
    return st.integers(min_size, max_size).flatmap(
        lambda n: hnp.arrays(np.float64, (n, 2), elements=st.floats(-bound, bound)))


# random centres on a 0.001 lattice: distinct ones are never closer than d^2 can resolve
CENTRES = st.one_of(st.sampled_from([RING8_CENTRES, GRID25_CENTRES]),
                    st.integers(1, 12).flatmap(lambda k: hnp.arrays(
                        np.float64, (k, 2),
                        elements=st.integers(-5000, 5000).map(lambda v: v / 1000))))


@SETTINGS
@given(samples(), CENTRES, st.floats(1e-3, 2.0), st.randoms(use_true_random=False))
def test_mode_coverage_is_bounded_and_order_free(x, centres, std, rnd):
    mc = metrics.mode_coverage(x, centres, std)
    assert 0 <= mc.modes <= mc.n_modes == len(centres)
    assert 0.0 <= mc.high_quality <= 1.0
    assert sum(mc.per_mode) == round(mc.high_quality * len(x))
    assert mc.modes == sum(1 for v in mc.per_mode if v > 0)
    order = list(range(len(x)))
    rnd.shuffle(order)
    assert metrics.mode_coverage(x[order], centres, std) == mc


@SETTINGS
@given(CENTRES, st.floats(1e-3, 2.0), st.integers(0, 5))
def test_samples_on_every_centre_capture_every_mode(centres, std, n_nan):
    distinct = np.unique(centres, axis=0)
    x = np.concatenate([distinct, np.full((n_nan, 2), np.nan)])
    mc = metrics.mode_coverage(x, distinct, std)
    assert mc.modes == mc.n_modes == len(distinct)
    assert mc.high_quality == pytest.approx(len(distinct) / len(x))  # NaN rows are misses


@SETTINGS
@given(samples(2, 80), samples(2, 80), hnp.arrays(np.float64, 2, elements=st.floats(-100, 100)))
def test_energy_distance_is_nonnegative_symmetric_zero_on_itself_and_shift_free(x, y, shift):
    e = metrics.energy_distance(x, y)
    assert e >= 0.0
    assert metrics.energy_distance(x, x) == pytest.approx(0.0, abs=1e-9)
    assert metrics.energy_distance(y, x) == pytest.approx(e, rel=1e-9, abs=1e-9)
    assert metrics.energy_distance(x + shift, y + shift) == pytest.approx(e, rel=1e-6, abs=1e-6)


@SETTINGS
@given(st.integers(2, 80).flatmap(lambda n: st.tuples(
    hnp.arrays(np.float64, (n, 2), elements=st.floats(-10, 10)),
    hnp.arrays(np.float64, (n, 2), elements=st.floats(-10, 10)))))
def test_sliced_wasserstein_is_nonnegative_symmetric_and_zero_on_itself(xy):
    x, y = xy
    w = metrics.sliced_wasserstein(x, y)
    assert w >= 0.0
    assert metrics.sliced_wasserstein(x, x) == pytest.approx(0.0, abs=1e-12)
    assert metrics.sliced_wasserstein(y, x) == pytest.approx(w, rel=1e-9, abs=1e-12)


@SETTINGS
@given(samples(), samples())
def test_grid_js_is_bounded_symmetric_and_zero_on_itself(x, y):
    rng = ((-5.0, 5.0), (-5.0, 5.0))
    js = metrics.grid_js(x, y, rng)
    assert -1e-12 <= js <= math.log(2) + 1e-12
    assert metrics.grid_js(x, x, rng) == pytest.approx(0.0, abs=1e-12)
    assert metrics.grid_js(y, x, rng) == pytest.approx(js, abs=1e-12)


@SETTINGS
@given(samples(bound=5.0).filter(lambda a: (np.hypot(a[:, 0], a[:, 1]) > 1e-3).all()),
       st.floats(0.05, 10.0), st.sampled_from([0.25, 0.5, 2.0, 4.0]))
def test_circle_diagnostics_are_bounded_and_scale_free(x, radius, scale):
    d = metrics.circle_diagnostics(x, radius)
    assert d.radial_error >= 0.0
    assert 0.0 <= d.angular_coverage <= 1.0 and 0.0 <= d.angular_tv <= 1.0
    scaled = metrics.circle_diagnostics(x * scale, radius * scale)  # powers of 2: exact
    assert scaled.radial_error == pytest.approx(d.radial_error, rel=1e-12, abs=1e-12)
    assert (scaled.angular_coverage, scaled.angular_tv) == (d.angular_coverage, d.angular_tv)
