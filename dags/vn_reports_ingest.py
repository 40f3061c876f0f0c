"""Monthly load of UBND socio-economic reports: inbox PDFs -> staging -> GX -> dbt marts.

Thin on purpose: the steps live in vnreports.pipeline (importable and testable without
Airflow) and heavy libraries are imported inside the tasks, so parsing this file stays fast.
The dbt project is one task per seed and model (astronomer-cosmos, group `dbt`), rendered from
dbt_project/target/manifest.json: no dbt command runs while this file is parsed.

A run that rebuilt the marts publishes them as Airflow Assets (`publish_marts`; the DAG
vn_reports_export is scheduled on marts.indicator_values). A failed run is reported through the
connection VNREPORTS_ALERT_CONN_ID names (vnreports.alerts; off when unset).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import TriggerRule, dag, get_current_context, task


def _warehouse_url() -> str:
    """vnreports.config.airflow_warehouse_url, imported when a task runs (not at parse time)."""
    from vnreports.config import airflow_warehouse_url

    return airflow_warehouse_url()


def _run_id() -> str:
    return get_current_context()["run_id"]


def _failure_callback():
    from vnreports.alerts import failure_callback

    return failure_callback()  # None unless VNREPORTS_ALERT_CONN_ID names a connection


def _monthly_or_new_inbox_files():
    """Monthly (as "@monthly" was), or when the asset vnreports_inbox gets an event: its watcher
    (in the triggerer) fires for files the warehouse has not registered, only while the Airflow
    Variable vnreports_inbox_watch is on. See vnreports.inbox_watch and README "Event-driven loads"."""
    from airflow.sdk import Asset, AssetOrTimeSchedule, AssetWatcher, CronTriggerTimetable

    from vnreports.inbox_watch import ASSET_NAME, WATCHER_NAME, InboxFilesTrigger

    inbox = Asset(ASSET_NAME, watchers=[AssetWatcher(name=WATCHER_NAME, trigger=InboxFilesTrigger())])
    return AssetOrTimeSchedule(timetable=CronTriggerTimetable("@monthly", timezone="UTC"), assets=[inbox])


@dag(
    dag_id="vn_reports_ingest",
    schedule=_monthly_or_new_inbox_files(),
    start_date=datetime(2021, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=1)},
    tags=["vnreports"],
    doc_md=__doc__,
    on_failure_callback=_failure_callback(),
)
def vn_reports_ingest():
    from vnreports.assets import marts_assets
    from vnreports.dbt_tasks import built_models, dbt_task_group

    # The files to parse, in groups: a parse task takes a few files (vnreports.pipeline.parse_batches:
    # one file per task up to 16 files, at most REPORTS_FILES_PER_PARSE_TASK): Airflow's cost per
    # task is as much as parsing a 30-page report.
    @task
    def discover() -> list[list[dict]]:
        from vnreports.pipeline import discover_step, parse_batches

        return parse_batches(discover_step(_warehouse_url(), dag_run_id=_run_id()))

    # Each file of the group is claimed, staged and committed on its own (a retry parses the files
    # not done yet), and stopped when it has used REPORTS_PARSE_CPU_SECONDS of CPU (a PDF that sends
    # the reader into a loop is marked failed; the group goes on). The timeout is a backstop for a
    # task that hangs outside the parser.
    @task(map_index_template="{{ parse_task_name }}", execution_timeout=timedelta(hours=2))
    def parse(batch: list[dict]) -> list[dict]:
        from vnreports.pipeline import batch_name, parse_batch_step

        get_current_context()["parse_task_name"] = batch_name(batch)  # names the mapped task in the UI
        return parse_batch_step(_warehouse_url(), batch, dag_run_id=_run_id())

    # One task for the run's files: GX runs each suite once over all their rows (a mapped task
    # per file cost a GX run and a task start each); a report whose rows fail is validated alone.
    @task
    def validate(parsed: list[list[dict]]) -> list[dict]:
        from vnreports.pipeline import validate_batch_step

        files = [outcome for batch in parsed for outcome in batch]
        return validate_batch_step(_warehouse_url(), files, dag_run_id=_run_id())

    # The Data Docs pages of this run's validations in one build, whatever the outcome of each
    # validation; beside the dbt group, not in its way.
    @task(trigger_rule=TriggerRule.ALL_DONE)
    def data_docs() -> dict:
        from vnreports.pipeline import data_docs_step

        return data_docs_step(_warehouse_url(), dag_run_id=_run_id())

    # NONE_FAILED: runs (and so do the dbt tasks) when there was nothing new to parse.
    @task(trigger_rule=TriggerRule.NONE_FAILED)
    def prepare() -> dict:
        from vnreports.pipeline import prepare_step

        return prepare_step(_warehouse_url())

    # record stays NONE_FAILED (a run with no new files still records), and a failed dbt task
    # upstream, or one upstream_failed after it, keeps it from running: no report becomes
    # `loaded` unless every seed, model and test it depends on succeeded in this run.
    # dbt only when something changed (a report's status, the dbt project, missing marts): a
    # monthly run with an empty inbox skips the dbt group. Only the group is skipped
    # (ignore_downstream_trigger_rules=False): record still runs under its own trigger rule.
    @task.short_circuit(ignore_downstream_trigger_rules=False)
    def marts_outdated() -> bool:
        from vnreports.pipeline import marts_outdated_step

        return marts_outdated_step(_warehouse_url())

    @task(trigger_rule=TriggerRule.NONE_FAILED)
    def record() -> dict:
        from vnreports.pipeline import record_step

        # marts_outdated's answer, pulled rather than passed: as an argument it would make record
        # a direct downstream of the short circuit, skipped with the dbt group
        built = get_current_context()["ti"].xcom_pull(task_ids="marts_outdated")
        return record_step(_warehouse_url(), dag_run_id=_run_id(), marts_built=bool(built))

    # One task per dbt seed and model (`dbt build --select <node>`: the node and its own tests),
    # wired as dbt's lineage, plus dbt.tests_across_models; see vnreports.dbt_tasks.
    dbt = dbt_task_group("dbt")

    # GX on the built marts (keys, joins, unit mixing, stated vs computed ratios). Beside record,
    # not before it: the marts are published by then, so a failure turns the run red for the
    # operator without holding back reports that did reach them. It reads the models once they
    # are built, beside dbt.tests_across_models (both only read). No retry: same data, same result.
    @task(retries=0)
    def validate_marts() -> dict:
        from vnreports.pipeline import validate_marts_step

        return validate_marts_step(_warehouse_url(), dag_run_id=_run_id())

    # The marts as Airflow Assets (postgres://host:port/db/marts/<model>, vnreports.assets): an
    # asset event after record, only when this run rebuilt them. A run that built nothing skips
    # this task, so no event and no export of unchanged data. Beside validate_marts, as record: a
    # marts validation failure turns the run red but the marts, and so their event, are published.
    @task(outlets=marts_assets())
    def publish_marts() -> dict:
        from airflow.sdk.exceptions import AirflowSkipException

        from vnreports.assets import publish_step

        context = get_current_context()
        built = context["ti"].xcom_pull(task_ids="marts_outdated")  # as record: pulled, not passed
        extra = publish_step(_warehouse_url(), dag_run_id=_run_id(), marts_built=bool(built))
        if extra is None:
            raise AirflowSkipException("marts up to date, dbt skipped: no asset event")
        for asset in context["outlets"]:
            context["outlet_events"][asset].extra = extra
        return extra

    validated = validate(parse.expand(batch=discover()))
    recorded = record()
    validated >> prepare() >> marts_outdated() >> dbt >> recorded
    built_models(dbt) >> validate_marts()
    recorded >> publish_marts()
    validated >> data_docs()


vn_reports_ingest()
