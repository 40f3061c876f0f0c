"""Parser speed on the sample reports, against pdfplumber's full table machinery.

    python -m vnreports.benchmark [--repeat N] [PDF ...]

For each PDF (default: include/sample_reports/*.pdf) it times
  baseline      pdfplumber on every page: page.find_tables() + page.extract_tables()
                + page.extract_text() (default settings; the PDF opened fresh each run)
  parse_report  vnreports.parsing.parse_report (text lines, ruled or aligned tables where the
                page has them, metadata, indicator values)
and prints pages, seconds per report and pages per second for both, totals, and the speed-up
(baseline seconds / parse_report seconds; above 1 means parse_report is faster). With
--repeat N every measurement is run N times and the median is shown. Runs are interleaved
(baseline, then parse_report, per file) so that machine load hits both alike. It only prints
figures; there are no assertions.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

import pdfplumber

from vnreports.parsing import PARSER_VERSION, parse_report

ROOT = Path(__file__).resolve().parents[2]
SAMPLES_DIR = ROOT / "include" / "sample_reports"


def baseline(path: Path) -> int:
    """pdfplumber's full table machinery plus text on every page; returns the page count."""
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.find_tables()
            page.extract_tables()
            page.extract_text()
            page.close()
        return len(pdf.pages)


def ours(path: Path) -> int:
    return parse_report(path).page_count


def _timed(fn, path: Path) -> tuple[float, int]:
    start = time.perf_counter()
    pages = fn(path)
    return time.perf_counter() - start, pages


def machine_note() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} CPUs ({cpu}), {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, pdfplumber {pdfplumber.__version__}, parser {PARSER_VERSION}"
    )


def run(pdfs: list[Path], repeat: int) -> list[dict]:
    rows = []
    for path in pdfs:
        base_times, our_times, pages = [], [], 0
        for _ in range(repeat):
            t, pages = _timed(baseline, path)
            base_times.append(t)
            t, _ = _timed(ours, path)
            our_times.append(t)
        rows.append(
            {
                "report": path.name,
                "pages": pages,
                "baseline_s": statistics.median(base_times),
                "ours_s": statistics.median(our_times),
            }
        )
    return rows


def format_rows(rows: list[dict]) -> str:
    width = max([len(r["report"]) for r in rows] + [len("total")]) + 2
    head = (
        f"{'report':<{width}}{'pages':>6}{'baseline s':>12}{'pages/s':>9}"
        f"{'parse_report s':>16}{'pages/s':>9}{'speed-up':>10}"
    )
    lines = [head, "-" * len(head)]

    def line(label: str, pages: int, b: float, o: float) -> str:
        return (
            f"{label:<{width}}{pages:>6}{b:>12.2f}{pages / b:>9.1f}"
            f"{o:>16.2f}{pages / o:>9.1f}{b / o:>9.2f}x"
        )

    for r in rows:
        lines.append(line(r["report"], r["pages"], r["baseline_s"], r["ours_s"]))
    lines.append("-" * len(head))
    pages = sum(r["pages"] for r in rows)
    lines.append(line("total", pages, sum(r["baseline_s"] for r in rows), sum(r["ours_s"] for r in rows)))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m vnreports.benchmark", description="Parser speed vs pdfplumber's table machinery.")
    ap.add_argument("pdfs", nargs="*", type=Path, help="PDFs to time (default: the sample reports)")
    ap.add_argument("--repeat", type=int, default=1, help="runs per measurement; the median is shown (default: 1)")
    args = ap.parse_args(argv)
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    pdfs = args.pdfs or sorted(SAMPLES_DIR.glob("*.pdf"))
    if not pdfs:
        ap.error(f"no PDFs (looked in {SAMPLES_DIR})")

    print(f"Benchmark {datetime.now().isoformat(timespec='minutes')}, repeat={args.repeat} (median shown)")
    print(f"Machine: {machine_note()}")
    print("baseline = pdfplumber find_tables() + extract_tables() + extract_text() on every page")
    print()
    print(format_rows(run(pdfs, args.repeat)))
    print("speed-up = baseline s / parse_report s (above 1: parse_report is faster)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
