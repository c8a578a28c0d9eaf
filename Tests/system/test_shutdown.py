"""Promises: on SIGTERM the service stops taking new connections, finishes the requests in flight
(and commits them), and exits with status 0 within 10 seconds; with `--drain-delay`, /readyz
answers 503 for that long first while requests are still served; with `--request-timeout`, a
client that sends its body too slowly gets 408 (or the connection closed) instead of holding
the server, which meanwhile keeps answering others.

How it is proven, with raw sockets so that the test controls every byte and moment:
- Twenty clients send whole ingest requests and one client sends the headers and half the body
  of another; an idle keep-alive connection is left open too. Once the server has accepted every
  one of these connections and read what was sent on it (seen in /proc/net/tcp: the server's
  end owns a socket and its receive queue is empty), SIGTERM. New connections are
  tried until they are refused (or closed unanswered), which must happen within 2 seconds. At
  least 1.5 s after the SIGTERM the slow client sends the rest of its body and must get its 201. All 21 events must be in the
  file, and the process must exit with 0 within 10 seconds of the SIGTERM.
- With `--drain-delay 3`, SIGTERM: /readyz must answer 503 within a second while /livez and an
  ingest still answer, connections must still be taken 2 s in, and refused by 10 s; exit 0.
- With `--request-timeout 2`, a client sends half a body and stalls: within a few seconds it
  must get 408 or see the connection closed, while /health keeps answering 200 to others.
"""
import http.client
import json
import signal
import socket
import subprocess
import threading
import time

from service import connections_read_by_server, event, request

IN_FLIGHT = 20


def raw_ingest(port: int, key: str, body: bytes) -> tuple[socket.socket, bytes]:
    """A connected socket and the request's head, for a caller that sends the body when it likes."""
    connection = socket.create_connection(("127.0.0.1", port), timeout=15)
    head = (f"POST /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {key}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    return connection, head


def read_answer(connection: socket.socket) -> tuple[int | None, bytes]:
    """(status, whole answer) of an HTTP/1.1 answer with a Content-Length; (None, b"") when closed unanswered."""
    received = b""
    try:
        while b"\r\n\r\n" not in received:
            chunk = connection.recv(65536)
            if not chunk:
                return None, received
            received += chunk
        head, _, rest = received.partition(b"\r\n\r\n")
        length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                       if line.lower().startswith(b"content-length:")), 0)
        while len(rest) < length:
            chunk = connection.recv(65536)
            if not chunk:
                break
            rest += chunk
        return int(head.split(b" ", 2)[1]), received
    except (ConnectionResetError, socket.timeout):
        return None, received


def served(port: int) -> bool:
    """True when a new connection to /health gets an HTTP answer."""
    try:
        return request(port, "GET", "/health", timeout=2).status > 0
    except (OSError, http.client.HTTPException):  # refused, reset, or closed unanswered
        return False


def test_sigterm_finishes_requests_in_flight_refuses_new_ones_and_exits_zero(acme, figures):
    port, key = acme.port, acme.key
    # An idle keep-alive connection, as browsers and pools leave them: it must not delay the exit.
    idle = socket.create_connection(("127.0.0.1", port), timeout=15)
    idle.sendall(f"GET /health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
    assert read_answer(idle)[0] == 200

    slow_body = json.dumps(event("shutdown-slow", details="sent in two halves around SIGTERM")).encode()
    slow, head = raw_ingest(port, key, slow_body)
    slow.sendall(head + slow_body[: len(slow_body) // 2])

    answers: dict[int, int | None] = {}
    client_ports: dict[int, int] = {}
    all_sent = threading.Barrier(IN_FLIGHT + 1, timeout=30)

    def client(index: int):
        body = json.dumps(event(f"shutdown-{index:02d}", actor=f"user_{index}")).encode()
        connection, request_head = raw_ingest(port, key, body)
        client_ports[index] = connection.getsockname()[1]
        try:
            connection.sendall(request_head + body)
            all_sent.wait()
            answers[index] = read_answer(connection)[0]
        finally:
            connection.close()

    clients = [threading.Thread(target=client, args=(index,), daemon=True) for index in range(IN_FLIGHT)]
    for thread in clients:
        thread.start()
    all_sent.wait()
    # In flight means the server took the connection and read what was sent (or answered already).
    waiting = {*client_ports.values(), slow.getsockname()[1]}
    deadline = time.monotonic() + 10
    while waiting and time.monotonic() < deadline:
        waiting -= connections_read_by_server(port, waiting)
        waiting -= {client_ports[index] for index in list(answers)}
        time.sleep(0.01)
    assert not waiting, f"the server did not take {len(waiting)} connections within 10 s, before any SIGTERM"
    acme.signal(signal.SIGTERM)
    terminated_at = time.monotonic()

    refused_after = None
    while time.monotonic() - terminated_at < 2:
        if not served(port):
            refused_after = time.monotonic() - terminated_at
            break
        time.sleep(0.05)
    still_served = [served(port) for _ in range(3)] if refused_after is not None else []

    # The slow client takes its time: the server has to keep its request alive meanwhile.
    time.sleep(max(0.0, 1.5 - (time.monotonic() - terminated_at)))
    slow.sendall(slow_body[len(slow_body) // 2:])
    slow_status, slow_answer = read_answer(slow)
    slow.close()
    for thread in clients:
        thread.join(15)

    try:
        exit_status = acme.process.wait(max(0.1, 10 - (time.monotonic() - terminated_at)))
    except subprocess.TimeoutExpired:
        exit_status = "still running"
    exited_after = time.monotonic() - terminated_at
    idle.close()

    figures(f"new connections refused {refused_after if refused_after is None else f'{refused_after:.2f} s'} "
            f"after SIGTERM; exit {exit_status} after {exited_after:.2f} s; slow request {slow_status}; "
            f"in-flight answers {sorted(set(answers.values()), key=str)}")
    assert sorted(answers) == list(range(IN_FLIGHT)), "some in-flight clients got no answer at all"
    assert all(status == 201 for status in answers.values()), f"in-flight requests not acknowledged: {answers}"
    assert slow_status == 201, f"the request in flight during SIGTERM got {slow_status}: {slow_answer[:300]!r}"
    assert refused_after is not None, "new connections were still served 2 s after SIGTERM"
    assert not any(still_served), "new connections were served again after being refused"
    assert exit_status == 0, f"exit status {exit_status!r} {exited_after:.1f} s after SIGTERM:\n{acme.log_tail()}"

    connection = acme.read_only_database()
    try:
        stored = {row[0] for row in connection.execute("SELECT event_id FROM events")}
    finally:
        connection.close()
    expected = {"shutdown-slow", *(f"shutdown-{index:02d}" for index in range(IN_FLIGHT))}
    assert expected <= stored, f"acknowledged before exit but not stored: {sorted(expected - stored)}"


def test_with_a_drain_delay_readiness_fails_first_while_requests_are_still_served(make_server, figures):
    server = make_server("drain")
    key = server.set_up_acme()["key"]
    server.start("--drain-delay", "3")
    assert request(server.port, "GET", "/readyz").status == 200
    server.signal(signal.SIGTERM)
    terminated_at = time.monotonic()

    ready = request(server.port, "GET", "/readyz", timeout=2)
    while ready.status == 200 and time.monotonic() - terminated_at < 1:
        time.sleep(0.02)
        ready = request(server.port, "GET", "/readyz", timeout=2)
    not_ready_after = time.monotonic() - terminated_at
    live = request(server.port, "GET", "/livez", timeout=2).status
    ingested = request(server.port, "POST", "/api/v1/events", body=json.dumps(event("while-draining")).encode(),
                       headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"}, timeout=5).status
    time.sleep(max(0.0, 2 - (time.monotonic() - terminated_at)))
    served_at_two = served(server.port)
    refused_after = None
    while time.monotonic() - terminated_at < 10:
        if not served(server.port):
            refused_after = time.monotonic() - terminated_at
            break
        time.sleep(0.05)
    try:
        exit_status = server.process.wait(max(0.1, 15 - (time.monotonic() - terminated_at)))
    except subprocess.TimeoutExpired:
        exit_status = "still running"

    figures(f"/readyz 503 {not_ready_after:.2f} s after SIGTERM; new connections refused after "
            f"{refused_after if refused_after is None else f'{refused_after:.2f} s'}; exit {exit_status}")
    assert ready.status == 503 and json.loads(ready.body) == {"status": "draining"}, f"/readyz answered {ready.status}"
    assert live == 200 and ingested == 201, f"while draining: /livez {live}, ingest {ingested}"
    assert served_at_two, "connections were refused before --drain-delay passed"
    assert refused_after is not None and refused_after >= 2.5, f"new connections refused after {refused_after}"
    assert exit_status == 0, f"exit status {exit_status!r}:\n{server.log_tail()}"


def test_a_client_that_stalls_its_body_gets_408_and_does_not_hold_the_server(make_server, figures):
    server = make_server("request-timeout")
    key = server.set_up_acme()["key"]
    server.start("--request-timeout", "2")

    body = json.dumps(event("stalled-body")).encode()
    stalled, head = raw_ingest(server.port, key, body)
    stalled.sendall(head + body[: len(body) // 2])
    started = time.monotonic()

    health: list[tuple[int | None, float]] = []
    stop = threading.Event()

    def poll_health():
        while not stop.is_set():
            asked = time.monotonic()
            try:
                status = request(server.port, "GET", "/health", timeout=6).status
            except (OSError, http.client.HTTPException):
                status = None
            health.append((status, time.monotonic() - asked))
            time.sleep(0.2)

    poller = threading.Thread(target=poll_health, daemon=True)
    poller.start()
    stalled.settimeout(8)
    status, answer = read_answer(stalled)
    ended_after = time.monotonic() - started
    # The connection must be closed after the answer too.
    try:
        closed = stalled.recv(1) == b""
    except (ConnectionResetError, socket.timeout, OSError):
        closed = True
    stalled.close()
    time.sleep(0.5)
    stop.set()
    poller.join(10)

    figures(f"stalled body ended after {ended_after:.2f} s with {status or 'the connection closed'}; "
            f"{len(health)} /health checks meanwhile, slowest {max(t for _, t in health):.2f} s")
    # Bounds with room for a loaded machine; a stalled body that held its connection, or an
    # event loop it blocked, would still be far past them.
    assert ended_after < 10, f"a stalled body held its connection {ended_after:.1f} s with --request-timeout 2"
    assert status in (408, None), f"a stalled body got {status}: {answer[:300]!r}"
    assert closed, "the connection stayed open after the request timed out"
    assert health and all(code == 200 for code, _ in health), f"/health failed meanwhile: {health}"
    assert max(seconds for _, seconds in health) < 3, f"/health was slow meanwhile: {health}"
    connection = server.read_only_database()
    try:
        assert connection.execute("SELECT count(*) FROM events WHERE event_id = 'stalled-body'").fetchone() == (0,)
    finally:
        connection.close()
