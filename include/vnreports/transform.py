"""Run dbt over dbt_project/ against the warehouse."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from vnreports import config
from vnreports.db import sqlalchemy_url

log = logging.getLogger(__name__)


class DbtError(RuntimeError):
    pass


def dbt_env(warehouse_url: str) -> dict[str, str]:
    """profiles.yml reads every connection field from these variables."""
    url = sqlalchemy_url(warehouse_url)
    host = url.host or url.query.get("host") or "127.0.0.1"
    if isinstance(host, tuple):
        host = host[0]
    return {
        "WAREHOUSE_HOST": host,
        "WAREHOUSE_PORT": str(url.port or 5432),
        "WAREHOUSE_USER": url.username or "postgres",
        "WAREHOUSE_PASSWORD": url.password or "",
        "WAREHOUSE_DBNAME": url.database or "postgres",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    }


def run_dbt(warehouse_url: str, args: list[str], project_dir: Path | None = None) -> dict:
    """Run `dbt <args>` in a subprocess (dbt keeps global state; a process per call is safest).

    Returns a summary of run_results.json; raises DbtError naming the failed nodes.
    """
    project_dir = project_dir or config.dbt_project_dir()
    work_dir = config.local_dir() / "dbt"
    target_path = work_dir / "target"
    command = [
        str(Path(sys.executable).with_name("dbt")), *args,
        "--project-dir", str(project_dir), "--profiles-dir", str(project_dir),
        "--target-path", str(target_path), "--log-path", str(work_dir / "logs"),
    ]
    env = {**os.environ, **dbt_env(warehouse_url)}
    log.info("running %s", " ".join(command[:2]))
    completed = subprocess.run(command, env=env, capture_output=True, text=True, cwd=project_dir)
    for line in completed.stdout.splitlines():
        log.info("dbt | %s", line)
    results_file = target_path / "run_results.json"
    results = json.loads(results_file.read_text()) if results_file.exists() else {"results": []}
    failed = [r["unique_id"] for r in results["results"] if r["status"] in ("error", "fail")]
    if completed.returncode != 0:
        tail = "\n".join((completed.stdout + completed.stderr).splitlines()[-15:])
        raise DbtError(f"dbt {' '.join(args)} failed; failed nodes: {failed or 'none reported'}\n{tail}")
    statuses: dict[str, int] = {}
    for result in results["results"]:
        statuses[result["status"]] = statuses.get(result["status"], 0) + 1
    return {"statuses": statuses, "elapsed": results.get("elapsed_time")}
