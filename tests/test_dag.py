"""The DAG file imports cleanly and has the expected shape."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest

from tests.conftest import PROJECT_ROOT


@pytest.fixture(scope="module")
def dag(tmp_path_factory):
    os.environ.setdefault("AIRFLOW_HOME", str(tmp_path_factory.mktemp("airflow_home")))
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(PROJECT_ROOT / "dags"))
    assert bag.import_errors == {}
    return bag.dags["vn_reports_ingest"]


def test_tasks_and_order(dag):
    assert {t.task_id for t in dag.tasks} == {"discover", "parse", "validate", "transform", "record"}
    assert dag.get_task("parse").upstream_task_ids == {"discover"}
    assert dag.get_task("validate").upstream_task_ids == {"parse"}
    assert dag.get_task("transform").upstream_task_ids == {"validate"}
    assert dag.get_task("record").upstream_task_ids == {"transform"}


def test_parse_and_validate_are_mapped_per_file(dag):
    from airflow.sdk.definitions.mappedoperator import MappedOperator

    assert isinstance(dag.get_task("parse"), MappedOperator)
    assert isinstance(dag.get_task("validate"), MappedOperator)


def test_schedule_and_operational_settings(dag):
    assert dag.timetable.expression in ("@monthly", "0 0 1 * *")
    assert dag.catchup is False
    assert dag.max_active_runs == 1
    discover = dag.get_task("discover")
    assert discover.retries == 2
    assert discover.retry_delay == timedelta(minutes=1)


def test_dag_file_does_not_import_heavy_libraries_at_top_level():
    source = (PROJECT_ROOT / "dags" / "vn_reports_ingest.py").read_text()
    top_level = [line for line in source.splitlines() if line.startswith(("import ", "from "))]
    for heavy in ("pdfplumber", "great_expectations", "dbt", "pandas", "vnreports"):
        assert not any(heavy in line for line in top_level), heavy
