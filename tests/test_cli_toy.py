import json
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def ganviz(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "ganviz", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


def test_help_lists_every_command():
    r = ganviz("--help")
    assert r.returncode == 0
    for cmd in ("toy",):
        assert cmd in r.stdout
    r = ganviz("toy", "--help")
    assert r.returncode == 0 and "examples:" in r.stdout and "--preset" in r.stdout


def test_toy_json_out_history_gif(tmp_path):
    out, hist, gif = tmp_path / "x.npy", tmp_path / "h.csv", tmp_path / "t.gif"
    r = ganviz("toy", "--dataset", "ring8", "--steps", "300", "--seed", "3", "--samples", "500",
               "--set", "g_width=16", "--set", "d_width=16", "--out", str(out),
               "--history", str(hist),
               "--gif", str(gif), "--json")
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    assert result["steps"] == 300 and result["seed"] == 3 and result["steps_per_second"] > 0
    assert set(result["metrics"]) >= {"modes", "high_quality", "energy_distance"}
    x = np.load(out)
    assert x.dtype == np.float32 and x.shape == (500, 2)
    assert hist.read_text().splitlines()[0].startswith("step,d_loss,")
    assert len(hist.read_text().splitlines()) == 301
    assert gif.read_bytes()[:6] == b"GIF89a"


def test_bad_arguments_exit_2_with_one_line(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2\n3,oops\n")
    for args, message in [
        (["--dataset", "square"], "unknown dataset 'square'"),
        (["--set", "batch_size=0"], "batch_size must be in 2..4096, got 0"),
        (["--set", "nonsense"], "--set needs KEY=VALUE"),
        (["--preset", "nope"], "unknown preset 'nope'"),
        (["--dataset", "points", "--points", str(bad)], "bad.csv: row 2 is not numeric"),
        (["--out", "x.txt"], "--out must end in .npy"),
        (["--steps", "abc"], "invalid int value"),
    ]:
        r = ganviz("toy", *args)
        assert r.returncode == 2, (args, r.stderr)
        lines = [line for line in r.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 or "usage:" in r.stderr, r.stderr
        assert message in r.stderr, (message, r.stderr)
