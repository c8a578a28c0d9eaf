"""Tamper evidence tried from outside, as whoever writes the database would try it: with the
SQLite file, Python's sqlite3 and hashlib, docs/INTEGRITY.md's formats — and no signing key.

Each attack was found from outside and once passed: `verify` exited 0 and the service signed
the forgery. Here each must be caught, by `verify` with what an auditor keeps and by the
restarted service itself.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
import struct
import subprocess
import time
from pathlib import Path

import pytest

from service import Server, event, require_tool

COLUMNS = ("organization_id, sequence, event_id, action, occurred_at, received_at, actor_id, actor_type, actor_name, "
           "actor_email, workspace_id, workspace_name, targets, ip_address, user_agent, metadata, details")


def row_bytes(row) -> bytes:
    """`row(n)` of docs/INTEGRITY.md: the format byte, then each column as NULL, integer or text."""
    out = bytearray([0x01])
    for value in row:
        if value is None:
            out.append(0x00)
        elif isinstance(value, int):
            out.append(0x01)
            out += struct.pack(">q", value)
        else:
            data = value.encode() if isinstance(value, str) else bytes(value)
            out.append(0x02)
            out += struct.pack(">I", len(data))
            out += data
    return bytes(out)


def rechain(database: Path, organization: str, after: int):
    """Recomputes every hash after sequence `after` from the stored one there, and the head."""
    with sqlite3.connect(database) as db:
        previous = db.execute("SELECT chain_hash FROM events WHERE organization_id = ? AND sequence = ?",
                              (organization, after)).fetchone()[0] if after else bytes(32)
        rows = db.execute(f"SELECT {COLUMNS} FROM events WHERE organization_id = ? AND sequence > ? ORDER BY sequence",
                          (organization, after)).fetchall()
        for row in rows:
            previous = hashlib.sha256(previous + row_bytes(row)).digest()
            db.execute("UPDATE events SET chain_hash = ? WHERE organization_id = ? AND sequence = ?",
                       (previous, organization, row[1]))
        db.execute("UPDATE organizations SET chain_head = ? WHERE id = ?", (previous, organization))


def verify(server: Server, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(server.binary), "verify", "--database", str(server.database), "--org", "acme", *extra],
                          capture_output=True, text=True, timeout=120)


def checkpoints(server: Server, token: str) -> list[dict]:
    answer = server.request("GET", "/api/v1/organizations/acme/checkpoints", token=token)
    assert answer.status == 200, answer
    return answer.json()["data"]


def wait_for(condition, what: str, within: float = 30):
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def signed(binary, tmp_path):
    """acme with 30 events in three batches, each signed by a serve with a key and a checkpoint
    log, then stopped; an auditor's copy of the latest checkpoint, as the API showed it."""
    server = Server(binary, tmp_path)
    credentials = server.set_up_acme()
    key, public, log = tmp_path / "key.pem", tmp_path / "key.pub", tmp_path / "checkpoints.jsonl"
    subprocess.run([str(binary), "signing-key", "create", "--output", str(key)], capture_output=True, check=True)
    public.write_text(subprocess.run([str(binary), "signing-key", "public", "--signing-key", str(key)],
                                     capture_output=True, text=True, check=True).stdout)
    serve = ("--signing-key", str(key), "--checkpoint-interval", "1", "--checkpoint-log", str(log))
    server.start(*serve)
    for batch in range(3):
        assert server.ingest(credentials["key"], [event(f"e{batch}-{i}") for i in range(10)]).status == 201
        wait_for(lambda: [c["sequence"] for c in checkpoints(server, credentials["token"])][:1] == [10 * (batch + 1)],
                 "a checkpoint")
    trusted = tmp_path / "trusted.json"
    trusted.write_bytes(server.request("GET", "/api/v1/organizations/acme/checkpoints?limit=1", token=credentials["token"]).body)
    server.stop()
    yield server, credentials, serve, public, log, trusted
    server.stop()


def test_removing_the_newest_checkpoints_and_rewriting_what_they_covered_is_caught(signed):
    server, credentials, serve, public, log, trusted = signed
    assert verify(server, "--public-key", str(public)).returncode == 0

    # As the attack was made: the checkpoints after the first deleted, event 15 edited, every
    # hash after the first checkpoint recomputed as docs/INTEGRITY.md describes.
    with sqlite3.connect(server.database) as db:
        db.execute("DELETE FROM checkpoints WHERE organization_id = 'acme' AND sequence > 10")
        db.execute("UPDATE events SET details = 'Nothing to see' WHERE organization_id = 'acme' AND sequence = 15")
    rechain(server.database, "acme", 10)

    # The auditor's checkpoint, and the service's own log, say otherwise.
    for witness in (trusted, log):
        caught = verify(server, "--public-key", str(public), "--trusted-checkpoint", str(witness))
        assert caught.returncode == 1, caught.stdout
        assert "is not in the chain" in caught.stdout

    # Restarted with its key and its log, the service refuses to sign after what it signed.
    server.start(*serve)
    assert server.ingest(credentials["key"], [event("after")]).status == 201
    report = wait_for(lambda: server.request("GET", "/api/v1/organizations/acme/integrity",
                                             token=credentials["token"]).json()["signing_refused"], "a refusal")
    assert "gone from the database" in report["message"]
    assert [c["sequence"] for c in checkpoints(server, credentials["token"])] == [10]
    assert "refused to sign" in server.log_tail(200)
    integrity = server.request("GET", "/api/v1/organizations/acme/integrity", token=credentials["token"]).json()
    assert integrity["intact"] is False


def test_every_checkpoint_removed_and_the_chain_rewritten_is_caught(signed):
    server, credentials, serve, public, log, trusted = signed
    with sqlite3.connect(server.database) as db:
        db.execute("DELETE FROM checkpoints WHERE organization_id = 'acme'")
        db.execute("UPDATE events SET details = 'Nothing to see' WHERE organization_id = 'acme' AND sequence = 5")
    rechain(server.database, "acme", 0)
    # Stored seconds ago: older than a one-second allowance, and no checkpoint covers them.
    caught = verify(server, "--public-key", str(public), "--max-unsigned-age", "1")
    assert caught.returncode == 1, caught.stdout
    assert "no checkpoint covers any event" in caught.stdout
    assert verify(server, "--public-key", str(public), "--trusted-checkpoint", str(log)).returncode == 1


def test_a_retention_cut_forged_in_the_database_is_caught(signed):
    server, credentials, serve, public, log, trusted = signed
    with sqlite3.connect(server.database) as db:
        head = db.execute("SELECT head_hash FROM checkpoints WHERE organization_id = 'acme' AND sequence = 30").fetchone()[0]
        db.execute("UPDATE events SET details = 'Nothing to see' WHERE organization_id = 'acme' AND sequence = 23")
        db.execute("DELETE FROM events WHERE organization_id = 'acme' AND sequence = 22")
        db.execute("UPDATE organizations SET chain_base_sequence = 30, chain_base_hash = ? WHERE id = 'acme'", (head,))
    caught = verify(server, "--public-key", str(public))
    assert caught.returncode == 1, caught.stdout
    assert "no signed retention cut says so" in caught.stdout

    server.start(*serve)
    integrity = server.request("GET", "/api/v1/organizations/acme/integrity", token=credentials["token"]).json()
    assert integrity["intact"] is False
    assert "retention" in [problem["kind"] for problem in integrity["problems"]]


def test_every_signed_record_is_flushed_to_the_checkpoint_log(binary, tmp_path):
    """`serve --checkpoint-log`: each line is written in one append and flushed, as strace sees it."""
    strace = require_tool("strace", "apt-get install -y strace")
    server = Server(binary, tmp_path)
    credentials = server.set_up_acme()
    key, log, trace = tmp_path / "key.pem", tmp_path / "checkpoints.jsonl", tmp_path / "trace"
    subprocess.run([str(binary), "signing-key", "create", "--output", str(key)], capture_output=True, check=True)
    server.start("--signing-key", str(key), "--checkpoint-interval", "1", "--checkpoint-log", str(log),
                 wrapper=(strace, "-f", "-qq", "-y", "-e", "trace=fsync,fdatasync,write", "-e", "signal=none", "-o", str(trace)))
    for batch in range(2):
        assert server.ingest(credentials["key"], [event(f"e{batch}")]).status == 201
        wait_for(lambda: [c["sequence"] for c in checkpoints(server, credentials["token"])][:1] == [batch + 1], "a checkpoint")
    server.stop()
    lines = log.read_text().splitlines()
    assert [json.loads(line)["sequence"] for line in lines] == [1, 2]
    calls = [line for line in trace.read_text(errors="replace").splitlines() if f"<{log}>" in line]
    writes = [call for call in calls if " write(" in call or call.split(maxsplit=1)[-1].startswith("write(")]
    flushes = [call for call in calls if "fsync(" in call]
    # One write a line (so replicas' lines never interleave), each followed by a flush.
    assert len(writes) == 2, calls
    assert len(flushes) == 2, calls
    assert [("write" if call in writes else "fsync") for call in calls if call in writes or call in flushes] == \
        ["write", "fsync", "write", "fsync"], calls
