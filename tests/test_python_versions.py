"""Python 3.11, 3.12 and 3.13: the two supported versions other than the suite's own, each in a
venv installed from the lock (uv), parse the DAG (DagBag), parse a sample report to exactly what
this Python parses, and run the pipeline with `dbt build` on the embedded PostgreSQL 18.

The work runs in the background from the start of the suite (conftest.py, tests/python_versions.py);
these tests, moved to the end, wait for it and check what it found.
"""

from __future__ import annotations

import json
import os

import pytest

from tests.conftest import PROVINCE_REPORT
from tests.python_versions import other_versions
from tests.python_version_check import report_digest


@pytest.fixture(scope="module")
def main_digest():
    from vnreports.parsing import parse_report

    return report_digest(parse_report(PROVINCE_REPORT))


@pytest.mark.slow
@pytest.mark.parametrize("version", other_versions())
def test_other_python(version, request, main_digest):
    runs = getattr(request.config, "python_version_runs", {})
    assert version in runs, "the background check was not started (conftest.py)"
    process, out_dir = runs[version]
    process.wait(timeout=1500)
    result = json.loads((out_dir / "result.json").read_text())
    print(json.dumps({k: v for k, v in result.items() if k != "check"}, sort_keys=True))
    if "missing" in result:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(result["missing"])
        pytest.skip(result["missing"])
    assert "error" not in result, result["error"] + f"\n(log: {out_dir / 'check.log'})"
    check = result["check"]
    print(json.dumps(check["seconds"]))
    assert check["python"].startswith(version + ".")
    assert check["lock"] == {"not_in_lock": {}, "other_version": {}, "not_installed": []}, check["lock"]
    assert check["dag_import_errors"] == {}
    assert check["dags"].get("vn_reports_ingest", 0) > 30
    # the parser gives the same result, to the last field, on every Python
    assert check["report_digest"] == main_digest
    # the pipeline ran: GX validated the report, every dbt node passed, the marts have its figures
    assert check["statuses"] == ["validated"]
    assert set(check["dbt_build"]) <= {"success", "pass"} and check["dbt_build"].get("pass", 0) > 100
    assert check["loaded"] == 1 and check["fct_indicator_value"] > 100
    assert check["server_version"].startswith("18.")
