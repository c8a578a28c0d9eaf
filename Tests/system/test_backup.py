"""Promise: `auditlogs backup` copies a live SQLite database consistently while 64 clients
ingest: `auditlogs verify` passes on the copy, and the copy holds every event acknowledged
before the backup started; restoring it ("stop, put the file back, start") gives the same head.

How it is proven: 64 threads each send one event a request in a loop and note every 201. Once
300 are acknowledged, the set of acknowledged ids is taken, then `auditlogs backup` runs while
the threads go on, and they stop 100 acknowledgements later. The copy is checked with
`auditlogs verify` and read with sqlite3; then the server is stopped, the copy put in place of
the database (its -wal and -shm removed), the server started again, and verify shows the copy's
head.
"""
import os
import shutil
import sqlite3
import threading
import time

from service import event, request

CLIENTS = 64


def test_a_backup_under_64_ingesting_clients_holds_what_was_acknowledged_and_restores(make_server, figures):
    server = make_server("backup")
    key = server.set_up_acme()["key"]
    server.start()

    acknowledged: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def client(number: int):
        sequence = 0
        while not stop.is_set():
            event_id = f"c{number}-{sequence}"
            sequence += 1
            try:
                status = request(server.port, "POST", "/api/v1/events", body=event(event_id), token=key, timeout=30).status
            except OSError:
                status = 0
            if status == 201:
                with lock:
                    acknowledged.append(event_id)

    threads = [threading.Thread(target=client, args=(number,), daemon=True) for number in range(CLIENTS)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while len(acknowledged) < 300 and time.monotonic() < deadline:
        time.sleep(0.02)
    with lock:
        before = set(acknowledged)
    copy = server.directory / "backup.sqlite"
    started = time.monotonic()
    said = server.cli("backup", "--output", str(copy))
    took = time.monotonic() - started
    with lock:
        after = len(acknowledged)
    while len(acknowledged) < after + 100 and time.monotonic() < deadline + 30:
        time.sleep(0.02)
    stop.set()
    for thread in threads:
        thread.join(40)

    figures(f"backup of {len(before)}+ events under {CLIENTS} clients took {took:.2f} s, "
            f"{copy.stat().st_size} bytes; {len(acknowledged)} acknowledged in all")
    assert len(before) >= 300, f"only {len(before)} events acknowledged before the backup"
    assert said and said[-1].startswith("Backed up"), said
    assert oct(copy.stat().st_mode & 0o777) == "0o600"
    verified = server.cli_run("verify", "--org", "acme", "--database", str(copy), database=False).stdout
    assert verified.startswith("Intact"), verified
    with sqlite3.connect(f"file:{copy}?mode=ro", uri=True) as connection:
        copied = {row[0] for row in connection.execute("SELECT event_id FROM events")}
    missing = before - copied
    assert not missing, f"{len(missing)} events acknowledged before the backup are not in it: {sorted(missing)[:5]}"
    assert len(copied) < len(acknowledged), "the load did not go on after the backup"

    assert server.stop() == 0
    database = server.database
    for suffix in ("-wal", "-shm"):
        try:
            os.remove(f"{database}{suffix}")
        except FileNotFoundError:
            pass
    shutil.copyfile(copy, database)
    server.start()
    restored = server.cli_run("verify", "--org", "acme").stdout
    head = lambda text: text.split("head ")[1].split(",")[0]
    assert head(restored) == head(verified), f"restored:\n{restored}\ncopy:\n{verified}"
    assert server.ingest(key, [event("after-restore")]).status == 201
    server.stop()
