"""Monthly load of UBND socio-economic reports: inbox PDFs -> staging -> GX -> dbt marts.

Thin on purpose: the steps live in vnreports.pipeline (importable and testable without
Airflow) and heavy libraries are imported inside the tasks, so parsing this file stays fast.
The dbt project is one task per seed and model (astronomer-cosmos, group `dbt`), rendered from
dbt_project/target/manifest.json: no dbt command runs while this file is parsed.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from airflow.sdk import BaseHook, TriggerRule, dag, get_current_context, task
from cosmos import DbtTaskGroup, ExecutionConfig, ProjectConfig, RenderConfig
from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior, TestIndirectSelection
from cosmos.operators.local import DbtTestLocalOperator

WAREHOUSE_CONN_ID = os.environ.get("WAREHOUSE_CONN_ID", "warehouse")


def _warehouse_url() -> str:
    """The warehouse connection (AIRFLOW_CONN_WAREHOUSE or the UI), else WAREHOUSE_URL."""
    try:
        conn = BaseHook.get_connection(WAREHOUSE_CONN_ID)
    except Exception:  # connection not defined: fall back to the plain variable
        return os.environ["WAREHOUSE_URL"]
    from sqlalchemy.engine import URL

    return URL.create(
        "postgresql", username=conn.login, password=conn.password, host=conn.host,
        port=conn.port, database=conn.schema,
    ).render_as_string(hide_password=False)


def _run_id() -> str:
    return get_current_context()["run_id"]


@dag(
    dag_id="vn_reports_ingest",
    schedule="@monthly",
    start_date=datetime(2021, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=1)},
    tags=["vnreports"],
    doc_md=__doc__,
)
def vn_reports_ingest():
    from vnreports import config
    from vnreports.dbt_tasks import cross_model_tests, profile_config
    from vnreports.transform import dbt_manifest_path

    @task
    def discover() -> list[dict]:
        from vnreports.pipeline import discover_step

        return discover_step(_warehouse_url(), dag_run_id=_run_id())

    @task(map_index_template="{{ report_file_name }}")
    def parse(inbox_file: dict) -> dict:
        from vnreports.pipeline import parse_step

        get_current_context()["report_file_name"] = inbox_file["file_name"]  # names the mapped task in the UI
        return parse_step(_warehouse_url(), inbox_file, dag_run_id=_run_id())

    @task
    def validate(parsed: dict) -> dict:
        from vnreports.pipeline import validate_step

        return validate_step(_warehouse_url(), parsed, dag_run_id=_run_id())

    # NONE_FAILED: runs (and so do the dbt tasks) when there was nothing new to parse.
    @task(trigger_rule=TriggerRule.NONE_FAILED)
    def prepare() -> dict:
        from vnreports.pipeline import prepare_step

        return prepare_step(_warehouse_url())

    # record stays NONE_FAILED (a run with no new files still records), and a failed dbt task
    # upstream, or one upstream_failed after it, keeps it from running: no report becomes
    # `loaded` unless every seed, model and test it depends on succeeded in this run.
    @task(trigger_rule=TriggerRule.NONE_FAILED)
    def record() -> dict:
        from vnreports.pipeline import record_step

        return record_step(_warehouse_url(), dag_run_id=_run_id())

    project_dir = config.dbt_project_dir()
    manifest = dbt_manifest_path(project_dir)  # a stat per file; `dbt parse` only when stale
    profile = profile_config()  # the `warehouse` connection, looked up when a dbt task runs
    # TestBehavior.BUILD: one task per seed/model running `dbt build --select <node>`, so its tests
    # run in the same dbt invocation (AFTER_EACH would double the invocations: run + test tasks;
    # each costs a dbt start-up and project parse). A failed test fails the model's task, its
    # downstream models become upstream_failed, and clearing that one task rebuilds and re-tests it.
    # Indirect selection CAUTIOUS: a model's task runs only the tests on that model alone; tests
    # spanning several models (relationships, singular tests) run once in `tests_across_models`,
    # after all of their models (with the default EAGER, building a dimension would run the
    # relationships test of a fact that does not exist yet or is still stale).
    # InvocationMode.DBT_RUNNER: dbt in-process. Measured on the sample run (`airflow dags test`, 2 CPUs):
    # the dbt tasks took 59 s with dbtRunner against 127 s with a dbt subprocess per task (each
    # subprocess pays Python + dbt start-up and loading the partial parse, ~3 s).
    execution = ExecutionConfig(
        execution_mode=ExecutionMode.LOCAL,
        invocation_mode=InvocationMode.DBT_RUNNER,
        test_indirect_selection=TestIndirectSelection.CAUTIOUS,
    )
    dbt = DbtTaskGroup(
        group_id="dbt",
        project_config=ProjectConfig(
            dbt_project_path=project_dir, manifest_path=manifest, install_dbt_deps=False,
        ),
        profile_config=profile,
        execution_config=execution,
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            test_behavior=TestBehavior.BUILD,
            emit_datasets=False,
        ),
        # --no-write-json: no manifest.json / run_results.json per task (half of a small model's time).
        operator_args={"install_deps": False, "dbt_cmd_global_flags": ["--no-write-json"]},
    )
    across, parents = cross_model_tests(manifest)
    if across:
        tests_task = DbtTestLocalOperator(
            task_id="tests_across_models",
            task_group=dbt,
            project_dir=str(project_dir),
            profile_config=profile,
            select=across,
            invocation_mode=execution.invocation_mode,
            install_deps=False,
            dbt_cmd_global_flags=["--no-write-json"],
            emit_datasets=False,
            manifest_filepath=str(manifest),
            cache_dir=next(iter(dbt.tasks_map.values())).cache_dir,  # shares the group's partial parse
        )
        upstream = [dbt.tasks_map[p] for p in parents if p in dbt.tasks_map]
        (upstream or list(dbt.get_leaves())) >> tests_task

    validated = validate.expand(parsed=parse.expand(inbox_file=discover()))
    validated >> prepare() >> dbt >> record()


vn_reports_ingest()
