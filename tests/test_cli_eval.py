"""`python -m ganviz eval`: a shipped checkpoint against its reference set as JSON, the table, the
help with its examples, and one clear line with exit code 2 for each kind of bad input."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from ganviz.__main__ import build_parser, main

ROOT = Path(__file__).resolve().parents[1]
VALUE_KEYS = {"FID", "KID", "KID_std", "IS", "IS_std", "precision", "recall", "density",
              "coverage"}


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    monkeypatch.setenv("GANVIZ_OFFLINE", "1")
    with threadpool_limits(1):  # small matrices: BLAS threads only add contention
        yield


def squares(n: int, seed: int, size: int = 8) -> np.ndarray:
    """(n, size, size, 1) uint8 noise with a bright square in one of four places."""
    rng = np.random.default_rng(seed)
    out = rng.integers(0, 40, (n, size, size, 1)).astype(np.uint8)
    half = size // 2
    for i, place in enumerate(rng.integers(0, 4, n)):
        r, c = divmod(int(place), 2)
        out[i, half * r:half * (r + 1), half * c:half * (c + 1)] = 230
    return out


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    rc = main(["eval", *argv])
    out, err = capsys.readouterr()
    return rc, out, err


def test_help_shows_every_flag_and_the_examples(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["eval", "--help"])
    text = capsys.readouterr().out
    for flag in ("--gen", "--real", "--features", "--metrics", "--n", "--k", "--kid-subsets",
                 "--kid-subset-size", "--bootstrap", "--seed", "--json"):
        assert flag in text
    for example in ("--gen mnist_dcgan --real mnist_dcgan", "--gen fakes.npy --real mnist",
                    "--gen samples/ --real real.npz --features pixels", "--features raw"):
        assert example in text


def test_a_shipped_checkpoint_against_its_reference_set_as_json(capsys):
    rc, out, _ = run_cli(capsys, "--gen", "mnist_dcgan", "--real", "mnist_dcgan", "--n", "300",
                         "--kid-subset-size", "100", "--metrics", "fid,kid,is,prdc", "--json",
                         "--no-progress")
    assert rc == 0
    result = json.loads(out)
    assert set(result) == VALUE_KEYS | {"baseline", "features", "n_gen", "n_real", "notes"}
    assert set(result["baseline"]) == VALUE_KEYS
    for value in [*(result[k] for k in VALUE_KEYS), *result["baseline"].values()]:
        assert isinstance(value, float) and math.isfinite(value)
    assert result["n_gen"] == result["n_real"] == 300
    assert result["features"].startswith("FID-C")
    assert result["baseline"]["FID"] < result["FID"]  # real vs real beats the generator
    assert 0 <= result["precision"] <= 1 and 1 <= result["IS"] <= 10


def test_write_card_stores_the_result_and_its_command(capsys, tmp_path, monkeypatch):
    import shutil

    from ganviz.checkpoints import checkpoints_root, load

    shutil.copytree(checkpoints_root() / "mnist_dcgan", tmp_path / "mnist_dcgan",
                    ignore=shutil.ignore_patterns("epochs", "state"))
    shutil.copytree(checkpoints_root() / "classifiers", tmp_path / "classifiers")
    monkeypatch.setenv("GANVIZ_CHECKPOINTS", str(tmp_path))
    rc, out, _ = run_cli(capsys, "--gen", "mnist_dcgan", "--real", "mnist_dcgan", "--n", "200",
                         "--kid-subset-size", "100", "--metrics", "fid,kid", "--json",
                         "--no-progress", "--write-card")
    assert rc == 0
    stored = load("mnist_dcgan").card.evaluation
    assert {k: v for k, v in stored.items() if k != "command"} == json.loads(out)
    assert stored["command"].startswith("python -m ganviz eval --gen mnist_dcgan --real "
                                        "mnist_dcgan")
    rc, _, err = run_cli(capsys, "--gen", "mnist", "--real", "mnist", "--n", "50",
                         "--metrics", "fid", "--no-progress", "--write-card")
    assert rc == 2 and "--write-card needs --gen to be a checkpoint" in err


def test_the_table_puts_the_baseline_beside_each_value(capsys, tmp_path):
    np.save(tmp_path / "gen.npy", squares(100, seed=1))
    np.savez(tmp_path / "real.npz", images=squares(100, seed=2))
    rc, out, _ = run_cli(capsys, "--gen", str(tmp_path / "gen.npy"), "--real",
                         str(tmp_path / "real.npz"), "--features", "pixels", "--metrics",
                         "fid,prdc,ndb", "--no-progress")
    assert rc == 0
    assert "real vs real" in out and "meaning" in out
    rows = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    for key in ("FID", "precision", "recall", "density", "coverage", "NDB_K"):
        assert key in rows
    assert "note: baseline:" in out and "two halves of 50" in out


def keras_with_lambda(path: Path) -> Path:
    """A .keras zip whose config holds a Lambda layer (arbitrary Python): never loaded."""
    config = {"class_name": "Functional", "config": {"layers": [
        {"class_name": "Lambda", "config": {"name": "sneaky", "function": "..."}}]}}
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("config.json", json.dumps(config))
        zf.writestr("metadata.json", "{}")
    return path


def bad_inputs(tmp: Path) -> dict[str, tuple[list[str], str]]:
    """name -> (arguments, a phrase the one-line message must hold)."""
    np.save(tmp / "small.npy", squares(100, seed=1))
    np.savez(tmp / "big.npz", images=squares(100, seed=2, size=16))
    nan = np.random.default_rng(0).standard_normal((50, 4))
    nan[3, 1] = np.nan
    np.save(tmp / "nan.npy", nan)
    np.save(tmp / "five.npy", np.random.default_rng(1).standard_normal((5, 4)))
    np.save(tmp / "feats.npy", np.random.default_rng(2).standard_normal((100, 4)))
    (tmp / "garbage.npy").write_bytes(b"this is not an array")
    keras_with_lambda(tmp / "hostile.keras")
    f = {name: str(tmp / name) for name in ("small.npy", "big.npz", "nan.npy", "five.npy",
                                            "feats.npy", "garbage.npy", "hostile.keras")}
    return {
        "shapes differ": (["--gen", f["small.npy"], "--real", f["big.npz"], "--features",
                           "pixels"], "one shape"),
        "NaN": (["--gen", f["nan.npy"], "--real", f["feats.npy"], "--features", "raw"], "NaN"),
        "too few for k": (["--gen", f["five.npy"], "--real", f["feats.npy"], "--features", "raw",
                           "--metrics", "prdc"], "more than k=5"),
        "subset too big": (["--gen", f["feats.npy"], "--real", f["feats.npy"], "--features",
                            "raw", "--kid-subset-size", "500"], "--kid-subset-size 100 or fewer"),
        "unreadable": (["--gen", f["garbage.npy"], "--real", f["feats.npy"]], "garbage.npy"),
        "missing file": (["--gen", str(tmp / "nowhere.npy"), "--real", f["feats.npy"]],
                         "nowhere.npy"),
        "hostile keras": (["--gen", f["hostile.keras"], "--real", "mnist"], "Lambda"),
        "unknown space": (["--gen", f["feats.npy"], "--real", f["feats.npy"], "--features",
                           "vgg"], "unknown feature space 'vgg'"),
        "unknown metric": (["--gen", f["feats.npy"], "--real", f["feats.npy"], "--metrics",
                            "fid,lpips"], "lpips"),
        "inception missing": (["--gen", f["small.npy"], "--real", f["small.npy"], "--features",
                               "inception"], "Inception"),
    }


CASES = ["shapes differ", "NaN", "too few for k", "subset too big", "unreadable",
         "missing file", "hostile keras", "unknown space", "unknown metric", "inception missing"]


@pytest.mark.parametrize("case", CASES)
def test_bad_input_exits_2_with_one_line(case, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("GANVIZ_INCEPTION_WEIGHTS", str(tmp_path / "no_weights.h5"))
    argv, phrase = bad_inputs(tmp_path)[case]
    rc, out, err = run_cli(capsys, *argv, "--no-progress")
    assert rc == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("ganviz eval: error: ") and phrase in lines[0], lines[0]


def test_a_real_process_prints_one_line_and_no_traceback(tmp_path):
    np.save(tmp_path / "feats.npy", np.zeros((10, 3)))
    proc = subprocess.run(
        [sys.executable, "-m", "ganviz", "eval", "--gen", str(tmp_path / "feats.npy"),
         "--real", str(tmp_path / "feats.npy"), "--features", "vgg"],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == [
        "ganviz eval: error: unknown feature space 'vgg'; known: classifier, pixels, raw, "
        "inception"]
