"""Promise: under sustained concurrent use the service answers every request correctly and its
memory stays flat.

How it is proven: the organization is first given 40,000 events over 90 days. Then 64 clients
(threads, each with its own keep-alive connection) use one server with a mix of single-event
ingests (unique ids), first pages of the audit log with filters, and CSV exports with filters:
a warm-up of AUDITLOGS_LOAD_WARMUP seconds (10 by default) whose exports reach across the 90
days, so that SQLite's page caches (8 MiB a connection, by design the one thing that grows with
use) are full, then AUDITLOGS_LOAD_SECONDS measured seconds (60 by default, the issue's
minute). Every answer must be the expected 2xx with a well-formed body: a single error fails the
test. The server's resident memory (VmRSS from /proc) is sampled every second; it must stay
under 150 MiB (the design's ceiling) throughout, and level off: over the last third of the run
it may grow by at most 10% (the caches fill within the first half here: about 89 → 108 MiB in
30 s, then ±2%; a leak of 1 KiB a request would add ~20% in that third). Afterwards every
acknowledged id must be listed.
"""
import json
import os
import random
import threading
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

from service import Client, event, rfc3339, rss_kib

CLIENTS = 64
SECONDS = float(os.environ.get("AUDITLOGS_LOAD_SECONDS", "60"))
WARMUP_SECONDS = float(os.environ.get("AUDITLOGS_LOAD_WARMUP", "10"))
MIX = (("ingest", 0.70), ("read", 0.22), ("export", 0.08))
ACTIONS = ("UserLogin", "MemberInvited", "AssetDownloaded", "WorkspaceCreated")
ACTORS = 200
SEEDED = 40_000
MAX_RSS_MIB = 150
MAX_GROWTH = 1.10


def seed(acme):
    """40,000 events over the last 90 days, in batches of 1,000."""
    now = datetime.now(timezone.utc)
    rng = random.Random(7)
    for batch in range(SEEDED // 1_000):
        events = []
        for index in range(1_000):
            number = batch * 1_000 + index
            events.append(event(
                f"load-seed-{number}", action=ACTIONS[number % len(ACTIONS)], actor=f"user_{rng.randrange(ACTORS)}",
                workspace={"id": f"ws_{number % 20}", "name": f"Workspace {number % 20}"},
                occurred_at=rfc3339(now - timedelta(minutes=2 + rng.randrange(90 * 24 * 60)))))
        answer = acme.ingest(acme.key, events)
        assert answer.status == 201, answer


def run_clients(acme, seconds, on_answer, whole_range=False):
    """64 clients of the mix for `seconds`; `on_answer(kind, answer or error, seconds taken, id)`."""
    deadline = time.monotonic() + seconds
    since = rfc3339(datetime.now(timezone.utc) - timedelta(days=90))

    def client(number: int):
        rng = random.Random(number * 1_000 + int(whole_range))
        connection = Client(acme.port)
        sent = 0
        try:
            while time.monotonic() < deadline:
                kind = "export" if whole_range else rng.choices([k for k, _ in MIX], weights=[w for _, w in MIX])[0]
                query = {"action": rng.choice(ACTIONS), "actor": f"user_{rng.randrange(ACTORS)}"}
                if whole_range:
                    query["from"] = since
                event_id = None
                if kind == "ingest":
                    event_id = f"load-{number:02d}-{sent:06d}"
                    sent += 1
                    body = json.dumps(event(event_id, action=rng.choice(ACTIONS), actor=f"user_{rng.randrange(ACTORS)}",
                                            workspace={"id": f"ws_{rng.randrange(20)}", "name": "Load"})).encode()
                    request = ("POST", "/api/v1/events", body,
                               {"Authorization": f"Bearer {acme.key}", "Content-Type": "application/json"})
                elif kind == "read":
                    request = ("GET", f"/api/v1/organizations/acme/audit-logs?limit=50&{urlencode(query)}", None,
                               {"Authorization": f"Bearer {acme.token}"})
                else:
                    request = ("GET", f"/api/v1/organizations/acme/audit-logs/export.csv?{urlencode(query)}", None,
                               {"Authorization": f"Bearer {acme.token}"})
                started = time.monotonic()
                try:
                    answer = connection.request(*request)
                except Exception as error:  # a refused, reset or timed-out connection is an error too
                    answer = error
                on_answer(kind, answer, time.monotonic() - started, event_id)
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(number,), daemon=True) for number in range(CLIENTS)]
    for thread in threads:
        thread.start()
    return threads, deadline


def problem_of(kind: str, answer) -> str | None:
    if isinstance(answer, Exception):
        return f"{kind}: {type(answer).__name__}: {answer}"
    if kind == "ingest":
        if answer.status != 201 or answer.json().get("created") != 1:
            return f"ingest: {answer}"
    elif kind == "read":
        if answer.status != 200 or not isinstance(answer.json().get("data"), list):
            return f"read: {answer}"
    elif answer.status != 200 or not answer.body.startswith(b"Timestamp,Action,Actor"):
        return f"export: {answer}"
    return None


def test_sixty_four_clients_get_only_2xx_and_memory_stays_flat(acme, figures):
    seed(acme)
    lock = threading.Lock()
    counts = {kind: 0 for kind, _ in MIX}
    latencies: list[float] = []
    errors: list[str] = []
    acknowledged: list[str] = []
    measuring = threading.Event()

    def on_answer(kind, answer, took, event_id):
        problem = problem_of(kind, answer)
        with lock:
            if problem:
                errors.append(problem)
            if not measuring.is_set():
                return
            counts[kind] += 1
            latencies.append(took)
            if not problem and kind == "ingest":
                acknowledged.append(event_id)

    warm, _ = run_clients(acme, WARMUP_SECONDS, on_answer, whole_range=True)
    for thread in warm:
        thread.join(120)
    assert errors == [], f"the warm-up failed: {errors[:5]}"

    pid = acme.pid
    samples: list[int] = [rss_kib(pid)]
    measuring.set()
    started = time.monotonic()
    clients, deadline = run_clients(acme, SECONDS, on_answer)
    next_sample = started + 1
    while time.monotonic() < deadline:
        time.sleep(max(0.0, next_sample - time.monotonic()))
        samples.append(rss_kib(pid))
        next_sample += 1
    for thread in clients:
        thread.join(60)
    elapsed = time.monotonic() - started
    assert not any(thread.is_alive() for thread in clients), "clients still waiting 60 s after the end"

    total = sum(counts.values())
    latencies.sort()
    mib = [round(sample / 1024, 1) for sample in samples]
    on_disk = sum(path.stat().st_size for path in acme.database.parent.glob(acme.database.name + "*")) / 2**20
    figures(f"{total} requests in {elapsed:.1f} s = {total / elapsed:.0f}/s ({counts}); "
            f"p50 {latencies[len(latencies) // 2] * 1000:.0f} ms, p99 {latencies[int(len(latencies) * 0.99)] * 1000:.0f} ms; "
            f"{len(errors)} errors; database + WAL {on_disk:.0f} MiB; RSS MiB after warm-up, then each second: {mib}")
    assert errors == [], f"{len(errors)} of {total} requests failed, first: {errors[:5]}"
    assert all(counts.values()), f"some kind of request never ran: {counts}"
    assert max(mib) <= MAX_RSS_MIB, f"RSS reached {max(mib)} MiB (limit {MAX_RSS_MIB}): {mib}"
    last_third = samples[-max(2, len(samples) // 3):]
    assert max(last_third) <= MAX_GROWTH * last_third[0], (
        f"RSS kept growing in the last third: {round(last_third[0] / 1024, 1)} → {round(max(last_third) / 1024, 1)} MiB "
        f"(while the database and WAL grew to {on_disk:.0f} MiB): {mib}")

    listed = set(acme.audit_log_ids(acme.token))
    lost = [event_id for event_id in acknowledged if event_id not in listed]
    assert lost == [], f"{len(lost)} acknowledged events are not listed: {lost[:5]}"
