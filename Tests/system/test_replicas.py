"""Promise: any number of stateless `auditlogs serve` replicas can share one PostgreSQL, and reads
can be served by a streaming standby, with the same guarantees as one server on SQLite.

How it is proven:
- Three replicas start at once on an empty database (their migrations take an advisory lock).
  Twelve threads send batches for two organizations, each to the next replica in turn; a third
  of the acknowledged batches are sent again, same ids, to another replica, and every failed
  request is retried elsewhere. One replica is SIGKILLed in the middle. Then, in the database:
  every acknowledged event is there exactly once, nothing unsent is, sequences are 1..N without
  a gap; and through the two survivors: the list and the CSV export agree with each other and
  with the database.
- A replica given `--read-database` (the standby) is shown to read from it: with the standby's
  replay paused, an event is acknowledged (the write went to the primary, where it is) but the
  list does not show it until replay resumes. Sign-in and credentials keep working meanwhile:
  they are read from the primary.
"""
import csv
import io
import random
import threading
import time
from dataclasses import dataclass

import pytest

from service import (ADMIN_EMAIL, STANDBY_URL_VARIABLE, create_postgres_database, event, postgres_server_url, psql,
                     with_database)

# A sender thread that dies (an exception nobody caught) fails the test, not just warns.
pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")

SEED = 20261202
THREADS = 12
BATCHES = 180
ORGANIZATIONS = ("acme", "globex")
ACTIONS = ("UserLogin", "MemberInvited", "AssetDownloaded", "WorkspaceCreated")


@dataclass
class Batch:
    number: int
    organization: str
    events: list[dict]
    acknowledged: bool = False


def make_batches(rng: random.Random) -> list[Batch]:
    batches = []
    for number in range(BATCHES):
        organization = ORGANIZATIONS[number % 2]
        events = [
            event(f"r{number}_{index}", action=rng.choice(ACTIONS), actor=f"user_{rng.randrange(20)}",
                  workspace={"id": f"ws_{rng.randrange(5)}", "name": f"Workspace {rng.randrange(5)}"})
            for index in range(rng.randint(1, 20))
        ]
        batches.append(Batch(number, organization, events))
    return batches


def stored_ids(database: str, organization: str) -> list[str]:
    return [row[0] for row in psql(database, f"SELECT event_id FROM events WHERE organization_id = '{organization}'")]


def test_three_replicas_share_one_database_and_lose_nothing_when_one_dies(make_server, figures):
    database = create_postgres_database("replicas")
    replicas = [make_server(name, database=database) for name in ("a", "b", "c")]
    for replica in replicas:
        replica.start(healthy_within=0)
    for replica in replicas:
        replica.wait_until_healthy(60)
    first = replicas[0]
    credentials = first.set_up_acme()
    first.create_organization("globex", "Globex")
    keys = {"acme": credentials["key"], "globex": first.create_key("globex")}

    rng = random.Random(SEED)
    batches = make_batches(rng)
    queue = list(batches)
    lock = threading.Lock()
    sent = {"count": 0, "resent": 0, "retried": 0}
    victim = replicas[1]
    killed = threading.Event()

    def alive():
        return [replica for replica in replicas if not (replica is victim and killed.is_set())]

    def send(batch: Batch, start: int) -> int:
        """Sends until some replica acknowledges; returns the index of the one that did."""
        for attempt in range(60):
            candidates = replicas  # a dead replica is tried too: a client learns it is dead by failing
            index = (start + attempt) % len(candidates)
            try:
                answer = candidates[index].ingest(keys[batch.organization], batch.events, timeout=20)
                if answer.status == 201:
                    body = answer.json()
                    assert body["created"] + body["duplicates"] == len(batch.events), answer
                    return index
                assert answer.status == 503, f"batch {batch.number}: {answer}"
            except OSError:
                pass
            with lock:
                sent["retried"] += 1
            time.sleep(0.05)
        raise AssertionError(f"batch {batch.number} was never acknowledged")

    def worker(number: int):
        local = random.Random(SEED + number)
        while True:
            with lock:
                if not queue:
                    return
                batch = queue.pop(0)
                sent["count"] += 1
                if sent["count"] == BATCHES // 2:
                    victim.kill()
                    killed.set()
            index = send(batch, local.randrange(len(replicas)))
            batch.acknowledged = True
            if local.random() < 1 / 3:
                # The same ids again, to another replica: stored once, answered as duplicates.
                other = next(i for i in range(index + 1, index + 4) if replicas[i % 3] in alive()) % 3
                try:
                    answer = replicas[other].ingest(keys[batch.organization], batch.events, timeout=20)
                except OSError:
                    continue  # the replica chosen was killed meanwhile
                assert answer.status == 201 and answer.json()["created"] == 0, answer
                with lock:
                    sent["resent"] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(number,)) for number in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    elapsed = time.monotonic() - started
    assert not any(thread.is_alive() for thread in threads)
    assert killed.is_set() and not victim.running()
    assert all(batch.acknowledged for batch in batches)

    total = 0
    for organization in ORGANIZATIONS:
        sent_ids = [item["id"] for batch in batches if batch.organization == organization for item in batch.events]
        ids = stored_ids(database, organization)
        assert len(ids) == len(set(ids)), f"{organization}: an event is stored twice"
        assert set(ids) == set(sent_ids), f"{organization}: stored {len(set(ids))} of {len(sent_ids)} sent"
        [[count, lowest, highest, last]] = psql(database, f"""
            SELECT count(*), min(e.sequence), max(e.sequence), o.last_sequence FROM events e
            JOIN organizations o ON o.id = e.organization_id WHERE e.organization_id = '{organization}'
            GROUP BY o.last_sequence""")
        assert (int(count), int(lowest), int(highest), int(last)) == (len(ids), 1, len(ids), len(ids)), \
            f"{organization}: sequences are not 1..{len(ids)}"
        [[keys_count]] = psql(database, f"SELECT count(*) FROM event_keys WHERE organization_id = '{organization}'")
        assert int(keys_count) == len(ids)
        total += len(ids)

    # Reads agree through both survivors, and with the database.
    survivors = [replica for replica in replicas if replica is not victim]
    token = credentials["token"]
    acme_ids = set(stored_ids(database, "acme"))
    for replica in survivors:
        assert set(replica.audit_log_ids(token)) == acme_ids, f"replica {replica.directory.name} lists other events"
    exports = []
    for replica in survivors:
        answer = replica.request("GET", "/api/v1/organizations/acme/audit-logs/export.csv", token=token)
        assert answer.status == 200, answer
        exports.append(list(csv.DictReader(io.StringIO(answer.body.decode("utf-8-sig")))))
    # The second export holds the first one's AuditLogExported record, which the first does not.
    first_rows, second_rows = exports
    assert {row["Event ID"] for row in first_rows} == acme_ids
    assert [row for row in second_rows if row["Action"] != "AuditLogExported"] == first_rows
    figures(f"{total} events in {BATCHES} batches through 3 replicas (one SIGKILLed) in {elapsed:.1f} s; "
            f"{sent['resent']} batches resent to another replica, {sent['retried']} retries after failures")


def test_a_replica_reads_from_the_standby_and_writes_to_the_primary(make_server):
    standby_server = postgres_server_url(STANDBY_URL_VARIABLE)
    database = create_postgres_database("standby")
    name = database.split("?", 1)[0].rsplit("/", 1)[1]
    standby = with_database(standby_server, name)
    deadline = time.monotonic() + 30
    while True:  # the new database reaches the standby through the WAL
        try:
            psql(standby, "SELECT 1")
            break
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)

    server = make_server("reader", database=database)
    credentials = server.set_up_acme()
    server.start("--read-database", standby)
    key, token = credentials["key"], credentials["token"]

    def listed(event_id: str, within: float) -> bool:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if event_id in server.audit_log_ids(token):
                return True
            time.sleep(0.1)
        return False

    assert server.ingest(key, [event("before_pause")]).status == 201
    assert listed("before_pause", 30), "the standby never served the event"
    assert [row[0] for row in psql(standby, "SELECT pg_is_in_recovery()")] == ["t"]

    psql(standby_server, "SELECT pg_wal_replay_pause()")
    try:
        answer = server.ingest(key, [event("during_pause")])
        assert answer.status == 201, answer
        assert psql(database, "SELECT count(*) FROM events WHERE event_id = 'during_pause'") == [["1"]]
        # Acknowledged and on the primary, yet not listed: the list is read from the standby.
        assert not listed("during_pause", 2)
        # Credentials and sessions come from the primary: a sign-in made now works at once.
        session = server.sign_in(ADMIN_EMAIL)
        assert server.request("GET", "/api/v1/sessions/current", token=session).status == 200
    finally:
        psql(standby_server, "SELECT pg_wal_replay_resume()")
    assert listed("during_pause", 30), "the event never reached the standby"
    # The standby refuses writes, so every 201 above was the primary's.
    with pytest.raises(AssertionError, match="read-only"):
        psql(standby, "INSERT INTO organizations (id, name, created_at) VALUES ('x', 'x', 0)")


def test_lost_database_connections_answer_503_never_500_and_heal(make_server, figures):
    """PostgreSQL ends the service's connections (a failover, a restart, an operator) under load:
    every answer is a 201 or a 503 with Retry-After, every 201 is stored, and the pool heals."""
    database = create_postgres_database("terminated")
    name = database.split("?", 1)[0].rsplit("/", 1)[1]
    server = make_server("terminated", database=database)
    credentials = server.set_up_acme()
    server.start()
    key = credentials["key"]
    answers: list[tuple[int, str | None]] = []
    acknowledged: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def sender(number: int):
        index = 0
        while not stop.is_set():
            event_id = f"t{number}_{index}"
            index += 1
            try:
                # Seconds, not the statement timeout: a dropped query must not hold a request.
                answer = server.ingest(key, [event(event_id)], timeout=20)
            except OSError as error:
                with lock:
                    answers.append((f"no answer: {error!r}", None))
                continue
            with lock:
                answers.append((answer.status, answer.header("retry-after")))
                if answer.status == 201:
                    acknowledged.append(event_id)

    threads = [threading.Thread(target=sender, args=(number,)) for number in range(4)]
    for thread in threads:
        thread.start()
    terminated = 0
    try:
        for _ in range(5):
            time.sleep(0.4)
            rows = psql(postgres_server_url(), f"""
                SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE datname = '{name}' AND pid <> pg_backend_pid()""")
            terminated += len(rows)
        time.sleep(0.5)
    finally:
        stop.set()
        for thread in threads:
            thread.join(60)

    statuses = {status for status, _ in answers}
    assert terminated > 0, "no connection of the service was ended"
    assert statuses <= {201, 503}, f"answers other than 201 and 503: {statuses}"
    assert all(retry is not None for status, retry in answers if status == 503), "a 503 without Retry-After"
    stored = set(stored_ids(database, "acme"))
    assert set(acknowledged) <= stored, f"{len(set(acknowledged) - stored)} acknowledged events are missing"
    # Healed: the next request is served on a new connection.
    assert server.ingest(key, [event("after_the_storm")]).status == 201
    refused = sum(1 for status, _ in answers if status == 503)
    figures(f"{terminated} connections ended under load: {len(acknowledged)} events acknowledged and stored, "
            f"{refused} requests answered 503")
