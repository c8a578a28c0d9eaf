"""Promise: the service speaks TLS itself, and behind a proxy the operator trusts it sees each
client — not the proxy — for the sign-in throttle and for the address events record.

How it is proven:
- TLS: a certificate made with `openssl`; `serve --tls-certificate --tls-key`; curl with
  `--cacert` gets /readyz over HTTP/2 and over HTTP/1.1, the page, an ingested event; curl
  without the certificate authority refuses the server; sign-in sets a `Secure` cookie.
- Behind a proxy: Debian's nginx terminates TLS in front of two replicas on one PostgreSQL
  (round robin), passing `X-Forwarded-For`; the replicas run with `--trusted-proxy 127.0.0.1`.
  Two clients connect to nginx from two loopback addresses (127.0.0.2 and 127.0.0.3). The first
  guesses the admin's password until both replicas refuse it (429) — and a header it forges
  itself does not get it out; the second, through the same nginx, signs in at once on both
  replicas. Its export is recorded with its own address, not nginx's.
"""
import http.client
import json
import os
import socket
import ssl
import subprocess
import time
from pathlib import Path

from service import ADMIN_EMAIL, ADMIN_PASSWORD, create_postgres_database, event, free_port, require_tool


def make_certificate(directory: Path) -> tuple[Path, Path]:
    require_tool("openssl", "apt-get install openssl")
    certificate, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
         "-keyout", str(key), "-out", str(certificate)],
        check=True, capture_output=True)
    key.chmod(0o600)
    return certificate, key


def curl(*arguments: str) -> subprocess.CompletedProcess:
    require_tool("curl", "apt-get install curl")
    return subprocess.run(["curl", "-sS", "--max-time", "10", *arguments], capture_output=True, text=True)


def wait_for(check, what: str, within: float = 30):
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} within {within} s")


def test_serve_speaks_https_over_http2_and_http1(make_server, tmp_path):
    certificate, key = make_certificate(tmp_path)
    server = make_server("tls")
    credentials = server.set_up_acme()
    server.start("--tls-certificate", str(certificate), "--tls-key", str(key), healthy_within=0)
    base = f"https://localhost:{server.port}"
    wait_for(lambda: curl("--cacert", str(certificate), f"{base}/readyz").returncode == 0 or not server.running(),
             "serve answered over TLS")
    assert server.running(), server.log_tail()

    for version, flag in (("2", "--http2"), ("1.1", "--http1.1")):
        ready = curl("--cacert", str(certificate), flag, "-w", "\n%{http_code} %{http_version}", f"{base}/readyz")
        assert ready.returncode == 0, ready.stderr
        assert ready.stdout.splitlines()[-1] == f"200 {version}", ready.stdout
    page = curl("--cacert", str(certificate), "-o", "/dev/null", "-w", "%{http_code}", f"{base}/")
    assert page.stdout == "200"

    # An event in, over TLS; and the sign-in cookie is Secure even on loopback.
    sent = curl("--cacert", str(certificate), "-w", "\n%{http_code}", "-H", f"Authorization: Bearer {credentials['key']}",
                "-H", "Content-Type: application/json", "--data", json.dumps(event("tls_1")),
                f"{base}/api/v1/events")
    assert sent.stdout.splitlines()[-1] == "201", sent.stdout
    signed_in = curl("--cacert", str(certificate), "-D", "-", "-o", "/dev/null", "-H", "Content-Type: application/json",
                     "--data", f'{{"email": "{ADMIN_EMAIL}", "password": "{ADMIN_PASSWORD}"}}', f"{base}/api/v1/sessions")
    cookie = next(line for line in signed_in.stdout.splitlines() if line.lower().startswith("set-cookie:"))
    assert "Secure" in cookie, cookie

    # A client that does not trust the certificate refuses to talk; plain HTTP gets nothing.
    untrusted = curl(f"{base}/readyz")
    assert untrusted.returncode != 0 and "certificate" in untrusted.stderr.lower(), untrusted.stderr
    assert curl(f"http://127.0.0.1:{server.port}/readyz").returncode != 0
    assert server.stop() == 0


NGINX_CONFIGURATION = """
{user}
worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/error.log;
events {{ worker_connections 64; }}
http {{
    access_log {directory}/access.log;
    client_body_temp_path {directory}/body;
    proxy_temp_path {directory}/proxy;
    fastcgi_temp_path {directory}/fastcgi;
    uwsgi_temp_path {directory}/uwsgi;
    scgi_temp_path {directory}/scgi;
    upstream replicas {{
        server 127.0.0.1:{first};
        server 127.0.0.1:{second};
    }}
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_certificate {certificate};
        ssl_certificate_key {key};
        location / {{
            proxy_pass http://replicas;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto https;
        }}
    }}
}}
"""


class ThroughProxy:
    """HTTPS requests to nginx from a chosen loopback source address."""

    def __init__(self, port: int, certificate: Path, source: str):
        self.port, self.source = port, source
        self.context = ssl.create_default_context(cafile=str(certificate))

    def request(self, method: str, path: str, body: str | None = None, headers: dict | None = None):
        connection = http.client.HTTPSConnection("localhost", self.port, context=self.context, timeout=30,
                                                 source_address=(self.source, 0))
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def sign_in(self, password: str, headers: dict | None = None) -> int:
        body = json.dumps({"email": ADMIN_EMAIL, "password": password})
        return self.request("POST", "/api/v1/sessions", body, {"Content-Type": "application/json", **(headers or {})})[0]


def test_behind_nginx_each_client_is_throttled_and_recorded_as_itself(make_server, tmp_path):
    nginx = require_tool("nginx", "apt-get install nginx")
    certificate, key = make_certificate(tmp_path)
    database = create_postgres_database("edge")
    first = make_server("first", database=database)
    first.set_up_acme()
    second = make_server("second", directory=tmp_path / "second", database=database)
    for replica in (first, second):
        replica.start("--trusted-proxy", "127.0.0.1")

    directory = tmp_path / "nginx"
    directory.mkdir()
    port = free_port()
    (directory / "nginx.conf").write_text(NGINX_CONFIGURATION.format(
        user="user root;" if os.geteuid() == 0 else "", directory=directory, first=first.port, second=second.port,
        port=port, certificate=certificate, key=key))
    proxy = subprocess.Popen([nginx, "-p", str(directory), "-c", str(directory / "nginx.conf"), "-g", "daemon off;"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        def listening():
            with socket.socket() as probe:
                return probe.connect_ex(("127.0.0.1", port)) == 0
        wait_for(lambda: listening() or proxy.poll() is not None, "nginx listened")
        assert proxy.poll() is None, proxy.stderr.read().decode()

        guesser = ThroughProxy(port, certificate, "127.0.0.2")
        owner = ThroughProxy(port, certificate, "127.0.0.3")
        answers = []
        while answers[-2:] != [429, 429] and len(answers) < 40:
            answers.append(guesser.sign_in("not the password"))
        assert answers[-2:] == [429, 429], answers
        assert set(answers) == {401, 429} and answers.count(401) == 20, answers  # ten on each replica
        # Neither the right password nor a header the guesser writes itself lets it in.
        for _ in range(2):
            assert guesser.sign_in(ADMIN_PASSWORD) == 429
            assert guesser.sign_in(ADMIN_PASSWORD, {"X-Forwarded-For": "127.0.0.9"}) == 429
        # The owner, behind the same proxy, signs in on both replicas.
        statuses = [owner.sign_in(ADMIN_PASSWORD) for _ in range(2)]
        assert statuses == [201, 201], statuses

        token = json.loads(owner.request(
            "POST", "/api/v1/sessions", json.dumps({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}),
            {"Content-Type": "application/json"})[1])["token"]
        authorization = {"Authorization": f"Bearer {token}"}
        status, _ = owner.request("GET", "/api/v1/organizations/acme/audit-logs/export.csv", headers=authorization)
        assert status == 200
        status, body = owner.request("GET", "/api/v1/organizations/acme/audit-logs?action=AuditLogExported",
                                     headers=authorization)
        exported = json.loads(body)["data"]
        assert [row["context"]["ip_address"] for row in exported] == ["127.0.0.3"], exported
    finally:
        proxy.terminate()
        proxy.wait(10)
