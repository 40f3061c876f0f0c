"""The edge-case PDF generator (tests/fixtures/edge_pdfs.py) makes what it promises, read back
with pdfplumber: Vietnamese text intact and NFC, the truth constants matching the drawn
tables, no ruling lines where there should be none, a table split over two pages, a password
that is really needed, a scan with no text layer, and the broken files really broken."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import unicodedata
from pathlib import Path

import pdfplumber
import pytest
from pdfminer.pdfdocument import PDFPasswordIncorrect
from pdfplumber.utils.exceptions import PdfminerException

from tests.fixtures import edge_pdfs
from tests.fixtures.edge_pdfs import (
    ALIGNED_REPORT_TRUTH,
    ENCRYPTED_PDF_PASSWORD,
    FIXTURE_NAMES,
    REPORTLAB_REPORT_TRUTH,
    SPLIT_REPORT_TRUTH,
    TableTruth,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory) -> dict[str, Path]:
    return edge_pdfs.write_all(tmp_path_factory.mktemp("edge_pdfs"))


def flat(text: str | None) -> str:
    return " ".join((text or "").split())


def page_text(path: Path) -> str:
    with pdfplumber.open(path) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def table_rows(path: Path) -> list[tuple[int, list[str | None]]]:
    """(page number, cells with wrapped lines joined) of every table row pdfplumber finds."""
    rows = []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            for table in page.extract_tables():
                rows.extend((page.page_number, [None if c is None else flat(c) for c in row]) for row in table)
    return rows


def assert_body_matches(found: list[tuple[int, list[str | None]]], truth: TableTruth) -> None:
    assert [cells for _, cells in found] == [list(row.cells) for row in truth.rows]
    assert [page for page, _ in found] == list(truth.page_of_row)


def test_all_fixtures_are_written(pdfs):
    assert sorted(pdfs) == sorted(FIXTURE_NAMES)
    assert all(path.exists() for path in pdfs.values())


def test_truth_is_nfc_and_consistent():
    for truth in (REPORTLAB_REPORT_TRUTH, ALIGNED_REPORT_TRUTH, SPLIT_REPORT_TRUTH):
        table = truth.tables[0]
        texts = [truth.title, truth.heading, truth.date_line, *truth.issuer_lines, table.caption]
        texts += [cell for row in table.rows for cell in row.cells]
        assert all(unicodedata.is_normalized("NFC", t) for t in texts)
        assert len(table.page_of_row) == len(table.rows)
        assert len(table.header_paths) == len(table.header_rows[0]) == 6
    rows = {row.indicator: row for row in REPORTLAB_REPORT_TRUTH.tables[0].rows}
    # The hierarchy adds up, as in a real report.
    total = rows["Tổng giá trị sản xuất (giá so sánh 2010)"]
    parts = [rows[n] for n in ("Nông, lâm nghiệp và thủy sản", "Công nghiệp - xây dựng", "Dịch vụ")]
    assert sum(p.plan for p in parts) == total.plan and sum(p.estimate for p in parts) == total.estimate
    assert rows["Trồng trọt"].parent_path == (
        "Kinh tế", "Tổng giá trị sản xuất (giá so sánh 2010)", "Nông, lâm nghiệp và thủy sản",
    )
    assert total.cells[3:] == ("1.234,5", "612,8", "49,6")


def test_reportlab_report_text_is_vietnamese_nfc(pdfs):
    path = pdfs["reportlab_report.pdf"]
    text = page_text(path)
    assert unicodedata.is_normalized("NFC", text)
    truth = REPORTLAB_REPORT_TRUTH
    assert truth.title == "Tình hình thực hiện nhiệm vụ phát triển kinh tế - xã hội 6 tháng đầu năm 2022"
    for expected in (truth.heading, truth.title, *truth.issuer_lines, f"Số: {truth.doc_number}", truth.date_line):
        assert expected in flat(text), expected
    with pdfplumber.open(path) as pdf:
        assert len(pdf.pages) == truth.page_count
        assert pdf.metadata["Producer"].startswith("ReportLab")


def test_reportlab_report_table_matches_its_truth(pdfs):
    found = table_rows(pdfs["reportlab_report.pdf"])
    table = REPORTLAB_REPORT_TRUTH.tables[0]
    assert [cells for _, cells in found[:2]] == [list(r) for r in table.header_rows]
    assert_body_matches(found[2:], table)


def test_aligned_text_table_has_no_ruling_lines(pdfs):
    path = pdfs["aligned_text_table.pdf"]
    with pdfplumber.open(path) as pdf:
        (page,) = pdf.pages
        assert page.lines == [] and page.rects == [] and page.curves == []
        assert page.extract_tables() == []  # nothing for the lattice strategy to find
        assert page.chars
        lines = [flat(line["text"]) for line in page.extract_text_lines()]
    for row in ALIGNED_REPORT_TRUTH.tables[0].rows:
        assert " ".join(cell for cell in row.cells if cell) in lines, row.cells


def test_split_table_spans_two_pages_without_repeated_header(pdfs):
    path = pdfs["split_table.pdf"]
    truth = SPLIT_REPORT_TRUTH
    table = truth.tables[0]
    with pdfplumber.open(path) as pdf:
        assert len(pdf.pages) == 2 == truth.page_count
        assert all(page.extract_tables() for page in pdf.pages), "a ruled table part on each page"
        page2 = flat(pdf.pages[1].extract_text())
    assert "Chỉ tiêu" not in page2 and "Năm 2022" not in page2, "header repeated on page 2"
    found = table_rows(path)
    assert [cells for _, cells in found[:2]] == [list(r) for r in table.header_rows]
    assert_body_matches(found[2:], table)
    first_on_page2 = table.rows[table.page_of_row.index(2)]
    assert first_on_page2.row_label == "-" and first_on_page2.parent_path, "page 2 should start inside a section"


def test_encrypted_pdf_needs_its_password(pdfs):
    path = pdfs["encrypted.pdf"]
    with pytest.raises(PdfminerException) as excinfo:
        with pdfplumber.open(path) as pdf:
            pdf.pages[0].extract_text()
    assert isinstance(excinfo.value.args[0], PDFPasswordIncorrect)
    with pytest.raises(PdfminerException):
        pdfplumber.open(path, password="wrong").pages
    with pdfplumber.open(path, password=ENCRYPTED_PDF_PASSWORD) as pdf:
        assert REPORTLAB_REPORT_TRUTH.heading in pdf.pages[0].extract_text()


def test_image_only_pdf_has_no_text_layer(pdfs):
    with pdfplumber.open(pdfs["image_only.pdf"]) as pdf:
        (page,) = pdf.pages
        assert page.chars == []
        assert not (page.extract_text() or "").strip()
        assert len(page.images) == 1


def test_broken_inputs_are_broken(pdfs):
    assert pdfs["zero_byte.pdf"].stat().st_size == 0
    not_pdf = pdfs["not_a_pdf.pdf"].read_bytes()
    assert not not_pdf.startswith(b"%PDF") and not_pdf.decode("utf-8")
    whole = pdfs["reportlab_report.pdf"].read_bytes()
    truncated = pdfs["truncated.pdf"].read_bytes()
    assert truncated == whole[: len(whole) // 2] and b"%%EOF" not in truncated
    for name in ("zero_byte.pdf", "not_a_pdf.pdf", "truncated.pdf"):
        with pytest.raises(PdfminerException):
            with pdfplumber.open(pdfs[name]) as pdf:
                [page.extract_text() for page in pdf.pages]


def test_output_is_reproducible(tmp_path, pdfs):
    for name, make in (
        ("reportlab_report.pdf", edge_pdfs.reportlab_report),
        ("split_table.pdf", edge_pdfs.split_table_report),
        ("encrypted.pdf", edge_pdfs.encrypted_pdf),
        ("image_only.pdf", edge_pdfs.image_only_pdf),
    ):
        again = make(tmp_path / name)
        assert hashlib.sha256(again.read_bytes()).digest() == hashlib.sha256(pdfs[name].read_bytes()).digest(), name


def test_command_line_writes_every_fixture(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "tests.fixtures.edge_pdfs", str(tmp_path / "out")],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(FIXTURE_NAMES)
