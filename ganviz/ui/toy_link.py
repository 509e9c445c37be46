"""Shareable links of the Toy GAN Lab: a ToyConfig <-> URL query parameters (no streamlit).

A link holds the dataset, the preset and only the fields that differ from the preset, plus a
few page settings (``mode``, ``projector``, ``spr`` = steps per refresh):

    ?dataset=circle&preset=so-question&batch_size=256&projector=1

Decoding never fails: every invalid or unknown parameter is skipped with a notice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from ganviz.toy import presets
from ganviz.toy.config import ToyConfig, parse_value
from ganviz.toy.datasets import dataset_names

DEFAULT_DATASET = "ring8"
MODES = ("lab", "circles")
STEPS_PER_REFRESH = (1, 2, 5, 10, 20, 50, 100, 200, 300, 500, 1000, 2000)
DEFAULT_STEPS_PER_REFRESH = 500  # 2,500 steps/s at 5 refreshes/s: a lone student at engine speed
PAGE_KEYS = ("dataset", "preset", "mode", "projector", "spr")
_FIELDS = {f.name for f in fields(ToyConfig)}


@dataclass
class LinkState:
    """What a link restores. ``notices`` lists every parameter that was ignored, and why."""

    dataset: str = DEFAULT_DATASET
    preset: str = presets.default_preset(DEFAULT_DATASET)
    config: ToyConfig = field(
        default_factory=lambda: presets.config(presets.default_preset(DEFAULT_DATASET)))
    mode: str = "lab"
    projector: bool = False
    steps_per_refresh: int = DEFAULT_STEPS_PER_REFRESH
    notices: list[str] = field(default_factory=list)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def encode(config: ToyConfig, preset: str, *, mode: str = "lab", projector: bool = False,
           steps_per_refresh: int = DEFAULT_STEPS_PER_REFRESH) -> dict[str, str]:
    """Query parameters for ``config`` seen as ``preset`` plus changes (page defaults left out)."""
    if preset not in presets.PRESETS or presets.PRESETS[preset].dataset != config.dataset:
        preset = presets.default_preset(config.dataset)
    base = presets.config(preset)
    params = {"dataset": config.dataset, "preset": preset}
    params.update({k: _text(v) for k, v in config.diff(base).items() if k != "dataset"})
    if mode != "lab":
        params["mode"] = mode
    if projector:
        params["projector"] = "1"
    if steps_per_refresh != DEFAULT_STEPS_PER_REFRESH:
        params["spr"] = str(steps_per_refresh)
    return params


def decode(params: Mapping[str, str | list[str]]) -> LinkState:
    """The page state a link asks for; invalid parts are ignored and listed in ``notices``."""
    state = LinkState()
    p = {k: (v[-1] if isinstance(v, (list, tuple)) and v else v) for k, v in params.items()}
    p = {k: v for k, v in p.items() if isinstance(v, str)}
    state.dataset, state.preset = _dataset_and_preset(p, state.notices)
    state.config = _apply_fields(presets.config(state.preset), p, state.notices)
    _page_settings(state, p)
    return state


def _dataset_and_preset(p: dict[str, str], notes: list[str]) -> tuple[str, str]:
    dataset = p.get("dataset", DEFAULT_DATASET)
    if dataset == "points":
        notes.append("A link cannot carry your own points: upload or draw them again "
                     f"(showing {DEFAULT_DATASET} instead).")
        dataset = DEFAULT_DATASET
    elif dataset not in dataset_names():
        notes.append(f"Ignored dataset={dataset!r}: not a known dataset.")
        dataset = DEFAULT_DATASET
    preset = p.get("preset", presets.default_preset(dataset))
    if preset not in presets.PRESETS or presets.PRESETS[preset].dataset != dataset:
        notes.append(f"Ignored preset={preset!r}: not a preset of {dataset}.")
        preset = presets.default_preset(dataset)
    return dataset, preset


def _apply_fields(config: ToyConfig, p: dict[str, str], notes: list[str]) -> ToyConfig:
    """``config`` with the link's config fields applied; each one that fails is noted."""
    pending: list[tuple[str, str]] = []
    for key, text in p.items():
        if key in PAGE_KEYS:
            continue
        if key not in _FIELDS:
            notes.append(f"Ignored unknown parameter {key!r}.")
            continue
        pending.append((key, text))
    # two passes: a value valid only together with another (batch_size and packing) gets a
    # second chance once the others are applied
    failed: list[tuple[str, str, str]] = []
    for _ in range(2):
        failed = []
        for key, text in pending:
            try:
                config = config.replace(**{key: parse_value(key, text)})
            except ValueError as exc:
                failed.append((key, text, str(exc)))
        pending = [(k, t) for k, t, _ in failed]
        if not failed:
            break
    for key, text, message in failed:
        notes.append(f"Ignored {key}={text!r}: {message}")
    return config


def _page_settings(state: LinkState, p: dict[str, str]) -> None:
    """The link's mode, projector and steps per refresh (invalid ones noted, defaults kept)."""
    notes = state.notices
    mode = p.get("mode", "lab")
    if mode in MODES:
        state.mode = mode
    else:
        notes.append(f"Ignored mode={mode!r}: choose {' or '.join(MODES)}.")
    if "projector" in p:
        flag = p["projector"].strip().lower()
        if flag in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            state.projector = flag in ("1", "true", "yes", "on")
        else:
            notes.append(f"Ignored projector={p['projector']!r}: use 1 or 0.")
    if "spr" in p:
        try:
            spr = int(p["spr"])
        except ValueError:
            spr = -1
        if spr in STEPS_PER_REFRESH:
            state.steps_per_refresh = spr
        else:
            notes.append(f"Ignored spr={p['spr']!r}: steps per refresh must be one of "
                         f"{', '.join(map(str, STEPS_PER_REFRESH))}.")
