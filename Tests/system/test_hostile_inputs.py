"""Promise: hostile bodies and connections get a clear 4xx (or wait their turn), store nothing,
and leave the server answering everyone else.

How it is proven, against a started server, by hand-made requests a fuzzer does not make:
JSON nested 100,000 deep, a 4 MiB string, invalid UTF-8, NUL in strings, 10,000 events in one
batch and 10,000 targets in one event, duplicate keys, bodies that are not JSON under any
content type; after each, /health answers and the organization still has only the event it had.
Then the connection limit: with `--max-connections 2`, two idle connections hold both places,
a third client is not served until one of them goes.
"""
import json
import socket
import time

import pytest

from service import event, request

# Every case: (name, body bytes, content type, the status it must get).
CASES = [
    ("nested 100k deep", b"[" * 100_000 + b"]" * 100_000, "application/json", 400),
    ("a 4 MiB string", json.dumps(event("huge", details="x" * (4 << 20))).encode(), "application/json", 422),
    ("invalid UTF-8", b'{"action": "UserLogin", "occurred_at": "2026-11-30T10:00:00Z", "actor": {"id": "\xff\xfe", "type": "user"}}',
     "application/json", 400),
    ("NUL in an id", json.dumps(event("nul\u0000id")).encode(), "application/json", 422),
    ("10,000 events", json.dumps({"events": [event(f"many-{i}") for i in range(10_000)]}).encode(), "application/json", 422),
    ("10,000 targets", json.dumps(event("targets", targets=[{"type": "user", "id": f"u{i}"} for i in range(10_000)])).encode(),
     "application/json", 422),
    ("duplicate keys", b'{"action": "UserLogin", "action": "MemberInvited", "occurred_at": "2026-11-30T10:00:00Z", '
                       b'"actor": {"id": "u", "type": "user"}}', "application/json", 400),
    ("a form", b"action=UserLogin&actor=u", "application/x-www-form-urlencoded", 400),
    ("XML", b"<event><action>UserLogin</action></event>", "application/xml", 400),
    ("nothing", b"", "application/json", 400),
]


@pytest.mark.parametrize("name,body,content_type,status", CASES, ids=[case[0] for case in CASES])
def test_a_hostile_body_gets_a_clear_4xx_and_stores_nothing(acme, name, body, content_type, status):
    baseline = acme.ingest(acme.key, [event("before")])
    assert baseline.status == 201, baseline
    answer = acme.request("POST", "/api/v1/events", body=body, token=acme.key, headers={"Content-Type": content_type})
    assert answer.status == status, f"{name}: {answer}"
    assert answer.header("content-type") == "application/json; charset=utf-8", name
    error = answer.json()["error"]
    assert error["code"] and error["message"], name
    assert request(acme.port, "GET", "/health").status == 200
    assert acme.audit_log_ids(acme.token) == ["before"], f"{name} stored something"


def test_the_connection_limit_makes_a_third_client_wait_until_a_place_frees(make_server):
    server = make_server("limited")
    credentials = server.set_up_acme()
    server.start("--max-connections", "2")
    assert credentials
    holders = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(2)]
    time.sleep(0.3)
    with pytest.raises((TimeoutError, socket.timeout)):
        request(server.port, "GET", "/health", timeout=1.5)
    holders.pop().close()
    started = time.monotonic()
    assert request(server.port, "GET", "/health", timeout=10).status == 200
    assert time.monotonic() - started < 5
    for holder in holders:
        holder.close()
