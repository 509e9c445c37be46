"""`python -m ganviz train --strategy multiworker`: two worker processes on this machine train
one run (tf.distribute.MultiWorkerMirroredStrategy over TF_CONFIG); only the chief writes the
checkpoint. Plus the pieces that need no cluster: TF_CONFIG checks, the per-replica split of
each global batch, and the one-line refusals."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from ganviz.__main__ import main
from tests.bar_images import squares_npz as write_squares

ROOT = Path(__file__).resolve().parents[1]
WORKERS = 2
BATCH = 16
TIMEOUT_S = 300


def _free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("localhost", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def _tf_config(ports: list[int], index: int) -> str:
    return json.dumps({"cluster": {"worker": [f"localhost:{p}" for p in ports]},
                       "task": {"type": "worker", "index": index}})


def _run_workers(argv: list[str], root: Path) -> tuple[list[tuple[int, str, str]], list[Path]]:
    """Run `argv` as WORKERS processes of one cluster on free local ports, each with its own
    TMPDIR (to find any file left behind); -> their (rc, stdout, stderr) and TMPDIRs."""
    ports = _free_ports(WORKERS)
    scratch = [root / f"tmp{i}" for i in range(WORKERS)]
    procs = []
    t0 = time.perf_counter()
    for i in range(WORKERS):
        scratch[i].mkdir()
        env = {**os.environ, "TF_CONFIG": _tf_config(ports, i), "TMPDIR": str(scratch[i]),
               "TF_CPP_MIN_LOG_LEVEL": "3", "GANVIZ_OFFLINE": "1"}
        procs.append(subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True))
    results = []
    try:
        for p in procs:
            stdout, stderr = p.communicate(timeout=max(1.0, TIMEOUT_S - (time.perf_counter() - t0)))
            results.append((p.returncode, stdout, stderr))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    print(f"{WORKERS} local workers: {time.perf_counter() - t0:.1f} s wall")
    return results, scratch


@pytest.fixture(scope="module")
def squares(tmp_path_factory):
    """72 unlabelled 28x28 images (a bright square on dark noise) as an .npz."""
    return write_squares(tmp_path_factory.mktemp("data"), 72)


def _train_argv(data: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "ganviz", "train", "--dataset", f"npz:{data}",
            "--model", "dcgan", "--batch-size", str(BATCH), "--filters", "4",
            "--latent-dim", "4", "--eval-samples", "40", "--strategy", "multiworker",
            "--out", str(out), "--quiet", *extra]


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory, squares):
    """One 1-epoch run by two local workers: (their (rc, stdout, stderr), out, root, TMPDIRs)."""
    root = tmp_path_factory.mktemp("mw")
    out = root / "runs" / "two_workers"
    results, scratch = _run_workers(_train_argv(squares, out, "--epochs", "1"), root)
    return results, out, root, scratch


# Each worker trains three steps of 16 images (8 per replica) and prints its numbers, so the
# workers' copies can be compared: trainable weights must agree (gradients are all-reduced)
SYNC_SCRIPT = """
from ganviz.image.trainer import ImageGanTrainer, make_strategy
make_strategy("multiworker")
import json
import numpy as np
import tensorflow as tf
from ganviz.image.config import ImageGanConfig
from ganviz.image.models import Architecture
tf.keras.utils.set_random_seed(0)
cfg = ImageGanConfig(batch_size=16, base_filters=4, latent_dim=4, strategy="multiworker")
t = ImageGanTrainer(cfg, Architecture(image_shape=(28, 28, 1), latent_dim=4, base_filters=4))
images = np.random.default_rng(0).integers(0, 255, (3, 16, 28, 28, 1), dtype=np.uint8)
def weights():
    return [float(np.abs(v.numpy()).sum()) for m in (t.generator, t.discriminator)
            for v in m.trainable_variables]
start = weights()
stats = t.train_chunk(images, np.zeros((3, 16), np.int32))
print(json.dumps({"stats": stats, "start": start, "weights": weights(),
                  "step": int(t.step.numpy())}))
"""


def test_two_workers_train_one_checkpoint(two_workers):
    from ganviz.image.checkpoints import load

    results, out, root, scratch = two_workers
    for rc, _, stderr in results:
        assert rc == 0, stderr[-3000:]
    assert "saved" in results[0][1] and "saved" not in results[1][1]  # the chief reports
    ckpt = load(out.resolve())
    card = ckpt.card
    assert card.config["strategy"] == "multiworker" and card.epochs == 1
    assert (card.hardware["strategy"], card.hardware["workers"],
            card.hardware["replicas"]) == ("multiworker", 2, 2)
    # 72 images, 10% held out: 65 train -> 4 global batches of 16 (8 per worker and step)
    assert card.train_count == 65 and card.history[-1]["steps"] == 65 // BATCH
    assert card.history[-1]["images_seen"] == 4 * BATCH
    assert np.isfinite([card.metrics["d_loss"], card.metrics["g_loss"]]).all()
    assert ckpt.generate(ckpt.latent(3)).shape == (3, 28, 28, 1)
    assert sorted(p.name for p in (root / "runs").iterdir()) == ["two_workers"]
    for folder in scratch:  # the other worker's temporary copy is gone
        assert not list(folder.iterdir()), list(folder.rglob("*"))


def test_two_workers_stop_together_on_a_time_budget(tmp_path, squares):
    """Each worker has its own clock; without one agreed answer a worker left waiting in a
    collective op would hang this run until the timeout."""
    from ganviz.image.checkpoints import load

    out = tmp_path / "runs" / "budget"
    results, scratch = _run_workers(_train_argv(squares, out, "--seconds", "3"), tmp_path)
    for rc, _, stderr in results:
        assert rc == 0, stderr[-3000:]
    card = load(out.resolve()).card
    assert card.history[-1]["stopped"] == "seconds" and card.config["seconds"] == 3.0
    assert all(h["steps"] == 65 // BATCH for h in card.history[:-1])
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["budget"]
    assert not any(list(folder.iterdir()) for folder in scratch)

    # --resume: every worker reads the checkpoint (a shared --out here) and goes on
    for folder in scratch:
        folder.rmdir()
    results, _ = _run_workers(_train_argv(squares, out, "--seconds", "1", "--resume"), tmp_path)
    for rc, _, stderr in results:
        assert rc == 0, stderr[-3000:]
    resumed = load(out.resolve()).card
    assert resumed.history[: len(card.history)] == card.history
    assert resumed.history[len(card.history)]["epoch"] == card.epochs + 1


def test_workers_keep_the_same_weights_and_losses(tmp_path):
    results, _ = _run_workers([sys.executable, "-c", SYNC_SCRIPT], tmp_path)
    for rc, _, stderr in results:
        assert rc == 0, stderr[-3000:]
    chief, other = (json.loads(stdout.strip().splitlines()[-1]) for _, stdout, _ in results)
    assert chief["step"] == other["step"] == 3
    assert chief["stats"] == other["stats"]  # reduced over both workers' replicas
    np.testing.assert_allclose(chief["weights"], other["weights"], rtol=1e-6)
    assert chief["start"] == other["start"] != chief["weights"]  # same seed; it trained


@pytest.mark.parametrize("strategy", ["default", "mirrored"])
def test_one_process_strategies_record_one_worker(tmp_path, squares, strategy):
    """`train` enters the strategy's scope and the trainer uses the same object (two
    MirroredStrategy objects' scopes would clash); the card says how the run was spread."""
    from ganviz.image.checkpoints import load

    out = tmp_path / strategy
    assert main(["train", "--dataset", f"npz:{squares}", "--model", "dcgan", "--epochs", "1",
                 "--batch-size", str(BATCH), "--filters", "4", "--latent-dim", "4",
                 "--eval-samples", "40", "--strategy", strategy, "--out", str(out),
                 "--quiet"]) == 0
    hardware = load(out.resolve()).card.hardware
    assert (hardware["strategy"], hardware["workers"], hardware["replicas"]) == (strategy, 1, 1)


@pytest.mark.parametrize("text, message", [
    ("", "needs the TF_CONFIG environment variable"),
    ("{not json", "TF_CONFIG is not a valid cluster spec"),
    ('{"cluster": {"worker": ["a:1"]}}', "TF_CONFIG is not a valid cluster spec"),
    ('{"cluster": {"worker": ["a:1"]}, "task": {"type": "worker", "index": 1}}',
     "index 1 is not one of"),
    ('{"cluster": {"worker": ["a:1"]}, "task": {"type": "ps", "index": 0}}',
     "TF_CONFIG is not a valid cluster spec"),
])
def test_bad_tf_config_is_one_line(tmp_path, capsys, monkeypatch, text, message):
    monkeypatch.setenv("TF_CONFIG", text)
    assert main(["train", "--dataset", "mnist", "--model", "dcgan", "--epochs", "1",
                 "--batch-size", "8", "--strategy", "multiworker",
                 "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
    assert not (tmp_path / "x").exists()


def test_read_tf_config_counts_workers_and_chief():
    from ganviz.image.trainer import read_tf_config

    cluster = {"chief": ["a:1"], "worker": ["b:1", "c:1"]}
    assert read_tf_config(json.dumps({"cluster": cluster, "task": {"type": "worker",
                                                                    "index": 1}})) == (
        "worker", 1, 3)
    assert read_tf_config(_tf_config([1, 2], 0)) == ("worker", 0, 2)


@pytest.mark.parametrize("replicas, pipelines", [(2, 2), (4, 2), (2, 1)])
def test_replica_split_gives_each_image_of_a_step_to_one_replica(replicas, pipelines):
    """Known answer: with 3 steps of 8 images numbered 0..23, replica r of step s gets images
    8s + r*8/R ...; every worker's dataset yields its local replicas' slices step by step."""
    import tensorflow as tf

    from ganviz.image.trainer import _replica_split

    steps, batch = 3, 8
    ids = np.arange(steps * batch).reshape(steps, batch)
    images = ids.reshape(steps, batch, 1, 1, 1).astype(np.uint8)
    fn = _replica_split(images, ids.astype(np.int32), replicas)
    per = batch // replicas
    seen = []
    for pipe in range(pipelines):
        ctx = tf.distribute.InputContext(pipelines, pipe, replicas)
        got = [lab.numpy() for _, lab in fn(ctx)]
        local = replicas // pipelines
        for k, lab in enumerate(got):
            s, r = divmod(k, local)
            replica = pipe * local + r
            np.testing.assert_array_equal(lab, ids[s, replica * per:(replica + 1) * per])
        seen.extend(np.concatenate(got).tolist())
    assert sorted(seen) == list(range(steps * batch))  # each image once, none dropped
