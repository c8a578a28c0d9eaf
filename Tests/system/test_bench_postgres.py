"""`auditlogs bench` on PostgreSQL, as a smoke test: a small dataset through every workload with
PostgreSQL's own baselines (COPY into a database of its own, the page SQL without HTTP). The
figures are not asserted (the machines are noisy); that every workload ran, answered as expected
and has its baseline is. The same on SQLite runs in the Swift suite (BenchCommandTests)."""
import json
import subprocess

from service import create_postgres_database, postgres_server_url, psql


def test_the_bench_runs_on_postgresql_with_its_own_baselines(binary, tmp_path):
    database = create_postgres_database("bench")
    report = tmp_path / "bench.json"
    finished = subprocess.run(
        [str(binary), "bench", "--events", "3000", "--seconds", "0.2", "--database", database, "--output", str(report)],
        capture_output=True, text=True, timeout=600)
    assert finished.returncode == 0, finished.stderr[-2000:]

    results = {result["workload"]: result for result in json.loads(report.read_text())["results"]}
    assert all(result["failures"] == 0 for result in results.values()), results
    ingest = next(result for name, result in results.items() if name.startswith("ingest over HTTP"))
    assert ingest["baseline"] > 0 and ingest["ratio"] > 0, ingest
    first = next(result for name, result in results.items() if name.startswith("first page (50 rows), no filter"))
    assert first["baseline"] > 0 and first["ratio"] > 0, first
    assert any(name.startswith("export (") for name in results)
    # The feed and a stream followed a steady flow to its end.
    for prefix in ("feed long-poll lag", "log stream lag"):
        lag = next(result for name, result in results.items() if name.startswith(prefix))
        assert lag["p50"] >= 0 and lag["p99"] >= lag["p50"], lag
    # The COPY baseline's database is dropped again.
    leftovers = psql(postgres_server_url(), "SELECT datname FROM pg_database WHERE datname LIKE 'bench\\_raw\\_%'")
    assert leftovers == [], leftovers
