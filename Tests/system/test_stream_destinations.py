"""Promise: a log stream never reaches the service's own host, even through a public address of
one of its interfaces, and a stream's `last_error` never carries the receiver's answer.

How it is proven: in a network namespace of its own whose interface holds public addresses
(203.0.114.7/24 and 2a0f:9400::7/64 on a veth pair; outside the documentation ranges, which the
guard refuses anyway), as on a machine with a public address, the test runs the service and a
receiver that listens on 203.0.114.7 and answers every request 500 with a body holding a
"secret", terminal escapes and a newline. The test process joins the namespace (setns), so
that the service it starts and the sockets it opens live there. `ip` (iproute2) and root are
needed; under CI=true their absence fails the test.

1. Without `--stream-allow-private`, an admin's stream to 203.0.114.7, to its IPv4-mapped IPv6
   form or to the IPv6 address is refused when created (422) and, added with the CLI, at
   delivery: `last_error` says "the receiver's address is not public (refused)" in the API and
   in `stream list`, the receiver gets no request, and the service's log names the address.
2. With `--stream-allow-private` the receiver is reached: `last_error` says "the receiver
   answered 500" and nothing of the body, in the API and in `stream list`; the service's log has
   the body with its control characters escaped (no ESC byte, no line it forged).
"""
import ctypes
import os
import subprocess
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from service import free_port, missing, require_tool

ADDRESS = "203.0.114.7"
ADDRESS6 = "2a0f:9400::7"
ANSWER = b"internal-secret \x1b]0;owned\x07\x1b[2J\nforged: log line\n"
REFUSED = "the receiver's address is not public (refused)"
CLONE_NEWNET = 0x40000000


@pytest.fixture
def namespace():
    """A network namespace with loopback up and a veth pair holding the public addresses."""
    ip = require_tool("ip", "apt-get install iproute2")
    name = f"auditlogs-streams-{os.getpid()}"
    created = subprocess.run([ip, "netns", "add", name], capture_output=True, text=True)
    if created.returncode != 0:
        missing(f"cannot create a network namespace: {created.stderr.strip()} (the test needs root)")
    try:
        for command in [
            ["link", "set", "lo", "up"],
            ["link", "add", "public0", "type", "veth", "peer", "name", "public1"],
            ["addr", "add", f"{ADDRESS}/24", "dev", "public0"],
            ["addr", "add", f"{ADDRESS6}/64", "dev", "public0", "nodad"],
            ["link", "set", "public0", "up"],
            ["link", "set", "public1", "up"],
        ]:
            subprocess.run([ip, "-n", name, *command], check=True, capture_output=True, text=True)
        yield name
    finally:
        subprocess.run([ip, "netns", "del", name], capture_output=True)


@contextmanager
def inside(namespace: str):
    """This thread in `namespace` (and so every process and socket it makes), then back."""
    libc = ctypes.CDLL(None, use_errno=True)
    original = os.open("/proc/self/ns/net", os.O_RDONLY)
    target = os.open(f"/run/netns/{namespace}", os.O_RDONLY)
    try:
        if libc.setns(target, CLONE_NEWNET) != 0:
            missing(f"cannot join the network namespace: {os.strerror(ctypes.get_errno())}")
        yield
    finally:
        assert libc.setns(original, CLONE_NEWNET) == 0, os.strerror(ctypes.get_errno())
        os.close(target)
        os.close(original)


class Receiver:
    """Answers every POST 500 with ANSWER, and counts them."""

    def __init__(self, address: str, port: int):
        self.requests = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.requests += 1
                self.send_response(500)
                self.send_header("Content-Length", str(len(ANSWER)))
                self.end_headers()
                self.wfile.write(ANSWER)

            def log_message(self, *arguments):
                pass

        self.server = ThreadingHTTPServer((address, port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def streams(server, token: str) -> list[dict]:
    answer = server.request("GET", "/api/v1/organizations/acme/streams", token=token)
    assert answer.status == 200, answer
    assert b"internal-secret" not in answer.body, answer
    return answer.json()["data"]


def wait_for_error(server, token: str, expected: str, within: float = 30) -> dict:
    deadline = time.monotonic() + within
    while True:
        (stream,) = streams(server, token)
        if stream["last_error"] == expected or time.monotonic() > deadline:
            return stream
        time.sleep(0.1)


def listed_error(server) -> str:
    """The LAST ERROR cell of `stream list`: its time, then the error."""
    lines = server.cli("stream", "list", "--org", "acme")
    assert not any("internal-secret" in line for line in lines), lines
    header, row = lines[0], lines[1]
    return row[header.index("LAST ERROR"):].split(" ", 1)[1]


def test_the_hosts_own_public_address_is_refused_and_answers_never_reach_last_error(make_server, namespace):
    with inside(namespace):
        server = make_server("streams")
        credentials = server.set_up_acme()
        token = credentials["token"]
        port = free_port()
        receiver = Receiver(ADDRESS, port)
        try:
            server.start()
            # 1. Refused when created, whichever form of the address is asked for.
            for host in [ADDRESS, f"[::ffff:{ADDRESS}]", f"[{ADDRESS6}]"]:
                answer = server.request(
                    "POST", "/api/v1/organizations/acme/streams", {"url": f"http://{host}:{port}/in"}, token=token)
                assert answer.status == 422, (host, answer)
                assert answer.json()["error"]["details"] == [{"field": "url", "message": REFUSED}], answer
            assert streams(server, token) == []

            # ... and at every delivery, for a stream the operator's CLI added.
            server.cli("stream", "add", "--org", "acme", "--url", f"http://{ADDRESS}:{port}/in")
            stream = wait_for_error(server, token, REFUSED)
            assert stream["last_error"] == REFUSED, stream
            assert listed_error(server) == REFUSED
            assert receiver.requests == 0
            server.stop()
            log = server.log_path.read_text(errors="replace")
            assert f"{ADDRESS}, one of this host's own addresses" in log, server.log_tail()

            # 2. Allowed by the operator: the receiver is reached, and its answer stays in the log.
            server.start("--stream-allow-private")
            stream = wait_for_error(server, token, "the receiver answered 500")
            assert stream["last_error"] == "the receiver answered 500", stream
            assert listed_error(server) == "the receiver answered 500"
            assert receiver.requests >= 1
            server.stop()
            log = server.log_path.read_bytes()
            assert rb"internal-secret \u{1B}]0;owned\u{7}\u{1B}[2J\nforged: log line\n" in log, server.log_tail()
            assert b"\x1b" not in log and b"\x07" not in log
            assert not any(line.startswith(b"forged") for line in log.splitlines())
        finally:
            receiver.stop()
            server.kill()
