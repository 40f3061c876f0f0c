"""The data-quality page (issue 16): vnreports.quality on a real PostgreSQL, in a real headless
browser with no network, and the Airflow plugin that serves it.

Here the warehouse rows are written directly (a quarantined report with a hostile file name, a
failed one, a loaded one with a warning, a duplicate), so the page's order, wording and escaping
are checked in a second. The page of a real pipeline run (GX's own failed expectations, the
Data Docs links) is checked in tests/test_bad_input.py, and the page served by a real Airflow
api-server in tests/test_operations.py.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from html import escape

import pytest
from sqlalchemy import text

from tests import browser
from tests.conftest import PROJECT_ROOT
from vnreports import quality
from vnreports.db import ensure_schema, get_engine

HOSTILE = '<script>alert("x")</script> & "báo cáo"; 1.pdf'
HOSTILE_REASON = (f"{HOSTILE}: administrative unit not resolved (read: 'UBND HUYỆN NAM TRƯỜNG SƠN' names no unit "
                  f"of the GSO list); fix: vnreports metadata set '{HOSTILE}' --unit <GSO code> | GX suite "
                  "report_metadata failed: expect_column_values_to_not_be_null on admin_unit_code")
RID = {name: f"{i:064x}" for i, name in enumerate(("quarantined", "failed", "loaded", "old"), start=1)}
UNIT_NOT_NULL = {
    "expectation": "expect_column_values_to_not_be_null", "column": "admin_unit_code",
    "kwargs": {"column": "admin_unit_code"}, "suite": "report_metadata", "table": "report",
    "severity": "critical", "description": "the report's administrative unit was resolved",
    "observed": {"element_count": 1, "unexpected_count": 1, "unexpected_percent": 100.0,
                 "partial_unexpected_list": [None]},
}
PERCENT_WARNING = {
    "expectation": "expect_column_values_to_be_between", "column": "value_number",
    "kwargs": {"column": "value_number", "min_value": -100, "max_value": 1000}, "suite": "narrative_facts",
    "table": "narrative_fact", "severity": "warning", "condition": "measure_unit == '%'",
    "description": "percent figures lie in -100..1000",
    "observed": {"element_count": 40, "unexpected_count": 1, "unexpected_percent": 2.5,
                 "partial_unexpected_list": [1234.5]},
}


@pytest.fixture()
def warehouse(fresh_database, tmp_path, monkeypatch):
    """Four report files, their statuses minutes apart, and their validations."""
    monkeypatch.setenv("VNREPORTS_LOCAL_DIR", str(tmp_path / "local"))
    engine = get_engine(fresh_database)
    ensure_schema(engine)
    files = [  # name, report, status, reason, minutes ago, run
        ("cũ.pdf", RID["old"], "loaded", None, 600, "scheduled__2024-01-01"),
        ("bản sao.pdf", RID["old"], "duplicate", "same content as cũ.pdf", 30, "manual__1"),
        ("tốt.pdf", RID["loaded"], "loaded", "warnings: expect_column_values_to_be_between", 20, "manual__1"),
        ("hỏng.pdf", RID["failed"], "failed", "hỏng.pdf: truncated or corrupt PDF", 10, "manual__1"),
        (HOSTILE, RID["quarantined"], "quarantined", HOSTILE_REASON, 5, "manual__1"),
    ]
    validations = [  # report, suite, failed expectations, minutes ago, run
        (RID["quarantined"], "report_metadata", [UNIT_NOT_NULL], 5, "manual__1"),
        (RID["quarantined"], "report_pages", [], 5, "manual__1"),
        (RID["loaded"], "report_metadata", [], 21, "manual__1"),
        (RID["loaded"], "narrative_facts", [PERCENT_WARNING], 21, "manual__1"),
        (RID["old"], "report_metadata", [], 601, "scheduled__2024-01-01"),
    ]
    with engine.begin() as conn:
        for name, report_id, status, reason, ago, run in files:
            conn.execute(text(
                "INSERT INTO raw.report_file (report_id, file_name, file_path, size_bytes, status, reason, status_at,"
                " dag_run_id) VALUES (:r, :n, '/inbox/' || :n, 100, :s, :why, now() - make_interval(mins => :ago),"
                " :run)"), {"r": report_id, "n": name, "s": status, "why": reason, "ago": ago, "run": run})
        for report_id, suite, failed, ago, run in validations:
            conn.execute(text(
                "INSERT INTO raw.validation_run (report_id, suite_name, success, evaluated, failed,"
                " failed_expectations, result_json, validated_at, dag_run_id) VALUES (:r, :s, :ok, 20, :n,"
                " CAST(:f AS jsonb), '{}', now() - make_interval(mins => :ago), :run)"),
                {"r": report_id, "s": suite, "ok": not any(f["severity"] == "critical" for f in failed),
                 "n": len(failed), "f": json.dumps(failed), "ago": ago, "run": run})
    yield engine
    engine.dispose()


def articles(html: str) -> list[str]:
    return re.findall(r'<article class="report.*?</article>', html, re.S)


def test_files_newest_first_with_why_and_the_failed_expectations(warehouse):
    html = quality.render_page(quality.load_snapshot(warehouse))
    reports = articles(html)
    names = [escape(n) for n in (HOSTILE, "hỏng.pdf", "tốt.pdf", "bản sao.pdf", "cũ.pdf")]
    assert [next(n for n in names if f'<span class="file">{n}</span>' in a) for a in reports] == names
    quarantined, failed, loaded, duplicate, old = reports
    assert "st-quarantined" in quarantined and f"Why quarantined:</b> {escape(HOSTILE_REASON)}" in quarantined
    assert "Failed expectations (1)" in quarantined and "Warnings" not in quarantined
    assert ("<code>expect_column_values_to_not_be_null</code> on <code>admin_unit_code</code>" in quarantined
            and "the report&#x27;s administrative unit was resolved" in quarantined
            and "1 of 1 rows unexpected: null" in quarantined)
    assert "report_metadata: 1 of 20 failed" in quarantined and "report_pages: passed" in quarantined
    assert "Why it failed:</b> hỏng.pdf: truncated or corrupt PDF" in failed and "Validated" not in failed
    assert "Failed expectations" not in loaded and "Warnings (1)" in loaded
    assert ("where <code>measure_unit == &#x27;%&#x27;</code>" in loaded and "1 of 40 rows unexpected: 1234.5" in loaded
            and "expected: max_value=1000, min_value=-100" in loaded)
    assert "Duplicate:</b> same content as cũ.pdf" in duplicate and "Validated" not in duplicate
    assert "st-loaded" in old
    # above the history: the files to act on, linked to their entries in the page
    attention = re.search(r'<p class="attention">(.*?)</p>', html).group(1)
    anchors = re.findall(r'<a href="#(file-\d+)">(.*?)</a> \((\w+)\)', attention)
    assert [(name, status) for _, name, status in anchors] == [(escape(HOSTILE), "quarantined"),
                                                               ("hỏng.pdf", "failed")]
    assert all(f'id="{anchor}"' in html for anchor, _, _ in anchors)
    # counts by status, and nothing in the page that a browser would fetch or run
    for status, count in {"quarantined": 1, "failed": 1, "loaded": 2, "duplicate": 1}.items():
        assert f'<span class="badge st-{status}">{status}</span> {count}</span>' in html
    assert "<script" not in html and "&lt;script&gt;" in html
    assert not re.search(r"(?:src|href|action)\s*=\s*[\"']?(?:https?:)?//|@import|url\(", html, re.I)
    assert f'content="{quality.CONTENT_SECURITY_POLICY}"' in html


def test_the_page_of_one_run_and_of_few_files(warehouse):
    run = quality.load_snapshot(warehouse, run_id="scheduled__2024-01-01")
    assert [r.file_name for r in run.reports] == ["cũ.pdf"] and run.counts == {"loaded": 1}
    assert "of run scheduled__2024-01-01" in quality.render_page(run)
    assert quality.load_snapshot(warehouse, limit=2).total == 5
    assert "3 older file(s) not shown" in quality.render_page(quality.load_snapshot(warehouse, limit=2))
    empty = quality.load_snapshot(warehouse, run_id="nothing")
    assert empty.reports == [] and "No report files yet" in quality.render_page(empty)


def test_a_warehouse_the_pipeline_never_wrote_to(fresh_database):
    """The api-server may show the page before the first DAG run made the schemas."""
    snapshot = quality.load_snapshot(get_engine(fresh_database))
    assert snapshot.reports == [] and snapshot.counts == {} and snapshot.marts == []
    assert "No report files yet" in quality.render_page(snapshot)


def test_written_beside_the_data_docs_with_relative_links_to_their_pages(warehouse):
    site = quality.data_docs_site_dir()
    gx_page = site / "validations" / "report_metadata" / f"{RID['quarantined']}__manual__1" / "20240101T000000.000000Z"
    gx_page.mkdir(parents=True)
    (gx_page / "vnreports_staging-report.html").write_text("<html>GX</html>")
    older = site / "validations" / "report_metadata" / f"{RID['quarantined']}__scheduled" / "20230101T000000.000000Z"
    older.mkdir(parents=True)
    (older / "vnreports_staging-report.html").write_text("<html>old</html>")
    path = quality.write_page(warehouse)
    assert path == quality.page_path() and path.parent == site.parent
    html = path.read_text(encoding="utf-8")
    (href,) = [h for h in re.findall(r'<a href="([^"]+)"', html) if not h.startswith("#")]
    assert not href.startswith("/") and (path.parent / href).resolve() == (gx_page / "vnreports_staging-report.html")
    assert not list(path.parent.glob(".quality-*"))  # written through a temporary file, replaced atomically


def test_the_page_in_a_headless_browser_without_network(warehouse):
    """What an operator's Chromium shows with no internet: the quarantined report and why, the
    hostile name as text (no script runs), and not one request to anywhere."""
    path = quality.write_page(warehouse)
    seen = browser.open_offline(path.as_uri())
    assert seen.external == [] and all(u.startswith(browser.LOCAL_SCHEMES) for u in seen.requests)
    assert seen.scripts == 0
    text_ = " ".join(seen.text.split())
    assert HOSTILE in text_ and " ".join(f"Why quarantined: {HOSTILE_REASON}".split()) in text_
    assert "expect_column_values_to_not_be_null on admin_unit_code" in text_
    assert text_.index(HOSTILE) < text_.index("hỏng.pdf") < text_.index("tốt.pdf") < text_.index("cũ.pdf")


def test_the_airflow_plugin_loads_without_importing_fastapi(tmp_path):
    """Airflow imports the plugins folder in every process (task processes for macros): the
    plugin file declares the page and its menu entries, and FastAPI waits for the api-server's
    first request. Airflow's plugin manager loads it without an import error, and the app it
    builds then takes the user from Airflow's own authentication on every route."""
    plugin_file = PROJECT_ROOT / "plugins" / "vnreports_quality.py"
    script = f"""
import importlib.util, json, sys
from airflow import plugins_manager
spec = importlib.util.spec_from_file_location("vnreports_quality", {str(plugin_file)!r})
spec.loader.exec_module(importlib.util.module_from_spec(spec))
light = "fastapi" not in sys.modules
plugins, errors = plugins_manager._get_plugins()
(plugin,) = [p for p in plugins if p.name == "vnreports_quality"]
# the app the api-server will build on the first request: who asks (Airflow's user), what it takes
from fastapi.dependencies.utils import get_flat_dependant
from airflow.api_fastapi.core_api.security import get_user
from vnreports.quality_app import create_app
routes = {{}}
for route in create_app().routes:
    flat = get_flat_dependant(route.dependant)
    routes[route.path] = {{"query": sorted(p.name for p in flat.query_params),
                          "airflow_user": any(d.call is get_user for d in flat.dependencies)}}
print(json.dumps({{"errors": {{k: str(v) for k, v in errors.items()}}, "light": light, "routes": routes,
                  "apps": [{{k: v for k, v in a.items() if k != "app"}} for a in plugin.fastapi_apps],
                  "views": plugin.external_views}}))
"""
    env = {**os.environ, "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT_ROOT / "plugins"), "AIRFLOW_HOME": str(tmp_path),
           "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded["errors"] == {} and loaded["light"]
    assert loaded["routes"] == {"/": {"query": ["run_id"], "airflow_user": True},
                                "/data-docs/{path:path}": {"query": [], "airflow_user": True}}
    assert loaded["apps"] == [{"url_prefix": "/vnreports-quality", "name": "vnreports data quality"}]
    assert {(v["destination"], v["href"]) for v in loaded["views"]} == {
        ("nav", "vnreports-quality/"), ("dag_run", "vnreports-quality/?run_id={RUN_ID}")}
