"""The data-quality page: every report file, newest first, with its status, the reason it was
quarantined or failed, and the failed expectations and warnings of its latest validation.

One self-contained HTML document: inline CSS, no script, no font, image or stylesheet from
anywhere (a Content-Security-Policy of ``default-src 'none'`` says so to the browser). It reads
the same offline as online, which the GX Data Docs do not: their pages load Bootstrap, jQuery,
bootstrap-table, Font Awesome and Vega from public CDNs, and without them the index shows bare
links and empty tables. Each report still links to its GX validation pages for the full
result (readable, unstyled, offline).

Everything comes from the warehouse: ``raw.report_file`` (status, reason, when), the latest
``raw.validation_run`` row per report and suite (``failed_expectations``: expectation, column,
condition, what GX observed, severity, description) and the latest ``raw.marts_validation_run``
per marts suite. Written to ``page_path()`` beside the Data Docs site by the pipeline's
data_docs and record steps and by ``vnreports docs``; served live in the Airflow UI by the
plugin in ``plugins/vnreports_quality.py`` (``vnreports.quality_app``).

Stdlib and SQLAlchemy only: the Airflow api-server imports this to serve the page.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, text

from vnreports import config

log = logging.getLogger(__name__)

MAX_FILES = 2000  # newest report files shown; the page says how many older ones it leaves out
STATUSES = ("quarantined", "failed", "discovered", "parsed", "validated", "loaded", "duplicate")
CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

# GX kwargs that say where an expectation applies rather than what it expects (shown apart, or not)
_WHERE_KWARGS = {"column", "column_list", "column_A", "column_B", "row_condition", "condition_parser",
                 "result_format", "catch_exceptions", "include_config", "meta", "batch_id", "severity",
                 "ignore_row_if", "mostly", "description", "notes"}


@dataclass
class SuiteResult:
    suite: str
    success: bool
    evaluated: int
    failed: int
    validated_at: datetime
    dag_run_id: str | None
    failures: list[dict]


@dataclass
class ReportEntry:
    file_id: int
    report_id: str
    file_name: str
    status: str
    reason: str | None
    status_at: datetime
    dag_run_id: str | None
    suites: list[SuiteResult] = field(default_factory=list)  # latest validation, by suite name

    @property
    def failed(self) -> list[dict]:
        """Failed error-level expectations of the latest validation (why it was quarantined)."""
        return [f for s in self.suites for f in s.failures if f.get("severity", "critical") == "critical"]

    @property
    def warnings(self) -> list[dict]:
        return [f for s in self.suites for f in s.failures if f.get("severity", "critical") != "critical"]


@dataclass
class QualitySnapshot:
    generated_at: datetime
    counts: dict[str, int]  # files by status (all of them, or the run's)
    reports: list[ReportEntry]  # newest first, at most MAX_FILES
    marts: list[SuiteResult]  # latest marts validation, by suite
    run_id: str | None = None  # the page of one DAG run's files

    @property
    def total(self) -> int:
        return sum(self.counts.values())


# ------------------------------------------------------------------------------------- paths

def data_docs_dir() -> Path:
    """The GX project's Data Docs folder (the site is its local_site/)."""
    return config.gx_docs_dir() / "uncommitted" / "data_docs"


def data_docs_site_dir() -> Path:
    return data_docs_dir() / "local_site"


def page_path() -> Path:
    """Where the pipeline writes the page: beside the Data Docs site (its links are relative)."""
    return data_docs_dir() / "quality.html"


def validation_pages(site: Path) -> dict[tuple[str, str], Path]:
    """The newest GX validation page per (report_id, suite) in the Data Docs site. Pages are
    validations/<suite>/<run name>/<run time>/<batch>.html, the run name starting with the
    report's id (vnreports.validation._run_name), run times sorting by time."""
    pages: dict[tuple[str, str], tuple[str, Path]] = {}
    root = site / "validations"
    if not root.is_dir():
        return {}
    for page in root.glob("*/*/*/*.html"):
        suite, run_name, run_time = page.parts[-4], page.parts[-3], page.parts[-2]
        report_id = run_name.split("__", 1)[0]
        if len(report_id) != 64 or run_name.startswith("marts"):
            continue
        key = (report_id, suite)
        if key not in pages or run_time > pages[key][0]:
            pages[key] = (run_time, page)
    return {key: page for key, (_, page) in pages.items()}


# -------------------------------------------------------------------------------------- data

def load_snapshot(engine: Engine, run_id: str | None = None, limit: int = MAX_FILES) -> QualitySnapshot:
    """What the page shows, read in one snapshot of the warehouse. run_id: only the files that
    DAG run registered, parsed, validated or loaded."""
    now = datetime.now(timezone.utc)
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        if conn.execute(text("SELECT to_regclass('raw.report_file') IS NULL")).scalar():
            return QualitySnapshot(generated_at=now, counts={}, reports=[], marts=[], run_id=run_id)
        # a duplicate shares its original's report id, not its validations
        where = ("WHERE f.dag_run_id = :run OR (f.status <> 'duplicate' AND EXISTS (SELECT 1 FROM"
                 " raw.validation_run v WHERE v.report_id = f.report_id AND v.dag_run_id = :run))") if run_id else ""
        params = {"run": run_id, "limit": limit}
        counts = dict(conn.execute(text(f"SELECT f.status, count(*) FROM raw.report_file f {where} GROUP BY 1"),
                                   params).all())
        rows = conn.execute(text(f"""
            SELECT f.file_id, trim(f.report_id) AS report_id, f.file_name, f.status, f.reason, f.status_at,
                   f.dag_run_id
              FROM raw.report_file f {where}
             ORDER BY f.status_at DESC, f.file_id DESC
             LIMIT :limit"""), params).all()
        reports = [ReportEntry(file_id=r.file_id, report_id=r.report_id, file_name=r.file_name, status=r.status,
                               reason=r.reason, status_at=r.status_at, dag_run_id=r.dag_run_id) for r in rows]
        # a duplicate was never validated itself: its report's validations are the original's
        validated = sorted({r.report_id for r in reports if r.status != "duplicate"})
        suites: dict[str, list[SuiteResult]] = {}
        if validated:
            for v in conn.execute(text("""
                    SELECT DISTINCT ON (report_id, suite_name) trim(report_id) AS report_id, suite_name, success,
                           evaluated, failed, failed_expectations, validated_at, dag_run_id
                      FROM raw.validation_run
                     WHERE report_id = ANY(CAST(:ids AS char(64)[]))
                     ORDER BY report_id, suite_name, validation_id DESC"""), {"ids": validated}):
                suites.setdefault(v.report_id, []).append(SuiteResult(
                    suite=v.suite_name, success=v.success, evaluated=v.evaluated, failed=v.failed,
                    validated_at=v.validated_at, dag_run_id=v.dag_run_id, failures=list(v.failed_expectations or [])))
        for report in reports:
            if report.status != "duplicate":
                report.suites = suites.get(report.report_id, [])
        marts = []
        if not conn.execute(text("SELECT to_regclass('raw.marts_validation_run') IS NULL")).scalar():
            marts = [SuiteResult(suite=m.suite_name, success=m.success, evaluated=m.evaluated, failed=m.failed,
                                 validated_at=m.validated_at, dag_run_id=m.dag_run_id,
                                 failures=list(m.failed_expectations or []))
                     for m in conn.execute(text("""
                        SELECT DISTINCT ON (suite_name) suite_name, success, evaluated, failed, failed_expectations,
                               validated_at, dag_run_id
                          FROM raw.marts_validation_run ORDER BY suite_name, validation_id DESC"""))]
    return QualitySnapshot(generated_at=now, counts=counts, reports=reports, marts=marts, run_id=run_id)


# ---------------------------------------------------------------------------------- rendering

def _time(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _value(value: Any, limit: int = 80) -> str:
    s = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _columns(column: Any) -> str:
    if column is None:
        return ""
    return ", ".join(map(str, column)) if isinstance(column, list) else str(column)


def _observed(observed: Any) -> str:
    """What GX saw, as plain text."""
    if isinstance(observed, dict) and "exception" in observed:
        return f"error while checking: {observed['exception']}"
    if isinstance(observed, dict) and "unexpected_count" in observed:
        text_ = f"{observed['unexpected_count']} of {observed.get('element_count', '?')} rows unexpected"
        sample = observed.get("partial_unexpected_list") or []
        if sample:
            shown = ", ".join(_value(v, 60) for v in sample[:10])
            text_ += f": {shown}{', …' if len(sample) > 10 else ''}"
        return text_
    if observed is None:
        return "nothing observed"
    return f"observed {_value(observed, 160)}"


def _expected(kwargs: dict) -> str:
    parts = [f"{k}={_value(v, 60)}" for k, v in sorted((kwargs or {}).items())
             if k not in _WHERE_KWARGS and v is not None]
    return ", ".join(parts)


def _expectation_item(f: dict) -> str:
    head = f"<code>{escape(str(f.get('expectation') or '?'))}</code>"
    where = _columns(f.get("column"))
    if where:
        head += f" on <code>{escape(where)}</code>"
    if f.get("condition"):
        head += f" where <code>{escape(f['condition'])}</code>"
    suite = f.get("suite") or ""
    table = f.get("table") or ""
    lines = [f'<span class="suite">{escape(suite)}{" · " + escape(table) if table else ""}</span> {head}']
    if f.get("description"):
        lines.append(f'<span class="desc">{escape(f["description"])}</span>')
    lines.append(f'<span class="obs">{escape(_observed(f.get("observed")))}</span>')
    expected = _expected(f.get("kwargs") or {})
    if expected:
        lines.append(f'<span class="exp">expected: {escape(expected)}</span>')
    return "<li>" + "<br>".join(lines) + "</li>"


def _expectation_list(title: str, items: list[dict], css: str) -> str:
    if not items:
        return ""
    return (f'<div class="{css}"><h4>{escape(title)} ({len(items)})</h4><ul>'
            + "".join(_expectation_item(f) for f in items) + "</ul></div>")


def _report_block(r: ReportEntry, docs_href: Callable[[Path], str] | None,
                  pages: dict[tuple[str, str], Path]) -> str:
    parts = [
        f'<article class="report st-{escape(r.status)}" id="file-{r.file_id}">',
        '<header>',
        f'<span class="badge st-{escape(r.status)}">{escape(r.status)}</span> ',
        f'<span class="file">{escape(r.file_name)}</span>',
        f'<span class="when">{escape(_time(r.status_at))}'
        + (f' · run <code>{escape(r.dag_run_id)}</code>' if r.dag_run_id else "") + "</span>",
        '</header>',
    ]
    if r.reason:
        label = {"quarantined": "Why quarantined", "failed": "Why it failed", "duplicate": "Duplicate"}.get(
            r.status, "Note")
        parts.append(f'<p class="reason"><b>{label}:</b> {escape(r.reason)}</p>')
    parts.append(_expectation_list("Failed expectations", r.failed, "failed"))
    parts.append(_expectation_list("Warnings", r.warnings, "warnings"))
    if r.suites:
        when = max(s.validated_at for s in r.suites)
        cells = []
        for s in sorted(r.suites, key=lambda s: s.suite):
            label = f"{s.suite}: {'passed' if s.success else f'{s.failed} of {s.evaluated} failed'}"
            page = pages.get((r.report_id, s.suite))
            cells.append(f'<a href="{escape(docs_href(page))}">{escape(label)}</a>' if page and docs_href
                         else escape(label))
        parts.append(f'<p class="suites">Validated {escape(_time(when))}: ' + " · ".join(cells)
                     + (' <span class="hint">(links: GX Data Docs pages)</span>' if docs_href and pages else "")
                     + "</p>")
    parts.append("</article>")
    return "\n".join(p for p in parts if p)


def _marts_block(marts: list[SuiteResult]) -> str:
    if not marts:
        return ""
    rows = []
    for s in marts:
        failed = [f for f in s.failures if f.get("severity", "critical") == "critical"]
        warnings = [f for f in s.failures if f.get("severity", "critical") != "critical"]
        state = "passed" if not failed else "failed"
        rows.append(
            f'<article class="report st-{"loaded" if state == "passed" else "quarantined"}"><header>'
            f'<span class="badge st-{"loaded" if state == "passed" else "quarantined"}">{state}</span> '
            f'<span class="file">{escape(s.suite)}</span><span class="when">{escape(_time(s.validated_at))}'
            + (f' · run <code>{escape(s.dag_run_id)}</code>' if s.dag_run_id else "") + "</span></header>"
            + _expectation_list("Failed expectations", failed, "failed")
            + _expectation_list("Warnings", warnings, "warnings") + "</article>")
    return ('<section id="marts"><h2>The marts (after dbt, latest validation)</h2>'
            '<p class="hint">Nothing is quarantined here: the marts are published; a failed expectation fails the'
            ' validate_marts task.</p>' + "\n".join(rows) + "</section>")


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif;margin:0;color:#1d2433;
background:#f6f7f9;line-height:1.4}
main{max-width:1100px;margin:0 auto;padding:16px 20px 40px}
h1{font-size:1.5em;margin:0 0 4px}h2{font-size:1.2em;margin:28px 0 8px}h4{margin:8px 0 4px;font-size:.95em}
.meta,.hint,.when{color:#5b6475;font-size:.9em}
.counts{display:flex;flex-wrap:wrap;gap:8px;margin:12px 0}
.count{padding:6px 10px;border-radius:6px;background:#fff;border:1px solid #d9dde5}
.report{background:#fff;border:1px solid #d9dde5;border-left:6px solid #9aa3b2;border-radius:6px;margin:10px 0;
padding:10px 14px}
.report header{display:flex;flex-wrap:wrap;gap:8px;align-items:baseline}
.file{font-weight:600;word-break:break-all}.when{margin-left:auto}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:.85em;font-weight:600;color:#fff;
background:#6b7280}
.st-quarantined{border-left-color:#c62828}.badge.st-quarantined{background:#c62828}
.st-failed{border-left-color:#8e24aa}.badge.st-failed{background:#8e24aa}
.st-loaded{border-left-color:#2e7d32}.badge.st-loaded{background:#2e7d32}
.st-validated{border-left-color:#1565c0}.badge.st-validated{background:#1565c0}
.st-duplicate{border-left-color:#9e9e9e}.badge.st-duplicate{background:#9e9e9e}
.reason{margin:8px 0;white-space:pre-wrap;word-break:break-word}
.failed h4{color:#c62828}.warnings h4{color:#a15c00}
ul{margin:4px 0;padding-left:22px}li{margin:4px 0;word-break:break-word}
.suite{color:#5b6475;font-size:.85em}.desc{font-style:italic}.obs{color:#333}.exp{color:#5b6475;font-size:.9em}
code{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:.9em;background:#f0f2f5;padding:0 3px;
border-radius:3px}
.suites{font-size:.9em;color:#5b6475;margin:6px 0 0}
.attention{background:#fff4f4;border:1px solid #f1c4c4;border-radius:6px;padding:8px 12px}
a{color:#1155cc}
"""


def render_page(snapshot: QualitySnapshot, docs_href: Callable[[Path], str] | None = None,
                pages: dict[tuple[str, str], Path] | None = None, where: str = "") -> str:
    """The page as one HTML document. docs_href turns a GX validation page (a path under the
    Data Docs site) into the link to it; None leaves the suites unlinked."""
    pages = pages or {}
    title = "Data quality of the report files" + (f" of run {snapshot.run_id}" if snapshot.run_id else "")
    counts = "".join(
        f'<span class="count"><span class="badge st-{escape(s)}">{escape(s)}</span> {snapshot.counts[s]}</span>'
        for s in [*STATUSES, *sorted(set(snapshot.counts) - set(STATUSES))] if snapshot.counts.get(s))
    left_out = snapshot.total - len(snapshot.reports)
    attention = [r for r in snapshot.reports if r.status in ("quarantined", "failed")]
    index = ""
    if attention:  # in-page links: the files to act on, above the whole history
        index = ('<p class="attention"><b>Needs attention:</b> '
                 + ", ".join(f'<a href="#file-{r.file_id}">{escape(r.file_name)}</a> ({escape(r.status)})'
                             for r in attention[:50])
                 + (f", and {len(attention) - 50} more below" if len(attention) > 50 else "") + "</p>")
    body = "\n".join(_report_block(r, docs_href, pages) for r in snapshot.reports)
    if not snapshot.reports:
        body = '<p>No report files yet: the DAG registers them when it finds PDFs in the inbox.</p>'
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>{escape(title)} · vnreports</title>
<style>{_CSS}</style>
</head>
<body>
<main>
<h1>{escape(title)}</h1>
<p class="meta">Generated {escape(_time(snapshot.generated_at))} from the warehouse{escape(where)}. Newest status
change first. A quarantined report never reaches the marts; the reason says what to fix (often
<code>vnreports metadata set</code>), then clear the report's parse task or wait for the next run.</p>
<div class="counts">{counts or '<span class="count">no files</span>'}</div>
{index}
<section id="reports">
<h2>Report files</h2>
{body}
{f'<p class="hint">{left_out} older file(s) not shown (raw.report_file has them all).</p>' if left_out > 0 else ''}
</section>
{_marts_block(snapshot.marts)}
</main>
</body>
</html>
"""


def write_page(engine: Engine, path: Path | None = None) -> Path:
    """Render the page from the warehouse into path (default page_path()), atomically (the
    data_docs and record tasks may write it at the same time). Links to the GX validation
    pages are relative, so the folder can be copied or opened over file://."""
    path = Path(path or page_path())
    site = data_docs_site_dir()
    snapshot = load_snapshot(engine)
    base = path.parent.resolve()

    def href(page: Path) -> str:
        return quote(Path(os.path.relpath(page.resolve(), base)).as_posix())

    html = render_page(snapshot, docs_href=href, pages=validation_pages(site))
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, prefix=".quality-",
                                     suffix=".html", delete=False) as tmp:
        tmp.write(html)
    os.chmod(tmp.name, 0o644)
    os.replace(tmp.name, path)
    log.info("data-quality page (%d file(s)): %s", len(snapshot.reports), path)
    return path
