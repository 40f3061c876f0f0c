"""Open-data export of marts.indicator_values, run when vn_reports_ingest publishes rebuilt marts.

Scheduled on the Airflow Asset of marts.indicator_values (vnreports.assets): each run of the
ingest DAG that rebuilt the marts triggers one run here, which writes every period of the mart as
CSV and Parquet under VNREPORTS_EXPORT_DIR (default .local/exports)/indicator_values/, one file
pair per period, each replaced atomically (vnreports.export). Trigger it by hand with the param
`period` (a period_key or ISO label such as `2022` or `2022-H1`) to write one period.
Thin on purpose, as the ingest DAG: the logic is in vnreports.export.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import Param, dag, get_current_context, task


def _warehouse_url() -> str:
    """vnreports.config.airflow_warehouse_url, imported when a task runs (not at parse time)."""
    from vnreports.config import airflow_warehouse_url

    return airflow_warehouse_url()


def _indicator_values_asset():
    from vnreports.assets import mart_asset

    return mart_asset("indicator_values")  # from the environment: no lookup while parsing


def _failure_callback():
    from vnreports.alerts import failure_callback

    return failure_callback()  # None unless VNREPORTS_ALERT_CONN_ID names a connection


@dag(
    dag_id="vn_reports_export",
    schedule=[_indicator_values_asset()],
    start_date=datetime(2021, 1, 1),
    catchup=False,
    max_active_runs=1,  # one writer of the export folder at a time
    params={"period": Param(None, type=["null", "string"],
                            description="One period to export (period_key or ISO label); empty: every period")},
    tags=["vnreports"],
    doc_md=__doc__,
    on_failure_callback=_failure_callback(),
)
def vn_reports_export():
    @task(retries=1, retry_delay=timedelta(seconds=30))
    def export() -> dict:
        from airflow.sdk.exceptions import AirflowFailException

        from vnreports.export import UnknownPeriodError, export_indicator_values

        context = get_current_context()
        period = context["params"].get("period")
        try:
            result = export_indicator_values(_warehouse_url(), periods=[period] if period else None)
        except UnknownPeriodError as error:  # the same request fails the same way: no retry
            raise AirflowFailException(str(error)) from error
        # the ingest runs whose asset events triggered this run, for the record
        result["triggered_by"] = sorted({
            event.source_run_id for events in context["triggering_asset_events"].values() for event in events
            if event.source_run_id})
        return result

    export()


vn_reports_export()
