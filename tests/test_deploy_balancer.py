"""Scale-out behind a real HAProxy (issue 21 part 6): three replicas, simulated students.

Each student does at the HTTP level what a browser does: loads the page, fetches the health
route (which sets the XSRF cookie), opens the websocket /_stcore/stream and starts a script
run (Streamlit answers with its session id), fetches a static file, and uploads a small file
to its session. The upload is the sharpest check of stickiness: Streamlit refuses it (400,
"Invalid session_id") on any replica but the one holding the session. Every response names
its replica in the X-Ganviz-Replica header that deploy/balancer.py adds.

Then one replica is killed (SIGKILL on its process group): its students' websockets close, the
others' stay open and still upload, HAProxy's health check takes it out, and new students and
reloading ones land on the survivors. Timings are printed (`pytest -s` shows them).
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import pytest
import requests

from deploy import balancer
from tests import aio

N_REPLICAS = 3
N_STUDENTS = 9
N_LATE_STUDENTS = 3
SCRIPT_RUN_TIMEOUT = 90  # s: a replica's first script run imports the app (2 shared cores)

pytestmark = pytest.mark.skipif(
    balancer.haproxy_binary() is None,
    reason="haproxy is not installed; `make setup` installs it (apt-get install haproxy)")


@dataclass(frozen=True)
class Cluster:
    """Replicas and HAProxy started for a test; `url` is the balancer's."""

    url: str
    replicas: dict[str, object]  # "r1" -> its Popen
    haproxy: object
    stats_socket: str
    start_seconds: dict[str, float]


@dataclass
class Student:
    """One simulated browser: a cookie jar, a websocket, and where each request landed."""

    name: str
    http: requests.Session = field(default_factory=requests.Session)
    ws: object = None
    reader: asyncio.Task | None = None
    session_id: str | None = None
    landed: list[tuple[str, str]] = field(default_factory=list)  # (request, replica)

    def replicas(self) -> set[str]:
        return {replica for _, replica in self.landed}


def start_cluster(workdir, n_replicas: int) -> Cluster:
    """n replicas on free loopback ports (started together) and HAProxy in front of them."""
    ports = [balancer.free_port() for _ in range(n_replicas)]
    sock = str(workdir / "haproxy.sock")
    cfg = balancer.BalancerConfig(tuple(f"127.0.0.1:{p}" for p in ports),
                                  f"127.0.0.1:{balancer.free_port()}", balancer.page_urls(),
                                  balancer.max_upload_mb(), sock)
    cfg_path = workdir / "haproxy.cfg"
    cfg_path.write_text(balancer.render_haproxy_cfg(cfg))
    procs = {}
    url = f"http://{cfg.bind}"
    try:
        for i, port in enumerate(ports, start=1):
            procs[f"r{i}"] = balancer.start_replica(port, workdir / f"r{i}.log")
        ready = balancer.wait_healthy([f"http://127.0.0.1:{p}" for p in ports],
                                      list(procs.values()))
        procs["haproxy"] = balancer.start_haproxy(cfg_path, workdir / "haproxy.log")
        deadline = time.monotonic() + 30
        while list(_states(sock).values()) != ["UP"] * n_replicas or not balancer.healthy(url):
            if procs["haproxy"].poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"HAProxy not serving: {(workdir / 'haproxy.log').read_text()}")
            time.sleep(0.2)
    except BaseException:
        for proc in procs.values():
            balancer.stop(proc)
        raise
    haproxy = procs.pop("haproxy")
    seconds = {f"r{i}": ready[f"http://127.0.0.1:{p}"] for i, p in enumerate(ports, start=1)}
    return Cluster(url, procs, haproxy, sock, seconds)


def stop_cluster(cluster: Cluster) -> None:
    balancer.stop(cluster.haproxy)
    for proc in cluster.replicas.values():
        balancer.stop(proc)


def _states(sock: str) -> dict[str, str]:
    try:
        return balancer.server_states(sock)
    except OSError:
        return {}


async def _get(student: Student, url: str, what: str) -> requests.Response:
    """GET with the student's cookie jar; note the replica that answered."""
    reply = await asyncio.to_thread(student.http.get, url, timeout=20)
    assert reply.status_code == 200, (what, reply.status_code, reply.text[:200])
    student.landed.append((what, reply.headers[balancer.REPLICA_HEADER]))
    return reply


async def open_session(base: str, student: Student, keep_reading: bool = True) -> None:
    """The websocket a browser opens, with the cookies its page load got; one script run
    (BackMsg.rerun_script) so Streamlit sends the session id (ForwardMsg.new_session).
    keep_reading: read the rest in a task (student.reader), as a browser does."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    cookies = "; ".join(f"{k}={v}" for k, v in student.http.cookies.items())
    student.ws = await websockets.connect(
        base.replace("http://", "ws://") + "/_stcore/stream", subprotocols=["streamlit"],
        additional_headers={"Cookie": cookies}, open_timeout=30, max_size=None)
    replica = student.ws.response.headers.get(balancer.REPLICA_HEADER, "direct")
    student.landed.append(("websocket", replica))
    rerun = BackMsg()
    rerun.rerun_script.query_string = ""
    await student.ws.send(rerun.SerializeToString())
    deadline = time.monotonic() + SCRIPT_RUN_TIMEOUT
    while student.session_id is None:
        raw = await asyncio.wait_for(student.ws.recv(), deadline - time.monotonic())
        msg = ForwardMsg()
        msg.ParseFromString(raw)
        if msg.WhichOneof("type") == "new_session":
            student.session_id = msg.new_session.initialize.session_id
    if keep_reading:  # the page's deltas, pongs: until the socket closes
        student.reader = asyncio.create_task(_drain(student.ws))


async def _drain(ws) -> float:
    """Read until the websocket closes; the monotonic time it closed."""
    from websockets.exceptions import ConnectionClosed

    try:
        async for _ in ws:
            pass
    except ConnectionClosed:
        pass
    return time.monotonic()


async def upload(base: str, student: Student) -> int:
    """PUT a small CSV to the student's session, as st.file_uploader does (XSRF token in
    cookie and header); the status (204 stored, 400 session not on this replica)."""
    token = student.http.cookies.get("_streamlit_xsrf")
    url = f"{base}/_stcore/upload_file/{student.session_id}/{uuid.uuid4()}"
    reply = await asyncio.to_thread(
        student.http.put, url, files={"file": ("points.csv", b"x,y\n0,1\n")},
        headers={"X-Xsrftoken": token}, timeout=20)
    student.landed.append(("upload", reply.headers.get(balancer.REPLICA_HEADER, "?")))
    return reply.status_code


async def arrive(base: str, name: str) -> Student:
    """A student opening the app: page, health (XSRF cookie), websocket, a static file,
    an upload; every request with the same cookie jar."""
    student = Student(name)
    await _get(student, base + "/", "page")
    await _get(student, base + balancer.HEALTH_PATH, "health")
    await open_session(base, student)
    await _get(student, base + "/favicon.png", "static")
    assert await upload(base, student) == 204, student.landed
    return student


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("balancer")
    t0 = time.monotonic()
    started = start_cluster(workdir, N_REPLICAS)
    print(f"\n{N_REPLICAS} replicas healthy after "
          + ", ".join(f"{k} {v:.1f} s" for k, v in started.start_seconds.items())
          + f"; HAProxy up {time.monotonic() - t0:.1f} s after the first start")
    yield started
    stop_cluster(started)


def test_students_stay_on_one_replica_and_survive_a_replica_dying(cluster):
    aio.run(_scenario(cluster))


async def _scenario(cluster: Cluster) -> None:
    """Arrive, check stickiness and spread, kill one replica, check who is affected."""
    base = cluster.url
    t0 = time.monotonic()
    students = [await arrive(base, f"s{i}") for i in range(N_STUDENTS)]
    print(f"{N_STUDENTS} students arrived in {time.monotonic() - t0:.1f} s")
    try:
        for s in students:
            assert len(s.replicas()) == 1, (s.name, s.landed)
        spread = Counter(next(iter(s.replicas())) for s in students)
        print("students per replica:", dict(sorted(spread.items())))
        assert set(spread) == set(cluster.replicas), spread
        victim = spread.most_common(1)[0][0]
        await _kill_and_check(cluster, students, victim)
    finally:
        for s in students:
            await s.ws.close()


async def _kill_and_check(cluster: Cluster, students: list[Student], victim: str) -> None:
    """SIGKILL `victim`; its students lose their websocket, the rest keep theirs; new and
    reloading students land on the survivors; HAProxy marks the victim DOWN."""
    on_victim = [s for s in students if victim in s.replicas()]
    others = [s for s in students if victim not in s.replicas()]
    proc = cluster.replicas[victim]
    t_kill = time.monotonic()
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    closed_at = await asyncio.wait_for(asyncio.gather(*(s.reader for s in on_victim)), 15)
    print(f"killed {victim}: its {len(on_victim)} students' websockets closed within "
          f"{max(closed_at) - t_kill:.2f} s")
    # the others: socket open, a ping through HAProxy answered, their session still takes uploads
    for s in others:
        assert not s.reader.done(), (s.name, "websocket closed though its replica lives")
        await asyncio.wait_for(await s.ws.ping(), 10)
        assert await upload(cluster.url, s) == 204, s.landed
        assert len(s.replicas()) == 1, (s.name, s.landed)
    survivors = set(cluster.replicas) - {victim}
    # before and after the health check notices: reloading students (their cookie names the
    # dead replica) and new ones (no cookie) must all land on a survivor
    for s in on_victim:
        await s.ws.close()
    early = [await _reload(cluster.url, s) for s in on_victim]
    reloaded_after = time.monotonic() - t_kill
    down_after = await _wait_down(cluster.stats_socket, victim, t_kill)
    late = [await arrive(cluster.url, f"late{i}") for i in range(N_LATE_STUDENTS)]
    try:
        print(f"{len(early)} reloads done {reloaded_after:.2f} s after the kill; HAProxy "
              f"marked {victim} DOWN after {down_after:.2f} s; reloads and {len(late)} new on "
              f"{dict(sorted(Counter(next(iter(s.replicas())) for s in early + late).items()))}")
        for s in early + late:
            assert s.replicas() <= survivors and len(s.replicas()) == 1, (s.name, s.landed)
        assert down_after < 10, "health check took the dead replica out too late"
    finally:
        for s in early + late:
            await s.ws.close()


async def _reload(base: str, old: Student) -> Student:
    """The same browser reloading: its cookie jar (naming the dead replica) is kept."""
    # HAProxy closed the keep-alive connections that led to the dead replica; a browser opens a
    # fresh one by itself, requests would fail once on the stale one
    old.http.close()
    student = Student(old.name + "-reload", http=old.http)
    await _get(student, base + "/", "page")
    await _get(student, base + balancer.HEALTH_PATH, "health")
    await open_session(base, student)
    assert await upload(base, student) == 204, student.landed
    return student


async def _wait_down(sock: str, name: str, t_kill: float, timeout: float = 30) -> float:
    """Seconds from the kill until HAProxy's stats say `name` is DOWN."""
    while time.monotonic() - t_kill < timeout:
        if _states(sock).get(name, "").startswith("DOWN"):
            return time.monotonic() - t_kill
        await asyncio.sleep(0.1)
    raise AssertionError(f"{name} still not DOWN {timeout} s after the kill: {_states(sock)}")


def test_generated_config_is_valid_for_remote_replicas(tmp_path):
    """The same generator serves replicas on other machines: haproxy -c accepts it."""
    cfg = balancer.BalancerConfig(("10.0.0.11:8501", "10.0.0.12:8501", "10.0.0.13:8501"),
                                  "0.0.0.0:8501", balancer.page_urls(), 200)
    text = balancer.render_haproxy_cfg(cfg)
    path = tmp_path / "haproxy.cfg"
    path.write_text(text)
    balancer.check_haproxy_cfg(path)
    assert "server r3 10.0.0.13:8501 check cookie r3" in text
    for bad in ("10.0.0.11", "host:0", ":8501"):
        with pytest.raises(ValueError, match="host:port"):
            balancer.BalancerConfig((bad,))
