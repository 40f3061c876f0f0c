"""The marts as Airflow Assets: what vn_reports_ingest publishes and other DAGs schedule on.

One asset per model that dbt builds in the `marts` schema, with the URI Airflow's postgres provider
expects, `postgres://host:port/database/marts/<table>`. Imported while DAG files are parsed, so the
location comes from the environment only (AIRFLOW_CONN_<WAREHOUSE_CONN_ID>, else WAREHOUSE_URL):
no connection lookup, no database call, and no failure when neither is set. Every Airflow
component gets the same environment, so the ingest DAG's outlets and the export DAG's schedule
name the same assets.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

MARTS_SCHEMA = "marts"
# Where the environment does not say where the warehouse is (a connection defined only in the
# Airflow UI): URIs that are still valid and stable, the same for every DAG.
DEFAULT_LOCATION = ("localhost", 5432, "warehouse")


def warehouse_location(environ: dict[str, str] | None = None) -> tuple[str, int, str]:
    """(host, port, database) of the warehouse from the connection's environment variable (URI or
    JSON form) or WAREHOUSE_URL; DEFAULT_LOCATION's fields where they say nothing. Never raises."""
    environ = os.environ if environ is None else environ
    conn_id = environ.get("WAREHOUSE_CONN_ID") or "warehouse"
    raw = (environ.get(f"AIRFLOW_CONN_{conn_id.upper()}") or environ.get("WAREHOUSE_URL") or "").strip()
    host = port = database = None
    try:
        if raw.startswith("{"):  # AIRFLOW_CONN_* in JSON: the database is the connection's `schema`
            fields = json.loads(raw)
            host, port, database = fields.get("host"), fields.get("port"), fields.get("schema")
        elif raw:
            parts = urlsplit(raw)
            host, port, database = parts.hostname, parts.port, unquote(parts.path.lstrip("/")) or None
        port = int(port) if port else None
    except (ValueError, TypeError, AttributeError):  # a malformed value must not break DAG parsing
        host = port = database = None
    default_host, default_port, default_database = DEFAULT_LOCATION
    return host or default_host, port or default_port, database or default_database


def mart_uri(table: str, environ: dict[str, str] | None = None) -> str:
    host, port, database = warehouse_location(environ)
    return f"postgres://{host}:{port}/{database}/{MARTS_SCHEMA}/{table}"


def mart_asset(table: str):
    """The Airflow Asset of marts.<table>; named `vnreports.marts.<table>` in the UI."""
    from airflow.sdk import Asset

    return Asset(name=f"vnreports.{MARTS_SCHEMA}.{table}", uri=mart_uri(table), group="vnreports")


@lru_cache(maxsize=4)
def _published_marts(manifest_path: str, mtime: float) -> tuple[str, ...]:
    from vnreports.transform import read_manifest

    manifest = read_manifest(manifest_path)
    return tuple(sorted(
        node["name"] for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node.get("schema") == MARTS_SCHEMA
        and node.get("config", {}).get("materialized") != "ephemeral"))


def published_marts(manifest_path: Path | None = None) -> list[str]:
    """Names of the dbt models built in the marts schema (tables and views), from the manifest the
    DAG renders its dbt tasks from: a new mart becomes an asset without a change here."""
    if manifest_path is None:
        from vnreports.transform import dbt_manifest_path

        manifest_path = dbt_manifest_path()
    return list(_published_marts(str(manifest_path), Path(manifest_path).stat().st_mtime))


def marts_assets(manifest_path: Path | None = None) -> list:
    return [mart_asset(name) for name in published_marts(manifest_path)]


def publish_step(warehouse_url: str, dag_run_id: str | None, marts_built: bool) -> dict | None:
    """The extra of the marts' asset events of a run that rebuilt them; None when the run built
    nothing (the dbt group was skipped): then no asset event, so nothing scheduled on the marts
    runs again for data that did not change."""
    if not marts_built:
        return None
    from sqlalchemy import text

    from vnreports.db import get_engine

    with get_engine(warehouse_url).connect() as conn:
        loaded = conn.execute(text(
            "SELECT count(*) FROM raw.report_file WHERE status = 'loaded' AND dag_run_id = :run"),
            {"run": dag_run_id}).scalar_one()
    return {"dag_run_id": dag_run_id, "reports_loaded_by_run": loaded}
