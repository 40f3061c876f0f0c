"""Exhaustive truth spans: paragraphs in which EVERY figure is labelled by hand.

The narrative truth of tests/truth/narrative labels figures, not paragraphs, so a parsed fact
next to a labelled one cannot be judged. A span file instead lists whole paragraphs (as the
parser's text flow reads them) and every figure written in each, so that every fact the parser
emits inside a span is judged on all five dimensions a BI user sees (value and unit,
indicator, scenario, period, administrative unit).

Spans are chosen, not cherry-picked: for the sample reports a seeded random draw of the
paragraphs that contain a digit (SAMPLE_SPANS_PER_REPORT per report, seed SPAN_SEED); for the
corpus report excerpts every paragraph that contains a digit.

    python -m vnreports.span_truth skeleton PDF [PDF ...] --out tests/truth/spans [--all]

writes ``<pdf stem>.spans.json`` with the chosen paragraphs and an empty ``figures`` list for
the labeller to fill (an existing file is never overwritten). Schema: tests/truth/spans/README.md.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

SPAN_SEED = 11
SAMPLE_SPANS_PER_REPORT = 12


def candidate_paragraphs(report) -> list[dict]:
    """Body and footnote paragraphs that contain a digit, with page(s) and text."""
    out = []
    for i, para in enumerate(report.paragraphs):
        if para.is_heading or not re.search(r"\d", para.text):
            continue
        pages = sorted({p for _, p in para.page_at})
        out.append({"paragraph_index": i, "pages": pages, "footnote": para.footnote, "text": para.text})
    return out


def choose_spans(report, take_all: bool) -> list[dict]:
    cands = candidate_paragraphs(report)
    if take_all or len(cands) <= SAMPLE_SPANS_PER_REPORT:
        chosen = cands
    else:
        rng = random.Random(f"{SPAN_SEED}:{report.file_name}")
        chosen = sorted(rng.sample(cands, SAMPLE_SPANS_PER_REPORT), key=lambda c: c["paragraph_index"])
    return [{"span_id": f"p{c['paragraph_index']}", **c, "figures": []} for c in chosen]


def write_skeleton(pdf: Path, out_dir: Path, take_all: bool) -> Path | None:
    from vnreports.parsing import parse_report

    target = out_dir / f"{pdf.stem}.spans.json"
    if target.exists():
        print(f"{target}: exists, left as is", file=sys.stderr)
        return None
    report = parse_report(pdf)
    doc = {
        "source": pdf.name,
        "selection": "every paragraph with a digit" if take_all else
                     f"random {SAMPLE_SPANS_PER_REPORT} paragraphs with a digit (seed {SPAN_SEED})",
        "report_unit": report.metadata.admin_unit_code,
        "spans": choose_spans(report, take_all),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return target


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m vnreports.span_truth")
    sub = ap.add_subparsers(dest="cmd", required=True)
    sk = sub.add_parser("skeleton", help="choose the spans of PDFs and write empty span files")
    sk.add_argument("pdfs", nargs="+", type=Path)
    sk.add_argument("--out", type=Path, default=Path("tests/truth/spans"))
    sk.add_argument("--all", action="store_true", help="every paragraph with a digit (short excerpts)")
    args = ap.parse_args(argv)
    for pdf in args.pdfs:
        written = write_skeleton(pdf, args.out, args.all)
        if written:
            print(written)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
