"""The one table of toy fields: one row per ToyConfig field, and every list derived from it
equal to the list each module used to keep by hand."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import fields

import pytest

from ganviz.toy.config import CHOICES, RANGES, STRUCTURAL, ToyConfig
from ganviz.toy.fields import (
    FIELD_WIDGETS,
    FIELDS,
    HYPERPARAMS,
    SHARED_IN_STACK,
    Cost,
    change_cost,
)
from ganviz.toy.nets import Structure


def test_every_config_field_has_exactly_one_row():
    names = [f.name for f in FIELDS]
    assert sorted(names) == sorted(f.name for f in fields(ToyConfig))
    assert len(names) == len(set(names))


def test_ranges_match_the_field_types_and_choices_the_string_fields():
    types = {f.name: f.type for f in fields(ToyConfig)}
    for row in FIELDS:
        if row.range is not None:
            lo, hi = row.range
            assert type(lo) is type(hi) and type(lo).__name__ == types[row.name], row.name
            assert lo < hi
            ToyConfig(**{row.name: lo}), ToyConfig(**{row.name: hi})  # both ends are valid
        if row.choices is not None:
            assert types[row.name] == "str", row.name
        if types[row.name] == "bool":
            assert row.range is None and row.choices is None


def test_derived_lists_equal_the_hand_kept_ones():
    """The lists as config.py, engine.py and trainer.py kept them before the table."""
    assert STRUCTURAL == {
        "g_layers", "d_layers", "dataset", "circle_radius", "dataset_size", "latent_dim",
        "latent_distribution", "latent_categories", "info_weight", "g_depth", "g_width",
        "d_depth", "d_width", "hidden_activation", "leaky_slope", "g_output", "packing",
        "minibatch_discrimination", "spectral_norm", "g_optimizer", "d_optimizer", "g_ema", "seed"}
    assert set(HYPERPARAMS) == {
        "g_lr", "d_lr", "g_beta1", "d_beta1", "label_smoothing", "label_noise", "gp_weight",
        "r1_weight", "clip_value", "g_ema", "lr_final", "steps", "info_weight"}
    assert set(SHARED_IN_STACK) == {
        "latent_dim", "latent_distribution", "latent_categories", "hidden_activation",
        "leaky_slope", "g_output", "g_optimizer", "d_optimizer", "loss", "d_steps",
        "combined_batch", "packing", "minibatch_discrimination", "spectral_norm", "dataset",
        "dataset_size", "circle_radius"}
    assert {f.name for f in FIELDS if f.cost is Cost.RETRACE} == {
        "loss", "d_steps", "combined_batch", "batch_size"}
    assert set(RANGES) | set(CHOICES) | {"dataset", "g_layers", "d_layers"} == {
        f.name for f in fields(ToyConfig) if f.type != "bool"}
    assert CHOICES["loss"] == ("minimax", "non_saturating", "least_squares", "wasserstein_clip",
                               "wasserstein_gp", "hinge")


def test_widgets_keep_their_order_and_take_bounds_from_the_ranges():
    assert [w.name for w in FIELD_WIDGETS] == [
        "circle_radius", "dataset_size", "seed", "latent_dim", "latent_distribution", "g_depth",
        "g_width", "g_layers", "g_output", "latent_categories", "info_weight", "g_ema",
        "d_depth", "d_width", "d_layers", "packing", "minibatch_discrimination",
        "spectral_norm", "hidden_activation", "leaky_slope", "batch_size", "loss", "d_steps",
        "combined_batch", "g_optimizer", "g_lr", "g_beta1", "d_optimizer", "d_lr", "d_beta1",
        "lr_final", "steps", "label_smoothing", "label_noise", "gp_weight", "r1_weight",
        "clip_value", "rejection_sampling", "rejection_percentile"]
    for w in FIELD_WIDGETS:
        if w.kind in ("slider", "number"):
            assert (w.kwargs["min_value"], w.kwargs["max_value"]) == RANGES[w.name], w.name
        elif w.kind == "select":
            assert w.options == CHOICES[w.name], w.name
        elif w.kind == "select_slider":
            lo, hi = RANGES[w.name]
            assert all(lo <= v <= hi for v in w.options), w.name
    clip = FIELD_WIDGETS[-3]
    assert clip.kwargs == dict(min_value=1e-4, max_value=10.0, step=0.005, format="%.4f")


@pytest.mark.parametrize("change, cost", [
    (dict(g_lr=1e-4), Cost.HOT),
    (dict(label_noise=0.1, steps=100), Cost.HOT),
    (dict(r1_weight=0.5), Cost.RETRACE),  # on: the loop gains the R1 term
    (dict(loss="hinge", g_lr=1e-4), Cost.RETRACE),
    (dict(batch_size=64), Cost.RETRACE),
    (dict(g_width=16, loss="hinge"), Cost.NEW_NETWORKS),
    (dict(rejection_sampling=True), Cost.SAMPLING),
    ({}, None),
])
def test_change_cost(change, cost):
    base = ToyConfig()
    assert change_cost(base, base.replace(**change)) is cost
    on = base.replace(r1_weight=1.0)
    assert change_cost(on, on.replace(r1_weight=2.0)) is Cost.HOT  # stays on: fed, not traced


def test_the_compiled_structure_follows_the_costs():
    """A RETRACE field changes the structure the loop is compiled for; a HOT one does not."""
    base = ToyConfig()
    other = {"loss": "hinge", "d_steps": 2, "combined_batch": False, "batch_size": 128,
             "g_lr": 1e-4, "label_noise": 0.1, "gp_weight": 1.0, "clip_value": 0.1,
             "lr_final": 0.5, "steps": 10, "label_smoothing": 0.1, "g_beta1": 0.9}
    for name, value in other.items():
        changed = Structure.of([base.replace(**{name: value})]) != Structure.of([base])
        assert changed == (change_cost(base, base.replace(**{name: value})) is Cost.RETRACE), name


def test_every_shared_field_is_part_of_the_structure():
    """Runs stacked together share these fields; all but the data's (which reach the loop as
    tensors) are part of the Structure a compiled loop is keyed on."""
    own = {f.name for f in fields(Structure)}
    assert set(SHARED_IN_STACK) - own == {"dataset", "dataset_size", "circle_radius"}
    assert own - set(SHARED_IN_STACK) == {"info", "g_ema", "g_hidden", "d_hidden", "batch_size"}


def test_fields_does_not_import_the_config():
    code = ("import sys, ganviz.toy.fields; "
            "print('ganviz.toy.config' in sys.modules, 'tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
