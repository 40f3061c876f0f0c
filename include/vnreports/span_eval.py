"""Precision of what the BI views publish, judged on exhaustive truth spans.

    python -m vnreports.span_eval [-v] [--report PREFIX] [--json] [--targets]

Every narrative fact the parser emits inside a labelled span (tests/truth/spans, schema in its
README) is expanded into the values the marts show for it (stg_narrative_value's slots: value,
plan, each stated ratio, change, part, whole) and resolved as staging resolves it (catalog
code, BI tier: ingest._narrative_row). Each value is matched one-to-one to the span's figure of
the same number (the figure nearest the value's mention first). Then, per value, five
dimensions are judged:

  value      a figure with that number exists in the span and the units agree
  indicator  the published name (the catalog's name when catalogued, else the text as written)
             contains every `indicator_words` entry, or the catalog code equals `indicator_code`
  scenario   same family (a plan's issuer is not compared: plan_hdnd = plan)
  period     same start and end, or the same as-of date (stocks)
  unit       same administrative unit (null = the report's own)

A value with no figure is wrong on every dimension. Precision per dimension and "all five"
over (a) every value the parser emits and (b) the published tier (what indicator_values
shows). Recall: figures matched by some value / by a published value.
Targets (--targets exits 1 below them): all-five precision of the published tier >= 0.95 on the
samples and on the corpus together.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SPANS_DIR = PROJECT_ROOT / "tests" / "truth" / "spans"
PDF_DIRS = (PROJECT_ROOT / "include" / "sample_reports", PROJECT_ROOT / "tests" / "fixtures" / "corpus_pdfs")
SAMPLE_DIR = PDF_DIRS[0]
TEXT_DIR = PROJECT_ROOT / "tests" / "fixtures" / "corpus_texts"  # corpus excerpts with no PDF (news, portals)


def _index_issue_date(file_name: str) -> str | None:
    """The issue (or posting) date index.csv records for a corpus text."""
    import csv

    with (PDF_DIRS[1] / "index.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["file"] == file_name:
                return row["issue_date"] or None
    return None
DIMENSIONS = ("value", "indicator", "scenario", "period", "admin_unit")
TARGET_ALL_FIVE = 0.95


# ------------------------------------------------------------------------------ truth notation

def period_bounds(label: str) -> tuple[date, date] | tuple[str, date]:
    """"2022" -> (2022-01-01, 2022-12-31); "as_of:2022-05-31" -> ("as_of", date)."""
    if label.startswith("as_of:"):
        return "as_of", date.fromisoformat(label[6:])
    m = re.fullmatch(r"(\d{4})-(\d{2})/(\d{4})-(\d{2})", label)
    if m:
        y2, m2 = int(m.group(3)), int(m.group(4))
        return date(int(m.group(1)), int(m.group(2)), 1), date(y2, m2, monthrange(y2, m2)[1])
    m = re.fullmatch(r"(\d{4})(?:-(\d{2}|H1|H2|9M|Q[1-4]))?", label)
    if not m:
        raise ValueError(f"unknown period {label!r}")
    y, part = int(m.group(1)), m.group(2)

    def months(a: int, b: int) -> tuple[date, date]:
        return date(y, a, 1), date(y, b, monthrange(y, b)[1])

    if part is None:
        return months(1, 12)
    if part == "H1":
        return months(1, 6)
    if part == "H2":
        return months(7, 12)
    if part == "9M":
        return months(1, 9)
    if part.startswith("Q"):
        q = int(part[1])
        return months(3 * q - 2, 3 * q)
    return months(int(part), int(part))


def _alternatives(value) -> list:
    return value if isinstance(value, list) else [value]


def scenario_family(scenario: str | None) -> str | None:
    if scenario is None:
        return None
    s = re.sub(r"_(hdnd|ubnd_tinh|ubnd)$", "", scenario)
    return {"estimate_budget": "plan", "ratio_to_estimate_budget": "ratio_to_plan"}.get(s, s)


def _unit_key(unit: str | None) -> str | None:
    from vnreports.catalog import normalise_unit

    u = normalise_unit(unit)
    if u in ("điểm %", "điểm phần trăm", "điểm"):
        return "điểm %"
    return u


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


# ------------------------------------------------------------------------------ parsed values

@dataclass
class Value:
    """One value the marts would show for a parsed fact."""

    report: str
    fact_index: int
    slot: str
    number: Decimal
    unit: str | None
    scenario: str
    period: tuple | None  # (start, end) or ("as_of", date)
    admin_unit: str | None
    indicator_name: str  # as published
    indicator_code: str | None
    tier: str
    hold_reasons: list[str]
    sentence: str
    page: int
    mention_pos: int | None = None  # offset of the value's mention in the span text, when known
    span_id: str | None = None
    figure: dict | None = None
    right: dict[str, bool] = field(default_factory=dict)

    @property
    def all_right(self) -> bool:
        return all(self.right.get(d, False) for d in DIMENSIONS)


_SHORTER_PLAN = re.compile(r"(KH|kế hoạch|chỉ tiêu)\s+(tháng|quý|vụ|[0-9]+\s+tháng)", re.IGNORECASE)


def plan_period(fact, report_meta):
    """The plan slot's period as stg_narrative_value gives it: the fact's period (else the
    report's), widened to its year when it is part of one year (a plan is set for a year) unless
    the sentence names a shorter plan; never an as-of date."""
    if fact.period_type is not None and fact.period_start and fact.period_end:
        start, end, ptype = fact.period_start, fact.period_end, fact.period_type
    elif report_meta.period_start and report_meta.period_end:
        start, end, ptype = report_meta.period_start, report_meta.period_end, report_meta.period_type
    else:
        return None
    if ptype != "year" and start.year == end.year and not _SHORTER_PLAN.search(fact.sentence):
        return date(start.year, 1, 1), date(start.year, 12, 31)
    return start, end


def fact_values(fact, report_meta, row: dict, catalog_names: dict[str, str], file_name: str) -> list[Value]:
    """The value rows of stg_narrative_value for one fact (same slots, same period rule)."""
    if fact.as_of_date is not None:
        period = ("as_of", fact.as_of_date)
    elif fact.period_type is not None and fact.period_start and fact.period_end:
        period = (fact.period_start, fact.period_end)
    elif report_meta.period_start and report_meta.period_end:
        period = (report_meta.period_start, report_meta.period_end)
    else:
        period = None
    code = row["indicator_code"]
    name = catalog_names.get(code, fact.indicator_text) if code else fact.indicator_text
    common = dict(report=file_name, fact_index=fact.fact_index, period=period, admin_unit=fact.admin_unit_code,
                  indicator_name=name, indicator_code=code, tier=row["publication_tier"],
                  hold_reasons=json.loads(row["hold_reasons"]), sentence=fact.sentence, page=fact.page)
    out = []
    if fact.value is not None:
        out.append(Value(slot="value", number=fact.value, unit=fact.unit, scenario=fact.scenario, **common))
    if fact.plan_value is not None:
        plan_common = dict(common, period=plan_period(fact, report_meta))
        out.append(Value(slot="plan", number=fact.plan_value, unit=fact.unit, scenario="plan", **plan_common))
    for i, r in enumerate(fact.stated_ratios):
        out.append(Value(slot=f"ratio:{i}", number=r.value, unit="%", scenario=f"ratio_to_{r.base}", **common))
    if fact.change is not None:
        c = fact.change
        unit = {"percentage_points": "điểm %", "percent": "%"}.get(c.kind, c.unit or fact.unit)
        out.append(Value(slot="change", number=c.value, unit=unit, scenario="change_to_previous_period", **common))
    if fact.part_of is not None:
        p = fact.part_of
        if fact.value is None or fact.value != p.numerator:
            out.append(Value(slot="part", number=p.numerator, unit=p.unit or fact.unit, scenario=fact.scenario, **common))
        out.append(Value(slot="whole", number=p.denominator, unit=p.unit or fact.unit, scenario="total", **common))
    return out


# ------------------------------------------------------------------------------ judging

def _figure_positions(span: dict) -> list[tuple[int, dict]]:
    text = span["text"]
    out = []
    for fig in span["figures"]:
        pos, n = -1, fig.get("occurrence", 1)
        for _ in range(n):
            pos = text.find(fig["text"], pos + 1)
            if pos < 0:
                break
        out.append((pos, fig))
    return out


def _name_has(name: str, words: list[str]) -> bool:
    from vnreports.catalog import normalise_name

    key = f" {normalise_name(name)} "
    low = f" {_norm(name)} "
    for entry in words:
        if not any(f" {normalise_name(alt)} " in key or f" {_norm(alt)} " in low for alt in entry.split("|")):
            return False
    return True


def judge(value: Value, fig: dict | None, report_unit: str | None) -> dict[str, bool]:
    if fig is None:
        return {d: False for d in DIMENSIONS}
    truth_unit = fig.get("unit")
    unit_ok = truth_unit is None or _unit_key(value.unit) == _unit_key(truth_unit)
    indicator_ok = bool(fig.get("indicator_code")) and value.indicator_code == fig["indicator_code"]
    indicator_ok = indicator_ok or _name_has(value.indicator_name, fig.get("indicator_words") or [])
    scenario_ok = scenario_family(value.scenario) in {scenario_family(s) for s in _alternatives(fig["scenario"])}
    period_ok = value.period is not None and any(
        period_bounds(p) == tuple(value.period) for p in _alternatives(fig.get("period")) if p)
    truth_unit_code = fig.get("admin_unit")
    parsed_unit_code = value.admin_unit if value.admin_unit not in (None, report_unit) else None
    return {"value": unit_ok, "indicator": indicator_ok, "scenario": scenario_ok, "period": period_ok,
            "admin_unit": parsed_unit_code == truth_unit_code}


@dataclass
class ReportEval:
    file_name: str
    group: str  # "samples" | "corpus" (PDFs) | "texts" (corpus excerpts without a PDF)
    figures: int
    values: list[Value]
    matched_figures: set = field(default_factory=set)
    published_figures: set = field(default_factory=set)


def _locate(sentence: str, span_text: str) -> int | None:
    """Offset of the sentence in the span text (whitespace and case ignored), else None."""
    s, t = _norm(sentence), _norm(span_text)
    if not s:
        return None
    i = t.find(s)
    if i < 0:
        return None
    # map back to the span text's own offsets (collapse whitespace the same way)
    raw = span_text
    j = k = 0
    while k < i and j < len(raw):
        if raw[j].isspace():
            while j < len(raw) and raw[j].isspace():
                j += 1
            k += 1
        else:
            j += 1
            k += 1
    return j


def evaluate_file(span_file: Path) -> ReportEval:
    from vnreports import catalog
    from vnreports.ingest import _CatalogMatcher, _narrative_row
    from vnreports.parsing import parse_report

    doc = json.loads(span_file.read_text(encoding="utf-8"))
    if doc["source"].endswith(".txt"):
        # a page copied from a portal has no header: read as `vnreports extract FILE.txt --unit
        # --period --issued` reads it, with the unit and period of the truth and index.csv's date
        from vnreports.extract import extract_file

        pdf = TEXT_DIR / doc["source"]
        if not pdf.exists():
            raise FileNotFoundError(f"{span_file.name}: source text {pdf} not found")
        report = extract_file(pdf, unit=doc.get("report_unit"), period=doc.get("report_period"),
                              issued=_index_issue_date(doc["source"]))
    else:
        pdf = next((d / doc["source"] for d in PDF_DIRS if (d / doc["source"]).exists()), None)
        if pdf is None:
            raise FileNotFoundError(f"{span_file.name}: source PDF {doc['source']} not found in {PDF_DIRS}")
        report = parse_report(pdf)
    matcher = _CatalogMatcher()
    names = {i.code: i.name_vi for i in catalog.indicators()}
    spans = doc["spans"]
    values: list[Value] = []
    for fact in report.narrative_facts:
        # the span whose text holds the fact's sentence, on the fact's page
        hit = None
        for span in spans:
            if fact.page not in span["pages"] and fact.page - 1 not in span["pages"]:
                continue
            at = _locate(fact.sentence, span["text"])
            if at is not None:
                hit = (span, at)
                break
        if hit is None:
            continue
        span, at = hit
        row = _narrative_row(fact, matcher)
        for v in fact_values(fact, report.metadata, row, names, pdf.name):
            v.span_id = span["span_id"]
            v.mention_pos = at + fact.span[0]  # the fact's mention; its other figures are near it
            values.append(v)
    # one-to-one matching per span: values in reading order, each to the nearest unused figure
    # with its number (within the fact's sentence first)
    by_span = {s["span_id"]: s for s in spans}
    used: set[tuple[str, int]] = set()
    report_unit = report.metadata.admin_unit_code
    # a report without its unit or period is quarantined by validation: nothing of it is published
    quarantined = not (report.metadata.admin_unit_code and report.metadata.period_type)
    for v in values:
        if quarantined:
            v.tier, v.hold_reasons = "quarantined", ["report quarantined (unit or period not resolved)"]
        span = by_span[v.span_id]
        cands = [(pos, i, fig) for i, (pos, fig) in enumerate(_figure_positions(span))
                 if (span["span_id"], i) not in used and Decimal(fig["value"]) == abs(v.number)]
        if cands:
            pos, i, fig = min(cands, key=lambda c: (abs(c[0] - (v.mention_pos or 0)), c[1]))
            used.add((span["span_id"], i))
            v.figure = fig
            v.figure_key = (span["span_id"], i)
        v.right = judge(v, v.figure, report_unit)
    group = "samples" if pdf.parent == SAMPLE_DIR else ("texts" if pdf.suffix == ".txt" else "corpus")
    result = ReportEval(pdf.name, group,
                        sum(len(s["figures"]) for s in spans), values)
    for v in values:
        if v.figure is not None:
            result.matched_figures.add(v.figure_key)
            if v.tier == "published":
                result.published_figures.add(v.figure_key)
    return result


# ------------------------------------------------------------------------------ report

def summarise(evals: list[ReportEval]) -> dict:
    def block(values: list[Value]) -> dict:
        n = len(values)
        out = {"values": n}
        for d in DIMENSIONS:
            out[d] = sum(v.right[d] for v in values) / n if n else None
        out["all_five"] = sum(v.all_right for v in values) / n if n else None
        out["all_five_right"] = sum(v.all_right for v in values)
        return out

    values = [v for e in evals for v in e.values]
    published = [v for v in values if v.tier == "published"]
    figures = sum(e.figures for e in evals)
    return {
        "reports": len(evals),
        "figures": figures,
        "emitted": block(values),
        "published": block(published),
        "recall_emitted": sum(len(e.matched_figures) for e in evals) / figures if figures else None,
        "recall_published": sum(len(e.published_figures) for e in evals) / figures if figures else None,
    }


def _fmt(x) -> str:
    return "  n/a" if x is None else f"{x:.3f}"


def format_summary(label: str, s: dict) -> list[str]:
    lines = [f"{label}: {s['reports']} reports, {s['figures']} labelled figures in spans"]
    for tier in ("emitted", "published"):
        b = s[tier]
        dims = "  ".join(f"{d} {_fmt(b[d])}" for d in DIMENSIONS)
        lines.append(f"  {tier:<9} values {b['values']:>4}  all-five {_fmt(b['all_five'])} "
                     f"({b['all_five_right']}/{b['values']})  {dims}")
    lines.append(f"  recall    emitted {_fmt(s['recall_emitted'])}  published {_fmt(s['recall_published'])}")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m vnreports.span_eval", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-v", "--verbose", action="store_true", help="list every wrong value")
    ap.add_argument("--published-only", action="store_true", help="with -v: only wrong published values")
    ap.add_argument("--report", help="only span files whose name starts with this")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--targets", action="store_true", help=f"exit 1 when published all-five < {TARGET_ALL_FIVE}")
    args = ap.parse_args(argv)
    files = sorted(SPANS_DIR.glob("*.spans.json"))
    if args.report:
        files = [f for f in files if f.name.startswith(args.report)]
    evals = [evaluate_file(f) for f in files]
    groups = {"samples": [e for e in evals if e.group == "samples"],
              "corpus": [e for e in evals if e.group == "corpus"],
              "corpus texts": [e for e in evals if e.group == "texts"], "all": evals}
    summary = {k: summarise(v) for k, v in groups.items() if v}
    if args.json:
        print(json.dumps(summary, indent=1, default=str))
    else:
        print("Exhaustive spans (tests/truth/spans): every value the parser emits inside a labelled span is judged")
        for k, s in summary.items():
            print("\n".join(format_summary(k, s)))
        if args.verbose:
            for e in evals:
                for v in e.values:
                    if v.all_right or (args.published_only and v.tier != "published"):
                        continue
                    wrong = ",".join(d for d in DIMENSIONS if not v.right[d])
                    fig = v.figure
                    print(f"\n{e.file_name} p{v.page} [{v.tier}] {v.slot} {v.number} {v.unit or ''} "
                          f"'{v.indicator_name}' {v.scenario} {v.period} unit={v.admin_unit}  WRONG: {wrong}")
                    if fig:
                        print(f"    truth: {fig['indicator']} {fig.get('indicator_words')} {fig['scenario']} "
                              f"{fig.get('period')} unit={fig.get('admin_unit')} ({fig.get('unit')})")
                    print(f"    sentence: {v.sentence[:200]}")
                    if v.hold_reasons:
                        print(f"    held: {'; '.join(v.hold_reasons)}")
    all_five = summary.get("all", {}).get("published", {}).get("all_five")
    if args.targets and (all_five is None or all_five < TARGET_ALL_FIVE):
        print(f"published all-five precision {_fmt(all_five)} < {TARGET_ALL_FIVE}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
