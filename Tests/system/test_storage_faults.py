"""Promise: when storage fails (disk full, read-only file system, I/O errors) ingest answers 503
`storage_unavailable` with the JSON error shape and `Retry-After`, never a 2xx for events it
did not store; reads keep working; and the service recovers by itself, without a restart, once
storage works again.

How it is proven:
- Disk full: the database lives on a small tmpfs of its own (mounted by the test, root only).
  A filler file takes every free byte; ingest must then answer 503 (and keep answering 503, not
  crash) while reads answer 200. The filler is deleted and ingest must succeed again with the
  same process.
- Read-only file system and I/O errors: Linux refuses `mount -o remount,ro` on a file system
  where a process holds files open for writing ("mount point is busy"), and a server always
  does. So the fault is injected where the server meets the kernel: strace attaches to the
  running server and makes every write, flush, truncate and allocation on the database's files
  fail with EROFS (then EIO), exactly what those system calls return on a read-only or failing
  disk; reads of the files are left alone. Detaching strace heals the "disk".
Afterwards every id that got a 201 must be listed by the API and be in the file, and every batch
that got a 503 must be stored wholly or not at all.
"""
import errno
import os
import signal
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from service import error_shape_problems, event, missing, require_tool, retry_after_seconds

BATCH = 20
FILE_CALLS = "write,pwrite64,writev,pwritev,pwritev2,fsync,fdatasync,ftruncate,fallocate"


class Ledger:
    """What the test sent and how the server answered, batch by batch."""

    def __init__(self, server, key: str, prefix: str):
        self.server, self.key, self.prefix = server, key, prefix
        self.acknowledged: list[str] = []
        self.refused: list[list[str]] = []
        self.count = 0

    def batch(self) -> list[dict]:
        self.count += 1
        return [event(f"{self.prefix}-{self.count:04d}-{index:02d}", details="x" * 800, actor=f"user_{index}")
                for index in range(BATCH)]

    def send(self, events: list[dict]):
        answer = self.server.ingest(self.key, events)
        ids = [item["id"] for item in events]
        if answer.status == 201:
            self.acknowledged += ids
        else:
            self.refused.append(ids)
        return answer

    def send_new(self):
        return self.send(self.batch())


def assert_storage_unavailable(answer, while_what: str):
    assert answer.status == 503, f"ingest {while_what} answered {answer} instead of 503"
    problems = error_shape_problems(answer, "storage_unavailable")
    assert problems == [], f"the 503 {while_what} is not the JSON error shape: {problems}"
    seconds = retry_after_seconds(answer)
    assert seconds is not None and seconds >= 1, (
        f"the 503 {while_what} has no Retry-After in whole seconds: {answer.header('retry-after')!r}")


def assert_reads_work(server, token: str, while_what: str):
    for path in ("/health", "/api/v1/organizations/acme/audit-logs?limit=5", "/api/v1/organizations/acme/actors"):
        answer = server.request("GET", path, token=token)
        assert answer.status == 200, f"GET {path} {while_what}: {answer}"


def recover(ledger: Ledger, within: float = 20):
    """Ingest again until a 201, for at most `within` seconds: the answer's time to heal."""
    pid = ledger.server.pid
    started = time.monotonic()
    answer = None
    while time.monotonic() - started < within:
        answer = ledger.send_new()
        if answer.status == 201:
            assert ledger.server.pid == pid, "the server restarted to recover"
            return time.monotonic() - started
        time.sleep(0.5)
    raise AssertionError(f"ingest did not recover within {within} s after storage came back: last {answer}")


def assert_everything_acknowledged_is_stored(ledger: Ledger):
    server = ledger.server
    listed = set(server.audit_log_ids(server.token))
    missing_ids = [event_id for event_id in ledger.acknowledged if event_id not in listed]
    assert missing_ids == [], f"{len(missing_ids)} acknowledged events are not listed: {missing_ids[:5]}"
    connection = server.read_only_database()
    try:
        in_file = {row[0] for row in connection.execute("SELECT event_id FROM events WHERE organization_id = 'acme'")}
    finally:
        connection.close()
    assert set(ledger.acknowledged) <= in_file
    partial = [ids[0] for ids in ledger.refused if 0 < sum(event_id in in_file for event_id in ids) < len(ids)]
    assert partial == [], f"batches refused with a 5xx were partly stored: {partial[:5]}"


# ---- disk full ----

@pytest.fixture
def small_disk(tmp_path):
    """A 16 MiB tmpfs of its own; unmounted after the test (servers are stopped first)."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m,mode=0700", "tmpfs", str(mount_point)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        missing(f"cannot mount a tmpfs (needs root): {mounted.stderr.strip()}")
    yield mount_point
    if subprocess.run(["umount", str(mount_point)], capture_output=True).returncode != 0:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True)


def fill(directory: Path) -> Path:
    """Writes a filler file until the file system has no byte left."""
    filler = directory / "filler"
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    chunk = b"\0" * 65536
    try:
        for _ in range(100_000):
            try:
                if os.write(descriptor, chunk) == 0:
                    break
            except OSError as error:
                if error.errno == errno.ENOSPC:
                    return filler
                raise
        raise AssertionError("the file system never filled up")
    finally:
        os.close(descriptor)


def test_a_full_disk_answers_503_and_ingest_recovers_without_restart(small_disk, make_server, figures):
    server = make_server("full-disk", database=small_disk / "audit.sqlite")
    credentials = server.set_up_acme()
    server.start()
    server.token = credentials["token"]
    ledger = Ledger(server, credentials["key"], "disk")
    for _ in range(3):
        assert ledger.send_new().status == 201

    filler = fill(small_disk)
    answers = []
    for _ in range(200):
        answers.append(ledger.send_new())
        if answers[-1].status != 201:
            break
    failure = answers[-1]
    assert failure.status != 201, "200 batches of 20 events were acknowledged on a full disk"
    assert_storage_unavailable(failure, "on a full disk")
    assert_reads_work(server, server.token, "on a full disk")
    assert_storage_unavailable(ledger.send_new(), "on a full disk, asked again")
    assert server.running(), "the server died on a full disk"

    filler.unlink()
    healed_in = recover(ledger)
    for ids in list(ledger.refused):
        # The client's retry, with the same ids, after the disk has room again.
        retry = ledger.send([event(event_id, details="x" * 800) for event_id in ids])
        assert retry.status == 201, f"retrying a refused batch: {retry}"
    assert_everything_acknowledged_is_stored(ledger)
    figures(f"full tmpfs: {len(answers) - 1} batches acknowledged after filling, then {failure.status} "
            f"Retry-After {failure.header('retry-after')}; ingest healed {healed_in:.1f} s after space returned; "
            f"{len(ledger.acknowledged)} acknowledged events all stored")


# ---- read-only file system, I/O errors ----

def traced_threads(pid: int) -> bool:
    """True when every thread of `pid` is traced (strace has attached to all of them)."""
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            status = (task / "status").read_text()
        except FileNotFoundError:  # the thread ended meanwhile
            continue
        if "\nTracerPid:\t0\n" in status:
            return False
    return True


@contextmanager
def failing_storage(server, error_name: str, log: Path):
    """While inside, the server's writes and flushes of its database files fail with `error_name`."""
    strace = require_tool("strace", "apt-get install -y strace")
    paths = []
    for suffix in ("", "-wal", "-shm", "-journal"):
        paths += ["-P", f"{server.database}{suffix}"]
    injector = subprocess.Popen(
        [strace, "-f", "-qq", "-p", str(server.pid), *paths, "-e", f"trace={FILE_CALLS}",
         "-e", f"inject={FILE_CALLS}:error={error_name}", "-o", str(log)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while not traced_threads(server.pid):
            if injector.poll() is not None or time.monotonic() > deadline:
                missing(f"strace could not attach to the server: {injector.stderr.read().decode()[-300:]}")
            time.sleep(0.05)
        yield
    finally:
        injector.send_signal(signal.SIGINT)
        try:
            injector.wait(10)
        except subprocess.TimeoutExpired:
            injector.kill()
            injector.wait(10)


@pytest.mark.parametrize("error_name", ["EROFS", "EIO"])
def test_a_failing_disk_answers_503_and_ingest_recovers_without_restart(acme, error_name, tmp_path, figures):
    ledger = Ledger(acme, acme.key, error_name.lower())
    for _ in range(3):
        assert ledger.send_new().status == 201

    with failing_storage(acme, error_name, tmp_path / "injected.trace"):
        failure = ledger.send_new()
        assert_storage_unavailable(failure, f"while writes fail with {error_name}")
        assert_reads_work(acme, acme.token, f"while writes fail with {error_name}")
        assert_storage_unavailable(ledger.send_new(), f"while writes fail with {error_name}, asked again")
        assert acme.running(), f"the server died when writes failed with {error_name}"
    injected = sum("INJECTED" in line for line in (tmp_path / "injected.trace").read_text().splitlines())

    healed_in = recover(ledger)
    assert_everything_acknowledged_is_stored(ledger)
    figures(f"{error_name}: {injected} failed system calls injected; {failure.status} Retry-After {failure.header('retry-after')}; "
            f"healed {healed_in:.1f} s after storage came back; {len(ledger.acknowledged)} acknowledged events stored")
