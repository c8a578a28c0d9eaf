"""Promise: no key, secret or password appears in anything the service or its command prints, at
any log level, `trace` included; and nothing a receiver answers can split a log line or reach
the operator's terminal.

How it is proven, on SQLite and on PostgreSQL (whose driver logs at `trace` what it sends and
receives; the database's password, if its URL has one, is looked for too), and on SQLite again
with every log line written as JSON (`AUDITLOGS_LOG_FORMAT=json`): `auditlogs serve`
runs at `LOG_LEVEL=trace` with every key it takes (a signing
key, a stream key and the key it replaced), and every feature is used against it: members made
with passwords on standard input, sign-in (and one with a wrong password), ingest and read keys,
personal and session tokens, lists, CSV and JSON Lines exports with their signed manifests, the
feed, checkpoints signed in the background (every second) and on demand, a log stream sealed with
the previous key delivered to a local receiver (and sealed again with the new key), a stream made
over the API, one whose receiver refuses every batch with an answer that echoes the stream's
token with terminal escapes and a line break, retention set and applied (by the service every
second and by the command), `verify` and `verify-export`. Every command also runs at `trace`.

Then each secret is looked for, in every form a program prints bytes in — hex (both cases),
base64 (standard and URL-safe, padded or not), a decimal array (`[12, 34, …]`, with and without
spaces, and its first eight numbers) and PEM — in the server's standard output and error and in
each command's; only the secret a command exists to show (`key create` its key, `stream add`
its secret) may be in that command's output. The server's log has no escape character, and the
receiver's fake line does not start a line.
"""
import base64
import hashlib
import hmac
import json
import os
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from service import create_postgres_database, event, free_port

TRACE = {"LOG_LEVEL": "trace"}


class Receiver:
    """A stream's endpoint on loopback: records the batches whose signature holds, or refuses every
    one (`refuse`) with a 500 that echoes the request's Authorization header and hostile text."""

    def __init__(self, refuse: bool = False):
        self.port = free_port()
        self.refuse = refuse
        self.secrets: dict[str, str] = {}  # path → the secret of the stream posting there
        self.sequences: set[int] = set()
        self.requests = 0
        self.bad_signatures = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    receiver.requests += 1
                if receiver.refuse:
                    answer = f"\x1b[31mrefused {self.headers.get('Authorization')}\x1b[0m\nfake line: all good".encode()
                    self.send_response(500)
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                    return
                fields = dict(part.split("=", 1) for part in self.headers["X-AuditLogs-Signature"].split(","))
                secret = receiver.secrets[self.path].encode()
                expected = hmac.new(secret, f"{fields['t']}.".encode() + body, hashlib.sha256).hexdigest()
                with receiver.lock:
                    if hmac.compare_digest(expected, fields["v1"]):
                        receiver.sequences |= {item["sequence"] for item in json.loads(body)["events"]}
                    else:
                        receiver.bad_signatures += 1
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *arguments):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def forms(data: bytes, partial: bool = True) -> set[str]:
    """`data` as programs print bytes: hex, base64 (standard and URL-safe, padded or not), a
    decimal array with and without spaces, and (`partial`) the first eight numbers of one."""
    standard = base64.b64encode(data).decode()
    url_safe = base64.urlsafe_b64encode(data).decode()
    numbers = [str(byte) for byte in data]
    found = {
        data.hex(), data.hex().upper(), standard, standard.rstrip("="), url_safe, url_safe.rstrip("="),
        "[" + ", ".join(numbers) + "]", "[" + ",".join(numbers) + "]",
    }
    return found | ({", ".join(numbers[:8]), ",".join(numbers[:8])} if partial else set())


def text_forms(secret: str) -> set[str]:
    """A secret typed or generated as text: itself, its bytes in every form, and for our own
    `alk_…` secrets the random bytes its base64url part stands for."""
    found = {secret} | forms(secret.encode())
    prefix, _, rest = secret.partition("_")
    if prefix in ("alk", "alr", "alt", "als", "alh") and rest:
        found |= forms(base64.urlsafe_b64decode(rest + "=" * (-len(rest) % 4)))
    return found


def pem_forms(pem: str) -> set[str]:
    """A PEM private key: the whole file, its body, each line of it, and the 32-byte seed."""
    lines = [line for line in pem.strip().splitlines() if not line.startswith("-----")]
    der = base64.b64decode("".join(lines))
    # The DER's first bytes are the same for every Ed25519 key: only the whole of it is secret.
    return {pem.strip(), "".join(lines), *lines} | forms(der, partial=False) | forms(der[-32:])


def leaks(output: str, secrets: dict[str, set[str]], allowed: str | None = None) -> list[str]:
    """Which secrets (by name) appear in `output`, in which form; `allowed` is taken out first."""
    if allowed:
        output = output.replace(allowed, "")
    return [f"{name} as {form!r}" for name, found in secrets.items() for form in sorted(found) if form in output]


@pytest.mark.parametrize("backend,log_format", [("sqlite", "text"), ("postgres", "text"), ("sqlite", "json")])
def test_no_secret_reaches_a_log_or_a_terminal_at_trace(make_server, backend, log_format):
    # On PostgreSQL its driver logs at trace too: what it sends and receives. In JSON, every
    # metadata value is a field of its own: none may hold a secret either.
    TRACE = {"LOG_LEVEL": "trace", "AUDITLOGS_LOG_FORMAT": log_format}
    server = make_server("secrets", database=create_postgres_database("secrets") if backend == "postgres" else None)
    directory = server.directory
    outputs: list[tuple[str, str, str | None]] = []  # (command, what it printed, the secret it shows)

    def cli(*arguments: str, shows: str | None = None, input: str | None = None, database: bool = True):
        finished = server.cli_run(*arguments, input=input, environment=TRACE, database=database)
        outputs.append((" ".join(arguments), finished.stdout + finished.stderr, shows))
        return finished.stdout.strip().splitlines()

    def created(*arguments: str) -> str:
        """A command that prints one new secret on its last line; that secret."""
        finished = server.cli_run(*arguments, environment=TRACE)
        secret = finished.stdout.strip().splitlines()[-1].strip()
        outputs.append((" ".join(arguments), finished.stdout + finished.stderr, secret))
        return secret

    # Keys, each made by the command (which must not print the private half).
    signing_key, stream_key, previous_stream_key = directory / "signing.pem", directory / "stream.key", directory / "previous.key"
    cli("signing-key", "create", "--output", str(signing_key), database=False)
    cli("stream-key", "create", "--output", str(previous_stream_key), database=False)
    cli("stream-key", "create", "--output", str(stream_key), database=False)
    public_key = directory / "signing.pub"
    public_key.write_text(server.cli_run("signing-key", "public", "--signing-key", str(signing_key), database=False).stdout)

    admin_password, member_password, new_password, wrong_password = (
        "admin-pässword-7f3a91", "member-password-c2d8e4", "changed-password-5b6a0f", "wrong-password-a1b2c3d4")
    cli("org", "create", "--id", "acme", "--name", "Acme")
    cli("member", "add", "--org", "acme", "--email", "ada@acme.test", "--name", "Ada", "--role", "admin",
        "--password-stdin", input=admin_password + "\n")
    cli("member", "add", "--org", "acme", "--email", "bob@acme.test", "--name", "Bob", "--role", "member",
        "--password-stdin", input=member_password + "\n")
    cli("member", "password", "--email", "bob@acme.test", "--password-stdin", input=new_password + "\n")
    ingest_key = created("key", "create", "--org", "acme")
    read_key = created("key", "create", "--org", "acme", "--scope", "read")
    personal_token = created("token", "create", "--email", "ada@acme.test")

    # A stream sealed with the key the service's replaced, with a secret and a token from files.
    receiver, refusing = Receiver(), Receiver(refuse=True)
    stream_secret, stream_token = "whsec-delivered-9d8c7b6a5f", "bearer-delivered-4e3d2c1b"
    failing_secret, failing_token = "whsec-refused-0a1b2c3d4e", "bearer-refused-5f6e7d8c"
    for name, value in [("secret", stream_secret), ("token", stream_token), ("failing-secret", failing_secret),
                        ("failing-token", failing_token)]:
        (directory / name).write_text(value + "\n")
        (directory / name).chmod(0o600)
    cli("stream", "add", "--org", "acme", "--url", f"http://127.0.0.1:{receiver.port}/in", "--stream-key",
        str(previous_stream_key), "--secret-file", str(directory / "secret"), "--token-file", str(directory / "token"),
        shows=stream_secret)
    receiver.secrets["/in"] = stream_secret
    cli("stream", "add", "--org", "acme", "--url", f"http://127.0.0.1:{refusing.port}/in", "--stream-key", str(stream_key),
        "--secret-file", str(directory / "failing-secret"), "--token-file", str(directory / "failing-token"),
        shows=failing_secret)

    server.start("--signing-key", str(signing_key), "--stream-key", str(stream_key), "--previous-stream-key",
                 str(previous_stream_key), "--checkpoint-interval", "1", "--retention-interval", "1",
                 "--stream-allow-private", "--operator-port", str(free_port()), environment=TRACE)
    try:
        assert server.request("POST", "/api/v1/sessions", {"email": "ada@acme.test", "password": wrong_password}).status == 401
        session = server.sign_in("ada@acme.test", admin_password)
        member_session = server.sign_in("bob@acme.test", new_password)
        assert server.ingest(ingest_key, [event(f"k{index}", actor=f"user_{index}") for index in range(20)]).status == 201
        assert server.ingest(read_key, [event("refused")]).status == 403

        api_secret, api_token = "whsec-over-the-api-1a2b3c4d", "bearer-over-the-api-5e6f7a8b"
        receiver.secrets["/api"] = api_secret
        made = server.request("POST", "/api/v1/organizations/acme/streams",
                              {"url": f"http://127.0.0.1:{receiver.port}/api", "format": "json", "secret": api_secret,
                               "token": api_token}, token=session)
        assert made.status == 201, made

        for token in (session, personal_token):
            assert server.request("GET", "/api/v1/organizations/acme/audit-logs?limit=5", token=token).status == 200
        assert server.request("GET", "/api/v1/organizations/acme/audit-logs", token=member_session).status == 403
        assert server.request("GET", "/api/v1/organizations/acme/events/feed?after=0", token=read_key).status == 200
        assert server.request("GET", "/api/v1/organizations/acme/streams", token=session).status == 200
        for export in ("export.csv", "export.jsonl"):
            answer = server.request("GET", f"/api/v1/organizations/acme/audit-logs/{export}", token=read_key)
            assert answer.status == 200, answer
            manifest = server.request("GET", f"/api/v1/organizations/acme/exports/{answer.header('x-export-id')}/manifest.json",
                                      token=session)
            assert manifest.status == 200, manifest
        assert server.request("POST", "/api/v1/organizations/acme/checkpoints", token=session).status in (200, 201)
        assert server.request("PUT", "/api/v1/organizations/acme/retention", {"days": 3650}, token=session).status == 200
        assert server.request("GET", "/api/v1/organizations/acme/integrity", token=session).status == 200

        # Checkpoints signed in the background; both streams' events reach the receiver, signed,
        # and the refusing receiver has been tried.
        deadline = time.monotonic() + 60
        while True:
            checkpoints = server.request("GET", "/api/v1/organizations/acme/checkpoints", token=session).json()["data"]
            # Sequences 1-22: the two streams' creation records (from the command) and the 20 events.
            if checkpoints and set(range(1, 23)) <= receiver.sequences and refusing.requests >= 2:
                break
            assert time.monotonic() < deadline, (checkpoints, receiver.sequences, refusing.requests, server.log_tail())
            time.sleep(0.1)
        assert receiver.bad_signatures == 0

        stream_list = cli("stream", "list", "--org", "acme")
        # A tenant sees the kind of failure only; the receiver's words are the operator's.
        assert any("the receiver answered 500" in line for line in stream_list), stream_list
        assert not any("fake line" in line for line in stream_list), stream_list
        cli("key", "list", "--org", "acme")
        cli("token", "list", "--email", "ada@acme.test")
        cli("retention", "set", "--org", "acme", "--days", "365")
        cli("retention", "apply", "--signing-key", str(signing_key))
        cli("checkpoint", "--org", "acme", "--signing-key", str(signing_key))
        for format in ("csv", "jsonl"):
            manifest = directory / f"export.{format}.manifest.json"
            exported = directory / f"export.{format}"
            # Bytes as they are: a CSV's lines end in CRLF, which text mode would change.
            finished = subprocess.run(
                [str(server.binary), "export", "--database", str(server.database), "--org", "acme", "--format", format,
                 "--manifest", str(manifest), "--signing-key", str(signing_key)],
                capture_output=True, timeout=120, env={**os.environ, **TRACE})
            assert finished.returncode == 0, finished.stderr
            outputs.append((f"export {format}", finished.stderr.decode(), None))
            exported.write_bytes(finished.stdout)
            verified = server.cli_run("verify-export", str(exported), str(manifest), "--public-key", str(public_key),
                                      environment=TRACE, database=False)
            outputs.append((f"verify-export {format}", verified.stdout + verified.stderr, None))
        cli("verify", "--org", "acme", "--signing-key", str(signing_key))
        cli("verify", "--org", "acme", "--public-key", str(public_key))
    finally:
        assert server.stop() == 0
        receiver.stop()
        refusing.stop()

    log = server.log_path.read_text()
    assert "Starting service lifecycle" in log, "the trace log was not written"
    assert (' trace ' if log_format == "text" else '"level":"trace"') in log
    secrets = {
        **({"the database's password": text_forms(urlsplit(str(server.database)).password)}
           if backend == "postgres" and urlsplit(str(server.database)).password else {}),
        "the signing key": pem_forms(signing_key.read_text()),
        "the stream key": forms(base64.b64decode(stream_key.read_text().strip())),
        "the previous stream key": forms(base64.b64decode(previous_stream_key.read_text().strip())),
        **{name: text_forms(value) for name, value in [
            ("the ingest key", ingest_key), ("the read key", read_key), ("the personal token", personal_token),
            ("the admin's session", session), ("the member's session", member_session),
            ("the admin's password", admin_password), ("the member's first password", member_password),
            ("the member's new password", new_password), ("a wrong password", wrong_password),
            ("the stream's secret", stream_secret), ("the stream's token", stream_token),
            ("the refused stream's secret", failing_secret), ("the refused stream's token", failing_token),
            ("the API stream's secret", api_secret), ("the API stream's token", api_token),
        ]},
    }
    problems = [f"serve's output holds {leak}" for leak in leaks(log, secrets)]
    for command, output, shows in outputs:
        problems += [f"`auditlogs {command}` printed {leak}" for leak in leaks(output, secrets, allowed=shows)]
    assert not problems, "\n".join(problems)

    # The refusing receiver's answer is in the log, escaped: one line, no escape character.
    assert "\x1b" not in log
    assert not any(line.startswith("fake line") for line in log.splitlines())
    escaped_answer = "\\u{1B}[31mrefused Bearer <redacted>\\u{1B}[0m\\nfake line: all good"
    if log_format == "json":
        # Each line one object; the answer is a value in one of them, as the text form has it.
        def texts(value):
            if isinstance(value, dict):
                return [text for item in value.values() for text in texts(item)]
            return [value] if isinstance(value, str) else []
        values = [text for line in log.splitlines() if line.startswith("{") for text in texts(json.loads(line))]
        assert any(escaped_answer in value for value in values), server.log_tail()
    else:
        assert escaped_answer in log, server.log_tail()
