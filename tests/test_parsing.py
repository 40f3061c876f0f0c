"""Tests of vnreports.parsing on the real sample reports (no mocks) and on small generated PDFs."""

from __future__ import annotations

import hashlib
import json
import unicodedata
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from vnreports.parsing import PARSER_VERSION, ParsedReport, ReportParseError, parse_report
from vnreports.parsing.admin_units import find_mentions, resolve_admin_unit
from vnreports.parsing.numbers import parse_cell_value, parse_vn_number
from vnreports.parsing.periods import find_periods
from vnreports.parsing.textutil import canonical_tones, match_key

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "include" / "sample_reports"
TRUTH = Path(__file__).resolve().parent / "truth"

S000 = "000_515a5de952ea6028.pdf"
S001 = "001_66b76ee94201d24e.pdf"
S002 = "002_7536578806f022c2.pdf"
S003 = "003_f52cf5fe5220986b.pdf"


@pytest.fixture(scope="module")
def reports() -> dict[str, ParsedReport]:
    return {name: parse_report(SAMPLES / name) for name in (S000, S001, S002, S003)}


# --------------------------------------------------------------------------- whole reports


def test_version_and_basics(reports):
    assert isinstance(PARSER_VERSION, str) and PARSER_VERSION.count(".") == 2
    for name, r in reports.items():
        data = (SAMPLES / name).read_bytes()
        assert r.file_name == name
        assert r.sha256 == hashlib.sha256(data).hexdigest()
        assert r.page_count == len(r.pages) > 0
        assert [p.page_no for p in r.pages] == list(range(1, r.page_count + 1))
        for p in r.pages:
            assert unicodedata.is_normalized("NFC", p.text)
            assert p.extraction in ("text", "table+text")


def test_file_name_override():
    r = parse_report(SAMPLES / S003, file_name="renamed.pdf")
    assert r.file_name == "renamed.pdf"


def test_every_found_field_has_a_source(reports):
    for r in reports.values():
        md = r.metadata
        for field, value in vars(md).items():
            if field == "sources" or value is None:
                continue
            src = md.sources.get(field)
            assert src is not None, (r.file_name, field)
            assert src.text and src.method
            assert src.page is None or 1 <= src.page <= r.page_count


def test_metadata_province_001(reports):
    md = reports[S001].metadata
    assert md.issuer_name == "UBND tỉnh Cao Bằng"
    assert (md.admin_unit_code, md.admin_unit_name, md.admin_level) == ("04", "Tỉnh Cao Bằng", "province")
    assert md.doc_type == "bao_cao"
    assert md.doc_number == "2960/BC-UBND"
    assert md.issue_date == date(2022, 11, 14)
    assert md.sources["issue_date"].method == "annex_caption"
    assert md.sources["issue_date"].page == 45
    assert (md.period_type, md.period_start, md.period_end) == ("year", date(2022, 1, 1), date(2022, 12, 31))
    assert md.plan_year == 2023
    assert md.title.startswith("BÁO CÁO Tình hình thực hiện kế hoạch phát triển kinh tế - xã hội năm 2022")


def test_metadata_district_000(reports):
    md = reports[S000].metadata
    assert (md.admin_unit_code, md.admin_unit_name, md.admin_level) == ("047", "Huyện Trùng Khánh", "district")
    assert md.doc_type == "bao_cao"
    assert md.doc_number == "/BC-UBND"  # "Báo cáo số      /BC-UBND ngày  /  /2022": blank number
    assert md.issue_date is None  # blank date in the annex caption, no header block: not guessed
    assert (md.period_type, md.period_start, md.period_end) == ("year", date(2022, 1, 1), date(2022, 12, 31))
    assert md.plan_year == 2023  # "phương hướng, nhiệm vụ năm 2023" / Phần II
    assert md.title is None  # the PDF has no title block


def test_metadata_plan_002(reports):
    md = reports[S002].metadata
    assert (md.admin_unit_code, md.admin_unit_name, md.admin_level) == ("048", "Huyện Hạ Lang", "district")
    assert md.issuer_name == "ỦY BAN NHÂN DÂN HUYỆN HẠ LANG"
    assert md.doc_type == "ke_hoach"
    assert md.doc_number == "/KH-UBND"
    assert md.issue_date == date(2021, 7, 30)
    assert md.sources["issue_date"].method == "header_date_line"
    assert md.plan_year == 2022
    assert (md.period_type, md.period_start, md.period_end) == ("year", date(2021, 1, 1), date(2021, 12, 31))
    assert md.title == "KẾ HOẠCH Phát triển Kinh tế - Xã hội năm 2022"


def test_metadata_city_month_003(reports):
    md = reports[S003].metadata
    assert (md.admin_unit_code, md.admin_unit_name, md.admin_level) == ("040", "Thành phố Cao Bằng", "district")
    assert md.doc_type == "bao_cao"
    assert md.doc_number == "27/BC-UBND"
    assert md.issue_date == date(2022, 1, 18)
    assert (md.period_type, md.period_start, md.period_end) == ("month", date(2022, 1, 1), date(2022, 1, 31))
    assert md.plan_year is None  # the plan part is "nhiệm vụ ... tháng 02 năm 2022", not a plan year


# --------------------------------------------------------------------------- province annex


@pytest.fixture(scope="module")
def truth() -> dict:
    return json.loads((TRUTH / "001_annex.json").read_text(encoding="utf-8"))


def test_province_annex_is_one_logical_table(reports, truth):
    tables = reports[S001].tables
    assert len(tables) == 1
    t = tables[0]
    assert t.pages == truth["pages"] == [46, 47, 48, 49, 50]
    assert t.detection == "ruled"
    assert "2960/BC-UBND" in (t.caption or "")
    # header rows as read: two header rows + the numbering row
    assert t.header_rows[-1] == ["1", "2", "3", "4", "5", "6", "7=6/4", "8=6/5", "9", "10=9/6", "11"]
    assert len(t.header_rows) == 3


def assert_columns_match(cols, expected: list[dict]) -> None:
    """Every labelled attribute of every leaf column equals the truth."""
    assert len(cols) == len(expected)
    for col, exp in zip(cols, expected):
        for key, val in exp.items():
            assert getattr(col, key) == val, (col.col_index, key)


def test_province_annex_columns(reports, truth):
    cols = reports[S001].tables[0].columns
    assert_columns_match(cols, truth["columns"])
    c = cols[5]
    assert (c.period_type, c.period_start, c.period_end) == ("year", date(2022, 1, 1), date(2022, 12, 31))


def test_province_annex_cell_for_cell(reports, truth):
    t = reports[S001].tables[0]
    exp_rows = truth["rows"]
    assert len(t.rows) == len(exp_rows)
    ncols = len(truth["columns"])
    grid: dict[tuple[int, int], str] = {}
    for cell in t.cells:
        assert (cell.row_index, cell.col_index) not in grid
        grid[(cell.row_index, cell.col_index)] = cell.text
    assert len(grid) == len(exp_rows) * ncols
    for i, (row, exp) in enumerate(zip(t.rows, exp_rows)):
        assert row.row_index == i
        got_cells = [grid[(i, c)] for c in range(ncols)]
        assert got_cells == exp["cells"], i
        assert row.page == exp["page"], i
        assert row.row_label == exp["row_label"], i
        assert row.indicator_name == exp["indicator"], i
        assert row.measure_unit == exp["unit"], i
        assert row.parent_path == exp["parent_path"], i
        assert row.is_section == exp["is_section"], i
    # no header text leaked into the body
    assert not any(t == "Chỉ tiêu" or t == "7=6/4" for t in grid.values())


def test_province_annex_values(reports, truth):
    r = reports[S001]
    cols = {c.col_index: c for c in r.tables[0].columns}
    expected = 0
    for i, exp in enumerate(truth["rows"]):
        if exp["indicator"] is None:
            continue
        expected += sum(1 for c, text in enumerate(exp["cells"]) if text and cols[c].role in ("value", "ratio"))
    assert len(r.values) == expected
    for v in r.values:
        exp = truth["rows"][v.row_index]
        assert v.raw_text == exp["cells"][v.col_index]
        assert v.indicator_name == exp["indicator"]
        assert v.row_path == exp["parent_path"] + [exp["indicator"]]
        assert v.value_number is not None  # every figure in this annex is a number
        assert v.value_text is None


def test_grdp_per_capita(reports):
    vals = [v for v in reports[S001].values if v.indicator_name == "GRDP bình quân đầu người"]
    by = {(v.role, v.scenario, v.period_start.year if v.period_start else None, v.col_index): v for v in vals}
    est = by[("value", "estimate", 2022, 5)]
    plan = by[("value", "plan", 2022, 4)]
    assert est.value_number == Decimal("39.48")
    assert plan.value_number == Decimal("40.30")
    for v in (est, plan):
        assert v.measure_unit == "Triệu đồng"
        assert v.page == 46
        assert v.period_type == "year"
        assert v.row_path == ["GRDP bình quân đầu người"]
        assert v.bbox is not None
    assert by[("value", "actual", 2021, 3)].value_number == Decimal("37.18")
    assert by[("value", "plan", 2023, 8)].value_number == Decimal("43.97")
    ratio = by[("ratio", "estimate", 2022, 6)]
    assert ratio.value_number == Decimal("106.2") and ratio.measure_unit == "%"
    assert len(vals) == 7


def test_hierarchy_examples(reports):
    rows = {r.indicator_name: r for r in reports[S001].tables[0].rows if r.indicator_name}
    assert rows["Công nghiệp"].parent_path == ["Tốc độ tăng trưởng GRDP", "Công nghiệp-xây dựng"]
    assert rows["Thu từ tiền sử dụng đất"].row_label == "+"
    assert rows["Thu từ tiền sử dụng đất"].parent_path[-1] == "Thu nội địa"
    assert rows["Tỷ lệ qua đào tạo nghề"].parent_path == ["Lao động việc làm", "Tỷ lệ lao động qua đào tạo"]
    assert rows["Chỉ tiêu kinh tế"].is_section and rows["Chỉ tiêu kinh tế"].parent_path == []
    from vnreports.parsing.indicators import section_of

    all_rows = reports[S001].tables[0].rows
    assert section_of(all_rows, rows["Công nghiệp"].row_index) == "Chỉ tiêu kinh tế"
    assert section_of(all_rows, rows["Tỷ lệ che phủ rừng"].row_index) == "Các chỉ tiêu về môi trường"
    markers = [r for r in reports[S001].tables[0].rows if r.indicator_name is None]
    assert len(markers) == 3 and all(r.is_section for r in markers)


# --------------------------------------------------------------------------- flowed annex (000)


@pytest.fixture(scope="module")
def truth000() -> dict:
    return json.loads((TRUTH / "000_annex.json").read_text(encoding="utf-8"))


def _grid(t) -> dict[tuple[int, int], str]:
    grid: dict[tuple[int, int], str] = {}
    for cell in t.cells:
        assert (cell.row_index, cell.col_index) not in grid
        grid[(cell.row_index, cell.col_index)] = cell.text
    assert len(grid) == len(t.rows) * len(t.columns)
    return grid


def _match_truth_rows(t, exp_rows: list[dict]) -> list[int]:
    """Truth row index of every emitted row: emitted rows are truth rows, in order, maybe fewer."""
    out, k = [], 0
    for row in t.rows:
        while k < len(exp_rows) and (exp_rows[k]["row_label"], exp_rows[k]["indicator"]) != (row.row_label, row.indicator_name):
            k += 1
        assert k < len(exp_rows), f"row {row.row_index} {row.row_label} {row.indicator_name!r} is not in the truth (or out of order)"
        out.append(k)
        k += 1
    return out


def test_flowed_annex_000_is_one_table(reports, truth000):
    r = reports[S000]
    assert len(r.tables) == 1
    t = r.tables[0]
    assert t.detection == "flowed"
    assert t.pages == truth000["pages"] == [52, 53, 54]
    assert (t.caption or "").startswith("KẾT QUẢ THỰC HIỆN CHỈ TIÊU KẾ HOẠCH NĂM 2022")
    assert [p.extraction for p in r.pages if p.page_no in (52, 53, 54)] == ["table+text"] * 3
    assert all(p.extraction == "text" for p in r.pages if p.page_no < 52)
    # the two-level header: groups over their leaves
    assert t.header_rows[0][3:5] == ["Chỉ tiêu kế hoạch 2022", None]
    assert t.header_rows[1][3:5] == ["HĐND giao", "UBND tỉnh giao"]


def test_flowed_annex_000_columns(reports, truth000):
    cols = reports[S000].tables[0].columns
    assert_columns_match(cols, truth000["columns"])


def test_flowed_annex_000_cell_for_cell(reports, truth000):
    t = reports[S000].tables[0]
    exp_rows = truth000["rows"]
    grid = _grid(t)
    matched = _match_truth_rows(t, exp_rows)
    # 24 of the 25 rows; row 17 holds text values ("Đảm bảo") whose cells cannot be told apart
    assert len(t.rows) == 24 and len(exp_rows) == 25
    assert [exp_rows[k]["row_label"] for k in range(len(exp_rows)) if k not in matched] == ["17"]
    assert any("skipped" in w and "Quốc phòng" in w for w in reports[S000].warnings)
    for row, k in zip(t.rows, matched):
        exp = exp_rows[k]
        i = row.row_index
        assert [grid[(i, c)] for c in range(len(t.columns))] == exp["cells"], (i, exp["cells"])
        assert row.page == exp["page"], i
        assert row.row_label == exp["row_label"], i
        assert row.indicator_name == exp["indicator"], i
        assert row.measure_unit == exp["unit"], i
        assert row.parent_path == exp["parent_path"], i
        assert row.is_section == exp["is_section"], i
    assert not any(v in ("HĐND giao", "Ghi chú", "Kết quả") for v in grid.values())


def test_flowed_annex_000_values(reports, truth000):
    r = reports[S000]
    t = r.tables[0]
    cols = {c.col_index: c for c in t.columns}
    matched = _match_truth_rows(t, truth000["rows"])
    expected = 0
    for k in matched:
        exp = truth000["rows"][k]
        if exp["indicator"] and not exp["is_section"]:
            expected += sum(1 for c, text in enumerate(exp["cells"]) if text and cols[c].role in ("value", "ratio"))
    assert len(r.values) == expected == 75
    page_of_cell = {(c.row_index, c.col_index): (c.page, c.bbox) for c in t.cells}
    for v in r.values:
        exp = truth000["rows"][matched[v.row_index]]
        assert v.raw_text == exp["cells"][v.col_index]
        assert v.indicator_name == exp["indicator"]
        assert v.row_path == exp["parent_path"] + [exp["indicator"]]
        assert v.bbox is not None and (v.page, v.bbox) == page_of_cell[(v.row_index, v.col_index)]
        x0, top, x1, bottom = v.bbox
        assert 0 <= x0 < x1 <= 596 and 0 <= top < bottom <= 842
    by = {(v.indicator_name, v.col_index): v for v in r.values}
    plan = by[("Tổng thu ngân sách trên địa bàn", 4)]
    assert (plan.value_number, plan.scenario, plan.plan_issuer, plan.measure_unit) == (Decimal("61.76"), "plan", "UBND tỉnh", "tỷ đồng")
    assert plan.period_start == date(2022, 1, 1) and plan.page == 53
    ratio = by[("Tỷ lệ giảm nghèo", 6)]
    assert (ratio.value_number, ratio.role, ratio.ratio_base, ratio.measure_unit) == (Decimal("125.25"), "ratio", "plan", "%")
    rng = by[("Các xã đạt 1-2 tiêu chí trở lên", 3)]
    assert (rng.value_number, rng.value_text) == (None, "16-32")
    # row 9 starts on page 53; its figures are on page 54
    v9 = by[("Tỷ lệ xóm, tổ dân phố đạt tiêu chuẩn văn hóa", 5)]
    assert (v9.value_number, v9.page) == (Decimal("80.7"), 54)
    assert not any(v.col_index in (8, 9) for v in r.values)  # verdicts and notes are no figures


def test_non_indicator_list_is_not_a_value_source(reports):
    # 003 ends with a list of offices ("x" marks), not indicators
    assert reports[S003].values == []


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    "text,expected",
    [
        ("1.949,545", Decimal("1949.545")),
        ("-3,21", Decimal("-3.21")),
        ("2.018", Decimal("2018")),
        ("25,350", Decimal("25.350")),
        ("100", Decimal("100")),
        ("0,0", Decimal("0")),
        ("1.130,4", Decimal("1130.4")),
        ("1.234.567", Decimal("1234567")),
        ("95,4%", Decimal("95.4")),
        ("− 3,21", Decimal("-3.21")),
        ("+5,2", Decimal("5.2")),
        ("39,48¹", Decimal("39.48")),  # footnote marker not glued into the number
        ("39,48 ²³", Decimal("39.48")),
        ("12(*)", Decimal("12")),
        ("1\u00a0949,5", Decimal("1949.5")),
        ("1,234.5", Decimal("1234.5")),
        ("3.5", Decimal("3.5")),
    ],
)
def test_parse_vn_number(text, expected):
    assert parse_vn_number(text) == expected


@pytest.mark.parametrize(
    "text,kind",
    [
        ("16-32", "range"),
        ("16 - 32", "range"),
        ("Đảm bảo", "text"),
        ("Vượt KH", "text"),
        ("95,1 98,75", "text"),
        ("≥95", "text"),
        ("-", "empty"),
        ("–", "empty"),
        ("", "empty"),
        ("  ", "empty"),
    ],
)
def test_non_numbers_keep_text(text, kind):
    v = parse_cell_value(text)
    assert v.kind == kind
    assert v.number is None
    assert parse_vn_number(text) is None
    if kind != "empty":
        assert v.text == text.strip()


# --------------------------------------------------------------------------- admin units, tones, periods


@pytest.mark.parametrize(
    "mention,province,code",
    [
        ("UBND tỉnh Cao Bằng", None, "04"),
        ("huyện Hạ Lang", None, "048"),
        ("Thành phố Cao Bằng", None, "040"),
        ("TP Cao Bằng", None, "040"),
        ("TP. Cao Bằng", None, "040"),
        ("UBND huyện Trùng Khánh", None, "047"),
        ("ỦY BAN NHÂN DÂN HUYỆN HẠ LANG", None, "048"),
        ("Ủy ban nhân dân thành phố Cao Bằng", None, "040"),
        ("huyện Hòa An", None, "051"),  # catalogue spells "Hoà An"
        ("huyện Quảng Hoà", None, "049"),  # catalogue spells "Quảng Hòa"
        ("thị trấn Trùng Khánh", None, "01477"),
        ("huyện Bảo Lâm", "04", "042"),  # also a district of Lâm Đồng
        ("huyện Bảo Lâm", None, None),  # ambiguous without a province: not guessed
        ("huyện Cao Bằng", None, None),  # type word contradicts every candidate
        (unicodedata.normalize("NFD", "UBND huyện Hạ Lang"), None, "048"),
    ],
)
def test_admin_unit_resolver(mention, province, code):
    r = resolve_admin_unit(mention, province)
    assert (r.code if r else None) == code


def test_admin_unit_levels():
    assert resolve_admin_unit("tỉnh Cao Bằng").level == "province"
    assert resolve_admin_unit("TP Cao Bằng").level == "district"
    assert resolve_admin_unit("thị trấn Trùng Khánh").level == "commune"
    assert find_mentions("kinh tế - xã hội tỉnh Cao Bằng diễn ra; UBND Thành phố Cao Bằng đã") == [
        "tỉnh Cao Bằng",
        "Thành phố Cao Bằng",
    ]


def test_every_unit_name_is_found_in_an_issuer_header():
    """Unit names hold words that also start organisations (Hải Phòng, Văn Lâm, Củ Chi, Yên Sở,
    Nậm Ban, Cộng Hòa): every unit of both GSO lists is read whole from an upper-case issuer
    header followed by an office, and a name no list knows still stops at the office. (Names
    with a hyphen or a lower-case word, about ten in the 2025 list, are not covered.)"""
    from vnreports.parsing.admin_units import load_admin_units, load_admin_units_2025

    checked, missed = 0, []
    for index in (load_admin_units(), load_admin_units_2025()):
        for unit in index.units:
            if "-" in unit.name or not all(w[0].isupper() or w[0].isdigit() for w in unit.name.split()):
                continue
            name = unit.name.upper()
            if find_mentions(f"ỦY BAN NHÂN DÂN {name}")[:1] != [name]:  # ("Phường Phường Đúc" also yields "Phường Đúc")
                missed.append(unit.name)
            checked += 1
    assert checked > 13000 and missed == []
    assert find_mentions("UBND THÀNH PHỐ HẢI PHÒNG VĂN PHÒNG") == ["THÀNH PHỐ HẢI PHÒNG"]
    assert find_mentions("ỦY BAN NHÂN DÂN HUYỆN CỦ CHI") == ["HUYỆN CỦ CHI"]
    assert find_mentions("UBND TỈNH CAO BẰNG SỞ TÀI CHÍNH") == ["TỈNH CAO BẰNG"]
    assert find_mentions("UBND HUYỆN ABC XYZ SỞ TÀI CHÍNH") == ["HUYỆN ABC XYZ"]  # unknown: stops at the office
    assert resolve_admin_unit("ỦY BAN NHÂN DÂN HUYỆN VĂN LÂM").code == "325"


def test_tone_placement():
    assert canonical_tones("Hòa An") == canonical_tones("Hoà An")
    assert canonical_tones("Thủy") == canonical_tones("Thuỷ")
    assert match_key("HUYỆN HÒA AN") == match_key("Huyện Hoà An")
    assert canonical_tones("Trường người giá quá Khánh Nguyễn") == "Trường người giá quá Khánh Nguyễn"


def test_periods():
    kinds = [(p.period_type, p.year, p.month) for p in find_periods("tháng 01 năm 2022 và 6 tháng đầu năm 2021, 9 tháng năm 2020, quý II/2022")]
    assert kinds == [("month", 2022, 1), ("first_half", 2021, None), ("nine_months", 2020, None), ("quarter", 2022, None)]


# --------------------------------------------------------------------------- bad input


def test_zero_byte_file(tmp_path):
    p = tmp_path / "empty.pdf"
    p.write_bytes(b"")
    with pytest.raises(ReportParseError, match=r"empty\.pdf.*empty"):
        parse_report(p)


def test_text_file_named_pdf(tmp_path):
    p = tmp_path / "notes.pdf"
    p.write_text("Báo cáo tình hình kinh tế - xã hội\n", encoding="utf-8")
    with pytest.raises(ReportParseError, match=r"notes\.pdf.*not a PDF"):
        parse_report(p)


def test_truncated_pdf(tmp_path):
    data = (SAMPLES / S003).read_bytes()
    p = tmp_path / "cut.pdf"
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(ReportParseError, match=r"cut\.pdf.*(truncated|corrupt)"):
        parse_report(p)
    # the same cut with a fake trailer: pdfminer fails, still a ReportParseError
    p2 = tmp_path / "cut2.pdf"
    p2.write_bytes(data[: len(data) // 2] + b"\n%%EOF\n")
    with pytest.raises(ReportParseError, match=r"cut2\.pdf.*(truncated|corrupt)"):
        parse_report(p2)


def test_password_protected_pdf(tmp_path):
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    p = tmp_path / "locked.pdf"
    c = canvas.Canvas(str(p), encrypt=pdfencrypt.StandardEncryption("secret"))
    c.drawString(100, 700, "BAO CAO")
    c.save()
    with pytest.raises(ReportParseError, match=r"locked\.pdf.*password"):
        parse_report(p)


def test_image_only_pdf(tmp_path):
    from reportlab.pdfgen import canvas

    p = tmp_path / "scan.pdf"
    c = canvas.Canvas(str(p))
    c.rect(100, 100, 300, 400, fill=1)
    c.showPage()
    c.rect(50, 50, 100, 100, fill=1)
    c.save()
    with pytest.raises(ReportParseError, match=r"scan\.pdf.*no text layer"):
        parse_report(p)


# --------------------------------------------------------------------------- other producers (reportlab)

from tests.fixtures.edge_pdfs import FONT as FIXTURE_FONT, font_files

FONT = font_files()[FIXTURE_FONT]  # DejaVu Sans from the matplotlib wheel (dev dependency)


def _make_report(
    path: Path, *, grid: bool, repeat_rows: int, rows: int, nfd: bool = False, empty_header: bool = False
) -> None:
    """A small province report as reportlab writes it: header block, title, annex table."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if "DV" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DV", str(FONT)))
    st = ParagraphStyle("n", fontName="DV", fontSize=9, leading=12)

    def N(s: str) -> str:
        return unicodedata.normalize("NFD", s) if nfd else s

    def P(s: str) -> Paragraph:
        return Paragraph(N(s), st)

    story = [
        P("ỦY BAN NHÂN DÂN TỈNH HÒA BÌNH"),
        P("Số: 15/BC-UBND"),
        P("Hòa Bình, ngày 05 tháng 7 năm 2023"),
        P("BÁO CÁO"),
        P("Tình hình kinh tế - xã hội 6 tháng đầu năm 2023"),
        Spacer(1, 8),
        P("Phụ lục 01"),
        P("CÁC CHỈ TIÊU CHỦ YẾU"),
    ]
    header = [
        ["STT", "Chỉ tiêu", "ĐVT", "Thực hiện 6 tháng 2022", "Năm 2023", "", "", "Ghi chú"],
        ["", "", "", "", "Kế hoạch", "Ước TH 6 tháng", "So sánh (%)", ""],
        ["A", "B", "C", "1", "2", "3", "4=3/2", "5"],
    ]
    data = [[P(c) if c else "" for c in r] for r in header]
    for i in range(1, rows + 1):
        if i % 10 == 1:
            data.append([["I", "II", "III", "IV", "V", "VI"][i // 10], P(f"Nhóm chỉ tiêu {i // 10 + 1}"), "", "", "", "", "", ""])
        data.append([str(i), P(f"Chỉ tiêu số {i} về sản xuất nông nghiệp"), N("Tỷ đồng"), f"{i}.{i:03d},5", str(i * 2), P(f"{i},25<super>1</super>"), "50,0", ""])
        data.append(["-", P(f"Chi tiết {i}"), "%", "-3,21", "16-32", P("Đảm bảo"), "", P("ghi chú")])
    shift = 0
    if empty_header:  # an empty first row, the only one repeated on every page
        data.insert(0, [""] * 8)
        shift = 1
    t = Table(data, repeatRows=repeat_rows, colWidths=[30, 200, 50, 80, 60, 70, 60, 60])
    style = [
        ("FONT", (0, 0), (-1, -1), "DV", 9),
        ("SPAN", (4, shift), (6, shift)),
        ("SPAN", (0, shift), (0, shift + 1)),
        ("SPAN", (1, shift), (1, shift + 1)),
        ("SPAN", (2, shift), (2, shift + 1)),
        ("SPAN", (3, shift), (3, shift + 1)),
        ("SPAN", (7, shift), (7, shift + 1)),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    if grid:
        style.append(("GRID", (0, 0), (-1, -1), 0.5, "black"))
    t.setStyle(TableStyle(style))
    story += [t, Spacer(1, 8), P("Trên đây là báo cáo tình hình kinh tế - xã hội 6 tháng đầu năm 2023 của UBND tỉnh Hòa Bình./.")]
    SimpleDocTemplate(str(path), pagesize=landscape(A4)).build(story)


def _needs_reportlab():
    # reportlab and the font are dev dependencies: a missing one is a broken setup, not a skip.
    assert FONT.exists(), FONT


def _check_generated(r: ParsedReport, rows: int, detection: str) -> None:
    md = r.metadata
    assert (md.admin_unit_code, md.admin_level) == ("17", "province")
    assert (md.doc_number, md.issue_date, md.doc_type) == ("15/BC-UBND", date(2023, 7, 5), "bao_cao")
    assert (md.period_type, md.period_start, md.period_end) == ("first_half", date(2023, 1, 1), date(2023, 6, 30))
    assert len(r.tables) == 1, [t.pages for t in r.tables]
    t = r.tables[0]
    assert t.detection == detection
    assert len(t.pages) > 1
    n_groups = (rows - 1) // 10 + 1
    assert len(t.rows) == 2 * rows + n_groups
    roles = [c.role for c in t.columns]
    assert roles == ["row_label", "indicator", "unit", "value", "value", "value", "ratio", "note"]
    assert t.columns[6].ratio_numerator_col == 5 and t.columns[6].ratio_denominator_col == 4
    labels = [row.row_label for row in t.rows if row.row_label and row.row_label.isdigit()]
    assert labels == [str(i) for i in range(1, rows + 1)]
    v = {(x.indicator_name, x.col_index): x for x in r.values}
    last = f"Chỉ tiêu số {rows} về sản xuất nông nghiệp"
    assert v[(last, 3)].value_number == Decimal(f"{rows}{rows:03d}.5")
    assert v[(last, 3)].scenario == "actual" and v[(last, 3)].period_start == date(2022, 1, 1)
    assert v[(last, 4)].scenario == "plan" and v[(last, 4)].period_type == "year"
    assert v[(last, 5)].value_number == Decimal(f"{rows}.25")  # superscript footnote dropped
    assert v[(last, 5)].scenario == "estimate" and v[(last, 5)].period_end == date(2023, 6, 30)
    detail = v[(f"Chi tiết {rows}", 4)]
    assert (detail.value_number, detail.value_text) == (None, "16-32")
    assert detail.row_path == [last, f"Chi tiết {rows}"]
    assert v[(f"Chi tiết {rows}", 5)].value_text == "Đảm bảo"


@pytest.mark.parametrize(
    "options, rows, detection",
    [
        (dict(grid=True, repeat_rows=3), 45, "ruled"),  # header repeated on every page
        (dict(grid=True, repeat_rows=0), 45, "ruled"),  # continues without a header
        (dict(grid=True, repeat_rows=1, empty_header=True), 45, "ruled"),  # empty repeated header
        (dict(grid=False, repeat_rows=3), 25, "aligned"),  # no ruling lines
    ],
    ids=["repeated-header", "no-repeated-header", "empty-repeated-header", "aligned"],
)
def test_reportlab_tables(tmp_path, options, rows, detection):
    _needs_reportlab()
    p = tmp_path / "generated.pdf"
    _make_report(p, rows=rows, **options)
    _check_generated(parse_report(p), rows, detection)


def test_decomposed_unicode_is_nfc(tmp_path):
    _needs_reportlab()
    p = tmp_path / "nfd.pdf"
    _make_report(p, grid=True, repeat_rows=3, rows=12, nfd=True)
    r = parse_report(p)
    assert all(unicodedata.is_normalized("NFC", pg.text) for pg in r.pages)
    assert r.metadata.issuer_name == "ỦY BAN NHÂN DÂN TỈNH HÒA BÌNH"
    _check_generated(r, 12, "ruled")


# --------------------------------------------------------------------------- metadata rules on plain lines


def _lines(page: int, texts: list[str]):
    from vnreports.parsing.pdftext import Line

    return [Line(page, t, 80.0, 60.0 + 18 * i, 500.0, 72.0 + 18 * i, 13.0) for i, t in enumerate(texts)]


def test_contradictory_issue_date_is_none():
    from vnreports.parsing.metadata import extract_metadata

    pages = {
        1: _lines(1, ["ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "HUYỆN HẠ LANG Độc lập - Tự do - Hạnh phúc",
                      "Số: 12/BC-UBND Hạ Lang, ngày 05 tháng 01 năm 2022", "BÁO CÁO", "Kết quả thực hiện quý IV năm 2021"]),
        2: _lines(2, ["(Biểu kèm theo Báo cáo số 12/BC-UBND ngày 07 tháng 01 năm 2022 của UBND huyện Hạ Lang)"]),
    }
    md, warnings = extract_metadata(pages)
    assert md.issue_date is None and "issue_date" not in md.sources
    assert any("issue_date" in w for w in warnings)
    assert (md.doc_number, md.admin_unit_code, md.doc_type) == ("12/BC-UBND", "048", "bao_cao")
    assert (md.period_type, md.period_start, md.period_end) == ("quarter", date(2021, 10, 1), date(2021, 12, 31))


def test_cut_off_date_is_not_an_issue_date():
    from vnreports.parsing.metadata import extract_metadata

    pages = {
        1: _lines(1, ["BÁO CÁO", "Tình hình thực hiện 6 tháng đầu năm 2021", "Số liệu tính đến 30/6/2021, ngày 30 tháng 6 năm 2021 là mốc."]),
        3: _lines(3, ["Trên đây là báo cáo 6 tháng đầu năm 2021 của UBND huyện Trùng Khánh./."]),
    }
    md, _ = extract_metadata(pages)
    assert md.issue_date is None
    assert (md.period_type, md.period_start) == ("first_half", date(2021, 1, 1))
    assert md.admin_unit_code == "047" and md.sources["admin_unit_code"].page == 3


def test_rect_borders_like_html_renderers(tmp_path):
    """Cell borders drawn as thin filled rectangles (browsers' print-to-PDF), header on page 1 only."""
    _needs_reportlab()
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    if "DV" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DV", str(FONT)))
    xs = [40, 70, 260, 320, 400, 480, 560]

    def grid(c, rows, y):
        c.setFont("DV", 8)
        for r in rows:
            for j, t in enumerate(r):
                c.drawString(xs[j] + 3, y - 12, t)
            for j in range(len(xs) - 1):
                c.rect(xs[j], y - 18, xs[j + 1] - xs[j], 0.6, fill=1, stroke=0)
                c.rect(xs[j], y, xs[j + 1] - xs[j], 0.6, fill=1, stroke=0)
                c.rect(xs[j], y - 18, 0.6, 18, fill=1, stroke=0)
            c.rect(xs[-1], y - 18, 0.6, 18, fill=1, stroke=0)
            y -= 18

    p = tmp_path / "html.pdf"
    c = canvas.Canvas(str(p))
    c.setFont("DV", 11)
    c.drawString(40, 810, "UBND THÀNH PHỐ CAO BẰNG - Số: 05/BC-UBND - Cao Bằng, ngày 10 tháng 02 năm 2023")
    c.drawString(250, 795, "BÁO CÁO")
    c.drawString(150, 782, "Tình hình kinh tế - xã hội tháng 01 năm 2023")
    body = [[str(i), f"Chỉ tiêu {i}", "tấn", f"{i * 10},5", f"{i * 9}", "105,2"] for i in range(1, 60)]
    grid(c, [["TT", "Chỉ tiêu", "ĐVT", "TH tháng 01/2023", "Cùng kỳ năm 2022", "So sánh (%)"]] + body[:38], 765)
    c.showPage()
    grid(c, body[38:], 800)
    c.setFont("DV", 11)
    c.drawString(40, 300, "Trên đây là báo cáo tháng 01 năm 2023 của UBND thành phố Cao Bằng./.")
    c.save()

    r = parse_report(p)
    md = r.metadata
    assert (md.admin_unit_code, md.doc_number, md.issue_date) == ("040", "05/BC-UBND", date(2023, 2, 10))
    assert (md.period_type, md.period_start) == ("month", date(2023, 1, 1))
    assert len(r.tables) == 1 and r.tables[0].pages == [1, 2] and len(r.tables[0].rows) == 59
    cols = r.tables[0].columns
    assert (cols[3].scenario, cols[3].period_type, cols[3].period_start) == ("actual", "month", date(2023, 1, 1))
    assert (cols[4].period_type, cols[4].period_start) == ("month", date(2022, 1, 1))  # "Cùng kỳ"
    assert (cols[5].role, cols[5].ratio_numerator_col, cols[5].ratio_denominator_col) == ("ratio", 3, 4)
    v = {(x.indicator_name, x.col_index): x.value_number for x in r.values}
    assert v[("Chỉ tiêu 59", 3)] == Decimal("590.5") and v[("Chỉ tiêu 59", 4)] == Decimal("531")


# --------------------------------------------------------------------------- flowed table, second layout

# A table flowed as text by another producer: one header cell per line (wrapped cells go on
# over several lines), a numbering row, rows drawn cell after cell with no space characters
# between cells (a 5 pt blank; an empty cell adds 14 pt), a page break with centred page numbers,
# no verdict column, a note column. Rows: (page, the 9 leaf cells as they should be read, line
# break after this cell index or None). "\n" in a cell wraps it onto the next line.
FLOWED_HEADER_LINES = [
    "STT", "Chỉ tiêu", "Đơn vị", "tính", "Thực hiện 6 tháng", "năm 2022", "Kế hoạch", "năm 2023",
    "Ước thực hiện", "6 tháng năm 2023", "So với cùng", "kỳ (%)", "So với kế", "hoạch (%)", "Ghi chú",
]
FLOWED_NUMBERING = ["1", "2", "3", "4", "5", "6", "7=6/4", "8=6/5", "9"]
_E = ""
FLOWED_ROWS: list[tuple[int, list[str], int | None]] = [
    (1, ["I", "CÁC CHỈ TIÊU KINH TẾ", _E, _E, _E, _E, _E, _E, _E], None),
    (1, ["1", "Tổng giá trị sản xuất (giá so sánh 2010)", "tỷ đồng", "1.250,5", "1.400", "1.320,8", "105,6", "94,3", _E], None),
    (1, ["-", "Nông, lâm nghiệp và thủy sản", "tỷ đồng", "410,2", "450", "430,1", "104,9", "95,6", _E], None),
    (1, ["-", "Công nghiệp - xây dựng", "tỷ đồng", "390", _E, "402,5", "103,2", _E, _E], None),
    (1, ["2", "Sản lượng lương thực có hạt", "tấn", "12.500", "25.000", "12.800", "102,4", "51,2", _E], None),
    (1, ["3", "Diện tích trồng rừng mới", "ha", _E, "300", "120", _E, "40,0", _E], None),
    (1, [_E, "Trong đó:", _E, _E, _E, _E, _E, _E, _E], None),
    (1, [_E, "Rừng sản xuất", "ha", _E, "250", "100", _E, "40,0", _E], None),
    (1, ["II", "CÁC CHỈ TIÊU XÃ HỘI", _E, _E, _E, _E, _E, _E, _E], None),
    (1, ["4", "Tỷ lệ hộ nghèo theo chuẩn đa chiều", "%", "12,5", "10,5", "11,2", "89,6", "106,7", "Số liệu sơ bộ"], None),
    (1, ["5", "Số lao động được tạo việc làm mới", "người", "1.150", "2.400", "1.230", "107,0", "51,3", _E], None),
    (1, ["6", "Tỷ lệ trẻ em dưới 5 tuổi bị suy dinh dưỡng\nthể nhẹ cân", "%", "14,2", "-", "13,8", "97,2", _E, _E], None),
    (1, ["7", "Số xã đạt chuẩn quốc gia về y tế", "xã", "14", "16", "15", "107,1", "93,8", _E], None),
    # a line break between two figures: only the stated ratio (92,1 / 85,4 = 107,8 %) places them
    (2, ["8", "Thu ngân sách nhà nước trên địa bàn", "tỷ đồng", "85,4", _E, "92,1", "107,8", _E, _E], 3),
    # the same break without a ratio: "22" fits the plan and the estimate column alike -> no row
    (2, ["9", "Số trường học đạt chuẩn quốc gia", "trường", "20", _E, "22", _E, _E, _E], 3),
    (2, ["10", "Tỷ lệ dân số tham gia bảo hiểm y tế", "%", "92,1", "95,0", "93,4", "101,4", "98,3", _E], None),
    (2, ["11", "Số người được giải quyết việc làm", "người", "850", _E, "910", "107,1", _E, "Ước tính"], None),
]
FLOWED_AMBIGUOUS = {"Số trường học đạt chuẩn quốc gia"}


def _make_flowed_report(path: Path) -> None:
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen import canvas

    from tests.fixtures.edge_pdfs import FONT as FLOW_FONT, register_fonts

    register_fonts()
    size, lead, left, gap, empty = 10, 15, 60, 5.0, 14.0
    c = canvas.Canvas(str(path), pagesize=(595, 842), invariant=1)
    y = 800.0

    def line(text: str, x: float = left) -> None:
        nonlocal y
        c.drawString(x, y, text)
        y -= lead

    def new_page(no: int) -> None:
        nonlocal y
        c.drawCentredString(297, 30, f"- {no} -")
        c.showPage()
        c.setFont(FLOW_FONT, size)
        y = 800.0

    c.setFont(FLOW_FONT, size)
    for t in ("ỦY BAN NHÂN DÂN HUYỆN BẢO LẠC", "Số: 45/BC-UBND", "Bảo Lạc, ngày 10 tháng 7 năm 2023", "BÁO CÁO",
              "Tình hình thực hiện các chỉ tiêu kinh tế - xã hội 6 tháng đầu năm 2023"):
        line(t)
    line("Các chỉ tiêu chủ yếu đạt khá so với cùng kỳ, chi tiết tại biểu kèm theo báo cáo này.")
    y -= lead
    line("Biểu số 02")
    line("CÁC CHỈ TIÊU CHỦ YẾU 6 THÁNG ĐẦU NĂM 2023")
    for t in FLOWED_HEADER_LINES:
        line(t)
    line(" ".join(FLOWED_NUMBERING))
    page = 1
    for row_page, cells, brk in FLOWED_ROWS:
        if row_page != page:
            new_page(page)
            page = row_page
        last = max(i for i, t in enumerate(cells) if t)
        x, pending = float(left), 0.0
        for i, text in enumerate(cells[: last + 1]):
            if not text:
                pending += empty
                continue
            for k, part in enumerate(text.split("\n")):
                if k:
                    y -= lead
                    x, pending = float(left), 0.0
                if x > left:
                    x += gap + pending
                pending = 0.0
                c.drawString(x, y, part)
                x += stringWidth(part, FLOW_FONT, size)
            if brk == i:
                y -= lead
                x, pending = float(left), 0.0
        y -= lead
    y -= 2 * lead
    line("Trên đây là báo cáo tình hình thực hiện các chỉ tiêu 6 tháng đầu năm 2023 của UBND huyện Bảo Lạc./.")
    new_page(page)
    c.save()


def test_flowed_table_second_layout(tmp_path):
    _needs_reportlab()
    p = tmp_path / "flowed.pdf"
    _make_flowed_report(p)
    r = parse_report(p)
    assert len(r.tables) == 1, [(t.pages, t.detection) for t in r.tables]
    t = r.tables[0]
    assert t.detection == "flowed" and t.pages == [1, 2]
    assert t.caption == "Biểu số 02 CÁC CHỈ TIÊU CHỦ YẾU 6 THÁNG ĐẦU NĂM 2023"
    cols = t.columns
    assert [c.header_path for c in cols] == [
        ["STT"], ["Chỉ tiêu"], ["Đơn vị tính"], ["Thực hiện 6 tháng năm 2022"], ["Kế hoạch năm 2023"],
        ["Ước thực hiện 6 tháng năm 2023"], ["So với cùng kỳ (%)"], ["So với kế hoạch (%)"], ["Ghi chú"],
    ]
    assert [c.column_number for c in cols] == FLOWED_NUMBERING
    assert [c.role for c in cols] == ["row_label", "indicator", "unit", "value", "value", "value", "ratio", "ratio", "note"]
    assert [(c.scenario, c.period_type, c.period_year) for c in cols[3:6]] == [
        ("actual", "first_half", 2022), ("plan", "year", 2023), ("estimate", "first_half", 2023)]
    assert (cols[6].ratio_numerator_col, cols[6].ratio_denominator_col, cols[6].ratio_base) == (5, 3, "previous_period")
    assert (cols[7].ratio_numerator_col, cols[7].ratio_denominator_col, cols[7].ratio_base) == (5, 4, "plan")

    # every row but the ambiguous one, cell for cell
    expected = [(pg, [x.replace("\n", " ") for x in cells]) for pg, cells, _ in FLOWED_ROWS if cells[1] not in FLOWED_AMBIGUOUS]
    grid = _grid(t)
    assert len(t.rows) == len(expected) == len(FLOWED_ROWS) - 1
    for row, (pg, cells) in zip(t.rows, expected):
        assert [grid[(row.row_index, c)] for c in range(len(cols))] == cells, row.row_index
        assert row.page == pg
    assert any("skipped" in w and "Số trường học" in w for w in r.warnings)

    rows = {row.indicator_name: row for row in t.rows}
    assert rows["Nông, lâm nghiệp và thủy sản"].parent_path == ["Tổng giá trị sản xuất (giá so sánh 2010)"]
    assert rows["Rừng sản xuất"].parent_path == ["Diện tích trồng rừng mới"]
    assert rows["CÁC CHỈ TIÊU XÃ HỘI"].is_section and rows["Tỷ lệ trẻ em dưới 5 tuổi bị suy dinh dưỡng thể nhẹ cân"].measure_unit == "%"
    markers = [row for row in t.rows if row.indicator_name is None]
    assert len(markers) == 1 and markers[0].is_section

    v = {(x.indicator_name, x.col_index): x for x in r.values}
    n_expected = sum(
        1 for _, cells in expected if cells[1] != "Trong đó:" for c in range(3, 8) if cells[c] and cells[c] != "-"
    )
    assert len(r.values) == n_expected
    ngs = v[("Thu ngân sách nhà nước trên địa bàn", 5)]
    assert (ngs.value_number, ngs.scenario, ngs.page) == (Decimal("92.1"), "estimate", 2)
    assert ("Thu ngân sách nhà nước trên địa bàn", 4) not in v
    assert v[("Thu ngân sách nhà nước trên địa bàn", 6)].ratio_base == "previous_period"
    forest = v[("Diện tích trồng rừng mới", 4)]
    assert (forest.value_number, forest.scenario, forest.period_start) == (Decimal("300"), "plan", date(2023, 1, 1))
    assert ("Diện tích trồng rừng mới", 3) not in v
    assert ("Tỷ lệ trẻ em dưới 5 tuổi bị suy dinh dưỡng thể nhẹ cân", 4) not in v  # "-" placeholder
    assert not any(x.indicator_name in FLOWED_AMBIGUOUS for x in r.values)
    assert all(x.bbox is not None for x in r.values)


def test_flowed_prose_is_no_table(tmp_path):
    """Running text with a 'Các chỉ tiêu chủ yếu' heading, bulleted figures and a 'TT ...' line
    is not a flowed table."""
    _needs_reportlab()
    from reportlab.pdfgen import canvas

    from tests.fixtures.edge_pdfs import FONT as FLOW_FONT, register_fonts

    register_fonts()
    p = tmp_path / "prose.pdf"
    c = canvas.Canvas(str(p), pagesize=(595, 842), invariant=1)
    c.setFont(FLOW_FONT, 10)
    lines = [
        "BÁO CÁO", "Tình hình kinh tế - xã hội năm 2023",
        "Các chỉ tiêu chủ yếu",
        "- Tốc độ tăng trưởng kinh tế ước đạt 7,5%, vượt kế hoạch đề ra.",
        "- Thu ngân sách trên địa bàn 120 tỷ đồng, đạt 105% dự toán",
        "- Tỷ lệ hộ nghèo giảm 3,2%",
        "TT Huyện ủy, Thường trực HĐND huyện đã chỉ đạo sát sao, tổng số 12 cuộc kiểm tra",
        "Kết quả thực hiện các chỉ tiêu 15",
        "Đạt 12 chỉ tiêu, không đạt 3 chỉ tiêu 80",
        "Nơi nhận:", "- TT. Huyện ủy;", "- Lưu: VT.",
    ]
    y = 800
    for t in lines:
        c.drawString(60, y, t)
        y -= 15
    c.save()
    r = parse_report(p)
    assert r.tables == [] and r.values == []


def _make_random_flowed(path: Path, seed: int, spaces: bool) -> list[list[str]]:
    """A flowed table of 12 random rows (random empty cells, line breaks between cells, wrapped
    names, names ending in a unit-like word with an empty unit cell); cells separated by space
    characters (an empty cell adds two, a cell may keep a trailing space) or by positioned gaps.
    Returns the rows' 9 leaf cells."""
    import random

    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen import canvas

    from tests.fixtures.edge_pdfs import FONT as FLOW_FONT, register_fonts

    register_fonts()
    rnd = random.Random(seed)
    names = ["Tổng giá trị sản xuất", "Sản lượng lúa", "Diện tích rừng trồng mới", "Thu ngân sách trên địa bàn",
             "Số km đường giao thông nông thôn được cứng hóa", "Số lao động được đào tạo nghề"]
    units = ["tỷ đồng", "tấn", "ha", "%", "hộ", "km", "người", "triệu USD", "xã"]

    def vn(x: float) -> str:
        return f"{x:.1f}".replace(".", ",")

    rows = []
    for i in range(1, 13):
        th, kh, uoc = rnd.uniform(5, 900), 0.0, 0.0
        kh, uoc = th * rnd.uniform(0.8, 1.3), th * rnd.uniform(0.85, 1.25)
        cells = [str(i), rnd.choice(names), rnd.choice(units), vn(th), vn(kh), vn(uoc), vn(uoc / th * 100), vn(uoc / kh * 100), ""]
        for k in range(3, 8):
            if rnd.random() < 0.25:
                cells[k] = ""
        if rnd.random() < 0.15:
            cells[1], cells[2] = "Thu nhập bình quân đầu người", ""
        if rnd.random() < 0.2:
            cells[1] += "\nvà các chỉ tiêu khác"
        if not any(cells[3:8]):
            cells[3] = vn(th)
        rows.append((cells, rnd.choice([None] * 5 + list(range(1, 8)))))
    size, lead, left = 10, 15, 60
    gap, empty = rnd.uniform(3, 6), rnd.uniform(8, 20)
    c = canvas.Canvas(str(path), pagesize=(595, 842), invariant=1)
    c.setFont(FLOW_FONT, size)
    y = 800.0
    for t in ["BÁO CÁO", "Biểu số 01", "CÁC CHỈ TIÊU CHỦ YẾU"] + FLOWED_HEADER_LINES:
        c.drawString(left, y, t)
        y -= lead
    for cells, brk in rows:
        last = max(k for k, t in enumerate(cells) if t)
        x, pending, text = float(left), 0.0, ""
        for k, t in enumerate(cells[: last + 1]):
            if not t:
                pending += 1
                continue
            for n, part in enumerate(t.split("\n")):
                if n:  # the cell wraps
                    if spaces:
                        c.drawString(left, y, text)
                    y -= lead
                    x, pending, text = float(left), 0.0, ""
                if spaces:
                    if text:
                        text += " " * (1 + 2 * int(pending) + (rnd.random() < 0.3))
                    text += part
                else:
                    if x > left:
                        x += gap + pending * empty
                    c.drawString(x, y, part)
                    x += stringWidth(part, FLOW_FONT, size)
                pending = 0
            if brk == k:
                if spaces:
                    c.drawString(left, y, text)
                y -= lead
                x, pending, text = float(left), 0.0, ""
        if spaces and text:
            c.drawString(left, y, text)
        y -= lead
    c.save()
    return [[t.replace("\n", " ") for t in cells] for cells, _ in rows]


@pytest.mark.parametrize("seed", [0, 5, 8, 11, 21, 26])
@pytest.mark.parametrize("spaces", [True, False], ids=["space-chars", "gaps"])
def test_flowed_random_tables_no_wrong_figure(tmp_path, seed, spaces):
    """Precision before recall: an emitted row never has a figure in a wrong column."""
    _needs_reportlab()
    p = tmp_path / "random.pdf"
    truth = {cells[0]: cells for cells in _make_random_flowed(p, seed, spaces)}
    r = parse_report(p)
    assert len(r.tables) == 1 and r.tables[0].detection == "flowed"
    t = r.tables[0]
    grid = _grid(t)
    for row in t.rows:
        got = [grid[(row.row_index, c)] for c in range(9)]
        assert got[3:8] == truth[got[0]][3:8], (got, truth[got[0]])
    assert len(t.rows) >= 8  # most rows are placed
    assert len(t.rows) + sum("flowed table" in w for w in r.warnings) >= len(truth)


def _centred_borderless_report(path: Path) -> Path:
    """A borderless table as an HTML page printed by a browser draws it: every cell's text is
    vertically centred in its row, so a wrapped name puts its first line ABOVE the line with
    the row label and figures and its last line below; wrapped units and notes likewise; a
    wrapped section row takes three lines; a caption sits right above the header."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from tests.fixtures.edge_pdfs import FONT, register_fonts

    register_fonts()
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    size, pitch = 10, 12
    c.setFont(FONT, size)
    y = 800
    c.drawString(60, y, "ỦY BAN NHÂN DÂN")
    c.drawString(300, y, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    c.drawString(60, y - 14, "HUYỆN BẢO LẠC")
    c.drawString(320, y - 14, "Độc lập - Tự do - Hạnh phúc")
    c.drawString(60, y - 28, "Số: 112/BC-UBND")
    c.drawString(300, y - 28, "Bảo Lạc, ngày 25 tháng 9 năm 2022")
    c.drawCentredString(297, y - 60, "BÁO CÁO")
    c.drawCentredString(297, y - 74, "Tình hình kinh tế - xã hội 9 tháng năm 2022")
    c.drawString(60, y - 100, "Thực hiện Nghị quyết của HĐND huyện về kế hoạch phát triển kinh tế - xã hội")
    c.drawString(60, y - 114, "năm 2022, UBND huyện Bảo Lạc báo cáo như sau:")
    c.drawCentredString(285, y - 140, "Biểu: Một số chỉ tiêu kinh tế - xã hội chủ yếu 9 tháng năm 2022")

    # columns: (x, alignment) -- label, name, unit, plan, estimate, ratio, note
    cols = [(62, "l"), (90, "l"), (230, "l"), (330, "r"), (400, "r"), (460, "r"), (480, "l")]

    def cell(col: int, lines: list[str], centre: float, x: float | None = None) -> None:
        x0, align = cols[col]
        for i, t in enumerate(lines):
            base = centre + ((len(lines) - 1) / 2 - i) * pitch - size * 0.35
            if x is not None:
                c.drawCentredString(x, base, t)
            elif align == "r":
                c.drawRightString(x0, base, t)
            else:
                c.drawString(x0, base, t)

    # header: two rows of 30pt; the merged "9 tháng năm 2022" over estimate and ratio
    hc = y - 175
    cell(0, ["STT"], hc)
    cell(1, ["Chỉ tiêu"], hc)
    cell(2, ["ĐVT"], hc)
    cell(3, ["KH năm", "2022"], hc, x=312)
    cell(4, ["9 tháng năm 2022"], hc + 15, x=420)
    cell(4, ["Ước thực", "hiện"], hc - 15, x=380)
    cell(5, ["So với", "KH (%)"], hc - 15, x=445)
    cell(6, ["Ghi", "chú"], hc)

    rows = [
        (["I"], ["Kinh tế"], [], None, []),
        (["1"], ["Tổng diện tích", "gieo trồng cây", "hàng năm"], ["ha"], ("8.250", "7.940,5", "96,25"), []),
        (["-"], ["Cây lúa"], ["ha"], ("1.120", "1.098", "98,04"), []),
        (["-"], ["Cây ngô"], ["ha"], ("5.400", "5.212,3", "96,52"), ["Vụ", "xuân"]),
        (["2"], ["Tổng đàn gia súc"], ["con"], ("41.500", "40.112", "96,66"), []),
        (["3"], ["Thu ngân sách", "nhà nước trên", "địa bàn"], ["triệu", "đồng"], ("35.000", "28.417,6", "81,19"), []),
        (["II"], ["Văn hóa - xã", "hội"], [], None, []),
        (["4"], ["Tỷ lệ hộ nghèo"], ["%"], ("32,5", "33,1", "101,85"), []),
        (["5"], ["Tỷ lệ dân số", "tham gia BHYT"], ["%"], ("98", "97,4", "99,39"), []),
    ]
    top = hc - 30
    for label, name, unit, figs, note in rows:
        height = max(len(name), len(unit), len(note), 1) * pitch + 6
        centre = top - height / 2
        cell(0, label, centre)
        cell(1, name, centre)
        cell(2, unit, centre)
        for k, f in enumerate(figs or ()):
            cell(3 + k, [f], centre)
        cell(6, note, centre)
        top -= height
    c.drawString(60, top - 30, "Trên đây là báo cáo tình hình kinh tế - xã hội 9 tháng năm 2022 của UBND huyện Bảo Lạc./.")
    c.save()
    return path


def test_borderless_vertically_centred_table(tmp_path):
    _needs_reportlab()
    r = parse_report(_centred_borderless_report(tmp_path / "centred.pdf"))
    assert not r.warnings
    assert len(r.tables) == 1
    by = {}
    for v in r.values:
        by.setdefault(v.indicator_name, []).append(v)
    assert list(by) == [
        "Tổng diện tích gieo trồng cây hàng năm",
        "Cây lúa",
        "Cây ngô",
        "Tổng đàn gia súc",
        "Thu ngân sách nhà nước trên địa bàn",
        "Tỷ lệ hộ nghèo",
        "Tỷ lệ dân số tham gia BHYT",
    ]
    assert len(r.values) == 21
    got = {(v.indicator_name, v.scenario, v.role): v.value_number for v in r.values}
    assert got[("Tổng diện tích gieo trồng cây hàng năm", "plan", "value")] == Decimal("8250")
    assert got[("Thu ngân sách nhà nước trên địa bàn", "estimate", "value")] == Decimal("28417.6")
    assert got[("Tỷ lệ dân số tham gia BHYT", "estimate", "ratio")] == Decimal("99.39")
    assert got[("Cây ngô", "estimate", "ratio")] == Decimal("96.52")
    units = {v.indicator_name: v.measure_unit for v in r.values if v.role == "value"}
    assert units["Thu ngân sách nhà nước trên địa bàn"] == "triệu đồng"
    assert units["Tổng đàn gia súc"] == "con"
    for v in r.values:
        if v.scenario == "plan":
            assert v.period_type == "year" and v.role == "value"
        else:
            assert v.scenario == "estimate" and v.period_type == "nine_months"
    assert by["Cây lúa"][0].row_path == ["Tổng diện tích gieo trồng cây hàng năm", "Cây lúa"]
    sections = [(row.row_label, row.indicator_name) for row in r.tables[0].rows if row.is_section]
    assert ("I", "Kinh tế") in sections and ("II", "Văn hóa - xã hội") in sections
    assert len(r.tables[0].rows) == 9
