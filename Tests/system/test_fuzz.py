"""Promise: the service keeps its published contract (the `/openapi.yaml` it serves) for any
input, whoever calls: no 5xx, only declared statuses, content types, headers and shapes, schema-
valid requests accepted and schema-violating ones refused, 405 for undeclared methods, and
authentication that is never ignored.

How it is proven: Schemathesis (v4 CLI) reads the served document and runs every phase
(examples, coverage, fuzzing, stateful) with `--checks all`, once per kind of credential: an
ingest key, an admin's personal token, an admin's session token, the token of a member who
is not an admin, and a platform key. The organization is seeded first with events, actors and workspaces, and the
members' runs keep it in every path, so reads reach data. Sign-out is left out of the runs
whose token it would revoke (it is fuzzed with the ingest key, which it never revokes). Each
run must exit 0; its failures are quoted otherwise, with a curl command for each.
One worker per run: Python 3.11's `ast.parse` is not thread-safe and Hypothesis calls it while
generating, which makes `--workers 2` report errors of the tool itself.
"""
import os
import re
import shutil
import subprocess
import time

import pytest

from service import MEMBER_EMAIL, MEMBER_PASSWORD, Server, event, missing

SEED = int(os.environ.get("AUDITLOGS_FUZZ_SEED", "1"))
# A run takes about 40 s on 2 cores with a debug build; this bounds a run that hangs.
RUN_SECONDS = 300
RUNS = {
    # credential kind: (max examples per operation, operations left out, organization in paths)
    # Members' runs read the seeded organization, so queries reach data (or a 403); the ingest
    # key's run lets the organization vary, so unknown ones are tried too.
    "ingest-key": (150, [], None),
    "personal-token": (150, ["signOut"], "acme"),
    "session-token": (120, ["signOut"], "acme"),
    "member-token": (60, ["signOut"], "acme"),
    # The platform key provisions (organizations, members, keys) and reads nothing.
    "platform-key": (80, ["signOut"], "acme"),
}


# Some rules cannot be written in JSON Schema, and a schema-valid request that breaks one gets
# a 422 naming the field, which these operations may answer to positive data (every other check
# stays as strict, and every other operation may not answer 422 to a schema-valid request):
# - list, export and export-preview: `cursor` must be a value this API returned (an opaque,
#   checked position), and `from` must fall before `to`;
# - ingest: `occurred_at` must lie between 1970 and one hour after the server's clock, an
#   event is at most 32 KiB as JSON, and ids are unique within a batch;
# - create a stream: `url` must be an http(s) URL whose host resolves to public addresses;
# - provisioning: an organization's id is a slug, a member's or viewer's email must be
#   plausible, and a hand-off's return_url must be https (or http on a loopback host).
# Opening a hand-off link answers 410 when it was opened before, which the stateful phase does.
# The Swift suites test each of these rules by name (EventValidatorTests, EventQueryTests).
SEMANTIC_422 = """
[[operations]]
include-operation-id = ["listAuditLogs", "exportAuditLogs", "exportAuditLogsAsJSONLines", "previewExport", "ingestEvents", "createStream",
                        "putOrganization", "putMember", "createViewerSessionLink"]
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]

[[operations]]
include-operation-id = ["openHandOff"]
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "410", "429", "5xx"]
"""


@pytest.fixture(scope="module")
def fuzzed(binary, tmp_path_factory):
    """A server whose organization has events, and one credential of each kind."""
    if not shutil.which("st"):
        missing("the Schemathesis CLI `st` is not installed (pip install schemathesis)")
    server = Server(binary, tmp_path_factory.mktemp("fuzz"))
    try:
        credentials = server.set_up_acme()
        server.add_member("acme", MEMBER_EMAIL, "Mo", "member", MEMBER_PASSWORD)
        server.start()
        actions = ["UserLogin", "MemberInvited", "AssetDownloaded", "WorkspaceCreated", "MemberRoleChanged"]
        seeded = server.ingest(credentials["key"], [
            event(f"seed-{index:03d}", action=actions[index % len(actions)], actor=f"user_{index % 9}",
                  workspace={"id": f"ws_{index % 4}", "name": f"Workspace {index % 4}"},
                  targets=[{"type": "user", "id": f"user_{index % 5}", "name": f"person{index % 5}@acme.test"}],
                  metadata={"role": "Editor"})
            for index in range(120)])
        assert seeded.status == 201, seeded
        yield server, {
            "ingest-key": credentials["key"],
            "personal-token": credentials["token"],
            "session-token": server.sign_in(),
            "member-token": server.create_token(MEMBER_EMAIL),
            "platform-key": server.create_platform_key(),
        }
    finally:
        server.kill()


def failures_of(output: str) -> str:
    """The operations that failed, each with its checks, and the summary's failure counts."""
    lines = output.splitlines()
    found = []
    for index, line in enumerate(lines):
        if re.match(r"^_{3,} (GET|POST|PUT|PATCH|DELETE|TRACE|OPTIONS|HEAD) .* _{3,}$", line):
            found.append(line.strip("_ "))
        elif re.match(r"^- ST\d+ ", line) or re.match(r"^\s+(Unsupported method|Invalid component|Expected:)", line):
            found.append("    " + line.strip())
        elif line.startswith("[") and re.match(r"^\[\d{3}\]", line) and index + 2 < len(lines):
            found.append("    " + line.strip() + " " + lines[index + 2].strip()[:200])
        elif line.strip().startswith("curl "):
            found.append("    " + line.strip()[:300])
    summary = output[output.find("Failures:"):output.find("Test cases:")] if "Failures:" in output else ""
    return "\n".join(found) + "\n" + summary


@pytest.mark.parametrize("credential", list(RUNS))
def test_every_operation_keeps_the_published_contract(fuzzed, credential, tmp_path, figures):
    server, secrets = fuzzed
    max_examples, excluded, organization = RUNS[credential]
    config = tmp_path / "schemathesis.toml"
    # The feed's `wait` holds a request open up to 30 s when nothing is new (FeedTests test
    # it); fuzzed, it would only make the run wait, so it is pinned to 0.
    parameters = '"query.wait" = 0\n' + (f'"path.organization" = "{organization}"\n' if organization else "")
    config.write_text("[parameters]\n" + parameters + SEMANTIC_422)
    command = ["st", "--config-file", str(config), "run", f"http://127.0.0.1:{server.port}/openapi.yaml", "--checks", "all",
               "--header", f"Authorization: Bearer {secrets[credential]}",
               "--max-examples", str(max_examples), "--workers", "1", "--seed", str(SEED),
               "--generation-database", "none", "--no-color", "--request-timeout", "20",
               # Every failing example of an operation, not only its first, and unmasked, for the report.
               "--continue-on-failure", "--output-sanitize", "false"]
    for operation in excluded:
        command += ["--exclude-operation-id", operation]
    started = time.monotonic()
    try:
        finished = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=RUN_SECONDS)
    except subprocess.TimeoutExpired as expired:
        pytest.fail(f"schemathesis ran over {RUN_SECONDS} s with the {credential}: {str(expired.stdout)[-2000:]}")
    output = finished.stdout + finished.stderr
    (tmp_path / "schemathesis.txt").write_text(output)
    generated = re.search(r"(\d+) generated", output)
    cases = int(generated.group(1)) if generated else 0
    figures(f"{credential}: {cases} cases in {time.monotonic() - started:.0f} s, exit {finished.returncode}")
    assert server.running(), f"the server died under fuzzing:\n{server.log_tail()}"
    assert cases > 0, f"schemathesis generated nothing:\n{output[-3000:]}"
    assert finished.returncode == 0, (
        f"schemathesis found contract violations with the {credential} (seed {SEED}):\n{failures_of(output)}")
