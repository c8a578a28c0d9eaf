"""Promise: what the service acknowledged survives a crash, a batch is all or nothing, and the
per-organization sequence stays gap-free, however the process dies.

How it is proven: one database, twenty rounds. Each round starts `auditlogs serve`, lets 16
threads send single events and batches of 1-50 events for two organizations (ids chosen by the
test, deterministic, so every request can be retried as it was), and SIGKILLs the server at a
moment drawn by a seeded RNG, 50-400 ms into the traffic. After each kill the SQLite file is
opened read-only with Python's sqlite3 and every batch sent so far must be wholly present or
wholly absent, every acknowledged batch present, each organization's sequence 1..N without gaps.
The next round first resends every request that was not acknowledged, with the same ids. A last
round without a kill resends what is still unacknowledged. Then: every event stored exactly once
in its organization, with what was sent; nothing stored that was never sent; sequences gap-free;
`PRAGMA integrity_check` is ok.
"""
import http.client
import random
import signal
import threading
import time
from collections import deque
from dataclasses import dataclass

from service import ADMIN_EMAIL, event

SEED = 20261201
ROUNDS = 20
THREADS = 16
ORGANIZATIONS = ("acme", "globex")
ACTIONS = ("UserLogin", "MemberInvited", "AssetDownloaded", "WorkspaceCreated", "SubscriptionCancelled")


@dataclass
class Batch:
    number: int
    organization: str
    events: list[dict]
    as_bare_event: bool  # sent as one event object rather than {"events": [...]}
    sent: int = 0
    acknowledged: bool = False

    @property
    def ids(self) -> list[str]:
        return [item["id"] for item in self.events]

    @property
    def body(self) -> dict:
        return self.events[0] if self.as_bare_event else {"events": self.events}


class Traffic:
    """Deterministic batches, handed out to the sending threads; retries go first."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.batches: list[Batch] = []
        self.retries: deque[Batch] = deque()
        self.lock = threading.Lock()
        self.unexpected: list[str] = []

    def new_batch(self) -> Batch:
        number = len(self.batches)
        size = 1 if self.rng.random() < 0.4 else self.rng.randint(2, 50)
        organization = ORGANIZATIONS[self.rng.randrange(len(ORGANIZATIONS))]
        events = [
            event(f"crash-{number:05d}-{index:02d}", action=self.rng.choice(ACTIONS),
                  actor=f"user_{self.rng.randrange(40)}",
                  workspace={"id": f"ws_{self.rng.randrange(5)}", "name": "Workspace"},
                  details=f"round-trip check {number}/{index}")
            for index in range(size)
        ]
        batch = Batch(number, organization, events, as_bare_event=size == 1 and self.rng.random() < 0.5)
        self.batches.append(batch)
        return batch

    def next(self) -> Batch:
        with self.lock:
            batch = self.retries.popleft() if self.retries else self.new_batch()
            batch.sent += 1
            return batch

    def failed(self, batch: Batch):
        with self.lock:
            self.retries.append(batch)

    def record_unexpected(self, text: str):
        with self.lock:
            self.unexpected.append(text)


def send(server, keys, traffic: Traffic, batch: Batch) -> bool:
    """Sends `batch`; True when it was acknowledged. A lost connection leaves it for a retry."""
    try:
        answer = server.ingest(keys[batch.organization], batch.body, timeout=20)
    except (OSError, http.client.HTTPException):
        traffic.failed(batch)
        return False
    if answer.status != 201:
        traffic.record_unexpected(f"batch {batch.number}: {answer}")
        traffic.failed(batch)
        return False
    result = answer.json()
    if result.get("ids") != batch.ids or result.get("created", 0) + result.get("duplicates", 0) != len(batch.ids):
        traffic.record_unexpected(f"batch {batch.number}: 201 with {result} for ids {batch.ids[:3]}...")
    batch.acknowledged = True
    return True


def drive_until_killed(server, keys, traffic: Traffic, kill_after: float) -> float:
    """16 threads send until the server is SIGKILLed `kill_after` seconds in; the kill's time."""
    stop = threading.Event()

    def sender():
        while not stop.is_set():
            if not send(server, keys, traffic, traffic.next()):
                return

    threads = [threading.Thread(target=sender, daemon=True) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    time.sleep(kill_after)
    server.signal(signal.SIGKILL)
    killed_at = time.monotonic()
    server.process.wait(20)
    stop.set()
    for thread in threads:
        thread.join(30)
        assert not thread.is_alive(), "a sender hung after the kill"
    return killed_at


def stored(server) -> dict[tuple[str, str], list[tuple]]:
    """(organization, event id) → rows of (sequence, action, actor_id), read from the file."""
    connection = server.read_only_database()
    try:
        rows = connection.execute(
            "SELECT organization_id, event_id, sequence, action, actor_id FROM events").fetchall()
    finally:
        connection.close()
    found: dict[tuple[str, str], list[tuple]] = {}
    for organization, event_id, sequence, action, actor in rows:
        found.setdefault((organization, event_id), []).append((sequence, action, actor))
    return found


def problems_in_file(server, traffic: Traffic) -> list[str]:
    events = stored(server)
    problems = []
    for batch in traffic.batches:
        if not batch.sent:
            continue
        present = sum((batch.organization, event_id) in events for event_id in batch.ids)
        if 0 < present < len(batch.ids):
            problems.append(f"batch {batch.number} is partly stored: {present} of {len(batch.ids)}")
        if batch.acknowledged and present != len(batch.ids):
            problems.append(f"batch {batch.number} was acknowledged but {len(batch.ids) - present} of its events are missing")
    connection = server.read_only_database()
    try:
        for organization in ORGANIZATIONS:
            sequences = [row[0] for row in connection.execute(
                "SELECT sequence FROM events WHERE organization_id = ? ORDER BY sequence", (organization,))]
            if sequences != list(range(1, len(sequences) + 1)):
                problems.append(f"{organization}: sequence is not 1..{len(sequences)}: gaps or repeats near "
                                f"{[s for i, s in enumerate(sequences, 1) if s != i][:5]}")
            (last,) = connection.execute(
                "SELECT last_sequence FROM organizations WHERE id = ?", (organization,)).fetchone()
            if last != len(sequences):
                problems.append(f"{organization}: last_sequence is {last} but {len(sequences)} events are stored")
    finally:
        connection.close()
    return problems


def test_every_acknowledged_event_survives_twenty_kills(make_server, figures):
    rng = random.Random(SEED)
    kill_rng = random.Random(SEED + 1)
    server = make_server("crash")
    for organization in ORGANIZATIONS:
        server.create_organization(organization, organization.title())
    server.add_member("acme", ADMIN_EMAIL, "Ada", "admin", "long-password-1")
    keys = {organization: server.create_key(organization) for organization in ORGANIZATIONS}
    traffic = Traffic(rng)

    kills = []
    for round_number in range(ROUNDS):
        server.start()
        kill_after = kill_rng.uniform(0.05, 0.4)
        started = time.monotonic()
        killed_at = drive_until_killed(server, keys, traffic, kill_after)
        kills.append(killed_at - started)
        assert traffic.unexpected == [], f"answers other than 201 while the server was up: {traffic.unexpected[:5]}"
        problems = problems_in_file(server, traffic)
        assert problems == [], f"after kill {round_number + 1} ({kill_after * 1000:.0f} ms in): {problems[:10]}"

    # A last round without a kill: everything not yet acknowledged is sent again, with its ids.
    server.start()
    pending = [batch for batch in traffic.batches if not batch.acknowledged]
    for batch in pending:
        traffic.retries.remove(batch)
        assert send(server, keys, traffic, batch), f"retry of batch {batch.number} failed: {traffic.unexpected[-1:]}"
    server.stop()

    assert traffic.unexpected == [], f"answers other than 201 while the server was up: {traffic.unexpected[:10]}"
    assert problems_in_file(server, traffic) == []
    events = stored(server)
    sent = {(batch.organization, item["id"]): (item["action"], item["actor"]["id"])
            for batch in traffic.batches for item in batch.events}
    twice = {key: rows for key, rows in events.items() if len(rows) > 1}
    never_sent = sorted(set(events) - set(sent))
    lost = sorted(set(sent) - set(events))
    altered = [key for key, rows in events.items() if key in sent and rows[0][1:] != sent[key]]
    assert twice == {}, f"events stored more than once: {list(twice.items())[:5]}"
    assert never_sent == [], f"events stored that were never sent: {never_sent[:5]}"
    assert lost == [], f"acknowledged events missing: {lost[:5]}"
    assert altered == [], f"events stored with another action or actor than sent: {altered[:5]}"
    connection = server.read_only_database()
    try:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        connection.close()

    retried = sum(1 for batch in traffic.batches if batch.sent > 1)
    figures(f"{ROUNDS} SIGKILL rounds (kills {min(kills) * 1000:.0f}-{max(kills) * 1000:.0f} ms into traffic), "
            f"{len(traffic.batches)} requests ({retried} resent after a kill), {len(events)} events checked "
            f"({', '.join(f'{o}: {sum(1 for k in events if k[0] == o)}' for o in ORGANIZATIONS)})")
