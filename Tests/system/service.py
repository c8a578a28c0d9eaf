"""Drive a real `auditlogs` from outside: a temporary database, accounts made with the command,
`auditlogs serve` on a free 127.0.0.1 port, and plain HTTP (http.client, raw sockets).

Nothing here knows the server's code: the tests only see what a client, an operator or the
files on disk see.
"""
from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
IN_CI = os.environ.get("CI") == "true"

ADMIN_EMAIL = "a@acme.test"
ADMIN_PASSWORD = "long-password-1"
MEMBER_EMAIL = "m@acme.test"
MEMBER_PASSWORD = "long-password-2"


def missing(reason: str):
    """A prerequisite is absent: fail under CI (nothing may skip there), skip locally."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: system tests may not be skipped)", pytrace=False)
    pytest.skip(reason)


def require_tool(name: str, install: str) -> str:
    """The path of a command-line tool the test needs; `install` says how to get it."""
    path = shutil.which(name)
    if not path:
        missing(f"{name} is not installed ({install})")
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rfc3339(moment: datetime | None = None) -> str:
    moment = moment or datetime.now(timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def event(event_id: str | None, action: str = "UserLogin", actor: str | dict = "user_1", **fields) -> dict:
    """A valid event that happened a minute ago; `actor` is an id or the whole actor; `fields` are added as they are."""
    body = {
        "action": action,
        "occurred_at": rfc3339(datetime.now(timezone.utc) - timedelta(minutes=1)),
        "actor": actor if isinstance(actor, dict) else {"id": actor, "type": "user"},
    }
    if event_id is not None:
        body["id"] = event_id
    body.update(fields)
    return body


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def __str__(self):
        return f"HTTP {self.status} {self.body[:500]!r}"

    __repr__ = __str__


def answer_of(response: http.client.HTTPResponse) -> Answer:
    body = response.read()
    return Answer(response.status, {name.lower(): value for name, value in response.getheaders()}, body)


def request(port: int, method: str, path: str, body=None, token: str | None = None,
            headers: dict | None = None, timeout: float = 30) -> Answer:
    """One request on a fresh connection; `body` may be bytes or JSON-able."""
    headers = dict(headers or {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if body is not None and not isinstance(body, (bytes, bytearray)):
        body = json.dumps(body).encode()
        headers.setdefault("Content-Type", "application/json")
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers)
        return answer_of(connection.getresponse())
    finally:
        connection.close()


class Client:
    """One keep-alive connection, reopened after an error; for the load test's clients."""

    def __init__(self, port: int, timeout: float = 30):
        self.port = port
        self.timeout = timeout
        self.connection: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> Answer:
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            self.connection.request(method, path, body=body, headers=headers or {})
            return answer_of(self.connection.getresponse())
        except Exception:
            self.close()
            raise

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def descendants(pid: int) -> list[int]:
    """The processes below `pid`, children first."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def connections_read_by_server(server_port: int, client_ports: set[int]) -> set[int]:
    """The client ports whose connection the server has accepted and whose bytes it has read.

    From /proc/net/tcp: the server's end of each connection is ESTABLISHED, owns a socket inode
    (the kernel makes one only when the process accepts) and has an empty receive queue.
    """
    done = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].split(":")[1], 16)
        remote_port = int(fields[2].split(":")[1], 16)
        receive_queue = int(fields[4].split(":")[1], 16)
        if (local_port == server_port and remote_port in client_ports and fields[3] == "01"
                and fields[9] != "0" and receive_queue == 0):
            done.add(remote_port)
    return done


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


class Server:
    """One database and, when started, one `auditlogs serve` on it."""

    def __init__(self, binary: Path, directory: Path, database: Path | str | None = None):
        self.binary = Path(binary)
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        if isinstance(database, str) and database.startswith("postgres"):
            self.database = database  # a PostgreSQL URL
        else:
            self.database = Path(database) if database else self.directory / "audit.sqlite"
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.log_path = self.directory / "server.log"
        self.starts = 0

    # ---- the command ----

    def cli(self, *arguments: str, input: str | None = None, environment: dict[str, str] | None = None) -> list[str]:
        """Runs `auditlogs ARGUMENTS --database DB` with `input` on standard input; its output lines."""
        return self.cli_run(*arguments, input=input, environment=environment).stdout.strip().splitlines()

    def cli_run(self, *arguments: str, input: str | None = None, environment: dict[str, str] | None = None,
                database: bool = True) -> subprocess.CompletedProcess:
        """The same, with both streams: what it printed to standard output and to standard error.
        `database=False` for the commands that take none (key files, verify-export)."""
        finished = subprocess.run(
            [str(self.binary), *arguments, *(["--database", str(self.database)] if database else [])],
            capture_output=True, text=True, timeout=120, input=input or "",
            env={**os.environ, **(environment or {})})
        if finished.returncode != 0:
            raise AssertionError(f"auditlogs {' '.join(arguments)} failed ({finished.returncode}): {finished.stderr}")
        return finished

    def create_organization(self, organization: str = "acme", name: str = "Acme"):
        self.cli("org", "create", "--id", organization, "--name", name)

    def add_member(self, organization: str, email: str, name: str, role: str, password: str):
        # On standard input, as an operator should: a command line is visible to every user.
        self.cli("member", "add", "--org", organization, "--email", email, "--name", name, "--role", role,
                 "--password-stdin", input=password + "\n")

    def create_key(self, organization: str = "acme") -> str:
        return self.cli("key", "create", "--org", organization)[-1].strip()

    def create_token(self, email: str = ADMIN_EMAIL) -> str:
        return self.cli("token", "create", "--email", email)[-1].strip()

    def create_platform_key(self, name: str = "Platform") -> str:
        return self.cli("platform-key", "create", "--name", name)[-1].strip()

    def set_up_acme(self) -> dict[str, str]:
        """Organization acme with an admin, an ingest key and the admin's personal token."""
        self.create_organization("acme", "Acme")
        self.add_member("acme", ADMIN_EMAIL, "Ada", "admin", ADMIN_PASSWORD)
        return {"key": self.create_key("acme"), "token": self.create_token(ADMIN_EMAIL)}

    # ---- the service ----

    def start(self, *extra: str, wrapper: tuple[str, ...] = (), healthy_within: float = 30,
              environment: dict[str, str] | None = None) -> "Server":
        assert self.process is None or self.process.poll() is not None, "already running"
        self.starts += 1
        log = open(self.log_path, "a")
        log.write(f"---- start {self.starts}: {' '.join(extra)}\n")
        log.flush()
        command = [*wrapper, str(self.binary), "serve", "--database", str(self.database),
                   "--host", "127.0.0.1", "--port", str(self.port), *extra]
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        env={**os.environ, **(environment or {})})
        log.close()
        if healthy_within:
            self.wait_until_healthy(healthy_within)
        return self

    def wait_until_healthy(self, within: float = 30):
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"auditlogs serve exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                if request(self.port, "GET", "/health", timeout=2).status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"auditlogs serve was not healthy within {within} s:\n{self.log_tail()}")

    @property
    def pid(self) -> int:
        """The server's own process id, also when it runs under a wrapper such as strace."""
        assert self.process is not None
        for pid in [self.process.pid, *descendants(self.process.pid)]:
            try:
                if Path(f"/proc/{pid}/exe").resolve() == self.binary.resolve():
                    return pid
            except OSError:
                continue
        raise AssertionError("the server process is gone")

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def signal(self, number: int):
        os.kill(self.pid, number)

    def kill(self):
        """SIGKILL, no warning; waits for the process (and any wrapper) to be gone."""
        if not self.running():
            return
        try:
            self.signal(signal.SIGKILL)
        except (AssertionError, ProcessLookupError):
            pass
        self.process.kill()
        self.process.wait(20)

    def stop(self, grace: float = 10) -> int | None:
        """SIGTERM, then SIGKILL after `grace` seconds; the exit status (None when it had to be killed)."""
        if not self.running():
            return self.process.returncode if self.process else None
        try:
            self.signal(signal.SIGTERM)
            return self.process.wait(grace)
        except (subprocess.TimeoutExpired, AssertionError, ProcessLookupError):
            self.kill()
            return None

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    # ---- HTTP ----

    def request(self, method: str, path: str, body=None, token: str | None = None, **options) -> Answer:
        return request(self.port, method, path, body=body, token=token, **options)

    def ingest(self, key: str, events, timeout: float = 30) -> Answer:
        body = events if isinstance(events, dict) else {"events": list(events)}
        return self.request("POST", "/api/v1/events", body, token=key, timeout=timeout)

    def sign_in(self, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD) -> str:
        answer = self.request("POST", "/api/v1/sessions", {"email": email, "password": password})
        assert answer.status == 201, f"sign-in failed: {answer}"
        return answer.json()["token"]

    def audit_log_ids(self, token: str, organization: str = "acme", days: int = 2) -> list[str]:
        """Every event id the API lists for the last `days` days, following the cursor."""
        since = rfc3339(datetime.now(timezone.utc) - timedelta(days=days))
        ids, cursor = [], None
        for _ in range(10_000):
            path = f"/api/v1/organizations/{organization}/audit-logs?limit=500&from={since}"
            if cursor:
                path += "&cursor=" + cursor
            answer = self.request("GET", path, token=token)
            assert answer.status == 200, f"reading {path}: {answer}"
            page = answer.json()
            ids += [item["id"] for item in page["data"]]
            cursor = page["next_cursor"]
            if not cursor:
                return ids
        raise AssertionError("more than 10,000 pages")

    # ---- the file ----

    def read_only_database(self) -> sqlite3.Connection:
        """The SQLite file opened read-only, as an operator would inspect it."""
        return sqlite3.connect(f"file:{self.database}?mode=ro", uri=True, timeout=10)


def error_shape_problems(answer: Answer, code: str) -> list[str]:
    """What is wrong with `answer` as the JSON error `code`; empty when it is right."""
    problems = []
    if not (answer.header("content-type") or "").startswith("application/json"):
        problems.append(f"Content-Type is {answer.header('content-type')!r}")
    try:
        error = answer.json()["error"]
    except (ValueError, KeyError, TypeError):
        return problems + [f"the body is not {{\"error\": ...}}: {answer.body[:300]!r}"]
    if error.get("code") != code:
        problems.append(f"error.code is {error.get('code')!r}, not {code!r}")
    if not isinstance(error.get("message"), str) or not error.get("message"):
        problems.append("error.message is not a sentence")
    if error.get("details") != []:
        problems.append(f"error.details is {error.get('details')!r}, not []")
    return problems


def retry_after_seconds(answer: Answer) -> int | None:
    value = answer.header("retry-after")
    return int(value) if value is not None and re.fullmatch(r"\d+", value.strip()) else None


# ---- PostgreSQL ----

POSTGRES_URL_VARIABLE = "AUDITLOGS_TEST_POSTGRES_URL"
STANDBY_URL_VARIABLE = "AUDITLOGS_TEST_POSTGRES_STANDBY_URL"


def postgres_server_url(variable: str = POSTGRES_URL_VARIABLE) -> str:
    """The test PostgreSQL server (scripts/with-postgres starts one); fails under CI when absent."""
    url = os.environ.get(variable, "")
    if not url:
        missing(f"{variable} is not set: run through scripts/with-postgres (scripts/test does)")
    require_tool("psql", "apt-get install postgresql-client")
    return url


def with_database(url: str, database: str) -> str:
    """`url` with its path set to `database`, the query kept."""
    head, _, query = url.partition("?")
    scheme, _, rest = head.partition("://")
    authority = rest.split("/", 1)[0]
    return f"{scheme}://{authority}/{database}" + (f"?{query}" if query else "")


def psql(url: str, sql: str) -> list[list[str]]:
    """Runs `sql` with psql on `url`; rows of text fields."""
    plain = url.split("?", 1)[0]
    finished = subprocess.run(["psql", plain, "-v", "ON_ERROR_STOP=1", "-AtF", "\t", "-c", sql],
                              capture_output=True, text=True, timeout=60)
    if finished.returncode != 0:
        raise AssertionError(f"psql {sql!r} failed: {finished.stderr}")
    return [line.split("\t") for line in finished.stdout.splitlines() if line]


def create_postgres_database(prefix: str = "system") -> str:
    """A new empty database on the test server; its URL."""
    server = postgres_server_url()
    name = f"{prefix}_{os.getpid()}_{time.monotonic_ns()}"
    psql(server, f"CREATE DATABASE {name}")
    return with_database(server, name)
