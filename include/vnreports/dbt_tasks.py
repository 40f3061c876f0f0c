"""The dbt project as Airflow tasks (astronomer-cosmos): warehouse profile and cross-model tests.

Imported by the DAG file at parse time, so it stays light: Cosmos (which the DAG needs anyway)
and the standard library. Credentials are looked up only when a task runs.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path

from cosmos.profiles import PostgresUserPasswordProfileMapping

WAREHOUSE_CONN_ID = os.environ.get("WAREHOUSE_CONN_ID", "warehouse")


class WarehouseProfileMapping(PostgresUserPasswordProfileMapping):
    """dbt's postgres profile from the Airflow connection `warehouse` (AIRFLOW_CONN_WAREHOUSE or
    the UI), else from WAREHOUSE_URL: the same rule as the DAG's Python tasks.

    Resolved when a dbt task runs, never while the DAG file is parsed. Cosmos writes the password
    into an environment variable of the dbt process, not into the profile or the rendered fields."""

    @property
    def conn(self):  # noqa: ANN201 - an airflow Connection
        if not self._conn:
            try:
                self._conn = super().conn
            except Exception:  # connection not defined: fall back to the plain variable
                url = os.environ.get("WAREHOUSE_URL")
                if not url:
                    raise
                from airflow.sdk import Connection

                uri = url.replace("postgresql+psycopg://", "postgresql://", 1)
                self._conn = Connection.from_uri(uri, conn_id=self.conn_id)
                self._conn.conn_type = "postgres"
        return self._conn


def profile_config():
    """Profile `vnreports`, target `warehouse`, default schema `marts` (macros/generate_schema_name
    puts models in marts / marts_internal and seeds in reference)."""
    from cosmos import ProfileConfig

    return ProfileConfig(
        profile_name="vnreports",
        target_name="warehouse",
        profile_mapping=WarehouseProfileMapping(conn_id=WAREHOUSE_CONN_ID, profile_args={"schema": "marts", "threads": 2}),
    )


@lru_cache(maxsize=4)
def _cross_model_tests(manifest_path: str, mtime: float) -> tuple[tuple[str, ...], tuple[str, ...]]:
    manifest = json.loads(Path(manifest_path).read_text())
    names, all_parents = set(), set()
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test":
            continue
        parents = {p for p in node.get("depends_on", {}).get("nodes", []) if p.split(".")[0] in ("model", "seed", "snapshot")}
        if len(parents) != 1:
            names.add(node["name"])
            all_parents |= parents
    return tuple(sorted(names)), tuple(sorted(all_parents))


def cross_model_tests(manifest_path: Path) -> tuple[list[str], list[str]]:
    """(test names, unique ids of the models and seeds they test) of the tests that are not one
    model's own: on two or more models or seeds (relationships, singular tests joining marts) or
    on none (source tests, macro checks).

    The per-model tasks run `dbt build --select <model> --indirect-selection cautious`, i.e. with
    the tests on that model alone; these run once, in one task after all of their models."""
    names, parents = _cross_model_tests(str(manifest_path), Path(manifest_path).stat().st_mtime)
    return list(names), list(parents)
