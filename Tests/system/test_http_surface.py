"""Promises about the HTTP surface itself: a method a route does not declare answers 405 with an
`Allow` header naming the methods it does declare (not 404, not 200); HEAD answers on every GET
route as GET does, without a body, on a connection that stays usable; on the exports, it says
what the export would be and records nothing; and the Prometheus metrics are served on the operator port
(`--operator-port`, loopback only), no longer on the main port, clean under `promtool check metrics`,
counting requests by route and the status they were answered with.

How it is proven: plain requests with http.client against a started server; which addresses the
operator port listens on is read from /proc/net/tcp and /proc/net/tcp6.
"""
import subprocess
import time
from pathlib import Path

import pytest

from service import Client, event, free_port, request, require_tool

UNDECLARED = [
    ("TRACE", "/health", {"GET", "HEAD"}),
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
    if method != "HEAD":
        error = answer.json().get("error", {})
        assert isinstance(error.get("code"), str) and isinstance(error.get("message"), str), answer


# Headers that may differ between two answers to the same request.
VOLATILE = {"date"}


def test_head_answers_as_get_does_without_the_body_and_exports_record_nothing(acme):
    assert acme.ingest(acme.key, [event("seen")]).status == 201
    csv = acme.request("GET", "/api/v1/organizations/acme/audit-logs/export.csv", token=acme.token)
    assert csv.status == 200, csv
    export_id = csv.header("x-export-id")
    paths = ["/", "/health", "/livez", "/readyz", "/openapi.yaml", "/assets/app.css", "/api/v1/signing-key",
             "/organizations/acme/audit-logs", "/api/v1/sessions/current",
             "/api/v1/organizations/acme/audit-logs", "/api/v1/organizations/acme/events/seen",
             "/api/v1/organizations/acme/events/feed?after=0", "/api/v1/organizations/acme/audit-logs/export-preview",
             f"/api/v1/organizations/acme/exports/{export_id}/manifest.json", "/api/v1/organizations/acme/actions",
             "/api/v1/organizations/acme/actors?q=user", "/api/v1/organizations/acme/workspaces",
             "/api/v1/organizations/acme/retention", "/api/v1/organizations/acme/streams",
             "/api/v1/organizations/acme/checkpoints", "/api/v1/organizations/acme/integrity", "/nothing-here"]
    recorded = len(acme.audit_log_ids(acme.token))
    client = Client(acme.port)
    try:
        for path in paths:
            headers = {"Authorization": f"Bearer {acme.token}"}
            get = client.request("GET", path, headers=headers)
            head = client.request("HEAD", path, headers=headers)
            assert head.status == get.status, f"HEAD {path}: {head.status}, GET: {get.status}"
            assert head.body == b"", f"HEAD {path} had a body"
            same = lambda answer: {name: value for name, value in answer.headers.items() if name not in VOLATILE}
            assert same(head) == same(get), f"HEAD {path}"
            assert get.header("content-length") == str(len(get.body)), f"GET {path}"
        for path in ["/api/v1/organizations/acme/audit-logs/export.csv", "/api/v1/organizations/acme/audit-logs/export.jsonl"]:
            head = client.request("HEAD", path, headers={"Authorization": f"Bearer {acme.token}"})
            assert head.status == 200 and head.body == b"", f"HEAD {path}: {head}"
            assert head.header("x-export-id") is None, "a HEAD has no export to name"
            assert head.header("x-export-rows") is not None and head.header("content-disposition"), f"HEAD {path}: {head}"
        # One connection served all of it: no HEAD left stray bytes behind.
        assert client.request("GET", "/health").status == 200
    finally:
        client.close()
    assert len(acme.audit_log_ids(acme.token)) == recorded, "a HEAD recorded something"


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


def test_the_metrics_are_clean_under_promtool_and_count_what_happened(make_server, figures):
    """Prometheus's own checker finds nothing to say of /metrics (names, `_total`, units, HELP);
    requests are counted by route and by the status they were answered with; ingestion and the
    sign-in throttle are counted."""
    promtool = require_tool("promtool", "apt-get install prometheus")
    server = make_server("promtool")
    credentials = server.set_up_acme()
    operator_port = free_port()
    server.start("--operator-port", str(operator_port))
    assert server.ingest(credentials["key"], [event(f"m{index}") for index in range(3)]).status == 201
    assert server.request("GET", "/api/v1/organizations/acme/audit-logs").status == 401
    assert server.request("GET", "/nothing-here").status == 404
    statuses = [server.request("POST", "/api/v1/sessions", {"email": "nobody@acme.test", "password": "wrong password"}).status
                for _ in range(12)]
    assert 429 in statuses, statuses

    metrics = request(operator_port, "GET", "/metrics").body.decode()
    checked = subprocess.run([promtool, "check", "metrics"], input=metrics, capture_output=True, text=True, timeout=60)
    figures(f"{len(metrics.splitlines())} lines of metrics; promtool: {checked.stdout.strip() or 'nothing to say'}")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    samples = {}
    for line in metrics.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            samples[name] = float(value)
    assert samples["auditlogs_events_ingested_total"] == 3
    assert samples["auditlogs_sign_in_throttled_total"] >= 1
    # The retention purge ran its first round at start: when it last succeeded, as Unix time.
    assert abs(samples["auditlogs_retention_round_last_success_timestamp_seconds"] - time.time()) < 600
    assert samples['http_server_requests_total{http_route="/api/v1/events",http_request_method="POST",'
                   'http_response_status_code="201"}'] == 1
    assert samples['http_server_requests_total{http_route="/api/v1/organizations/{organization}/audit-logs",'
                   'http_request_method="GET",http_response_status_code="401"}'] == 1
    assert any(name.startswith("http_server_request_duration_seconds_bucket{") and 'http_response_status_code="429"' in name
               for name in samples), "no duration histogram for the throttled sign-ins"
