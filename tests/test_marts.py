"""The star schema's semantics on a real PostgreSQL with the real dbt project, over reports
written for the purpose: several reports stating the same figure (fct_indicator_value keeps the
most authoritative, then most recent; fct_indicator_observation keeps them all), plan against
actual with each stated ratio checked against its own statement (rounding, truncation, growth
indices), which units reported which periods, the scenario and admin-unit dimensions."""

from __future__ import annotations

import hashlib
import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import text

from tests.conftest import create_database, drop_database
from vnreports.db import ensure_schema, get_engine
from vnreports.ingest import stage_report
from vnreports.parsing.model import (
    IndicatorValue,
    NarrativeFact,
    PageText,
    ParsedReport,
    ReportMetadata,
    StatedRatio,
)

YEAR_2022 = "year:2022-01-01:2022-12-31"
NINE_MONTHS_2022 = "nine_months:2022-01-01:2022-09-30"
HA_LANG, TRUNG_KHANH, CAO_BANG_CITY, CAO_BANG = "048", "047", "040", "04"


def report_id(name: str) -> str:
    return hashlib.sha256(f"test_marts: {name}".encode()).hexdigest()


def fact(index: int, sentence: str, value: str, unit: str, code: str, scenario: str = "actual",
         period: tuple[str, date, date] | None = ("year", date(2022, 1, 1), date(2022, 12, 31)),
         **over) -> NarrativeFact:
    """A sentence's figure with its catalog code already set (stage_report keeps it)."""
    mention = next(m for m in (value + " " + unit, value) if m in sentence)
    start = sentence.index(mention)
    ptype, pstart, pend = period or (None, None, None)
    return NarrativeFact(
        fact_index=index, page=2, sentence=sentence, span=(start, start + len(mention)),
        indicator_text=sentence.split(" ")[0], value=Decimal(value.replace(".", "").replace(",", ".")),
        value_text=value, unit=unit, scenario=scenario, period_type=ptype, period_start=pstart,
        period_end=pend, indicator_code=code, match_method="exact", match_score=1.0, **over)


def cell(row: int, col: int, path: list[str], text: str, scenario: str, year: int, role: str = "value",
         ratio_base: str | None = None) -> IndicatorValue:
    """A figure of the report's table 0 on page 2, in percent: row `row`, a column of `scenario`
    for `year` (a ratio column: the ratio of `scenario` to `ratio_base`)."""
    return IndicatorValue(
        table_index=0, row_index=row, col_index=col, page=2, indicator_name=path[-1], row_path=path,
        measure_unit="%", role=role, scenario=scenario, period_type="year",
        period_start=date(year, 1, 1), period_end=date(year, 12, 31), plan_issuer=None,
        value_number=Decimal(text.replace(",", ".")), value_text=None, raw_text=text, bbox=None,
        ratio_base=ratio_base)


def report(name: str, unit: tuple[str, str, str], issued: date | None, period: tuple[str, date, date],
           facts: list[NarrativeFact], values: list[IndicatorValue] | None = None) -> ParsedReport:
    code, unit_name, level = unit
    meta = ReportMetadata(
        issuer_name=f"UBND {unit_name}", admin_unit_code=code, admin_unit_name=unit_name, admin_level=level,
        doc_type="bao_cao", doc_number="1/BC-UBND", issue_date=issued, title=f"Báo cáo {name}",
        period_type=period[0], period_start=period[1], period_end=period[2])
    rid = report_id(name)
    return ParsedReport(file_name=f"{name}.pdf", sha256=rid, page_count=2, producer="test", metadata=meta,
                        pages=[PageText(i, f"Trang {i}", "text") for i in (1, 2)], tables=[],
                        values=values or [], narrative_facts=facts)


DISTRICT = (HA_LANG, "Huyện Hạ Lang", "district")
YEAR = ("year", date(2022, 1, 1), date(2022, 12, 31))
NINE_MONTHS = ("nine_months", date(2022, 1, 1), date(2022, 9, 30))

REPORTS = {
    # Hạ Lang's 9-month report: an estimate for the year, and a figure the annual report restates
    "ha_lang_9m": report("ha_lang_9m", DISTRICT, date(2022, 10, 5), NINE_MONTHS, [
        fact(0, "Tổng đàn trâu năm 2022 ước đạt 7.100 con.", "7.100", "con", "buffalo_herd", "estimate"),
        fact(1, "Tổng đàn trâu năm 2022 là 7.050 con.", "7.050", "con", "buffalo_herd"),
        fact(2, "Tổng đàn bò 9 tháng đạt 5.000 con.", "5.000", "con", "cattle_herd", period=NINE_MONTHS),
    ]),
    # Hạ Lang's annual report, issued later: the final figures, plan against actual
    "ha_lang_year": report("ha_lang_year", DISTRICT, date(2022, 12, 15), YEAR, [
        fact(0, "Tổng đàn trâu 7.111/7.220 con, đạt 98,5% KH.", "7.111", "con", "buffalo_herd",
             plan_value=Decimal("7220"), stated_ratios=[StatedRatio(Decimal("98.5"), "plan", "KH")]),
        fact(1, "Tổng đàn bò 2.755/11.000 con, đạt 24,05% KH.", "2.755", "con", "cattle_herd",
             plan_value=Decimal("11000"), stated_ratios=[StatedRatio(Decimal("24.05"), "plan", "KH")]),
        fact(2, "Tỷ lệ hộ nghèo còn 12,5%.", "12,5", "%", "poverty_rate"),
        fact(3, "Thu ngân sách nhà nước trên địa bàn đạt 1.500 triệu đồng.", "1.500", "triệu đồng",
             "state_budget_revenue"),
    ]),
    # the province's report, issued last, about Hạ Lang among others: the district's own report
    # stays more authoritative for the district's figures
    "cao_bang_year": report("cao_bang_year", (CAO_BANG, "Tỉnh Cao Bằng", "province"), date(2023, 1, 10), YEAR, [
        fact(0, "Huyện Hạ Lang có tỷ lệ hộ nghèo 12,0%.", "12,0", "%", "poverty_rate",
             admin_unit_code=HA_LANG, admin_unit_text="Huyện Hạ Lang"),
        fact(1, "Huyện Hạ Lang thu ngân sách 1,5 tỷ đồng.", "1,5", "tỷ đồng", "state_budget_revenue",
             admin_unit_code=HA_LANG, admin_unit_text="Huyện Hạ Lang"),
        fact(2, "Tỷ lệ hộ nghèo toàn tỉnh 15,3%.", "15,3", "%", "poverty_rate"),
        # plan vs actual: a ratio cut at the digits written (57.286/59.062 = 96,99%)
        fact(3, "Diện tích trồng rừng đạt 57.286/59.062 ha, đạt 96,9% KH.", "57.286", "ha",
             "forest_planting_area", plan_value=Decimal("59062"),
             stated_ratios=[StatedRatio(Decimal("96.9"), "plan", "KH")]),
        # a stated ratio whose sentence has no plan; the plan is another sentence's
        fact(4, "Giải ngân vốn đầu tư công đạt 23,3 tỷ đồng, bằng 111,1% KH.", "23,3", "tỷ đồng",
             "public_investment_disbursed", stated_ratios=[StatedRatio(Decimal("111.1"), "plan", "KH")]),
        fact(5, "Kế hoạch giải ngân vốn đầu tư công năm 2022 là 11,0 tỷ đồng.", "11,0", "tỷ đồng",
             "public_investment_disbursed", "plan"),
        # one plan, two ratios to two plans: 403 is the plan of the first (13,566/403 = 3,37%)
        fact(6, "Thu ngân sách được 13,566 tỷ đồng/403 tỷ đồng, đạt 3,37% KH do UBND tỉnh giao,"
                " đạt 2,4% KH do HĐND tỉnh giao.", "13,566", "tỷ đồng", "state_budget_revenue",
             plan_value=Decimal("403"),
             stated_ratios=[StatedRatio(Decimal("3.37"), "plan_ubnd_tinh", "KH do UBND tỉnh giao"),
                            StatedRatio(Decimal("2.4"), "plan_hdnd", "KH do HĐND tỉnh giao")]),
    ], values=[
        # a table's columns: TH 2021, KH 2022, ƯTH 2022, ƯTH 2022 / KH 2022 (%), KH 2023
        # a growth rate: the report compares the indices, (100 + 23,3) / (100 + 11,0) = 111,1%
        *[cell(0, col, ["Tổng vốn đầu tư toàn xã hội tăng thêm"], text, scenario, year, role, base)
          for col, text, scenario, year, role, base in (
              (2, "-18,0", "actual", 2021, "value", None), (3, "11,0", "plan", 2022, "value", None),
              (4, "23,3", "estimate", 2022, "value", None), (5, "111,1", "estimate", 2022, "ratio", "plan"),
              (6, "11,0", "plan", 2023, "value", None))],
        # the estimate repeats 2021's 80,1 (the ratio is of 78,9): the report's own error; the
        # plan of 2023 is not the one compared
        *[cell(1, col, ["Y tế", "Tỷ lệ xã đạt chuẩn quốc gia về y tế xã"], text, scenario, year, role, base)
          for col, text, scenario, year, role, base in (
              (2, "80,1", "actual", 2021, "value", None), (3, "69,6", "plan", 2022, "value", None),
              (4, "80,1", "estimate", 2022, "value", None), (5, "113,4", "estimate", 2022, "ratio", "plan"),
              (6, "82,0", "plan", 2023, "value", None))],
    ]),
    # Cao Bằng city's monthly reports for January and March: February is missing
    "city_jan": report("city_jan", (CAO_BANG_CITY, "Thành phố Cao Bằng", "district"), date(2022, 1, 25),
                       ("month", date(2022, 1, 1), date(2022, 1, 31)), [
        fact(0, "Thu ngân sách tháng 01 đạt 8,2 tỷ đồng.", "8,2", "tỷ đồng", "state_budget_revenue", period=None)]),
    "city_mar": report("city_mar", (CAO_BANG_CITY, "Thành phố Cao Bằng", "district"), date(2022, 3, 25),
                       ("month", date(2022, 3, 1), date(2022, 3, 31)), [
        fact(0, "Thu ngân sách tháng 3 đạt 9,1 tỷ đồng.", "9,1", "tỷ đồng", "state_budget_revenue", period=None)]),
    # Trùng Khánh's annual report arrived but failed validation
    "trung_khanh_year": report("trung_khanh_year", (TRUNG_KHANH, "Huyện Trùng Khánh", "district"),
                               date(2022, 12, 20), YEAR, [
        fact(0, "Tổng đàn trâu 9.000 con.", "9.000", "con", "buffalo_herd")]),
}
QUARANTINED = {"trung_khanh_year"}


def built_marts(tmp_path_factory, warehouse_url, reports: dict, quarantined: set = frozenset()):
    """A fresh database with the reports staged (the quarantined ones marked so), then `dbt build`:
    yields its engine (a module fixture's body)."""
    from vnreports.pipeline import prepare_step
    from vnreports.transform import run_dbt

    mp = pytest.MonkeyPatch()
    mp.setenv("VNREPORTS_LOCAL_DIR", str(tmp_path_factory.mktemp("local")))  # dbt target and logs
    url = create_database(warehouse_url)
    engine = get_engine(url)
    ensure_schema(engine)
    prepare_step(url)
    for name, parsed in reports.items():
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO raw.report_file (report_id, file_name, file_path, size_bytes, status)"
                              " VALUES (:r, :n, :p, 1, 'parsed')"),
                         {"r": parsed.sha256, "n": parsed.file_name, "p": f"/inbox/{parsed.file_name}"})
        stage_report(engine, parsed, "test")
        with engine.begin() as conn:
            conn.execute(text("UPDATE raw.report_file SET status = :s, reason = :why WHERE report_id = :r"),
                         {"r": parsed.sha256, "s": "quarantined" if name in quarantined else "validated",
                          "why": f"{parsed.file_name}: GX suite failed" if name in quarantined else None})
    run_dbt(url, ["build"])
    yield engine
    engine.dispose()
    mp.undo()
    drop_database(url)


@pytest.fixture(scope="module")
def marts(tmp_path_factory, warehouse_url):
    yield from built_marts(tmp_path_factory, warehouse_url, REPORTS, QUARANTINED)


def rows(engine, sql: str, **params) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(text(sql), params).mappings().all()]


def value(engine, unit: str, period: str, code: str, scenario: str) -> dict:
    (row,) = rows(engine, "SELECT v.*, r.file_name FROM marts.fct_indicator_value v"
                          " JOIN marts.dim_report r USING (report_id)"
                          " WHERE v.admin_unit_code = :u AND v.period_key = :p AND v.indicator_code = :c"
                          " AND v.scenario = :s AND v.ratio_of_scenario IS NULL",
                  u=unit, p=period, c=code, s=scenario)
    return row


def test_the_most_recent_report_of_the_unit_wins_and_the_others_stay_observed(marts):
    buffalo = value(marts, HA_LANG, YEAR_2022, "buffalo_herd", "actual")
    assert (buffalo["value"], buffalo["file_name"]) == (Decimal("7111"), "ha_lang_year.pdf")
    assert (buffalo["n_observations"], buffalo["n_reports"]) == (2, 2)
    assert buffalo["has_conflicting_values"]  # 7.050 in the 9-month report
    observed = rows(marts, "SELECT value, is_selected FROM marts.indicator_observations"
                           " WHERE admin_unit_code = :u AND indicator_code = 'buffalo_herd' AND scenario = 'actual'",
                    u=HA_LANG)
    assert sorted((r["value"], r["is_selected"]) for r in observed) == [
        (Decimal("7050"), False), (Decimal("7111"), True)]


def test_an_estimate_stays_beside_the_actual_that_supersedes_it(marts):
    estimate = value(marts, HA_LANG, YEAR_2022, "buffalo_herd", "estimate")
    assert estimate["value"] == Decimal("7100") and estimate["is_superseded_by_actual"]
    assert not value(marts, HA_LANG, YEAR_2022, "buffalo_herd", "actual")["is_superseded_by_actual"]


def test_the_units_own_report_outranks_a_later_report_about_it(marts):
    poverty = value(marts, HA_LANG, YEAR_2022, "poverty_rate", "actual")
    assert (poverty["value"], poverty["file_name"]) == (Decimal("12.5"), "ha_lang_year.pdf")
    assert poverty["has_conflicting_values"] and poverty["n_reports"] == 2
    # the province's own figure is the province's
    assert value(marts, CAO_BANG, YEAR_2022, "poverty_rate", "actual")["value"] == Decimal("15.3")


def test_the_same_figure_in_other_units_agrees_in_the_canonical_unit(marts):
    budget = value(marts, HA_LANG, YEAR_2022, "state_budget_revenue", "actual")
    # 1.500 triệu đồng (district) and 1,5 tỷ đồng (province): the same figure
    assert (budget["value"], budget["measure_unit"], budget["value_canonical"], budget["canonical_unit"]) == (
        Decimal("1500"), "triệu đồng", Decimal("1.5"), "tỷ đồng")
    assert budget["n_reports"] == 2 and not budget["has_conflicting_values"]


def test_one_value_per_unit_period_indicator_and_scenario(marts):
    (counts,) = rows(marts, """
        SELECT count(*) AS n, count(DISTINCT (admin_unit_code, period_key, indicator_code, scenario,
                                              coalesce(ratio_of_scenario, ''))) AS n_keys,
               (SELECT count(*) FROM marts.fct_indicator_observation
                 WHERE value IS NOT NULL AND period_key IS NOT NULL) AS n_observations,
               (SELECT sum(n_observations) FROM marts.fct_indicator_value) AS n_observed
        FROM marts.fct_indicator_value""")
    assert counts["n"] == counts["n_keys"]
    # every numeric observation is counted by exactly one value
    assert counts["n_observed"] == counts["n_observations"]
    quarantined = report_id("trung_khanh_year")
    assert rows(marts, "SELECT * FROM marts.fct_indicator_observation WHERE report_id = :r", r=quarantined) == []


def plan_vs_actual(engine, unit: str, period: str = YEAR_2022) -> dict[tuple[str, str], dict]:
    return {(r["indicator_code"], r["plan_scenario"]): r for r in rows(
        engine, "SELECT * FROM marts.mart_plan_vs_actual WHERE admin_unit_code = :u AND period_key = :p",
        u=unit, p=period)}


def test_plan_vs_actual_flags_a_stated_ratio_its_own_figures_contradict(marts):
    plans = plan_vs_actual(marts, HA_LANG)
    cattle = plans[("cattle_herd", "plan")]  # "2.755/11.000 con, đạt 24,05% KH": 25,05%
    assert (cattle["ratio_status"], cattle["is_ratio_mismatch"], cattle["is_same_statement"]) == (
        "mismatch", True, True)
    # the flag carries both figures with units, both ratios, the sentence, the file and the page
    assert (cattle["plan_value"], cattle["plan_unit"], cattle["outcome_scenario"], cattle["outcome_value"],
            cattle["outcome_unit"]) == (Decimal("11000"), "con", "actual", Decimal("2755"), "con")
    assert cattle["computed_ratio_pct"] == Decimal("25.0455") and cattle["stated_ratio_pct"] == Decimal("24.05")
    assert cattle["ratio_difference_pp"] == Decimal("-0.9955") and cattle["is_single_report"]
    assert (cattle["stated_ratio_source_kind"], cattle["stated_ratio_statement"], cattle["stated_ratio_report_file"],
            cattle["stated_ratio_page"]) == ("narrative", "Tổng đàn bò 2.755/11.000 con, đạt 24,05% KH.",
                                             "ha_lang_year.pdf", 2)
    assert cattle["stated_ratio_raw_text"] in cattle["stated_ratio_statement"]  # the fact's mention


def test_plan_vs_actual_a_rounded_ratio_is_consistent(marts):
    buffalo = plan_vs_actual(marts, HA_LANG)[("buffalo_herd", "plan")]  # 7.111/7.220 = 98,49%, "98,5%"
    assert buffalo["computed_ratio_pct"] == Decimal("98.4903") and buffalo["stated_ratio_pct"] == Decimal("98.5")
    assert (buffalo["ratio_status"], buffalo["is_ratio_mismatch"]) == ("consistent", False)
    assert Decimal("0.0097") < buffalo["ratio_tolerance_pp"] < Decimal("0.1")
    assert (buffalo["plan_report_file"], buffalo["stated_ratio_page"]) == ("ha_lang_year.pdf", 2)


def test_plan_vs_actual_a_truncated_ratio_is_not_a_mismatch(marts):
    forest = plan_vs_actual(marts, CAO_BANG)[("forest_planting_area", "plan")]
    # 57.286/59.062 = 96,993%: written "96,9%", cut rather than rounded
    assert (forest["plan_value"], forest["outcome_value"], forest["computed_ratio_pct"], forest["stated_ratio_pct"]) == (
        Decimal("59062"), Decimal("57286"), Decimal("96.9930"), Decimal("96.9"))
    assert (forest["ratio_status"], forest["is_ratio_mismatch"]) == ("truncated", False)
    assert forest["ratio_difference_pp"] < -forest["ratio_tolerance_pp"]  # beyond rounding


def test_plan_vs_actual_never_checks_a_ratio_against_another_statements_plan(marts):
    """A sentence "đạt 23,3 tỷ đồng, bằng 111,1% KH" and the plan (11,0) of another: 211,8% computed,
    but the sentence's 111,1% may be of another plan or another figure - shown, not flagged."""
    plans = plan_vs_actual(marts, CAO_BANG)
    disbursed = plans[("public_investment_disbursed", "plan")]
    assert (disbursed["plan_value"], disbursed["outcome_value"], disbursed["computed_ratio_pct"],
            disbursed["stated_ratio_pct"]) == (Decimal("11.0"), Decimal("23.3"), Decimal("211.8182"), Decimal("111.1"))
    assert (disbursed["ratio_status"], disbursed["is_ratio_mismatch"], disbursed["is_same_statement"]) == (
        "no_plan_in_statement", None, False)
    assert disbursed["ratio_difference_pp"] is None and disbursed["ratio_tolerance_pp"] is None
    # "13,566/403 tỷ đồng, đạt 3,37% KH do UBND tỉnh giao, đạt 2,4% KH do HĐND tỉnh giao": 403 is
    # the plan of the first ratio; the HĐND's plan is not in the sentence
    province = plans[("state_budget_revenue", "plan_ubnd_tinh")]
    assert (province["plan_value"], province["stated_ratio_pct"], province["ratio_status"]) == (
        Decimal("403"), Decimal("3.37"), "consistent")
    council = plans[("state_budget_revenue", "plan_hdnd")]
    assert (council["plan_value"], council["stated_ratio_pct"], council["ratio_status"], council["is_ratio_mismatch"]) == (
        None, Decimal("2.4"), "no_plan_in_statement", None)
    # a plan without a stated ratio: computed only
    plain = plans[("state_budget_revenue", "plan")]
    assert (plain["computed_ratio_pct"], plain["ratio_status"], plain["is_ratio_mismatch"]) == (
        Decimal("3.3663"), "not_stated", None)


def test_plan_vs_actual_checks_a_table_row_against_its_own_cells(marts):
    by_path = {r["stated_ratio_statement"]: r for r in plan_vs_actual(marts, CAO_BANG).values()
               if r["stated_ratio_source_kind"] == "table"}
    # a growth rate: 11,0% planned, 23,3% estimated, "111,1%" = (100 + 23,3) / (100 + 11,0)
    growth = by_path["Tổng vốn đầu tư toàn xã hội tăng thêm"]
    assert (growth["plan_value"], growth["outcome_scenario"], growth["outcome_value"], growth["computed_ratio_pct"],
            growth["computed_index_ratio_pct"], growth["stated_ratio_pct"]) == (
        Decimal("11.0"), "estimate", Decimal("23.3"), Decimal("211.8182"), Decimal("111.0811"), Decimal("111.1"))
    assert (growth["ratio_status"], growth["is_ratio_mismatch"]) == ("consistent_as_index", False)
    # the row's plan of the ratio's year (69,6 for 2022, not 82,0 for 2023): a real mismatch
    health = by_path["Y tế > Tỷ lệ xã đạt chuẩn quốc gia về y tế xã"]
    assert (health["plan_value"], health["plan_unit"], health["outcome_value"], health["outcome_unit"],
            health["computed_ratio_pct"], health["stated_ratio_pct"]) == (
        Decimal("69.6"), "%", Decimal("80.1"), "%", Decimal("115.0862"), Decimal("113.4"))
    assert (health["ratio_status"], health["is_ratio_mismatch"], health["is_same_statement"]) == ("mismatch", True, True)
    assert (health["stated_ratio_raw_text"], health["stated_ratio_report_file"], health["stated_ratio_page"]) == (
        "113,4", "cao_bang_year.pdf", 2)
    assert health["computed_index_ratio_pct"] is None  # a rate, not a growth rate


def test_plan_vs_actual_statuses(marts):
    statuses = {r["ratio_status"]: r["n"] for r in rows(
        marts, "SELECT ratio_status, count(*) AS n FROM marts.mart_plan_vs_actual GROUP BY 1")}
    assert set(statuses) <= {"consistent", "truncated", "consistent_as_index", "mismatch", "no_plan_in_statement",
                             "no_outcome_in_statement", "not_comparable", "not_stated"}
    (flags,) = rows(marts, """
        SELECT count(*) FILTER (WHERE is_ratio_mismatch) AS mismatches,
               count(*) FILTER (WHERE is_ratio_mismatch AND NOT is_same_statement) AS across_statements
          FROM marts.mart_plan_vs_actual""")
    assert flags == {"mismatches": statuses["mismatch"], "across_statements": 0}


def test_completeness_shows_missing_quarantined_and_loaded(marts):
    grid = {(r["admin_unit_code"], r["period_key"]): r for r in rows(
        marts, "SELECT * FROM marts.mart_report_completeness")}
    assert grid[(HA_LANG, YEAR_2022)]["completeness_status"] == "loaded"
    assert grid[(HA_LANG, NINE_MONTHS_2022)]["n_reports"] == 1
    assert grid[(CAO_BANG, YEAR_2022)]["is_reported"]
    tk = grid[(TRUNG_KHANH, YEAR_2022)]
    assert (tk["completeness_status"], tk["is_reported"], tk["n_quarantined"]) == ("quarantined", False, 1)
    assert "GX suite failed" in tk["quarantine_reasons"]
    # every district of Cao Bằng is expected once any district reports: one that sent nothing
    (missing,) = [r for (u, p), r in grid.items() if p == YEAR_2022 and r["admin_unit_name"] == "Huyện Bảo Lạc"]
    assert (missing["completeness_status"], missing["n_reports"], missing["report_files"]) == ("missing", 0, None)
    # monthly reports for January and March: February is expected and missing
    feb = grid[(CAO_BANG_CITY, "month:2022-02-01:2022-02-28")]
    assert (feb["completeness_status"], feb["period_label"], feb["period_label_iso"]) == (
        "missing", "Tháng 02/2022", "2022-02")
    assert grid[(CAO_BANG_CITY, "month:2022-01-01:2022-01-31")]["report_files"] == "city_jan.pdf"
    units = {u for u, _ in grid}
    n_cao_bang_districts = rows(marts, "SELECT count(*) AS n FROM marts.dim_admin_unit"
                                       " WHERE parent_code = :p AND unit_generation = '2022'", p=CAO_BANG)[0]["n"]
    assert len(units) == 1 + n_cao_bang_districts  # the province and its districts, no commune
    assert len(grid) == len(units) * 5  # year, nine months, January to March


def test_scenario_dimension_and_issuer_codes(marts):
    scenarios = {r["scenario"]: r for r in rows(marts, "SELECT * FROM marts.dim_scenario")}
    assert {"actual", "estimate", "plan", "plan_hdnd", "plan_ubnd_tinh", "target", "ratio_to_plan",
            "ratio_to_previous_period", "change_to_previous_period"} <= set(scenarios)
    assert (scenarios["plan_hdnd"]["label_vi"], scenarios["plan_hdnd"]["plan_issuer_code"]) == (
        "Kế hoạch HĐND giao", "hdnd")
    assert scenarios["ratio_to_plan_hdnd"]["compared_with"] == "plan_hdnd"
    assert scenarios["estimate"]["label_en"] == "Estimate"
    # the issuer -> code mapping on header spellings: dbt_project/tests/assert_key_macros.sql


def test_admin_units_cover_vietnam_with_name_keys_across_tone_placement(marts):
    (levels,) = rows(marts, "SELECT count(*) FILTER (WHERE admin_level = 'province') AS provinces,"
                            " count(*) FILTER (WHERE admin_level = 'district') AS districts,"
                            " count(*) FILTER (WHERE admin_level = 'commune') AS communes FROM marts.dim_admin_unit"
                            " WHERE unit_generation = '2022'")
    assert levels == {"provinces": 63, "districts": 705, "communes": 10599}
    hoa_an = rows(marts, "SELECT * FROM marts.dim_admin_unit WHERE admin_unit_key = '051:2022'")[0]
    assert (hoa_an["admin_unit_name"], hoa_an["admin_unit_type"], hoa_an["admin_level_no"]) == (
        "Huyện Hoà An", "huyện", 2)
    assert (hoa_an["parent_code"], hoa_an["province_name"], hoa_an["full_path"]) == (
        CAO_BANG, "Tỉnh Cao Bằng", "Tỉnh Cao Bằng > Huyện Hoà An")
    # the list writes "Hoà An"; reports as often "Hòa An": one key for both
    assert hoa_an["name_key"] == "hòa an"
    # the GSO list itself mixes placements ("Xã Đàm Thuỷ"): keys put every tone on the first vowel
    # (more spellings: dbt_project/tests/assert_key_macros.sql, run by every dbt build)
    mixed = rows(marts, "SELECT admin_unit_name, name_key FROM marts.dim_admin_unit"
                        " WHERE admin_unit_name ~ '(oà|oá|oả|[^Qq]uỷ|[^Qq]uý)([^[:alpha:]]|$)'")
    assert len(mixed) > 10
    assert not [r for r in mixed if re.search(r"(oà|oá|oả|(?<!q)uỷ|(?<!q)uý)(?!\w)", r["name_key"])]
    dam_thuy = rows(marts, "SELECT name_key FROM marts.dim_admin_unit WHERE admin_unit_name = 'Xã Đàm Thuỷ'")
    assert {r["name_key"] for r in dam_thuy} == {"đàm thủy"}


def test_docs_catalog_every_model_and_column_described_and_sources_fresh(marts, tmp_path):
    """`dbt docs generate` over the built warehouse: every model and every column it really has
    (catalog.json, read from PostgreSQL) is described; `dbt source freshness` passes after a load."""
    import json

    from vnreports import config
    from vnreports.transform import run_dbt

    url = marts.url.render_as_string(hide_password=False)
    run_dbt(url, ["docs", "generate"])
    target = config.local_dir() / "dbt" / "target"
    manifest = json.loads((target / "manifest.json").read_text())
    catalog = json.loads((target / "catalog.json").read_text())
    models = {uid: n for uid, n in manifest["nodes"].items()
              if n["resource_type"] in ("model", "seed") and n["package_name"] == "vnreports"}
    assert len(models) >= 25
    undocumented = [uid for uid, n in models.items() if not n["description"].strip()]
    missing_columns = []
    for uid, node in models.items():
        built = catalog["nodes"].get(uid)
        assert built is not None, f"{uid} is not in the warehouse"
        documented = {name for name, c in node["columns"].items() if c["description"].strip()}
        missing_columns += [f"{uid}.{c}" for c in built["columns"] if c not in documented]
    assert (undocumented, missing_columns) == ([], []), "\n".join(undocumented + missing_columns)
    # the marts are contracted: a change of column or type fails the build
    marts_models = [n for n in models.values() if n["resource_type"] == "model" and n["schema"] == "marts"]
    assert {n["name"] for n in marts_models} >= {
        "dim_admin_unit", "dim_period", "dim_indicator", "dim_scenario", "dim_report", "fct_indicator_observation",
        "fct_indicator_value", "mart_plan_vs_actual", "mart_report_completeness", "indicator_values"}
    assert [n["name"] for n in marts_models if not n["config"]["contract"]["enforced"]] == [
        n["name"] for n in marts_models if n["name"] in ("indicator_observations", "indicator_curation",
                                                          "indicator_review", "unresolved_mentions",
                                                          "bridge_admin_unit_succession",
                                                          "indicator_values_across_reform",
                                                          "indicator_totals_across_reform")]
    run_dbt(url, ["source", "freshness"])
    freshness = json.loads((target / "sources.json").read_text())["results"]
    assert {r["unique_id"].split(".", 2)[2]: r["status"] for r in freshness} == {
        "raw.report_file": "pass", "staging.report": "pass"}


def test_observations_build_incrementally_by_report(tmp_path, warehouse_url, monkeypatch):
    """A second build leaves unchanged reports alone; a re-parsed report is rebuilt; a report that
    is no longer valid leaves the table."""
    from vnreports.pipeline import prepare_step
    from vnreports.transform import run_dbt

    monkeypatch.setenv("VNREPORTS_LOCAL_DIR", str(tmp_path))
    url = create_database(warehouse_url)
    engine = get_engine(url)
    try:
        ensure_schema(engine)
        prepare_step(url)
        year, city = REPORTS["ha_lang_year"], REPORTS["city_jan"]
        for parsed in (year, city):
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO raw.report_file (report_id, file_name, file_path, size_bytes, status)"
                                  " VALUES (:r, :n, :p, 1, 'validated')"),
                             {"r": parsed.sha256, "n": parsed.file_name, "p": f"/inbox/{parsed.file_name}"})
            stage_report(engine, parsed, "test")
        # stage_report sets 'parsed'; back to validated
        with engine.begin() as conn:
            conn.execute(text("UPDATE raw.report_file SET status = 'validated'"))
        run_dbt(url, ["seed"])
        select = ["run", "--select", "+fct_indicator_observation"]
        run_dbt(url, select)

        def observations(report):
            return rows(engine, "SELECT fact_index, value_slot, raw_text FROM marts.fct_indicator_observation"
                                " WHERE report_id = :r ORDER BY fact_index, value_slot", r=report.sha256)

        original = observations(year)
        assert len(original) == 8 and len(observations(city)) == 1  # 4 values, 2 plans, 2 ratios
        # mark a row: an unchanged report is not rebuilt, so the mark survives the next build
        with engine.begin() as conn:
            conn.execute(text("UPDATE marts.fct_indicator_observation SET raw_text = 'marked' WHERE report_id = :r"),
                         {"r": year.sha256})
        run_dbt(url, select)
        assert {r["raw_text"] for r in observations(year)} == {"marked"}
        # re-parsed (new parsed_at): rebuilt from staging
        stage_report(engine, year, "test")
        with engine.begin() as conn:
            conn.execute(text("UPDATE raw.report_file SET status = 'validated' WHERE report_id = :r"),
                         {"r": year.sha256})
        run_dbt(url, select)
        assert observations(year) == original
        # quarantined: its rows leave, the other report's stay
        with engine.begin() as conn:
            conn.execute(text("UPDATE raw.report_file SET status = 'quarantined' WHERE report_id = :r"),
                         {"r": year.sha256})
        run_dbt(url, select)
        assert observations(year) == [] and len(observations(city)) == 1
    finally:
        engine.dispose()
        drop_database(url)


def test_dbt_runs_only_when_something_changed(marts, tmp_path, monkeypatch):
    """marts_outdated_step (the DAG's short circuit before the dbt group): out of date until a
    build is recorded; then only a report status change or a change of the dbt project (or
    missing marts) makes it run dbt again."""
    import shutil

    from vnreports import config
    from vnreports.pipeline import marts_outdated_step, record_step

    url = marts.url.render_as_string(hide_password=False)
    with marts.begin() as conn:
        conn.execute(text("DELETE FROM raw.marts_build"))
    assert marts_outdated_step(url) is True  # never built
    record_step(url, dag_run_id="run 1", marts_built=False)
    assert marts_outdated_step(url) is True  # a run that skipped dbt records no build
    record_step(url, dag_run_id="run 2", marts_built=True)
    assert marts_outdated_step(url) is False
    # a report changes status (quarantined, reprocessed, newly validated)
    with marts.begin() as conn:
        conn.execute(text("UPDATE raw.report_file SET status_at = now() WHERE file_name = 'city_jan.pdf'"))
    assert marts_outdated_step(url) is True
    record_step(url, dag_run_id="run 3", marts_built=True)
    assert marts_outdated_step(url) is False
    # the dbt project changes (a model, a seed, ...): the copy with one more file is another project
    project = tmp_path / "dbt_project"
    shutil.copytree(config.dbt_project_dir(), project, ignore=shutil.ignore_patterns("target", "logs"))
    monkeypatch.setenv("DBT_PROJECT_DIR", str(project))
    assert marts_outdated_step(url) is False  # same files, same checksum
    (project / "macros" / "note.sql").write_text("-- a change\n")
    assert marts_outdated_step(url) is True


def test_a_seed_is_loaded_again_only_when_its_file_its_config_or_its_table_changed(tmp_path, warehouse_url,
                                                                                    monkeypatch):
    """Every ingest run builds the seeds (dbt_project/macros/seed_unchanged.sql): a seed whose
    CSV and config are those of its last load, in a table with the rows that load wrote, is not
    loaded again; a changed file, a table that lost rows, or --full-refresh loads it."""
    import csv
    import shutil

    from vnreports import config
    from vnreports.transform import run_dbt

    monkeypatch.setenv("VNREPORTS_LOCAL_DIR", str(tmp_path))
    project = tmp_path / "dbt_project"
    shutil.copytree(config.dbt_project_dir(), project, ignore=shutil.ignore_patterns("target", "logs"))
    url = create_database(warehouse_url)
    engine = get_engine(url)

    def seed(*args: str) -> None:
        run_dbt(url, ["seed", "--select", "scenarios", *args], project_dir=project)

    def labels() -> dict:
        return dict(rows_of("SELECT scenario, label_en FROM reference.scenarios"))

    def rows_of(sql: str) -> list:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]

    def mark() -> None:  # an edit the CSV does not have: survives only a skipped load
        with engine.begin() as conn:
            conn.execute(text("UPDATE reference.scenarios SET label_en = 'marked' WHERE scenario = 'actual'"))

    try:
        seed()
        loaded = labels()
        assert loaded["actual"] == "Actual" and len(loaded) >= 5
        # the file's rows, every column (the project's own INSERT builder, postgres__load_csv_rows)
        with (project / "seeds" / "scenarios.csv").open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            in_file = sorted(tuple(v or None for v in row.values()) for row in reader)
        columns = ", ".join(f"{c}::text" for c in reader.fieldnames)
        assert sorted(rows_of(f"SELECT {columns} FROM reference.scenarios")) == in_file
        mark()
        seed()
        assert labels()["actual"] == "marked"  # same file, same rows: not loaded again
        csv = project / "seeds" / "scenarios.csv"
        csv.write_text(csv.read_text(encoding="utf-8") + "made_up,value,,,Bịa,Made up,A test row.,999\n",
                       encoding="utf-8")
        seed()
        assert labels() == {**loaded, "made_up": "Made up"}  # the file changed: loaded
        mark()
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM reference.scenarios WHERE scenario = 'made_up'"))
        seed()
        assert labels() == {**loaded, "made_up": "Made up"}  # the table lost a row: loaded
        mark()
        seed("--full-refresh")
        assert labels() == {**loaded, "made_up": "Made up"}
        mark()
        (project / "dbt_project.yml").write_text(
            (project / "dbt_project.yml").read_text(encoding="utf-8").replace(
                "    +schema: reference\n", "    +schema: reference\n    scenarios:\n      +column_types:\n"
                                            "        sort_order: integer\n"), encoding="utf-8")
        seed()
        assert labels() == {**loaded, "made_up": "Made up"}  # the seed's config changed: loaded
    finally:
        engine.dispose()
        drop_database(url)
