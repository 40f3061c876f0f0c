"""The pipeline's steps as plain functions; the Airflow DAG only wires them together.

Each step takes the warehouse URL and returns something small and JSON-serialisable (XCom).
Bad input never raises: it is recorded in raw.report_file with its reason and the batch goes
on. Anything else (warehouse unreachable, a bug) raises, so Airflow retries the task.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import math
import os
import signal
import threading
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from vnreports import annexes, config
from vnreports.db import ensure_schema, get_engine
from vnreports.ingest import (claim_report, discover, file_kind, is_readable_kind, set_status, stage_report,
                              unsupported_reason)

log = logging.getLogger(__name__)


class WarehouseUnavailableError(RuntimeError):
    """The warehouse could not be reached, or the connection was lost during a step. Nothing of
    the step's open transaction was kept; the task's retry (or a clear) runs the step again."""


def _connection_lost(error: DBAPIError) -> bool:
    if error.connection_invalidated:
        return True
    import psycopg

    orig = error.orig
    if isinstance(orig, psycopg.OperationalError):
        sqlstate = getattr(orig, "sqlstate", None)
        # no SQLSTATE: could not connect / server closed the connection; 08xxx connection
        # exceptions; 57P01-57P03 admin shutdown, crash shutdown, cannot connect now
        return sqlstate is None or sqlstate.startswith("08") or sqlstate in ("57P01", "57P02", "57P03")
    return False


def _where(warehouse_url: str) -> str:
    try:
        url = make_url(warehouse_url)
        return f"{url.host or 'localhost'}:{url.port or 5432}/{url.database}"
    except Exception:  # noqa: BLE001 - the message must not fail on a strange URL
        return "(unparsable WAREHOUSE_URL)"


def _warehouse_errors(step):
    """Turn a lost or refused warehouse connection into WarehouseUnavailableError naming the
    warehouse and the step, instead of a bare driver traceback."""

    @functools.wraps(step)
    def wrapper(warehouse_url: str, *args, **kwargs):
        try:
            return step(warehouse_url, *args, **kwargs)
        except DBAPIError as error:
            if not _connection_lost(error):
                raise
            detail = str(error.orig).strip().splitlines()[0] if str(error.orig).strip() else type(error.orig).__name__
            raise WarehouseUnavailableError(
                f"{step.__name__}: the warehouse at {_where(warehouse_url)} is unreachable or closed the "
                f"connection ({detail}); its open transaction was rolled back, nothing partial was kept. "
                "Start the warehouse (vnreports warehouse start, or check the server) and retry the task."
            ) from error

    return wrapper


@_warehouse_errors
def prepare_step(warehouse_url: str) -> dict:
    """Before dbt: landing schemas and tables, catalog codes and BI tiers of staged reports
    resolved again when the catalog changed, and the read-only BI role with its grants.

    Idempotent and safe from concurrent tasks. The BI password comes from BI_READER_PASSWORD,
    or for the embedded warehouse from its generated file; without one the role is NOLOGIN."""
    from vnreports.access import bi_reader_password, ensure_bi_reader

    from vnreports.ingest import rematch_catalog

    engine = get_engine(warehouse_url)
    ensure_schema(engine)
    # a catalog alias or a curator's decision since the reports were staged: codes and BI
    # tiers are resolved again (no re-parse), so accepted names reach the BI views this run
    rematched = rematch_catalog(engine)
    # fresh planner statistics for what dbt is about to read: a month's rows were just staged,
    # and without statistics PostgreSQL plans the models' and tests' joins as if the tables were
    # empty (nested loops whose cost grows with the square of the rows)
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
            "ANALYZE raw.report_file, staging.report, staging.indicator_value, staging.narrative_fact,"
            " staging.unresolved_mention")
    role = config.bi_reader_role()
    try:
        status = ensure_bi_reader(engine, role, bi_reader_password(warehouse_url))
    except DBAPIError as error:
        if getattr(error.orig, "sqlstate", None) != "42501":  # insufficient_privilege
            raise
        # The pipeline's user may not manage roles on an external server: the data still loads.
        log.error("cannot create or update the BI role %s (the warehouse user needs CREATEROLE): %s",
                  role, str(error.orig).strip())
        return {"bi_reader": {"role": role, "error": "insufficient_privilege"}, "rematched": rematched}
    return {"bi_reader": status.as_dict(), "rematched": rematched}


@_warehouse_errors
def discover_step(warehouse_url: str, inbox: Path | None = None, dag_run_id: str | None = None) -> list[dict]:
    engine = get_engine(warehouse_url)
    ensure_schema(engine)
    inbox = inbox or config.inbox_dir()
    from vnreports import overrides

    requeued = overrides.requeue_overridden(engine, inbox)
    if requeued:
        log.info("parsed again with an operator's metadata: %s", ", ".join(requeued))
    files = discover(engine, inbox, dag_run_id)
    log.info("%d file(s) to parse in %s", len(files), inbox)
    return [{"file_id": f.file_id, "report_id": f.report_id, "file_name": f.file_name,
             "file_path": f.file_path} for f in files]


# A parse task costs Airflow about 0.6 s of CPU besides the parse (its start, the scheduler's and
# the execution API's work per task instance: measured at 200 reports, a third of the two cores
# during the parse phase), as much as parsing a 30-page report. A task therefore takes a few files
# (at most REPORTS_FILES_PER_PARSE_TASK), while a month keeps at least PARSE_TASKS_AT_LEAST tasks so
# every worker slot has work; up to that many files each file keeps its own task.
DEFAULT_FILES_PER_PARSE_TASK = 8
PARSE_TASKS_AT_LEAST = 16
# The CPU a file may use while it is parsed (REPORTS_PARSE_CPU_SECONDS): a 1000-page report takes
# well under a minute; a PDF that sends the parser into a loop is marked failed when it has used
# this much, and the other files of its task go on.
DEFAULT_PARSE_CPU_SECONDS = 600


def _positive_number(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = 0
    if value <= 0:
        raise ValueError(f"{name} must be a positive number, not {raw!r}")
    return value


def parse_batches(files: list[dict]) -> list[list[dict]]:
    """The files of a run in the groups one parse task each takes, in discovery order: one file per
    task up to PARSE_TASKS_AT_LEAST files, then groups of nearly equal size, at most
    REPORTS_FILES_PER_PARSE_TASK files each."""
    most = int(_positive_number("REPORTS_FILES_PER_PARSE_TASK", DEFAULT_FILES_PER_PARSE_TASK))
    per_task = max(1, min(most, math.ceil(len(files) / PARSE_TASKS_AT_LEAST)))
    tasks = math.ceil(len(files) / per_task)
    size, extra = divmod(len(files), tasks) if tasks else (0, 0)
    batches, start = [], 0
    for i in range(tasks):
        end = start + size + (1 if i < extra else 0)
        batches.append(files[start:end])
        start = end
    return batches


def batch_name(batch: list[dict]) -> str:
    """How the Airflow UI names a parse task: its file, or its first file and how many more."""
    if not batch:
        return "no files"
    first = batch[0]["file_name"]
    return first if len(batch) == 1 else f"{first} (+{len(batch) - 1} more)"


@_warehouse_errors
def parse_batch_step(warehouse_url: str, batch: list[dict], dag_run_id: str | None = None) -> list[dict]:
    """Parse one task's group of files into staging, one after another; each file is claimed,
    staged and committed on its own, so a retry of the task parses only the files not done yet.
    Returns one outcome per file ({"report_id", "file_name", "status", ...}), in order."""
    return _parse_files(warehouse_url, batch, dag_run_id)


@_warehouse_errors
def parse_step(warehouse_url: str, inbox_file: dict, dag_run_id: str | None = None) -> dict:
    """Parse one file into staging (a group of one)."""
    return _parse_files(warehouse_url, [inbox_file], dag_run_id)[0]


def _parse_files(warehouse_url: str, batch: list[dict], dag_run_id: str | None) -> list[dict]:
    from vnreports import overrides

    engine = get_engine(warehouse_url)
    inbox = config.inbox_dir()
    # the operators' metadata file read once for the group; a cleared task of a quarantined
    # report whose metadata an operator has set since: parse it again
    entries = overrides.load(inbox)
    overrides.requeue_overridden(engine, inbox, [f["file_name"] for f in batch], entries)
    return [_parse_file(engine, inbox_file, entries.get(inbox_file["file_name"]), dag_run_id)
            for inbox_file in batch]


class ParseCpuLimitReached(BaseException):
    """Raised inside the parser when a file has used its CPU allowance. A BaseException, so that
    the parser's own `except Exception` fallbacks (a page pdfium refuses, ...) cannot swallow it."""


@contextlib.contextmanager
def _cpu_limit(seconds: float, file_name: str):
    """Stop the parse of one file once this process has used `seconds` of CPU on it (SIGPROF: CPU
    time, so a file waiting on the OCR engine's subprocess is not cut short, and it does not touch
    the SIGALRM timer of Airflow's execution_timeout). Only in the main thread, where signals go."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def reached(signum, frame):  # noqa: ARG001 - a signal handler's signature
        raise ParseCpuLimitReached(
            f"{file_name}: parsing used more than {seconds:.0f} s of CPU (REPORTS_PARSE_CPU_SECONDS) and was "
            "stopped; the file may send the PDF reader into a loop. Check it, or raise the limit and reprocess it")

    previous = signal.signal(signal.SIGPROF, reached)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


def _parse_file(engine, inbox_file: dict, override: dict | None, dag_run_id: str | None) -> dict:
    """One file parsed and staged (or marked failed) under its claim; its outcome."""
    from vnreports.parsing import PARSER_VERSION, parse_report
    from vnreports.parsing.model import ReportParseError

    report_id, file_name = inbox_file["report_id"], inbox_file["file_name"]
    outcome = {"report_id": report_id, "file_name": file_name}
    # The claim: only one run parses a report at a time, and only while it is 'discovered'.
    with claim_report(engine, report_id) as claim:
        if not claim.claimed:
            # Another run has it, or it was parsed already (a retry after the stage committed,
            # a cleared task of a finished run): nothing to do, the warehouse stays as it is.
            log.info("%s not parsed by this run: %s", file_name, claim.status)
            return {**outcome, "status": "skipped", "reason": f"status {claim.status}"}
        path = Path(inbox_file["file_path"])
        report, reason = None, None
        kind = file_kind(path) if path.exists() else None
        if not path.exists():
            reason = f"{file_name}: file is no longer in the inbox ({path})"
        elif not is_readable_kind(kind) and path.suffix.lower() != ".pdf":  # set back by a reprocess: still unreadable
            reason = unsupported_reason(file_name, kind)
        else:
            try:
                with _cpu_limit(_positive_number("REPORTS_PARSE_CPU_SECONDS", DEFAULT_PARSE_CPU_SECONDS), file_name):
                    report = parse_report(path, file_name=file_name, metadata_override=override)
                    if kind in annexes.WORKBOOK_KINDS and annexes.needs_its_report(report):
                        report = _with_its_report(path, file_name, override, report)
            except ReportParseError as error:
                reason = str(error)
            except ParseCpuLimitReached as error:
                reason = str(error)
            except Exception as error:  # a parser bug on an unseen layout must not stop the batch
                log.exception("parser error on %s", file_name)
                reason = f"{file_name}: parser error ({type(error).__name__}: {error})"
        if report is not None and report.sha256 != report_id:
            # Replaced in place after discovery: the new bytes are a new report, registered by the
            # next discovery; this content is gone.
            report, reason = None, f"{file_name}: content changed after discovery; the new content is loaded as a new report"
        if reason is not None:
            set_status(engine, report_id, "failed", reason, dag_run_id)
            log.error("failed to read %s: %s", file_name, reason)
            return {**outcome, "status": "failed", "reason": reason}
        counts = stage_report(engine, report, PARSER_VERSION, dag_run_id)
    log.info("staged %s: %s", file_name, counts)
    return {**outcome, "status": "parsed", **counts}


def _with_its_report(path: Path, file_name: str, override: dict | None, annex):
    """An annex read again with the unit, period, date and number of its report (vnreports.annexes),
    when it has one in the inbox that parses; else the annex as it was."""
    from vnreports.parsing import parse_report
    from vnreports.parsing.model import ReportParseError

    report_path = annexes.report_of(path)
    if report_path is None:
        return annex
    try:
        its_report = parse_report(report_path)
    except ReportParseError as error:
        log.warning("%s: its report %s cannot be read (%s)", file_name, report_path.name, error)
        return annex
    return parse_report(path, file_name=file_name, metadata_override=override, linked=its_report)


def validate_step(warehouse_url: str, parsed: dict, dag_run_id: str | None = None) -> dict:
    """validate_batch_step for one parsed file."""
    return validate_batch_step(warehouse_url, [parsed], dag_run_id)[0]


@_warehouse_errors
def validate_batch_step(warehouse_url: str, parsed: list[dict], dag_run_id: str | None = None) -> list[dict]:
    """Run the Great Expectations suites on the files parse_step staged (vnreports.validation:
    one run of each suite over them all, a report its failures name validated alone); a report
    an error-level expectation fails is quarantined, the others are validated (warnings noted).
    Returns one outcome per file, in order."""
    from vnreports.validation import validate_reports

    engine = get_engine(warehouse_url)
    staged = [p["report_id"] for p in parsed if p.get("status") == "parsed"]
    with engine.connect() as conn:
        current = dict(conn.execute(
            text("SELECT report_id, status FROM raw.report_file WHERE report_id = ANY(:ids) AND status <> 'duplicate'"),
            {"ids": staged}).all()) if staged else {}
    # A cleared task of a finished run: its reports were validated (or loaded, or set back for
    # reprocessing) since; validating again would move their status backwards.
    to_validate = [r for r in staged if current.get(r) == "parsed"]
    # Data Docs pages: one build per DAG run (data_docs_step), not one per report
    outcomes = validate_reports(engine, to_validate, dag_run_id=dag_run_id)
    results = []
    for p in parsed:
        report_id = p["report_id"]
        if p.get("status") != "parsed":
            results.append(p)  # failed earlier; nothing to validate
        elif report_id not in outcomes:
            log.info("%s is %s now, not parsed: nothing to validate", p["file_name"], current.get(report_id))
            results.append({**p, "status": "skipped", "reason": f"status {current.get(report_id)}"})
        else:
            results.append(_apply_verdict(engine, p, outcomes[report_id], dag_run_id))
    return results


def _apply_verdict(engine, parsed: dict, outcome, dag_run_id: str | None) -> dict:
    """A report's status from its validation outcome."""
    if outcome.success:
        # Warning-level failures load, flagged in the reason column.
        note = ("warnings: " + ", ".join(sorted({w["expectation"] for w in outcome.warnings}))
                if outcome.warnings else None)
        set_status(engine, parsed["report_id"], "validated", note, dag_run_id)
        return {**parsed, "status": "validated", "warnings": len(outcome.warnings)}
    plain = _metadata_problems(engine, parsed["report_id"])
    reason = f"{parsed['file_name']}: " + "; ".join([*plain, outcome.reason or "GX validation failed"])
    set_status(engine, parsed["report_id"], "quarantined", reason, dag_run_id)
    log.error("quarantined %s", reason)
    return {**parsed, "status": "quarantined", "reason": reason}


@_warehouse_errors
def data_docs_step(warehouse_url: str, dag_run_id: str) -> dict:
    """GX Data Docs pages of the reports this DAG run validated, and the index, in one build;
    then the data-quality page (vnreports.quality: every file's status and why, readable
    offline) beside them. Without validations in the run (nothing new) it does not even
    import GX."""
    from vnreports import quality

    engine = get_engine(warehouse_url)
    with engine.connect() as conn:
        validated = conn.execute(text("SELECT count(DISTINCT report_id) FROM raw.validation_run WHERE dag_run_id = :r"),
                                 {"r": dag_run_id}).scalar()
    docs = {"results": 0, "data_docs_index": None}
    if validated:
        from vnreports.validation import build_data_docs

        docs = build_data_docs(dag_run_id)
    page = quality.write_page(engine)
    log.info("data-quality page: %s (in the Airflow UI: Browse > Data quality)", page)
    return {**docs, "quality_page": str(page)}


def _metadata_problems(engine, report_id: str) -> list[str]:
    """What a reader needs to hear first when a report is quarantined: its administrative unit
    or reporting period could not be resolved (GX's report_metadata suite states the same as
    failed not-null expectations). Empty when both were resolved."""
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT issuer_name, admin_unit_code, period_start, period_end, title, file_name, warnings "
                 "FROM staging.report WHERE report_id = :r"),
            {"r": report_id},
        ).first()
    if row is None:
        return []
    problems = []
    fix = f"vnreports metadata set {row.file_name!r}"
    if row.admin_unit_code is None:
        said = next((w for w in row.warnings if w.startswith("admin unit ambiguous")), None)
        read = (said.split(": ", 1)[1] if said else f"{row.issuer_name!r} names no unit of the GSO list"
                ) if row.issuer_name else "no issuing body found in the document header"
        problems.append(f"administrative unit not resolved (read: {read}); fix: {fix} --unit <GSO code>")
    if row.period_start is None or row.period_end is None:
        read = f"no period in the title {row.title!r}, the headings or the closing sentence" if row.title else \
            "no title and no period in the headings or the closing sentence"
        problems.append(f"reporting period not resolved (read: {read}); fix: {fix} --period 2021-H1 "
                        "(2021, 2021-05, 2021-Q2, 2021-H1, 2021-9M, 2021-01/2021-10)")
    if problems:
        problems[-1] += ", then clear the report's parse task in the Airflow UI or wait for the next run"
    return problems


@_warehouse_errors
def validate_marts_step(warehouse_url: str, dag_run_id: str | None = None) -> dict:
    """After dbt: the GX marts suite (keys, joins to every dimension, unit mixing, stated vs
    computed ratios), recorded in raw.marts_validation_run, Data Docs rebuilt.

    The marts are published already, so nothing is quarantined: a failed error-level
    expectation fails the task (no retry: the same data fails again) with a message naming the
    failed expectations; warnings (unit mixing, ratio mismatches) are logged and returned."""
    from vnreports.validation import MartsValidationError, validate_marts

    engine = get_engine(warehouse_url)
    ensure_schema(engine)
    outcome = validate_marts(engine, dag_run_id=dag_run_id)
    for warning in outcome.warnings:
        log.warning("marts warning: %s on %s (%s)", warning["expectation"], warning["column"],
                    warning["observed"].get("unexpected_count") if isinstance(warning["observed"], dict)
                    else warning["observed"])
    if outcome.data_docs_index:
        log.info("GX Data Docs: %s", outcome.data_docs_index)
    if not outcome.success:
        message = f"marts validation failed (the published marts stay): {outcome.reason}"
        try:  # in Airflow: fail without retries
            from airflow.sdk.exceptions import AirflowFailException
        except ImportError:
            raise MartsValidationError(message) from None

        class _MartsValidationFailed(MartsValidationError, AirflowFailException):
            pass

        raise _MartsValidationFailed(message)
    return outcome.as_dict()


@_warehouse_errors
def transform_step(warehouse_url: str) -> dict:
    """dbt build: seeds, models and tests. Only validated/loaded reports reach the marts."""
    from vnreports.transform import run_dbt

    ensure_schema(get_engine(warehouse_url))
    return run_dbt(warehouse_url, ["build"])


@_warehouse_errors
def marts_outdated_step(warehouse_url: str) -> bool:
    """Whether dbt must run: True unless the marts were built (raw.marts_build) from the same dbt
    project and no report file changed status since (a new, re-validated, quarantined or
    reprocessed report). A monthly run with nothing new then skips the dbt tasks."""
    from vnreports.transform import dbt_project_checksum

    engine = get_engine(warehouse_url)  # raw.marts_build exists: prepare ran ensure_schema before
    checksum = dbt_project_checksum()
    with engine.connect() as conn:
        last = conn.execute(text(
            "SELECT dbt_project_checksum, built_at FROM raw.marts_build ORDER BY build_id DESC LIMIT 1")).first()
        if last is None or last.dbt_project_checksum != checksum:
            reason = "never built" if last is None else "the dbt project changed"
        elif conn.execute(text("SELECT EXISTS (SELECT 1 FROM raw.report_file WHERE status_at > :t)"),
                          {"t": last.built_at}).scalar():
            reason = "report files changed status"
        elif conn.execute(text("SELECT to_regclass('marts.indicator_values') IS NULL")).scalar():
            reason = "the marts are missing"
        else:
            log.info("marts up to date (built %s from the same dbt project): dbt skipped", last.built_at)
            return False
    log.info("marts out of date: %s", reason)
    return True


@_warehouse_errors
def record_step(warehouse_url: str, dag_run_id: str | None = None, marts_built: bool = False) -> dict[str, int]:
    """Mark reports that reached the marts as loaded; after a build (marts_built), note it in
    raw.marts_build in the same transaction (its built_at equals the new status_at, so the next
    run does not count these status changes as new). Returns file counts by status."""
    from vnreports.transform import dbt_project_checksum

    engine = get_engine(warehouse_url)
    with engine.begin() as conn:
        conn.execute(
            text("""
                UPDATE raw.report_file f
                   SET status = 'loaded', status_at = now(), dag_run_id = COALESCE(:run, f.dag_run_id)
                 WHERE f.status = 'validated'
                   AND EXISTS (SELECT 1 FROM marts.dim_report d WHERE d.report_id = trim(f.report_id))
            """),
            {"run": dag_run_id},
        )
        if marts_built:
            conn.execute(text("INSERT INTO raw.marts_build (dbt_project_checksum, built_at, dag_run_id)"
                              " VALUES (:c, now(), :run)"), {"c": dbt_project_checksum(), "run": dag_run_id})
        counts = dict(conn.execute(
            text("SELECT status, count(*) FROM raw.report_file GROUP BY status ORDER BY status")
        ).all())
    log.info("files by status: %s", counts)
    _refresh_quality_page(engine)
    return counts


def _refresh_quality_page(engine) -> None:
    """The data-quality page again, now that reports are loaded (data_docs wrote it while they
    were only validated). Best effort: the statuses are committed, and a page that cannot be
    written must not fail the run."""
    from vnreports import quality

    try:
        quality.write_page(engine)
    except Exception:  # noqa: BLE001 - logged with its traceback; data_docs writes it next run
        log.exception("could not write the data-quality page %s", quality.page_path())
