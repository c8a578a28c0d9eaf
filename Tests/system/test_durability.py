"""Promise: a 2xx from ingest means the events are flushed to disk (WAL, synchronous=FULL).

How it is proven from outside: `auditlogs serve` runs under `strace -f -ttt -y -e
trace=fsync,fdatasync`, so every flush is logged with its time and the file it flushed. Once the
server is healthy, 30 events are sent one at a time, each waiting for its 201 before the next
leaves, so group commit has nothing to share: each acknowledgement needs a flush of its own.
The test asserts that the database's files were flushed at least 30 times after start-up, and
that every request saw a flush of the database while it was in flight (between sending it and
reading its 201). Then 64 events are sent at once: each must still see a flush while in flight,
and group commit must make them share flushes (fewer than 64). Calls are counted by strace's timestamps, not by the trace's length at some
moment, so strace's output buffering cannot move start-up flushes into the count.
"""
import re
import threading
import time

from service import event, require_tool

EVENTS = 30
CONCURRENT = 64
# "1234 1733011200.123456 fdatasync(7</tmp/x/audit.sqlite-wal> <unfinished ...>" or "... = 0"
FLUSH = re.compile(r"^\d+\s+(?P<time>\d+\.\d+)\s+(?P<call>fsync|fdatasync)\(\d+<(?P<path>[^>]*)>")


def flushes_of(trace: str, database: str) -> list[tuple[float, str, str]]:
    """(time, call, path) of every flush of the database's files (main file, WAL, journal)."""
    found = []
    for line in trace.splitlines():
        match = FLUSH.match(line)
        if match and match["path"].startswith(database):
            found.append((float(match["time"]), match["call"], match["path"]))
    return found


def test_every_acknowledged_ingest_was_flushed_to_disk_before_its_201(make_server, figures, tmp_path):
    strace = require_tool("strace", "apt-get install -y strace")
    server = make_server("durability")
    key = server.set_up_acme()["key"]
    trace_path = tmp_path / "fsync.trace"
    server.start(wrapper=(strace, "-f", "-qq", "-ttt", "-y", "-e", "trace=fsync,fdatasync", "-e", "signal=none",
                          "-o", str(trace_path)))
    healthy_at = time.time()

    in_flight: list[tuple[float, float]] = []
    for index in range(EVENTS):
        sent = time.time()
        answer = server.ingest(key, event(f"durable_{index}", actor=f"user_{index}"))
        acknowledged = time.time()
        assert answer.status == 201, f"event {index}: {answer}"
        assert answer.json()["created"] == 1, f"event {index}: {answer}"
        in_flight.append((sent, acknowledged))
    done_at = time.time()

    # Then 64 at once: group commit may share a flush among them, but each still needs one.
    concurrent: list[tuple[float, float]] = []
    lock = threading.Lock()

    def send_one(index: int):
        sent = time.time()
        answer = server.ingest(key, event(f"together_{index}", actor=f"user_{index}"))
        with lock:
            concurrent.append((sent, time.time()) if answer.status == 201 else (sent, -1.0))

    threads = [threading.Thread(target=send_one, args=(index,)) for index in range(CONCURRENT)]
    together_from = time.time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    together_until = time.time()
    # Stopping the server ends strace, which then writes out all it buffered.
    server.stop()

    flushes = flushes_of(trace_path.read_text(errors="replace"), str(server.database))
    after_start = [flush for flush in flushes if healthy_at <= flush[0] <= done_at]
    per_event = len(after_start) / EVENTS
    files = sorted({path.rsplit("/", 1)[-1] for _, _, path in after_start})
    figures(f"{len(after_start)} fsync/fdatasync calls on the database for {EVENTS} acknowledged events "
            f"({per_event:.2f} per event; files {files}; {len(flushes) - len(after_start)} outside the window)")

    shared = [flush for flush in flushes if together_from <= flush[0] <= together_until]
    figures(f"{len(shared)} flushes for {CONCURRENT} concurrent events ({len(shared) / CONCURRENT:.2f} per event)")

    unflushed = [index for index, (sent, acknowledged) in enumerate(in_flight)
                 if not any(sent <= moment <= acknowledged for moment, _, _ in after_start)]
    assert len(after_start) >= EVENTS, (
        f"only {len(after_start)} flushes of {server.database.name}* for {EVENTS} acknowledged events, sent one at a "
        f"time: a 201 does not mean the event is on disk")
    assert unflushed == [], f"events acknowledged without any flush while in flight: {unflushed}"
    assert all(acknowledged > 0 for _, acknowledged in concurrent), "a concurrent ingest was not acknowledged"
    unflushed = [index for index, (sent, acknowledged) in enumerate(concurrent)
                 if not any(sent <= moment <= acknowledged for moment, _, _ in shared)]
    assert unflushed == [], f"concurrent events acknowledged without any flush while in flight: {unflushed}"
    assert len(shared) < CONCURRENT, f"{CONCURRENT} concurrent events took {len(shared)} flushes: no group commit"
