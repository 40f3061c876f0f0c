"""The data-quality page inside Airflow: a FastAPI app the plugin in plugins/vnreports_quality.py
mounts on the api-server at /vnreports-quality/.

    GET /vnreports-quality/                 the page, rendered live from the warehouse
    GET /vnreports-quality/?run_id=RUN      only the files of one DAG run (the DAG run tab)
    GET /vnreports-quality/data-docs/PATH   the GX Data Docs site's files (the page links to
                                            each report's validation pages)

The same page as vnreports.quality writes for file://, so it needs nothing from the internet.
Every request is authenticated by Airflow (its JWT cookie or bearer token, as the REST API) and
needs read access to the logs of vn_reports_ingest's tasks, where the same reasons are logged.

Airflow loads the plugins folder in every process, task processes included (for macros), and
those never serve a page: so nothing here imports FastAPI, Airflow's API or SQLAlchemy until
the first request reaches the app (LazyQualityApp).
"""

# No `from __future__ import annotations`: FastAPI reads the route functions' annotations, and
# their types are imported inside create_app, where a string annotation could not be resolved.
import asyncio
import os
from pathlib import Path
from typing import Any

URL_PREFIX = "/vnreports-quality"
DAG_ID = "vn_reports_ingest"


class LazyQualityApp:
    """An ASGI app that builds the FastAPI app on its first request."""

    def __init__(self) -> None:
        self._app: Any = None

    async def __call__(self, scope, receive, send) -> None:
        if self._app is None:
            self._app = create_app()
        await self._app(scope, receive, send)


def warehouse_url() -> str:
    """The warehouse as the DAG finds it: the Airflow connection `warehouse` (WAREHOUSE_CONN_ID;
    AIRFLOW_CONN_WAREHOUSE, a secrets backend or the UI), else WAREHOUSE_URL."""
    from airflow.exceptions import AirflowNotFoundException
    from airflow.models.connection import Connection
    from sqlalchemy.engine import URL

    try:
        conn = Connection.get_connection_from_secrets(os.environ.get("WAREHOUSE_CONN_ID", "warehouse"))
    except AirflowNotFoundException:
        if os.environ.get("WAREHOUSE_URL"):
            return os.environ["WAREHOUSE_URL"]
        raise
    return URL.create("postgresql", username=conn.login, password=conn.password, host=conn.host,
                      port=conn.port, database=conn.schema).render_as_string(hide_password=False)


def render_live(run_id: str | None = None) -> str:
    """The page from the warehouse now; links to the Data Docs pages this app serves."""
    from vnreports import quality
    from vnreports.db import get_engine

    site = quality.data_docs_site_dir()
    snapshot = quality.load_snapshot(get_engine(warehouse_url()), run_id=run_id)
    base = site.resolve()

    def href(page: Path) -> str:
        from urllib.parse import quote

        # relative to /vnreports-quality/ (the UI may serve Airflow under a path prefix)
        return "data-docs/" + quote(page.resolve().relative_to(base).as_posix())

    return quality.render_page(snapshot, docs_href=href, pages=quality.validation_pages(site),
                               where=" (live)")


def _unavailable(error: Exception) -> str:
    from html import escape

    from vnreports.quality import CONTENT_SECURITY_POLICY

    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" '
            f'content="{CONTENT_SECURITY_POLICY}"><title>Data quality: warehouse unavailable</title></head><body>'
            f"<h1>The warehouse cannot be read</h1><p>{escape(type(error).__name__)}: "
            f"{escape(str(error).strip().splitlines()[0] if str(error).strip() else '')}</p>"
            "<p>Check the Airflow connection <code>warehouse</code> and that the server is up; the last page the "
            "pipeline wrote is <code>quality.html</code> beside the GX Data Docs.</p></body></html>")


def create_app():
    from fastapi import Depends, FastAPI, HTTPException
    from fastapi.responses import FileResponse, HTMLResponse

    from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity, DagDetails
    from airflow.api_fastapi.core_api.security import GetUserDep
    from airflow.api_fastapi.app import get_auth_manager

    def may_read_reports(user: GetUserDep) -> None:
        """The page shows what the task logs of vn_reports_ingest show: the same permission."""
        if not get_auth_manager().is_authorized_dag(method="GET", access_entity=DagAccessEntity.TASK_LOGS,
                                                    details=DagDetails(id=DAG_ID), user=user):
            raise HTTPException(status_code=403, detail=f"no access to the task logs of {DAG_ID}")

    app = FastAPI(title="vnreports data quality", docs_url=None, redoc_url=None, openapi_url=None,
                  dependencies=[Depends(may_read_reports)])
    from vnreports.quality import CONTENT_SECURITY_POLICY

    headers = {"Content-Security-Policy": CONTENT_SECURITY_POLICY, "Cache-Control": "no-store"}

    @app.get("/", response_class=HTMLResponse)
    async def page(run_id: str | None = None) -> HTMLResponse:
        from sqlalchemy.exc import SQLAlchemyError

        try:  # blocking: the warehouse query and the Data Docs folder walk run off the event loop
            html = await asyncio.to_thread(render_live, run_id or None)
        except SQLAlchemyError as error:
            return HTMLResponse(_unavailable(error), status_code=503, headers=headers)
        return HTMLResponse(html, headers=headers)

    @app.get("/data-docs/{path:path}")
    async def data_docs(path: str) -> FileResponse:
        from vnreports import quality

        site = quality.data_docs_site_dir().resolve()
        target = (site / path).resolve()
        if not target.is_relative_to(site) or not target.is_file():  # nothing outside the site
            raise HTTPException(status_code=404, detail="not a file of the GX Data Docs site")
        return FileResponse(target)

    return app
