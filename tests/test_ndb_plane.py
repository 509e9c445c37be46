"""ganviz.eval.ndb_plane: 2-D NDB with the bins mapped onto a display grid."""

import numpy as np
import pytest

from ganviz.eval.ndb import nearest_center
from ganviz.eval.ndb_plane import ndb_on_plane

RING = np.stack([np.cos(np.arange(8) * np.pi / 4), np.sin(np.arange(8) * np.pi / 4)], axis=1)


def ring(n: int, seed: int, modes=range(8)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = RING[list(modes)]
    return centres[rng.integers(0, len(centres), n)] + 0.02 * rng.standard_normal((n, 2))


def test_identical_points_give_ndb_zero_and_cells_are_voronoi():
    real = ring(800, 0)
    plane = ndb_on_plane(real, real, 8, ((-1.5, 1.5), (-1.5, 1.5)), grid_points=40)
    assert plane.result.NDB == 0 and plane.result.JS == 0.0
    assert plane.xs.shape == (40,) and plane.ys.shape == (40,) and plane.cells.shape == (40, 40)
    assert plane.xs[0] == -1.5 and plane.ys[-1] == 1.5
    assert plane.centers.shape == (8, 2)
    # grid point (xs[j], ys[i]) lies in the bin of its nearest centre
    i, j = 7, 31
    point = np.array([[plane.xs[j], plane.ys[i]]])
    assert plane.cells[i, j] == nearest_center(point, plane.bins.centers)[0]


def test_two_dropped_modes_show_as_under_represented_bins():
    real, fake = ring(2000, 0), ring(2000, 1, modes=range(6))
    plane = ndb_on_plane(real, fake, 8, ((-1.5, 1.5), (-1.5, 1.5)), z_threshold=4.0,
                         grid_points=20)
    assert len(plane.result.under_represented) == 2
    assert plane.result.z_threshold == 4.0


def test_bad_grid_is_refused():
    with pytest.raises(ValueError, match="grid_points must be 2..2000, got 1"):
        ndb_on_plane(ring(100, 0), ring(100, 1), 4, ((-1, 1), (-1, 1)), grid_points=1)
