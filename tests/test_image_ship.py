"""ganviz.image.ship: the shipped copy of a run drops state/, keeps evenly spaced epochs and
still loads; bad sources are refused with a message and exit code 2."""

from __future__ import annotations

import shutil

import pytest

from ganviz import checkpoints
from ganviz.image import ship


@pytest.mark.parametrize(("values", "keep", "want"), [
    ([1, 2, 3], 8, [1, 2, 3]),
    (list(range(1, 11)), 4, [1, 4, 7, 10]),
    (list(range(1, 41)), 2, [1, 40]),
    ([5, 6, 9], 1, [9]),
])
def test_spaced_keeps_first_and_last(values, keep, want):
    assert ship.spaced(values, keep) == want


def test_spaced_refuses_zero():
    with pytest.raises(ValueError, match="at least 1"):
        ship.spaced([1, 2], 0)


def test_ship_drops_state_and_thins_epochs(tmp_path):
    src = checkpoints.resolve("mnist_dcgan")  # 20 snapshots and state/
    assert (src / "state").is_dir()
    before = [s.epoch for s in checkpoints.load(src).epochs()]
    shipped = ship.ship(src, tmp_path / "slim", keep_epochs=5)
    after = checkpoints.load(tmp_path / "slim")
    kept = [s.epoch for s in after.epochs()]
    assert kept == list(shipped.epochs_kept) == ship.spaced(before, 5)
    assert kept[0] == before[0] and kept[-1] == before[-1] and len(kept) == 5
    assert shipped.epochs_dropped == len(before) - 5
    assert not (tmp_path / "slim" / "state").exists()
    assert all(s.samples_path is not None for s in after.epochs())
    assert shipped.size_bytes == ship.folder_bytes(tmp_path / "slim")
    assert shipped.size_bytes < ship.folder_bytes(src)
    assert (after.sample(4, seed=3) == checkpoints.load(src).sample(4, seed=3)).all()


def test_ship_replaces_destination_and_keeps_state_on_request(tmp_path):
    (tmp_path / "slim").mkdir()
    (tmp_path / "slim" / "stale.txt").write_text("old")
    ship.ship(checkpoints.resolve("mnist_dcgan"), tmp_path / "slim", keep_epochs=2,
              keep_state=True)
    assert (tmp_path / "slim" / "state").is_dir()
    assert not (tmp_path / "slim" / "stale.txt").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["slim"]  # no temporary folder left


def test_bad_sources_are_refused(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    with pytest.raises(checkpoints.CheckpointError):
        ship.ship(tmp_path / "empty", tmp_path / "out")
    assert not (tmp_path / "out").exists()
    copy = tmp_path / "copy"
    shutil.copytree(checkpoints.resolve("mnist_collapsed"), copy)
    with pytest.raises(ValueError, match="same"):
        ship.ship(copy, copy)
    assert ship.main([str(tmp_path / "empty"), str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
