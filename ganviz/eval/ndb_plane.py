"""NDB of 2-D point sets with the bins laid out on the plane, for the toy view of the
Mode-collapse inspector: fit the bins on the real points, test the generated ones, and map
every point of a display grid to its bin (Voronoi cells) so the bins can be drawn as cells.

    plane = ndb_on_plane(real, fake, k=16, display_range=((-1.5, 1.5), (-1.5, 1.5)))
    ganviz.plots.ndb.toy_bins(plane.xs, plane.ys, plane.cells, real, fake, plane.result,
                              centers=plane.centers)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ganviz.eval.ndb import NDBBins, NDBResult, bin_map, evaluate, fit_bins

GRID_POINTS = 160  # per axis: cells look smooth on screen and assigning 160^2 points is quick


@dataclass(frozen=True)
class PlaneNDB:
    """bins fitted on the real points and the generated points' result; xs (nx,), ys (ny,)
    the display grid; cells (ny, nx) the bin of each grid point; centers (K, 2) bin centres."""

    bins: NDBBins
    result: NDBResult
    xs: np.ndarray
    ys: np.ndarray
    cells: np.ndarray
    centers: np.ndarray


def ndb_on_plane(real: np.ndarray, fake: np.ndarray, k: int,
                 display_range: tuple[tuple[float, float], tuple[float, float]],
                 whiten: bool = False, seed: int = 0, alpha: float = 0.05,
                 z_threshold: float | None = None, grid_points: int = GRID_POINTS) -> PlaneNDB:
    """real, fake: (n, 2) points; display_range ((x0, x1), (y0, y1)). Bins, test and
    significance as `ganviz.eval.ndb.fit_bins` / `evaluate` (Richardson & Weiss 2018)."""
    if not 2 <= grid_points <= 2000:
        raise ValueError(f"grid_points must be 2..2000, got {grid_points}")
    bins = fit_bins(real, k, whiten=whiten, seed=seed)
    result = evaluate(bins, fake, alpha=alpha, z_threshold=z_threshold)
    (x0, x1), (y0, y1) = display_range
    xs, ys = np.linspace(x0, x1, grid_points), np.linspace(y0, y1, grid_points)
    return PlaneNDB(bins, result, xs, ys, bin_map(bins, xs, ys),
                    bins.center_samples().reshape(-1, 2))
