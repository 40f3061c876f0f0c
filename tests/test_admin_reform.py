"""Administrative units across the reorganisation of 2025-07-01: the reference data, resolution
of a report's unit by its date, and the marts' two generations with their succession."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tests.test_marts import built_marts, fact, report, rows
from tests.test_parsing import FONT, _needs_reportlab

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "dbt_project" / "seeds"


def _csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


# ------------------------------------------------------------------------------ reference data

def test_the_units_since_2025_and_their_codes():
    units = _csv(SEEDS / "gso_admin_units_2025.csv")
    assert len(units) == 3321 and len({u["province_code"] for u in units}) == 34
    by_name = {(u["province_name"], u["commune_name"]): u for u in units}
    # a sample of codes pinned (vietnamadminunits 1.0.4; see seeds/README.md)
    assert by_name[("Tỉnh Cao Bằng", "Xã Hạ Lang")]["commune_code"] == "01558"
    assert by_name[("Tỉnh Cao Bằng", "Phường Thục Phán")]["commune_code"] == "01273"
    assert by_name[("Tỉnh Thanh Hóa", "Xã Như Xuân")]["commune_code"] == "16174"
    assert by_name[("Tỉnh An Giang", "Đặc khu Phú Quốc")]["commune_type"] == "Đặc khu"
    assert {u["province_code"] for u in units if u["province_name"] == "Tỉnh Tuyên Quang"} == {"08"}
    assert not [u for u in units if u["commune_name"].startswith(("Huyện", "Quận", "Thị trấn"))]
    # the other package follows the GSO draft: where it differs is recorded, not guessed
    draft = {r["commune_name"]: r for r in _csv(ROOT / "include" / "reference" / "admin_units_2025_crosscheck.csv")
             if r["province_code"] == "04"}
    assert (draft["Xã Hạ Lang"]["code_trusted"], draft["Xã Hạ Lang"]["code_in_draft"]) == ("01558", "01561")


def test_succession_from_the_2022_list():
    succ = _csv(SEEDS / "admin_unit_succession.csv")
    key = {(r["old_level"], r["old_code"], r["new_code"]): r for r in succ}
    # Hà Giang and Tuyên Quang became Tuyên Quang; every old province lies whole in one new one
    assert key[("province", "02", "08")]["relation"] == key[("province", "08", "08")]["relation"] == "whole"
    provinces = [r for r in succ if r["old_level"] == "province"]
    assert len(provinces) == 63 and {r["relation"] for r in provinces} == {"whole"}
    assert len({r["new_code"] for r in provinces}) == 34
    # district Hạ Lang lies in Cao Bằng; three of its communes became Xã Hạ Lang
    assert ("district", "048", "04") in key
    assert {r["old_name"] for r in succ if r["new_code"] == "01558" and r["old_level"] == "commune"} == {
        "Thị trấn Thanh Nhật", "Xã Thống Nhất", "Xã Thị Hoa"}
    # a commune split across several new ones has one row per part, one of them the main one
    parts = [r for r in succ if r["old_level"] == "commune" and r["old_code"] == "00007"]
    assert len(parts) > 1 and {r["relation"] for r in parts} == {"split"}
    assert [r["is_main_successor"] for r in parts].count("true") == 1


# ------------------------------------------------------------------------------ the parser, by date

def _report_pdf(path: Path, header: str, dateline: str, title: str, body: list[str]) -> Path:
    _needs_reportlab()
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    if "DV" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DV", str(FONT)))
    c = canvas.Canvas(str(path))
    c.setFont("DV", 11)
    y = 810
    for line in ("ỦY BAN NHÂN DÂN        CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", f"{header}        Độc lập - Tự do - Hạnh phúc",
                 f"Số: 112/BC-UBND        {dateline}", "BÁO CÁO", title, *body):
        c.drawString(40, y, line)
        y -= 18
    c.save()
    return path


def test_a_report_is_read_with_the_units_of_its_date(tmp_path):
    """A 2026 "XÃ HẠ LANG" is the new commune 01558; a 2024 "HUYỆN HẠ LANG" the district 048; a
    district signing in 2026 did not exist then: no unit, and the reason says so."""
    from vnreports.parsing import parse_report

    title = "Tình hình thực hiện nhiệm vụ 6 tháng đầu năm; phương hướng, nhiệm vụ 6 tháng cuối năm {y}"
    body = ["Tổng đàn trâu có 1.250 con, tăng 20 con so với cùng kỳ."]
    commune = parse_report(_report_pdf(tmp_path / "xa.pdf", "XÃ HẠ LANG", "Hạ Lang, ngày 18 tháng 6 năm 2026",
                                       title.format(y=2026), body))
    md = commune.metadata
    assert (md.admin_unit_code, md.admin_unit_name, md.admin_level) == ("01558", "Xã Hạ Lang", "commune")
    assert (md.period_type, md.period_start, md.period_end) == ("first_half", date(2026, 1, 1), date(2026, 6, 30))
    district = parse_report(_report_pdf(tmp_path / "huyen.pdf", "HUYỆN HẠ LANG", "Hạ Lang, ngày 18 tháng 6 năm 2024",
                                        title.format(y=2024), body))
    assert (district.metadata.admin_unit_code, district.metadata.admin_level) == ("048", "district")
    stale = parse_report(_report_pdf(tmp_path / "stale.pdf", "HUYỆN HẠ LANG", "Hạ Lang, ngày 18 tháng 6 năm 2026",
                                     title.format(y=2026), body))
    assert stale.metadata.admin_unit_code is None
    assert any("did not exist on 2026-06-18" in w and "048" in w for w in stale.warnings)


def test_names_in_sentences_are_read_among_the_units_of_the_reports_date():
    from vnreports.parsing.admin_units import resolve_admin_unit
    from vnreports.parsing.model import ReportMetadata
    from vnreports.parsing.narrative import extract_narrative
    from vnreports.parsing.textflow import Paragraph

    assert resolve_admin_unit("đặc khu Phú Quốc", on=date(2026, 1, 1)).code == "31078"
    assert resolve_admin_unit("huyện Như Xuân", on=date(2024, 1, 1)).code == "402"
    assert resolve_admin_unit("xã Như Xuân", on=date(2026, 1, 1)).code == "16174"
    assert resolve_admin_unit("xã Như Xuân", on=date(2024, 1, 1)) is None  # no such commune before
    meta = ReportMetadata(admin_unit_code="04", admin_level="province", period_type="year",
                          period_start=date(2026, 1, 1), period_end=date(2026, 12, 31), issue_date=date(2026, 12, 10))
    facts, _ = extract_narrative([Paragraph(text="Toàn tỉnh có 500 hộ thoát nghèo, trong đó xã Hạ Lang 40 hộ.",
                                            page_at=[(0, 1)])], meta)
    assert {f.value: f.admin_unit_code for f in facts if f.admin_unit_code} == {Decimal("40"): "01558"}


# ------------------------------------------------------------------------------ the marts

HA_GIANG_OLD, TUYEN_QUANG = ("02", "Tỉnh Hà Giang", "province"), ("08", "Tỉnh Tuyên Quang", "province")
YEAR_2024 = ("year", date(2024, 1, 1), date(2024, 12, 31))
YEAR_2026 = ("year", date(2026, 1, 1), date(2026, 12, 31))
H1_2026 = ("first_half", date(2026, 1, 1), date(2026, 6, 30))


def _fact(i, sentence, value, unit, code, period):
    return fact(i, sentence, value, unit, code, period=period)


REFORM_REPORTS = {
    "ha_giang_2024": report("ha_giang_2024", HA_GIANG_OLD, date(2024, 12, 20), YEAR_2024, [
        _fact(0, "Tổng đàn trâu 100.000 con.", "100.000", "con", "buffalo_herd", YEAR_2024),
        _fact(1, "Tỷ lệ hộ nghèo 20,5%.", "20,5", "%", "poverty_rate", YEAR_2024)]),
    "tuyen_quang_2024": report("tuyen_quang_2024", TUYEN_QUANG, date(2024, 12, 22), YEAR_2024, [
        _fact(0, "Tổng đàn trâu 50.000 con.", "50.000", "con", "buffalo_herd", YEAR_2024),
        _fact(1, "Tỷ lệ hộ nghèo 10,5%.", "10,5", "%", "poverty_rate", YEAR_2024)]),
    "tuyen_quang_2026": report("tuyen_quang_2026", TUYEN_QUANG, date(2026, 12, 18), YEAR_2026, [
        _fact(0, "Tổng đàn trâu 148.000 con.", "148.000", "con", "buffalo_herd", YEAR_2026)]),
    "ha_lang_district_2024": report("ha_lang_district_2024", ("048", "Huyện Hạ Lang", "district"),
                                    date(2024, 12, 15), YEAR_2024, [
        _fact(0, "Tổng đàn trâu 7.100 con.", "7.100", "con", "buffalo_herd", YEAR_2024)]),
    "xa_ha_lang_2026": report("xa_ha_lang_2026", ("01558", "Xã Hạ Lang", "commune"), date(2026, 6, 18), H1_2026, [
        _fact(0, "Tổng đàn trâu 1.250 con.", "1.250", "con", "buffalo_herd", H1_2026)]),
}


@pytest.fixture(scope="module")
def reform_marts(tmp_path_factory, warehouse_url):
    yield from built_marts(tmp_path_factory, warehouse_url, REFORM_REPORTS)


def test_dim_admin_unit_holds_both_generations_with_validity_and_succession(reform_marts):
    units = {r["admin_unit_key"]: r for r in rows(
        reform_marts, "SELECT * FROM marts.dim_admin_unit WHERE admin_unit_code IN ('01558', '08', '02', '048')")}
    assert set(units) == {"01558:2022", "01558:2025", "08:2022", "08:2025", "02:2022", "048:2022"}
    old, new = units["01558:2022"], units["01558:2025"]
    assert (old["admin_unit_name"], old["valid_to"], old["valid_from"]) == ("Thị trấn Thanh Nhật", date(2025, 6, 30), None)
    assert (new["admin_unit_name"], new["valid_from"], new["valid_to"]) == ("Xã Hạ Lang", date(2025, 7, 1), None)
    assert (new["parent_key"], new["admin_level"]) == ("04:2025", "commune")
    assert old["successor_key"] == "01558:2025" and units["02:2022"]["successor_key"] == "08:2025"
    assert units["048:2022"]["successor_key"] == "04:2025"  # a district lies whole in its new province
    preds = rows(reform_marts, "SELECT predecessor_name FROM marts.bridge_admin_unit_succession"
                               " WHERE successor_key = '08:2025' AND predecessor_level = 'province'")
    assert {r["predecessor_name"] for r in preds} == {"Tỉnh Hà Giang", "Tỉnh Tuyên Quang"}
    (after,) = rows(reform_marts, "SELECT count(*) FILTER (WHERE admin_level = 'district') AS districts,"
                                  " count(*) AS units FROM marts.dim_admin_unit WHERE unit_generation = '2025'")
    assert after == {"districts": 0, "units": 34 + 3321}


def test_facts_join_the_unit_of_their_reports_date(reform_marts):
    got = {(r["report_file"], r["admin_unit_key"]): r["admin_unit_name"] for r in rows(
        reform_marts, "SELECT report_file, admin_unit_key, admin_unit_name FROM marts.indicator_values"
                      " WHERE indicator_code = 'buffalo_herd'")}
    assert got == {
        ("xa_ha_lang_2026.pdf", "01558:2025"): "Xã Hạ Lang",
        ("ha_lang_district_2024.pdf", "048:2022"): "Huyện Hạ Lang",
        ("tuyen_quang_2026.pdf", "08:2025"): "Tỉnh Tuyên Quang",
        ("tuyen_quang_2024.pdf", "08:2022"): "Tỉnh Tuyên Quang",
        ("ha_giang_2024.pdf", "02:2022"): "Tỉnh Hà Giang",
    }
    # completeness expects the units of each period's generation: no district after the reform
    late = rows(reform_marts, "SELECT DISTINCT u.admin_level, u.unit_generation FROM marts.mart_report_completeness c"
                              " JOIN marts.dim_admin_unit u USING (admin_unit_key) WHERE c.period_start >= '2025-07-01'")
    assert {(r["admin_level"], r["unit_generation"]) for r in late} <= {("province", "2025"), ("commune", "2025")}
    assert rows(reform_marts, "SELECT completeness_status FROM marts.mart_report_completeness"
                              " WHERE admin_unit_key = '01558:2025'")[0]["completeness_status"] == "loaded"


def test_comparisons_across_the_reform_sum_counts_and_leave_rates_alone(reform_marts):
    placed = rows(reform_marts, "SELECT * FROM marts.indicator_values_across_reform WHERE successor_key = '08:2025'"
                                " ORDER BY period_start, reported_unit_key, indicator_code")
    assert {(r["reported_unit_key"], r["indicator_code"], r["is_predecessor_figure"], r["is_additive"]) for r in placed} == {
        ("02:2022", "buffalo_herd", True, True), ("02:2022", "poverty_rate", True, False),
        ("08:2022", "buffalo_herd", True, True), ("08:2022", "poverty_rate", True, False),
        ("08:2025", "buffalo_herd", False, True)}
    totals = rows(reform_marts, "SELECT * FROM marts.indicator_totals_across_reform WHERE successor_key = '08:2025'")
    assert [(r["indicator_code"], r["period_start"], r["total_value"], r["is_complete"]) for r in totals] == [
        ("buffalo_herd", date(2024, 1, 1), Decimal("150000"), True)]  # a rate is never summed
    # a district's figure is placed under its new province but not summed with provinces'
    district = rows(reform_marts, "SELECT successor_key FROM marts.indicator_values_across_reform"
                                  " WHERE reported_unit_key = '048:2022'")
    assert [r["successor_key"] for r in district] == ["04:2025"]


def test_the_readme_query_comparing_tuyen_quang_across_the_reform_runs(reform_marts):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("-- Tuyên Quang 2024 (old Tuyên Quang + old Hà Giang)")
    query = readme[start : readme.index("```", start)]
    got = rows(reform_marts, query)
    assert [(r["period_label"], r["value"], r["is_complete"]) for r in got] == [
        ("Năm 2024", Decimal("150000"), True), ("Năm 2026", Decimal("148000"), True)]
