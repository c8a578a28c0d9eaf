"""Promise: a log stream delivers every event of its organization to its receiver, in sequence
order, at least once, signed, through a receiver that goes away and comes back and through a
service that is SIGKILLed mid-delivery and restarted; the stream's state says where it stands.

How it is proven: a real receiver (Python's http.server on a loopback port) checks each
request's `X-AuditLogs-Signature` with the stream's secret and records the sequences of each
batch; it answers slowly (0.2 s), so that batches are in flight when the service dies. The
stream is made with `auditlogs stream add --stream-key`, so its secret is stored encrypted; the
service runs with that key and `--stream-allow-private` (the receiver is on loopback). Events are sent while the receiver is down, the receiver comes
up, the service is SIGKILLed once the receiver has accepted a batch and restarted, the receiver
goes down for a while again and comes back. At the end every sequence from the stream's first
(its own LogStreamCreated record) to the last is received; no batch skips ahead of what was
received before it (order); every signature is valid and one made with another secret is not;
`stream list` shows a lag of 0. Batches the receiver got twice (sent again after the kill) are
counted and reported: at least once allows them, and only around the kill may they occur.
"""
import hashlib
import hmac
import json
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from service import event, free_port


class Receiver:
    """An HTTP endpoint for a stream that records what it gets; stop() and start() take it down
    and bring it back on the same port."""

    def __init__(self, port: int, delay: float):
        self.port = port
        self.delay = delay
        self.secret: str | None = None
        self.batches: list[list[int]] = []
        self.signatures: list[tuple[str, bytes]] = []
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    def start(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    receiver.batches.append([item["sequence"] for item in json.loads(body)["events"]])
                    receiver.signatures.append((self.headers["X-AuditLogs-Signature"], body))
                time.sleep(receiver.delay)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *arguments):
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def received(self) -> set[int]:
        with self.lock:
            return {sequence for batch in self.batches for sequence in batch}

    def wait_for(self, sequences: set[int], within: float = 60):
        deadline = time.monotonic() + within
        while not sequences <= self.received():
            assert time.monotonic() < deadline, f"missing {sorted(sequences - self.received())[:10]}…"
            time.sleep(0.05)


def valid(header: str, secret: str, body: bytes, now: float) -> bool:
    fields = dict(part.split("=", 1) for part in header.split(","))
    expected = hmac.new(secret.encode(), f"{fields['t']}.".encode() + body, hashlib.sha256).hexdigest()
    return abs(now - int(fields["t"])) <= 300 and hmac.compare_digest(expected, fields["v1"])


def test_a_stream_delivers_everything_through_outages_and_a_kill(make_server, figures):
    server = make_server("streams")
    credentials = server.set_up_acme()
    receiver = Receiver(free_port(), delay=0.2)
    # The secret is stored encrypted with a stream key, as in production; every delivery opens it.
    key = server.directory / "stream.key"
    subprocess.run([str(server.binary), "stream-key", "create", "--output", str(key)], check=True, capture_output=True)
    added = server.cli("stream", "add", "--org", "acme", "--url", f"http://127.0.0.1:{receiver.port}/in", "--stream-key", str(key))
    receiver.secret = added[-1].strip()
    connection = server.read_only_database()
    try:
        (stored,) = connection.execute("SELECT secret FROM log_streams").fetchone()
    finally:
        connection.close()
    assert stored.startswith("sealed:v1:") and receiver.secret not in stored, stored
    serving = ("--stream-allow-private", "--stream-key", str(key))
    server.start(*serving)
    try:
        def send(first: int, count: int):
            for start in range(first, first + count, 250):
                batch = [event(f"e{index:05d}", actor=f"user_{index % 7}") for index in range(start, min(start + 250, first + count))]
                assert server.ingest(credentials["key"], batch).status == 201

        # The receiver is down: the events wait.
        send(0, 2_000)
        deadline = time.monotonic() + 30
        status = stream_status(server)
        while status["error"] == "none" and time.monotonic() < deadline:
            time.sleep(0.2)
            status = stream_status(server)
        assert status["error"] != "none", status
        assert receiver.received() == set()
        assert status["lag"] == "2001", status

        # It comes up; once a batch is accepted, the service dies mid-delivery.
        receiver.start()
        receiver.wait_for({1})
        server.kill()
        server.start(*serving)
        send(2_000, 1_000)

        # Restarted on the same port, the replica takes its stream back at once (its old lease
        # would otherwise hold it for 30 s). Then the receiver is down for a while, and back.
        receiver.wait_for({2_500}, within=15)
        receiver.stop()
        send(3_000, 1_000)
        time.sleep(1.0)
        receiver.start()

        everything = set(range(1, 4_002))
        receiver.wait_for(everything, within=90)
        status = wait_for_lag_zero(server)
        assert status["success"] != "never"

        # Order: no batch starts beyond what was received before it, and each is contiguous.
        highest = 0
        repeated = 0
        for batch in receiver.batches:
            assert batch == list(range(batch[0], batch[-1] + 1)), batch[:3]
            assert batch[0] <= highest + 1, (batch[0], highest)
            if batch[0] <= highest:
                repeated += 1
            highest = max(highest, batch[-1])
        assert receiver.received() == everything

        now = time.time()
        assert all(valid(header, receiver.secret, body, now) for header, body in receiver.signatures)
        assert not any(valid(header, receiver.secret + "x", body, now) for header, body in receiver.signatures)
        figures(f"{len(everything)} events in {len(receiver.batches)} batches; {repeated} batch(es) sent again after the kill")
    finally:
        receiver.stop()


def stream_status(server) -> dict:
    lines = server.cli("stream", "list", "--org", "acme")
    header, row = lines[0], lines[1]
    columns = ["ID", "FORMAT", "URL", "LAG", "LAST SUCCESS", "LAST ERROR"]
    starts = [header.index(name) for name in columns]
    cells = [row[start:end].strip() for start, end in zip(starts, starts[1:] + [len(row)])]
    return dict(zip(["id", "format", "url", "lag", "success", "error"], cells))


def wait_for_lag_zero(server, within: float = 30) -> dict:
    deadline = time.monotonic() + within
    while True:
        status = stream_status(server)
        if status["lag"] == "0":
            return status
        assert time.monotonic() < deadline, status
        time.sleep(0.2)
