"""Run by tests/test_python_versions.py with another supported Python's venv (not collected by
pytest): the DAG parses, a sample report parses, and the pipeline with dbt runs on the embedded
warehouse. Prints one JSON line: what it found and the seconds of each step.

    <venv>/bin/python tests/python_version_check.py WORK_DIR
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SAMPLE = PROJECT_ROOT / "include" / "sample_reports" / "001_66b76ee94201d24e.pdf"


def report_digest(report) -> str:
    """SHA-256 of everything the parser returned, in a canonical JSON form."""
    dump = json.dumps(dataclasses.asdict(report), sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(dump.encode()).hexdigest()


def lock_differences() -> dict:
    """What this venv holds against constraints.txt (its pins whose marker holds on this Python)."""
    from importlib import metadata

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    pins = {}
    for line in (PROJECT_ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate():
                pins[canonicalize_name(req.name)] = str(req.specifier).removeprefix("==")
    installed = {canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions()}
    for own in ("vnreports", "pip", "setuptools"):
        installed.pop(own, None)
    return {
        "not_in_lock": {n: v for n, v in installed.items() if n not in pins},
        "other_version": {n: f"{v} (lock: {pins[n]})" for n, v in installed.items() if n in pins and pins[n] != v},
        "not_installed": sorted(n for n in pins if n not in installed),
    }


def main(work: Path) -> dict:
    seconds: dict[str, float] = {}
    out: dict = {"python": "%d.%d.%d" % sys.version_info[:3], "seconds": seconds}
    out["lock"] = lock_differences()
    inbox = work / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    shutil.copy2(SAMPLE, inbox / SAMPLE.name)
    os.environ.update(
        VNREPORTS_LOCAL_DIR=str(work / "local"), REPORTS_INBOX=str(inbox), REPORTS_SETTLE_SECONDS="0",
        AIRFLOW_HOME=str(work / "airflow"), AIRFLOW__CORE__LOAD_EXAMPLES="False",
        GX_ANALYTICS_ENABLED="False", AIRFLOW__COSMOS__ENABLE_TELEMETRY="False",
    )
    os.environ.pop("WAREHOUSE_URL", None)

    start = time.monotonic()
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(PROJECT_ROOT / "dags"))
    out["dag_import_errors"] = {str(k): str(v)[-2000:] for k, v in bag.import_errors.items()}
    out["dags"] = {dag_id: len(dag.tasks) for dag_id, dag in bag.dags.items()}
    seconds["dagbag"] = round(time.monotonic() - start, 2)

    start = time.monotonic()
    from vnreports.parsing import parse_report

    report = parse_report(SAMPLE)
    out["report_digest"] = report_digest(report)
    seconds["parse_report"] = round(time.monotonic() - start, 2)

    start = time.monotonic()
    from vnreports.warehouse_server import EmbeddedWarehouse

    server = EmbeddedWarehouse(work / "warehouse", port=0)
    url = server.start()
    seconds["warehouse_start"] = round(time.monotonic() - start, 2)
    try:
        from sqlalchemy import create_engine, text

        from vnreports import pipeline

        start = time.monotonic()
        files = pipeline.discover_step(url)
        parsed = [pipeline.parse_step(url, f) for f in files]
        validated = [pipeline.validate_step(url, p) for p in parsed]
        pipeline.prepare_step(url)
        seconds["pipeline_to_dbt"] = round(time.monotonic() - start, 2)
        start = time.monotonic()
        out["dbt_build"] = pipeline.transform_step(url)["statuses"]
        seconds["dbt_build"] = round(time.monotonic() - start, 2)
        pipeline.record_step(url, marts_built=True)
        out["statuses"] = [v["status"] for v in validated]
        engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.connect() as conn:
            out["server_version"] = conn.execute(text("SHOW server_version")).scalar()
            out["loaded"] = conn.execute(text("SELECT count(*) FROM raw.report_file WHERE status = 'loaded'")).scalar()
            out["fct_indicator_value"] = conn.execute(text("SELECT count(*) FROM marts.fct_indicator_value")).scalar()
        engine.dispose()
    finally:
        server.stop()
    return out


if __name__ == "__main__":
    result = main(Path(sys.argv[1]))
    print(json.dumps(result, sort_keys=True))
