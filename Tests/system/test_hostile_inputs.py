"""Promise: hostile bodies and connections get a clear 4xx (or wait their turn), store nothing,
and leave the server answering everyone else.

How it is proven, against a started server, by hand-made requests a fuzzer does not make:
JSON nested 100,000 deep, a 4 MiB string, invalid UTF-8, NUL in strings, 10,000 events in one
batch and 10,000 targets in one event, duplicate keys, bodies that are not JSON under any
content type; after each, /health answers and the organization still has only the event it had.
Then the connection limit: with `--max-connections 2`, two idle connections hold both places,
a third client is not served until one of them goes. And broken HTTP framing, sent from a raw
socket to ingestion and sign-in: a chunk size that is not hexadecimal, and fewer bytes than
`Content-Length` before the client stops sending, each get a 400 in the JSON error shape — never
a 500 — and leave no error line in the server's log.
"""
import json
import re
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


def raw_exchange(port: int, data: bytes, half_close: bool) -> bytes:
    """Sends `data` on a fresh connection, half-closes it when told, reads until the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(data)
        if half_close:
            connection.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
        return received


def parse_answer(received: bytes) -> tuple[int, dict[str, str], bytes, bytes]:
    """Status, headers, body (by Content-Length) and whatever bytes followed the answer."""
    head, _, rest = received.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip() for name, value in (line.split(":", 1) for line in lines[1:])}
    length = int(headers["content-length"])
    return int(lines[0].split()[1]), headers, rest[:length], rest[length:]


FRAMINGS = [
    ("a chunk size that is not hexadecimal", "Transfer-Encoding: chunked", b"zz\r\n{}\r\n0\r\n\r\n", False, "malformed_body"),
    ("fewer bytes than Content-Length", "Content-Length: 100", b'{"action": ', True, "incomplete_body"),
]


@pytest.mark.parametrize("path", ["/api/v1/events", "/api/v1/sessions"])
@pytest.mark.parametrize("name,framing,body,half_close,code", FRAMINGS, ids=[framing[0] for framing in FRAMINGS])
def test_a_body_with_broken_framing_gets_a_400_and_no_error_line(acme, path, name, framing, body, half_close, code):
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {acme.key}\r\n"
            f"Content-Type: application/json\r\n{framing}\r\n\r\n").encode()
    status, headers, answer, rest = parse_answer(raw_exchange(acme.port, head + body, half_close))
    assert status == 400, f"{name} on {path}: HTTP {status} {answer!r}"
    assert headers.get("content-type") == "application/json; charset=utf-8", headers
    assert json.loads(answer)["error"]["code"] == code, answer
    assert rest == b"", f"more followed the answer: {rest!r}"
    assert request(acme.port, "GET", "/health").status == 200
    errors = [line for line in acme.log_path.read_text(errors="replace").splitlines() if re.match(r"^\S+ (error|critical) ", line)]
    assert errors == [], "\n".join(errors)
    assert acme.audit_log_ids(acme.token) == [], "something was stored"
