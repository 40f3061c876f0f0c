"""Narrative facts from staging to the marts, on a real PostgreSQL with the real dbt project:
stage_report writes facts, unresolved mentions and footnotes in its one delete-then-insert
transaction (idempotent, replaced atomically), every figure gets a catalog code, and dbt turns
each fact into value rows of fct_indicator_observation beside the table figures, with provenance,
canonical values and the curation views."""

from __future__ import annotations

import csv
import hashlib
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import text

from tests.conftest import PROJECT_ROOT, create_database, drop_database
from vnreports import catalog
from vnreports.db import ensure_schema, get_engine
from vnreports.ingest import stage_report
from vnreports.parsing.model import (
    Footnote,
    IndicatorTable,
    IndicatorValue,
    NarrativeFact,
    PageText,
    ParsedReport,
    PartWhole,
    ReportMetadata,
    StatedRatio,
    TableColumn,
    TableRow,
    UnresolvedMention,
    ValueChange,
)

REPORT_ID = hashlib.sha256(b"narrative warehouse: Ha Lang 2022").hexdigest()
QUARANTINED_ID = hashlib.sha256(b"narrative warehouse: quarantined").hexdigest()
YEAR_2022 = "year:2022-01-01:2022-12-31"
UNMATCHED = "Số con chuột bị diệt trong đợt ra quân"
HAMLETS = "Số xóm đạt chuẩn nông thôn mới"  # the catalog counts communes, not hamlets

BUDGET_SENTENCE = ("Thu ngân sách nhà nước trên địa bàn ước đạt 1.500 triệu đồng, bằng 103,39% dự toán "
                   "HĐND huyện giao, bằng 98,2% kế hoạch UBND tỉnh giao, tăng 5,2% so với cùng kỳ.")
BUFFALO_SENTENCE = "Tính đến 31/5/2022, tổng đàn trâu 7.111/7.220 con, giảm 52 con so với cùng kỳ."
COMMUNE_SENTENCE = "Xã Minh Long có 03/19 xóm đạt chuẩn nông thôn mới."
POVERTY_SENTENCE = "Tỷ lệ hộ nghèo còn 12,5%, giảm 2,1% so với cùng kỳ."
RAT_SENTENCE = f"{UNMATCHED} là 12.000 con."
PIG_SENTENCE = "6 tháng đầu năm, đàn lợn 12.485/15.070 con, đạt 82,8% KH."


def span_of(sentence: str, mention: str) -> tuple[int, int]:
    start = sentence.index(mention)
    return start, start + len(mention)


def fact(fact_index, sentence, mention, indicator_text, value, unit, scenario="actual", **over):
    base = NarrativeFact(
        fact_index=fact_index, page=2, sentence=sentence, span=span_of(sentence, mention),
        indicator_text=indicator_text, value=value, value_text=mention.split(" ")[0] if value else None,
        unit=unit, scenario=scenario, period_type="year", period_start=date(2022, 1, 1),
        period_end=date(2022, 12, 31),
    )
    return replace(base, **over)


def narrative_facts() -> list[NarrativeFact]:
    return [
        fact(0, BUDGET_SENTENCE, "1.500 triệu đồng", "Thu ngân sách nhà nước trên địa bàn",
             Decimal("1500"), "triệu đồng", "estimate",
             stated_ratios=[StatedRatio(Decimal("103.39"), "plan_hdnd", "dự toán HĐND huyện giao"),
                            StatedRatio(Decimal("98.2"), "plan_ubnd_tinh", "kế hoạch UBND tỉnh giao")],
             change=ValueChange(Decimal("5.2"), "%", "increase", "percent")),
        # a stock with its plan ("7.111/7.220 con") and an absolute change; no period of its own
        fact(1, BUFFALO_SENTENCE, "7.111/7.220 con", "Tổng đàn trâu", Decimal("7111"), "con",
             period_type=None, period_start=None, period_end=None, as_of_date=date(2022, 5, 31),
             plan_value=Decimal("7220"), change=ValueChange(Decimal("52"), "con", "decrease", "absolute")),
        # a commune of the district, a part of a whole and no value of its own
        fact(2, COMMUNE_SENTENCE, "03/19 xóm", HAMLETS, None, "xóm",
             admin_unit_code="01534", admin_unit_text="Xã Minh Long",
             part_of=PartWhole(Decimal("3"), Decimal("19"), "xóm")),
        # a rate in a footnote, its change in percentage points, on page 3
        fact(3, POVERTY_SENTENCE, "12,5%", "Tỷ lệ hộ nghèo", Decimal("12.5"), "%", page=3, footnote=1,
             change=ValueChange(Decimal("2.1"), "%", "decrease", "percentage_points")),
        # a name no catalog has: falls back to its path code and lands in indicator_curation
        fact(4, RAT_SENTENCE, "12.000 con", UNMATCHED, Decimal("12000"), "con"),
        # the parser already set the code: stage_report keeps it
        fact(5, BUFFALO_SENTENCE, "7.111/7.220 con", "Đàn trâu của huyện", Decimal("7111"), "con",
             indicator_code="buffalo_herd", match_method="exact", match_score=1.0),
        # six months against the year's plan: the plan slot is of the year
        fact(6, PIG_SENTENCE, "12.485/15.070 con", "đàn lợn", Decimal("12485"), "con", period_type="first_half",
             period_start=date(2022, 1, 1), period_end=date(2022, 6, 30), plan_value=Decimal("15070")),
    ]


def table() -> tuple[IndicatorTable, list[IndicatorValue]]:
    columns = [
        TableColumn(0, ["TT"], None, "row_label"),
        TableColumn(1, ["Chỉ tiêu"], None, "indicator"),
        TableColumn(2, ["ĐVT"], None, "unit"),
        TableColumn(3, ["KH 2022"], None, "value", scenario="plan", period_year=2022),
        TableColumn(4, ["TH 2022"], None, "value", scenario="actual", period_year=2022),
        TableColumn(5, ["TH/KH (%)"], None, "ratio", ratio_numerator_col=4, ratio_denominator_col=3,
                    ratio_base="plan"),
    ]
    rows = [
        TableRow(0, 1, "1", "Thu ngân sách nhà nước trên địa bàn", "Triệu đồng", [], False),
        TableRow(1, 1, "2", UNMATCHED, "con", [], False),
    ]
    texts = [["1", rows[0].indicator_name, "Triệu đồng", "1.500", "1.600", "106,67"],
             ["2", UNMATCHED, "con", "10.000", "12.000", "120"]]
    cells = [_cell(r, c, t) for r, row in enumerate(texts) for c, t in enumerate(row)]
    values = []
    for r, row in enumerate(rows):
        for c, number in ((3, texts[r][3]), (4, texts[r][4]), (5, texts[r][5])):
            col = columns[c]
            values.append(IndicatorValue(
                table_index=0, row_index=r, col_index=c, page=1, indicator_name=row.indicator_name,
                # as the parser writes them: a ratio figure's unit is '%', the row's unit is the row's
                row_path=[row.indicator_name], measure_unit="%" if col.role == "ratio" else row.measure_unit,
                role=col.role,
                scenario=col.scenario, period_type=None, period_start=None, period_end=None,
                plan_issuer=None, value_number=Decimal(number.replace(".", "").replace(",", ".")),
                value_text=None, raw_text=number, bbox=(10.0 * c, 100.0 + 20 * r, 10.0 * c + 9, 118.0 + 20 * r),
                ratio_base=col.ratio_base,
            ))
    return IndicatorTable(0, [1], "Biểu chỉ tiêu", [[c.header_path[0] for c in columns]], columns, rows,
                          cells, "ruled"), values


def _cell(row_index, col_index, text_):
    from vnreports.parsing.model import TableCell

    return TableCell(row_index, col_index, 1, text_, (10.0 * col_index, 100.0, 10.0 * col_index + 9, 118.0))


def parsed_report(report_id=REPORT_ID, facts=None, mentions=True, footnotes=True) -> ParsedReport:
    tbl, values = table()
    meta = ReportMetadata(
        issuer_name="UBND huyện Hạ Lang", admin_unit_code="048", admin_unit_name="Huyện Hạ Lang",
        admin_level="district", doc_type="bao_cao", doc_number="123/BC-UBND", issue_date=date(2022, 12, 10),
        title="Báo cáo tình hình kinh tế - xã hội năm 2022", period_type="year",
        period_start=date(2022, 1, 1), period_end=date(2022, 12, 31),
    )
    return ParsedReport(
        file_name=f"{report_id[:8]}.pdf", sha256=report_id, page_count=3, producer="test", metadata=meta,
        pages=[PageText(i, f"Trang {i}", "text") for i in (1, 2, 3)],
        tables=[tbl], values=values,
        narrative_facts=narrative_facts() if facts is None else facts,
        unresolved_mentions=[UnresolvedMention(2, "Diện tích lúa bị ngập 35,4 ha, chưa rõ vụ.", "35,4 ha",
                                               (25, 32), "no indicator in the clause")] if mentions else [],
        footnotes=[Footnote(1, 3, POVERTY_SENTENCE, 2, "giảm nghèo bền vững")] if footnotes else [],
    )


STAGING_TABLES = ("report", "report_page", "indicator_table", "table_row", "table_cell", "indicator_value",
                  "narrative_fact", "unresolved_mention", "footnote")


def counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT count(*) FROM staging.{t}")).scalar_one() for t in STAGING_TABLES}


def register(engine, report_id, status="parsed"):
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO raw.report_file (report_id, file_name, file_path, size_bytes, status)"
                          " VALUES (:r, :n, :p, 1, :s)"),
                     {"r": report_id, "n": f"{report_id[:8]}.pdf", "p": f"/inbox/{report_id[:8]}.pdf", "s": status})


def set_status(engine, report_id, status):
    with engine.begin() as conn:
        conn.execute(text("UPDATE raw.report_file SET status = :s WHERE report_id = :r"),
                     {"s": status, "r": report_id})


# --------------------------------------------------------------------------------------------
# Staging
# --------------------------------------------------------------------------------------------


@pytest.fixture()
def engine(fresh_database):
    eng = get_engine(fresh_database)
    ensure_schema(eng)
    ensure_schema(eng)  # idempotent DDL, the new tables and columns included
    register(eng, REPORT_ID)
    return eng


def test_staging_twice_changes_nothing_and_restaging_replaces_atomically(engine):
    report = parsed_report()
    summary = stage_report(engine, report, "test", "run-1")
    first = counts(engine)
    assert summary["narrative_facts"] == 7 and summary["unresolved_mentions"] == 1 and summary["footnotes"] == 1
    assert first == {"report": 1, "report_page": 3, "indicator_table": 1, "table_row": 2, "table_cell": 12,
                     "indicator_value": 6, "narrative_fact": 7, "unresolved_mention": 1, "footnote": 1}

    stage_report(engine, report, "test", "run-1-retry")
    assert counts(engine) == first

    # A failing restage (a fact without a sentence violates NOT NULL) leaves the old rows.
    broken = parsed_report(facts=[replace(narrative_facts()[0], sentence=None)], mentions=False)
    with pytest.raises(Exception, match="sentence"):
        stage_report(engine, broken, "test", "run-2")
    assert counts(engine) == first

    # A restage with fewer facts, no mentions and no footnotes replaces them all.
    stage_report(engine, parsed_report(facts=narrative_facts()[:2], mentions=False, footnotes=False),
                 "test", "run-3")
    assert counts(engine) == {**first, "narrative_fact": 2, "unresolved_mention": 0, "footnote": 0}
    with engine.connect() as conn:
        assert conn.execute(text("SELECT array_agg(fact_index ORDER BY fact_index) FROM staging.narrative_fact"
                                 )).scalar_one() == [0, 1]


def test_an_existing_warehouse_upgrades_in_place(engine):
    """A warehouse from before narrative facts (no new tables or columns) gets them, rows kept."""
    stage_report(engine, parsed_report(facts=[], mentions=False, footnotes=False), "test")
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE staging.narrative_fact, staging.unresolved_mention, staging.footnote")
        conn.exec_driver_sql("ALTER TABLE staging.indicator_value DROP COLUMN indicator_code,"
                             " DROP COLUMN match_method, DROP COLUMN match_score,"
                             " DROP COLUMN catalog_version, DROP COLUMN unit_normalised")
    ensure_schema(engine)
    with engine.connect() as conn:
        columns = set(conn.execute(text(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = 'staging' AND table_name = 'indicator_value'")).scalars())
    assert {"indicator_code", "match_method", "match_score", "catalog_version", "unit_normalised"} <= columns
    assert counts(engine)["indicator_value"] == 6
    stage_report(engine, parsed_report(), "test")
    assert counts(engine)["narrative_fact"] == 7


def test_staging_writes_every_field_with_catalog_codes(engine):
    stage_report(engine, parsed_report(), "test")
    with engine.connect() as conn:
        facts = {r.fact_index: r for r in conn.execute(text(
            "SELECT * FROM staging.narrative_fact ORDER BY fact_index")).all()}
        values = conn.execute(text(
            "SELECT indicator_name, indicator_code, match_method, match_score, catalog_version"
            " FROM staging.indicator_value ORDER BY row_index, col_index")).all()
        mention = conn.execute(text("SELECT * FROM staging.unresolved_mention")).one()
        note = conn.execute(text("SELECT * FROM staging.footnote")).one()

    budget = facts[0]
    assert budget.sentence == BUDGET_SENTENCE
    assert BUDGET_SENTENCE[budget.span_start:budget.span_end] == "1.500 triệu đồng"
    assert (budget.page_no, budget.footnote_no, budget.scenario) == (2, None, "estimate")
    assert budget.value_number == Decimal("1500") and budget.value_text == "1.500"
    assert budget.measure_unit == "triệu đồng"
    assert budget.indicator_code == "state_budget_revenue"
    assert budget.match_method and budget.match_score > 0
    assert budget.catalog_version == catalog.CATALOG_VERSION
    assert budget.stated_ratios == [  # percent values as decimal strings, with the digits written
        {"value": "103.39", "base": "plan_hdnd", "base_text": "dự toán HĐND huyện giao"},
        {"value": "98.2", "base": "plan_ubnd_tinh", "base_text": "kế hoạch UBND tỉnh giao"},
    ]
    assert (budget.change_value, budget.change_unit, budget.change_direction, budget.change_kind) == (
        Decimal("5.2"), "%", "increase", "percent")

    buffalo = facts[1]
    assert buffalo.as_of_date == date(2022, 5, 31) and buffalo.period_type is None
    assert buffalo.plan_value == Decimal("7220") and buffalo.indicator_code == "buffalo_herd"
    commune = facts[2]
    assert (commune.admin_unit_code, commune.admin_unit_text) == ("01534", "Xã Minh Long")
    assert (commune.value_number, commune.part_numerator, commune.part_denominator, commune.part_unit) == (
        None, Decimal("3"), Decimal("19"), "xóm")
    assert facts[3].footnote_no == 1 and facts[3].indicator_code == "poverty_rate"
    assert facts[4].indicator_code is None and facts[4].match_method is None
    assert facts[4].catalog_version == catalog.CATALOG_VERSION
    # the parser's code wins over matching "Đàn trâu của huyện" again
    assert (facts[5].indicator_code, facts[5].match_method, facts[5].match_score) == ("buffalo_herd", "exact", 1.0)

    # table figures: matched on indicator_name with the row's unit (the ratio column's '%' too);
    # unmatched names stay NULL
    assert len(values) == 6
    assert {(v.indicator_name, v.indicator_code) for v in values} == {
        ("Thu ngân sách nhà nước trên địa bàn", "state_budget_revenue"), (UNMATCHED, None)}
    assert all(v.catalog_version == catalog.CATALOG_VERSION for v in values)

    assert (mention.mention_index, mention.page_no, mention.mention_text, mention.reason) == (
        0, 2, "35,4 ha", "no indicator in the clause")
    assert (mention.span_start, mention.span_end) == (25, 32)
    assert (note.footnote_no, note.page_no, note.marker_page, note.marker_context) == (
        1, 3, 2, "giảm nghèo bền vững")


# --------------------------------------------------------------------------------------------
# Marts
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def marts(tmp_path_factory, warehouse_url):
    from vnreports.transform import run_dbt

    mp = pytest.MonkeyPatch()
    mp.setenv("VNREPORTS_LOCAL_DIR", str(tmp_path_factory.mktemp("local")))  # dbt target and logs
    url = create_database(warehouse_url)
    eng = get_engine(url)
    ensure_schema(eng)
    register(eng, REPORT_ID)
    register(eng, QUARANTINED_ID)
    stage_report(eng, parsed_report(), "test")
    stage_report(eng, parsed_report(QUARANTINED_ID), "test")
    set_status(eng, REPORT_ID, "validated")
    set_status(eng, QUARANTINED_ID, "quarantined")
    run_dbt(url, ["build"])
    yield eng
    mp.undo()
    drop_database(url)


def fact_id(*parts) -> str:
    return hashlib.md5("|".join(str(p) for p in parts).encode()).hexdigest()


def narrative_rows(engine) -> dict[tuple[int, str], dict]:
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT * FROM marts.fct_indicator_observation WHERE source_kind = 'narrative'")).mappings().all()
    return {(r["fact_index"], r["value_slot"]): dict(r) for r in rows}


def test_each_fact_becomes_its_value_rows(marts):
    rows = narrative_rows(marts)
    assert set(rows) == {
        (0, "value"), (0, "ratio:0"), (0, "ratio:1"), (0, "change"),
        (1, "value"), (1, "plan"), (1, "change"),
        (2, "part"), (2, "whole"),
        (3, "value"), (3, "change"),
        (4, "value"),
        (5, "value"),
        (6, "value"), (6, "plan"),
    }

    def pick(key, *cols):
        return tuple(rows[key][c] for c in cols)

    cols = ("role", "scenario", "ratio_of_scenario", "value", "measure_unit")
    assert pick((0, "value"), *cols) == ("value", "estimate", None, Decimal("1500"), "triệu đồng")
    assert pick((0, "ratio:0"), *cols) == ("ratio", "ratio_to_plan_hdnd", "estimate", Decimal("103.39"), "%")
    assert pick((0, "ratio:1"), *cols) == ("ratio", "ratio_to_plan_ubnd_tinh", "estimate", Decimal("98.2"), "%")
    assert pick((0, "change"), *cols) == ("change", "change_to_previous_period", "estimate", Decimal("5.2"), "%")
    assert pick((1, "value"), *cols) == ("value", "actual", None, Decimal("7111"), "con")
    assert pick((1, "plan"), *cols) == ("value", "plan", None, Decimal("7220"), "con")
    assert pick((1, "change"), *cols) == ("change", "change_to_previous_period", "actual", Decimal("-52"), "con")
    assert pick((2, "part"), *cols) == ("value", "actual", None, Decimal("3"), "xóm")
    assert pick((2, "whole"), *cols) == ("value", "total", None, Decimal("19"), "xóm")
    assert pick((3, "change"), *cols) == ("change", "change_to_previous_period", "actual", Decimal("-2.1"), "điểm %")

    # admin unit: the commune the sentence names, else the report's district
    assert {k: r["admin_unit_code"] for k, r in rows.items() if k[0] == 2} == {(2, "part"): "01534",
                                                                                (2, "whole"): "01534"}
    assert {r["admin_unit_code"] for k, r in rows.items() if k[0] != 2} == {"048"}
    # period: the fact's own, else the report's; a stock ("tính đến 31/5/2022") is about its
    # date (period as_of) and keeps the reporting period beside it
    stock = {k for k, r in rows.items() if r["as_of_date"] is not None}
    assert stock == {(1, "value"), (1, "change")}
    assert {r["period_key"] for k, r in rows.items() if k not in stock and k != (6, "value")} == {YEAR_2022}
    # a plan is of a year: the plan of a stock ("7.111/7.220 con" at 31/5) and of six months'
    # figures ("12.485/15.070 con" in 6 tháng đầu năm) is the year's
    assert rows[(1, "plan")]["as_of_date"] is None and rows[(6, "plan")]["period_key"] == YEAR_2022
    assert rows[(6, "value")]["period_key"] != YEAR_2022
    assert {rows[k]["period_key"] for k in stock} == {"as_of:2022-05-31:2022-05-31"}
    assert {r["reporting_period_key"] for k, r in rows.items() if k != (6, "value")} == {YEAR_2022}
    assert {r["time_basis"] for k, r in rows.items()} == {"flow", "stock"}
    assert rows[(1, "value")]["as_of_date"] == date(2022, 5, 31) and rows[(1, "value")]["time_basis"] == "stock"
    assert rows[(0, "value")]["as_of_date"] is None
    with marts.connect() as conn:
        as_of = conn.execute(text(
            "SELECT period_type, time_basis, label_vi, label_iso FROM marts.dim_period"
            " WHERE period_key = 'as_of:2022-05-31:2022-05-31'")).one()
    assert tuple(as_of) == ("as_of", "stock", "Tính đến 31/05/2022", "2022-05-31")


def test_narrative_rows_carry_provenance_and_stable_ids(marts):
    rows = narrative_rows(marts)
    budget = rows[(0, "value")]
    assert budget["fact_id"] == fact_id(REPORT_ID, "narrative", 0, "value")
    assert rows[(0, "ratio:1")]["fact_id"] == fact_id(REPORT_ID, "narrative", 0, "ratio:1")
    assert (budget["source_page"], budget["sentence"], budget["raw_text"]) == (2, BUDGET_SENTENCE, "1.500 triệu đồng")
    assert BUDGET_SENTENCE[budget["span_start"]:budget["span_end"]] == "1.500 triệu đồng"
    assert (budget["table_index"], budget["row_index"], budget["col_index"]) == (None, None, None)
    assert rows[(3, "value")]["footnote_no"] == 1 and rows[(3, "value")]["source_page"] == 3
    assert budget["indicator_text"] == budget["source_path"] == "Thu ngân sách nhà nước trên địa bàn"
    assert budget["catalog_version"] == catalog.CATALOG_VERSION

    with marts.connect() as conn:
        table_rows = conn.execute(text(
            "SELECT fact_id, row_index, col_index, source_page, raw_text, sentence, fact_index, value_slot"
            " FROM marts.fct_indicator_observation WHERE source_kind = 'table' ORDER BY row_index, col_index")).all()
    assert len(table_rows) == 6
    first = table_rows[0]
    assert first.fact_id == fact_id(REPORT_ID, "table", 0, 0, 3)
    assert (first.source_page, first.raw_text, first.sentence, first.fact_index, first.value_slot) == (
        1, "1.500", None, None, None)


def test_catalog_codes_and_fallback_codes(marts):
    rows = narrative_rows(marts)
    assert {r["indicator_code"] for k, r in rows.items() if k[0] == 0} == {"state_budget_revenue"}
    assert rows[(1, "value")]["indicator_code"] == "buffalo_herd"
    assert rows[(5, "value")]["indicator_code"] == "buffalo_herd"
    assert rows[(3, "value")]["indicator_code"] == "poverty_rate"
    assert all(rows[k]["is_catalogued"] for k in rows if k[0] not in (2, 4))

    # an unmatched name keeps the md5 of its normalised path, shared by the table row and the sentence
    fallback = hashlib.md5(UNMATCHED.lower().encode()).hexdigest()
    assert rows[(4, "value")]["indicator_code"] == fallback and not rows[(4, "value")]["is_catalogued"]
    with marts.connect() as conn:
        table_codes = set(conn.execute(text(
            "SELECT DISTINCT row_index, indicator_code FROM marts.fct_indicator_observation"
            " WHERE source_kind = 'table'")).all())
        dim = {r.indicator_code: r for r in conn.execute(text("SELECT * FROM marts.dim_indicator")).all()}
    assert {tuple(r) for r in table_codes} == {(0, "state_budget_revenue"), (1, fallback)}

    # dim_indicator: the whole catalog, then the fallback codes
    with open(PROJECT_ROOT / "dbt_project" / "seeds" / "indicator_catalog.csv", encoding="utf-8") as fh:
        seed = {row["indicator_code"]: row for row in csv.DictReader(fh)}
    assert {c for c, r in dim.items() if r.is_catalogued} == set(seed)
    hamlets = hashlib.md5(HAMLETS.lower().encode()).hexdigest()
    assert rows[(2, "part")]["indicator_code"] == hamlets and not rows[(2, "whole")]["is_catalogued"]
    assert {c for c, r in dim.items() if not r.is_catalogued} == {fallback, hamlets}
    budget = dim["state_budget_revenue"]
    assert (budget.indicator_name, budget.name_vi, budget.name_en, budget.topic, budget.canonical_unit,
            budget.is_rate, budget.has_values) == (
        "Thu ngân sách nhà nước trên địa bàn", "Thu ngân sách nhà nước trên địa bàn",
        "State budget revenue collected locally", "budget", "tỷ đồng", False, True)
    assert dim["poverty_rate"].is_rate is True
    rat = dim[fallback]
    assert (rat.indicator_name, rat.name_en, rat.topic, rat.is_rate, rat.has_values) == (
        UNMATCHED, None, None, None, True)
    child = next(c for c, r in seed.items() if r["parent_code"])
    assert dim[child].parent_indicator_code == seed[child]["parent_code"]
    assert dim[child].depth >= 2 and " > " in dim[child].indicator_path


def test_values_in_the_canonical_unit(marts):
    rows = narrative_rows(marts)
    # 1.500 triệu đồng = 1,5 tỷ đồng (the canonical unit of state budget revenue)
    assert (rows[(0, "value")]["value_canonical"], rows[(0, "value")]["canonical_unit"]) == (
        Decimal("1.5"), "tỷ đồng")
    # ratios and percent changes are not in the indicator's unit
    for key in ((0, "ratio:0"), (0, "change"), (3, "change")):
        assert (rows[key]["value_canonical"], rows[key]["canonical_unit"]) == (None, None), key
    # same unit: factor 1; an absolute change converts like a value
    assert (rows[(1, "plan")]["value_canonical"], rows[(1, "plan")]["canonical_unit"]) == (Decimal("7220"), "con")
    assert (rows[(1, "change")]["value_canonical"], rows[(1, "change")]["canonical_unit"]) == (Decimal("-52"), "con")
    assert rows[(3, "value")]["value_canonical"] == Decimal("12.5")
    # uncatalogued: no canonical unit
    assert (rows[(4, "value")]["value_canonical"], rows[(4, "value")]["canonical_unit"]) == (None, None)
    with marts.connect() as conn:
        table = conn.execute(text(
            "SELECT value, measure_unit, value_canonical, canonical_unit FROM marts.fct_indicator_observation"
            " WHERE source_kind = 'table' AND row_index = 0 AND col_index = 4")).one()
    # "Triệu đồng" as a table writes it
    assert tuple(table) == (Decimal("1600"), "Triệu đồng", Decimal("1.6"), "tỷ đồng")


def test_review_views(marts):
    with marts.connect() as conn:
        curation = conn.execute(text("SELECT * FROM marts.indicator_curation")).mappings().all()
        mentions = conn.execute(text("SELECT * FROM marts.unresolved_mentions")).mappings().all()
        bi = conn.execute(text(
            "SELECT source_kind, sentence, indicator_name, indicator_name_en, topic, value_slot, admin_unit_name"
            " FROM marts.indicator_observations WHERE fact_id = :id"),
            {"id": fact_id(REPORT_ID, "narrative", 0, "value")}).one()
        n_bi = conn.execute(text("SELECT count(*) FROM marts.indicator_observations")).scalar_one()
    assert {r["indicator_name"] for r in curation} == {UNMATCHED, HAMLETS}
    rat = next(r for r in curation if r["indicator_name"] == UNMATCHED)
    assert rat["indicator_name"] == UNMATCHED and rat["n_values"] == 4 and rat["n_reports"] == 1
    assert rat["source_kinds"] == "narrative, table" and set(rat["measure_units"].split(", ")) == {"%", "con"}
    assert (rat["example_sentence"], rat["example_page"]) == (RAT_SENTENCE, 2)

    (mention,) = mentions
    assert (mention["report_id"], mention["mention_text"], mention["reason"], mention["source_page"]) == (
        REPORT_ID, "35,4 ha", "no indicator in the clause", 2)

    assert tuple(bi) == ("narrative", BUDGET_SENTENCE, "Thu ngân sách nhà nước trên địa bàn",
                         "State budget revenue collected locally", "budget", "value", "Huyện Hạ Lang")
    # one name per code from the dimension; the words and path as this report writes them beside it
    with marts.connect() as conn:
        buffalo = conn.execute(text(
            "SELECT DISTINCT indicator_name, indicator_text, indicator_path FROM marts.indicator_observations"
            " WHERE indicator_code = 'buffalo_herd'")).all()
    assert {tuple(r) for r in buffalo} == {
        ("Tổng đàn trâu", "Tổng đàn trâu", "Tổng đàn trâu"),
        ("Tổng đàn trâu", "Đàn trâu của huyện", "Đàn trâu của huyện"),
    }
    # table + narrative rows of the valid report only: the quarantined copy never shows
    assert n_bi == 6 + 15
    with marts.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM marts.fct_indicator_observation WHERE report_id = :r"),
                            {"r": QUARANTINED_ID}).scalar_one() == 0
