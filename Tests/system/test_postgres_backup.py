"""Promise: the README's PostgreSQL backup recipe works: `pg_dump -Fc` of a live database,
restored with `pg_restore` into a new one, gives a database the service serves and
`auditlogs verify` finds intact, with the same chain head and every event.

How it is proven: `auditlogs serve` on a database of the test server, 200 events ingested, `pg_dump` while it serves, `createdb` + `pg_restore`, then `auditlogs
verify` on both, the heads compared, and a second server started on the restored database
taking a new event.
"""
import subprocess

from service import create_postgres_database, event, postgres_server_url, psql, with_database


def run(*arguments: str):
    finished = subprocess.run(list(arguments), capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, f"{' '.join(arguments)}: {finished.stderr}"
    return finished.stdout


def test_pg_dump_and_pg_restore_give_back_an_intact_chain(make_server, tmp_path, figures):
    database = create_postgres_database("backup")
    server = make_server("backup", database=database)
    server.start()
    key = server.set_up_acme()["key"]
    for batch in range(4):
        answer = server.ingest(key, [event(f"b{batch}-{index}", actor=f"user_{index}") for index in range(50)])
        assert answer.status == 201, answer

    dump = tmp_path / "auditlogs.dump"
    run("pg_dump", "-Fc", "--no-owner", "-f", str(dump), database.split("?")[0])
    restored = with_database(postgres_server_url(), database.rsplit("/", 1)[1].split("?")[0] + "_restored")
    psql(postgres_server_url(), f"CREATE DATABASE {restored.rsplit('/', 1)[1].split('?')[0]}")
    run("pg_restore", "--no-owner", "-d", restored.split("?")[0], str(dump))
    server.stop()

    original = server.cli("verify", "--org", "acme")
    copy = server.cli_run("verify", "--org", "acme", "--database", restored, database=False)
    head = lambda lines: next(line for line in lines if line.startswith("Intact")).split("head ")[1].split(",")[0]
    figures(f"dump of 200 events: {dump.stat().st_size} bytes; restored head {head(copy.stdout.splitlines())[:16]}…")
    assert copy.returncode == 0, copy.stdout + copy.stderr
    assert head(original) == head(copy.stdout.splitlines())
    assert psql(restored, "SELECT count(*) FROM events") == [["200"]]

    again = make_server("restored", database=restored)
    again.start()
    assert again.ingest(key, [event("after-restore")]).status == 201
    again.stop()
