"""Points drawn by hand on the Toy GAN Lab's canvas, in data coordinates (pure NumPy).

The canvas is streamlit-drawable-canvas, which returns Fabric.js objects in pixels; this turns
them into the (n, 2) points of the ``points`` dataset.
"""

from __future__ import annotations

import numpy as np

MAX_OBJECTS = 10_000          # strokes and dots read from one drawing
MAX_CANVAS_POINTS = 100_000   # points made from them (a full canvas of 3 px strokes: ~15,000)


def canvas_points(json_data: dict | None, width: int, height: int, display_range,
                  spacing: float = 3.0) -> np.ndarray:
    """Points drawn on a Fabric.js canvas (streamlit-drawable-canvas ``json_data``) in data
    coordinates. Point/circle objects give their centre; free-drawn paths and lines are
    resampled every ``spacing`` pixels along the stroke. Returns float32 (n, 2), maybe empty.

    Canvas pixels (0, 0) top-left map to (xmin, ymax); (width, height) to (xmax, ymin)."""
    pixels: list[tuple[float, float]] = []
    objects = (json_data or {}).get("objects", []) if isinstance(json_data, dict) else []
    for obj in (objects if isinstance(objects, list) else [])[:MAX_OBJECTS]:
        try:
            pixels.extend(_object_pixels(obj, spacing) if isinstance(obj, dict) else [])
        except (TypeError, ValueError):  # a hostile client's JSON: skip what is not numbers
            continue
        if len(pixels) > MAX_CANVAS_POINTS:
            break
    if not pixels:
        return np.zeros((0, 2), np.float32)
    p = np.asarray(pixels[:MAX_CANVAS_POINTS], np.float64)
    # only what lies on the canvas counts (the drawing component never sends more)
    p = p[np.isfinite(p).all(axis=1) & (p[:, 0] >= 0) & (p[:, 0] <= width)
          & (p[:, 1] >= 0) & (p[:, 1] <= height)]
    (x0, x1), (y0, y1) = display_range
    x = x0 + p[:, 0] / width * (x1 - x0)
    y = y1 - p[:, 1] / height * (y1 - y0)
    return np.stack([x, y], axis=1).astype(np.float32)


def _object_pixels(obj: dict, spacing: float) -> list[tuple[float, float]]:
    """The pixel points of one Fabric.js object (circle, path or line; others: none)."""
    kind = obj.get("type", "")
    left, top = float(obj.get("left", 0)), float(obj.get("top", 0))
    if kind == "circle":
        r = float(obj.get("radius", 0)) * float(obj.get("scaleX", 1))
        origin_centre = obj.get("originX") == "center"
        return [(left, top) if origin_centre else (left + r, top + r)]
    if kind == "path":
        pts = []
        for cmd in obj.get("path", []) or []:
            nums = [float(v) for v in cmd[1:] if isinstance(v, (int, float))]
            # the command's end point is its last pair (Q has a control point first)
            if len(nums) >= 2:
                pts.append((nums[-2], nums[-1]))
        return _resample(pts, spacing)
    if kind == "line":
        # Fabric lines are stored relative to their centre (left/top are the bbox corner)
        x1, y1 = float(obj.get("x1", 0)), float(obj.get("y1", 0))
        x2, y2 = float(obj.get("x2", 0)), float(obj.get("y2", 0))
        cx = left + abs(x2 - x1) / 2
        cy = top + abs(y2 - y1) / 2
        return _resample([(cx + x1, cy + y1), (cx + x2, cy + y2)], spacing)
    return []


def _resample(points: list[tuple[float, float]], spacing: float) -> list[tuple[float, float]]:
    """Points every ``spacing`` along a polyline (its vertices when it is shorter)."""
    if len(points) < 2:
        return list(points)
    p = np.asarray(points, np.float64)
    seg = np.linalg.norm(np.diff(p, axis=0), axis=1)
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    if not np.isfinite(cum[-1]) or cum[-1] < spacing:
        return [tuple(q) for q in p]
    spacing = max(spacing, cum[-1] / MAX_CANVAS_POINTS)  # a stroke a hostile client makes
    t = np.arange(0.0, cum[-1] + 1e-9, spacing)           # 1e12 px long: no more points
    x = np.interp(t, cum, p[:, 0])
    y = np.interp(t, cum, p[:, 1])
    return list(zip(x.tolist(), y.tolist()))
