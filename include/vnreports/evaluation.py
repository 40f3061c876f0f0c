"""Parser accuracy against hand-checked truth: precision and recall per report.

    python -m vnreports.evaluation [--json] [-v] [--no-generated]
                                   [--min-precision X] [--min-recall Y]
                                   [--narrative] [--report PREFIX] [--narrative-targets]
                                   [--narrative-min-precision [X]] [--narrative-min-recall [Y]]
    python -m vnreports.evaluation --narrative -v --report 000   # parser author: one report, mismatches

Three kinds of figures per report:

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

narrative the NarrativeFacts of ParsedReport.narrative_facts against
          tests/truth/narrative/<pdf stem>.facts.json (schema: README.md there).
          key number  a fact's value, else part_of.numerator, else change.value.
          match       a parsed fact matches a truth fact when the key numbers are equal (Decimal),
                      the units are compatible (truth unit null matches anything; otherwise equal
                      after NFC, case-folding and removing whitespace, "tạ /ha" == "tạ/ha"; a
                      change-only / part-only fact without a unit takes the change's / part's
                      unit), and the page is the same, or +-1 when the two sentences overlap (one
                      contains the other, whitespace and case ignored: a sentence over a page
                      break). One-to-one, greedily by attribute agreement (+ same page, + same
                      sentence). recall = matched truth facts / truth facts.
          judged      the truth is not exhaustive, so precision is measured where it is: a parsed
                      fact is JUDGED when
                        (a) it matches a truth fact (correct), or
                        (b) it falls on a negative (false positive): a deliberate non-fact of the
                            truth file's "negatives" ({page, text, reason, numbers?}: document
                            numbers, dates, list markers, footnote markers glued to numbers ...)
                            on its page +-1 - the negative's text occurs in the fact's sentence
                            overlapping the fact's mention (sentence[span]) and the key number is
                            one of the negative's numbers (given, or else every number in its
                            text); for a negative without explicit numbers also when the mention
                            contains the negative's text; or
                        (c) its mention lies on a LABELLED FIGURE (false positive): a number of a
                            truth fact as written in the truth sentence - its value, plan, stated
                            ratios, change or part/whole - on the page +-1. The mention is located
                            in the truth sentence through itself plus up to REGION_CONTEXT (12)
                            characters of its own sentence to the left or to the right, or through
                            the truth sentence occurring in the parsed sentence around it
                            (whitespace and case ignored). So a wrong number, a wrong unit, a
                            duplicate, or a stated ratio / plan emitted as a fact of its own count
                            against precision.
                      Every other parsed fact is UNJUDGED and reported as a count (with how many
                      lie in labelled sentences but on unlabelled numbers, e.g. "bò 48 con" next
                      to the labelled "Trâu 199 con"). precision = matched / judged.
          attributes  accuracy over matched pairs per attribute: scenario, unit (truth unit set),
                      stated_ratios (set of (value, base)), change (value, direction, kind),
                      plan_value, part_of (numerator, denominator), period (truth notation:
                      "2022", "2022-01", "2021-H1", "2022-9M", "as_of:2021-05-31"), admin_unit,
                      indicator (when vnreports.catalog.match_indicator exists: the parsed
                      indicator_code, or the match of its indicator_text, equals the match of the
                      truth's indicator_text; pairs whose truth does not match are skipped).
                      Recall per truth pattern as well.
          Targets on the samples: precision >= 0.95, recall >= 0.85 (NARRATIVE_MIN_*); like the
          other thresholds they fail the exit code only when asked (--narrative-targets).

Generated reports: the three well-formed reports of tests/fixtures/edge_pdfs.py (reportlab
ruled table, aligned-text table, table split over two pages) are written into a temporary
directory and scored against their module truth constants, labelled "generated:<name>". Two
conventions of the project are applied to that truth: a title is the heading word plus the title
line ("BÁO CÁO Tình hình ..."), and Roman-numeral group rows are not part of parent_path (as in
tests/truth/001_annex.json and the parser).

Exit code 0: the evaluation reports, it does not judge. With --min-precision / --min-recall it
exits 1 when an overall figure (all reports, metadata or tables) is below the threshold; with
--narrative-targets (or --narrative-min-precision / --narrative-min-recall [X]) when the samples'
narrative precision / recall is below 0.95 / 0.85 (or X). --narrative: narrative lines only, no
generated reports; --report PREFIX: only the sample reports whose name starts with PREFIX.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import tempfile
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
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
    narrative: NarrativeScore | None = None  # None: no narrative truth for this report
    corpus: bool = False  # a corpus excerpt (tests/fixtures/corpus_pdfs), scored on metadata


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


# --------------------------------------------------------------------------- narrative facts

NARRATIVE_DIR = "narrative"  # tests/truth/narrative/<pdf stem>.facts.json
# Targets for the narrative facts on the sample reports (checked with --narrative-targets).
NARRATIVE_MIN_PRECISION = 0.95
NARRATIVE_MIN_RECALL = 0.85
NARRATIVE_ATTRIBUTES = (
    "scenario", "unit", "stated_ratios", "change", "plan_value", "part_of", "period", "admin_unit", "indicator",
)
# Characters of context (whitespace ignored) either side of a figure when deciding whether it lies
# inside a labelled sentence.
REGION_CONTEXT = 12

_NUMBER_TOKEN = re.compile(r"\d+(?:[.,]\d+)*")


def _dec(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _get(obj: Any, name: str, default: Any = None) -> Any:
    return obj.get(name, default) if isinstance(obj, dict) else getattr(obj, name, default)


def _unit_key(unit: str | None) -> str | None:
    """Unit comparison key: NFC, case-folded, no whitespace; "m²" / "m<sup>2</sup>" -> "m2"."""
    if unit is None:
        return None
    u = _text(unit).replace("<sup>", "").replace("</sup>", "").replace("²", "2").replace("³", "3")
    return re.sub(r"\s+", "", u).casefold()


def _compact(s: str) -> tuple[str, list[int]]:
    """s without whitespace, lower-cased, with the index in s of every kept character."""
    chars, index = [], []
    for i, ch in enumerate(unicodedata.normalize("NFC", s or "")):
        if ch.isspace():
            continue
        low = ch.lower()
        chars.append(low if len(low) == 1 else ch)
        index.append(i)
    return "".join(chars), index


def _occurrences(needle: str, haystack: str) -> list[int]:
    out, i = [], haystack.find(needle) if needle else -1
    while i >= 0:
        out.append(i)
        i = haystack.find(needle, i + 1)
    return out


def numbers_in(text: str) -> set[Decimal]:
    """Every number a reader could take from text: Vietnamese-format tokens, their digit runs,
    and dot-decimal readings ("1.1" -> 1.1). Used for the negatives' numbers."""
    out: set[Decimal] = set()
    for tok in _NUMBER_TOKEN.findall(text or ""):
        for run in re.findall(r"\d+", tok):
            out.add(Decimal(run))
        n = vn_number(tok)
        if n is not None:
            out.add(n)
        if re.fullmatch(r"\d+\.\d+", tok):
            out.add(Decimal(tok))
    return out


def _number_span(sentence: str, number: Decimal | None) -> tuple[int, int] | None:
    """Span of the first number token of sentence whose value (Vietnamese format) is number."""
    if number is None:
        return None
    for m in _NUMBER_TOKEN.finditer(sentence or ""):
        tok = m.group()
        candidates = {vn_number(tok), vn_number(tok.rstrip(".,"))}
        if re.fullmatch(r"\d+\.\d+", tok):
            candidates.add(Decimal(tok))
        if number in candidates:
            return m.start(), m.end()
    return None


def _effective_unit(fact: Any) -> str | None:
    """The fact's unit; for a change-only or part/whole-only fact without one, that of the change /
    part (a parser may keep "tăng 09 vụ" as unit None + change unit "vụ")."""
    unit = _get(fact, "unit")
    if unit is not None or _dec(_get(fact, "value")) is not None:
        return unit
    for name in ("part_of", "change"):
        sub = _get(fact, name)
        if sub is not None and _get(sub, "unit") is not None:
            return _get(sub, "unit")
    return None


def key_number(fact: Any) -> Decimal | None:
    """The number a fact is matched on: value, else part_of numerator, else change value.
    fact: a truth fact (dict of strings) or a parsed NarrativeFact."""
    value = _dec(_get(fact, "value"))
    if value is not None:
        return value
    part = _get(fact, "part_of")
    if part is not None and _dec(_get(part, "numerator")) is not None:
        return _dec(_get(part, "numerator"))
    change = _get(fact, "change")
    if change is not None:
        return _dec(_get(change, "value"))
    return None


def period_label(period_type: str | None, start: date | None, end: date | None, as_of: date | None = None) -> str | None:
    """A parsed period in the truth's notation: "2022", "2022-01", "2021-H1", "2021-H2", "2022-9M",
    "2022-Q3", "as_of:2021-05-31"; None when the fact has no period."""
    if as_of is not None:
        return f"as_of:{as_of.isoformat()}"
    if period_type is None or (start is None and end is None):
        return None
    first = start or end
    year = (end or start).year if period_type == "year" else first.year
    return {
        "year": f"{year}",
        "month": f"{year}-{first.month:02d}",
        "first_half": f"{year}-H1",
        "second_half": f"{year}-H2",
        "nine_months": f"{year}-9M",
        "quarter": f"{year}-Q{(first.month - 1) // 3 + 1}",
        # "10 tháng năm 2022": January to the end of month N, as an ISO interval of months
        "months_to_date": f"{year}-01/{year}-{(end or first).month:02d}",
    }.get(period_type)


def parse_period_label(label: str | None) -> tuple[str | None, date | None, date | None, date | None]:
    """Inverse of period_label: (period_type, start, end, as_of_date)."""
    if not label:
        return None, None, None, None
    if label.startswith("as_of:"):
        return None, None, None, date.fromisoformat(label[6:])
    mtd = re.fullmatch(r"(\d{4})-01/\1-(\d{2})", label)
    if mtd:
        y, n = int(mtd.group(1)), int(mtd.group(2))
        return "months_to_date", date(y, 1, 1), (date(y, 12, 31) if n == 12 else date(y, n + 1, 1) - timedelta(days=1)), None
    m = re.fullmatch(r"(\d{4})(?:-(\d{2}|H1|H2|9M|Q[1-4]))?", label)
    if not m:
        raise ValueError(f"unknown period {label!r}")
    y, part = int(m.group(1)), m.group(2)

    def month_end(month: int) -> date:
        return date(y, 12, 31) if month == 12 else date(y, month + 1, 1) - timedelta(days=1)

    if part is None:
        return "year", date(y, 1, 1), date(y, 12, 31), None
    if part == "H1":
        return "first_half", date(y, 1, 1), date(y, 6, 30), None
    if part == "H2":
        return "second_half", date(y, 7, 1), date(y, 12, 31), None
    if part == "9M":
        return "nine_months", date(y, 1, 1), date(y, 9, 30), None
    if part.startswith("Q"):
        q = int(part[1])
        return "quarter", date(y, 3 * q - 2, 1), month_end(3 * q), None
    return "month", date(y, int(part), 1), month_end(int(part)), None


@dataclass(frozen=True)
class Negative:
    """A deliberate non-fact of the truth file: text on a page whose numbers are not facts."""

    page: int
    text: str
    reason: str
    numbers: frozenset[Decimal]
    explicit: bool  # numbers given in the truth file (only they are wrong readings of text)

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Negative:
        explicit = "numbers" in d
        nums = {Decimal(str(n)) for n in d["numbers"]} if explicit else numbers_in(d["text"])
        return cls(int(d["page"]), _text(d["text"]), d.get("reason", ""), frozenset(nums), explicit)


@dataclass
class NarrativeTruth:
    facts: list[dict[str, Any]]
    negatives: list[Negative]
    source: str | None = None


def load_narrative_truth(truth_dir: Path, pdf: Path) -> NarrativeTruth | None:
    """tests/truth/narrative/<pdf stem>.facts.json (truth_dir is tests/truth), or None."""
    path = truth_dir / NARRATIVE_DIR / f"{pdf.stem}.facts.json"
    if not path.exists():
        return None
    doc = json.loads(path.read_text(encoding="utf-8"))
    return NarrativeTruth(doc["facts"], [Negative.from_json(n) for n in doc.get("negatives", [])], doc.get("source"))


def truth_as_parsed(facts: list[dict[str, Any]]) -> list[Any]:
    """The truth facts as NarrativeFact objects: what a perfect extractor would return."""
    from vnreports.parsing.model import NarrativeFact, PartWhole, StatedRatio, ValueChange

    out = []
    for i, t in enumerate(facts):
        ptype, start, end, as_of = parse_period_label(t.get("period"))
        change = t.get("change")
        part = t.get("part_of")
        sentence = _text(t["sentence"])
        span = _number_span(sentence, key_number(t)) or (0, len(sentence))
        out.append(
            NarrativeFact(
                fact_index=i,
                page=t["page"],
                sentence=sentence,
                span=span,
                indicator_text=t.get("indicator_text") or "",
                value=_dec(t.get("value")),
                value_text=sentence[span[0]:span[1]] if t.get("value") is not None else t.get("value_text"),
                unit=t.get("unit"),
                scenario=t.get("scenario"),
                period_type=ptype,
                period_start=start,
                period_end=end,
                as_of_date=as_of,
                admin_unit_code=t.get("admin_unit"),
                stated_ratios=[StatedRatio(Decimal(r["value"]), r["base"], r.get("base_text") or "") for r in t.get("stated_ratio") or []],
                change=ValueChange(Decimal(change["value"]), change.get("unit"), change["direction"], change["kind"]) if change else None,
                part_of=PartWhole(Decimal(part["numerator"]), Decimal(part["denominator"]), part.get("unit")) if part else None,
                plan_value=_dec(t.get("plan_value")),
            )
        )
    return out


# attributes of one fact in comparable form ----------------------------------------------------


def _attrs_truth(t: dict[str, Any]) -> dict[str, Any]:
    change, part = t.get("change"), t.get("part_of")
    return {
        "scenario": t.get("scenario"),
        "unit": _unit_key(t.get("unit")),
        "stated_ratios": frozenset((Decimal(r["value"]), r["base"]) for r in t.get("stated_ratio") or []),
        "change": (Decimal(change["value"]), change["direction"], change["kind"]) if change else None,
        "plan_value": _dec(t.get("plan_value")),
        "part_of": (Decimal(part["numerator"]), Decimal(part["denominator"])) if part else None,
        "period": t.get("period"),
        "admin_unit": t.get("admin_unit"),
    }


def _attrs_parsed(p: Any) -> dict[str, Any]:
    change, part = _get(p, "change"), _get(p, "part_of")
    return {
        "scenario": _get(p, "scenario"),
        "unit": _unit_key(_get(p, "unit")),
        "stated_ratios": frozenset((_dec(_get(r, "value")), _get(r, "base")) for r in _get(p, "stated_ratios") or []),
        "change": (_dec(_get(change, "value")), _get(change, "direction"), _get(change, "kind")) if change is not None else None,
        "plan_value": _dec(_get(p, "plan_value")),
        "part_of": (_dec(_get(part, "numerator")), _dec(_get(part, "denominator"))) if part is not None else None,
        "period": period_label(_get(p, "period_type"), _get(p, "period_start"), _get(p, "period_end"), _get(p, "as_of_date")),
        "admin_unit": _get(p, "admin_unit_code"),
    }


def _shown(value: Any) -> Any:
    if isinstance(value, frozenset):
        return sorted([str(v) for v in item] for item in value)
    if isinstance(value, tuple):
        return [str(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    return value


class _Catalog:
    """vnreports.catalog.match_indicator when that module exists; codes of (text, unit, context)."""

    def __init__(self) -> None:
        self.error: str | None = None
        try:
            from vnreports import catalog  # type: ignore[attr-defined]

            self.match = getattr(catalog, "match_indicator")
        except Exception as e:  # module missing or broken: indicator accuracy is skipped
            self.match = None
            self.error = f"vnreports.catalog unavailable ({type(e).__name__}: {e})"

    def code(self, text: str | None, unit: str | None, context: str | None) -> str | None:
        if self.match is None or not text:
            return None
        try:
            try:
                got = self.match(text, unit, context)
            except TypeError:
                got = self.match(text, unit)
        except Exception as e:
            self.error = f"match_indicator failed: {type(e).__name__}: {e}"
            return None
        if got is None or isinstance(got, str):
            return got
        if isinstance(got, tuple):
            return got[0] if got else None
        for name in ("code", "indicator_code"):
            if isinstance(_get(got, name), str):
                return _get(got, name)
        return None


_CATALOG: _Catalog | None = None


def _catalog() -> _Catalog:
    global _CATALOG
    if _CATALOG is None:
        _CATALOG = _Catalog()
    return _CATALOG


# the score --------------------------------------------------------------------------------------


@dataclass
class NarrativeScore(Score):
    """tp: parsed facts matched to a truth fact (= truth facts matched); fp: judged parsed facts that
    match none; fn: truth facts not matched. unjudged: parsed facts outside the labelled region."""

    truth_count: int = 0
    unjudged: int = 0
    unjudged_in_labelled_sentences: int = 0  # of unjudged: unlabelled figures of labelled sentences
    negative_hits: int = 0
    patterns: dict[str, list[int]] = field(default_factory=dict)  # pattern -> [matched, truth]
    attributes: dict[str, list[int]] = field(default_factory=dict)  # attribute -> [correct, compared]
    attribute_mismatches: list[dict[str, Any]] = field(default_factory=list)
    unjudged_facts: list[dict[str, Any]] = field(default_factory=list)

    @property
    def judged(self) -> int:
        return self.tp + self.fp

    def add(self, other: Score) -> None:
        super().add(other)
        if isinstance(other, NarrativeScore):
            self.truth_count += other.truth_count
            self.unjudged += other.unjudged
            self.unjudged_in_labelled_sentences += other.unjudged_in_labelled_sentences
            self.negative_hits += other.negative_hits
            for mine, theirs in ((self.patterns, other.patterns), (self.attributes, other.attributes)):
                for k, (a, b) in theirs.items():
                    cur = mine.setdefault(k, [0, 0])
                    cur[0] += a
                    cur[1] += b

    def pattern_recall(self) -> dict[str, dict[str, Any]]:
        return {k: {"matched": a, "truth": b, "recall": a / b if b else None} for k, (a, b) in sorted(self.patterns.items())}

    def attribute_accuracy(self) -> dict[str, dict[str, Any]]:
        return {
            k: {"correct": a, "compared": b, "accuracy": a / b if b else None}
            for k, (a, b) in sorted(self.attributes.items(), key=lambda kv: NARRATIVE_ATTRIBUTES.index(kv[0]))
        }

    def summary(self) -> str:
        return (
            f"matched {self.tp}/{self.truth_count} truth, judged {self.judged}, unjudged {self.unjudged}"
            f" ({self.unjudged_in_labelled_sentences} in labelled sentences)"
        )

    def as_dict(self, mismatches: bool = True) -> dict[str, Any]:
        d = super().as_dict(mismatches)
        d.update(
            truth=self.truth_count,
            matched=self.tp,
            judged=self.judged,
            unjudged=self.unjudged,
            unjudged_in_labelled_sentences=self.unjudged_in_labelled_sentences,
            negative_hits=self.negative_hits,
            pattern_recall=self.pattern_recall(),
            attribute_accuracy=self.attribute_accuracy(),
        )
        if mismatches:
            d["attribute_mismatches"] = self.attribute_mismatches
            d["unjudged_facts"] = self.unjudged_facts
        return d


@dataclass
class _Parsed:
    fact: Any
    page: int
    sentence: str
    key: Decimal | None
    unit: str | None
    compact: str
    mention: tuple[int, int]  # [start, end) in compact
    attrs: dict[str, Any]

    @classmethod
    def of(cls, fact: Any) -> _Parsed:
        sentence = _text(_get(fact, "sentence") or "")
        raw = unicodedata.normalize("NFC", _get(fact, "sentence") or "")
        key = key_number(fact)
        comp, index = _compact(raw)
        span = _get(fact, "span")
        s = e = None
        if span and 0 <= span[0] < span[1] <= len(raw):
            s, e = span
        else:  # locate the figure in the sentence
            found = _number_span(raw, key)
            vt = _get(fact, "value_text")
            if found is None and vt and vt in raw:
                found = (raw.index(vt), raw.index(vt) + len(vt))
            s, e = found or (0, len(raw))
        cs = sum(1 for i in index if i < s)
        ce = sum(1 for i in index if i < e)
        return cls(fact, int(_get(fact, "page") or 0), sentence, key, _get(fact, "unit"), comp, (cs, max(ce, cs)), _attrs_parsed(fact))

    @property
    def mention_text(self) -> str:
        return self.compact[self.mention[0]:self.mention[1]]

    def describe(self) -> dict[str, Any]:
        return {
            "page": self.page,
            "indicator": _get(self.fact, "indicator_text"),
            "key": str(self.key) if self.key is not None else None,
            "value_text": _get(self.fact, "value_text"),
            "unit": self.unit,
            "sentence": self.sentence,
        }


def _sentences_overlap(a: str, b: str) -> bool:
    return bool(a) and bool(b) and (a in b or b in a)


@dataclass
class _Labelled:
    """A truth sentence (compact) and the compact spans of its labelled figures."""

    compact: str
    figures: list[tuple[int, int]]


def _labelled_figures(t: dict[str, Any]) -> _Labelled:
    """Where the numbers of a truth fact (value, plan, stated ratios, change, part/whole) are written
    in its sentence, as compact spans."""
    sentence = unicodedata.normalize("NFC", t["sentence"])
    comp, index = _compact(sentence)
    wanted = {key_number(t), _dec(t.get("value")), _dec(t.get("plan_value"))}
    wanted |= {_dec(r.get("value")) for r in t.get("stated_ratio") or []}
    if t.get("change"):
        wanted.add(_dec(t["change"].get("value")))
    if t.get("part_of"):
        wanted |= {_dec(t["part_of"].get("numerator")), _dec(t["part_of"].get("denominator"))}
    wanted.discard(None)
    unit = _unit_key(_effective_unit(t)) or ""
    # per number: its first occurrence followed by the fact's unit, else its first occurrence
    first: dict[Decimal, tuple[int, int]] = {}
    with_unit: dict[Decimal, tuple[int, int]] = {}
    for m in _NUMBER_TOKEN.finditer(sentence):
        tok = m.group()
        readings = {vn_number(tok), vn_number(tok.rstrip(".,"))}
        if re.fullmatch(r"\d+\.\d+", tok):
            readings.add(Decimal(tok))
        cs = sum(1 for i in index if i < m.start())
        span = (cs, cs + sum(1 for i in index if m.start() <= i < m.end()))
        for n in readings & wanted:
            first.setdefault(n, span)
            if unit and comp.startswith(unit, span[1]):
                with_unit.setdefault(n, span)
    return _Labelled(comp, sorted(set({**first, **with_unit}.values())))


def _mention_positions(p: _Parsed, t: str) -> list[tuple[int, int]]:
    """Where the parsed figure's mention lies in the compact labelled sentence t: found through the
    mention with up to REGION_CONTEXT characters of its own sentence to the left or to the right, or
    through t occurring inside the parsed sentence around the mention."""
    s, e = p.mention
    n = e - s
    out = []
    left = p.compact[max(0, s - REGION_CONTEXT):e]
    right = p.compact[s:e + REGION_CONTEXT]
    if left:
        out += [(o + len(left) - n, o + len(left)) for o in _occurrences(left, t)]
    if right:
        out += [(o, o + n) for o in _occurrences(right, t)]
    out += [(s - o, e - o) for o in _occurrences(t, p.compact) if o <= s and e <= o + len(t)]
    return out


def in_labelled_region(p: _Parsed, labelled: dict[int, list[_Labelled]]) -> bool:
    """Whether the parsed figure is judged: its mention lies on a labelled figure (any number of a
    truth fact: value, plan, stated ratio, change, part/whole) of a labelled sentence on its page or
    the next / previous one. Unlabelled numbers of labelled sentences are not judged (the truth is not
    exhaustive within a sentence either) unless they are negatives."""
    for page in (p.page, p.page - 1, p.page + 1):
        for t in labelled.get(page, []):
            for a, b in _mention_positions(p, t.compact):
                if not t.figures or any(a < fe and fs < max(b, a + 1) for fs, fe in t.figures):
                    return True
    return False


def in_labelled_sentence(p: _Parsed, labelled: dict[int, list[_Labelled]]) -> bool:
    """Whether the parsed figure lies anywhere inside a labelled sentence (page +-1)."""
    return any(_mention_positions(p, t.compact) for page in (p.page, p.page - 1, p.page + 1) for t in labelled.get(page, []))


def negative_hit(p: _Parsed, negatives: list[Negative]) -> Negative | None:
    """The first negative the parsed fact falls on: on its page +-1, the negative's text occurs in
    the fact's sentence overlapping the figure's mention, and the fact's key number is one of the
    negative's numbers; or (negatives without explicit numbers) the mention contains the text."""
    s, e = p.mention
    for n in negatives:
        if abs(n.page - p.page) > 1:
            continue
        needle = _compact(n.text)[0]
        if not n.explicit and needle and needle in p.mention_text:
            return n
        if p.key is None or p.key not in n.numbers:
            continue
        if any(o < e and s < o + len(needle) for o in _occurrences(needle, p.compact)):
            return n
    return None


def score_narrative(parsed_facts: Iterable[Any], truth: NarrativeTruth | None) -> NarrativeScore | None:
    """Match parsed NarrativeFacts to the truth facts of one report (see the module docstring)."""
    if truth is None:
        return None
    parsed = [_Parsed.of(f) for f in parsed_facts]
    tfacts = truth.facts
    score = NarrativeScore(truth_count=len(tfacts))
    t_attrs = [_attrs_truth(t) for t in tfacts]
    t_keys = [key_number(t) for t in tfacts]
    t_compact = [_compact(t["sentence"])[0] for t in tfacts]
    labelled: dict[int, list[_Labelled]] = {}
    for t in tfacts:
        labelled.setdefault(int(t["page"]), []).append(_labelled_figures(t))

    def compatible(p: _Parsed, i: int) -> bool:
        t = tfacts[i]
        if p.key is None or t_keys[i] is None or p.key != t_keys[i]:
            return False
        if t.get("unit") is not None and _unit_key(_effective_unit(p.fact)) != _unit_key(_effective_unit(t)):
            return False
        dp = abs(p.page - int(t["page"]))
        return dp == 0 or (dp == 1 and _sentences_overlap(p.compact, t_compact[i]))

    pairs = []
    for j, p in enumerate(parsed):
        for i in range(len(tfacts)):
            if compatible(p, i):
                agree = sum(1 for k, v in t_attrs[i].items() if p.attrs.get(k) == v)
                same_page = p.page == int(tfacts[i]["page"])
                pairs.append((-(agree + 2 * same_page + _sentences_overlap(p.compact, t_compact[i])), i, j))
    pairs.sort()
    t_match: dict[int, int] = {}
    p_match: dict[int, int] = {}
    for _, i, j in pairs:
        if i not in t_match and j not in p_match:
            t_match[i], p_match[j] = j, i

    # recall, per pattern
    for i, t in enumerate(tfacts):
        pat = t.get("pattern") or "?"
        cur = score.patterns.setdefault(pat, [0, 0])
        cur[1] += 1
        if i in t_match:
            cur[0] += 1
            score.tp += 1
        else:
            score.fn += 1
            near = [p.describe() | {"key": str(p.key)} for p in parsed if abs(p.page - int(t["page"])) <= 1 and _sentences_overlap(p.compact, t_compact[i])]
            miss = {
                "error": "missed",
                "page": t["page"],
                "pattern": pat,
                "indicator": t.get("indicator_text"),
                "key": str(t_keys[i]) if t_keys[i] is not None else None,
                "unit": t.get("unit"),
                "sentence": t["sentence"],
            }
            if near:
                miss["parsed_in_sentence"] = [f"{n['key']} {n['unit'] or ''}".strip() for n in near]
            score.mismatches.append(miss)

    # precision: judged parsed facts
    for j, p in enumerate(parsed):
        if j in p_match:
            continue
        neg = negative_hit(p, truth.negatives)
        if neg is not None:
            score.fp += 1
            score.negative_hits += 1
            score.mismatches.append({"error": f"false positive: negative '{neg.text}' ({neg.reason})", **p.describe()})
        elif in_labelled_region(p, labelled):
            score.fp += 1
            same = [i for i in range(len(tfacts)) if t_keys[i] == p.key and abs(int(tfacts[i]["page"]) - p.page) <= 1]
            unit = _effective_unit(p.fact)
            if same and all(i in t_match for i in same):
                why = "false positive: duplicate of a matched truth fact"
            elif same and _unit_key(unit) != _unit_key(_effective_unit(tfacts[same[0]])):
                why = f"false positive: unit '{unit}' vs truth '{_effective_unit(tfacts[same[0]])}'"
            elif same:
                why = "false positive: page / sentence differs from the truth fact"
            else:
                why = "false positive: on a labelled figure, but that number is not a truth fact's key (a ratio, plan or change of it?)"
            score.mismatches.append({"error": why, **p.describe()})
        else:
            score.unjudged += 1
            inside = in_labelled_sentence(p, labelled)
            score.unjudged_in_labelled_sentences += inside
            score.unjudged_facts.append({**p.describe(), "where": "labelled sentence, unlabelled figure" if inside else "outside the labelled sentences"})

    # attribute accuracy over matched pairs
    cat = _catalog()
    for i, j in sorted(t_match.items()):
        t, p = tfacts[i], parsed[j]
        wrong = {}
        for name in NARRATIVE_ATTRIBUTES:
            if name == "indicator":
                if cat.match is None:
                    continue
                want = cat.code(t.get("indicator_text"), t.get("unit"), t["sentence"])
                if want is None:
                    continue
                got = _get(p.fact, "indicator_code") or cat.code(_get(p.fact, "indicator_text"), p.unit, p.sentence)
            elif name == "unit" and t.get("unit") is None:
                continue
            else:
                want, got = t_attrs[i][name], p.attrs[name]
            cur = score.attributes.setdefault(name, [0, 0])
            cur[1] += 1
            if got == want:
                cur[0] += 1
            else:
                wrong[name] = {"truth": _shown(want), "parsed": _shown(got)}
        if wrong:
            score.attribute_mismatches.append(
                {"page": t["page"], "indicator": t.get("indicator_text"), "key": str(t_keys[i]), "sentence": t["sentence"], "wrong": wrong}
            )
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
    narrative_truth: NarrativeTruth | None = None,
) -> ReportResult:
    report, error = _parse(path)
    if report is None:
        md_score = score_metadata({}, metadata_truth) if metadata_truth is not None else Score(note="no metadata truth")
        tb_score = score_values([], table_truth)
        nr_score = score_narrative([], narrative_truth)
    else:
        md_score = score_metadata(report.metadata, metadata_truth) if metadata_truth is not None else Score(note="no metadata truth")
        tb_score = score_values(parsed_values(report), table_truth)
        nr_score = score_narrative(getattr(report, "narrative_facts", None) or [], narrative_truth)
    if table_note and table_truth is not None:
        tb_score.note = table_note
    return ReportResult(label, path.name, generated, md_score, tb_score, error, nr_score)


def evaluate_samples(
    samples_dir: Path = SAMPLES_DIR, truth_dir: Path = TRUTH_DIR, reports: list[str] | None = None
) -> list[ReportResult]:
    """Score every sample PDF (or those whose name starts with one of reports: "000", "001_66b7")."""
    results = []
    for pdf in sorted(samples_dir.glob("*.pdf")):
        if reports and not any(pdf.stem.startswith(r) for r in reports):
            continue
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
        results.append(
            evaluate_report(
                pdf,
                pdf.stem,
                load_metadata_truth(truth_dir, pdf),
                table_truth,
                table_note=note,
                narrative_truth=load_narrative_truth(truth_dir, pdf),
            )
        )
    return results


CORPUS_DIR = ROOT / "tests" / "fixtures" / "corpus_pdfs"
CORPUS_UNITS = TRUTH_DIR / "corpus" / "units.csv"


def _period_type_of(start: date, end: date) -> str | None:
    """The PERIOD_TYPES name of a span index.csv writes as start/end dates."""
    if start.year != end.year or start.day != 1:
        return None
    last = (end + timedelta(days=1)).day == 1
    if not last:
        return None
    if start.month == 1:
        return {12: "year", 6: "first_half", 9: "nine_months", 3: "quarter", 1: "month"}.get(end.month, "months_to_date")
    if start.month == end.month:
        return "month"
    if (start.month, end.month) == (7, 12):
        return "second_half"
    if end.month - start.month == 2 and start.month % 3 == 1:
        return "quarter"
    return None


def corpus_metadata_truth(index_row: dict[str, str], unit_code: str | None) -> dict[str, Any]:
    """Metadata truth of a corpus PDF from its hand-checked index.csv row (and the GSO code of the
    unit, tests/truth/corpus/units.csv). A field the index leaves empty is not scored."""
    truth: dict[str, Any] = {}
    if unit_code:
        truth["admin_unit_code"] = unit_code
    for field_name, column in (("admin_level", "admin_level"), ("doc_type", "doc_type"),
                               ("doc_number", "doc_number_as_written"), ("issue_date", "issue_date"),
                               ("period_start", "period_start"), ("period_end", "period_end")):
        value = (index_row.get(column) or "").strip()
        if value:
            truth[field_name] = value
    if truth.get("period_start") and truth.get("period_end"):
        ptype = _period_type_of(date.fromisoformat(truth["period_start"]), date.fromisoformat(truth["period_end"]))
        if ptype:
            truth["period_type"] = ptype
    return truth


def evaluate_corpus(corpus_dir: Path = CORPUS_DIR, units_file: Path = CORPUS_UNITS) -> list[ReportResult]:
    """Metadata of every corpus PDF (reports of other provinces, years and writers) against
    index.csv: `make eval` prints them as the "corpus" group."""
    index_file = corpus_dir / "index.csv"
    if not index_file.exists():
        return []
    with index_file.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if (r.get("pdf") or "").strip()]
    units: dict[str, str] = {}
    if units_file.exists():
        with units_file.open(encoding="utf-8", newline="") as fh:
            units = {r["pdf"]: r["admin_unit_code"] for r in csv.DictReader(fh)}
    results = []
    for row in rows:
        pdf = corpus_dir / row["pdf"]
        if not pdf.exists():
            continue
        result = evaluate_report(pdf, f"corpus:{pdf.stem}", corpus_metadata_truth(row, units.get(row["pdf"])), None,
                                 table_note="no table truth")
        result.corpus = True
        results.append(result)
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
        "samples": [r for r in results if not r.generated and not r.corpus],
        "corpus": [r for r in results if r.corpus],
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
        narrative = [r.narrative for r in members if r.narrative is not None]
        if narrative:
            total = NarrativeScore()
            for s in narrative:
                total.add(s)
            out[group]["narrative"] = total
    return out


def threshold_failures(
    overall: dict[str, dict[str, Score]],
    min_precision: float | None,
    min_recall: float | None,
    narrative_min_precision: float | None = None,
    narrative_min_recall: float | None = None,
) -> list[str]:
    """Overall figures below the thresholds; n/a figures do not fail.

    min_precision / min_recall: metadata and tables over all reports. narrative_min_*: the narrative
    facts over the sample reports (their own thresholds: NARRATIVE_MIN_PRECISION / _RECALL)."""
    failures = []
    for kind, score in overall.get("all", {}).items():
        if kind == "narrative":
            continue
        if min_precision is not None and score.precision is not None and score.precision < min_precision:
            failures.append(f"{kind} precision {score.precision:.3f} < {min_precision}")
        if min_recall is not None and score.recall is not None and score.recall < min_recall:
            failures.append(f"{kind} recall {score.recall:.3f} < {min_recall}")
    narrative = overall.get("samples", {}).get("narrative")
    if narrative is not None:
        if narrative_min_precision is not None and narrative.precision is not None and narrative.precision < narrative_min_precision:
            failures.append(f"narrative precision {narrative.precision:.3f} < {narrative_min_precision}")
        if narrative_min_recall is not None and narrative.recall is not None and narrative.recall < narrative_min_recall:
            failures.append(f"narrative recall {narrative.recall:.3f} < {narrative_min_recall}")
    return failures


# --------------------------------------------------------------------------- output


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def _kinds(r: ReportResult, narrative_only: bool = False) -> list[tuple[str, Score]]:
    kinds: list[tuple[str, Score]] = [] if narrative_only else [("metadata", r.metadata)]
    if not (narrative_only or r.corpus):
        kinds.append(("tables", r.tables))
    if r.narrative is not None:
        kinds.append(("narrative", r.narrative))
    return kinds


def _narrative_details(label: str, s: NarrativeScore) -> list[str]:
    """Verbose narrative block: per-pattern recall, attribute accuracy."""
    lines = [f"{label} narrative: {s.summary()}, {s.negative_hits} on negatives"]
    pats = s.pattern_recall()
    if pats:
        lines.append("  recall per pattern: " + ", ".join(f"{k} {v['matched']}/{v['truth']}" for k, v in pats.items()))
    attrs = s.attribute_accuracy()
    if attrs:
        lines.append(
            "  attribute accuracy (matched pairs): "
            + ", ".join(f"{k} {v['correct']}/{v['compared']} ({_fmt(v['accuracy'])})" for k, v in attrs.items())
        )
    return lines


def format_text(
    results: list[ReportResult], overall: dict[str, dict[str, Score]], verbose: bool = False, narrative_only: bool = False
) -> str:
    width = max([len(r.report) for r in results] + [len("overall generated"), 6]) + 2
    head = f"{'report':<{width}}{'kind':<10}{'TP':>5}{'FP':>5}{'FN':>5}{'precision':>11}{'recall':>9}  note"
    lines = [head, "-" * len(head)]

    def line(label: str, kind: str, s: Score, note: str | None = None) -> str:
        text = f"{label:<{width}}{kind:<10}{s.tp:>5}{s.fp:>5}{s.fn:>5}{_fmt(s.precision):>11}{_fmt(s.recall):>9}"
        return f"{text}  {note}" if note else text

    def note_of(s: Score) -> str | None:
        return s.summary() if isinstance(s, NarrativeScore) else s.note

    for r in results:
        for kind, s in _kinds(r, narrative_only):
            note = note_of(s)
            if r.error:
                note = f"parse failed: {r.error}"
            lines.append(line(r.report, kind, s, note))
    lines.append("-" * len(head))
    for group, kinds in overall.items():
        for kind, s in kinds.items():
            if narrative_only and kind != "narrative":
                continue
            lines.append(line(f"overall {group}", kind, s, note_of(s)))
    if "narrative" in overall.get("samples", {}):
        lines.append(
            f"narrative targets on the samples: precision >= {NARRATIVE_MIN_PRECISION}, recall >= {NARRATIVE_MIN_RECALL}"
            " (exit 1 below them with --narrative-targets); precision counts judged facts only (matched, on a"
            " negative, or on a labelled figure); unjudged facts are not scored"
        )
    if verbose:
        for r in results:
            if r.narrative is not None:
                lines.append("")
                lines += _narrative_details(r.report, r.narrative)
        narrative_total = overall.get("samples", {}).get("narrative")
        if isinstance(narrative_total, NarrativeScore):
            lines.append("")
            lines += _narrative_details("overall samples", narrative_total)
            if _catalog().error:
                lines.append(f"  indicator accuracy skipped: {_catalog().error}")
        for r in results:
            for kind, s in _kinds(r, narrative_only):
                if s.mismatches:
                    lines.append("")
                    lines.append(f"{r.report} {kind}: {len(s.mismatches)} mismatch(es)")
                    for m in s.mismatches:
                        lines.append("  " + json.dumps(m, ensure_ascii=False, default=str))
                if isinstance(s, NarrativeScore):
                    if s.attribute_mismatches:
                        lines.append("")
                        lines.append(f"{r.report} narrative: {len(s.attribute_mismatches)} matched fact(s) with wrong attributes")
                        for m in s.attribute_mismatches:
                            lines.append("  " + json.dumps(m, ensure_ascii=False, default=str))
                    if s.unjudged_facts:
                        lines.append("")
                        lines.append(f"{r.report} narrative: {len(s.unjudged_facts)} unjudged fact(s) (outside the labelled sentences, not scored)")
                        for m in s.unjudged_facts:
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
                "narrative": r.narrative.as_dict() if r.narrative is not None else None,
            }
            for r in results
        ],
        "overall": {g: {k: s.as_dict(mismatches=False) for k, s in kinds.items()} for g, kinds in overall.items()},
        "narrative_targets": {"precision": NARRATIVE_MIN_PRECISION, "recall": NARRATIVE_MIN_RECALL},
        "indicator_catalog": _catalog().error or "vnreports.catalog.match_indicator",
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
    ap.add_argument(
        "--report", action="append", metavar="PREFIX",
        help="only the sample reports whose file name starts with PREFIX (e.g. 000); repeatable; no generated reports",
    )
    ap.add_argument("--narrative", action="store_true", help="narrative facts only (no metadata/table lines, no generated reports)")
    ap.add_argument(
        "--narrative-min-precision", type=float, nargs="?", const=NARRATIVE_MIN_PRECISION, default=None,
        help=f"exit 1 when the samples' narrative precision is below this (alone: {NARRATIVE_MIN_PRECISION})",
    )
    ap.add_argument(
        "--narrative-min-recall", type=float, nargs="?", const=NARRATIVE_MIN_RECALL, default=None,
        help=f"exit 1 when the samples' narrative recall is below this (alone: {NARRATIVE_MIN_RECALL})",
    )
    ap.add_argument(
        "--narrative-targets", action="store_true",
        help=f"the narrative targets as thresholds: precision {NARRATIVE_MIN_PRECISION}, recall {NARRATIVE_MIN_RECALL}",
    )
    args = ap.parse_args(argv)
    if args.narrative_targets:
        if args.narrative_min_precision is None:
            args.narrative_min_precision = NARRATIVE_MIN_PRECISION
        if args.narrative_min_recall is None:
            args.narrative_min_recall = NARRATIVE_MIN_RECALL

    if args.report:
        results = evaluate_samples(args.samples, args.truth, reports=args.report)
        if not results:
            print(f"no sample report starts with {', '.join(args.report)}", file=sys.stderr)
            return 2
    else:
        results = evaluate_samples(args.samples, args.truth)
    if not (args.narrative or args.report):
        results = results + evaluate_corpus()
    if not (args.no_generated or args.narrative or args.report):
        try:
            results += evaluate_generated()
        except ImportError as e:  # reportlab / matplotlib are dev dependencies
            print(f"generated reports skipped: {e} (pip install -e '.[dev]')", file=sys.stderr)
    overall = totals(results)
    failures = threshold_failures(
        overall,
        None if args.narrative else args.min_precision,
        None if args.narrative else args.min_recall,
        args.narrative_min_precision,
        args.narrative_min_recall,
    )
    if args.json:
        print(json.dumps(as_json(results, overall, failures), ensure_ascii=False, indent=1, default=str))
    else:
        print(format_text(results, overall, verbose=args.verbose, narrative_only=args.narrative))
        for f in failures:
            print(f"BELOW THRESHOLD: {f}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
