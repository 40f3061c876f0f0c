"""An operator's way out when a report's metadata cannot be read from it.

Some reports never say which unit or period they are about (a page cut from a portal, a header
that writes only "ỦY BAN NHÂN DÂN", a commune name three provinces share). The parser leaves the
field empty and validation quarantines the report with the reason and the command that fixes it:

    vnreports metadata set 032_ducgiang.pdf --unit 18319 --period 2021-H1 --why "URL of the portal"

records an override in ``metadata_overrides.yaml`` beside the reports (in REPORTS_INBOX: it
travels with the files, an operator can read and edit it, it survives `reprocess` and a rebuilt
warehouse). Who set it, when and why are kept with it. The next DAG run (or clearing the report's
``parse`` task in the Airflow UI) parses the report again with these fields; the values show in
``staging.report.metadata_sources`` and ``marts.dim_report`` with the source
``operator_override``.

Fields: ``unit`` (a GSO code of the 2022 list), ``period`` ("2021", "2021-05", "2021-Q2",
"2021-H1", "2021-H2", "2021-9M", "2021-01/2021-10"), ``issued`` (ISO date), ``doc_number``.
"""

from __future__ import annotations

import calendar
import getpass
import os
import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import text
from sqlalchemy.engine import Engine

OVERRIDES_FILE = "metadata_overrides.yaml"
FIELDS = ("unit", "period", "issued", "doc_number")
METHOD = "operator_override"


def overrides_path(inbox: Path) -> Path:
    return Path(inbox) / OVERRIDES_FILE


def load(inbox: Path) -> dict[str, dict[str, Any]]:
    """file name (as registered: relative to the inbox) -> its override."""
    path = overrides_path(inbox)
    if not path.exists():
        return {}
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    reports = doc.get("reports") or {}
    if not isinstance(reports, dict):
        raise ValueError(f"{path}: 'reports' must map file names to their fields")
    return {str(name): dict(entry or {}) for name, entry in reports.items()}


def parse_period(label: str) -> tuple[str, date, date]:
    """"2021-H1" -> ("first_half", 2021-01-01, 2021-06-30); see the module docstring."""
    label = str(label).strip()
    m = re.fullmatch(r"(\d{4})-(\d{2})/(\d{4})-(\d{2})", label)
    if m and m.group(1) == m.group(3) and m.group(2) == "01":
        y, last = int(m.group(1)), int(m.group(4))
        return "months_to_date", date(y, 1, 1), date(y, last, calendar.monthrange(y, last)[1])
    m = re.fullmatch(r"(\d{4})(?:-(H1|H2|9M|Q[1-4]|\d{2}))?", label)
    if not m:
        raise ValueError(f"period {label!r}: write 2021, 2021-05, 2021-Q2, 2021-H1, 2021-H2, 2021-9M or 2021-01/2021-10")
    y, part = int(m.group(1)), m.group(2)

    def span(a: int, b: int) -> tuple[date, date]:
        return date(y, a, 1), date(y, b, calendar.monthrange(y, b)[1])

    if part is None:
        return ("year", *span(1, 12))
    if part == "H1":
        return ("first_half", *span(1, 6))
    if part == "H2":
        return ("second_half", *span(7, 12))
    if part == "9M":
        return ("nine_months", *span(1, 9))
    if part.startswith("Q"):
        q = int(part[1])
        return ("quarter", *span(3 * q - 2, 3 * q))
    month = int(part)
    if not 1 <= month <= 12:
        raise ValueError(f"period {label!r}: no month {month}")
    return ("month", *span(month, month))


def _unit(code: str, on: date | None = None):
    """The unit of this code valid on the report's date (the 2022 list before 2025-07-01, the
    units of the reorganisation since), else of either list."""
    from vnreports.parsing.admin_units import REFORM_DATE, unit_by_code

    unit = unit_by_code(code, on) or unit_by_code(code, REFORM_DATE) or unit_by_code(code, None)
    if unit is None:
        raise ValueError(f"unit {code!r} is no GSO code of the administrative unit lists (2022, 2025)")
    return unit


def set_override(inbox: Path, file_name: str, *, unit: str | None = None, period: str | None = None,
                 issued: str | None = None, doc_number: str | None = None, why: str | None = None,
                 who: str | None = None) -> dict[str, Any]:
    """Record (or update) the override of one report; every value is checked first."""
    fields = {"unit": unit, "period": period, "issued": issued, "doc_number": doc_number}
    given = {k: v for k, v in fields.items() if v not in (None, "")}
    if not given:
        raise ValueError("give at least one of --unit, --period, --issued, --doc-number")
    if "unit" in given:
        _unit(given["unit"])
    if "period" in given:
        parse_period(given["period"])
    if "issued" in given:
        given["issued"] = date.fromisoformat(str(given["issued"])).isoformat()
    path = overrides_path(inbox)
    doc = (yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None) or {}
    reports = doc.setdefault("reports", {})
    entry = dict(reports.get(file_name) or {})
    entry.update({k: str(v) for k, v in given.items()})
    entry["set_by"] = who or os.environ.get("VNREPORTS_OPERATOR") or getpass.getuser()
    entry["set_at"] = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    if why:
        entry["why"] = why
    reports[file_name] = entry
    tmp = path.with_suffix(".yaml.tmp")
    tmp.write_text("# Metadata set by operators (vnreports metadata set); read by every parse.\n"
                   + yaml.safe_dump(doc, allow_unicode=True, sort_keys=True), encoding="utf-8")
    tmp.replace(path)  # atomic: a parse never reads half a file
    return entry


@dataclass
class Applied:
    fields: list[str]
    note: str


def apply(metadata, entry: dict[str, Any]) -> Applied:
    """Put an override's fields into a ReportMetadata (in place), each with its source."""
    from vnreports.parsing.model import FieldSource

    who = entry.get("set_by") or "an operator"
    note = f"set by {who} at {entry.get('set_at', '?')}" + (f": {entry['why']}" if entry.get("why") else "")
    source = FieldSource(None, note, METHOD)
    changed = []
    if entry.get("period"):
        metadata.period_type, metadata.period_start, metadata.period_end = parse_period(entry["period"])
        changed += ["period_type", "period_start", "period_end"]
    if entry.get("issued"):
        metadata.issue_date = date.fromisoformat(str(entry["issued"]))
        changed.append("issue_date")
    if entry.get("unit"):
        from vnreports.parsing.admin_units import units_date

        unit = _unit(entry["unit"], units_date(metadata.issue_date, metadata.period_end))
        metadata.admin_unit_code, metadata.admin_unit_name, metadata.admin_level = unit.code, unit.name, unit.level
        changed += ["admin_unit_code", "admin_unit_name", "admin_level"]
    if entry.get("doc_number"):
        metadata.doc_number = str(entry["doc_number"])
        changed.append("doc_number")
    for name in changed:
        metadata.sources[name] = source
    return Applied(changed, note)


def requeue_overridden(engine: Engine, inbox: Path, file_names: list[str] | None = None,
                       entries: dict[str, dict[str, Any]] | None = None) -> list[str]:
    """Set back to 'discovered' every report whose override is newer than its status (its last
    parse, validation or failure), so the next parse reads it with the override. Returns the file
    names set back."""
    entries = load(inbox) if entries is None else entries
    if file_names is not None:
        entries = {k: v for k, v in entries.items() if k in set(file_names)}
    requeued = []
    with engine.begin() as conn:
        for name, entry in entries.items():
            try:
                set_at = datetime.fromisoformat(str(entry.get("set_at")))
            except ValueError:
                continue
            row = conn.execute(
                text("""
                    UPDATE raw.report_file
                       SET status = 'discovered', status_at = now(),
                           reason = 'metadata override by ' || :who || ' (was ' || status || ')'
                     WHERE file_name = :n AND status IN ('parsed', 'validated', 'loaded', 'quarantined', 'failed')
                       AND status_at < :set_at
                 RETURNING file_name
                """),
                {"n": name, "who": entry.get("set_by") or "an operator", "set_at": set_at},
            ).first()
            if row is not None:
                requeued.append(row.file_name)
    return requeued
