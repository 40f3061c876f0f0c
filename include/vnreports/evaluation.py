"""Parser accuracy against hand-checked truth: precision and recall per report.

    python -m vnreports.evaluation [--json] [-v] [--no-generated]
                                   [--min-precision X] [--min-recall Y]

Two kinds of figures per report:

metadata  the twelve ReportMetadata fields (METADATA_FIELDS) against
          tests/truth/<pdf stem>.metadata.json. Per field with truth value T and parsed P:
            T == P (both set)        -> TP
            T set, P None            -> FN
            T None, P set            -> FP   (e.g. a guessed issue date)
            T set, P set, T != P     -> FP and FN (a wrong value is emitted AND the right one missed)
            T None, P None           -> not counted (a correct "no value")
          A field left out of the truth file is not scored. A truth value given as a list means
          "any of these spellings". Comparison: strings NFC, single-spaced; issuer_name,
          admin_unit_name and title also case-folded; doc_number without spaces; dates ISO.

tables    every figure in an indicator table (value and ratio columns, non-empty cells, rows
          with an indicator) against tests/truth/<prefix>_annex*.json (every such file whose
          prefix starts the PDF's name; format: see tests/truth/001_annex.json). A parsed
          IndicatorValue is correct when
            row      normalised parent path + indicator name are those of a truth row, and
            column   its header path equals the truth column's, or else its col_index does, and
            value    its value_number equals the truth number (numeric truth cells, Vietnamese
                     format "1.949,545"), or its raw text equals the truth text (text cells).
          Each truth value is matched at most once. precision = correct / emitted,
          recall = correct / truth values. A report with no table truth: nothing emitted -> n/a;
          anything emitted -> all false positives (e.g. a list of offices read as indicators).

Generated reports: the three well-formed reports of tests/fixtures/edge_pdfs.py (reportlab
ruled table, aligned-text table, table split over two pages) are written into a temporary
directory and scored against their module truth constants, labelled "generated:<name>". Two
conventions of the project are applied to that truth: a title is the heading word plus the title
line ("BÁO CÁO Tình hình ..."), and Roman-numeral group rows are not part of parent_path (as in
tests/truth/001_annex.json and the parser).

Exit code 0: the evaluation reports, it does not judge. With --min-precision / --min-recall it
exits 1 when an overall figure (all reports, metadata or tables) is below the threshold.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SAMPLES_DIR = ROOT / "include" / "sample_reports"
TRUTH_DIR = ROOT / "tests" / "truth"

METADATA_FIELDS = (
    "issuer_name",
    "admin_unit_code",
    "admin_unit_name",
    "admin_level",
    "doc_type",
    "doc_number",
    "issue_date",
    "title",
    "period_type",
    "period_start",
    "period_end",
    "plan_year",
)
_CASEFOLDED_FIELDS = {"issuer_name", "admin_unit_name", "title"}
VALUE_ROLES = ("value", "ratio")
ROMAN = {"I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV"}

# generated report file -> name of its truth constant in tests.fixtures.edge_pdfs
GENERATED = (
    ("reportlab_report", "reportlab_report", "REPORTLAB_REPORT_TRUTH"),
    ("aligned_text_table", "aligned_text_table_report", "ALIGNED_REPORT_TRUTH"),
    ("split_table", "split_table_report", "SPLIT_REPORT_TRUTH"),
)


# --------------------------------------------------------------------------- scores


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    mismatches: list[dict[str, Any]] = field(default_factory=list)
    note: str | None = None  # why a line is n/a, or what the truth was

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    def add(self, other: Score) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    def as_dict(self, mismatches: bool = True) -> dict[str, Any]:
        d: dict[str, Any] = {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": self.precision,
            "recall": self.recall,
        }
        if self.note:
            d["note"] = self.note
        if mismatches:
            d["mismatches"] = self.mismatches
        return d


@dataclass
class ReportResult:
    report: str  # label: PDF stem, or "generated:<name>"
    file: str
    generated: bool
    metadata: Score
    tables: Score
    error: str | None = None


# --------------------------------------------------------------------------- normalisation


def _text(value: Any) -> str:
    return " ".join(unicodedata.normalize("NFC", str(value)).split())


def _name_key(value: str | None) -> str:
    """Indicator / header text key: NFC, single spaces, case-folded, no spaces around - and /."""
    t = _text(value or "").casefold()
    return re.sub(r"\s*([-/])\s*", r"\1", t)


def normalise_field(name: str, value: Any) -> Any:
    """Comparable form of a metadata value (None stays None)."""
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    if name == "plan_year":
        return int(value)
    t = _text(value)
    if name == "doc_number":
        return re.sub(r"\s+", "", t)
    if name in _CASEFOLDED_FIELDS:
        return t.casefold()
    return t


def vn_number(text: str | None) -> Decimal | None:
    """Number of a truth cell in Vietnamese format ("1.949,545", "-3,21", "95,4%"); None for text.

    Deliberately independent of the parser's own number reader."""
    t = _text(text or "").replace("\u2212", "-").replace(" ", "")
    t = t.removesuffix("%")
    m = re.fullmatch(r"([+-]?)(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d+))?", t)
    if not m:
        return None
    sign, integer, fraction = m.groups()
    try:
        return Decimal(f"{sign}{integer.replace('.', '')}" + (f".{fraction}" if fraction else ""))
    except InvalidOperation:  # pragma: no cover - the pattern only lets digits through
        return None


# --------------------------------------------------------------------------- metadata


def score_metadata(parsed: Any, truth: dict[str, Any]) -> Score:
    """parsed: a ReportMetadata (or a dict of field -> value); truth: field -> value / list / None."""
    score = Score()
    for name in METADATA_FIELDS:
        if name not in truth:
            continue
        got_raw = parsed.get(name) if isinstance(parsed, dict) else getattr(parsed, name, None)
        got = normalise_field(name, got_raw)
        want = truth[name]
        accepted = [normalise_field(name, w) for w in want] if isinstance(want, list) else [normalise_field(name, want)]
        accepted = [a for a in accepted if a is not None]
        shown_got = got_raw.isoformat() if isinstance(got_raw, date) else got_raw
        if not accepted:  # truth: no value
            if got is not None:
                score.fp += 1
                score.mismatches.append({"field": name, "parsed": shown_got, "truth": None, "error": "value where the truth has none"})
        elif got is None:
            score.fn += 1
            score.mismatches.append({"field": name, "parsed": None, "truth": want, "error": "missing"})
        elif got in accepted:
            score.tp += 1
        else:
            score.fp += 1
            score.fn += 1
            score.mismatches.append({"field": name, "parsed": shown_got, "truth": want, "error": "wrong value"})
    return score


def load_metadata_truth(truth_dir: Path, pdf: Path) -> dict[str, Any] | None:
    path = truth_dir / f"{pdf.stem}.metadata.json"
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))["metadata"]


# --------------------------------------------------------------------------- table values


@dataclass(frozen=True)
class TableValue:
    """One figure: where it is (row path, column) and what it says."""

    row_path: tuple[str, ...]  # parent path + indicator name, as printed
    header_path: tuple[str, ...]
    col_index: int
    text: str  # raw cell text
    number: Decimal | None
    page: int | None = None

    @property
    def row_key(self) -> tuple[str, ...]:
        return tuple(_name_key(p) for p in self.row_path)

    @property
    def header_key(self) -> tuple[str, ...]:
        return tuple(_name_key(h) for h in self.header_path)

    def describe(self) -> dict[str, Any]:
        return {
            "row": " > ".join(self.row_path),
            "column": f"{self.col_index} {' / '.join(self.header_path)}".strip(),
            "text": self.text,
            "page": self.page,
        }


def truth_values_from_annex(doc: dict[str, Any]) -> list[TableValue]:
    """Truth figures of one tests/truth/*_annex*.json file."""
    if "columns" not in doc or "rows" not in doc:
        raise ValueError("annex truth needs 'columns' and 'rows' (format: tests/truth/001_annex.json)")
    columns = doc["columns"]
    for i, col in enumerate(columns):
        if col.get("role") is None:
            raise ValueError(f"annex truth column {i} has no 'role'")
    values: list[TableValue] = []
    for row in doc["rows"]:
        if not row.get("indicator"):
            continue
        path = tuple(row.get("parent_path") or ()) + (row["indicator"],)
        for c, text in enumerate(row["cells"]):
            if c >= len(columns) or columns[c].get("role") not in VALUE_ROLES or not _text(text or ""):
                continue
            values.append(
                TableValue(path, tuple(columns[c].get("header_path") or ()), c, _text(text), vn_number(text), row.get("page"))
            )
    return values


def annex_truth_files(truth_dir: Path, pdf: Path) -> list[Path]:
    """tests/truth/<prefix>_annex*.json files whose prefix is the PDF's stem or starts it ("001_...")."""
    found = []
    for path in sorted(truth_dir.glob("*_annex*.json")):
        prefix = path.name.split("_annex", 1)[0]
        if pdf.stem == prefix or pdf.stem.startswith(prefix + "_"):
            found.append(path)
    return found


def truth_values_from_fixture(truth: Any) -> list[TableValue]:
    """Truth figures of a tests.fixtures.edge_pdfs ReportTruth (value columns 3-5: plan, estimate, ratio)."""
    values: list[TableValue] = []
    for table in truth.tables:
        roman_names = {r.indicator for r in table.rows if r.row_label in ROMAN}
        for row, page in zip(table.rows, table.page_of_row):
            if row.row_label in ROMAN:
                continue
            path = tuple(p for p in row.parent_path if p not in roman_names) + (row.indicator,)
            for c in range(3, len(row.cells)):
                text = row.cells[c]
                if text:
                    values.append(TableValue(path, tuple(table.header_paths[c]), c, text, vn_number(text), page))
    return values


def parsed_values(report: Any) -> list[TableValue]:
    """The IndicatorValues of a ParsedReport as TableValues."""
    columns = {(t.table_index, c.col_index): c for t in report.tables for c in t.columns}
    out = []
    for v in report.values:
        col = columns.get((v.table_index, v.col_index))
        out.append(
            TableValue(
                tuple(v.row_path) if v.row_path else (v.indicator_name,),
                tuple(col.header_path) if col is not None else (),
                v.col_index,
                _text(v.raw_text or ""),
                v.value_number,
                v.page,
            )
        )
    return out


def _same_value(parsed: TableValue, truth: TableValue) -> bool:
    if truth.number is not None:
        return parsed.number is not None and parsed.number == truth.number
    return _name_key(parsed.text) == _name_key(truth.text)


def score_values(parsed: Iterable[TableValue], truth: list[TableValue] | None) -> Score:
    """Match parsed figures to truth figures (see the module docstring)."""
    parsed = list(parsed)
    score = Score()
    if truth is None:
        if not parsed:
            score.note = "no table truth, nothing emitted"
            return score
        score.fp = len(parsed)
        score.note = "no table truth: every emitted value is a false positive"
        score.mismatches = [{**p.describe(), "error": "emitted, no table truth"} for p in parsed]
        return score

    by_row: dict[tuple[str, ...], list[int]] = {}
    for i, t in enumerate(truth):
        by_row.setdefault(t.row_key, []).append(i)
    matched: set[int] = set()

    def candidates(p: TableValue) -> list[int]:
        rows = [i for i in by_row.get(p.row_key, []) if i not in matched]
        by_header = [i for i in rows if truth[i].header_key == p.header_key and p.header_key]
        by_index = [i for i in rows if truth[i].col_index == p.col_index and i not in by_header]
        return by_header + by_index

    # first the exact hits (right row, column and value), then explain the rest
    leftovers = []
    for p in parsed:
        hit = next((i for i in candidates(p) if _same_value(p, truth[i])), None)
        if hit is None:
            leftovers.append(p)
        else:
            matched.add(hit)
            score.tp += 1
    for p in leftovers:
        score.fp += 1
        cands = candidates(p)
        if cands:
            t = truth[cands[0]]
            score.mismatches.append({**p.describe(), "truth_text": t.text, "error": "wrong value"})
        elif p.row_key in by_row:
            score.mismatches.append({**p.describe(), "error": "column not in truth for this row"})
        else:
            score.mismatches.append({**p.describe(), "error": "row not in truth"})
    for i, t in enumerate(truth):
        if i not in matched:
            score.fn += 1
            score.mismatches.append({**t.describe(), "error": "missing"})
    return score


# --------------------------------------------------------------------------- running


def _parse(path: Path) -> tuple[Any, str | None]:
    from vnreports.parsing import ReportParseError, parse_report

    try:
        return parse_report(path), None
    except ReportParseError as e:
        return None, str(e)


def evaluate_report(
    path: Path,
    label: str,
    metadata_truth: dict[str, Any] | None,
    table_truth: list[TableValue] | None,
    generated: bool = False,
    table_note: str | None = None,
) -> ReportResult:
    report, error = _parse(path)
    if report is None:
        md_score = score_metadata({}, metadata_truth) if metadata_truth is not None else Score(note="no metadata truth")
        tb_score = score_values([], table_truth)
    else:
        md_score = score_metadata(report.metadata, metadata_truth) if metadata_truth is not None else Score(note="no metadata truth")
        tb_score = score_values(parsed_values(report), table_truth)
    if table_note and table_truth is not None:
        tb_score.note = table_note
    return ReportResult(label, path.name, generated, md_score, tb_score, error)


def evaluate_samples(samples_dir: Path = SAMPLES_DIR, truth_dir: Path = TRUTH_DIR) -> list[ReportResult]:
    results = []
    for pdf in sorted(samples_dir.glob("*.pdf")):
        files = annex_truth_files(truth_dir, pdf)
        table_truth = None
        if files:
            table_truth = []
            for f in files:
                try:
                    table_truth += truth_values_from_annex(json.loads(f.read_text(encoding="utf-8")))
                except (ValueError, KeyError, TypeError) as e:
                    raise ValueError(f"{f}: {e}") from e
        note = ", ".join(f.name for f in files) if files else None
        results.append(evaluate_report(pdf, pdf.stem, load_metadata_truth(truth_dir, pdf), table_truth, table_note=note))
    return results


def _fixture_metadata_truth(truth: Any) -> dict[str, Any]:
    return {
        "issuer_name": " ".join(truth.issuer_lines),
        "admin_unit_code": truth.admin_unit_code,
        "admin_unit_name": truth.admin_unit_name,
        "admin_level": truth.admin_level,
        "doc_type": truth.doc_type,
        "doc_number": truth.doc_number,
        "issue_date": truth.issue_date,
        "title": f"{truth.heading} {truth.title}",
        "period_type": truth.period_type,
        "period_start": truth.period_start,
        "period_end": truth.period_end,
        "plan_year": truth.plan_year,
    }


def evaluate_generated() -> list[ReportResult]:
    """Write the generated reports of tests/fixtures/edge_pdfs.py into a temp dir and score them."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tests.fixtures import edge_pdfs

    results = []
    with tempfile.TemporaryDirectory(prefix="vnreports-eval-") as tmp:
        for name, maker, truth_name in GENERATED:
            truth = getattr(edge_pdfs, truth_name)
            path = getattr(edge_pdfs, maker)(Path(tmp) / f"{name}.pdf")
            results.append(
                evaluate_report(
                    path,
                    f"generated:{name}",
                    _fixture_metadata_truth(truth),
                    truth_values_from_fixture(truth),
                    generated=True,
                    table_note=f"edge_pdfs.{truth_name}",
                )
            )
    return results


def totals(results: list[ReportResult]) -> dict[str, dict[str, Score]]:
    groups = {
        "samples": [r for r in results if not r.generated],
        "generated": [r for r in results if r.generated],
        "all": results,
    }
    out: dict[str, dict[str, Score]] = {}
    for group, members in groups.items():
        if not members:
            continue
        out[group] = {"metadata": Score(), "tables": Score()}
        for r in members:
            out[group]["metadata"].add(r.metadata)
            out[group]["tables"].add(r.tables)
    return out


def threshold_failures(
    overall: dict[str, dict[str, Score]], min_precision: float | None, min_recall: float | None
) -> list[str]:
    """Overall figures (all reports) below the thresholds; n/a figures do not fail."""
    failures = []
    for kind, score in overall.get("all", {}).items():
        if min_precision is not None and score.precision is not None and score.precision < min_precision:
            failures.append(f"{kind} precision {score.precision:.3f} < {min_precision}")
        if min_recall is not None and score.recall is not None and score.recall < min_recall:
            failures.append(f"{kind} recall {score.recall:.3f} < {min_recall}")
    return failures


# --------------------------------------------------------------------------- output


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def format_text(results: list[ReportResult], overall: dict[str, dict[str, Score]], verbose: bool = False) -> str:
    width = max([len(r.report) for r in results] + [len("overall generated"), 6]) + 2
    head = f"{'report':<{width}}{'kind':<10}{'TP':>5}{'FP':>5}{'FN':>5}{'precision':>11}{'recall':>9}  note"
    lines = [head, "-" * len(head)]

    def line(label: str, kind: str, s: Score, note: str | None = None) -> str:
        text = f"{label:<{width}}{kind:<10}{s.tp:>5}{s.fp:>5}{s.fn:>5}{_fmt(s.precision):>11}{_fmt(s.recall):>9}"
        return f"{text}  {note}" if note else text

    for r in results:
        for kind, s in (("metadata", r.metadata), ("tables", r.tables)):
            note = s.note
            if r.error:
                note = f"parse failed: {r.error}"
            lines.append(line(r.report, kind, s, note))
    lines.append("-" * len(head))
    for group, kinds in overall.items():
        for kind, s in kinds.items():
            lines.append(line(f"overall {group}", kind, s))
    if verbose:
        for r in results:
            for kind, s in (("metadata", r.metadata), ("tables", r.tables)):
                if s.mismatches:
                    lines.append("")
                    lines.append(f"{r.report} {kind}: {len(s.mismatches)} mismatch(es)")
                    for m in s.mismatches:
                        lines.append("  " + json.dumps(m, ensure_ascii=False, default=str))
    return "\n".join(lines)


def as_json(results: list[ReportResult], overall: dict[str, dict[str, Score]], failures: list[str]) -> dict[str, Any]:
    from vnreports.parsing import PARSER_VERSION

    return {
        "parser_version": PARSER_VERSION,
        "reports": [
            {
                "report": r.report,
                "file": r.file,
                "generated": r.generated,
                "error": r.error,
                "metadata": r.metadata.as_dict(),
                "tables": r.tables.as_dict(),
            }
            for r in results
        ],
        "overall": {g: {k: s.as_dict(mismatches=False) for k, s in kinds.items()} for g, kinds in overall.items()},
        "threshold_failures": failures,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m vnreports.evaluation", description="Parser precision and recall against the truth files."
    )
    ap.add_argument("--samples", type=Path, default=SAMPLES_DIR, help="folder of sample PDFs (default: %(default)s)")
    ap.add_argument("--truth", type=Path, default=TRUTH_DIR, help="folder of truth files (default: %(default)s)")
    ap.add_argument("--no-generated", action="store_true", help="leave out the generated reports of tests/fixtures/edge_pdfs.py")
    ap.add_argument("--json", action="store_true", help="print machine-readable results (JSON) instead of the table")
    ap.add_argument("-v", "--verbose", action="store_true", help="list every mismatch after the table")
    ap.add_argument("--min-precision", type=float, default=None, help="exit 1 when an overall precision is below this")
    ap.add_argument("--min-recall", type=float, default=None, help="exit 1 when an overall recall is below this")
    args = ap.parse_args(argv)

    results = evaluate_samples(args.samples, args.truth)
    if not args.no_generated:
        try:
            results += evaluate_generated()
        except ImportError as e:  # reportlab / matplotlib are dev dependencies
            print(f"generated reports skipped: {e} (pip install -e '.[dev]')", file=sys.stderr)
    overall = totals(results)
    failures = threshold_failures(overall, args.min_precision, args.min_recall)
    if args.json:
        print(json.dumps(as_json(results, overall, failures), ensure_ascii=False, indent=1, default=str))
    else:
        print(format_text(results, overall, verbose=args.verbose))
        for f in failures:
            print(f"BELOW THRESHOLD: {f}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
