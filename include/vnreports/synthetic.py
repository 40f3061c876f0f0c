"""Synthetic district reports for volume benchmarks: distinct units, periods and values.

    write_reports(folder, n, pages=30, seed=1) -> list of PDF paths

Each report is a district's socio-economic report as the samples are written: the UBND header
of a district of the GSO list (its province in the title's place line), a document number and
date, a title stating the period (a month, a quarter, six or nine months, or a year, 2019-2024),
narrative sections whose sentences state catalogued indicators with plan ratios and changes
("Tổng đàn trâu 7.111 con, bằng 98,5% KH, tăng 2,1% so với cùng kỳ."), and a ruled annex table
of indicators (plan, result, ratio) running over several pages. Values come from a seeded
random generator, so every report has different bytes and figures. The generator needs
reportlab and DejaVu Sans (dev dependencies, as tests/fixtures/edge_pdfs.py).
"""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

PERIODS = (  # (type, title words, month of the period's end or None)
    ("month", "tháng {m} năm {y}", None),
    ("quarter", "quý {q} năm {y}", None),
    ("first_half", "6 tháng đầu năm {y}", 6),
    ("nine_months", "9 tháng năm {y}", 9),
    ("year", "năm {y}", 12),
)
ROMAN = ("I", "II", "III", "IV")
SECTIONS = ("Sản xuất nông, lâm nghiệp", "Công nghiệp, xây dựng", "Thương mại, dịch vụ", "Tài chính, ngân sách",
            "Văn hóa, xã hội", "Giáo dục, y tế", "Tài nguyên, môi trường")


def _vn(value: Decimal, decimals: int) -> str:
    """A Vietnamese number: '.' for thousands, ',' for decimals."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def _font() -> str:
    from importlib.util import find_spec

    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "SynSans" not in pdfmetrics.getRegisteredFontNames():
        spec = find_spec("matplotlib")
        ttf = Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf" / "DejaVuSans.ttf"
        pdfmetrics.registerFont(TTFont("SynSans", str(ttf)))
    return "SynSans"


def _districts():
    from vnreports.parsing.admin_units import load_admin_units

    return [u for u in load_admin_units().units if u.level == "district" and u.unit_type == "Huyện"]


def _indicators():
    from vnreports import catalog

    units = {"con", "ha", "tấn", "hộ", "người", "tỷ đồng", "triệu đồng", "km", "công trình", "lượt"}
    return [i for i in catalog.indicators() if i.canonical_unit in units and not i.is_rate]


def _report_story(rng: random.Random, unit, period: tuple, indicators: list, pages: int, font: str) -> list:
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import PageBreak, Paragraph, Spacer, Table, TableStyle

    body = ParagraphStyle("body", fontName=font, fontSize=11, leading=15)
    head = ParagraphStyle("head", parent=body, fontSize=12, leading=16, alignment=1)
    small = ParagraphStyle("small", parent=body, fontSize=9, leading=11)
    ptype, words, year, month, quarter = period
    place = unit.bare_name
    number = rng.randint(10, 450)
    day, sign_month = rng.randint(1, 28), (month % 12) + 1 if ptype != "year" else 12
    sign_year = year + 1 if (ptype == "month" and month == 12) or (ptype == "quarter" and quarter == 4) else year
    title_period = words.format(m=month, q=ROMAN[quarter - 1] if quarter else "", y=year)
    story = [
        Paragraph(f"ỦY BAN NHÂN DÂN &nbsp;&nbsp;&nbsp;&nbsp; CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", body),
        Paragraph(f"{unit.name.upper()} &nbsp;&nbsp;&nbsp;&nbsp; Độc lập - Tự do - Hạnh phúc", body),
        Paragraph(f"Số: {number}/BC-UBND &nbsp;&nbsp;&nbsp;&nbsp; {place}, ngày {day} tháng {sign_month} năm {sign_year}", body),
        Spacer(1, 12),
        Paragraph("BÁO CÁO", head),
        Paragraph(f"Tình hình thực hiện nhiệm vụ phát triển kinh tế - xã hội {title_period}", head),
        Spacer(1, 12),
        Paragraph(f"I. KẾT QUẢ THỰC HIỆN NHIỆM VỤ PHÁT TRIỂN KINH TẾ - XÃ HỘI {title_period.upper()}", body),
    ]
    # about 40 lines a page: text pages carry the sentences, the rest is the annex table
    text_pages = max(1, pages * 2 // 3)
    sentences = text_pages * 27
    chosen = [rng.choice(indicators) for _ in range(sentences)]
    per_section = max(1, sentences // len(SECTIONS))
    for s, section in enumerate(SECTIONS):
        story.append(Paragraph(f"{s + 1}. {section}", body))
        paragraph = []
        for ind in chosen[s * per_section : (s + 1) * per_section]:
            value = Decimal(rng.randint(50, 900000)) / (10 if ind.canonical_unit in ("tỷ đồng", "km") else 1)
            ratio = Decimal(rng.randint(700, 1300)) / 10
            change = Decimal(rng.randint(1, 250)) / 10
            verb = rng.choice(("tăng", "giảm"))
            decimals = 1 if ind.canonical_unit in ("tỷ đồng", "km") else 0
            paragraph.append(f"{ind.name_vi} đạt {_vn(value, decimals)} {ind.canonical_unit}, bằng {_vn(ratio, 1)}% "
                             f"kế hoạch, {verb} {_vn(change, 1)}% so với cùng kỳ.")
            if len(paragraph) == 4:
                story.append(Paragraph(" ".join(paragraph), body))
                paragraph = []
        if paragraph:
            story.append(Paragraph(" ".join(paragraph), body))
    story.append(Paragraph(f"Trên đây là báo cáo tình hình kinh tế - xã hội {title_period} của UBND {unit.name.lower()}./.", body))
    story.append(PageBreak())
    story.append(Paragraph(f"Biểu: Một số chỉ tiêu kinh tế - xã hội chủ yếu {title_period}", head))
    rows = [["TT", "Chỉ tiêu", "ĐVT", f"KH năm {year}", "Thực hiện", "So sánh (%)"]]
    for i in range(max(10, (pages - text_pages) * 55)):
        ind = rng.choice(indicators)
        plan = Decimal(rng.randint(100, 500000))
        done = plan * Decimal(rng.randint(60, 120)) / 100
        rows.append([str(i + 1), Paragraph(ind.name_vi, small), ind.canonical_unit, _vn(plan, 0), _vn(done, 0),
                     _vn(done / plan * 100, 1)])
    table = Table(rows, colWidths=(24, 210, 52, 70, 70, 56), repeatRows=1)
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 9),
                               ("GRID", (0, 0), (-1, -1), 0.5, colors.black)]))
    story.append(table)
    return story


def write_reports(folder: Path, n: int, pages: int = 30, seed: int = 1) -> list[Path]:
    """Write n distinct district reports of about `pages` pages into folder."""
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate

    font = _font()
    rng = random.Random(seed)
    districts = rng.sample(_districts(), k=min(n, 600))
    indicators = _indicators()
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        unit = districts[i % len(districts)]
        ptype, words, end_month = rng.choice(PERIODS)
        year = rng.randint(2019, 2024)
        month = rng.randint(1, 12) if ptype == "month" else end_month
        quarter = rng.randint(1, 4) if ptype == "quarter" else None
        if ptype == "quarter":
            month = quarter * 3
        path = folder / f"bc_{i:04d}_{unit.code}_{ptype}_{year}.pdf"
        doc = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=56, rightMargin=42, topMargin=48, bottomMargin=48)
        doc.build(_report_story(rng, unit, (ptype, words, year, month, quarter), indicators, pages, font))
        out.append(path)
    return out
