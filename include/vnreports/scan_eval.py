"""`make eval`'s scan figures: the parser on scans of the sample reports, against their text PDFs.

    python -m vnreports.scan_eval [--dpi 200,300] [--speed]

For each sample report: its first two pages (header, running text) and up to four pages holding
its indicator tables are cut out as a text PDF and scanned as an office scans (vnreports.scans:
turned 0.4°, specks, a red seal over the header) at each dpi. Both are parsed; the text PDF's
reading is the reference. Printed per report and dpi:

- metadata: fields equal to the text PDF's (of issuer, unit, level, type, number, date, period
  type/start/end, plan year);
- table figures: read as in the text PDF (same row, column, meaning and value), published (not
  doubted) and right, published and WRONG (the figure the product must never show), held;
- sentence figures: recall of the text PDF's (value, unit), and those kept for the BI views whose
  number is not written on the page (WRONG);
- OCR pages/s (one core: Tesseract runs one thread per page).

Also the reportlab report of tests/fixtures (never a sample) scanned, against its own truth.
`--speed` prints only the OCR rate on six pages (what `make bench` shows).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from vnreports import config

METADATA_FIELDS = ("issuer_name", "admin_unit_code", "admin_level", "doc_type", "doc_number", "issue_date",
                   "period_type", "period_start", "period_end", "plan_year")


@dataclass
class ScanResult:
    report: str
    dpi: int
    pages: int
    seconds: float
    metadata_equal: int
    table_expected: int
    table_read_right: int
    table_published_right: int
    table_published_wrong: int
    table_held: int
    facts_expected: int
    facts_found: int
    facts_kept_wrong: int


def _pages_to_scan(text_report, page_count: int, table_pages: int = 4) -> list[int]:
    tables = sorted({v.page for v in text_report.values})[:table_pages]
    return sorted({1, min(2, page_count), *tables})


def _pairs(text_values, scan_values) -> tuple[dict[int, object], list]:
    """Each scan figure paired with the text PDF's figure of the same meaning (column's role,
    scenario, period) at the same place: same page and column, the row's middle within 6 pt. A
    table's index or a row's number may differ where a scan's table is joined otherwise across
    pages, and OCR may misspell a row's name. Returns {id(scan figure): text figure}, and the text
    figures no scan figure matched."""
    def where(v):
        return (v.page, v.col_index, v.role, v.scenario, v.period_type, v.period_start)

    def middle(v):
        return (v.bbox[1] + v.bbox[3]) / 2 if v.bbox else 0.0

    by_where: dict[tuple, list] = {}
    for t in text_values:
        by_where.setdefault(where(t), []).append(t)
    pairs, used = {}, set()
    for v in scan_values:
        near = [t for t in by_where.get(where(v), []) if id(t) not in used and abs(middle(t) - middle(v)) <= 6]
        if near:
            best = min(near, key=lambda t: abs(middle(t) - middle(v)))
            pairs[id(v)] = best
            used.add(id(best))
    return pairs, [t for t in text_values if id(t) not in used]


def compare(text_report, scan_report, report: str, dpi: int, seconds: float) -> ScanResult:
    pairs, _ = _pairs(text_report.values, scan_report.values)

    def right(v) -> bool:
        t = pairs.get(id(v))
        return t is not None and t.value_number == v.value_number and t.value_text == v.value_text

    facts = {(f.value, f.unit) for f in text_report.narrative_facts}
    found = {(f.value, f.unit) for f in scan_report.narrative_facts}
    page_text = {p.page_no: " ".join(p.text.split()) for p in text_report.pages}
    kept_wrong = [f for f in scan_report.narrative_facts
                  if f.value_text and not f.doubts and f.value_text not in page_text.get(f.page, "")]
    return ScanResult(
        report=report, dpi=dpi, pages=scan_report.page_count, seconds=seconds,
        metadata_equal=sum(getattr(scan_report.metadata, f) == getattr(text_report.metadata, f) for f in METADATA_FIELDS),
        table_expected=len(text_report.values), table_read_right=sum(map(right, scan_report.values)),
        table_published_right=sum(1 for v in scan_report.values if right(v) and not v.doubts),
        table_published_wrong=sum(1 for v in scan_report.values if not right(v) and not v.doubts),
        table_held=sum(1 for v in scan_report.values if v.doubts),
        facts_expected=len(facts), facts_found=len(facts & found), facts_kept_wrong=len(kept_wrong),
    )


def evaluate_samples(dpis: list[int], folder: Path) -> list[ScanResult]:
    from vnreports.parsing import parse_report
    from vnreports.scans import make_scan, subset_pdf

    results = []
    for sample in sorted(config.SAMPLE_REPORTS_DIR.glob("*.pdf")):
        whole = parse_report(sample)
        pages = _pages_to_scan(whole, whole.page_count)
        text_pdf = subset_pdf(sample, folder / f"{sample.stem}.text.pdf", pages)
        text_report = parse_report(text_pdf)
        for dpi in dpis:
            scan = make_scan(sample, folder / f"{sample.stem}.scan{dpi}.pdf", dpi=dpi, pages=pages)
            start = time.perf_counter()
            scan_report = parse_report(scan)
            results.append(compare(text_report, scan_report, sample.name, dpi, time.perf_counter() - start))
    return results


def evaluate_never_seen(dpis: list[int], folder: Path) -> list[ScanResult]:
    """The reportlab report of tests/fixtures/edge_pdfs (its own truth, never a sample), scanned."""
    try:
        from tests.fixtures import edge_pdfs
    except ImportError:  # an installed package without the tests
        return []
    from vnreports.parsing import parse_report

    text_report = parse_report(edge_pdfs.reportlab_report(folder / "reportlab.text.pdf"))
    results = []
    for dpi in dpis:
        scan = edge_pdfs.scanned_report(folder / f"reportlab.scan{dpi}.pdf", dpi=dpi)
        start = time.perf_counter()
        scan_report = parse_report(scan)
        results.append(compare(text_report, scan_report, "generated reportlab report", dpi, time.perf_counter() - start))
    return results


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.3f}" if b else "-"


def format_table(results: list[ScanResult]) -> str:
    head = ["report", "dpi", "pages", "OCR pages/s", "metadata", "table read right", "table published right",
            "table published WRONG", "table held", "sentence recall", "sentence kept WRONG"]
    lines = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    for r in results:
        lines.append("| " + " | ".join([
            r.report, str(r.dpi), str(r.pages), f"{r.pages / r.seconds:.2f}",
            f"{r.metadata_equal}/{len(METADATA_FIELDS)}",
            f"{r.table_read_right}/{r.table_expected} ({_ratio(r.table_read_right, r.table_expected)})",
            f"{r.table_published_right}/{r.table_expected} ({_ratio(r.table_published_right, r.table_expected)})",
            str(r.table_published_wrong), str(r.table_held),
            f"{r.facts_found}/{r.facts_expected} ({_ratio(r.facts_found, r.facts_expected)})",
            str(r.facts_kept_wrong),
        ]) + " |")
    for dpi in sorted({r.dpi for r in results}):
        rs = [r for r in results if r.dpi == dpi]
        pages, seconds = sum(r.pages for r in rs), sum(r.seconds for r in rs)
        t_exp = sum(r.table_expected for r in rs)
        lines.append(
            f"\nAll at {dpi} dpi: metadata {sum(r.metadata_equal for r in rs)}/{len(rs) * len(METADATA_FIELDS)}, "
            f"table read right {_ratio(sum(r.table_read_right for r in rs), t_exp)}, published right "
            f"{_ratio(sum(r.table_published_right for r in rs), t_exp)}, published WRONG "
            f"{sum(r.table_published_wrong for r in rs)}, sentence recall "
            f"{_ratio(sum(r.facts_found for r in rs), sum(r.facts_expected for r in rs))}, sentence kept WRONG "
            f"{sum(r.facts_kept_wrong for r in rs)}; OCR {pages} pages in {seconds:.0f} s = {pages / seconds:.2f} pages/s per core")
    return "\n".join(lines)


def speed(folder: Path, dpi: int = 300) -> str:
    """OCR pages/s on six pages of the province report (its text and its table pages)."""
    from vnreports.parsing import parse_report
    from vnreports.scans import make_scan

    sample = sorted(config.SAMPLE_REPORTS_DIR.glob("*.pdf"))[1]
    whole = parse_report(sample)
    pages = _pages_to_scan(whole, whole.page_count)
    scan = make_scan(sample, folder / "speed.pdf", dpi=dpi, pages=pages)
    start = time.perf_counter()
    parse_report(scan)
    seconds = time.perf_counter() - start
    return (f"OCR ({dpi} dpi scan of {sample.name}, pages {pages}): {len(pages)} pages in {seconds:.1f} s = "
            f"{len(pages) / seconds:.2f} pages/s on one core (parse included)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m vnreports.scan_eval", description=__doc__.split("\n")[0])
    ap.add_argument("--dpi", default="200,300", help="scan resolutions (default: %(default)s)")
    ap.add_argument("--speed", action="store_true", help="only the OCR rate (make bench)")
    args = ap.parse_args(argv)
    from vnreports.parsing import ocr

    missing = ocr.unavailable_reason()
    if missing:
        print(f"scan figures skipped: {missing}")
        return 0
    with tempfile.TemporaryDirectory(prefix="vnreports-scan-eval-") as tmp:
        if args.speed:
            print(speed(Path(tmp)))
            return 0
        dpis = [int(d) for d in args.dpi.split(",") if d.strip()]
        print("Scans of the sample reports (and of a generated report), read against their text PDFs:")
        results = evaluate_samples(dpis, Path(tmp)) + evaluate_never_seen(dpis, Path(tmp))
        print(format_table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
