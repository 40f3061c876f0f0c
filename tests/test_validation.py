"""GX validation of staging rows against the session's real PostgreSQL and real GX."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sqlalchemy import text

from tests.conftest import create_database, drop_database
from vnreports import validation
from vnreports.db import ensure_schema, get_engine
from vnreports.validation import ValidationOutcome, validate_report

SUITES = ("report_metadata", "indicator_values", "report_pages", "narrative_facts")
MARTS_SUITES = ("marts_dimensions", "marts_fct_indicator_value", "marts_fct_indicator_observation",
                "marts_plan_vs_actual")
EVALUATED = 75  # expectations of the four staging suites
NARRATIVE_EVALUATED = 30


def rid(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


GOOD = rid("good")
NO_VALUES = rid("no-values")
NO_UNIT = rid("no-unit")
DUP_CELL = rid("dup-cell")
MANY = rid("many-problems")
NARRATIVE_ONLY = rid("narrative-only")


@pytest.fixture(scope="module")
def engine(warehouse_url):
    url = create_database(warehouse_url)
    eng = get_engine(url)
    ensure_schema(eng)
    _insert_fixtures(eng)
    yield eng
    eng.dispose()
    drop_database(url)


def _insert_fixtures(eng):
    with eng.begin() as conn:
        _insert_report(conn, GOOD, pages=["Báo cáo tình hình kinh tế - xã hội năm 2023", "Trang 2"])
        _insert_values(conn, GOOD, _good_values())
        _insert_facts(conn, GOOD, _good_facts())
        conn.execute(
            text(
                "INSERT INTO raw.report_file (report_id, file_name, file_path, size_bytes, status)"
                " VALUES (:r, 'good.pdf', '/inbox/good.pdf', 1234, 'parsed')"
            ),
            {"r": GOOD},
        )

        _insert_report(conn, NO_VALUES, pages=["Báo cáo không có bảng số liệu"])

        # a monthly report: no indicator table, its figures are in the text
        _insert_report(conn, NARRATIVE_ONLY, pages=["Báo cáo tháng", "Trang 2"])
        _insert_facts(conn, NARRATIVE_ONLY, _good_facts())

        _insert_report(conn, NO_UNIT, pages=["Báo cáo", "Trang 2"], admin_unit_code=None)
        _insert_values(conn, NO_UNIT, _good_values())

        # every problem the suites know about, at once
        _insert_report(
            conn,
            MANY,
            pages=["   ", "\n"],  # blank pages, and page_count says 3
            page_count=3,
            admin_unit_code="4",
            admin_level="province-ish",
            doc_type="memo",
            period_start="2023-12-31",
            period_end="2023-01-01",
        )
        _insert_values(
            conn,
            MANY,
            [
                _value(0, 0, 2, value_number=None, value_text=None, raw_text="??"),  # unparsed
                _value(0, 1, 2, measure_unit="%", value_number=1053.0, raw_text="1053"),
                _value(0, 1, 3, role="ratio", scenario=None, measure_unit="%", value_number=-5.0),
                _value(0, 2, 2, scenario=None),  # a value figure without scenario
                _value(0, 2, 3, scenario="forecast"),
                _value(0, 3, 2, role="verdict"),
                _value(0, 4, 2, page_no=0),
            ],
        )
        _insert_facts(
            conn,
            MANY,
            [
                _fact(0, sentence="   ", span=(0, 1), page_no=9),  # blank sentence, page beyond the report
                _fact(1, scenario="forecast", span=(5, 2)),  # unknown scenario, reversed span
                _fact(2, value_number=None, span=(0, 500)),  # no figure at all, span beyond the sentence
                _fact(3, stated_ratios=[{"value": -3, "base": "nam_truoc", "base_text": "năm trước"}]),
                _fact(4, change_value=5, change_direction=None, change_kind="percentish"),
                _fact(5, change_value=-1, change_direction="decrease", change_kind="absolute"),
                _fact(6, admin_unit_code="99999", period_type="decade", indicator_text=" ", span=(-1, 3)),
                # plausibility only (warnings): a percent of 1053 and a part larger than its whole
                _fact(7, measure_unit="%", value_number=1053.0, part_numerator=20, part_denominator=19),
            ],
        )


@pytest.fixture(scope="module")
def docs_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("gx")


def _insert_report(
    conn,
    report_id,
    *,
    pages,
    page_count=None,
    admin_unit_code="04",
    admin_level="province",
    doc_type="bao_cao",
    period_start="2023-01-01",
    period_end="2023-12-31",
):
    conn.execute(
        text(
            "INSERT INTO staging.report (report_id, file_name, page_count, issuer_name,"
            " admin_unit_code, admin_unit_name, admin_level, doc_type, doc_number, title,"
            " period_type, period_start, period_end, parser_version)"
            " VALUES (:report_id, :file_name, :page_count, 'UBND tỉnh Cao Bằng', :code,"
            " 'Tỉnh Cao Bằng', :level, :doc_type, '123/BC-UBND', 'Báo cáo KT-XH', 'year',"
            " :start, :end, 'test')"
        ),
        {
            "report_id": report_id,
            "file_name": f"{report_id[:8]}.pdf",
            "page_count": page_count if page_count is not None else len(pages),
            "code": admin_unit_code,
            "level": admin_level,
            "doc_type": doc_type,
            "start": period_start,
            "end": period_end,
        },
    )
    conn.execute(
        text(
            "INSERT INTO staging.report_page (report_id, page_no, extraction, width, height, text)"
            " VALUES (:r, :page_no, 'text', 595, 842, :text)"
        ),
        [{"r": report_id, "page_no": i, "text": t} for i, t in enumerate(pages, start=1)],
    )


def _value(table_index, row_index, col_index, **over):
    row = {
        "table_index": table_index,
        "row_index": row_index,
        "col_index": col_index,
        "page_no": 1,
        "indicator_name": "Tổng sản phẩm trên địa bàn (GRDP)",
        "row_path": json.dumps(["Tổng sản phẩm trên địa bàn (GRDP)"], ensure_ascii=False),
        "measure_unit": "Tỷ đồng",
        "role": "value",
        "scenario": "actual",
        "ratio_base": None,
        "value_number": 100.0,
        "value_text": None,
        "raw_text": "100",
        "period_start": None,
        "period_end": None,
        "indicator_code": None,
    }
    row.update(over)
    return row


def _good_values():
    grdp = "GRDP bình quân đầu người"
    return [
        _value(0, 0, 2, scenario="plan", value_number=22000.0, raw_text="22.000"),
        _value(0, 0, 3, scenario="actual", value_number=21850.5, raw_text="21.850,5"),
        _value(0, 0, 4, role="ratio", scenario=None, ratio_base="plan", measure_unit="%", value_number=99.3,
               raw_text="99,3"),
        _value(0, 1, 2, indicator_name="Tốc độ tăng trưởng GRDP", measure_unit="%", value_number=-2.1,
               raw_text="-2,1"),
        _value(0, 2, 3, indicator_name=grdp, row_path=json.dumps([grdp], ensure_ascii=False),
               measure_unit="Triệu đồng", scenario="estimate", value_number=39.48, raw_text="39,48"),
        _value(0, 3, 3, indicator_name="Đảm bảo an sinh xã hội", measure_unit=None, value_number=None,
               value_text="Đảm bảo", raw_text="Đảm bảo"),
    ]


def _fact(fact_index, span=(26, 31), stated_ratios=(), **over):
    row = {
        "fact_index": fact_index,
        "page_no": 1,
        "footnote_no": None,
        "sentence": "Tổng đàn trâu ước đạt 7.111 con, bằng 98,5% kế hoạch, giảm 52 con so với cùng kỳ.",
        "span_start": span[0],
        "span_end": span[1],
        "indicator_text": "Tổng đàn trâu",
        "value_number": 7111.0,
        "value_text": "7.111",
        "measure_unit": "con",
        "scenario": "estimate",
        "period_type": None,
        "admin_unit_code": None,
        "stated_ratios": json.dumps(list(stated_ratios), ensure_ascii=False),
        "change_value": None,
        "change_direction": None,
        "change_kind": None,
        "part_numerator": None,
        "part_denominator": None,
        "period_start": None,
        "period_end": None,
        "as_of_date": None,
        "indicator_code": None,
    }
    row.update(over)
    return row


def _good_facts():
    return [
        _fact(0, stated_ratios=[{"value": 98.5, "base": "plan", "base_text": "kế hoạch"}],
              change_value=52, change_direction="decrease", change_kind="absolute"),
        _fact(1, sentence="Xã Minh Long có 03/19 xóm đạt chuẩn nông thôn mới.", span=(13, 18),
              indicator_text="Số xóm đạt chuẩn nông thôn mới", value_number=None, value_text=None,
              measure_unit="xóm", scenario="actual", admin_unit_code="01534",
              part_numerator=3, part_denominator=19),
        _fact(2, sentence="Tỷ lệ hộ nghèo còn 12,5%, giảm 2,1% so với cùng kỳ.", span=(19, 24),
              indicator_text="Tỷ lệ hộ nghèo", value_number=12.5, value_text="12,5", measure_unit="%",
              scenario="actual", period_type="year", footnote_no=1, change_value=2.1,
              change_direction="decrease", change_kind="percentage_points",
              stated_ratios=[{"value": 103.39, "base": "plan_hdnd", "base_text": "NQ HĐND huyện"}]),
    ]


def _insert_facts(conn, report_id, facts):
    conn.execute(
        text(
            "INSERT INTO staging.narrative_fact (report_id, fact_index, page_no, footnote_no, sentence,"
            " span_start, span_end, indicator_text, value_number, value_text, measure_unit, scenario,"
            " period_type, admin_unit_code, stated_ratios, change_value, change_direction,"
            " change_kind, part_numerator, part_denominator, period_start, period_end, as_of_date,"
            " indicator_code)"
            " VALUES (:report_id, :fact_index, :page_no, :footnote_no, :sentence, :span_start,"
            " :span_end, :indicator_text, :value_number, :value_text, :measure_unit, :scenario,"
            " :period_type, :admin_unit_code, CAST(:stated_ratios AS jsonb), :change_value,"
            " :change_direction, :change_kind, :part_numerator, :part_denominator, :period_start,"
            " :period_end, :as_of_date, :indicator_code)"
        ),
        [{"report_id": report_id, **f} for f in facts],
    )


def _insert_values(conn, report_id, values):
    conn.execute(
        text(
            "INSERT INTO staging.indicator_value (report_id, table_index, row_index, col_index,"
            " page_no, indicator_name, row_path, measure_unit, role, scenario, ratio_base,"
            " value_number, value_text, raw_text, period_start, period_end, indicator_code)"
            " VALUES (:report_id, :table_index, :row_index, :col_index, :page_no, :indicator_name,"
            " CAST(:row_path AS jsonb), :measure_unit, :role, :scenario, :ratio_base, :value_number,"
            " :value_text, :raw_text, :period_start, :period_end, :indicator_code)"
        ),
        [{"report_id": report_id, **v} for v in values],
    )


def _runs(engine, report_id):
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT suite_name, success, evaluated, failed, failed_expectations, result_json,"
                " dag_run_id FROM raw.validation_run WHERE report_id = :r ORDER BY validation_id"
            ),
            {"r": report_id},
        ).mappings().all()


def _failed_pairs(outcome: ValidationOutcome) -> set[tuple[str, str, str]]:
    def col(c):
        return ",".join(c) if isinstance(c, list) else c

    return {(f["table"], f["expectation"], col(f["column"])) for f in outcome.failed}


def test_good_report_passes_and_is_recorded(engine, docs_dir):
    t0 = time.perf_counter()
    outcome = validate_report(engine, GOOD, dag_run_id="manual__good", docs_dir=docs_dir)
    print(f"\nfirst validate_report: {time.perf_counter() - t0:.2f}s (GX import + project setup)")

    assert outcome.success, outcome.reason
    assert outcome.report_id == GOOD
    assert outcome.failed == [] and outcome.reason is None
    assert outcome.evaluated == EVALUATED

    runs = _runs(engine, GOOD)
    assert [r["suite_name"] for r in runs] == list(SUITES)
    assert all(r["success"] and r["failed"] == 0 and r["failed_expectations"] == [] for r in runs)
    assert all(r["dag_run_id"] == "manual__good" for r in runs)
    assert sum(r["evaluated"] for r in runs) == EVALUATED
    # result_json is the full GX result (to_json_dict), storable as jsonb
    assert runs[1]["result_json"]["suite_name"] == "indicator_values"
    assert runs[1]["result_json"]["success"] is True
    assert len(runs[1]["result_json"]["results"]) == runs[1]["evaluated"]

    # the caller owns raw.report_file
    with engine.connect() as conn:
        status = conn.execute(text("SELECT status FROM raw.report_file WHERE report_id = :r"), {"r": GOOD})
        assert status.scalar_one() == "parsed"

    index = Path(outcome.data_docs_index)
    assert index.is_file() and index.is_relative_to(docs_dir)
    html = index.read_text(encoding="utf-8")
    for suite in SUITES:
        assert suite in html
    assert (docs_dir / "great_expectations.yml").is_file()


def test_report_without_values_passes_with_a_warning(engine, docs_dir):
    # A report with no figures at all (no table figure, no narrative fact) is valid but
    # suspicious: a warning-level expectation, recorded but not a reason to quarantine.
    outcome = validate_report(engine, NO_VALUES, docs_dir=docs_dir)

    assert outcome.success
    assert outcome.failed == [] and outcome.reason is None
    (warning,) = outcome.warnings
    assert warning["expectation"] == "expect_table_row_count_to_be_between"
    assert warning["severity"] == "warning"
    assert warning["observed"] == 0
    assert warning["kwargs"]["min_value"] == 1
    runs = _runs(engine, NO_VALUES)
    assert {r["suite_name"]: r["success"] for r in runs} == {
        "report_metadata": True,
        "indicator_values": False,
        "report_pages": True,
        "narrative_facts": True,
    }
    (bad,) = [r for r in runs if not r["success"]]
    assert bad["failed"] == 1
    assert bad["failed_expectations"][0]["expectation"] == "expect_table_row_count_to_be_between"


def test_report_with_narrative_facts_only_passes_without_warning(engine, docs_dir):
    # A monthly report without an indicator table: its figures are narrative facts, so the
    # empty table-value set is expected (min_table_values resolves to 0).
    outcome = validate_report(engine, NARRATIVE_ONLY, docs_dir=docs_dir)

    assert outcome.success, outcome.reason
    assert outcome.failed == [] and outcome.warnings == []
    runs = _runs(engine, NARRATIVE_ONLY)
    assert all(r["success"] for r in runs)
    (narrative,) = [r for r in runs if r["suite_name"] == "narrative_facts"]
    assert narrative["evaluated"] == NARRATIVE_EVALUATED
    assert len(narrative["result_json"]["results"]) == NARRATIVE_EVALUATED


def test_unresolved_admin_unit_fails(engine, docs_dir):
    outcome = validate_report(engine, NO_UNIT, docs_dir=docs_dir)

    assert not outcome.success
    assert _failed_pairs(outcome) == {("report", "expect_column_values_to_not_be_null", "admin_unit_code")}
    assert outcome.reason.startswith(
        "GX suite report_metadata failed: expect_column_values_to_not_be_null on admin_unit_code"
    )
    assert "1 of 1 rows unexpected" in outcome.reason
    assert [r["success"] for r in _runs(engine, NO_UNIT)] == [False, True, True, True]


def test_duplicated_cell_fails(engine, docs_dir):
    # The primary key of staging.indicator_value already forbids this; the expectation guards
    # the loader against a relaxed key (e.g. if source_kind joins it). Drop the key to insert.
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE staging.indicator_value DROP CONSTRAINT indicator_value_pkey")
        _insert_report(conn, DUP_CELL, pages=["Trang 1"])
        _insert_values(conn, DUP_CELL, _good_values() + [_good_values()[1]])
    try:
        outcome = validate_report(engine, DUP_CELL, docs_dir=docs_dir)
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM staging.indicator_value WHERE report_id = :r"), {"r": DUP_CELL})
            conn.exec_driver_sql(
                "ALTER TABLE staging.indicator_value ADD CONSTRAINT indicator_value_pkey"
                " PRIMARY KEY (report_id, table_index, row_index, col_index)"
            )

    assert not outcome.success
    assert _failed_pairs(outcome) == {
        ("indicator_value", "expect_compound_columns_to_be_unique", "table_index,row_index,col_index")
    }
    assert "GX suite indicator_values failed: expect_compound_columns_to_be_unique" in outcome.reason
    assert "2 of 7 rows unexpected" in outcome.reason


def test_every_expectation_can_fail(engine, docs_dir):
    outcome = validate_report(engine, MANY, docs_dir=docs_dir)
    print("\n" + outcome.reason)

    assert not outcome.success
    assert _failed_pairs(outcome) == {
        ("report", "expect_column_values_to_match_regex", "admin_unit_code"),
        ("report", "expect_column_values_to_be_in_set", "admin_level"),
        ("report", "expect_column_values_to_be_in_set", "doc_type"),
        ("report", "expect_column_values_to_be_null", "unknown_admin_unit"),  # "4" is no GSO code
        ("report", "expect_column_pair_values_a_to_be_greater_than_b", "period_end,period_start"),
        ("indicator_value", "expect_column_values_to_not_be_null", "value_number"),
        ("indicator_value", "expect_column_values_to_not_be_null", "scenario"),
        ("indicator_value", "expect_column_values_to_be_in_set", "scenario"),
        ("indicator_value", "expect_column_values_to_be_in_set", "role"),
        ("indicator_value", "expect_column_values_to_be_between", "value_number"),
        ("indicator_value", "expect_column_values_to_be_between", "page_no"),
        ("report_page", "expect_table_row_count_to_equal", None),
        ("report_page", "expect_column_max_to_be_between", "text_chars"),
        ("narrative_fact", "expect_column_values_to_match_regex", "sentence"),
        ("narrative_fact", "expect_column_values_to_match_regex", "indicator_text"),
        ("narrative_fact", "expect_column_values_to_be_between", "page_no"),
        ("narrative_fact", "expect_column_values_to_be_between", "span_start"),
        ("narrative_fact", "expect_column_pair_values_a_to_be_greater_than_b", "span_end,span_start"),
        ("narrative_fact", "expect_column_pair_values_a_to_be_greater_than_b", "sentence_chars,span_end"),
        ("narrative_fact", "expect_column_values_to_be_in_set", "scenario"),
        ("narrative_fact", "expect_column_values_to_be_in_set", "period_type"),
        ("narrative_fact", "expect_column_values_to_not_be_null", "value_number"),
        ("narrative_fact", "expect_column_values_to_be_null", "unknown_ratio_bases"),
        ("narrative_fact", "expect_column_values_to_be_between", "min_ratio_value"),
        ("narrative_fact", "expect_column_values_to_be_in_set", "change_kind"),
        ("narrative_fact", "expect_column_values_to_not_be_null", "change_direction"),
        ("narrative_fact", "expect_column_values_to_be_between", "change_value"),
        ("narrative_fact", "expect_column_values_to_be_null", "unknown_admin_unit"),
    }
    # a ratio without a base is a warning: it loads as ratio_to_unknown
    # (narrative plausibility checks are warnings too: a percent of 1053, a part above its whole)
    assert sorted((w["table"], w["expectation"], str(w["column"])) for w in outcome.warnings) == [
        ("indicator_value", "expect_column_values_to_not_be_null", "ratio_base"),
        ("narrative_fact", "expect_column_pair_values_a_to_be_greater_than_b",
         "['part_denominator', 'part_numerator']"),
        ("narrative_fact", "expect_column_values_to_be_between", "value_number"),
        ("narrative_fact", "expect_column_values_to_be_unique", "mention_key"),  # facts 4, 5: one mention
    ]
    facts = {f["column"] if isinstance(f["column"], str) else ",".join(f["column"]): f
             for f in outcome.failed if f["table"] == "narrative_fact"}
    assert facts["unknown_ratio_bases"]["observed"]["partial_unexpected_list"] == ["nam_truoc"]
    assert facts["unknown_admin_unit"]["observed"]["partial_unexpected_list"] == ["99999"]
    assert facts["value_number"]["condition"] == "(part_numerator IS NULL AND change_value IS NULL AND min_ratio_value IS NULL)"
    assert facts["page_no"]["observed"]["partial_unexpected_list"] == [9]
    # both value_number range checks fail: percent 1053 and ratio -5
    ranges = [f for f in outcome.failed if f["expectation"] == "expect_column_values_to_be_between"
              and f["column"] == "value_number"]
    assert sorted(f["observed"]["partial_unexpected_list"][0] for f in ranges) == [-5.0, 1053.0]
    row_count = next(f for f in outcome.failed if f["expectation"] == "expect_table_row_count_to_equal")
    assert row_count["observed"] == 2 and row_count["kwargs"]["value"] == 3  # the suite parameter, resolved
    assert outcome.reason.count("GX suite ") == 4
    assert {f.get("condition") for f in ranges} == {
        "(role == 'value' AND measure_unit == '%')",
        "role == 'ratio'",
    }
    assert (
        "expect_column_values_to_be_between on value_number where role == 'ratio'"
        " (1 of 1 rows unexpected: -5.0)" in outcome.reason
    )
    assert "expect_table_row_count_to_equal (observed 2)" in outcome.reason
    assert [r["success"] for r in _runs(engine, MANY)] == [False, False, False, False]


def test_revalidation_appends_history(engine, docs_dir):
    before = len(_runs(engine, GOOD))
    validation._PROJECTS.clear()  # as a new worker process would: reopen the existing GX project
    t0 = time.perf_counter()
    outcome = validate_report(engine, GOOD, dag_run_id="manual__again", docs_dir=docs_dir)
    print(f"\nvalidate_report on an existing project: {time.perf_counter() - t0:.2f}s")
    assert outcome.success and outcome.evaluated == EVALUATED

    t0 = time.perf_counter()
    # an Airflow run id with characters GX cannot use in a run name ('/') is still recorded as is
    odd_run_id = "manual__2026-01-01T00:00:00+00:00/retry"
    again = validate_report(engine, GOOD, dag_run_id=odd_run_id, docs_dir=docs_dir)
    print(f"validate_report with a cached project: {time.perf_counter() - t0:.2f}s")
    assert again.success and again.data_docs_index == outcome.data_docs_index

    runs = _runs(engine, GOOD)
    assert len(runs) == before + 8
    assert [r["suite_name"] for r in runs[-8:]] == list(SUITES) * 2
    assert all(r["success"] for r in runs)
    assert [r["dag_run_id"] for r in runs[-8:]] == ["manual__again"] * 4 + [odd_run_id] * 4
    # the GX project kept one object per suite (add_or_update, not duplicates)
    context = validation._PROJECTS[docs_dir.resolve()].context
    batch_forms = tuple(f"batch_{name}" for name in SUITES)
    assert sorted(s.name for s in context.suites.all()) == sorted(SUITES + MARTS_SUITES + batch_forms)
    assert len(list(context.checkpoints.all())) == 12


def test_parallel_workers_share_a_new_project(engine, tmp_path):
    """Two processes (as two Airflow task runs) validating at once into a fresh GX project."""
    url = engine.url.render_as_string(hide_password=False)
    script = (
        "import sys; from pathlib import Path;"
        "from vnreports.db import get_engine; from vnreports.validation import validate_report;"
        "o = validate_report(get_engine(sys.argv[1]), sys.argv[2], dag_run_id='parallel',"
        " docs_dir=Path(sys.argv[3]));"
        "print(o.success, o.evaluated)"
    )
    env = {**os.environ, "GX_ANALYTICS_ENABLED": "False"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-W", "ignore", "-c", script, url, report_id, str(tmp_path / "gx")],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )
        for report_id in (GOOD, NO_VALUES)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    for proc, (out, err) in zip(procs, outputs):
        assert proc.returncode == 0, err[-3000:]
    assert [out.strip().splitlines()[-1] for out, _ in outputs] == [f"True {EVALUATED}", f"True {EVALUATED}"]  # NO_VALUES: a warning only

    # one data source with an asset per table and per batch form, a suite and a checkpoint each:
    # nobody duplicated anything
    import great_expectations as gx

    context = gx.get_context(mode="file", context_root_dir=tmp_path / "gx")
    datasource = context.data_sources.get(validation.DATASOURCE_NAME)
    tables = {"report", "indicator_value", "report_page", "narrative_fact"}
    assert datasource.get_asset_names() == tables | {f"batch_{t}" for t in tables}
    batch_forms = tuple(f"batch_{name}" for name in SUITES)
    assert sorted(s.name for s in context.suites.all()) == sorted(SUITES + MARTS_SUITES + batch_forms)
    assert len(list(context.checkpoints.all())) == 12
    assert (tmp_path / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html").is_file()


def test_exception_messages_in_both_gx_shapes():
    flat = {"raised_exception": True, "exception_message": "boom", "exception_traceback": "..."}
    nested = {"MetricConfigurationID(metric_name='x')": flat}
    quiet = {"raised_exception": False, "exception_message": None}
    assert validation._exception_message(flat) == "boom"
    assert validation._exception_message(nested) == "boom"
    assert validation._exception_message(quiet) is None
    failure = {"expectation": "expect_column_values_to_be_between", "column": "page_no",
               "observed": {"exception": "boom"}}
    assert validation._describe_failure(failure) == (
        "expect_column_values_to_be_between on page_no (error: boom)"
    )


# ---------------------------------------------------------------------------------------------
# The checks added for issue 6: units, ranges per unit, coverage, admin unit, duplicates
# ---------------------------------------------------------------------------------------------

CRITICAL_NEW = rid("critical-new-checks")
WARNING_NEW = rid("warning-new-checks")


def test_new_error_level_checks_quarantine_the_report(engine, docs_dir):
    from vnreports.pipeline import validate_step

    with engine.begin() as conn:
        # "97" has the shape of a province code but is not in the GSO list
        _insert_report(conn, CRITICAL_NEW, pages=["Trang 1", "Trang 2"], admin_unit_code="97")
        _insert_values(conn, CRITICAL_NEW, [
            _value(0, 0, 2, indicator_name="Tổng đàn trâu", measure_unit="Con", value_number=-5.0, raw_text="-5"),
            _value(0, 1, 2, period_start="2023-12-31", period_end="2023-01-01"),  # reversed period
        ])
        _insert_facts(conn, CRITICAL_NEW, [_fact(0, value_number=-3.0, measure_unit="hộ", value_text="-3")])
        conn.execute(text("INSERT INTO raw.report_file (report_id, file_name, file_path, size_bytes, status)"
                          " VALUES (:r, 'bad figures.pdf', '/inbox/bad figures.pdf', 1, 'parsed')"),
                     {"r": CRITICAL_NEW})

    outcome = validate_report(engine, CRITICAL_NEW, docs_dir=docs_dir)
    assert not outcome.success
    assert _failed_pairs(outcome) == {
        ("report", "expect_column_values_to_be_null", "unknown_admin_unit"),
        ("indicator_value", "expect_column_values_to_be_between", "value_number"),
        ("indicator_value", "expect_column_pair_values_a_to_be_greater_than_b", "period_end,period_start"),
        ("narrative_fact", "expect_column_values_to_be_between", "value_number"),
    }
    counts = [f for f in outcome.failed if f["column"] == "value_number"]
    assert {f["condition"] for f in counts} == {
        "(role == 'value' AND unit_class == 'nonnegative')", "unit_class == 'nonnegative'"}
    assert "expect_column_values_to_be_null on unknown_admin_unit (1 of 1 rows unexpected: '97')" in outcome.reason

    # the pipeline step quarantines it, the reason names the file and the expectations
    result = validate_step(engine.url.render_as_string(hide_password=False),
                           {"report_id": CRITICAL_NEW, "file_name": "bad figures.pdf", "status": "parsed"},
                           dag_run_id="issue6")
    assert result["status"] == "quarantined"
    assert result["reason"].startswith("bad figures.pdf: GX suite report_metadata failed:")
    assert "unit_class == 'nonnegative'" in result["reason"]


def test_new_warning_level_checks_load_the_report_flagged(engine, docs_dir):
    grdp = "GRDP"
    with engine.begin() as conn:
        # admin_level "district" with a province code: flagged, not quarantined
        _insert_report(conn, WARNING_NEW, pages=["Trang 1", "Trang 2"], admin_level="district")
        _insert_values(conn, WARNING_NEW, [
            _value(0, 0, 2, measure_unit="quả trứng", value_number=12.0, raw_text="12"),  # unknown unit
            _value(0, 1, 2, indicator_name="Tỷ lệ hộ nghèo", indicator_code="poverty_rate", measure_unit="%",
                   value_number=130.0, raw_text="130"),  # a share above 100
            _value(0, 2, 2, indicator_name=grdp, period_start="2015-01-01", period_end="2015-12-31"),  # outside
            _value(0, 3, 2, indicator_name=grdp), _value(0, 3, 3, indicator_name=grdp),  # same figure twice
            _value(0, 4, 2, value_number=None, value_text="1.234,5", raw_text="1.234,5"),  # number not parsed
        ])
        _insert_facts(conn, WARNING_NEW, [
            _fact(0), _fact(1),  # the same mention made two facts
            _fact(2, as_of_date="2010-05-31"),  # a stock long before the report's period
        ])

    outcome = validate_report(engine, WARNING_NEW, docs_dir=docs_dir)
    assert outcome.success, outcome.reason
    assert outcome.failed == [] and outcome.reason is None
    assert {(w["table"], w["expectation"], str(w["column"])) for w in outcome.warnings} == {
        ("report", "expect_column_pair_values_to_be_equal", "['admin_level', 'admin_level_of_code']"),
        ("indicator_value", "expect_column_values_to_be_null", "unknown_unit"),
        ("indicator_value", "expect_column_values_to_be_between", "value_number"),
        ("indicator_value", "expect_column_values_to_be_between", "period_start"),
        ("indicator_value", "expect_column_values_to_be_between", "period_end"),
        ("indicator_value", "expect_column_values_to_be_unique", "fact_key"),
        ("indicator_value", "expect_column_values_to_not_match_regex", "value_text"),
        ("narrative_fact", "expect_column_values_to_be_unique", "mention_key"),
        ("narrative_fact", "expect_column_values_to_be_between", "as_of_date"),
    }
    by_column = {w["column"]: w for w in outcome.warnings if isinstance(w["column"], str)}
    assert by_column["unknown_unit"]["observed"]["partial_unexpected_list"] == ["quả trứng"]
    assert by_column["value_number"]["condition"] == "(role == 'value' AND unit_class == 'share')"
    # coverage: the year before the 2023 report to the year after
    assert by_column["period_start"]["kwargs"]["min_value"].startswith("2022-01-01")
    assert by_column["period_start"]["kwargs"]["max_value"].startswith("2024-12-31")


def test_known_units_and_unit_classes():
    assert validation.is_known_unit("triệu đồng/ha/năm")  # every part is a known unit's part
    assert validation.is_known_unit("bác sĩ/vạn dân") and validation.is_known_unit(None)
    assert not validation.is_known_unit("quả trứng")
    assert validation.unit_class("con", None) == "nonnegative"
    assert validation.unit_class("tỷ đồng", "grdp") == "signed"
    assert validation.unit_class("%", "poverty_rate") == "share"
    assert validation.unit_class("%", "grdp_growth") == "percent"
    assert validation.unit_class("quả trứng", None) is None


# ---------------------------------------------------------------------------------------------
# Batches: validate_reports runs the suites' batch forms once, validates flagged reports alone
# ---------------------------------------------------------------------------------------------


def _batch_variants() -> dict[str, tuple[dict, list, list]]:
    """Reports that each break one expectation (or none), as (report fields, values, facts):
    every kind of batch form is among them (parameters as columns, per-report row counts and
    maxima, uniqueness within a report)."""
    outside = {"period_start": "2015-01-01", "period_end": "2015-12-31"}
    return {
        "good": ({}, _good_values(), _good_facts()),
        "good again": ({}, _good_values(), _good_facts()),  # same keys as "good": unique per report only
        "narrative only": ({}, [], _good_facts()),
        "no figures": ({}, [], []),  # rows of indicator_values below min_table_values (a warning)
        "pages short": ({"page_count": 3}, _good_values(), _good_facts()),  # row count vs page_count
        "blank pages": ({"pages": [" ", "\n"]}, _good_values(), _good_facts()),  # max text_chars
        "fact beyond last page": ({}, _good_values(), [_fact(0, page_no=3)]),  # max_page_no
        "value outside coverage": ({}, _good_values() + [_value(1, 0, 2, **outside)], _good_facts()),
        "stock outside coverage": ({}, _good_values(), [_fact(0, as_of_date="2010-05-31")]),
        "same figure twice": ({}, _good_values() + [_value(1, 0, 2), _value(1, 0, 3)], _good_facts()),
        "one mention, two facts": ({}, _good_values(), [_fact(0), _fact(1)]),
        "no admin unit": ({"admin_unit_code": None}, _good_values(), _good_facts()),
        "negative count": ({}, _good_values() + [_value(1, 0, 2, measure_unit="con", value_number=-1.0)],
                           _good_facts()),
        "reversed period": ({"period_start": "2023-12-31", "period_end": "2023-01-01"}, _good_values(), []),
    }


def _verdict(outcome: ValidationOutcome) -> tuple:
    def col(c):
        return ",".join(c) if isinstance(c, list) else c

    return (outcome.success, outcome.evaluated, _failed_pairs(outcome),
            {(w["table"], w["expectation"], col(w["column"])) for w in outcome.warnings})


def test_a_batch_gives_every_report_the_verdict_it_gets_alone(warehouse_url, tmp_path):
    url = create_database(warehouse_url)
    eng = get_engine(url)
    try:
        ensure_schema(eng)
        ids = {}
        with eng.begin() as conn:
            for name, (fields, values, facts) in _batch_variants().items():
                ids[name] = rid("batch " + name)
                fields = {"pages": ["Báo cáo năm 2023", "Trang 2"], **fields}
                _insert_report(conn, ids[name], **fields)
                if values:
                    _insert_values(conn, ids[name], values)
                if facts:
                    _insert_facts(conn, ids[name], facts)
        docs = tmp_path / "gx"
        in_batch = validation.validate_reports(eng, list(ids.values()), dag_run_id="batch", docs_dir=docs)
        assert list(in_batch) == list(ids.values())
        alone = {name: validate_report(eng, ids[name], dag_run_id="alone", docs_dir=docs) for name in ids}
        for name in ids:
            assert _verdict(in_batch[ids[name]]) == _verdict(alone[name]), name
        # each variant but the good ones breaks what it says; the good ones were not run alone
        clean = {name for name, o in alone.items() if o.success and not o.warnings}
        assert clean == {"good", "good again", "narrative only"}
        with eng.connect() as conn:
            screened = conn.execute(text(
                "SELECT report_id, count(*) FROM raw.validation_run WHERE dag_run_id = 'batch'"
                " AND result_json -> 'meta' ? 'validated_in_batch' GROUP BY 1")).all()
        assert {r for r, n in screened if n == len(SUITES)} == {ids[n] for n in clean}
        assert not validation.validate_reports(eng, [], docs_dir=docs)
    finally:
        eng.dispose()
        drop_database(url)


def test_every_report_expectation_has_a_batch_form():
    report_suites = validation.build_suites()
    forms = validation.batch_suites(report_suites)
    assert set(forms) == {f"batch_{name}" for name in SUITES}
    assert sum(len(s.expectations) for s in report_suites.values()) == EVALUATED
    # a kind without a batch form is refused, not dropped
    import great_expectations.expectations as gxe

    odd = validation.build_suites()
    odd["report_pages"].expectations.append(gxe.ExpectColumnMeanToBeBetween(column="text_chars", min_value=1))
    with pytest.raises(ValueError, match="no batch form for expect_column_mean_to_be_between"):
        validation.batch_suites(odd)


# ---------------------------------------------------------------------------------------------
# The four sample reports, and the marts suite after dbt
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_marts(tmp_path_factory, warehouse_url):
    """The four real sample reports through parse, validate, dbt build and record."""
    import shutil

    from tests.conftest import SAMPLE_REPORTS
    from vnreports import pipeline

    mp = pytest.MonkeyPatch()
    local = tmp_path_factory.mktemp("local_gx")
    mp.setenv("VNREPORTS_LOCAL_DIR", str(local))
    mp.setenv("REPORTS_SETTLE_SECONDS", "0")
    inbox = local / "inbox"
    inbox.mkdir()
    for pdf in sorted(SAMPLE_REPORTS.glob("*.pdf")):
        shutil.copy2(pdf, inbox / pdf.name)
    url = create_database(warehouse_url)
    pipeline.prepare_step(url)
    validated = []
    for f in pipeline.discover_step(url, inbox, "samples"):
        validated.append(pipeline.validate_step(url, pipeline.parse_step(url, f, "samples"), "samples"))
    docs = pipeline.data_docs_step(url, "samples")  # the DAG's data_docs task: one build for the run
    assert docs["results"] == 4 * len(validated)
    pipeline.transform_step(url)
    pipeline.record_step(url, "samples")
    yield {"url": url, "engine": get_engine(url), "validated": validated, "local": local}
    mp.undo()
    drop_database(url)


def test_the_four_sample_reports_validate(sample_marts):
    validated = sample_marts["validated"]
    assert len(validated) == 4
    assert [v["status"] for v in validated] == ["validated"] * 4, [v.get("reason") for v in validated]


def _marts_runs(engine):
    with engine.connect() as conn:
        return conn.execute(text("SELECT suite_name, success, failed, warnings, failed_expectations, dag_run_id"
                                 " FROM raw.marts_validation_run ORDER BY validation_id")).mappings().all()


def test_marts_suite_passes_on_the_built_marts_and_warns_on_ratio_mismatches(sample_marts):
    from vnreports.pipeline import validate_marts_step

    engine = sample_marts["engine"]
    result = validate_marts_step(sample_marts["url"], dag_run_id="marts_ok")
    assert result["success"] and result["failed"] == [] and result["reason"] is None
    # Hạ Lang's "2.755/11.000 liều đạt 24,05% KH" among them: counted, not failed
    assert result["ratio_mismatches"] >= 1
    assert "expect_column_values_to_be_null on ratio_mismatch" in result["warnings"]
    assert Path(result["data_docs_index"]).is_file()
    assert Path(result["data_docs_index"]).is_relative_to(sample_marts["local"])
    html = Path(result["data_docs_index"]).read_text(encoding="utf-8")
    assert "marts_plan_vs_actual" in html and "narrative_facts" in html

    runs = _marts_runs(engine)
    assert [r["suite_name"] for r in runs] == list(MARTS_SUITES)
    assert all(r["dag_run_id"] == "marts_ok" for r in runs)
    (plan,) = [r for r in runs if r["suite_name"] == "marts_plan_vs_actual"]
    (mismatch,) = plan["failed_expectations"]
    assert mismatch["severity"] == "warning" and plan["warnings"] == 1
    assert mismatch["observed"]["unexpected_count"] == result["ratio_mismatches"]
    assert any("stated 24.05% vs computed 25.05%" in t for t in mismatch["observed"]["partial_unexpected_list"])


def test_marts_suite_fails_on_an_orphan_fact(sample_marts):
    from vnreports.pipeline import validate_marts_step
    from vnreports.validation import MartsValidationError, validate_marts

    engine = sample_marts["engine"]
    with engine.begin() as conn:  # as the owner: a value of a unit dim_admin_unit does not have
        conn.exec_driver_sql("""
            INSERT INTO marts.fct_indicator_value
            SELECT (jsonb_populate_record(NULL::marts.fct_indicator_value, to_jsonb(v)
                    || '{"value_id": "orphan", "fact_id": "orphan", "admin_unit_code": "99999",'
                       ' "admin_unit_key": "99999:2022"}'::jsonb)).*
              FROM marts.fct_indicator_value v LIMIT 1""")
    try:
        outcome = validate_marts(engine, dag_run_id="marts_broken",
                                 docs_dir=sample_marts["local"] / "gx")
        with pytest.raises(MartsValidationError, match="missing_dim_admin_unit"):
            validate_marts_step(sample_marts["url"], dag_run_id="marts_broken")
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM marts.fct_indicator_value WHERE value_id = 'orphan'")

    assert not outcome.success
    assert [(f["table"], f["expectation"], f["column"]) for f in outcome.failed] == [
        ("marts_fct_indicator_value", "expect_column_values_to_be_null", "missing_dim_admin_unit")]
    assert outcome.failed[0]["observed"]["partial_unexpected_list"] == ["99999:2022"]
    assert outcome.reason.startswith("GX suite marts_fct_indicator_value failed:"
                                     " expect_column_values_to_be_null on missing_dim_admin_unit (1 of ")
    broken = [r for r in _marts_runs(engine) if r["dag_run_id"] == "marts_broken"]
    assert len(broken) == 8  # both runs recorded
    assert [r["success"] for r in broken if r["suite_name"] == "marts_fct_indicator_value"] == [False, False]
