"""Promise: while PostgreSQL cannot be reached, the service answers fast — 503 with `Retry-After`
within 2 seconds for every request, and /readyz 503 — rather than holding clients for the whole
outage; once the server is back, it takes writes again within seconds; and nothing it
acknowledged is lost.

How it is proven: a PostgreSQL cluster of the test's own (initdb, on a free port) so that it can
be stopped and started. `auditlogs serve` on it, 8 clients sending one event a request in a
loop. `pg_ctl stop -m immediate`: for 6 seconds every answer must be a 201 (sent before the stop
took effect) or a 503 with `Retry-After` within 2 s of its request, and /readyz must turn 503
while /livez stays 200. `pg_ctl start`: within 15 s every client gets 201s again. Last, every
event acknowledged with a 201 is in the database.
"""
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

from service import event, free_port, missing, request

CLIENTS = 8


class Cluster:
    """A PostgreSQL cluster of this test's own, which it may stop and start."""

    def __init__(self, directory: Path):
        binaries = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
        if not binaries:
            missing("PostgreSQL's server programs are not installed (apt-get install postgresql)")
        self.bin = binaries[-1].parent
        self.directory = directory
        self.port = free_port()
        self.as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_owner:
            shutil.chown(directory, "postgres")
        self.run("initdb", "-D", str(directory / "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale")
        with open(directory / "data" / "postgresql.conf", "a") as configuration:
            configuration.write(f"listen_addresses = '127.0.0.1'\nport = {self.port}\n"
                                f"unix_socket_directories = '{directory}'\nfsync = off\n")
        self.start()

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres?sslmode=disable"

    def run(self, program: str, *arguments: str):
        finished = subprocess.run([*self.as_owner, str(self.bin / program), *arguments], capture_output=True, text=True,
                                  timeout=120)
        if finished.returncode != 0:
            raise AssertionError(f"{program} failed: {finished.stdout}{finished.stderr}")

    def start(self):
        self.run("pg_ctl", "-D", str(self.directory / "data"), "-l", str(self.directory / "server.log"), "-w", "start")

    def stop(self):
        self.run("pg_ctl", "-D", str(self.directory / "data"), "-m", "immediate", "-w", "stop")


@pytest.fixture
def cluster():
    # Under /tmp itself: as root the server runs as `postgres`, who cannot enter pytest's folders.
    directory = Path(tempfile.mkdtemp(prefix="auditlogs-outage-"))
    os.chmod(directory, 0o755)
    cluster = Cluster(directory)
    yield cluster
    try:
        cluster.stop()
    except AssertionError:
        pass
    shutil.rmtree(directory, ignore_errors=True)


def test_an_outage_is_answered_fast_and_survived(make_server, cluster, figures):
    server = make_server("outage", database=cluster.url)
    server.start()
    key = server.set_up_acme()["key"]

    answers: list[tuple[float, float, int, str | None]] = []  # (sent, took, status, retry-after)
    acknowledged: set[str] = set()
    lock = threading.Lock()
    stop = threading.Event()

    def client(number: int):
        sequence = 0
        while not stop.is_set():
            event_id = f"outage-{number}-{sequence}"
            sequence += 1
            sent = time.monotonic()
            try:
                answer = request(server.port, "POST", "/api/v1/events", body=event(event_id), token=key, timeout=30)
                status, retry = answer.status, answer.header("retry-after")
            except OSError:
                status, retry = 0, None
            with lock:
                answers.append((sent, time.monotonic() - sent, status, retry))
                if status == 201:
                    acknowledged.add(event_id)
            if status != 201:
                time.sleep(0.1)

    threads = [threading.Thread(target=client, args=(number,), daemon=True) for number in range(CLIENTS)]
    for thread in threads:
        thread.start()
    time.sleep(2)
    with lock:
        before = sum(1 for _, _, status, _ in answers if status == 201)

    cluster.stop()
    stopped_at = time.monotonic()
    ready = request(server.port, "GET", "/readyz", timeout=10)
    live = request(server.port, "GET", "/livez", timeout=10)
    time.sleep(6)
    cluster.start()
    started_at = time.monotonic()
    recovered_after = None
    while time.monotonic() - started_at < 15:
        with lock:
            recent = [status for sent, _, status, _ in answers if sent > time.monotonic() - 1]
        if len(recent) >= CLIENTS and all(status == 201 for status in recent[-CLIENTS:]):
            recovered_after = time.monotonic() - started_at
            break
        time.sleep(0.1)
    stop.set()
    for thread in threads:
        thread.join(40)

    during = [(took, status, retry) for sent, took, status, retry in answers if stopped_at + 0.5 < sent < started_at - 2]
    refused = [(took, retry) for took, status, retry in during if status == 503]
    slowest = max((took for took, _, _ in during), default=0.0)
    figures(f"{before} events acknowledged before the stop; during the outage {len(during)} answers, "
            f"{len(refused)} of them 503, slowest {slowest:.2f} s; /readyz {ready.status}; "
            f"writes again {recovered_after if recovered_after is None else f'{recovered_after:.2f} s'} after the start")
    assert before > 0, f"nothing was acknowledged before the outage:\n{server.log_tail(400)}"
    assert during, "no request was answered during the outage"
    assert all(status == 503 for _, status, _ in during), f"answers during the outage: {sorted({s for _, s, _ in during})}"
    assert all(retry is not None and retry.isdigit() for _, retry in refused), "a 503 came without Retry-After"
    assert slowest < 2, f"a request during the outage waited {slowest:.2f} s"
    assert ready.status == 503 and ready.json() == {"status": "database_unreachable"}, f"/readyz answered {ready}"
    assert live.status == 200, f"/livez answered {live}"
    assert recovered_after is not None, f"writes did not come back within 15 s of the restart:\n{server.log_tail()}"

    rows = subprocess.run(["psql", cluster.url.split("?")[0], "-Atc", "SELECT event_id FROM events"],
                          capture_output=True, text=True, check=True).stdout.split()
    lost = acknowledged - set(rows)
    assert not lost, f"{len(lost)} acknowledged events are not stored: {sorted(lost)[:5]}"
