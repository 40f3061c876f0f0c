"""An Airflow component (`airflow scheduler`, `airflow celery worker`) started with the pipeline's
heavy libraries already imported.

    python -m vnreports.warm_airflow scheduler

Airflow's LocalExecutor and Celery workers fork a process per task from a long-lived parent.
A fork inherits what its parent imported, so each task then skips importing Great Expectations
(about 3 s), pdfplumber and pypdfium2, pandas, dbt and Cosmos, and reading the indicator
catalog and the lists of administrative units: per task that was more than the work itself
(1 s to validate a report, under 1 s to parse a short one). Everything after the imports is
Airflow's own command line, unchanged.
"""

from __future__ import annotations

import logging
import os
import sys
import time

log = logging.getLogger(__name__)


def preload() -> float:
    """Import what the DAG's tasks use and read the reference data they need; returns seconds.
    A failure here is logged, never fatal: the task imports what it needs itself."""
    start = time.perf_counter()
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    try:
        import great_expectations  # noqa: F401
        import pandas  # noqa: F401
        import pdfplumber  # noqa: F401
        import pypdfium2  # noqa: F401

        import vnreports.pipeline  # noqa: F401
        import vnreports.validation  # noqa: F401
        from vnreports import catalog
        from vnreports.parsing import admin_units, parse_report  # noqa: F401

        catalog.match_indicator("Tổng sản phẩm")  # builds the catalog index once
        admin_units.load_admin_units()
        admin_units.load_admin_units_2025()
        import cosmos  # noqa: F401
        import dbt.cli.main  # noqa: F401

        import vnreports.dbt_tasks  # noqa: F401
    except Exception:  # noqa: BLE001 - an optimisation only
        log.exception("preloading the pipeline's libraries failed; tasks will import them themselves")
    return time.perf_counter() - start


def main() -> None:
    seconds = preload()
    print(f"vnreports.warm_airflow: pipeline libraries loaded in {seconds:.1f} s", file=sys.stderr, flush=True)
    from airflow.__main__ import main as airflow_main

    sys.argv = ["airflow", *sys.argv[1:]]
    airflow_main()


if __name__ == "__main__":
    main()
