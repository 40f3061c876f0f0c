"""The review and curation loop behind `vnreports review`.

Figures held back from the BI tier (vnreports.confidence) wait in ``marts.indicator_review``.
A curator works through them by indicator name, most frequent first:

    vnreports review list [--limit N] [--out review.csv]   held names, counts, reasons, examples
    vnreports review apply review.csv                      the decisions filled in that worksheet
    vnreports review accept "Số hộ thoát nghèo" --code poor_households_escaped
    vnreports review accept "Số km đường giao thông" --code rural_road_km --new \\
        --name-en "Rural roads built" --topic infrastructure --unit km
    vnreports review reject "số tiền" --note "not an indicator"

Decisions are written to the catalog seeds (dbt_project/seeds), which are versioned with the
project: accept adds the name as an alias of its code in indicator_aliases.csv (and, with
--new, the code to indicator_catalog.csv); both accept and reject append a row to
curation_decisions.csv. The catalog version changes, so the next run resolves the staged
figures again (ingest.rematch_catalog): accepted figures move to the BI tier, rejected ones
stay held, and the decisions survive reprocessing because they are data of the catalog, not of
a report.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, text

from vnreports import catalog, confidence

WORKSHEET_COLUMNS = (
    "name_key", "indicator_text", "n_facts", "n_reports", "hold_reasons", "example_sentence",
    "example_report", "example_page", "suggested_code", "decision", "indicator_code", "note",
    "new_name_en", "new_topic", "new_unit",
)


class CurationError(ValueError):
    """A decision that cannot be applied; the message names the name and the reason."""


@dataclass
class HeldName:
    name_key: str
    indicator_text: str
    n_facts: int
    n_reports: int
    hold_reasons: str
    example_sentence: str | None
    example_report: str | None
    example_page: int | None
    suggested_code: str | None = None


def held_names(engine: Engine, limit: int | None = None) -> list[HeldName]:
    """Held-back figures of marts.indicator_review grouped by normalised indicator name, most
    frequent first, with their reasons and one example (the lowest page of the first report)."""
    with engine.connect() as conn:
        rows = conn.execute(text("""
            select indicator_text, name_key, hold_reasons, sentence, raw_text, report_id,
                   report_file, source_page, measure_unit
              from marts.indicator_review
             order by report_file, source_page, fact_id
        """)).all()
    groups: dict[str, dict] = {}
    for r in rows:
        key = r.name_key or catalog.normalise_name(r.indicator_text or "")
        g = groups.setdefault(key, {"texts": {}, "facts": 0, "reports": set(), "reasons": {},
                                    "example": r, "units": {}})
        g["texts"][r.indicator_text] = g["texts"].get(r.indicator_text, 0) + 1
        g["facts"] += 1
        g["reports"].add(r.report_id)
        for reason in (r.hold_reasons or "").split("; "):
            if reason:
                g["reasons"][reason] = g["reasons"].get(reason, 0) + 1
        if r.measure_unit:
            g["units"][r.measure_unit] = g["units"].get(r.measure_unit, 0) + 1
    out = []
    for key, g in groups.items():
        name = max(g["texts"], key=lambda t: (g["texts"][t], t))
        ex = g["example"]
        unit = max(g["units"], key=g["units"].get) if g["units"] else None
        suggestion = catalog.match_indicator(name, unit=unit)
        out.append(HeldName(
            name_key=key, indicator_text=name, n_facts=g["facts"], n_reports=len(g["reports"]),
            hold_reasons="; ".join(f"{reason} ({n})" for reason, n in
                                   sorted(g["reasons"].items(), key=lambda kv: (-kv[1], kv[0]))),
            example_sentence=ex.sentence or ex.raw_text, example_report=ex.report_file,
            example_page=ex.source_page, suggested_code=suggestion.code if suggestion else None,
        ))
    out.sort(key=lambda h: (-h.n_facts, -h.n_reports, h.name_key))
    return out[:limit] if limit else out


def write_worksheet(names: Iterable[HeldName], path: Path) -> int:
    """A CSV the curator fills in: decision (accept / reject / empty = later), indicator_code, note;
    for a new code also new_name_en, new_topic, new_unit."""
    n = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=WORKSHEET_COLUMNS, lineterminator="\n")
        w.writeheader()
        for h in names:
            w.writerow({**h.__dict__, "decision": "", "indicator_code": "", "note": "",
                        "new_name_en": "", "new_topic": "", "new_unit": ""})
            n += 1
    return n


def _append_rows(path: Path, columns: Iterable[str], rows: list[dict]) -> None:
    """Append rows to a seed CSV in its own style (header kept, minimal quoting, '\\n')."""
    if not rows:
        return
    data = path.read_bytes() if path.exists() else b""
    with path.open("a", encoding="utf-8", newline="") as fh:
        if not data:
            csv.writer(fh, lineterminator="\n").writerow(list(columns))
        elif not data.endswith(b"\n"):
            fh.write("\n")
        w = csv.DictWriter(fh, fieldnames=list(columns), lineterminator="\n", extrasaction="ignore")
        w.writerows(rows)


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def decide(decisions: Iterable[dict], seeds: Path | None = None) -> dict[str, int]:
    """Apply decisions ({indicator_text, decision, indicator_code?, note?, new_name_en?,
    new_topic?, new_unit?}) to the seeds; rows without a decision are skipped. All decisions
    are checked before anything is written, so a bad row changes nothing.
    Returns counts: accepted, rejected, new_codes, unchanged."""
    seeds = Path(seeds) if seeds is not None else catalog.seeds_dir()
    catalog_rows = _read(seeds / "indicator_catalog.csv")
    codes = {r["indicator_code"]: r for r in catalog_rows}
    alias_owner = {catalog.normalise_name(r["alias"]): r["indicator_code"] for r in _read(seeds / "indicator_aliases.csv")}
    for r in catalog_rows:
        alias_owner.setdefault(catalog.normalise_name(r["name_vi"]), r["indicator_code"])
    current = confidence.load_curation(seeds).decisions
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    new_codes, new_aliases, new_decisions = [], [], []
    counts = {"accepted": 0, "rejected": 0, "new_codes": 0, "unchanged": 0}
    for d in decisions:
        decision = (d.get("decision") or "").strip().lower()
        name = " ".join((d.get("indicator_text") or "").split())
        if not decision:
            continue
        if decision not in confidence.DECISIONS:
            raise CurationError(f"'{name}': decision must be accept or reject, not '{decision}'")
        key = catalog.normalise_name(name)
        if not key:
            raise CurationError(f"'{name}': an empty indicator name cannot be decided")
        code = (d.get("indicator_code") or "").strip()
        if decision == "accept":
            if not code:
                raise CurationError(f"'{name}': accept needs the indicator_code it stands for")
            if code not in codes:
                if not (d.get("new_name_en") or "").strip():
                    raise CurationError(f"'{name}': code '{code}' is not in indicator_catalog.csv; "
                                        "give new_name_en (and new_topic, new_unit) to add it")
                row = {"indicator_code": code, "name_vi": name, "name_en": d["new_name_en"].strip(),
                       "topic": (d.get("new_topic") or "other").strip(),
                       "canonical_unit": (d.get("new_unit") or "").strip(), "parent_code": "",
                       "is_rate": "true" if (d.get("new_unit") or "").strip() == "%" else "false"}
                codes[code] = row
                new_codes.append(row)
            owner = alias_owner.get(key)
            if owner is not None and owner != code:
                raise CurationError(f"'{name}': the catalog already names '{owner}' this way; "
                                    f"accepting it as '{code}' would give one name two codes")
            if owner is None:
                new_aliases.append({"indicator_code": code, "alias": name})
                alias_owner[key] = code
        else:
            code = ""
        last = current.get(key)
        if last and last["decision"] == decision and (last.get("indicator_code") or "") == code:
            counts["unchanged"] += 1
            continue
        row = {"name_key": key, "indicator_text": name, "decision": decision, "indicator_code": code,
               "decided_at": now, "note": (d.get("note") or "").strip()}
        new_decisions.append(row)
        current[key] = row
        counts["accepted" if decision == "accept" else "rejected"] += 1
    counts["new_codes"] = len(new_codes)
    _append_rows(seeds / "indicator_catalog.csv",
                 ("indicator_code", "name_vi", "name_en", "topic", "canonical_unit", "parent_code", "is_rate"),
                 new_codes)
    _append_rows(seeds / "indicator_aliases.csv", ("indicator_code", "alias"), new_aliases)
    _append_rows(confidence.curation_path(seeds), confidence.CURATION_COLUMNS, new_decisions)
    return counts


def apply_worksheet(path: Path, seeds: Path | None = None) -> dict[str, int]:
    return decide(_read(path), seeds)
