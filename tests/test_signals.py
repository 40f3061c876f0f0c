"""Airflow's own signals (issue 16): the marts as Assets, the open-data export of
marts.indicator_values, and failure alerts through a connection.

The export runs against the real embedded warehouse with marts built by the real dbt project;
alerts go to a real SMTP server and a real HTTP server on localhost (tests/sinks.py), called
directly with a context like Airflow's and from a failed task of a real `dag.test()` run. The DAGs
publishing and consuming the asset are checked in test_dag.py (their shape) and test_operations.py
(an export run triggered by the ingest run's asset event, and an alert from the dag-processor).
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from sqlalchemy import text

from tests.sinks import HttpSink, SmtpSink
from tests.test_marts import QUARANTINED, REPORTS, built_marts

# --- the marts as assets -----------------------------------------------------------------------


@pytest.mark.parametrize(("environ", "expected"), [
    ({"AIRFLOW_CONN_WAREHOUSE": "postgresql://loader:s3cret@db.example:6543/wh"}, "db.example:6543/wh"),
    ({"AIRFLOW_CONN_WAREHOUSE": json.dumps({"conn_type": "postgres", "host": "db.example", "port": 6543,
                                            "schema": "wh", "login": "loader", "password": "s3cret"})},
     "db.example:6543/wh"),
    ({"WAREHOUSE_URL": "postgresql+psycopg://loader:s3cret@10.0.0.5/warehouse"}, "10.0.0.5:5432/warehouse"),
    ({"WAREHOUSE_CONN_ID": "dwh", "AIRFLOW_CONN_DWH": "postgres://u@dwh.internal:5444/stats",
      "AIRFLOW_CONN_WAREHOUSE": "postgresql://u@elsewhere:1/other"}, "dwh.internal:5444/stats"),
    ({}, "localhost:5432/warehouse"),  # a connection only in the metadata database: stable URIs
    ({"AIRFLOW_CONN_WAREHOUSE": "{not json"}, "localhost:5432/warehouse"),  # never breaks parsing
])
def test_mart_asset_uris_come_from_the_environment_without_a_lookup(monkeypatch, environ, expected):
    from vnreports.assets import mart_asset, mart_uri

    for key in ("AIRFLOW_CONN_WAREHOUSE", "WAREHOUSE_URL", "WAREHOUSE_CONN_ID"):
        monkeypatch.delenv(key, raising=False)
    for key, value in environ.items():
        monkeypatch.setenv(key, value)
    uri = f"postgres://{expected}/marts/indicator_values"
    assert mart_uri("indicator_values") == uri
    asset = mart_asset("indicator_values")
    assert (asset.name, asset.uri) == ("vnreports.marts.indicator_values", uri)  # as Airflow normalises it
    assert "s3cret" not in asset.uri and "loader" not in asset.uri


def test_the_published_marts_are_the_models_of_the_marts_schema():
    from vnreports.assets import published_marts

    marts = published_marts()
    assert {"indicator_values", "indicator_observations", "fct_indicator_value", "dim_report",
            "mart_plan_vs_actual"} <= set(marts)
    assert not any(name.startswith(("stg_", "int_")) for name in marts)  # marts_internal is not published


# --- the export ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def marts(tmp_path_factory, warehouse_url):
    """The test_marts reports staged and built by dbt in a fresh database: (engine, url)."""
    for engine in built_marts(tmp_path_factory, warehouse_url, REPORTS, QUARANTINED):
        yield engine, engine.url.render_as_string(hide_password=False)


def mart_rows(engine, period_key: str) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(text(
            "SELECT * FROM marts.indicator_values WHERE period_key = :p ORDER BY value_id"), {"p": period_key}).mappings()]


def as_csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file in the folder, hidden ones too: name -> (content, inode)."""
    return {p.name: (p.read_bytes(), p.stat().st_ino) for p in sorted(folder.iterdir())}


def test_export_writes_every_period_as_csv_and_parquet_equal_to_the_mart(marts, tmp_path):
    import pyarrow.parquet as pq

    from vnreports.export import export_indicator_values

    engine, url = marts
    with engine.connect() as conn:
        periods = conn.execute(text("SELECT period_key, count(*) FROM marts.indicator_values GROUP BY 1")).all()
    assert len(periods) >= 3, periods  # 2021, 2022, 9 months 2022, months of 2022, 2023 plans
    result = export_indicator_values(url, tmp_path)
    folder = tmp_path / "indicator_values"
    assert result["dir"] == str(folder) and result["removed"] == []
    assert result["rows"] == dict(periods)
    assert sorted(result["files"]) == sorted(str(p) for p in folder.iterdir())  # nothing else, no temp file
    assert len(result["files"]) == 2 * len(periods)
    for period_key, count in periods:
        stem = "indicator_values_" + period_key.replace(":", "_")
        expected = mart_rows(engine, period_key)
        assert len(expected) == count
        with open(folder / f"{stem}.csv", encoding="utf-8", newline="") as fh:
            written = list(csv.DictReader(fh))
        assert list(written[0]) == list(expected[0])  # the mart's columns, in its order
        assert written == [{k: as_csv_text(v) for k, v in row.items()} for row in expected], period_key
        table = pq.read_table(folder / f"{stem}.parquet")
        assert table.column_names == list(expected[0])
        assert str(table.schema.field("value").type) == "double"
        assert str(table.schema.field("period_start").type) == "date32[day]"
        assert str(table.schema.field("n_observations").type) == "int64"
        assert str(table.schema.field("is_catalogued").type) == "bool"
        parquet_rows = table.to_pylist()
        assert [{k: float(v) if isinstance(v, Decimal) else v for k, v in row.items()} for row in expected] \
            == parquet_rows, period_key


def test_export_again_overwrites_the_same_files_atomically_and_drops_stale_periods(marts, tmp_path):
    from vnreports.export import export_indicator_values

    engine, url = marts
    first = export_indicator_values(url, tmp_path)
    folder = Path(first["dir"])
    before = snapshot(folder)
    stale = folder / "indicator_values_year_1999-01-01_1999-12-31.csv"  # a period the mart no longer has
    stale.write_text("old\n")
    unrelated = folder / "README.txt"  # not an export file: left alone
    unrelated.write_text("kept\n")
    again = export_indicator_values(url, tmp_path)
    assert again["files"] == first["files"] and again["removed"] == [str(stale)]
    unrelated.unlink()
    after = snapshot(folder)
    assert set(after) == set(before)  # same names: no duplicate, no leftover temp file
    for name, (content, inode) in after.items():
        assert content == before[name][0], name  # the same mart gives the same bytes
        assert inode != before[name][1], name  # a new file renamed over the old, not rewritten in place


def test_export_of_one_period_by_its_label_and_an_unknown_period(marts, tmp_path):
    from vnreports.export import UnknownPeriodError, export_indicator_values

    engine, url = marts
    result = export_indicator_values(url, tmp_path, periods=["2022"])
    assert list(result["rows"]) == ["year:2022-01-01:2022-12-31"]
    assert result["rows"]["year:2022-01-01:2022-12-31"] == len(mart_rows(engine, "year:2022-01-01:2022-12-31"))
    assert sorted(Path(p).name for p in result["files"]) == [
        "indicator_values_year_2022-01-01_2022-12-31.csv", "indicator_values_year_2022-01-01_2022-12-31.parquet"]
    with pytest.raises(UnknownPeriodError, match="'1999-H1'"):
        export_indicator_values(url, tmp_path, periods=["1999-H1"])


# --- failure alerts ------------------------------------------------------------------------------


def airflow_context(dag_id: str = "vn_reports_ingest", run_id: str = "scheduled__2024-03-01T00:00:00+00:00"):
    """What Airflow hands a DAG's on_failure_callback: the DAG, the run id, the reason and the
    task instance that failed the run (a RuntimeTaskInstance; here its fields)."""
    from airflow.sdk import DAG

    ti = SimpleNamespace(dag_id=dag_id, run_id=run_id, task_id="parse", map_index=2, try_number=3,
                         log_url=f"http://airflow.example:8080/dags/{dag_id}/runs/{run_id}/tasks/parse/mapped/2?try_number=3")
    return {"dag": DAG(dag_id, schedule=None), "run_id": run_id, "reason": "task_failure", "ti": ti}


def smtp_connection(port: int, **extra) -> str:
    return json.dumps({"conn_type": "smtp", "host": "127.0.0.1", "port": port, "extra": {
        "from_email": "airflow@example.org", "disable_ssl": True, "disable_tls": True, "timeout": 10,
        "retry_limit": 0, **extra}})


def test_alerts_are_off_without_a_connection(monkeypatch):
    from vnreports.alerts import FailureNotifier, failure_callback

    monkeypatch.delenv("VNREPORTS_ALERT_CONN_ID", raising=False)
    assert failure_callback() is None
    monkeypatch.setenv("VNREPORTS_ALERT_CONN_ID", "  ")
    assert failure_callback() is None
    monkeypatch.setenv("VNREPORTS_ALERT_CONN_ID", "alerts")
    notifier = failure_callback()
    assert isinstance(notifier, FailureNotifier) and notifier.conn_id == "alerts"


def test_a_failure_mail_reaches_a_local_smtp_server(monkeypatch):
    from vnreports.alerts import FailureNotifier

    with SmtpSink() as sink:
        monkeypatch.setenv("AIRFLOW_CONN_ALERTS_MAIL", smtp_connection(sink.port))
        monkeypatch.setenv("VNREPORTS_ALERT_TO", "ops@example.org, data@example.org")
        context = airflow_context()
        FailureNotifier("alerts_mail")(context)
        assert sink.received.wait(10)
    (mail,) = sink.mails
    assert mail.mail_from == "airflow@example.org"
    assert mail.rcpt_to == ["ops@example.org", "data@example.org"]
    assert mail.message["Subject"] == ("[Airflow] vn_reports_ingest failed: run "
                                       "scheduled__2024-03-01T00:00:00+00:00 (parse[2])")
    body = mail.body
    assert "vn_reports_ingest" in body and "scheduled__2024-03-01T00:00:00+00:00" in body
    assert "parse[2]" in body and "task_failure" in body
    assert 'href="http://airflow.example:8080/dags/vn_reports_ingest/runs/scheduled__2024-03-01T00:00:00+00:00' \
           '/tasks/parse/mapped/2?try_number=3"' in body


def test_a_failure_webhook_posts_json_to_a_local_http_server(monkeypatch):
    from vnreports.alerts import FailureNotifier

    with HttpSink() as sink:
        monkeypatch.setenv("AIRFLOW_CONN_ALERTS_HOOK", f"http://bot:s3cret@127.0.0.1:{sink.port}/hooks/airflow")
        FailureNotifier("alerts_hook")(airflow_context())
        assert sink.received.wait(10)
        # a webhook answering an error fails the callback (Airflow logs it; the run's state stays)
        monkeypatch.setenv("AIRFLOW_CONN_ALERTS_BROKEN", f"http://127.0.0.1:{sink.port}/fail")
        with pytest.raises(Exception, match="500"):
            FailureNotifier("alerts_broken")(airflow_context())
    post = sink.posts[0]
    assert post.path == "/hooks/airflow"
    assert post.headers["Content-Type"] == "application/json"
    assert post.headers["Authorization"] == "Basic Ym90OnMzY3JldA=="  # bot:s3cret
    payload = post.json
    assert (payload["dag_id"], payload["run_id"], payload["reason"]) == (
        "vn_reports_ingest", "scheduled__2024-03-01T00:00:00+00:00", "task_failure")
    assert payload["failed_tasks"] == [{"task_id": "parse", "map_index": 2, "log_url": airflow_context()["ti"].log_url}]
    assert "parse[2]" in payload["text"] and airflow_context()["ti"].log_url in payload["text"]


def test_webhook_urls_of_the_usual_connection_forms():
    from airflow.sdk import Connection

    from vnreports.alerts import webhook_url

    uri = Connection.from_uri("https://hooks.example.org/services/T0/B0/x", conn_id="a")
    assert webhook_url(uri) == "https://hooks.example.org/services/T0/B0/x"
    provider_form = Connection(conn_id="b", conn_type="http", host="hooks.example.org", schema="https",
                               extra=json.dumps({"endpoint": "services/x"}))
    assert webhook_url(provider_form) == "https://hooks.example.org/services/x"
    explicit = Connection(conn_id="c", conn_type="http", extra=json.dumps({"url": "http://10.0.0.9:9000/alert"}))
    assert webhook_url(explicit) == "http://10.0.0.9:9000/alert"


def test_an_alert_connection_of_another_type_is_refused(monkeypatch):
    from vnreports.alerts import FailureNotifier

    monkeypatch.setenv("AIRFLOW_CONN_ALERTS_PG", "postgresql://u@127.0.0.1:1/x")
    with pytest.raises(ValueError, match="expected one of smtp, email, http, https"):
        FailureNotifier("alerts_pg").notify(airflow_context())


PROBE_DAGS = '''
from datetime import datetime

from airflow.sdk import dag, task

from vnreports.alerts import failure_callback


@dag(dag_id="alert_probe_fails", schedule=None, start_date=datetime(2024, 1, 1), on_failure_callback=failure_callback())
def fails():
    @task(retries=0)
    def fine():
        return 1

    @task(retries=0)
    def breaks(value):
        raise RuntimeError("the probe fails on purpose")

    breaks(fine())


@dag(dag_id="alert_probe_succeeds", schedule=None, start_date=datetime(2024, 1, 1), on_failure_callback=failure_callback())
def succeeds():
    @task(retries=0)
    def fine():
        return 1

    fine()


fails()
succeeds()
'''

RUN_PROBES = '''
import sys
from airflow.dag_processing.dagbag import DagBag

bag = DagBag(dag_folder=sys.argv[1])
assert not bag.import_errors, bag.import_errors
for dag_id in ("alert_probe_succeeds", "alert_probe_fails"):
    run = bag.dags[dag_id].test()
    print(dag_id, run.run_id, run.state, flush=True)
'''


def test_a_failed_task_in_a_real_dag_run_sends_the_mail(tmp_path):
    """Two DAGs built here with the project's failure callback, run by `dag.test()` in a fresh
    Airflow (SQLite metadata database) whose alert connection is an AIRFLOW_CONN_ variable: the
    failing one's run sends one mail naming the DAG, its run and the failed task with its log URL;
    the succeeding one sends nothing."""
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "alert_probes.py").write_text(PROBE_DAGS)
    with SmtpSink() as sink:
        env = {**os.environ,
               "AIRFLOW_HOME": str(tmp_path / "home"),
               "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{tmp_path / 'airflow.db'}",
               "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
               "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
               "AIRFLOW__API__BASE_URL": "http://airflow.example:8080",
               "VNREPORTS_ALERT_CONN_ID": "alerts",
               "AIRFLOW_CONN_ALERTS": smtp_connection(sink.port, to="ops@example.org")}
        airflow = str(Path(sys.executable).with_name("airflow"))
        migrated = subprocess.run([airflow, "db", "migrate"], env=env, capture_output=True, text=True,
                                  timeout=600, stdin=subprocess.DEVNULL)
        assert migrated.returncode == 0, migrated.stdout[-2000:] + migrated.stderr[-2000:]
        done = subprocess.run([sys.executable, "-c", RUN_PROBES, str(dags)], env=env, capture_output=True,
                              text=True, timeout=600, stdin=subprocess.DEVNULL, cwd=tmp_path)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    runs = dict(line.split(" ", 1) for line in done.stdout.splitlines() if line.startswith("alert_probe_"))
    run_id, state = runs["alert_probe_fails"].split(" ")
    assert state == "failed" and runs["alert_probe_succeeds"].endswith(" success"), done.stdout
    (mail,) = sink.mails  # one mail: the failed run's; nothing for the run that succeeded
    assert mail.rcpt_to == ["ops@example.org"]
    assert mail.message["Subject"] == f"[Airflow] alert_probe_fails failed: run {run_id} (breaks)"
    body = mail.body
    assert f"run <b>{run_id}</b>" in body and "breaks" in body and "fine" not in body
    # the failed task's log in the UI, at the api-server's base_url
    assert (f'href="http://airflow.example:8080/dags/alert_probe_fails/runs/{quote(run_id)}/tasks/breaks'
            f'?try_number=1"') in body, body
