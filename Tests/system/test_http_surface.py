"""Promises about the HTTP surface itself: a method a route does not declare answers 405 with an
`Allow` header naming the methods it does declare (not 404, not 200); and the Prometheus metrics
are served on the operator port (`--operator-port`, loopback only), no longer on the main port.

How it is proven: plain requests with http.client against a started server; which addresses the
operator port listens on is read from /proc/net/tcp and /proc/net/tcp6.
"""
from pathlib import Path

import pytest

from service import event, free_port, request

UNDECLARED = [
    ("TRACE", "/health", {"GET"}),
    ("POST", "/health", {"GET"}),
    ("PUT", "/api/v1/events", {"POST"}),
    ("GET", "/api/v1/events", {"POST"}),
    ("PATCH", "/api/v1/sessions", {"POST"}),
    ("DELETE", "/api/v1/organizations/acme/audit-logs", {"GET"}),
    ("TRACE", "/api/v1/organizations/acme/audit-logs/export.csv", {"GET"}),
]


@pytest.mark.parametrize("method,path,declared", UNDECLARED, ids=[f"{m} {p}" for m, p, _ in UNDECLARED])
def test_an_undeclared_method_answers_405_with_allow(acme, method, path, declared):
    answer = acme.request(method, path, token=acme.token)
    assert answer.status == 405, f"{method} {path} answered {answer}"
    allowed = {part.strip().upper() for part in (answer.header("allow") or "").split(",") if part.strip()}
    assert declared <= allowed, f"Allow is {answer.header('allow')!r}; it must name {sorted(declared)}"
    assert method not in allowed, f"Allow names {method}, which was just refused"
    error = answer.json().get("error", {})
    assert isinstance(error.get("code"), str) and isinstance(error.get("message"), str), answer


def listening_addresses(port: int) -> list[str]:
    """The hex local addresses of the sockets listening on `port` (IPv4 and IPv6)."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].rsplit(":", 1)
            if int(hex_port, 16) == port and fields[3] == "0A":
                found.append(address)
    return found


def test_metrics_are_served_on_the_loopback_operator_port_only(make_server):
    server = make_server("operator")
    credentials = server.set_up_acme()
    operator_port = free_port()
    server.start("--operator-port", str(operator_port))
    assert server.ingest(credentials["key"], [event("counted-in-metrics")]).status == 201

    metrics = request(operator_port, "GET", "/metrics")
    assert metrics.status == 200, metrics
    assert (metrics.header("content-type") or "").startswith("text/plain"), metrics.headers
    assert b"# TYPE " in metrics.body, metrics
    main = server.request("GET", "/metrics")
    assert main.status == 404, f"/metrics is still served on the main port: HTTP {main.status}"
    api_on_operator = request(operator_port, "GET", "/api/v1/organizations/acme/audit-logs", token=credentials["token"])
    assert api_on_operator.status == 404, f"the operator port serves the API: {api_on_operator}"
    addresses = listening_addresses(operator_port)
    assert addresses, "nothing listens on the operator port"
    loopback = {"0100007F", "00000000000000000000000001000000"}
    assert set(addresses) <= loopback, f"the operator port listens beyond loopback: {addresses}"
