"""`vnreports`: the commands behind the Makefile.

    vnreports run                 warehouse + Airflow home + sample reports -> real DAG run -> summary
    vnreports warehouse start|stop|url|bi-url
    vnreports warehouse upgrade --old-bindir DIR
                                  a data folder of PostgreSQL 16 (the pgserver wheel) converted to 18
    vnreports airflow             Airflow UI, scheduler, DAG processor on localhost:8080
    vnreports summary             what landed in the warehouse
    vnreports reprocess (--file NAME ... | --all | --older-than-parser)
                                  set reports back to 'discovered': the next DAG run parses them again
    vnreports docs [--serve]      the data-quality page (offline HTML), then the dbt docs of the marts
    vnreports review list|apply|accept|reject
                                  figures held back from the BI views, by indicator name; curators'
                                  decisions into the catalog seeds (see vnreports.curation)
    vnreports metadata set FILE [--unit CODE] [--period 2021-H1] [--issued DATE] [--doc-number N] --why TEXT
    vnreports metadata list       an operator's fields for a report whose metadata cannot be read
                                  (see vnreports.overrides); the next run parses it with them
    vnreports extract FILE [--json] [--unit CODE --period P --issued DATE]
                                  parse one PDF (or .txt) without a warehouse: metadata with sources,
                                  tables, sentence facts with their BI tier
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from vnreports import config

DAG_ID = "vn_reports_ingest"


def embedded_warehouse():
    from vnreports.warehouse_server import EmbeddedWarehouse

    return EmbeddedWarehouse(config.local_dir() / "warehouse")


def warehouse_url(start: bool = True) -> str:
    """WAREHOUSE_URL when set; otherwise the embedded server (started if needed)."""
    if os.environ.get("WAREHOUSE_URL"):
        return os.environ["WAREHOUSE_URL"]
    server = embedded_warehouse()
    return server.start() if start else server.url()


def airflow_metadata_url(url: str) -> str:
    """Airflow's metadata database: an `airflow` database beside the embedded warehouse,
    or a SQLite file under .local when the warehouse is an external server we may not own."""
    if os.environ.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"):
        return os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    if os.environ.get("WAREHOUSE_URL"):
        return f"sqlite:///{config.local_dir() / 'airflow' / 'airflow.db'}"
    import psycopg

    admin = make_url(url).set(database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = 'airflow'").fetchone():
            conn.execute("CREATE DATABASE airflow")
    return make_url(url).set(drivername="postgresql+psycopg2", database="airflow").render_as_string(
        hide_password=False
    )


def airflow_env(url: str) -> dict[str, str]:
    """Environment for every airflow command: project DAGs, local home, warehouse connection."""
    home = config.local_dir() / "airflow"
    home.mkdir(parents=True, exist_ok=True)
    metadata = airflow_metadata_url(url)
    env = {
        **os.environ,
        # airflow standalone starts its components as `airflow ...` from PATH
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(config.DAGS_DIR),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(config.PLUGINS_DIR),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata,
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        "AIRFLOW__USAGE_DATA_COLLECTION__ENABLED": "False",
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        # Cosmos' partial-parse and profile cache beside the other local state, not in /tmp/cosmos.
        "AIRFLOW__COSMOS__CACHE_DIR": str(config.local_dir() / "cosmos"),
        "GX_ANALYTICS_ENABLED": "False",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        "AIRFLOW_CONN_WAREHOUSE": url,
        "WAREHOUSE_URL": url,
        "REPORTS_INBOX": str(config.inbox_dir()),
        "VNREPORTS_LOCAL_DIR": str(config.local_dir()),
        # Local development only: every UI user is admin, no login.
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
    }
    return env


def _airflow(args: list[str], env: dict[str, str], check: bool = True, **kwargs) -> subprocess.CompletedProcess:
    airflow = str(Path(sys.executable).with_name("airflow"))
    return subprocess.run([airflow, *args], env=env, check=check, **kwargs)


def migrate_metadata_db(env: dict[str, str], **kwargs) -> bool:
    """`airflow db migrate` unless the metadata database is already at the revision this Airflow
    version last migrated it to (a marker file beside Airflow's config). Returns whether it ran.
    The check reads one row; the command takes about 4 s (most of it Airflow's import), a good
    part of a run with nothing new."""
    import json
    from importlib.metadata import version

    from sqlalchemy import create_engine
    from sqlalchemy.exc import SQLAlchemyError

    marker = Path(env["AIRFLOW_HOME"]) / "metadata-db-migrated.json"
    conn_url = env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    wanted = {"airflow": version("apache-airflow"), "database": make_url(conn_url).render_as_string(hide_password=True)}

    def current_revision() -> str | None:
        engine = create_engine(conn_url)
        try:
            with engine.connect() as conn:
                return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except SQLAlchemyError:  # no metadata database or no table yet
            return None
        finally:
            engine.dispose()

    try:
        recorded = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        recorded = None
    revision = current_revision()
    if revision is not None and recorded == {**wanted, "revision": revision}:
        return False
    _airflow(["db", "migrate"], env, **kwargs)
    revision = current_revision()
    if revision is not None:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(json.dumps({**wanted, "revision": revision}), encoding="utf-8")
    return True


def copy_samples_to_inbox(inbox: Path) -> int:
    """Copy the bundled sample reports into the inbox (never overwriting a file there)."""
    inbox.mkdir(parents=True, exist_ok=True)
    copied = 0
    for sample in sorted(config.SAMPLE_REPORTS_DIR.glob("*.pdf")):
        target = inbox / sample.name
        if not target.exists():
            shutil.copy2(sample, target)
            copied += 1
    return copied


# DAG task -> the stage `vnreports run` reports it under (mapped tasks summed)
STAGES = ("discover", "parse", "validate", "data_docs", "prepare", "dbt models", "dbt tests", "validate_marts", "record",
          "publish_marts", "other")


def stage_of(task_id: str) -> str:
    """The stage of a task: its own name, or the dbt group's models (each with its own tests, Cosmos
    TestBehavior.BUILD) and the tests across models."""
    if task_id in STAGES:
        return task_id
    if task_id.startswith("dbt"):
        return "dbt tests" if "test" in task_id else "dbt models"
    return "other"


def latest_run_tasks(env: dict[str, str], run_id: str | None = None, engine=None) -> list[dict]:
    """The task instances of one run (default: the DAG's latest run) from Airflow's metadata: id,
    map index, its rendered name (the file), state, seconds."""
    from sqlalchemy import create_engine

    own = engine is None
    engine = engine or create_engine(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
    which = ":run" if run_id else "(SELECT run_id FROM dag_run WHERE dag_id = :d ORDER BY id DESC LIMIT 1)"
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT ti.task_id, ti.map_index, ti.rendered_map_index, ti.state, ti.run_id, ti.start_date, ti.end_date"
            f" FROM task_instance ti WHERE ti.dag_id = :d AND ti.run_id = {which}"),
            {"d": DAG_ID, "run": run_id}).mappings().all()
    if own:
        engine.dispose()
    return [dict(r, seconds=(r["end_date"] - r["start_date"]).total_seconds() if r["start_date"] and r["end_date"]
                 else 0.0) for r in rows]


def stage_lines(tasks: list[dict]) -> list[str]:
    """One line per stage: tasks, how many failed, seconds (summed over mapped tasks)."""
    by_stage: dict[str, list[dict]] = {}
    for t in tasks:
        by_stage.setdefault(stage_of(t["task_id"]), []).append(t)
    lines = []
    for stage in STAGES:
        ts = by_stage.get(stage)
        if not ts:
            continue
        failed = sum(t["state"] in ("failed", "upstream_failed") for t in ts)
        skipped = sum(t["state"] == "skipped" for t in ts)
        note = (f", {failed} failed" if failed else "") + (f", {skipped} skipped" if skipped else "")
        lines.append(f"  {stage:15s} {len(ts):4d} task(s){note:14s} {sum(t['seconds'] for t in ts):7.1f} s")
    return lines


def run_dag(url: str) -> None:
    """One real run of the DAG. By default on a local Airflow: api-server, dag-processor and a
    scheduler whose LocalExecutor runs a task more than the cores at once (vnreports.local_airflow), with a
    progress line for parse and validate. VNREPORTS_RUN_MODE=dags-test (or a SQLite metadata
    database) runs it through `airflow dags test` instead: in one process, a task at a time.
    Airflow's and dbt's output goes to log files (to the console with VERBOSE=1); the console
    gets one line per stage, and on failure the failing tasks, their files and their log folders."""
    env = airflow_env(url)
    logs = config.local_dir() / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    log_path = logs / "airflow-dags-test.log"
    verbose = os.environ.get("VERBOSE", "") not in ("", "0")
    in_process = run_in_process(url, env)
    run_id = None
    if in_process:
        print(f"running the DAG {DAG_ID} (airflow dags test, one task at a time)"
              f"{'' if verbose else f'; its log: {log_path}'}", flush=True)
        with log_path.open("w", encoding="utf-8") as fh:
            out = {} if verbose else {"stdout": fh, "stderr": subprocess.STDOUT}
            migrate_metadata_db(env, **out)
            returncode = _airflow(["dags", "test", DAG_ID], env, check=False, **out).returncode
    else:
        migrate_log = logs / "airflow-db-migrate.log"
        with migrate_log.open("w", encoding="utf-8") as fh:
            migrate_metadata_db(env, **({} if verbose else {"stdout": fh, "stderr": subprocess.STDOUT}))
        run_id, returncode = _run_on_local_executor(url, env, logs, verbose)
        log_path = logs
    started = run_id is not None or in_process  # else Airflow did not come up: no run of ours
    tasks = latest_run_tasks(env, run_id) if started else []
    state = dag_run_state(env, run_id) if started else None
    print(f"DAG run: {state or 'not started'}", flush=True)
    for line in stage_lines(tasks):
        print(line)
    if returncode != 0 or state != "success":
        task_logs = Path(env["AIRFLOW__LOGGING__BASE_LOG_FOLDER"])
        for t in tasks:
            if t["state"] == "failed":
                what = f" [{t['rendered_map_index'] or t['map_index']}]" if t["map_index"] >= 0 else ""
                print(f"  failed: {t['task_id']}{what}; log: {task_logs}/dag_id={DAG_ID}/run_id={t['run_id']}/"
                      f"task_id={t['task_id']}/")
        raise SystemExit(f"the {DAG_ID} run ended in state {state!r} (exit code {returncode}); see {log_path}")


def run_in_process(url: str, env: dict[str, str]) -> bool:
    """`airflow dags test` (True) or a local Airflow with LocalExecutor (False)?
    VNREPORTS_RUN_MODE=dags-test or local-executor decides; by default a run with no file to
    parse goes in process (starting Airflow's components takes longer than such a run), and so
    does a SQLite metadata database (one writer at a time)."""
    mode = os.environ.get("VNREPORTS_RUN_MODE", "").strip()
    if mode not in ("", "dags-test", "local-executor"):
        raise SystemExit(f"VNREPORTS_RUN_MODE must be dags-test or local-executor, not {mode!r}")
    if mode:
        return mode == "dags-test"
    if env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("sqlite"):
        return True
    from vnreports.db import get_engine
    from vnreports.ingest import files_to_parse

    return files_to_parse(get_engine(url), config.inbox_dir()) == 0


def _run_on_local_executor(url: str, env: dict[str, str], logs: Path, verbose: bool) -> tuple[str | None, int]:
    """Start a local Airflow, trigger one run, show its progress, stop Airflow. Returns the run id
    and 0, or (None, 1) when Airflow did not come up."""
    import signal
    import time

    from sqlalchemy import create_engine

    from vnreports.db import get_engine
    from vnreports.local_airflow import FINISHED, FilesProgress, LocalAirflow

    def stop_on_sigterm(signum, frame):  # noqa: ARG001 - a signal handler's signature
        raise SystemExit(f"stopped by signal {signum}")  # runs the finally below: Airflow stops too

    signal.signal(signal.SIGTERM, stop_on_sigterm)
    airflow = LocalAirflow(env, log_dir=logs, console=verbose)
    print(f"running the DAG {DAG_ID} on a local Airflow (scheduler with LocalExecutor, {airflow.parallelism} "
          f"task(s) at once); Airflow's logs: {logs}", flush=True)
    started = time.monotonic()
    metadata = create_engine(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
    warehouse = get_engine(url)
    try:
        try:
            airflow.start(DAG_ID)
        except (TimeoutError, RuntimeError) as error:
            print(f"  {error}", flush=True)
            return None, 1
        for stale in airflow.fail_unfinished_runs(DAG_ID):
            print(f"  run {stale} was left unfinished by an earlier Airflow; marked failed", flush=True)
        run_id = airflow.trigger(DAG_ID)
        print(f"  Airflow up in {time.monotonic() - started:.0f} s; run {run_id}", flush=True)
        progress = FilesProgress(tty=sys.stdout.isatty())

        def show() -> None:
            tasks = latest_run_tasks(env, run_id, engine=metadata)
            if not any(t["task_id"] == "parse" and t["map_index"] >= 0 for t in tasks):
                return  # discovery not done yet
            parsed, total = files_parsed(warehouse, run_id)  # a parse task takes a few files
            if not total:
                return
            # validate is one task for all files: done when it is, else the files it has judged
            if any(t["task_id"] == "validate" and t["state"] in FINISHED for t in tasks):
                validated = total
            else:
                validated = files_validated(warehouse, run_id)
            progress.update(parsed, validated, total, pages_parsed(warehouse, run_id), time.monotonic())

        airflow.wait(DAG_ID, run_id, on_poll=show)
        return run_id, 0
    finally:
        airflow.stop()
        metadata.dispose()


def files_parsed(engine, run_id: str) -> tuple[int, int]:
    """(files this run has parsed or failed so far, those plus the files still waiting to be parsed)."""
    try:
        with engine.connect() as conn:
            done, waiting = conn.execute(text(
                "SELECT count(*) FILTER (WHERE status <> 'discovered' AND dag_run_id = :run),"
                " count(*) FILTER (WHERE status = 'discovered')"
                " FROM raw.report_file WHERE status <> 'duplicate'"), {"run": run_id}).one()
            return int(done), int(done) + int(waiting)
    except Exception:  # noqa: BLE001 - the tables appear during the first run
        return 0, 0


def files_validated(engine, run_id: str) -> int:
    """Files of one DAG run that validation has judged (validated or quarantined) so far."""
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(
                "SELECT count(*) FROM raw.report_file WHERE dag_run_id = :run"
                " AND status IN ('validated', 'quarantined', 'loaded')"), {"run": run_id}).scalar())
    except Exception:  # noqa: BLE001 - the tables appear during the first run
        return 0


def pages_parsed(engine, run_id: str) -> int:
    """Pages of the reports staged by one DAG run (for the progress line's pages/s)."""
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(
                "SELECT coalesce(sum(r.page_count), 0) FROM staging.report r JOIN raw.report_file f"
                " ON f.report_id = r.report_id AND f.status <> 'duplicate' WHERE f.dag_run_id = :run"),
                {"run": run_id}).scalar())
    except Exception:  # noqa: BLE001 - the tables appear during the first run
        return 0


def dag_run_state(env: dict[str, str], run_id: str | None = None) -> str | None:
    """The state of one run (default: the DAG's latest)."""
    from sqlalchemy import create_engine

    engine = create_engine(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT state FROM dag_run WHERE dag_id = :d AND (CAST(:run AS TEXT) IS NULL OR run_id = :run)"
                 " ORDER BY id DESC LIMIT 1"), {"d": DAG_ID, "run": run_id}
        ).first()
    engine.dispose()
    return row.state if row else None


SUMMARY_ROWS = 8  # rows per summary table: the output of a month of 200 reports fits on one screen (54 lines)


def _more_line(rows: list, where: str) -> None:
    if len(rows) > SUMMARY_ROWS:
        print(f"  ... and {len(rows) - SUMMARY_ROWS} more ({where})")


def print_summary(url: str) -> None:
    from vnreports.db import get_engine

    engine = get_engine(url)
    with engine.connect() as conn:
        files = conn.execute(text(
            "SELECT status, count(*) AS files, string_agg(DISTINCT reason, '; ') "
            "FILTER (WHERE reason IS NOT NULL) AS reasons "
            "FROM raw.report_file GROUP BY status ORDER BY status")).all()
        facts = conn.execute(text(
            "SELECT admin_unit_name, period_type, period_start, count(*) AS facts "
            "FROM marts.indicator_values GROUP BY 1, 2, 3 ORDER BY 1, 3, 2")).all()
        tiers = conn.execute(text("""
            SELECT r.file_name,
                   count(*) FILTER (WHERE o.source_kind = 'table' AND o.is_published) AS table_published,
                   count(*) FILTER (WHERE o.source_kind = 'table' AND NOT o.is_published) AS table_held,
                   count(*) FILTER (WHERE o.source_kind = 'narrative' AND o.is_published) AS sentence_published,
                   count(*) FILTER (WHERE o.source_kind = 'narrative' AND NOT o.is_published) AS sentence_held
              FROM marts.fct_indicator_observation o
              JOIN marts.dim_report r ON r.report_id = o.report_id
             GROUP BY 1 ORDER BY 1""")).all()
    print("\nReports by status")
    print(f"  {'status':<12} {'files':>5}  reason")
    for row in files:
        print(f"  {row.status:<12} {row.files:>5}  {(row.reasons or '')[:100]}")
    print("\nFacts in marts.indicator_values by unit and period")
    print(f"  {'admin unit':<28} {'period':<12} {'start':<10} {'facts':>6}")
    for row in facts[:SUMMARY_ROWS]:
        print(f"  {row.admin_unit_name or '?':<28} {row.period_type or '?':<12} {row.period_start!s:<10} {row.facts:>6}")
    _more_line(facts, "marts.indicator_values")
    print(f"  total facts: {sum(r.facts for r in facts)}\n")
    print("Figures by BI tier (published: indicator_values may show them; held: marts.indicator_review,"
          " `vnreports review list`)")
    print(f"  {'report':<44} {'table pub/held':>15} {'sentence pub/held':>18}")
    for row in tiers[:SUMMARY_ROWS]:
        print(f"  {row.file_name[:44]:<44} {row.table_published:>7}/{row.table_held:<7} "
              f"{row.sentence_published:>9}/{row.sentence_held:<8}")
    _more_line(tiers, "marts.fct_indicator_observation.is_published")
    if len(tiers) > SUMMARY_ROWS:
        print(f"  {'all ' + str(len(tiers)) + ' reports':<44} {sum(r.table_published for r in tiers):>7}/"
              f"{sum(r.table_held for r in tiers):<7} {sum(r.sentence_published for r in tiers):>9}/"
              f"{sum(r.sentence_held for r in tiers):<8}")
    print()
    from vnreports import quality

    if quality.page_path().exists():  # written by the DAG's data_docs and record tasks
        print(f"Data-quality page (offline; also in the Airflow UI, Browse > Data quality): {quality.page_path()}")
    docs = quality.data_docs_site_dir() / "index.html"
    if docs.exists():
        print(f"GX Data Docs: {docs}")
    print(f"Airflow task logs: {config.local_dir() / 'airflow' / 'logs'}")
    print_bi_reader_url(url)


def bi_reader_url_line(url: str) -> tuple[str, str | None]:
    """(`BI_READER_URL=...`, a note or None) for the read-only BI role (vnreports.access)."""
    from vnreports.access import bi_reader_password, bi_reader_url
    from vnreports.db import get_engine

    role = config.bi_reader_role()
    with get_engine(url).connect() as conn:
        login = conn.execute(text("SELECT rolcanlogin FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar()
    password = bi_reader_password(url) if login else None
    line = f"BI_READER_URL={bi_reader_url(url, role, password)}"
    if login is None:
        return line, f"note: role {role} does not exist yet; the DAG's prepare step creates it"
    if not login:
        return line, f"note: role {role} is NOLOGIN; set BI_READER_PASSWORD and run the pipeline again"
    if password is None:
        return line, f"note: the password of {role} is BI_READER_PASSWORD of the deployment (not set here)"
    return line, None


def print_bi_reader_url(url: str) -> None:
    try:
        line, note = bi_reader_url_line(url)
    except Exception as error:  # noqa: BLE001 - the summary must still end with WAREHOUSE_URL
        print(f"BI reader URL unavailable: {type(error).__name__}: {error}")
        return
    if note:
        print(note)
    print(line)


def cmd_run(_: argparse.Namespace) -> None:
    url = warehouse_url()
    copied = copy_samples_to_inbox(config.inbox_dir())
    print(f"inbox {config.inbox_dir()}: {copied} sample report(s) copied")
    run_dag(url)
    print_summary(url)
    print(f"WAREHOUSE_URL={url}")


def cmd_warehouse(args: argparse.Namespace) -> None:
    server = embedded_warehouse()
    if args.action == "upgrade":
        if not args.old_bindir:
            raise SystemExit("vnreports warehouse upgrade: name the old PostgreSQL's bin/ folder with --old-bindir DIR")
        print(server.upgrade(Path(args.old_bindir)))
    elif args.action == "start":
        print(server.start())
    elif args.action == "stop":
        print("stopped" if server.stop() else "not running")
    elif args.action == "bi-url":
        # Read-only URL for BI tools (Superset, Metabase, Power BI, psql): the bi_reader role.
        line, note = bi_reader_url_line(warehouse_url(start=False))
        if note:
            print(note, file=sys.stderr)
        print(line.removeprefix("BI_READER_URL="))
    else:
        print(server.url())


def cmd_airflow(_: argparse.Namespace) -> None:
    url = warehouse_url()
    env = airflow_env(url)
    migrate_metadata_db(env)
    print("Airflow UI on http://localhost:8080 (Ctrl-C stops it)")
    os.execve(str(Path(sys.executable).with_name("airflow")), ["airflow", "standalone"], env)


def cmd_docs(args: argparse.Namespace) -> None:
    """The data-quality page (every report file's status, why a report was quarantined or
    failed, failed expectations and warnings; one offline HTML file), then the dbt docs
    (models, columns, tests, lineage) generated from the warehouse, then served."""
    from vnreports import quality
    from vnreports.db import get_engine
    from vnreports.transform import dbt_env, run_dbt

    url = warehouse_url()
    page = quality.write_page(get_engine(url))
    print(f"data-quality page: {page}")
    run_dbt(url, ["docs", "generate"])
    target = config.local_dir() / "dbt" / "target"
    print(f"dbt docs: {target / 'index.html'}")
    if args.serve:
        print(f"serving on http://localhost:{args.port} (Ctrl-C stops it)")
        subprocess.run([str(Path(sys.executable).with_name("dbt")), "docs", "serve", "--port", str(args.port),
                        "--no-browser", "--project-dir", str(config.dbt_project_dir()),
                        "--profiles-dir", str(config.dbt_project_dir()), "--target-path", str(target)],
                       env={**os.environ, **dbt_env(url)}, check=False)


def cmd_reprocess(args: argparse.Namespace) -> None:
    """Set reports back to 'discovered'; the next DAG run parses them again and replaces their
    staging rows in one transaction, and dbt rebuilds their facts (their parsed_at changed)."""
    from vnreports.db import ensure_schema, get_engine
    from vnreports.ingest import reprocess
    from vnreports.parsing import PARSER_VERSION

    if not (args.file or args.all or args.older_than_parser):
        raise SystemExit("vnreports reprocess: name --file NAME (repeatable), --all or --older-than-parser")
    engine = get_engine(warehouse_url())
    ensure_schema(engine)
    try:
        files = reprocess(engine, file_names=args.file, everything=args.all,
                          other_parser_than=PARSER_VERSION if args.older_than_parser else None)
    except LookupError as error:
        raise SystemExit(f"vnreports reprocess: {error}") from None
    for row in files:
        print(f"{row['file_name']}: was {row['was']}, the next run parses it again")
    print(f"{len(files)} report(s) set back to discovered")


def cmd_summary(_: argparse.Namespace) -> None:
    url = warehouse_url()
    print_summary(url)
    print(f"WAREHOUSE_URL={url}")


def cmd_review(args: argparse.Namespace) -> None:
    """The review queue by indicator name, and curators' decisions into the catalog seeds."""
    from vnreports import curation

    try:
        if args.action == "list":
            from vnreports.db import get_engine

            names = curation.held_names(get_engine(warehouse_url()), limit=args.limit)
            print(f"{'facts':>5} {'reports':>7}  indicator name as written  [reasons] (suggested code)")
            for h in names:
                suggestion = f" (suggested: {h.suggested_code})" if h.suggested_code else ""
                print(f"{h.n_facts:>5} {h.n_reports:>7}  {h.indicator_text}  [{h.hold_reasons}]{suggestion}")
                print(f"{'':>15}e.g. {h.example_report} p.{h.example_page}: {(h.example_sentence or '')[:160]}")
            if args.out:
                n = curation.write_worksheet(names, Path(args.out))
                print(f"{n} name(s) written to {args.out}: fill in decision (accept/reject), indicator_code "
                      f"and note, then `vnreports review apply {args.out}`")
            return
        if args.action == "apply":
            counts = curation.apply_worksheet(Path(args.file))
        else:
            counts = curation.decide([{
                "indicator_text": args.name, "decision": args.action, "indicator_code": args.code or "",
                "note": args.note or "", "new_name_en": args.name_en or "", "new_topic": args.topic or "",
                "new_unit": args.unit or "",
            }])
    except curation.CurationError as error:
        raise SystemExit(f"vnreports review: {error}") from None
    print(", ".join(f"{k} {v}" for k, v in counts.items()))
    print("the next DAG run resolves the staged figures with these decisions (accepted ones reach the BI views)")


def cmd_metadata(args: argparse.Namespace) -> None:
    """Record or list operators' metadata overrides (metadata_overrides.yaml in the inbox)."""
    from vnreports import overrides

    inbox = config.inbox_dir()
    if args.action == "list":
        entries = overrides.load(inbox)
        if not entries:
            print(f"no overrides in {overrides.overrides_path(inbox)}")
        for name, entry in sorted(entries.items()):
            fields = ", ".join(f"{k}={entry[k]}" for k in overrides.FIELDS if entry.get(k))
            print(f"{name}: {fields}  (set by {entry.get('set_by')} at {entry.get('set_at')}: {entry.get('why', '')})")
        return
    try:
        entry = overrides.set_override(inbox, args.file, unit=args.unit, period=args.period, issued=args.issued,
                                       doc_number=args.doc_number, why=args.why)
    except ValueError as error:
        raise SystemExit(f"vnreports metadata set: {error}") from None
    print(f"{args.file}: {entry} recorded in {overrides.overrides_path(inbox)}")
    print("the next DAG run parses the report again with these fields (or clear its parse task in the Airflow UI)")


def cmd_extract(args: argparse.Namespace) -> None:
    from vnreports import extract

    try:
        print(extract.main(args.file, as_json=args.json, unit=args.unit, period=args.period, issued=args.issued))
    except (OSError, ValueError) as error:
        raise SystemExit(f"vnreports extract: {error}") from None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="vnreports", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the DAG over the sample reports").set_defaults(func=cmd_run)
    wh = sub.add_parser("warehouse", help="manage the embedded warehouse")
    wh.add_argument("action", choices=["start", "stop", "url", "bi-url", "upgrade"])
    wh.add_argument("--old-bindir", metavar="DIR",
                    help="upgrade: bin/ folder of the PostgreSQL that made the data folder (e.g. 16)")
    wh.set_defaults(func=cmd_warehouse)
    sub.add_parser("airflow", help="Airflow UI + scheduler on :8080").set_defaults(func=cmd_airflow)
    sub.add_parser("summary", help="print what landed").set_defaults(func=cmd_summary)
    rep = sub.add_parser("reprocess", help="parse reports again in the next DAG run (e.g. after a parser upgrade)")
    rep.add_argument("--file", action="append", metavar="NAME", help="file name as in raw.report_file (repeatable)")
    rep.add_argument("--all", action="store_true", help="every parsed, loaded, quarantined or failed report")
    rep.add_argument("--older-than-parser", action="store_true",
                     help="reports parsed by a parser version other than the installed one")
    rep.set_defaults(func=cmd_reprocess)
    docs = sub.add_parser("docs", help="write the data-quality page, generate (and --serve) the dbt docs of the marts")
    docs.add_argument("--serve", action="store_true")
    docs.add_argument("--port", type=int, default=8081)
    docs.set_defaults(func=cmd_docs)
    review = sub.add_parser("review", help="held-back figures by indicator name; curation decisions")
    review_sub = review.add_subparsers(dest="action", required=True)
    listing = review_sub.add_parser("list", help="held names with counts, reasons and an example")
    listing.add_argument("--limit", type=int, default=50)
    listing.add_argument("--out", metavar="CSV", help="also write a worksheet to fill in")
    apply_ = review_sub.add_parser("apply", help="apply the decisions of a filled-in worksheet")
    apply_.add_argument("file")
    for action in ("accept", "reject"):
        one = review_sub.add_parser(action, help=f"{action} one indicator name as written")
        one.add_argument("name")
        one.add_argument("--note")
        if action == "accept":
            one.add_argument("--code", required=True, help="the catalog code the name stands for")
            one.add_argument("--new", action="store_true", help="add --code to the catalog")
            one.add_argument("--name-en")
            one.add_argument("--topic")
            one.add_argument("--unit", help="canonical unit of a new code")
        else:
            one.set_defaults(code=None, name_en=None, topic=None, unit=None)
    review.set_defaults(func=cmd_review)
    meta = sub.add_parser("metadata", help="an operator's unit / period / date for a report that does not say them")
    meta_sub = meta.add_subparsers(dest="action", required=True)
    setter = meta_sub.add_parser("set", help="record fields for one report (file name as in the inbox)")
    setter.add_argument("file")
    setter.add_argument("--unit", help="GSO code of the unit the report is about")
    setter.add_argument("--period", help="2021, 2021-05, 2021-Q2, 2021-H1, 2021-H2, 2021-9M or 2021-01/2021-10")
    setter.add_argument("--issued", help="issue date, YYYY-MM-DD")
    setter.add_argument("--doc-number")
    setter.add_argument("--why", required=True, help="where the value comes from (kept with it)")
    meta_sub.add_parser("list", help="the recorded overrides")
    meta.set_defaults(func=cmd_metadata)
    ext = sub.add_parser("extract", help="parse one file without a warehouse and print what it gives")
    ext.add_argument("file")
    ext.add_argument("--json", action="store_true")
    ext.add_argument("--unit", help="GSO code (a .txt has no header; a PDF's reading is replaced)")
    ext.add_argument("--period", help="as for `metadata set`")
    ext.add_argument("--issued", help="YYYY-MM-DD")
    ext.set_defaults(func=cmd_extract)
    args = parser.parse_args(argv)
    from vnreports.warehouse_server import WarehouseServerError

    try:
        args.func(args)
    except WarehouseServerError as error:  # e.g. a data folder of another PostgreSQL: a message, no traceback
        raise SystemExit(f"vnreports {args.command}: {error}") from None


if __name__ == "__main__":
    main()
