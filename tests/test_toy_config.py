import dataclasses
import json

import pytest

from ganviz.toy.config import ToyConfig, parse_value


@pytest.mark.parametrize("field, value, message", [
    ("batch_size", 0, "batch_size must be in 2..4096, got 0"),
    ("batch_size", 5000, "batch_size must be in 2..4096, got 5000"),
    ("batch_size", 2.5, "batch_size must be a whole number in 2..4096"),
    ("g_depth", 7, "g_depth must be in 1..6, got 7"),
    ("d_depth", 0, "d_depth must be in 1..6, got 0"),
    ("g_width", 513, "g_width must be in 1..512, got 513"),
    ("d_width", 0, "d_width must be in 1..512, got 0"),
    ("latent_dim", 0, "latent_dim must be in 1..256"),
    ("g_lr", 0.0, "g_lr must be in 1e-06..1, got 0.0"),
    ("d_lr", float("nan"), "d_lr must be in 1e-06..1, got nan"),
    ("g_beta1", 1.0, "g_beta1 must be in 0..0.999"),
    ("d_steps", 11, "d_steps must be in 1..10, got 11"),
    ("packing", 5, "packing must be in 1..4, got 5"),
    ("label_smoothing", 0.6, "label_smoothing must be in 0..0.5"),
    ("label_noise", -0.1, "label_noise must be in 0..0.5"),
    ("gp_weight", -1.0, "gp_weight must be in 0..1000"),
    ("seed", -1, "seed must be in 0..2147483647"),
    ("loss", "wgan", "loss must be one of minimax, non_saturating, least_squares, "
                     "wasserstein_clip, wasserstein_gp, hinge"),
    ("g_optimizer", "adagrad", "g_optimizer must be one of adam, rmsprop, sgd"),
    ("g_output", "relu", "g_output must be one of linear, tanh"),
    ("latent_distribution", "cauchy", "latent_distribution must be one of normal, uniform"),
    ("hidden_activation", "swish", "hidden_activation must be one of"),
    ("combined_batch", "yes", "combined_batch must be true or false"),
    ("minibatch_discrimination", 1, "minibatch_discrimination must be true or false"),
    ("dataset", "square", "dataset must be one of"),
    ("g_layers", "64,x", "g_layers must be comma-separated whole numbers"),
    ("d_layers", "1,2,3,4,5,6,7", "d_layers must list 1..6 widths"),
    ("batch_size", "256", "batch_size must be a number in 2..4096"),
])
def test_invalid_field_names_field_and_range(field, value, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(".", r"\.")):
        ToyConfig(**{field: value})


def test_batch_must_be_multiple_of_packing():
    with pytest.raises(ValueError,
                       match="batch_size must be a multiple of packing \\(3\\), got 256"):
        ToyConfig(packing=3)


def test_frozen_and_json_round_trip():
    c = ToyConfig(dataset="circle", g_layers="16, 32", batch_size=64)
    assert c.g_hidden == (16, 32) and c.g_layers == "16,32"
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.batch_size = 3
    assert ToyConfig.from_dict(json.loads(c.to_json())) == c
    with pytest.raises(ValueError, match="unknown config field"):
        c.replace(bogus=1)


def test_needs_rebuild():
    a = ToyConfig()
    assert a.replace(g_lr=0.01).needs_rebuild(a) == []
    assert a.replace(g_width=16, d_lr=0.01).needs_rebuild(a) == ["g_width"]


def test_parse_value():
    assert parse_value("batch_size", "64") == 64
    assert parse_value("combined_batch", "false") is False
    assert parse_value("g_lr", "2e-4") == 2e-4
    assert parse_value("loss", "hinge") == "hinge"
    with pytest.raises(ValueError, match="unknown config field"):
        parse_value("nope", "1")
    with pytest.raises(ValueError, match="must be a number"):
        parse_value("g_lr", "fast")


def test_info_weight_acts_only_with_categories_and_single_points():
    assert ToyConfig(latent_categories=8, info_weight=1.0).info_active
    assert not ToyConfig(latent_categories=8, info_weight=0.0).info_active
    assert not ToyConfig(latent_categories=1, info_weight=1.0).info_active
    assert not ToyConfig(latent_categories=8, info_weight=1.0, packing=2).info_active
    with pytest.raises(ValueError, match=r"info_weight must be in 0\.\.10, got 11"):
        ToyConfig(info_weight=11.0)
