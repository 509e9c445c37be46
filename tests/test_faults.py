"""Faults a shared server meets (issue 21): stopped with SIGTERM while a checkpoint is being
saved, a full disk while saving. Known answers: after each fault the checkpoint folder is the
old one or the new one, whole, and loads; a full disk gives a clear message and corrupts
nothing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ganviz.image import checkpoints as ckpts

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "checkpoints" / "shapes_collapsed"   # a small shipped checkpoint (~2 MB)

# Saves the source checkpoint to TARGET again and again, each time with a new version in its
# card's notes, printing the version just before each save starts.
SAVER = """
import sys
from dataclasses import replace
from ganviz.image import checkpoints as ckpts
src, target = ckpts.load(sys.argv[1]), sys.argv[2]
for version in range(1, 10_000):
    card = replace(src.card, notes=f"version {version}")
    print(version, flush=True)
    ckpts.save(target, src.generator, card, src.sample(20, seed=0), src.reference_images)
"""


def needs_source():
    if not (SOURCE / "card.json").exists():
        pytest.skip("the shipped shapes_collapsed checkpoint is missing")


def test_sigterm_while_saving_leaves_the_old_or_the_new_checkpoint(tmp_path):
    """Three servers stopped with SIGTERM at different moments of a save loop: each time the
    folder loads and holds a version that was completely written (the one being written when
    the signal came, or the one before), never half of one."""
    needs_source()
    target = tmp_path / "ckpt"
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="3")
    for delay in (0.05, 0.3, 0.9):
        proc = subprocess.Popen([sys.executable, "-c", SAVER, str(SOURCE), str(target)],
                                env=env, stdout=subprocess.PIPE, text=True, cwd=ROOT)
        started = [int(proc.stdout.readline()) for _ in range(2)]   # two saves under way
        time.sleep(delay)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        rest = [int(line) for line in proc.stdout.read().split()]
        assert proc.returncode == -signal.SIGTERM
        last_started = (started + rest)[-1]
        version = int(ckpts.load(target).card.notes.split()[1])
        assert version in (last_started - 1, last_started), (version, last_started)
    # what a killed save leaves is a hidden temporary folder, which nothing lists or loads
    assert [s.name for s in ckpts.list_checkpoints(tmp_path)] == ["ckpt"]


@pytest.fixture
def small_disk(tmp_path):
    """A 6 MiB tmpfs (root only; the project's CI runs as root)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path, leave_bytes: int) -> None:
    """Fill the disk but ``leave_bytes``."""
    free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
    (disk / "filler").write_bytes(b"\0" * max(0, free - leave_bytes))


def test_a_full_disk_while_saving_says_so_and_corrupts_nothing(small_disk):
    needs_source()
    src = ckpts.load(SOURCE)
    old = ckpts.save(small_disk / "mine", src.generator, src.card, src.sample(20, seed=0),
                     src.reference_images)
    fill(small_disk, 200_000)   # room for a card, not for a generator
    from dataclasses import replace

    with pytest.raises(OSError) as err:
        ckpts.save(old, src.generator, replace(src.card, notes="new"), src.sample(20, seed=0),
                   src.reference_images)
    assert err.value.errno == 28   # ENOSPC: "No space left on device"
    assert ckpts.load(old).card.notes == src.card.notes   # the old one, whole
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler", "mine"]  # no leftovers


def test_a_full_disk_on_the_image_page_gives_a_message(small_disk, monkeypatch):
    from streamlit.testing.v1 import AppTest

    (small_disk / "classifiers").symlink_to(ROOT / "checkpoints" / "classifiers")
    monkeypatch.setenv(ckpts.ROOT_ENV, str(small_disk))
    at = AppTest.from_file(str(ROOT / "pages" / "7_Train_Image_GAN.py"), default_timeout=300)
    at.run()
    fill(small_disk, 100_000)
    at.text_input(key="img_ckpt_name").input("too_big")
    at.button(key="img_save").click().run()
    assert not at.exception
    assert "No space left on device" in at.error[0].value
    assert not (small_disk / "too_big").exists()


# A student's tab over the websocket (benchmarks/_stclient.py): opens the Toy GAN Lab, presses
# Play, says so, then idles; the test freezes the whole process (SIGSTOP), as a laptop whose
# lid shuts: no close frame, no FIN, no pong, no more fragment reruns.
STUDENT = """
import asyncio, sys
from benchmarks._stclient import StreamlitSession
async def main():
    s = StreamlitSession(sys.argv[1], "Toy_GAN_Lab", "dataset=ring8&spr=200")
    await s.connect()
    await s.wait_for(lambda: s.has_widget("toy_play"), 180)
    await s.click("toy_play")
    await s.wait_for(lambda: s.playing and s.step > 0, 180)
    print("playing", flush=True)
    await asyncio.sleep(600)
asyncio.run(main())
"""


def test_a_vanished_student_stops_training_and_is_freed(tmp_path):
    """No close from the client: the server's websocket pings (server.websocketPingInterval
    8 s in .streamlit/config.toml) find it gone, its training stops, and after
    disconnectedSessionTTL (10 s) the janitor frees its model: within 30 s by design (8 + 8 +
    10 + a 2 s sweep). The measured seconds are printed."""
    import tomllib

    from benchmarks._procs import stop
    from benchmarks.classroom_load import live_status, start_server, threads

    server = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["server"]
    assert 2 * server["websocketPingInterval"] + server["disconnectedSessionTTL"] + 2 <= 30
    status = tmp_path / "live.json"
    proc, url = start_server(server["disconnectedSessionTTL"], status, tmp_path / "server.log")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    student = subprocess.Popen([sys.executable, "-c", STUDENT, url], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, text=True)
    try:
        assert student.stdout.readline().strip() == "playing"
        deadline = time.monotonic() + 60   # Play's first refresh trains in the page, the
        while threads(proc.pid)[1] == 0 and time.monotonic() < deadline:  # next one a thread
            time.sleep(0.2)
        assert threads(proc.pid)[1] == 1
        student.send_signal(signal.SIGSTOP)
        t0 = time.monotonic()
        stopped = freed = None
        while freed is None and time.monotonic() - t0 < 120:
            time.sleep(0.5)
            if stopped is None and threads(proc.pid)[1] == 0:
                stopped = time.monotonic() - t0
            counts = live_status(status)
            if counts.get("released", 0) >= 1 and counts.get("runs") == 0:
                freed = time.monotonic() - t0
        assert stopped is not None and freed is not None, live_status(status)
        print(f"vanished student: training stopped after {stopped:.1f} s, model freed after "
              f"{freed:.1f} s (by design within 30 s)")
    finally:
        student.kill()
        stop(proc)
