"""Discover report files in the inbox, stage parsed reports, and record each file's outcome.

Every step is idempotent so that an operator can clear and re-run any task:
- discovery inserts a file once per (name, content); the same content under a new name is a
  duplicate, recorded but never parsed;
- staging replaces a report's rows (delete-then-insert by report_id) in one transaction;
- status changes only move forward for the file they name.
Source files are only read, never moved, renamed or deleted.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from vnreports.parsing.model import NarrativeFact, ParsedReport

log = logging.getLogger(__name__)

# Held while registering files so two concurrent runs never register the same content twice.
DISCOVERY_LOCK_KEY = 7_411_002
# With a report's id (hashtext), held by the run parsing that report: two runs never parse and
# stage the same file at once (see claim_report).
PARSE_CLAIM_LOCK_KEY = 7_411_003
# Statuses a report can be set back to 'discovered' from (reprocess); duplicates are never parsed.
REPROCESSABLE = ("parsed", "validated", "loaded", "quarantined", "failed")
# Files that are still being written are left for the next run.
DEFAULT_SETTLE_SECONDS = 2.0


@dataclass
class InboxFile:
    file_id: int
    report_id: str
    file_name: str
    file_path: str


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def is_inbox_file(path: Path, inbox: Path) -> bool:
    """Every file under the inbox is a report to read or to report on, but for the project's own
    file of operators' metadata (vnreports.overrides) at its root."""
    from vnreports.overrides import OVERRIDES_FILE

    return path.is_file() and path != inbox / OVERRIDES_FILE


def file_kind(path: Path) -> str:
    """What the file is, from its content (parsing.office.sniff): "pdf", "docx", "xlsx", ...;
    a report renamed .pdf, or a PDF named .bin, is what it is."""
    from vnreports.parsing.office import sniff

    try:
        return sniff(path.read_bytes())
    except OSError:
        return "unreadable"


def is_readable_kind(kind: str | None) -> bool:
    """PDF (text or scan), Word (.docx, .doc through LibreOffice), Excel (.xlsx, .xls)."""
    from vnreports.parsing.office import READABLE_KINDS

    return kind in READABLE_KINDS


def unsupported_reason(file_name: str, kind: str) -> str:
    from vnreports.parsing.office import KIND_WORDS

    words = KIND_WORDS.get(kind, "an unreadable file" if kind == "unreadable" else f"a file of kind {kind}")
    if kind in ("jpeg", "png", "tiff"):
        fix = "put the scan in a PDF (scanners and Office do); image-only PDFs are read by OCR"
    elif kind == "damaged zip":
        fix = "the archive cannot be opened: save the report again from Word or Excel"
    else:
        fix = "reports are read from PDF (text or scan), Word (.docx, .doc) and Excel (.xlsx, .xls) files"
    return f"{file_name}: unsupported file type: {words}, not a report file; {fix}"


def list_settled_files(inbox: Path, settle_seconds: float) -> list[Path]:
    """Files under the inbox (is_inbox_file) whose size and mtime did not change during
    settle_seconds: PDFs to parse, and anything else, which discovery records with the reason it
    is not read (never dropped silently)."""
    if not inbox.is_dir():
        raise FileNotFoundError(f"reports inbox {inbox} does not exist")
    candidates = sorted(p for p in inbox.rglob("*") if is_inbox_file(p, inbox))
    before = {p: (p.stat().st_size, p.stat().st_mtime_ns) for p in candidates}
    if settle_seconds > 0 and candidates:
        time.sleep(settle_seconds)
    settled = []
    for path in candidates:
        try:
            now = (path.stat().st_size, path.stat().st_mtime_ns)
        except FileNotFoundError:
            continue
        if now == before[path]:
            settled.append(path)
        else:
            log.warning("%s is still being written (size changed); leaving it for the next run", path.name)
    return settled


def files_to_parse(engine: Engine, inbox: Path) -> int:
    """How many files a discovery now would register or hand to parse: inbox files the warehouse
    does not know by name and content, plus files still 'discovered'. Registers nothing: a
    read-only look, for choosing how to run. Before the first run (no raw.report_file) every
    file counts."""
    paths = list_settled_files(inbox, 0) if inbox.is_dir() else []
    try:
        with engine.connect() as conn:
            known = {(n, r.strip()) for n, r in conn.execute(text("SELECT file_name, report_id FROM raw.report_file"))}
            waiting = conn.execute(text("SELECT count(*) FROM raw.report_file WHERE status = 'discovered'")).scalar()
    except DBAPIError:  # no raw.report_file yet: a first run
        return len(paths)
    new = 0
    for path in paths:
        name = _undecodable(path.relative_to(inbox).as_posix()) or path.relative_to(inbox).as_posix()
        try:
            new += (name, sha256_of(path)) not in known
        except OSError:
            continue
    return new + int(waiting or 0)


def discover(engine: Engine, inbox: Path, dag_run_id: str | None = None,
             settle_seconds: float | None = None) -> list[InboxFile]:
    """Register new files and return every file that still needs parsing.

    A file needs parsing while its status is 'discovered' (new, or left by a run that died
    before parsing it). Known files, duplicates and finished files are not returned.
    """
    if settle_seconds is None:
        settle_seconds = float(os.environ.get("REPORTS_SETTLE_SECONDS", DEFAULT_SETTLE_SECONDS))
    paths = list_settled_files(inbox, settle_seconds)
    hashed = []
    for path in paths:
        try:
            hashed.append((path, sha256_of(path)))
        except OSError as error:  # gone or unreadable since listing: the rest of the batch goes on
            log.error("%s cannot be read (%s); left for the next run", path.name, error)
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": DISCOVERY_LOCK_KEY})
        for path, report_id in hashed:
            file_name = path.relative_to(inbox).as_posix()
            bad_name = _undecodable(file_name)
            if bad_name:
                # Bytes that are not UTF-8 cannot be stored (or passed between tasks): recorded as
                # failed under a readable form of the name; never parsed.
                file_name = bad_name
            known = conn.execute(
                text("SELECT 1 FROM raw.report_file WHERE file_name = :n AND report_id = :r"),
                {"n": file_name, "r": report_id},
            ).first()
            if known:
                continue
            original = conn.execute(
                text("SELECT file_id, file_name FROM raw.report_file "
                     "WHERE report_id = :r AND status <> 'duplicate'"),
                {"r": report_id},
            ).first()
            kind = file_kind(path)
            if original:
                status, reason = "duplicate", f"same content as {original.file_name}"
            elif bad_name:
                status, reason = "failed", (
                    f"{file_name}: the file name is not valid UTF-8 (undecodable bytes shown as \\xNN); "
                    "rename the file with a UTF-8 name to load it")
                log.error("%s", reason)
            elif not is_readable_kind(kind) and path.suffix.lower() != ".pdf":
                # a .pdf that is not one goes to parse, which says what is wrong with it
                status, reason = "failed", unsupported_reason(file_name, kind)
                log.error("%s", reason)
            else:
                status, reason = "discovered", None
            conn.execute(
                text("""
                    INSERT INTO raw.report_file
                        (report_id, file_name, file_path, size_bytes, status, reason,
                         duplicate_of_file_id, dag_run_id)
                    VALUES (:r, :n, :p, :s, :status, :reason, :dup, :run)
                """),
                {
                    "r": report_id, "n": file_name, "p": _undecodable(str(path)) or str(path),
                    "s": path.stat().st_size, "status": status, "reason": reason,
                    "dup": original.file_id if original else None, "run": dag_run_id,
                },
            )
            if original:
                log.warning("%s has the same content as %s: recorded as duplicate", file_name, original.file_name)
        rows = conn.execute(
            text("SELECT file_id, report_id, file_name, file_path FROM raw.report_file "
                 "WHERE status = 'discovered' ORDER BY file_id")
        ).all()
    return [InboxFile(r.file_id, r.report_id.strip(), r.file_name, r.file_path) for r in rows]


class ReportClaim:
    """The right to parse one report, held (a PostgreSQL session-level advisory lock on its
    report_id) from before the status check until the report is staged or marked failed.

    `claimed` is False when another run holds the lock right now, or when the file no longer
    needs parsing (status is not 'discovered': an earlier try or a concurrent run loaded it,
    or this is a cleared task of a finished run). `status` is the file's status when checked."""

    def __init__(self, engine: Engine, report_id: str) -> None:
        self.engine, self.report_id = engine, report_id
        self.claimed, self.status, self._conn = False, None, None

    def __enter__(self) -> "ReportClaim":
        self._conn = self.engine.connect()
        try:
            got = self._conn.execute(text("SELECT pg_try_advisory_lock(:k, hashtext(:r))"),
                                     {"k": PARSE_CLAIM_LOCK_KEY, "r": self.report_id}).scalar_one()
            self._conn.commit()
            if not got:
                self.status = "being parsed by another run"
                return self
            self.status = self._conn.execute(
                text("SELECT status FROM raw.report_file WHERE report_id = :r AND status <> 'duplicate' "
                     "ORDER BY file_id LIMIT 1"), {"r": self.report_id}).scalar()
            self._conn.commit()
            self.claimed = self.status == "discovered"
            if not self.claimed:
                self._unlock()
        except BaseException:
            self._close()
            raise
        return self

    def _unlock(self) -> None:
        self._conn.execute(text("SELECT pg_advisory_unlock(:k, hashtext(:r))"),
                           {"k": PARSE_CLAIM_LOCK_KEY, "r": self.report_id})
        self._conn.commit()

    def _close(self) -> None:
        try:
            self._conn.close()  # a closed session releases its advisory locks
        except Exception:  # noqa: BLE001 - the warehouse may be gone; the lock went with it
            log.debug("closing the claim connection failed", exc_info=True)

    def __exit__(self, *exc) -> None:
        if self.claimed:
            try:
                self._unlock()
            except Exception:  # noqa: BLE001
                log.debug("releasing the claim failed", exc_info=True)
        self._close()


def claim_report(engine: Engine, report_id: str) -> ReportClaim:
    """`with claim_report(engine, report_id) as claim: if claim.claimed: parse and stage`."""
    return ReportClaim(engine, report_id)


def reprocess(engine: Engine, file_names: list[str] | None = None, everything: bool = False,
              other_parser_than: str | None = None) -> list[dict]:
    """Set reports back to 'discovered' so the next run parses them again (after a parser
    upgrade, a catalog fix, ...). Returns the files set back ({file_name, report_id, was}).

    Their staging rows and marts facts stay until that run's parse replaces the staging rows
    in one transaction and dbt rebuilds the report (its parsed_at changed). Duplicates and
    files not yet parsed are left alone; a name that is not in the registry raises."""
    if not (file_names or everything or other_parser_than):
        raise ValueError("name the files to reprocess, or ask for all of them")
    where = ["status = ANY(:from)"]
    params: dict = {"from": list(REPROCESSABLE)}
    if file_names:
        where.append("file_name = ANY(:names)")
        params["names"] = list(file_names)
    if other_parser_than:
        where.append("parser_version IS DISTINCT FROM :version")
        params["version"] = other_parser_than
    with engine.begin() as conn:
        if file_names:
            known = set(conn.execute(text("SELECT file_name FROM raw.report_file WHERE file_name = ANY(:n)"),
                                     {"n": list(file_names)}).scalars())
            missing = sorted(set(file_names) - known)
            if missing:
                raise LookupError(f"not in raw.report_file: {', '.join(missing)}")
        rows = conn.execute(
            text(f"""
                WITH old AS (
                    SELECT file_id, status FROM raw.report_file
                     WHERE {' AND '.join(where)}
                       FOR UPDATE
                )
                UPDATE raw.report_file f
                   SET status = 'discovered', status_at = now(),
                       reason = 'reprocess requested (was ' || old.status || ')'
                  FROM old
                 WHERE f.file_id = old.file_id
             RETURNING f.file_name, trim(f.report_id) AS report_id, old.status AS was
            """),
            params,
        ).mappings().all()
    for row in rows:
        log.info("%s set back to discovered: the next run parses it again", row["file_name"])
    return [dict(r) for r in rows]


def _undecodable(name: str) -> str | None:
    """A readable form of a file name holding bytes that are not UTF-8 (Python keeps them as
    lone surrogates, which PostgreSQL and JSON refuse), else None."""
    try:
        name.encode("utf-8")
        return None
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def set_status(engine: Engine, report_id: str, status: str, reason: str | None = None,
               dag_run_id: str | None = None, only_from: tuple[str, ...] | None = None) -> int:
    """Set the status of a report's original file; only_from guards against moving backwards."""
    timestamp_column = {"parsed": "parsed_at", "validated": "validated_at",
                        "quarantined": "validated_at"}.get(status)
    extra = f", {timestamp_column} = now()" if timestamp_column else ""
    guard = " AND status = ANY(:only_from)" if only_from else ""
    with engine.begin() as conn:
        result = conn.execute(
            text(f"""
                UPDATE raw.report_file
                   SET status = :status, reason = :reason, status_at = now(),
                       dag_run_id = COALESCE(:run, dag_run_id){extra}
                 WHERE report_id = :r AND status <> 'duplicate'{guard}
            """),
            {"status": status, "reason": reason, "run": dag_run_id, "r": report_id,
             "only_from": list(only_from or ())},
        )
        return result.rowcount


# COPY column lists: (column, key of the row dict holding its value)
_TABLE_ROW_COLUMNS = (("report_id", "r"), ("table_index", "t"), ("row_index", "row_index"), ("page_no", "page"),
                      ("row_label", "row_label"), ("indicator_name", "indicator_name"),
                      ("measure_unit", "measure_unit"), ("parent_path", "parent_path"), ("is_section", "is_section"))
_TABLE_CELL_COLUMNS = (("report_id", "r"), ("table_index", "t"), ("row_index", "row_index"),
                       ("col_index", "col_index"), ("page_no", "page"), ("text", "text"),
                       ("x0", "x0"), ("top", "top"), ("x1", "x1"), ("bottom", "bottom"))
_INDICATOR_VALUE_COLUMNS = (
    ("report_id", "r"), ("source_kind", "source_kind"), ("page_no", "page"),
    *((c, c) for c in ("table_index", "row_index", "col_index", "indicator_name", "row_path", "measure_unit",
                       "role", "scenario", "period_type", "period_start", "period_end", "plan_issuer",
                       "ratio_base", "value_number", "value_text", "raw_text", "x0", "top", "x1", "bottom",
                       "indicator_code", "match_method", "match_score", "catalog_version", "unit_normalised",
                       "doubts", "publication_tier", "hold_reasons")))
_NARRATIVE_FACT_COLUMNS = (
    ("report_id", "r"),
    *((c, c) for c in ("fact_index", "page_no", "footnote_no", "sentence", "span_start", "span_end",
                       "indicator_text", "indicator_code", "match_method", "match_score", "catalog_version",
                       "value_number", "value_text", "measure_unit", "unit_normalised", "scenario",
                       "period_type", "period_start", "period_end", "as_of_date", "admin_unit_code",
                       "admin_unit_text", "stated_ratios", "change_value", "change_unit", "change_direction",
                       "change_kind", "part_numerator", "part_denominator", "part_unit", "plan_value",
                       "name_key", "doubts", "publication_tier", "hold_reasons")))


def _copy(conn, table: str, columns: tuple[tuple[str, str], ...], rows: list[dict]) -> None:
    """COPY rows (dicts) into a table, in the connection's transaction. jsonb columns take the
    JSON text (_json), as the INSERTs' casts did."""
    if not rows:
        return
    names = ", ".join(column for column, _ in columns)
    keys = [key for _, key in columns]
    cursor = conn.connection.driver_connection.cursor()
    with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[k] for k in keys])


def _bbox(bbox) -> dict:
    x0, top, x1, bottom = bbox if bbox else (None, None, None, None)
    return {"x0": x0, "top": top, "x1": x1, "bottom": bottom}


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def stage_report(engine: Engine, report: ParsedReport, parser_version: str,
                 dag_run_id: str | None = None) -> dict[str, int]:
    """Replace the report's staging rows and mark it parsed, all in one transaction."""
    meta = report.metadata
    # Catalog codes are matched before the transaction opens (the catalog loads on first use).
    matcher = _CatalogMatcher()
    # A row's figures share its indicator: match with the row's unit, not the figure's (a
    # ratio column carries '%', which would not fit an indicator counted in "tỷ đồng").
    row_units = {(t.table_index, r.row_index): r.measure_unit for t in report.tables for r in t.rows}
    value_rows = [
        {"r": report.sha256, "source_kind": "table",
         **{k: x for k, x in asdict(value).items() if k not in ("row_path", "bbox", "doubts")},
         "row_path": _json(value.row_path), **_bbox(value.bbox), "doubts": _json(list(value.doubts)),
         # the row's ancestors are the context: "Sản lượng" under "Cây lúa"
         **matcher.match(value.indicator_name,
                         row_units.get((value.table_index, value.row_index), value.measure_unit),
                         value.row_path[:-1]),
         "unit_normalised": matcher.unit(value.measure_unit),
         **matcher.table_tier(value.indicator_name, value.doubts)}
        for value in report.values
    ]
    fact_rows = [{"r": report.sha256, **_narrative_row(fact, matcher)} for fact in report.narrative_facts]
    with engine.begin() as conn:
        # ON DELETE CASCADE removes pages, tables, rows, cells, values, narrative facts,
        # unresolved mentions and footnotes of an earlier attempt.
        conn.execute(text("DELETE FROM staging.report WHERE report_id = :r"), {"r": report.sha256})
        conn.execute(
            text("""
                INSERT INTO staging.report
                    (report_id, file_name, page_count, producer, issuer_name, admin_unit_code,
                     admin_unit_name, admin_level, doc_type, doc_number, issue_date, title,
                     period_type, period_start, period_end, plan_year, metadata_sources,
                     warnings, parser_version, catalog_version)
                VALUES (:report_id, :file_name, :page_count, :producer, :issuer_name,
                        :admin_unit_code, :admin_unit_name, :admin_level, :doc_type, :doc_number,
                        :issue_date, :title, :period_type, :period_start, :period_end, :plan_year,
                        CAST(:sources AS jsonb), CAST(:warnings AS jsonb), :parser_version,
                        :catalog_version)
            """),
            {
                "report_id": report.sha256, "file_name": report.file_name,
                "page_count": report.page_count, "producer": report.producer,
                **{k: v for k, v in asdict(meta).items() if k != "sources"},
                "sources": _json({k: asdict(v) for k, v in meta.sources.items()}),
                "warnings": _json(report.warnings), "parser_version": parser_version,
                "catalog_version": matcher.version,
            },
        )
        if report.pages:
            conn.execute(
                text("INSERT INTO staging.report_page (report_id, page_no, extraction, width, height, text) "
                     "VALUES (:r, :page_no, :extraction, :width, :height, :text)"),
                [{"r": report.sha256, **asdict(page)} for page in report.pages],
            )
        for table in report.tables:
            conn.execute(
                text("""
                    INSERT INTO staging.indicator_table
                        (report_id, table_index, first_page, last_page, caption, detection,
                         header_rows, columns)
                    VALUES (:r, :t, :first, :last, :caption, :detection,
                            CAST(:header AS jsonb), CAST(:columns AS jsonb))
                """),
                {"r": report.sha256, "t": table.table_index, "first": min(table.pages),
                 "last": max(table.pages), "caption": table.caption, "detection": table.detection,
                 "header": _json(table.header_rows),
                 "columns": _json([asdict(c) for c in table.columns])},
            )
            # the many rows of a report go in by COPY (row-by-row INSERTs were most of staging)
            _copy(conn, "staging.table_row", _TABLE_ROW_COLUMNS,
                  [{"r": report.sha256, "t": table.table_index, **asdict(row), "parent_path": _json(row.parent_path)}
                   for row in table.rows])
            _copy(conn, "staging.table_cell", _TABLE_CELL_COLUMNS,
                  [{"r": report.sha256, "t": table.table_index, "row_index": c.row_index,
                    "col_index": c.col_index, "page": c.page, "text": c.text, **_bbox(c.bbox)}
                   for c in table.cells])
        _copy(conn, "staging.indicator_value", _INDICATOR_VALUE_COLUMNS, value_rows)
        _copy(conn, "staging.narrative_fact", _NARRATIVE_FACT_COLUMNS, fact_rows)
        if report.unresolved_mentions:
            conn.execute(
                text("""
                    INSERT INTO staging.unresolved_mention
                        (report_id, mention_index, page_no, footnote_no, sentence, mention_text,
                         span_start, span_end, reason)
                    VALUES (:r, :i, :page, :footnote, :sentence, :text, :start, :end, :reason)
                """),
                [{"r": report.sha256, "i": i, "page": m.page, "footnote": m.footnote,
                  "sentence": m.sentence, "text": m.text, "start": m.span[0], "end": m.span[1],
                  "reason": m.reason} for i, m in enumerate(report.unresolved_mentions)],
            )
        if report.footnotes:
            conn.execute(
                text("""
                    INSERT INTO staging.footnote
                        (report_id, footnote_no, page_no, text, marker_page, marker_context)
                    VALUES (:r, :number, :page, :text, :marker_page, :marker_context)
                """),
                [{"r": report.sha256, **asdict(f)} for f in report.footnotes],
            )
        conn.execute(
            text("""
                UPDATE raw.report_file
                   SET status = 'parsed', reason = NULL, parsed_at = now(), status_at = now(),
                       parser_version = :version, dag_run_id = COALESCE(:run, dag_run_id)
                 WHERE report_id = :r AND status <> 'duplicate'
            """),
            {"r": report.sha256, "version": parser_version, "run": dag_run_id},
        )
    return {"pages": len(report.pages), "tables": len(report.tables), "values": len(report.values),
            "cells": sum(len(t.cells) for t in report.tables),
            "narrative_facts": len(report.narrative_facts),
            "unresolved_mentions": len(report.unresolved_mentions),
            "footnotes": len(report.footnotes)}


class _CatalogMatcher:
    """vnreports.catalog.match_indicator, memoised per (name, unit, context) within one report:
    a table repeats a row's name and unit in every value column; and the BI tier of a figure
    (vnreports.confidence) with the curators' decisions of the same catalog version."""

    def __init__(self) -> None:
        from vnreports import catalog, confidence  # the catalog loads its seeds on first use

        self._catalog = catalog
        self._confidence = confidence
        self._cache: dict[tuple, dict] = {}
        self.version = catalog.current_version()
        self.curation = confidence.load_curation()

    def table_tier(self, indicator_name: str | None, doubts=()) -> dict:
        a = self._confidence.assess_table(indicator_name, self.curation, doubts)
        return {"publication_tier": a.tier, "hold_reasons": _json(list(a.reasons))}

    def narrative_tier(self, indicator_text: str, indicator_code: str | None, unit: str | None,
                       doubts) -> dict:
        a = self._confidence.assess_narrative(indicator_text, indicator_code, unit, doubts, self.curation)
        return {"publication_tier": a.tier, "hold_reasons": _json(list(a.reasons)),
                "name_key": self._catalog.normalise_name(indicator_text or "")}

    def match(self, name: str, unit: str | None, context=()) -> dict:
        key = (name, unit, tuple(context))
        if key not in self._cache:
            found = self._catalog.match_indicator(name, unit=unit, context=tuple(context))
            self._cache[key] = {
                "indicator_code": found.code if found else None,
                "match_method": found.method if found else None,
                "match_score": float(found.score) if found and found.score is not None else None,
                "catalog_version": self.version,
            }
        return self._cache[key]

    def unit(self, unit: str | None) -> str | None:
        return self._catalog.normalise_unit(unit) if unit else None


def _narrative_row(fact: NarrativeFact, matcher: _CatalogMatcher) -> dict:
    """A NarrativeFact as a staging.narrative_fact row; the parser's catalog code wins."""
    if fact.indicator_code:
        match = {"indicator_code": fact.indicator_code, "match_method": fact.match_method,
                 "match_score": fact.match_score, "catalog_version": matcher.version}
    else:
        match = matcher.match(fact.indicator_text, fact.unit)
    change, part = fact.change, fact.part_of
    return {
        "fact_index": fact.fact_index, "page_no": fact.page, "footnote_no": fact.footnote,
        "sentence": fact.sentence, "span_start": fact.span[0], "span_end": fact.span[1],
        "indicator_text": fact.indicator_text, **match,
        "value_number": fact.value, "value_text": fact.value_text, "measure_unit": fact.unit,
        "unit_normalised": matcher.unit(fact.unit),
        "scenario": fact.scenario, "period_type": fact.period_type,
        "period_start": fact.period_start, "period_end": fact.period_end,
        "as_of_date": fact.as_of_date, "admin_unit_code": fact.admin_unit_code,
        "admin_unit_text": fact.admin_unit_text,
        # the value as a decimal string: keeps the digits written ("109" vs "109,0"), which
        # tell how far the stated ratio was rounded (mart_plan_vs_actual's tolerance)
        "stated_ratios": _json([{"value": str(r.value), "base": r.base, "base_text": r.base_text}
                                for r in fact.stated_ratios]),
        "change_value": change.value if change else None,
        "change_unit": change.unit if change else None,
        "change_direction": change.direction if change else None,
        "change_kind": change.kind if change else None,
        "part_numerator": part.numerator if part else None,
        "part_denominator": part.denominator if part else None,
        "part_unit": part.unit if part else None,
        "plan_value": fact.plan_value,
        "doubts": _json(list(fact.doubts)),
        **matcher.narrative_tier(fact.indicator_text, match["indicator_code"], fact.unit, fact.doubts),
    }


def rematch_catalog(engine: Engine) -> dict[str, int]:
    """Resolve catalog codes and BI tiers again for staged reports matched with another catalog
    version (an alias added, a curator's decision, a new code): no re-parse, same rows.

    Runs before dbt (pipeline.prepare_step). A report's rows and its staging.report.catalog_version
    change in one transaction, so fct_indicator_observation (whose load signature includes that
    version) rebuilds exactly the reports whose codes or tiers were resolved again."""
    matcher = _CatalogMatcher()
    with engine.connect() as conn:
        stale = [r[0] for r in conn.execute(text(
            "SELECT report_id FROM staging.report WHERE catalog_version IS DISTINCT FROM :v ORDER BY report_id"),
            {"v": matcher.version})]
    counts = {"reports": 0, "table_values": 0, "narrative_facts": 0}
    for report_id in stale:
        with engine.begin() as conn:
            version = conn.execute(text(
                "SELECT catalog_version FROM staging.report WHERE report_id = :r FOR UPDATE"),
                {"r": report_id}).scalar_one_or_none()
            if version == matcher.version:
                continue  # a concurrent run did it
            values = conn.execute(text("""
                SELECT v.table_index, v.row_index, v.col_index, v.indicator_name, v.row_path, v.doubts,
                       coalesce(r.measure_unit, v.measure_unit) AS row_unit
                  FROM staging.indicator_value v
                  LEFT JOIN staging.table_row r
                    ON r.report_id = v.report_id AND r.table_index = v.table_index AND r.row_index = v.row_index
                 WHERE v.report_id = :r"""), {"r": report_id}).all()
            value_updates = [
                {"r": report_id, "t": v.table_index, "row": v.row_index, "c": v.col_index,
                 **matcher.match(v.indicator_name, v.row_unit, tuple((v.row_path or [])[:-1])),
                 **matcher.table_tier(v.indicator_name, v.doubts or [])}
                for v in values
            ]
            if value_updates:
                conn.execute(text("""
                    UPDATE staging.indicator_value
                       SET indicator_code = :indicator_code, match_method = :match_method,
                           match_score = :match_score, catalog_version = :catalog_version,
                           publication_tier = :publication_tier, hold_reasons = CAST(:hold_reasons AS jsonb)
                     WHERE report_id = :r AND table_index = :t AND row_index = :row AND col_index = :c"""),
                    value_updates)
            facts = conn.execute(text("""
                SELECT fact_index, indicator_text, measure_unit, doubts, match_method
                  FROM staging.narrative_fact WHERE report_id = :r"""), {"r": report_id}).all()
            fact_updates = []
            for f in facts:
                match = matcher.match(f.indicator_text, f.measure_unit)
                fact_updates.append({"r": report_id, "i": f.fact_index, **match,
                                     **matcher.narrative_tier(f.indicator_text, match["indicator_code"],
                                                              f.measure_unit, f.doubts or [])})
            if fact_updates:
                conn.execute(text("""
                    UPDATE staging.narrative_fact
                       SET indicator_code = :indicator_code, match_method = :match_method,
                           match_score = :match_score, catalog_version = :catalog_version,
                           name_key = :name_key, publication_tier = :publication_tier,
                           hold_reasons = CAST(:hold_reasons AS jsonb)
                     WHERE report_id = :r AND fact_index = :i"""), fact_updates)
            conn.execute(text("UPDATE staging.report SET catalog_version = :v WHERE report_id = :r"),
                         {"v": matcher.version, "r": report_id})
        counts["reports"] += 1
        counts["table_values"] += len(value_updates)
        counts["narrative_facts"] += len(fact_updates)
    log.info("catalog %s: codes and tiers resolved again for %d report(s)", matcher.version, counts["reports"])
    return counts
