"""Run dbt over dbt_project/ against the warehouse."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from functools import lru_cache
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


def dbt_executable() -> str:
    """dbt beside this Python (the venv), else the one on PATH (e.g. ~/.local/bin in the image)."""
    import shutil

    beside = Path(sys.executable).with_name("dbt")
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


def run_dbt(warehouse_url: str, args: list[str], project_dir: Path | None = None) -> dict:
    """Run `dbt <args>` in a subprocess (dbt keeps global state; a process per call is safest).

    Returns a summary of run_results.json; raises DbtError naming the failed nodes.
    """
    project_dir = project_dir or config.dbt_project_dir()
    work_dir = config.local_dir() / "dbt"
    target_path = work_dir / "target"
    command = [
        dbt_executable(), *args,
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


# --- The dbt manifest the Airflow DAG renders its per-model tasks from (astronomer-cosmos) ---------

MANIFEST_IGNORED_DIRS = frozenset({"target", "logs", "dbt_packages"})


def manifest_dir(project_dir: Path | None = None) -> Path:
    """Project-local target directory of the DAG's manifest (git-ignored: dbt_project/target)."""
    return (project_dir or config.dbt_project_dir()) / "target"


def _newest_source_mtime(project_dir: Path) -> float:
    """Newest modification time of any file or directory of the dbt project (models, macros, seeds,
    tests, dbt_project.yml, ...; not target/, logs/, dbt_packages/). Directories count too, so a
    deleted or renamed model (which changes only its directory) makes the manifest stale."""
    newest = project_dir.stat().st_mtime
    for root, dirs, files in os.walk(project_dir):
        if Path(root) == project_dir:
            dirs[:] = [d for d in dirs if d not in MANIFEST_IGNORED_DIRS]
        for name in (*dirs, *files):
            try:
                newest = max(newest, os.stat(os.path.join(root, name)).st_mtime)
            except FileNotFoundError:  # removed while we walked
                pass
    return newest


def dbt_project_checksum(project_dir: Path | None = None) -> str:
    """sha256 over the dbt project's files (paths and contents; not target/, logs/): the marts are
    out of date when it differs from the one of their last build (see pipeline.marts_outdated_step)."""
    import hashlib

    project_dir = project_dir or config.dbt_project_dir()
    paths = []
    for root, dirs, files in os.walk(project_dir):
        if Path(root) == project_dir:
            dirs[:] = [d for d in dirs if d not in MANIFEST_IGNORED_DIRS]
        paths += [Path(root) / name for name in files]
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(str(path.relative_to(project_dir)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def manifest_is_stale(project_dir: Path | None = None) -> bool:
    project_dir = project_dir or config.dbt_project_dir()
    manifest = manifest_dir(project_dir) / "manifest.json"
    try:
        built = manifest.stat().st_mtime
    except FileNotFoundError:
        return True
    return built < _newest_source_mtime(project_dir)


def read_manifest(manifest_path: Path | str) -> dict:
    """The parsed manifest.json, once per file version in a process: the DAG file reads it for the
    cross-model tests (vnreports.dbt_tasks) and the mart assets (vnreports.assets), in every task
    process that parses the DAG. Callers must not change it."""
    return _read_manifest(str(manifest_path), Path(manifest_path).stat().st_mtime)


@lru_cache(maxsize=2)
def _read_manifest(manifest_path: str, mtime: float) -> dict:  # noqa: ARG001 - mtime keys the cache
    return json.loads(Path(manifest_path).read_text())


def parse_env() -> dict[str, str]:
    """The profile's variables for dbt commands that need no warehouse (parse, ls): the real ones
    when set, else placeholders. The same values give the same profile, which dbt's partial
    parsing requires."""
    placeholders = {"WAREHOUSE_HOST": "127.0.0.1", "WAREHOUSE_PORT": "5432", "WAREHOUSE_USER": "dbt_parse",
                    "WAREHOUSE_DBNAME": "warehouse"}
    return {**{key: os.environ.get(key) or value for key, value in placeholders.items()},
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "False"}


def partial_parse_dir(project_dir: Path) -> Path:
    return manifest_dir(project_dir) / "parse"


def dbt_manifest_path(project_dir: Path | None = None) -> Path:
    """dbt_project/target/manifest.json, (re)generated by `dbt parse` when it is missing or older
    than any file of the dbt project; otherwise only a stat over the project's files (milliseconds).

    Called by `make setup`, the Docker image build and the DAG file (Cosmos renders one Airflow task
    per model and seed from it, without running dbt at DAG parse time). Safe from concurrent
    processes: one parses under a file lock, the manifest is replaced atomically. `dbt parse` needs
    no warehouse; the profile's variables get placeholders when unset. Raises DbtError when the
    project does not parse (the DAG then shows an import error naming dbt's message)."""
    import fcntl

    project_dir = project_dir or config.dbt_project_dir()
    target = manifest_dir(project_dir)
    manifest = target / "manifest.json"
    if not manifest_is_stale(project_dir):
        return manifest
    target.mkdir(parents=True, exist_ok=True)
    with open(target / ".manifest.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not manifest_is_stale(project_dir):  # another process parsed while we waited
            return manifest
        started = _newest_source_mtime(project_dir)
        parse_dir = partial_parse_dir(project_dir)  # dbt's own target dir for the parse (keeps partial parsing)
        env = {**os.environ, **parse_env()}
        command = [
            dbt_executable(), "parse", "--quiet",
            "--project-dir", str(project_dir), "--profiles-dir", str(project_dir),
            "--target-path", str(parse_dir), "--log-path", str(parse_dir / "logs"),
        ]
        log.info("dbt manifest %s is missing or stale: running dbt parse", manifest)
        completed = subprocess.run(command, env=env, capture_output=True, text=True, cwd=project_dir)
        if completed.returncode != 0:
            tail = "\n".join((completed.stdout + completed.stderr).splitlines()[-15:])
            raise DbtError(f"dbt parse of {project_dir} failed:\n{tail}")
        tmp = target / f".manifest.{os.getpid()}.json"
        tmp.write_bytes((parse_dir / "manifest.json").read_bytes())
        os.replace(tmp, manifest)
        # A file changed during the parse stays newer than the manifest: the next call parses again.
        os.utime(manifest, (started, started))
    return manifest
