"""`vnreports extract FILE`: what the parser reads from one file, without a warehouse.

How an operator checks a new office's format before a load: metadata with where each field was
read, the indicator tables, and the sentence facts (with the BI tier each would get), as a
readable listing or as JSON. A PDF is parsed as the DAG parses it; a plain-text file (a report
copied from a portal) has no header to read, so its unit, period and issue date come from
--unit, --period and --issued, and its paragraphs are read as one page.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from vnreports import overrides


def _plain(value: Any) -> Any:
    if isinstance(value, (date, Decimal)):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _override(unit: str | None, period: str | None, issued: str | None) -> dict[str, str]:
    entry = {k: v for k, v in {"unit": unit, "period": period, "issued": issued}.items() if v}
    if entry:
        entry["set_by"] = "vnreports extract"
        entry["set_at"] = "command line"
    return entry


def extract_file(path: Path, unit: str | None = None, period: str | None = None, issued: str | None = None):
    """A ParsedReport of a PDF, or of a .txt file read as running text."""
    from vnreports.parsing import parse_report
    from vnreports.parsing.model import ParsedReport, ReportMetadata
    from vnreports.parsing.narrative import extract_narrative
    from vnreports.parsing.textflow import Paragraph
    from vnreports.parsing.textutil import nfc

    override = _override(unit, period, issued)
    if path.suffix.lower() != ".txt":
        return parse_report(path, metadata_override=override or None)
    text = nfc(path.read_text(encoding="utf-8"))
    meta = ReportMetadata()
    if override:
        overrides.apply(meta, override)
    # paragraphs are blocks between blank lines; a hard-wrapped line goes on in the next one
    chunks = [" ".join(block.split()) for block in re.split(r"\n\s*\n", text.replace("\r", ""))]
    paragraphs = [Paragraph(text=c, page_at=[(0, 1)], is_heading=False) for c in chunks if c]
    facts, unresolved = extract_narrative(paragraphs, meta)
    return ParsedReport(file_name=path.name, sha256="", page_count=1, producer="text", metadata=meta, pages=[],
                        tables=[], values=[], warnings=[], narrative_facts=facts, paragraphs=paragraphs,
                        unresolved_mentions=unresolved, footnotes=[])


def as_dict(report) -> dict[str, Any]:
    from vnreports.ingest import _CatalogMatcher, _narrative_row

    matcher = _CatalogMatcher()  # the catalog code and BI tier exactly as staging resolves them
    facts = []
    for f in report.narrative_facts:
        row = _narrative_row(f, matcher)
        facts.append({
            "page": f.page, "indicator_text": f.indicator_text, "indicator_code": row["indicator_code"], "value": f.value,
            "unit": f.unit, "scenario": f.scenario, "period": [f.period_type, f.period_start, f.period_end],
            "as_of": f.as_of_date, "plan_value": f.plan_value, "admin_unit": f.admin_unit_code,
            "stated_ratios": [[r.value, r.base] for r in f.stated_ratios],
            "change": asdict(f.change) if f.change else None, "tier": row["publication_tier"],
            "hold_reasons": json.loads(row["hold_reasons"]),
            "sentence": f.sentence,
        })
    md = report.metadata
    return _plain({
        "file": report.file_name,
        "pages": report.page_count,
        "producer": report.producer,
        "metadata": {k: v for k, v in asdict(md).items() if k != "sources"},
        "metadata_sources": {k: asdict(v) for k, v in md.sources.items()},
        "warnings": report.warnings,
        "tables": [{"pages": t.pages, "caption": t.caption, "columns": [c.header_path for c in t.columns],
                    "values": sum(1 for v in report.values if v.table_index == t.table_index)}
                   for t in report.tables],
        "table_values": len(report.values),
        "facts": facts,
        "unresolved_mentions": [{"page": u.page, "text": u.text, "reason": u.reason} for u in report.unresolved_mentions],
    })


def format_text(doc: dict[str, Any]) -> str:
    lines = [f"{doc['file']}: {doc['pages']} page(s), producer {doc['producer']!r}", "", "metadata (field: value  <- where read)"]
    for name, value in doc["metadata"].items():
        src = doc["metadata_sources"].get(name)
        where = f"  <- {src['method']} p.{src['page']}: {str(src['text'])[:70]!r}" if src else ""
        lines.append(f"  {name:<16} {value!s:<32}{where}")
    for w in doc["warnings"]:
        lines.append(f"  warning: {w}")
    lines += ["", f"tables: {len(doc['tables'])}, {doc['table_values']} values"]
    for t in doc["tables"]:
        lines.append(f"  pages {t['pages']}: {t['values']} values; columns {[' / '.join(c) for c in t['columns']][:8]}")
    published = sum(1 for f in doc["facts"] if f["tier"] == "published")
    lines += ["", f"sentence facts: {len(doc['facts'])} ({published} would be published)"]
    lines.append(f"  {'p':>3} {'tier':<9} {'value':>12} {'unit':<10} {'scenario':<9} {'period':<23} indicator")
    for f in doc["facts"]:
        period = f["as_of"] and f"as of {f['as_of']}" or (f"{f['period'][1]}..{f['period'][2]}" if f["period"][1] else "report's")
        value = f["value"] if f["value"] is not None else (f["change"] and f"Δ{f['change']['value']}") or ""
        lines.append(f"  {f['page']:>3} {f['tier']:<9} {value!s:>12} {f['unit'] or '':<10} {f['scenario']:<9} "
                     f"{period:<23} {f['indicator_text']}")
    if doc["unresolved_mentions"]:
        lines += ["", f"numbers with a unit not read as facts: {len(doc['unresolved_mentions'])}"]
        for u in doc["unresolved_mentions"][:30]:
            lines.append(f"  p{u['page']} {u['text']!r}: {u['reason']}")
    return "\n".join(lines)


def main(path: str, as_json: bool = False, unit: str | None = None, period: str | None = None,
         issued: str | None = None) -> str:
    doc = as_dict(extract_file(Path(path), unit, period, issued))
    return json.dumps(doc, ensure_ascii=False, indent=1) if as_json else format_text(doc)
