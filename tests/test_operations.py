"""Operations (issue 6): clear and re-run, backfill, reprocess, concurrent runs, the warehouse
going away mid-run. Airflow's own signals (issue 16): the ingest run's marts asset event triggers
an export run, a failed run alerts through a webhook.

Clearing and backfill run against a real Airflow started here: `airflow api-server`,
`airflow scheduler` (LocalExecutor) and `airflow dag-processor`, with the environment of
`vnreports airflow` (cli.airflow_env) over their own embedded warehouse, driven through the
REST API (v2, JWT from /auth/token) and `airflow backfill create`. The first run is the one the
scheduler starts when the DAG is unpaused; its warehouse state is the clean reference every
later check compares with. Reprocess atomicity, the parse claim and the warehouse outage use
the pipeline steps (Airflow adds nothing there) so they stay fast.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from sqlalchemy import create_engine, text

from tests.conftest import SAMPLE_REPORTS, free_port
from tests.sinks import HttpSink
from vnreports.local_airflow import AirflowApi, _stop_group

DAG_ID = "vn_reports_ingest"
EXPORT_DAG_ID = "vn_reports_export"
REPROCESSED = "001_66b76ee94201d24e.pdf"
CORPUS_PDFS = Path(__file__).parent / "fixtures" / "corpus_pdfs"
STAGING_TABLES = ("report", "report_page", "indicator_table", "table_row", "table_cell",
                  "indicator_value", "narrative_fact", "unresolved_mention", "footnote")


# --- helpers -------------------------------------------------------------------------------

def psycopg_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def warehouse_state(engine) -> dict:
    """What a clean run leaves: files and statuses, staging rows and mart rows per report."""
    with engine.connect() as conn:
        files = {r.file_name: {"status": r.status, "parsed_at": r.parsed_at, "report_id": r.report_id.strip()}
                 for r in conn.execute(text("SELECT file_name, status, parsed_at, report_id FROM raw.report_file"))}
        staging = {}
        for table in STAGING_TABLES:
            for report_id, count in conn.execute(text(
                    f"SELECT trim(report_id), count(*) FROM staging.{table} GROUP BY 1")):
                staging[(table, report_id)] = count
        signatures = {r: sorted(set(s)) for r, s in conn.execute(text(
            "SELECT trim(report_id), array_agg(load_signature) FROM marts.fct_indicator_observation GROUP BY 1"))}
        observations = dict(conn.execute(text(
            "SELECT trim(report_id), count(*) FROM marts.fct_indicator_observation GROUP BY 1")).all())
        marts = {name: conn.execute(text(f"SELECT count(*) FROM marts.{name}")).scalar_one()
                 for name in ("fct_indicator_value", "fct_indicator_observation", "dim_report",
                              "indicator_values", "mart_plan_vs_actual")}
        duplicates = {
            "report_file": conn.execute(text(
                "SELECT count(*) FROM (SELECT report_id FROM raw.report_file WHERE status <> 'duplicate' "
                "GROUP BY 1 HAVING count(*) > 1) d")).scalar_one(),
            "fct_indicator_observation": conn.execute(text(
                "SELECT count(*) FROM (SELECT 1 FROM marts.fct_indicator_observation GROUP BY report_id, "
                "source_kind, table_index, row_index, col_index, fact_index, value_slot "
                "HAVING count(*) > 1) d")).scalar_one(),
            "fct_indicator_value": conn.execute(text(
                "SELECT count(*) FROM (SELECT 1 FROM marts.fct_indicator_value GROUP BY admin_unit_code, "
                "period_key, indicator_code, scenario, ratio_of_scenario HAVING count(*) > 1) d")).scalar_one(),
        }
    return {"files": files, "staging": staging, "observations": observations, "marts": marts,
            "duplicates": duplicates, "signatures": signatures}


def without_parsed_at(state: dict) -> dict:
    """The state without what a re-parse changes: parse times and the facts' load signatures."""
    return {**{k: v for k, v in state.items() if k != "signatures"},
            "files": {n: {k: v for k, v in f.items() if k != "parsed_at"} for n, f in state["files"].items()}}


class Api(AirflowApi):
    """The Airflow REST API (v2) with what these tests ask of a run."""

    def run(self, run_id: str) -> dict:
        return self.call("GET", f"/api/v2/dags/{DAG_ID}/dagRuns/{urllib.request.quote(run_id, safe='')}")

    def task_instances(self, run_id: str) -> list[dict]:
        quoted = urllib.request.quote(run_id, safe="")
        return self.call("GET", f"/api/v2/dags/{DAG_ID}/dagRuns/{quoted}/taskInstances?limit=200")["task_instances"]

    def clear(self, run_id: str, task_ids: list, include_downstream: bool) -> list[dict]:
        return self.call("POST", f"/api/v2/dags/{DAG_ID}/clearTaskInstances", {
            "dry_run": False, "dag_run_id": run_id, "task_ids": task_ids, "only_failed": False,
            "include_downstream": include_downstream, "reset_dag_runs": True,
        })["task_instances"]

    # A bound for a stuck run, not a speed check: a busy machine (CI beside other jobs) takes
    # several times the usual two minutes.
    def wait_run(self, run_id: str, timeout: float = 1200) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.run(run_id)["state"]
            if state in ("success", "failed"):
                return state
            time.sleep(2)
        raise TimeoutError(f"run {run_id} still {state} after {timeout} s")


# --- reprocess atomicity and the warehouse going away: pipeline steps ----------------------

def _counts(conn, report_id: str) -> dict:
    return {table: conn.execute(f"SELECT count(*) FROM staging.{table} WHERE report_id = %s",
                                (report_id,)).fetchone()[0] for table in STAGING_TABLES}


def _wait_for_stage_blocked(conn, timeout: float = 120) -> None:
    """Until a session waits for a lock on its final UPDATE of raw.report_file (stage_report)."""
    deadline = time.monotonic() + timeout
    while not conn.execute(
            "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND query LIKE '%UPDATE raw.report_file%parsed%'").fetchone():
        assert time.monotonic() < deadline, "stage_report never reached its last statement"
        time.sleep(0.05)


@pytest.fixture()
def own_warehouse(tmp_path):
    """A warehouse this test may stop and start again."""
    from vnreports.warehouse_server import EmbeddedWarehouse

    server = EmbeddedWarehouse(tmp_path / "warehouse", port=free_port())
    url = server.start()
    yield server, url
    server.stop()


def test_reprocess_replaces_a_report_atomically_and_survives_the_warehouse_going_away(own_warehouse, tmp_path,
                                                                                     monkeypatch):
    """Reprocess sets a report back to 'discovered'; the next parse replaces its staging rows in
    one transaction. A reader polling while that transaction has deleted and re-inserted every
    row (held just before its last statement) sees the old rows, all of them. Then the warehouse
    is stopped at that same point: the step fails with an error naming the warehouse, the old rows
    are still whole, and the retry stages the report."""
    from vnreports.db import get_engine
    from vnreports.ingest import reprocess
    from vnreports.pipeline import WarehouseUnavailableError, discover_step, parse_step

    server, url = own_warehouse
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("002_7536578806f022c2.pdf", "003_f52cf5fe5220986b.pdf"):
        shutil.copy2(SAMPLE_REPORTS / name, inbox / name)
    monkeypatch.setenv("REPORTS_SETTLE_SECONDS", "0")
    files = {f["file_name"]: f for f in discover_step(url, inbox, "load")}
    for f in files.values():
        assert parse_step(url, f, "load")["status"] == "parsed"
    target, other = files["002_7536578806f022c2.pdf"], files["003_f52cf5fe5220986b.pdf"]
    report_id = target["report_id"]
    engine = get_engine(url)

    with psycopg.connect(url, autocommit=True) as reader:
        before = _counts(reader, report_id)
        other_before = _counts(reader, other["report_id"])
        parsed_at = reader.execute("SELECT parsed_at FROM raw.report_file WHERE report_id = %s",
                                   (report_id,)).fetchone()[0]
    assert before["report"] == 1 and sum(before.values()) > 10, before

    with pytest.raises(ValueError):
        reprocess(engine)  # nothing named
    assert [r["file_name"] for r in reprocess(engine, [target["file_name"]])] == [target["file_name"]]
    # a parse of a report that is parsed already (a cleared task, a second run) leaves it alone
    assert parse_step(url, other, "again")["status"] == "skipped"

    def staged_while_polled(stop_server: bool):
        seen, outcome = [], {}

        def run():
            try:
                outcome["value"] = parse_step(url, target, "reprocess")
            except Exception as error:  # noqa: BLE001 - checked by the test
                outcome["error"] = error

        blocker = psycopg.connect(url)
        reader = psycopg.connect(url, autocommit=True)
        blocker.execute("LOCK TABLE raw.report_file IN EXCLUSIVE MODE")  # reads pass, the UPDATE waits
        worker = threading.Thread(target=run)
        worker.start()
        try:
            while "stage" not in outcome:
                seen.append(_counts(reader, report_id))
                try:
                    _wait_for_stage_blocked(reader, timeout=0.01)
                    outcome["stage"] = True
                except AssertionError:
                    if not worker.is_alive():
                        break
            assert outcome.get("stage"), outcome
            seen.append(_counts(reader, report_id))  # every row deleted and re-inserted, uncommitted
            reader.close()
            if stop_server:
                server.stop()
            else:
                blocker.rollback()
        finally:
            worker.join(timeout=120)
            for conn in (blocker, reader):
                if not conn.closed:
                    conn.close()
        return seen, outcome

    # 1. the stage commits: readers saw the old rows throughout, then the new ones
    seen, outcome = staged_while_polled(stop_server=False)
    assert outcome["value"]["status"] == "parsed", outcome
    assert seen and all(c == before for c in seen), seen
    with psycopg.connect(url, autocommit=True) as reader:
        assert _counts(reader, report_id) == before
        assert _counts(reader, other["report_id"]) == other_before
        new_parsed_at, status = reader.execute(
            "SELECT parsed_at, status FROM raw.report_file WHERE report_id = %s", (report_id,)).fetchone()
    assert new_parsed_at > parsed_at and status == "parsed"

    # 2. the warehouse stops while the stage is open: a clear error, nothing partial, the retry loads it
    reprocess(engine, [target["file_name"]])
    seen, outcome = staged_while_polled(stop_server=True)
    error = outcome.get("error")
    assert isinstance(error, WarehouseUnavailableError), outcome
    port = server.port
    assert f"warehouse at 127.0.0.1:{port}/warehouse is unreachable" in str(error)
    assert "parse_step" in str(error) and "retry" in str(error)
    assert all(c == before for c in seen), seen
    with pytest.raises(WarehouseUnavailableError, match="unreachable"):
        parse_step(url, target, "retry-while-down")  # still down: the same clear message
    server.start()
    with psycopg.connect(url, autocommit=True) as reader:
        assert _counts(reader, report_id) == before  # the old rows, whole
        assert reader.execute("SELECT status FROM raw.report_file WHERE report_id = %s",
                              (report_id,)).fetchone()[0] == "discovered"
    assert parse_step(url, target, "retry")["status"] == "parsed"  # the task's retry
    with psycopg.connect(url, autocommit=True) as reader:
        assert _counts(reader, report_id) == before
        assert _counts(reader, other["report_id"]) == other_before
    get_engine.cache_clear()


# --- two runs at once ----------------------------------------------------------------------

RUN_STEPS = r"""
import json, pathlib, sys, time
from vnreports.pipeline import discover_step, parse_step
url, inbox, me, ready = sys.argv[1:5]
files = discover_step(url, pathlib.Path(inbox), dag_run_id=me)
pathlib.Path(ready, me).touch()
deadline = time.time() + 120
while len(list(pathlib.Path(ready).iterdir())) < 2 and time.time() < deadline:
    time.sleep(0.02)
print(json.dumps([parse_step(url, f, dag_run_id=me) for f in files]))
"""


def test_two_concurrent_runs_never_parse_the_same_file_twice(fresh_database, tmp_path):
    """Two processes run discover then parse over the same inbox at the same moment (both
    discover every file as new). Each report is parsed and staged by exactly one of them; the
    other skips it (claimed by the other run, or already parsed)."""
    inbox, ready = tmp_path / "inbox", tmp_path / "ready"
    inbox.mkdir()
    ready.mkdir()
    names = ["002_7536578806f022c2.pdf", "003_f52cf5fe5220986b.pdf"]
    for name in names:
        shutil.copy2(SAMPLE_REPORTS / name, inbox / name)
    env = {**os.environ, "REPORTS_SETTLE_SECONDS": "0"}
    runs = [subprocess.Popen([sys.executable, "-c", RUN_STEPS, fresh_database, str(inbox), run, str(ready)],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             stdin=subprocess.DEVNULL)
            for run in ("run_a", "run_b")]
    outcomes = []
    for process in runs:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err[-3000:]
        outcomes.append(json.loads(out.strip().splitlines()[-1]))
    for per_run in outcomes:  # both runs had both files to do
        assert sorted(o["file_name"] for o in per_run) == names
    for name in names:
        statuses = sorted(o["status"] for per_run in outcomes for o in per_run if o["file_name"] == name)
        assert statuses == ["parsed", "skipped"], (name, outcomes)
    engine = create_engine(psycopg_url(fresh_database))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM staging.report")).scalar_one() == 2
        rows = conn.execute(text("SELECT file_name, status, dag_run_id FROM raw.report_file")).all()
    engine.dispose()
    parsed_by = {o["file_name"]: run for run, per_run in zip(("run_a", "run_b"), outcomes)
                 for o in per_run if o["status"] == "parsed"}
    assert {r.file_name: (r.status, r.dag_run_id) for r in rows} == {n: ("parsed", parsed_by[n]) for n in names}


# --- a real Airflow, shared by the clear and backfill tests ---------------------------------

@pytest.fixture(scope="module")
def airflow(tmp_path_factory):
    from vnreports import cli
    from vnreports.warehouse_server import EmbeddedWarehouse

    local = tmp_path_factory.mktemp("ops_local")
    inbox = local / "inbox"
    with pytest.MonkeyPatch.context() as mp:
        for key in list(os.environ):
            if key.startswith("AIRFLOW") or key == "WAREHOUSE_URL":
                mp.delenv(key)
        mp.setenv("VNREPORTS_LOCAL_DIR", str(local))
        mp.setenv("WAREHOUSE_PORT", str(free_port()))
        mp.setenv("REPORTS_SETTLE_SECONDS", "0.2")
        url = cli.warehouse_url()  # the embedded warehouse, exactly as `vnreports run` starts it
        cli.copy_samples_to_inbox(inbox)
        env = cli.airflow_env(url)
    server = EmbeddedWarehouse(local / "warehouse")
    port = free_port()
    alerts = HttpSink().__enter__()  # the webhook failure alerts go to (vnreports.alerts)
    env.update({
        "VNREPORTS_ALERT_CONN_ID": "alerts",
        "AIRFLOW_CONN_ALERTS": f"http://127.0.0.1:{alerts.port}/hooks/airflow",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),  # shared by all components
        "AIRFLOW__CORE__PARALLELISM": "3",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
    })
    airflow_bin = str(Path(sys.executable).with_name("airflow"))
    processes: list[subprocess.Popen] = []
    logs = local / "component_logs"
    logs.mkdir()
    engine = create_engine(psycopg_url(url))
    try:
        subprocess.run([airflow_bin, "db", "migrate"], env=env, check=True, capture_output=True, timeout=300)
        # the triggerer runs the inbox asset's watcher (event-driven loads, off unless its Variable is on)
        for component in (["api-server", "--port", str(port)], ["scheduler"], ["dag-processor"],
                          ["triggerer", "--skip-serve-logs"]):
            log_file = (logs / f"{component[0]}.log").open("w")
            processes.append(subprocess.Popen([airflow_bin, *component], env=env, stdout=log_file,
                                              stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                              start_new_session=True))
        api = Api(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 180
        while True:  # api-server up and both DAGs parsed by the dag-processor
            try:
                api.login()
                api.call("GET", f"/api/v2/dags/{DAG_ID}")
                api.call("GET", f"/api/v2/dags/{EXPORT_DAG_ID}")
                break
            except (urllib.error.URLError, ConnectionError, OSError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)
        # The export DAG first: the first load's marts asset event then starts an export run.
        assert api.call("PATCH", f"/api/v2/dags/{EXPORT_DAG_ID}", {"is_paused": False})["is_paused"] is False
        # Unpausing makes the scheduler start the latest monthly run: the clean first load.
        assert api.call("PATCH", f"/api/v2/dags/{DAG_ID}", {"is_paused": False})["is_paused"] is False
        deadline = time.monotonic() + 60
        while not (runs := api.call("GET", f"/api/v2/dags/{DAG_ID}/dagRuns")["dag_runs"]):
            assert time.monotonic() < deadline, "the scheduler started no run after unpausing"
            time.sleep(1)
        first = runs[0]["dag_run_id"]
        assert api.wait_run(first) == "success", first
        yield {"api": api, "env": env, "url": url, "engine": engine, "inbox": inbox, "local": local,
               "first_run": first, "reference": warehouse_state(engine), "server": server, "alerts": alerts}
    finally:
        engine.dispose()
        for process in reversed(processes):
            _stop_group(process)
        server.stop()
        alerts.__exit__()


def test_the_first_scheduled_run_loads_every_sample_once(airflow):
    state = airflow["reference"]
    assert {f["status"] for f in state["files"].values()} == {"loaded"}
    assert set(state["files"]) == {p.name for p in SAMPLE_REPORTS.glob("*.pdf")}
    assert state["duplicates"] == {"report_file": 0, "fct_indicator_observation": 0, "fct_indicator_value": 0}
    assert all(state["observations"].get(f["report_id"], 0) > 0 for f in state["files"].values())


def test_parse_tasks_are_named_by_their_file(airflow):
    """In the UI (and the REST API) a parse instance shows its report's file name, not only its
    map index; validate is one task for the run's files."""
    tasks = airflow["api"].task_instances(airflow["first_run"])
    names = {p.name for p in SAMPLE_REPORTS.glob("*.pdf")}
    mapped = [t for t in tasks if t["task_id"] == "parse"]
    assert {t["rendered_map_index"] for t in mapped} == names
    assert [t["map_index"] for t in tasks if t["task_id"] == "validate"] == [-1]


def _export_run_of(api: Api, ingest_run: str, timeout: float = 300) -> dict:
    """The export run started by the asset events of an ingest run, once it has ended."""
    deadline = time.monotonic() + timeout
    while True:
        for run in api.call("GET", f"/api/v2/dags/{EXPORT_DAG_ID}/dagRuns?run_type=asset_triggered")["dag_runs"]:
            quoted = urllib.request.quote(run["dag_run_id"], safe="")
            events = api.call("GET", f"/api/v2/dags/{EXPORT_DAG_ID}/dagRuns/{quoted}/upstreamAssetEvents")["asset_events"]
            if any(e["source_run_id"] == ingest_run for e in events) and run["state"] in ("success", "failed"):
                return {**run, "asset_events": events}
        assert time.monotonic() < deadline, f"no finished export run triggered by {ingest_run}"
        time.sleep(2)


def test_the_first_load_publishes_the_marts_and_its_asset_event_runs_the_export(airflow):
    """The first run rebuilt the marts: publish_marts emitted one event per mart, and the export
    DAG, scheduled on marts.indicator_values, ran on it. Its CSV and Parquet files are the mart,
    row for row, one pair per period. Nothing failed, so no alert was sent."""
    import csv

    import pyarrow.parquet as pq

    from vnreports.assets import mart_uri, published_marts

    api, engine, first = airflow["api"], airflow["engine"], airflow["first_run"]
    events = api.call("GET", f"/api/v2/assets/events?source_dag_id={DAG_ID}&limit=100")["asset_events"]
    with pytest.MonkeyPatch.context() as mp:  # the URIs as the DAGs' environment makes them
        mp.setenv("AIRFLOW_CONN_WAREHOUSE", airflow["url"])
        expected_uris = sorted(mart_uri(name) for name in published_marts())
        indicator_values_uri = mart_uri("indicator_values")
    assert sorted(e["uri"] for e in events if e["source_run_id"] == first) == expected_uris
    assert all(e["source_task_id"] == "publish_marts" for e in events)
    loaded = len(airflow["reference"]["files"])
    assert {json.dumps(e["extra"], sort_keys=True) for e in events if e["source_run_id"] == first} == {
        json.dumps({"dag_run_id": first, "reports_loaded_by_run": loaded}, sort_keys=True)}

    run = _export_run_of(api, first)
    assert run["state"] == "success", run
    assert {e["uri"] for e in run["asset_events"]} == {indicator_values_uri}
    quoted = urllib.request.quote(run["dag_run_id"], safe="")
    result = api.call("GET", f"/api/v2/dags/{EXPORT_DAG_ID}/dagRuns/{quoted}/taskInstances/export/xcomEntries/"
                             "return_value?deserialize=true")["value"]
    if isinstance(result, str):
        result = json.loads(result)
    assert first in result["triggered_by"]
    folder = airflow["local"] / "exports" / "indicator_values"
    assert result["dir"] == str(folder)
    assert sorted(result["files"]) == sorted(str(p) for p in folder.iterdir())
    with engine.connect() as conn:
        periods = dict(conn.execute(text("SELECT period_key, count(*) FROM marts.indicator_values GROUP BY 1")).all())
        assert result["rows"] == periods and len(result["files"]) == 2 * len(periods)
        for period_key in periods:
            stem = folder / ("indicator_values_" + period_key.replace(":", "_"))
            rows = [dict(r) for r in conn.execute(text(
                "SELECT * FROM marts.indicator_values WHERE period_key = :p ORDER BY value_id"), {"p": period_key}).mappings()]
            with open(f"{stem}.csv", encoding="utf-8", newline="") as fh:
                written = list(csv.DictReader(fh))
            assert [r["value_id"] for r in written] == [r["value_id"] for r in rows], period_key
            assert [r["value"] for r in written] == ["" if r["value"] is None else format(r["value"], "f") for r in rows]
            parquet = pq.read_table(f"{stem}.parquet").to_pylist()
            assert parquet == [{k: float(v) if k in ("value", "value_canonical") and v is not None else v
                                for k, v in r.items()} for r in rows], period_key
    assert airflow["alerts"].posts == []


def test_a_failed_export_run_alerts_through_the_webhook_connection(airflow):
    """An export asked for a period the mart does not have fails without retry; the DAG's failure
    callback, run by the dag-processor, posts JSON to the webhook of the `alerts` connection,
    naming the DAG, the run, the failed task and its log URL."""
    api, sink = airflow["api"], airflow["alerts"]
    run_id = "manual__export_unknown_period"
    api.call("POST", f"/api/v2/dags/{EXPORT_DAG_ID}/dagRuns",
             {"dag_run_id": run_id, "logical_date": None, "conf": {"period": "1999-H1"}})
    deadline = time.monotonic() + 300
    while (state := api.call("GET", f"/api/v2/dags/{EXPORT_DAG_ID}/dagRuns/{run_id}")["state"]) not in (
            "success", "failed"):
        assert time.monotonic() < deadline, state
        time.sleep(2)
    assert state == "failed"
    deadline = time.monotonic() + 120
    while not (posts := [p for p in sink.posts if p.json.get("run_id") == run_id]):
        assert time.monotonic() < deadline, f"no alert for {run_id}; received {[p.json for p in sink.posts]}"
        time.sleep(1)
    (post,) = posts
    assert post.path == "/hooks/airflow"
    alert = post.json
    assert (alert["dag_id"], alert["reason"]) == (EXPORT_DAG_ID, "task_failure")
    base = api.base
    assert alert["failed_tasks"] == [{"task_id": "export", "map_index": -1, "log_url":
                                      f"{base}/dags/{EXPORT_DAG_ID}/runs/{run_id}/tasks/export?try_number=1"}]
    assert f"run {run_id}, failed" in alert["text"] and "export" in alert["text"]


def test_clearing_tasks_of_a_finished_run_changes_nothing(airflow):
    """A mapped parse instance, a dbt model task and record of the successful run, cleared
    through the REST API and run again: the warehouse is exactly the reference, parse times
    included (the cleared parse finds its report loaded and leaves it)."""
    api, run_id = airflow["api"], airflow["first_run"]
    cleared = api.clear(run_id, [["parse", 1], "dbt.fct_indicator_observation_model_build", "record"],
                        include_downstream=False)
    assert {(t["task_id"], t["map_index"]) for t in cleared} == {
        ("parse", 1), ("dbt.fct_indicator_observation_model_build", -1), ("record", -1)}
    assert api.wait_run(run_id) == "success"
    tries = {(t["task_id"], t["map_index"]): t["try_number"] for t in api.task_instances(run_id)}
    assert tries[("parse", 1)] == 2 and tries[("record", -1)] == 2
    assert warehouse_state(airflow["engine"]) == airflow["reference"]


def _task_log(local: Path, run_id: str, task_id: str, try_number: int) -> str:
    found = [p for p in (local / "airflow" / "logs").rglob(f"attempt={try_number}*.log")
             if f"run_id={run_id}" in str(p) and f"task_id={task_id}" in str(p)]
    return "\n".join(p.read_text(errors="replace") for p in found)


def test_backfill_with_a_failed_task_cleared_loads_each_report_once_and_reprocesses_atomically(airflow):
    """`vnreports reprocess --file` one report, then `airflow backfill create` over two past
    months. In the first month a real fault fails a task: a long analyst query holds an
    exclusive lock on a mart and the warehouse's lock_timeout cancels the dbt statement waiting
    for it. The lock is released, the failed task cleared (with downstream) through the REST
    API, and both months finish. The warehouse then equals the clean reference: same files, same
    staging and mart rows per report, no duplicate keys; only the reprocessed report has a new
    parse time, set by the first month's run; the second month found nothing to parse."""
    api, engine, env, local = airflow["api"], airflow["engine"], airflow["env"], airflow["local"]
    reference = airflow["reference"]
    vnreports = str(Path(sys.executable).with_name("vnreports"))
    done = subprocess.run([vnreports, "reprocess", "--file", REPROCESSED], env=env, capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"{REPROCESSED}: was loaded" in done.stdout and "1 report(s)" in done.stdout

    admin = psycopg.connect(airflow["url"], autocommit=True)
    blocker = psycopg.connect(airflow["url"])
    try:
        admin.execute("ALTER DATABASE warehouse SET lock_timeout = '3s'")
        blocker.execute("LOCK TABLE marts.fct_indicator_value IN ACCESS EXCLUSIVE MODE")
        created = subprocess.run(
            [str(Path(sys.executable).with_name("airflow")), "backfill", "create", "--dag-id", DAG_ID,
             "--from-date", "2024-01-01", "--to-date", "2024-02-01", "--max-active-runs", "1"],
            env=env, capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL)
        assert created.returncode == 0, created.stdout[-2000:] + created.stderr[-3000:]
        month1, month2 = "backfill__2024-01-01T00:00:00+00:00", "backfill__2024-02-01T00:00:00+00:00"
        deadline = time.monotonic() + 300
        while True:
            broken = [t for t in api.task_instances(month1) if t["state"] in ("up_for_retry", "failed")]
            if broken:
                break
            assert api.run(month1)["state"] not in ("success", "failed"), "month 1 ended without the fault"
            assert time.monotonic() < deadline, "no task failed while the mart was locked"
            time.sleep(2)
    finally:
        blocker.rollback()  # the analyst's query ends
        blocker.close()
        admin.execute("ALTER DATABASE warehouse RESET lock_timeout")
        admin.close()
    failed = sorted({t["task_id"] for t in broken})
    assert all("lock timeout" in _task_log(local, month1, task, 1) for task in failed), failed
    cleared = api.clear(month1, failed, include_downstream=True)
    assert set(failed) <= {t["task_id"] for t in cleared} and "record" in {t["task_id"] for t in cleared}
    assert api.wait_run(month1) == "success"
    assert api.wait_run(month2) == "success"

    state = warehouse_state(engine)
    assert without_parsed_at(state) == without_parsed_at(reference)
    assert state["duplicates"] == {"report_file": 0, "fct_indicator_observation": 0, "fct_indicator_value": 0}
    for name, file in state["files"].items():
        if name == REPROCESSED:
            assert file["parsed_at"] > reference["files"][name]["parsed_at"]
        else:
            assert file["parsed_at"] == reference["files"][name]["parsed_at"], name
    with engine.connect() as conn:
        run_of = conn.execute(text("SELECT dag_run_id FROM raw.report_file WHERE file_name = :n"),
                              {"n": REPROCESSED}).scalar_one()
    assert run_of == month1
    # the reprocessed report's facts were rebuilt from the new parse (new load signature), the others' kept
    for name, file in state["files"].items():
        changed = state["signatures"][file["report_id"]] != reference["signatures"][file["report_id"]]
        assert changed == (name == REPROCESSED), name
    parses = {run: [t for t in api.task_instances(run) if t["task_id"] == "parse"] for run in (month1, month2)}
    assert [t["state"] for t in parses[month1]] == ["success"]  # one file to parse, in month 1 only
    assert [t["state"] for t in parses[month2]] in ([], ["skipped"])
    # the month that rebuilt the marts published them; the month with nothing new emitted no event
    def events_of(run: str) -> list:
        quoted = urllib.request.quote(run, safe="")
        return api.call("GET", f"/api/v2/assets/events?source_dag_id={DAG_ID}&source_run_id={quoted}")["asset_events"]

    assert events_of(month1) and events_of(month2) == []
    assert [t["state"] for t in api.task_instances(month2) if t["task_id"] == "publish_marts"] == ["skipped"]


def _the_ui_data_quality_page_shows(airflow, run_id: str, name: str, reason: str) -> None:
    """The operator's view in the Airflow UI (Browse > Data quality, the run's "Data quality" tab):
    the plugin's page on the real api-server, in headless Chromium with every request that is
    not to the api-server aborted and counted. It shows the quarantined report and why, and
    serves the report's GX validation pages it links to."""
    from tests import browser

    api = airflow["api"]
    (plugin,) = [p for p in api.call("GET", "/api/v2/plugins")["plugins"] if p["name"] == "vnreports_quality"]
    assert [a["url_prefix"] for a in plugin["fastapi_apps"]] == ["/vnreports-quality"]
    assert {(v["destination"], v["href"]) for v in plugin["external_views"]} == {
        ("nav", "vnreports-quality/"), ("dag_run", "vnreports-quality/?run_id={RUN_ID}")}
    assert api.call("GET", "/api/v2/plugins/importErrors")["import_errors"] == []
    auth = {"Authorization": f"Bearer {api.token}"}
    for url in (f"{api.base}/vnreports-quality/", f"{api.base}/vnreports-quality/?run_id={quote(run_id)}"):
        seen = browser.open_offline(url, allow_origins=(api.base,), headers=auth)
        assert seen.status == 200 and seen.external == [] and seen.scripts == 0, (seen.status, seen.external)
        shown = " ".join(seen.text.split())
        assert f"quarantined {name}" in shown and f"Why quarantined: {' '.join(reason.split())}" in shown
        assert "Failed expectations" in shown and "expect_column_values_to_not_be_null on admin_unit_code" in shown
    assert not [p.name for p in SAMPLE_REPORTS.glob("*.pdf") if p.name in shown]  # the run's tab: its file only
    gx_pages = [link for link in seen.links if "/vnreports-quality/data-docs/validations/" in link]
    assert len(gx_pages) == 4  # one per suite of the report's validation
    with urllib.request.urlopen(urllib.request.Request(gx_pages[0], headers=auth), timeout=60) as response:
        assert response.status == 200 and b"<html" in response.read().lower()


# --- event-driven loads (issue 16): the inbox watch on this module's Airflow -------------------

WATCH_VARIABLE = "vnreports_inbox_watch"


def _runs(api) -> dict[str, dict]:
    return {r["dag_run_id"]: r for r in api.call("GET", f"/api/v2/dags/{DAG_ID}/dagRuns?limit=100")["dag_runs"]}


def _set_watch(api, value: str | None) -> None:
    """The operator's switch, through the REST API (the UI's Admin > Variables); None deletes it."""
    try:
        api.call("DELETE", f"/api/v2/variables/{WATCH_VARIABLE}")
    except urllib.error.HTTPError as error:
        if error.code != 404:
            raise
    if value is not None:
        api.call("POST", "/api/v2/variables", {"key": WATCH_VARIABLE, "value": value})


def test_a_dropped_report_starts_a_run_and_an_operator_fixes_its_metadata_by_clearing_its_parse(airflow, tmp_path):
    """Event-driven loads and the operator's fix, on the real triggerer, scheduler and api-server.

    With the Variable vnreports_inbox_watch unset (the default) a new inbox file starts nothing.
    Turned on, a file dropped into the inbox starts an asset-triggered run within a minute (the
    watcher looks every 10 s); a run created while that one runs, as the monthly run firing at the
    same moment, waits for it (max_active_runs=1) and then parses nothing. The dropped file is a
    commune report that names no province ("XÃ ĐỨC GIANG": three communes have the name) and no
    period: the event's run quarantines it with the reason and the command that fixes it, shown on
    the UI's data-quality page. The operator runs it (`vnreports metadata set`), clears the
    report's parse task in that run (the UI's Clear, here through the REST API), and the report
    loads with those fields, their source shown in marts.dim_report; it was staged once."""
    from vnreports.synthetic import write_reports

    api, engine, env, inbox = airflow["api"], airflow["engine"], airflow["env"], airflow["inbox"]
    (quiet,) = write_reports(tmp_path / "made", 1, pages=3, seed=16)
    name = "032_ducgiang-xa-6t-khongro.pdf"
    before = set(_runs(api))
    assert not [r for r in _runs(api).values() if r["state"] in ("queued", "running")]
    try:
        _set_watch(api, None)
        shutil.copy(quiet, inbox / quiet.name)
        time.sleep(20)  # two looks of the watcher
        assert set(_runs(api)) == before, "a run started while the watch was off"
        (inbox / quiet.name).unlink()

        _set_watch(api, "on")
        shutil.copy(CORPUS_PDFS / name, inbox / name)  # a new mtime and ctime: a fresh drop
        dropped = time.monotonic()
        while not (new := [r for run_id, r in _runs(api).items() if run_id not in before]):
            assert time.monotonic() - dropped < 60, "no run within a minute of the drop"
            time.sleep(1)
        latency = time.monotonic() - dropped
        [event_run] = new
        run_id = event_run["dag_run_id"]
        assert event_run["run_type"] == "asset_triggered", event_run
        while api.run(run_id)["state"] == "queued":  # then the next run must wait
            assert time.monotonic() - dropped < 300, "the event's run never started"
            time.sleep(1)
        monthly = api.call("POST", f"/api/v2/dags/{DAG_ID}/dagRuns",
                           {"dag_run_id": "manual__as_if_monthly", "logical_date": None})["dag_run_id"]
        assert api.wait_run(run_id) == "success"
        assert api.wait_run(monthly) == "success"
    finally:
        _set_watch(api, None)
        (inbox / quiet.name).unlink(missing_ok=True)
    print(f"a dropped file started a run {latency:.1f} s later")
    parses = {run: [t for t in api.task_instances(run) if t["task_id"] == "parse"] for run in (run_id, monthly)}
    assert [(t["state"], t["rendered_map_index"]) for t in parses[run_id]] == [("success", name)]
    assert [t["state"] for t in parses[monthly]] in ([], ["skipped"])  # found nothing new to parse
    assert set(_runs(api)) - before == {run_id, monthly}  # one event, one run

    with engine.connect() as conn:
        status, reason, quarantined_by = conn.execute(text(
            "SELECT status, reason, dag_run_id FROM raw.report_file WHERE file_name = :n"), {"n": name}).one()
    assert (status, quarantined_by) == ("quarantined", run_id)
    assert "administrative unit not resolved" in reason and "18319 Xã Đức Giang (Tỉnh Hà Tĩnh)" in reason
    assert f"vnreports metadata set '{name}' --unit" in reason and "--period 2021-H1" in reason
    assert "clear the report's parse task" in reason
    _the_ui_data_quality_page_shows(airflow, run_id, name, reason)

    vnreports = str(Path(sys.executable).with_name("vnreports"))
    done = subprocess.run([vnreports, "metadata", "set", name, "--unit", "18319", "--period", "2021-H1",
                           "--why", "the portal page is vuquang.hatinh.gov.vn/ducgiang"],
                          env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (inbox / "metadata_overrides.yaml").exists()
    api.clear(run_id, [["parse", parses[run_id][0]["map_index"]]], include_downstream=True)
    assert api.wait_run(run_id) == "success"
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT status, dag_run_id, trim(report_id) FROM raw.report_file WHERE file_name = :n"),
                            {"n": name}).all()
        assert [(status, run) for status, run, _ in rows] == [("loaded", run_id)]
        assert conn.execute(text("SELECT count(*) FROM staging.report WHERE report_id = :r"),
                            {"r": rows[0][2]}).scalar_one() == 1
        report = conn.execute(text(
            "SELECT admin_unit_code, period_type, period_start, unit_source, period_source, "
            "metadata_sources -> 'admin_unit_code' ->> 'text' AS unit_note "
            "FROM marts.dim_report WHERE file_name = :n"), {"n": name}).one()
        facts = conn.execute(text(
            "SELECT count(*) FROM marts.fct_indicator_observation o JOIN marts.dim_report r USING (report_id) "
            "WHERE r.file_name = :n AND o.admin_unit_code = '18319'"), {"n": name}).scalar_one()
    assert report.admin_unit_code == "18319" and report.period_type == "first_half"
    assert (report.unit_source, report.period_source) == ("operator_override", "operator_override")
    assert "vuquang.hatinh.gov.vn" in report.unit_note
    assert facts > 10
    assert warehouse_state(engine)["duplicates"] == {
        "report_file": 0, "fct_indicator_observation": 0, "fct_indicator_value": 0}
