"""Fixtures for the system tests: the built `auditlogs`, servers that are always stopped, tools.

The binary is AUDITLOGS_BINARY (else .build/debug/auditlogs), copied once per run so that a
rebuild during the run does not swap it underneath. With CI=true a missing binary or tool fails
the test instead of skipping it. Figures the tests measure are printed at the end of the run.
"""
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from service import ROOT, Server, missing

FIGURES: list[str] = []


def pytest_terminal_summary(terminalreporter):
    if FIGURES:
        terminalreporter.section("system figures")
        for line in FIGURES:
            terminalreporter.write_line(line)


@pytest.fixture
def figures(request):
    """`figures("text")` records a measured figure under the test's name, printed at the end."""
    def record(text: str):
        line = f"{request.node.name}: {text}"
        print(line)
        FIGURES.append(line)
    return record


@pytest.fixture(scope="session")
def binary():
    original = Path(os.environ.get("AUDITLOGS_BINARY", ROOT / ".build" / "debug" / "auditlogs"))
    if not original.is_file():
        missing(f"{original} is not built")
    directory = Path(tempfile.mkdtemp(prefix="auditlogs-system-bin-"))
    copy = directory / "auditlogs"
    shutil.copy2(original, copy)
    yield copy
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def make_server(binary, tmp_path):
    """`make_server(name)` gives a Server with a fresh directory; all are stopped afterwards."""
    servers: list[Server] = []

    def make(name: str = "server", directory: Path | None = None, database: Path | None = None) -> Server:
        server = Server(binary, directory or tmp_path / name, database)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.kill()


@pytest.fixture
def acme(make_server):
    """A running server with organization acme, its admin, an ingest key and a personal token."""
    server = make_server("acme")
    credentials = server.set_up_acme()
    server.start()
    server.key = credentials["key"]
    server.token = credentials["token"]
    return server
