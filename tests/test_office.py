"""Word reports and Excel annexes read into the same facts as their PDF (vnreports.parsing.office).

The generated reports (tests.fixtures.edge_pdfs, narrative_pdfs) are written once as PDF and once
as Word / Excel files (tests.fixtures.office_docs); both are parsed and compared: metadata,
every table figure with its header path and page, every sentence fact, the footnotes.
"""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import skip_or_fail_without
from tests.fixtures import edge_pdfs, narrative_pdfs, office_docs
from vnreports import evaluation
from vnreports.parsing.model import ReportParseError
from vnreports.parsing.office import sniff, vn_number_text
from vnreports.parsing.parser import parse_report
from vnreports.scan_eval import METADATA_FIELDS

TRUTH = edge_pdfs.REPORTLAB_REPORT_TRUTH


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("office")
    return {
        "pdf": parse_report(edge_pdfs.reportlab_report(folder / "report.pdf")),
        "docx": parse_report(office_docs.docx_report(folder / "report.docx")),
        "xlsx": parse_report(office_docs.xlsx_annex(folder / "annex.xlsx")),
        "xls": parse_report(office_docs.xls_annex(folder / "annex.xls")),
    }


def _figures(report) -> list[tuple]:
    return sorted(
        (v.table_index, v.row_index, v.col_index, v.indicator_name, v.value_number, v.role, v.scenario,
         v.period_start, v.period_end, v.measure_unit, tuple(report.tables[v.table_index].columns[v.col_index].header_path))
        for v in report.values
    )


@pytest.mark.parametrize("kind", ["docx", "xlsx", "xls"])
def test_a_word_report_and_an_excel_annex_give_the_facts_of_the_pdf(generated, kind):
    pdf, other = generated["pdf"], generated[kind]
    assert evaluation.score_metadata(other.metadata, evaluation._fixture_metadata_truth(TRUTH)).fn == 0
    for name in METADATA_FIELDS:
        assert getattr(other.metadata, name) == getattr(pdf.metadata, name), name
    truth = evaluation.truth_values_from_fixture(TRUTH)
    score = evaluation.score_values(evaluation.parsed_values(other), truth)
    assert (score.tp, score.fp, score.fn) == (len(truth), 0, 0), score.mismatches
    assert _figures(other) == _figures(pdf)
    # merged header cells read as the PDF's: "Năm 2022" over "KH năm 2022" and "Ước TH 6 tháng"
    assert [c.header_path for c in other.tables[0].columns] == [list(p) for p in edge_pdfs.HEADER_PATHS]
    # provenance: the page, the table, row and column; no box (a Word or Excel file has none)
    assert {v.page for v in other.values} == {1} and all(v.bbox is None for v in other.values)
    assert all(c.bbox is None for t in other.tables for c in t.cells)
    assert {p.extraction for p in other.pages} == {f"table+{kind}"}
    assert other.warnings == []


def test_an_excel_sheet_is_read_as_it_shows_its_numbers(tmp_path):
    """The cell holds 1234.5 with the format "#,##0.0": the report shows "1.234,5"."""
    annex = parse_report(office_docs.xlsx_annex(tmp_path / "annex.xlsx"))
    shown = {v.raw_text for v in annex.values}
    assert {"1.234,5", "25.600", "15.320,7", "98,5"} <= shown, shown
    assert "Sheet: Biểu 01" in annex.pages[0].text


@pytest.mark.parametrize(("value", "number_format", "shown"), [
    (1234.5, "#,##0.0", "1.234,5"),
    (25600, "#,##0", "25.600"),
    (25600, "General", "25.600"),
    (98.5, "General", "98,5"),
    (0.1 + 0.2, "General", "0,3"),
    (0.985, "0.0%", "98,5%"),
    (-1520.25, "#,##0.00;[Red]-#,##0.00", "-1.520,25"),
    (Decimal("7111"), "0", "7.111"),
    (3.0, "0.00", "3,00"),
])
def test_excel_numbers_are_written_the_vietnamese_way(value, number_format, shown):
    assert vn_number_text(value, number_format) == shown


def test_a_table_that_runs_onto_the_next_page_in_word_keeps_each_rows_page(tmp_path):
    """Word saves where it broke the pages (lastRenderedPageBreak): the rows after the break
    are on page 2, and the two parts are one table, as a PDF's are."""
    pdf = parse_report(edge_pdfs.reportlab_report(tmp_path / "report.pdf"))
    split = parse_report(office_docs.docx_report(tmp_path / "split.docx", page_break_after_row=6))
    assert split.page_count == 2 and len(split.tables) == 1
    rows_page = {r.row_index: r.page for r in split.tables[0].rows}
    assert {rows_page[r] for r in range(6)} == {1} and {rows_page[r] for r in range(6, len(rows_page))} == {2}
    assert [f[:-1] for f in _figures(split)] == [f[:-1] for f in _figures(pdf)]


@pytest.mark.parametrize("name", ["quan_ba", "con_cuong", "binh_gia"])
def test_a_word_report_gives_the_sentence_facts_and_footnotes_of_its_pdf(tmp_path, name):
    """The narrative reports (sentences with figures, footnotes, Word's page breaks, a table)
    written by Word: the same facts, the same footnotes; the same pages where Word broke them."""
    spec = {"quan_ba": narrative_pdfs.QUAN_BA, "con_cuong": narrative_pdfs.CON_CUONG, "binh_gia": narrative_pdfs.BINH_GIA}[name]
    pdf = parse_report(narrative_pdfs.build(name, tmp_path / "report.pdf").path)
    docx = parse_report(office_docs.docx_of_spec(spec, tmp_path / "report.docx"))

    def facts(report, with_page):
        return sorted(((f.value_text, f.value, f.indicator_text, f.unit, f.scenario, f.period_start, f.period_end,
                       f.sentence, f.footnote, f.plan_value, f.indicator_code, tuple(f.doubts))
                      + ((f.page,) if with_page else ()) for f in report.narrative_facts), key=repr)

    # con_cuong's PDF breaks its page where the text fills it, a place Word's file does not say
    # until Word lays it out: its pages are not compared
    same_pages = name != "con_cuong"
    assert len(pdf.narrative_facts) >= 15
    assert facts(docx, same_pages) == facts(pdf, same_pages)
    # spaces aside: the PDF's justified small print loses some ("dựtoán"), Word's text has them
    assert [(n.number, n.text.replace(" ", "")) for n in docx.footnotes] == \
        [(n.number, n.text.replace(" ", "")) for n in pdf.footnotes]
    assert all(n.text and n.marker_page == n.page for n in docx.footnotes)
    assert _figures(docx) == _figures(pdf) if pdf.values else not docx.values
    for field in METADATA_FIELDS:
        assert getattr(docx.metadata, field) == getattr(pdf.metadata, field), field


def test_file_kinds_are_read_from_the_content(tmp_path):
    docx = office_docs.docx_report(tmp_path / "a.bin")
    assert sniff(docx.read_bytes()) == "docx"
    assert sniff(office_docs.xlsx_annex(tmp_path / "b.pdf").read_bytes()) == "xlsx"
    assert sniff(office_docs.xls_annex(tmp_path / "c").read_bytes()) == "xls"
    assert sniff(edge_pdfs.reportlab_report(tmp_path / "d.docx").read_bytes()) == "pdf"
    assert sniff(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "WordDocument".encode("utf-16-le")) == "doc"
    assert sniff(b"") == "empty" and sniff(b"plain text") == "unknown" and sniff(b"\xff\xd8\xff\xe0") == "jpeg"
    with zipfile.ZipFile(tmp_path / "e.zip", "w") as z:
        z.writestr("data.csv", "a,b")
    assert sniff((tmp_path / "e.zip").read_bytes()) == "zip"
    # a report named .bin is parsed as what it is
    assert parse_report(docx).metadata.doc_number == TRUTH.doc_number


def _word97(docx: Path, folder: Path) -> Path:
    """The report as a Word 97-2003 file, written by LibreOffice's "MS Word 97" export (through
    ODT: LibreOffice 7.4 drops the tables of a .docx it writes to .doc directly)."""
    soffice = shutil.which("soffice")
    for target, source in (("odt", docx), ("doc:MS Word 97", folder / f"{docx.stem}.odt")):
        subprocess.run([soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{folder}/profile",
                        "--convert-to", target, "--outdir", str(folder), str(source)],
                       check=True, capture_output=True, timeout=300)
    return folder / f"{docx.stem}.doc"


def test_a_word_97_report_gives_the_facts_of_its_docx(generated, tmp_path):
    """A .doc is read through LibreOffice's conversion: the same metadata and table figures as the
    .docx it was written from; a file named .doc that Word's format does not describe fails."""
    if not shutil.which("soffice"):
        skip_or_fail_without("libreoffice-writer-nogui", "the .doc tests")
    doc = _word97(office_docs.docx_report(tmp_path / "report.docx"), tmp_path)
    assert doc.read_bytes()[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE2 compound file, as Word 97 writes
    old = parse_report(doc)
    for name in METADATA_FIELDS:
        assert getattr(old.metadata, name) == getattr(generated["docx"].metadata, name), name
    truth = evaluation.truth_values_from_fixture(TRUTH)
    score = evaluation.score_values(evaluation.parsed_values(old), truth)
    assert (score.tp, score.fp, score.fn) == (len(truth), 0, 0), score.mismatches
    assert _figures(old) == _figures(generated["docx"])
    assert old.producer.endswith("(converted from .doc)")
    damaged = tmp_path / "hỏng.doc"
    damaged.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "WordDocument".encode("utf-16-le") + b"\0" * 64)
    with pytest.raises(ReportParseError, match=r"^hỏng.doc: LibreOffice could not read the file as a Word 97-2003 document"):
        parse_report(damaged)


def test_damaged_and_old_office_files_fail_with_the_reason(tmp_path, monkeypatch):
    damaged = tmp_path / "báo cáo.docx"
    with zipfile.ZipFile(damaged, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<not-word")
    with pytest.raises(ReportParseError, match=r"^báo cáo.docx: damaged Word document"):
        parse_report(damaged)
    old = tmp_path / "cũ.doc"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "WordDocument".encode("utf-16-le") + b"\0" * 64)
    monkeypatch.setenv("PATH", str(tmp_path))  # no LibreOffice on this PATH
    with pytest.raises(ReportParseError, match=r"^cũ.doc: a Word 97-2003 document .* LibreOffice, which is not installed: "
                                               r"install it \(Debian: apt-get install libreoffice-writer-nogui\)"):
        parse_report(old)


def test_an_annex_that_states_no_unit_or_period_takes_its_reports(tmp_path):
    """"BC 15 phụ lục.xlsx" has only its table's caption: joined to "BC 15 UBND.pdf" (the one
    report file sharing its number), it reads as the report's table does."""
    from vnreports import annexes

    report_path = edge_pdfs.reportlab_report(tmp_path / "BC 15 UBND.pdf")
    edge_pdfs.split_table_report(tmp_path / "BC 16 UBND.pdf")  # another report: another number
    annex_path = office_docs.bare_xlsx_annex(tmp_path / "BC 15 phụ lục năm 2022.xlsx")
    alone = parse_report(annex_path)
    assert annexes.needs_its_report(alone) and alone.metadata.admin_unit_code is None
    assert annexes.report_of(annex_path) == report_path
    report = parse_report(report_path)
    joined = parse_report(annex_path, linked=report)
    for name in METADATA_FIELDS:
        assert getattr(joined.metadata, name) == getattr(report.metadata, name), name
    assert joined.metadata.sources["admin_unit_code"].text == "from its report BC 15 UBND.pdf"
    assert any("from its report BC 15 UBND.pdf" in w for w in joined.warnings)
    assert [f[:-1] for f in _figures(joined)] == [f[:-1] for f in _figures(report)]
    # two reports with the number: not guessed
    edge_pdfs.reportlab_report(tmp_path / "KH 15.pdf")
    assert annexes.report_of(annex_path) is None
    assert annexes.name_numbers("BC 15 tháng 5 năm 2022") == {15, 5}
