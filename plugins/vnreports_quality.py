"""The data-quality page in the Airflow UI (Browse > Data quality, and a "Data quality" tab on
each DAG run): every report file with its status, why a report was quarantined or failed, and
the failed expectations and warnings of its validation, newest first. Served by the api-server
at /vnreports-quality/ from the warehouse, with no asset from the internet (vnreports.quality_app).

Light on purpose: Airflow imports this file in every process, task processes included; FastAPI
and the page's code load on the first request to the api-server.
"""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from vnreports.quality_app import URL_PREFIX, LazyQualityApp


class VnreportsQualityPlugin(AirflowPlugin):
    name = "vnreports_quality"
    fastapi_apps = [{"app": LazyQualityApp(), "url_prefix": URL_PREFIX, "name": "vnreports data quality"}]
    # href relative to Airflow's base URL (no leading slash: the UI may live under a prefix)
    external_views = [
        {"name": "Data quality", "href": URL_PREFIX.lstrip("/") + "/", "destination": "nav",
         "category": "browse", "url_route": "vnreports-quality"},
        # on a DAG run: the files of that run only ({RUN_ID} is filled in by the UI)
        {"name": "Data quality", "href": URL_PREFIX.lstrip("/") + "/?run_id={RUN_ID}", "destination": "dag_run",
         "url_route": "vnreports-quality-run"},
    ]
