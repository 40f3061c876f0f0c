"""`vnreports run` (what `make run` calls) from nothing: embedded PostgreSQL, Airflow home,
real `airflow dags test`, pdfplumber, Great Expectations and dbt, then exact values in the marts.

One run per test session (tests.conftest.sample_run) is shared by the assertions below; a second
run checks idempotency.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import text

from tests.conftest import (CORRUPT_NAME, DUPLICATE_NAME, PROJECT_ROOT, PROVINCE_REPORT, REFORM_REPORTS,
                            SAMPLE_REPORTS, run_cli)


@pytest.fixture(scope="module")
def pipeline(sample_run):
    """`vnreports run` over the samples and the bad, duplicate and reorganisation reports
    (tests.conftest.sample_run: one run per session, which tests/test_celery.py compares to)."""
    return sample_run


def scalar(engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def test_run_ends_with_the_warehouse_url_and_a_summary(pipeline):
    out = pipeline["first"].stdout
    assert out.strip().splitlines()[-1].startswith("WAREHOUSE_URL=postgresql://")
    assert "Reports by status" in out and "Facts in marts.indicator_values" in out


def test_province_grdp_per_capita_lands_with_exact_values(pipeline):
    with pipeline["engine"].connect() as conn:
        rows = conn.execute(text("""
            SELECT scenario, value, measure_unit, admin_unit_name, admin_level, period_start,
                   period_end, report_file, source_page
              FROM marts.indicator_values
             WHERE admin_unit_code = '04' AND indicator_name = 'GRDP bình quân đầu người'
               AND period_type = 'year' AND period_start = DATE '2022-01-01'
               AND scenario IN ('estimate', 'plan')
        """)).mappings().all()
    by_scenario = {r["scenario"]: r for r in rows}
    assert set(by_scenario) == {"estimate", "plan"}, rows
    assert by_scenario["estimate"]["value"] == Decimal("39.48")
    assert by_scenario["plan"]["value"] == Decimal("40.30")
    for row in rows:
        assert row["measure_unit"].lower() == "triệu đồng"
        assert row["admin_unit_name"] == "Tỉnh Cao Bằng"
        assert row["admin_level"] == "province"
        assert str(row["period_end"]) == "2022-12-31"
        assert row["report_file"] == PROVINCE_REPORT.name
        assert row["source_page"] == 46


def test_province_annex_lands_cell_for_cell(pipeline):
    """Every body cell of the annex is in staging, and every figure of it is in the BI view of
    statements (indicator_observations; indicator_values keeps one per unit/period/indicator/scenario)."""
    truth = json.loads((PROJECT_ROOT / "tests" / "truth" / "001_annex.json").read_text())
    value_columns = [i for i, c in enumerate(truth["columns"]) if c["role"] in ("value", "ratio")]
    expected_cells = sum(len(row["cells"]) for row in truth["rows"])
    expected_figures = {
        (row["indicator"], i, row["cells"][i])
        for row in truth["rows"] if not row["is_section"]
        for i in value_columns if row["cells"][i]
    }
    engine = pipeline["engine"]
    with engine.connect() as conn:
        cells = conn.execute(text("""
            SELECT count(*) FROM staging.table_cell c
              JOIN raw.report_file f ON f.report_id = c.report_id
             WHERE f.file_name = :name AND f.status = 'loaded'"""), {"name": PROVINCE_REPORT.name}).scalar_one()
        figures = conn.execute(text("""
            SELECT indicator_text, col_index, raw_text FROM marts.indicator_observations
             WHERE report_file = :name AND source_kind = 'table'"""), {"name": PROVINCE_REPORT.name}).all()
    assert cells == expected_cells
    assert {tuple(f) for f in figures} == expected_figures
    assert len(figures) == len(expected_figures)


def test_province_annex_and_district_reports_share_indicator_codes(pipeline):
    """The province's annex and a district's own table name an indicator differently; both
    land on the catalog's code, so BI compares them across units."""
    with pipeline["engine"].connect() as conn:
        rows = conn.execute(text("""
            SELECT indicator_code, admin_level, string_agg(DISTINCT indicator_text, ' | ') AS names
              FROM marts.indicator_observations
             WHERE source_kind = 'table' AND indicator_code IN ('forest_cover_rate', 'state_budget_revenue')
             GROUP BY 1, 2""")).mappings().all()
    levels = {(r["indicator_code"], r["admin_level"]) for r in rows}
    assert levels == {(code, level) for code in ("forest_cover_rate", "state_budget_revenue")
                      for level in ("province", "district")}
    names = {r["indicator_code"]: set() for r in rows}
    for r in rows:
        names[r["indicator_code"]] |= set(r["names"].split(" | "))
    assert len(names["state_budget_revenue"]) >= 2  # written differently, one code


def test_plan_vs_actual_flags_the_known_source_mismatch(pipeline):
    """Hạ Lang: "tiêm văcxin Dịch tả lợn 2.755/11.000 liều đạt 24,05% KH" (2.755/11.000 = 25,05%)."""
    with pipeline["engine"].connect() as conn:
        rows = conn.execute(text("""
            SELECT plan_value, outcome_value, computed_ratio_pct, stated_ratio_pct, is_ratio_mismatch,
                   is_single_report, stated_ratio_report_file
              FROM marts.mart_plan_vs_actual
             WHERE admin_unit_name = 'Huyện Hạ Lang' AND indicator_code = 'csf_vaccination_doses'""")).all()
        consistent = conn.execute(text(
            "SELECT count(*) FROM marts.mart_plan_vs_actual WHERE is_ratio_mismatch = false")).scalar_one()
    assert [tuple(r) for r in rows] == [(Decimal("11000"), Decimal("2755"), Decimal("25.0455"), Decimal("24.05"),
                                        True, True, "002_7536578806f022c2.pdf")]
    assert consistent > 50  # most stated ratios agree with their figures


def test_dbt_tests_pass_on_the_loaded_warehouse(pipeline, monkeypatch):
    from vnreports.transform import run_dbt

    monkeypatch.setenv("VNREPORTS_LOCAL_DIR", str(pipeline["local"]))
    result = run_dbt(pipeline["url"], ["test"])
    assert set(result["statuses"]) == {"pass"} and result["statuses"]["pass"] > 150


def test_bi_reader_reads_marts_only(pipeline):
    import psycopg

    bi_url = next(line.removeprefix("BI_READER_URL=") for line in pipeline["first"].stdout.splitlines()
                  if line.startswith("BI_READER_URL="))
    with psycopg.connect(bi_url, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM marts.indicator_values").fetchone()[0] > 800  # the BI tier of the samples (about 920 values)
        assert conn.execute("SELECT count(*) FROM marts.mart_plan_vs_actual").fetchone()[0] > 100
        for forbidden in ("SELECT * FROM staging.indicator_value LIMIT 1", "SELECT * FROM raw.report_file LIMIT 1",
                          "DELETE FROM marts.fct_indicator_value", "CREATE TABLE marts.x (i int)"):
            with pytest.raises(psycopg.Error):
                conn.execute(forbidden)


def test_every_file_has_an_outcome(pipeline):
    with pipeline["engine"].connect() as conn:
        status = dict(conn.execute(text("SELECT file_name, status FROM raw.report_file")).all())
        reasons = dict(conn.execute(text("SELECT file_name, reason FROM raw.report_file")).all())
    for sample in SAMPLE_REPORTS.glob("*.pdf"):
        assert status[sample.name] == "loaded", (sample.name, reasons[sample.name])
    assert status[CORRUPT_NAME] in ("failed", "quarantined")
    assert CORRUPT_NAME in reasons[CORRUPT_NAME] and len(reasons[CORRUPT_NAME]) > len(CORRUPT_NAME) + 5
    assert status[DUPLICATE_NAME] == "duplicate"
    assert PROVINCE_REPORT.name in reasons[DUPLICATE_NAME]


def test_validation_history_and_data_docs(pipeline):
    engine = pipeline["engine"]
    assert scalar(engine, "SELECT count(DISTINCT report_id) FROM raw.validation_run") == 4 + len(REFORM_REPORTS)
    assert list((pipeline["local"] / "gx").rglob("index.html"))
    # the DAG's validate_marts task ran the marts suites after dbt: no error-level failure
    # (warnings, such as the known stated-ratio mismatches, are counted, not failed)
    with engine.connect() as conn:
        runs = conn.execute(text(
            "SELECT suite_name, failed - warnings AS errors, warnings, dag_run_id FROM raw.marts_validation_run")).all()
    assert len({r.suite_name for r in runs}) >= 3
    assert all(r.errors == 0 and r.dag_run_id for r in runs)
    assert sum(r.warnings for r in runs) >= 1


def test_sources_are_never_modified(pipeline):
    inbox = pipeline["inbox"]
    for sample in SAMPLE_REPORTS.glob("*.pdf"):
        assert (inbox / sample.name).read_bytes() == sample.read_bytes()
    assert (inbox / DUPLICATE_NAME).exists() and (inbox / CORRUPT_NAME).exists()


def test_second_run_loads_nothing_twice(pipeline):
    engine = pipeline["engine"]
    facts_before = scalar(engine, "SELECT count(*) FROM marts.fct_indicator_value")
    files_before = scalar(engine, "SELECT count(*) FROM raw.report_file")
    staged_before = scalar(engine, "SELECT count(*) FROM staging.indicator_value")
    second = run_cli(pipeline["env"], "run")
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    assert second.stdout.strip().splitlines()[-1] == f"WAREHOUSE_URL={pipeline['url']}"
    assert scalar(engine, "SELECT count(*) FROM marts.fct_indicator_value") == facts_before
    assert scalar(engine, "SELECT count(*) FROM raw.report_file") == files_before
    assert scalar(engine, "SELECT count(*) FROM staging.indicator_value") == staged_before
    assert facts_before > 0
    # nothing changed: the second run skipped the dbt group (one build recorded, by the first run)
    assert scalar(engine, "SELECT count(*) FROM raw.marts_build") == 1


def test_one_area_before_and_after_the_reorganisation_loads_under_its_units(pipeline):
    """The 2024 district report lands under district 048 (2022 list), the 2026 commune report under
    the new commune 01558, with their periods; the cross-reform view places both under Xã Hạ Lang's
    successor chain (the district lies whole in province 04 of 2025)."""
    with pipeline["engine"].connect() as conn:
        reports = {r.file_name: r for r in conn.execute(text(
            "SELECT file_name, admin_unit_key, admin_unit_name, period_key FROM marts.dim_report"
            " WHERE file_name LIKE '%Hạ Lang 6 tháng%'"))}
        values = {(r.admin_unit_key, r.period_label) for r in conn.execute(text(
            "SELECT admin_unit_key, period_label FROM marts.indicator_observations"
            " WHERE report_file LIKE '%Hạ Lang 6 tháng%'"))}
    assert {(n, r.admin_unit_key, r.admin_unit_name, r.period_key) for n, r in reports.items()} == {
        ("huyện Hạ Lang 6 tháng 2024.pdf", "048:2022", "Huyện Hạ Lang", "first_half:2024-01-01:2024-06-30"),
        ("xã Hạ Lang 6 tháng 2026.pdf", "01558:2025", "Xã Hạ Lang", "first_half:2026-01-01:2026-06-30")}
    assert {k for k, _ in values} == {"048:2022", "01558:2025"}
