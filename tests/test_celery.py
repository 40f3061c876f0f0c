"""Scale-out on a real distributed engine (issue 14): the DAG on Airflow's CeleryExecutor.

On this machine, no Docker: a real `redis-server` (Debian's package; `make test` installs it when
missing and it runs as root) on a free port is the broker; Airflow's api-server, scheduler and
dag-processor run with `AIRFLOW__CORE__EXECUTOR=CeleryExecutor` and the result backend on the
Airflow metadata database (as docker-compose.yml configures them); two `airflow celery worker`
processes, `workerA@<host>` and `workerB@<host>`, one task at a time each, run every task. The
inbox is that of the session's `vnreports run` (tests.conftest.sample_run): the four samples, a
truncated PDF, a second copy of the province report and two reports either side of the 2025
reorganisation, so there are parse tasks to share and bad input on both executors.

What is checked:
- the scheduled run succeeds and every file ends as under `vnreports run` (loaded once, or
  failed / duplicate with its reason);
- each task ran on a Celery worker, and the parse tasks ran on both: the worker's node name is
  what Celery itself records for the task (`celery_taskmeta.worker`, kept with
  `result_extended`), joined to the task instance by `task_instance.external_executor_id`
  (the Celery task id). `task_instance.hostname` would not tell: both workers run on this host;
- the warehouse ends with the same contents as the session's run of the same inbox by
  `vnreports run` (what `make run` does: a local scheduler with LocalExecutor),
  every row of every table and view in raw, staging, marts, marts_internal and reference, less the
  columns that differ between two identical runs (tests.conftest.VOLATILE_COLUMNS).

Slow: about three and a half minutes on two cores (the reference run is the session's, shared).
The workers start warm, as docker-compose.yml starts them (vnreports.warm_airflow): the Celery run
took 182 s instead of 248 s cold (measured 2026-12-05, this test alone).
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
from collections import Counter
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine, text

from tests.conftest import free_port, skip_or_fail_without, warehouse_rows
from tests.test_operations import DAG_ID, Api, _stop_group, psycopg_url

pytestmark = pytest.mark.slow

CELERY_APP = "airflow.providers.celery.executors.celery_executor.app"  # as in docker-compose.yml
WORKERS = ("workerA", "workerB")


def _require_redis_server() -> str:
    path = shutil.which("redis-server")
    if path:
        return path
    skip_or_fail_without("redis-server", "the Celery test")


def _tail(path: Path, chars: int = 4000) -> str:
    return f"\n--- {path.name} ---\n" + path.read_text(errors="replace")[-chars:] if path.exists() else ""


def _wait_for_workers(env: dict[str, str], names: list[str], log_dir: Path, timeout: float = 120) -> None:
    """Until `celery inspect ping` (the compose healthcheck's command) gets a pong from each named
    worker node through the broker."""
    celery = str(Path(sys.executable).with_name("celery"))
    deadline = time.monotonic() + timeout
    while True:
        done = subprocess.run([celery, "--app", CELERY_APP, "inspect", "ping", "--timeout", "2"], env=env,
                              capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
        if all(f"{name}@" in done.stdout for name in names):
            return
        assert time.monotonic() < deadline, (f"workers {names} never answered a ping: {done.stdout}{done.stderr}"
                                             + "".join(_tail(log_dir / f"{n}.log") for n in names))
        time.sleep(2)


@pytest.fixture(scope="module")
def inbox(sample_run) -> Path:
    """The reference run's inbox itself (which holds the samples `vnreports run` copied in): the
    same files at the same paths, so raw.report_file.file_path compares equal. Runs only read it."""
    return sample_run["inbox"]


@pytest.fixture(scope="module")
def celery_run(tmp_path_factory, inbox):
    """The DAG's scheduled run on a CeleryExecutor with two workers; the stack is stopped before
    the tests read what it left (the warehouse and the metadata database stay up)."""
    from vnreports import cli
    from vnreports.warehouse_server import EmbeddedWarehouse

    redis_server = _require_redis_server()
    local = tmp_path_factory.mktemp("celery_local")
    logs = local / "component_logs"
    logs.mkdir()
    with pytest.MonkeyPatch.context() as mp:
        for key in list(os.environ):
            if key.startswith("AIRFLOW") or key == "WAREHOUSE_URL":
                mp.delenv(key)
        mp.setenv("VNREPORTS_LOCAL_DIR", str(local))
        mp.setenv("REPORTS_INBOX", str(inbox))
        mp.setenv("WAREHOUSE_PORT", str(free_port()))
        mp.setenv("REPORTS_SETTLE_SECONDS", "0.2")
        url = cli.warehouse_url()  # the embedded warehouse, as `vnreports run` starts it
        server = EmbeddedWarehouse(local / "warehouse")
        try:
            env = cli.airflow_env(url)
        except BaseException:
            server.stop()
            raise
    try:
        yield from _run_on_celery(redis_server, url, env, local, logs)
    finally:
        server.stop()


def _run_on_celery(redis_server: str, url: str, env: dict[str, str], local: Path, logs: Path):
    redis_port, api_port = free_port(), free_port()
    metadata = env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    env.update({
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__CELERY__BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
        "AIRFLOW__CELERY__RESULT_BACKEND": f"db+{metadata}",
        # Keep the worker's node name with each task's result (celery_taskmeta.worker).
        "AIRFLOW__CELERY__EXTRA_CELERY_CONFIG": '{"result_extended": true}',
        "AIRFLOW__API__PORT": str(api_port),
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{api_port}",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),  # shared by all components
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
        "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL": "1",  # as vnreports.local_airflow: no idle 5 s per task
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
    })
    airflow_bin = str(Path(sys.executable).with_name("airflow"))
    processes: list[subprocess.Popen] = []

    def start(name: str, args: list[str]) -> None:
        log_file = (logs / f"{name}.log").open("w")
        processes.append(subprocess.Popen(args, env=env, stdout=log_file, stderr=subprocess.STDOUT,
                                          stdin=subprocess.DEVNULL, start_new_session=True))

    def worker(name: str) -> None:
        # as docker-compose.yml starts it: warmed up (vnreports.warm_airflow), then `airflow celery worker`
        start(name, [sys.executable, "-m", "vnreports.warm_airflow", "celery", "worker", "--concurrency", "1",
                     "--celery-hostname", f"{name}@%h", "--pid", str(local / f"{name}.pid"), "--skip-serve-logs"])

    started = time.monotonic()
    try:
        redis_dir = local / "redis"
        redis_dir.mkdir()
        start("redis", [redis_server, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                        "--appendonly", "no", "--dir", str(redis_dir)])
        import redis

        client = redis.Redis(port=redis_port, socket_connect_timeout=1)
        deadline = time.monotonic() + 30
        while True:
            try:
                assert client.ping()
                break
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "redis-server did not answer" + _tail(logs / "redis.log")
                time.sleep(0.2)
        client.close()
        subprocess.run([airflow_bin, "db", "migrate"], env=env, check=True, capture_output=True, timeout=300)
        # One worker first: it creates the result backend's tables, which two at once could race on.
        worker(WORKERS[0])
        for component in (["api-server", "--port", str(api_port)], ["scheduler"], ["dag-processor"]):
            start(component[0], [airflow_bin, *component])
        _wait_for_workers(env, [WORKERS[0]], logs)
        worker(WORKERS[1])
        api = Api(f"http://127.0.0.1:{api_port}")
        deadline = time.monotonic() + 180
        while True:  # api-server up and the DAG parsed by the dag-processor
            try:
                api.login()
                api.call("GET", f"/api/v2/dags/{DAG_ID}")
                break
            except (urllib.error.URLError, ConnectionError, OSError):
                assert time.monotonic() < deadline, "api-server or DAG not there" + _tail(logs / "api-server.log")
                time.sleep(1)
        _wait_for_workers(env, list(WORKERS), logs)
        # Unpausing makes the scheduler start the latest monthly run.
        assert api.call("PATCH", f"/api/v2/dags/{DAG_ID}", {"is_paused": False})["is_paused"] is False
        deadline = time.monotonic() + 60
        while not (runs := api.call("GET", f"/api/v2/dags/{DAG_ID}/dagRuns")["dag_runs"]):
            assert time.monotonic() < deadline, "the scheduler started no run after unpausing"
            time.sleep(1)
        run_id = runs[0]["dag_run_id"]
        try:
            state = api.wait_run(run_id, timeout=900)
        except TimeoutError as error:
            pytest.fail(f"{error}" + "".join(_tail(logs / f"{n}.log") for n in ("scheduler", *WORKERS)))
        seconds = time.monotonic() - started
    finally:
        for process in reversed(processes):
            _stop_group(process)
    engine = create_engine(psycopg_url(metadata))
    with engine.connect() as conn:
        tasks = [dict(r) for r in conn.execute(text(
            "SELECT ti.task_id, ti.map_index, ti.state, ti.external_executor_id, m.worker, m.status AS celery_status"
            " FROM task_instance ti LEFT JOIN celery_taskmeta m ON m.task_id = ti.external_executor_id"
            " WHERE ti.dag_id = :d AND ti.run_id = :r"), {"d": DAG_ID, "r": run_id}).mappings()]
    engine.dispose()
    yield {"url": url, "state": state, "run_id": run_id, "tasks": tasks, "seconds": seconds, "logs": logs,
           "local": local}


def test_the_celery_run_loads_every_report_once(celery_run, sample_run, inbox):
    assert celery_run["state"] == "success", [t for t in celery_run["tasks"] if t["state"] != "success"]
    files = sorted(p.name for p in inbox.glob("*.pdf"))
    statuses = "SELECT file_name, status FROM raw.report_file ORDER BY file_name"
    with psycopg.connect(celery_run["url"]) as conn:
        rows = conn.execute(statuses).fetchall()
        staged = conn.execute("SELECT count(*), count(DISTINCT report_id) FROM staging.report").fetchone()
        per_report = conn.execute(
            "SELECT count(*) FROM (SELECT report_id FROM marts.dim_report GROUP BY 1 HAVING count(*) > 1) d"
        ).fetchone()[0]
    with psycopg.connect(sample_run["url"]) as conn:
        reference = conn.execute(statuses).fetchall()
    assert [name for name, _ in rows] == files
    assert rows == reference
    loaded = [name for name, status in rows if status == "loaded"]
    assert len(loaded) >= 6 and {"failed", "duplicate"} <= {status for _, status in rows}
    assert staged == (len(loaded), len(loaded))
    assert per_report == 0
    parses = [t for t in celery_run["tasks"] if t["task_id"] == "parse"]
    assert len(parses) >= len(loaded) + 1  # the broken file is parsed too (and fails as bad input)
    assert sorted(t["map_index"] for t in parses) == list(range(len(parses)))
    assert {t["state"] for t in parses} == {"success"}


def test_every_task_ran_on_a_celery_worker_and_both_shared_the_parse_tasks(celery_run):
    ran = [t for t in celery_run["tasks"] if t["state"] != "skipped"]
    assert ran, celery_run["tasks"]
    for t in ran:
        assert t["external_executor_id"] and t["celery_status"] == "SUCCESS", t
        assert t["worker"] and t["worker"].split("@")[0] in WORKERS, t
    parse_workers = Counter(t["worker"].split("@")[0] for t in ran if t["task_id"] == "parse")
    assert set(parse_workers) == set(WORKERS), f"parse tasks by worker: {dict(parse_workers)}"
    print(f"\nCelery run: {celery_run['seconds']:.0f} s from redis start to success; parse tasks by worker "
          f"{dict(parse_workers)}; all tasks by worker {dict(Counter(t['worker'].split('@')[0] for t in ran))}")


def test_the_warehouse_equals_that_of_a_local_run(celery_run, sample_run):
    celery_rows, local_rows = warehouse_rows(celery_run["url"]), sample_run["rows"]
    assert sorted(celery_rows) == sorted(local_rows)
    assert sum(map(len, celery_rows.values())) > 1000  # the marts are not empty
    differing = {}
    for relation, rows in celery_rows.items():
        if rows != local_rows[relation]:
            differing[relation] = {"only under celery": list((rows - local_rows[relation]).elements())[:3],
                                   "only in the local run": list((local_rows[relation] - rows).elements())[:3]}
    assert not differing, differing
    # The comparison sees a single figure changed (the Celery run's database is not used after this).
    with psycopg.connect(celery_run["url"], autocommit=True) as conn:
        conn.execute("UPDATE marts.fct_indicator_value SET value = value + 1"
                     " WHERE ctid = (SELECT ctid FROM marts.fct_indicator_value WHERE value IS NOT NULL LIMIT 1)")
    changed = warehouse_rows(celery_run["url"])
    assert "marts.fct_indicator_value" in [r for r in local_rows if local_rows[r] != changed[r]]
    print(f"\n{len(celery_rows)} relations compared")
