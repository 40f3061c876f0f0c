"""Issue 6, bad input: one realistic batch of broken and hostile files beside good reports.

A fresh inbox holds every kind of bad file the issue names (zero bytes, truncated, password,
not a PDF, scanned image, too many pages, the same content under a new name, file names with
spaces, Vietnamese letters in NFC and NFD, quotes and ';', a unit / a period that cannot be
resolved) and the good sample reports under awkward names. It goes through the real pipeline
steps (discover -> parse -> validate per file -> dbt -> record) on a fresh database. Each file
must end with its status and a reason that names it and says why in plain words, in
raw.report_file and in the log; the good reports load; the inbox is untouched (bytes, mtime).

The very large PDF is parsed for real in a child process (100 and 400 pages): peak RSS and
time stay within generous bounds and memory per page stays small (see test_large_pdf_*).
"""

from __future__ import annotations

import collections
import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import time
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import unquote

import pytest
from sqlalchemy import text

from tests.conftest import PROJECT_ROOT, PROVINCE_REPORT, SAMPLE_REPORTS
from tests.fixtures import edge_pdfs
from vnreports.db import get_engine
from vnreports.pipeline import data_docs_step, discover_step, parse_step, record_step, transform_step, validate_step

# ---------------------------------------------------------------------------------- the batch

NFC_NAME = unicodedata.normalize("NFC", "Báo cáo huyện Hạ Lang tháng 6.pdf")
NFD_NAME = unicodedata.normalize("NFD", "Báo cáo Quảng Hòa - Thạch An.pdf")
assert NFC_NAME != unicodedata.normalize("NFD", NFC_NAME) and not unicodedata.is_normalized("NFC", NFD_NAME)

# good reports: name in the inbox -> sample it is a copy of
GOOD = {
    "Báo cáo tỉnh Cao Bằng \"năm 2022\"; bản 'chính thức'.pdf": PROVINCE_REPORT.name,  # quotes and ';'
    NFC_NAME: "002_7536578806f022c2.pdf",
    NFD_NAME: "000_515a5de952ea6028.pdf",
    "2022/tháng 12/báo cáo số 3.pdf": "003_f52cf5fe5220986b.pdf",  # in a subfolder
}
LARGE_PAGES = 400
MAX_PAGES = 300  # REPORTS_MAX_PAGES for the batch: the large file is over it

# bad files: name -> (status, phrases the reason must contain after "<name>: ")
BAD = {
    "rỗng (0 byte).pdf": ("failed", ["empty file (0 bytes)"]),
    "tải dở; bị cắt.pdf": ("failed", ["truncated or corrupt PDF"]),
    "có mật khẩu.pdf": ("failed", ["password-protected PDF"]),
    "ghi chú 'đổi tên'.PDF": ("failed", ["not a PDF"]),
    "bản quét trắng (scan).pdf": ("failed", ["no text layer (an image-only scan) and OCR found no text"]),
    "rất dài 400 trang.pdf": ("failed", [f"too many pages ({LARGE_PAGES}; the limit is {MAX_PAGES}"]),
    "bản sao; báo cáo tỉnh.pdf": ("duplicate", ["same content as", list(GOOD)[0]]),
    "huyện Nam Trường Sơn.pdf": ("quarantined", [
        f"administrative unit not resolved (read: {edge_pdfs.UNKNOWN_UNIT_ISSUER!r} names no unit",
        "fix: vnreports metadata set 'huyện Nam Trường Sơn.pdf' --unit <GSO code>", "GX suite report_metadata failed"]),
    "không rõ kỳ báo cáo.pdf": ("quarantined", [
        "reporting period not resolved (read: ", "fix: vnreports metadata set 'không rõ kỳ báo cáo.pdf' --period",
        "GX suite report_metadata failed"]),
    # Word and Excel files are read (the type from the content): damaged ones fail with why
    "báo cáo tháng 5.docx": ("failed", ["damaged Word document"]),
    "phụ lục biểu.xlsx": ("failed", ["damaged Excel workbook"]),
    "văn bản cũ.doc": ("failed", ["LibreOffice"]),  # without it: how to install it; with it: cannot read it as Word 97
}


# other files in the inbox: recorded by discovery as failed with what they are, never parsed,
# never dropped silently (the type is read from the content: the .bin is a ZIP archive)
UNSUPPORTED = {
    "ghi chú.txt": ["unsupported file type: a file of an unknown type, not a report file"],
    "tải về.bin": ["a ZIP archive", "reports are read from PDF (text or scan), Word"],
    "bản chụp.jpg": ["a JPEG image", "image-only PDFs are read by OCR"],
}


OLE2_HEADER = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a Word or Excel 97-2003 file


def _office_file(path: Path, part: str) -> None:
    """A ZIP package with one part of unreadable XML: a damaged Office file (or another archive)."""
    import zipfile

    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr(part, f"<document>{path.name}</document>")


def _snapshot(inbox: Path) -> dict[str, tuple[int, int, str]]:
    """Every file under the inbox: (size, mtime_ns, sha256)."""
    return {p.relative_to(inbox).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns,
                                               hashlib.sha256(p.read_bytes()).hexdigest())
            for p in sorted(inbox.rglob("*")) if p.is_file()}


@pytest.fixture(scope="session")
def large_pdfs(tmp_path_factory) -> dict[int, Path]:
    """The large generated report, 100 and 400 pages, made once per session."""
    folder = tmp_path_factory.mktemp("large_pdfs")
    return {n: edge_pdfs.large_report(folder / f"large_{n}.pdf", pages=n) for n in (100, LARGE_PAGES)}


@pytest.fixture(scope="module")
def batch(tmp_path_factory, warehouse_url, large_pdfs):
    from tests.conftest import create_database, drop_database

    local = tmp_path_factory.mktemp("local")
    inbox = local / "inbox"
    inbox.mkdir()
    for name, sample in GOOD.items():
        (inbox / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(SAMPLE_REPORTS / sample, inbox / name)
    bad = iter(BAD)
    edge_pdfs.zero_byte(inbox / next(bad))
    edge_pdfs.truncated_pdf(inbox / next(bad), SAMPLE_REPORTS / "003_f52cf5fe5220986b.pdf")
    edge_pdfs.encrypted_pdf(inbox / next(bad))
    edge_pdfs.not_a_pdf(inbox / next(bad))
    edge_pdfs.blank_scan(inbox / next(bad))
    shutil.copy2(large_pdfs[LARGE_PAGES], inbox / next(bad))
    shutil.copy2(PROVINCE_REPORT, inbox / next(bad))
    edge_pdfs.unknown_unit_report(inbox / next(bad))
    edge_pdfs.no_period_report(inbox / next(bad))
    _office_file(inbox / next(bad), "word/document.xml")
    _office_file(inbox / next(bad), "xl/workbook.xml")
    (inbox / next(bad)).write_bytes(OLE2_HEADER + "WordDocument".encode("utf-16-le") + b"\0" * 64)
    (inbox / "ghi chú.txt").write_text("not a report: recorded as unsupported, never parsed")
    _office_file(inbox / "tải về.bin", "data/archive.xml")
    (inbox / "bản chụp.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * 64)
    # mtimes in the past, so an accidental rewrite would show
    for path in inbox.rglob("*"):
        if path.is_file():
            os.utime(path, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    before = _snapshot(inbox)

    mp = pytest.MonkeyPatch()
    mp.setenv("VNREPORTS_LOCAL_DIR", str(local))  # GX Data Docs and dbt artefacts go here
    mp.setenv("REPORTS_SETTLE_SECONDS", "0")
    mp.setenv("REPORTS_MAX_PAGES", str(MAX_PAGES))
    url = create_database(warehouse_url)
    handler = _ListHandler()
    loggers = [logging.getLogger(n) for n in ("vnreports.pipeline", "vnreports.ingest")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        files = discover_step(url, inbox, dag_run_id="bad-input")
        outcomes = {f["file_name"]: validate_step(url, parse_step(url, f, "bad-input"), "bad-input")
                    for f in files}
        docs = data_docs_step(url, "bad-input")
        transform_step(url)
        counts = record_step(url, "bad-input")
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
    yield {"url": url, "engine": get_engine(url), "inbox": inbox, "local": local, "before": before, "docs": docs,
           "files": files, "outcomes": outcomes, "counts": counts, "log": handler.records}
    mp.undo()
    drop_database(url)


class _ListHandler(logging.Handler):
    """Keeps the records of the steps' loggers (what Airflow's task log shows)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def file_rows(engine) -> dict[str, dict]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT file_name, file_path, status, reason, size_bytes FROM raw.report_file"))
        return {r.file_name: r._asdict() for r in rows}


def test_every_file_has_an_outcome_and_nothing_else_is_registered(batch):
    rows = file_rows(batch["engine"])
    assert set(rows) == set(GOOD) | set(BAD) | set(UNSUPPORTED)
    # names are stored exactly as on disk: NFD stays NFD, quotes and ';' intact
    assert NFD_NAME in rows and unicodedata.normalize("NFC", NFD_NAME) not in rows
    for name, row in rows.items():
        assert Path(row["file_path"]) == batch["inbox"] / name
        assert row["size_bytes"] == (batch["inbox"] / name).stat().st_size
    # the duplicate and the files that are no PDF are never parsed; everything else was
    assert {f["file_name"] for f in batch["files"]} == set(rows) - {"bản sao; báo cáo tỉnh.pdf"} - set(UNSUPPORTED)


@pytest.mark.parametrize("name", list(UNSUPPORTED))
def test_a_file_that_is_no_pdf_is_recorded_with_what_it_is(batch, name):
    row = file_rows(batch["engine"])[name]
    assert row["status"] == "failed" and row["reason"].startswith(f"{name}: unsupported file type: "), row
    for phrase in UNSUPPORTED[name]:
        assert phrase in row["reason"], (phrase, row["reason"])
    assert any(row["reason"] in r.getMessage() for r in batch["log"] if r.levelno >= logging.WARNING)


@pytest.mark.parametrize("name", list(BAD))
def test_bad_file_gets_status_and_a_plain_reason_naming_it(batch, name):
    status, phrases = BAD[name]
    row = file_rows(batch["engine"])[name]
    assert row["status"] == status, row
    reason = row["reason"]
    assert reason.startswith(f"{name}: ") or (status == "duplicate" and name not in reason), reason
    for phrase in phrases:
        assert phrase in reason, (phrase, reason)
    # the same reason is in the log of the step that decided it (the Airflow task log)
    logged = [r.getMessage() for r in batch["log"] if r.levelno >= logging.WARNING]
    if status == "duplicate":
        assert any(name in m and "same content as" in m and list(GOOD)[0] in m for m in logged), logged
    else:
        assert any(reason in m for m in logged), (reason, logged)


def test_duplicate_reason_names_the_original(batch):
    row = file_rows(batch["engine"])["bản sao; báo cáo tỉnh.pdf"]
    assert row["reason"] == f"same content as {list(GOOD)[0]}"


def test_good_reports_load_beside_the_bad_ones(batch):
    rows = file_rows(batch["engine"])
    for name in GOOD:
        assert rows[name]["status"] == "loaded", rows[name]
    engine = batch["engine"]
    with engine.connect() as conn:
        reports = dict(conn.execute(text("SELECT file_name, admin_unit_name FROM marts.dim_report")).all())
        facts = dict(conn.execute(text(
            "SELECT report_file, count(*) FROM marts.indicator_observations GROUP BY 1")).all())
    assert set(reports) == set(GOOD)  # nothing quarantined or failed reached the marts
    assert reports[list(GOOD)[0]] == "Tỉnh Cao Bằng"
    for name in GOOD:
        assert facts.get(name, 0) > 0, name
    expected_bad = collections.Counter(status for status, _ in BAD.values())
    assert batch["counts"] == {"loaded": len(GOOD), "failed": expected_bad["failed"] + len(UNSUPPORTED),
                               "duplicate": expected_bad["duplicate"], "quarantined": expected_bad["quarantined"]}


def test_unresolved_unit_or_period_never_reaches_the_marts(batch):
    """Quarantined: staged (for review) but no fact with an unknown unit or period in the marts."""
    engine = batch["engine"]
    with engine.connect() as conn:
        staged = dict(conn.execute(text(
            "SELECT file_name, admin_unit_code IS NULL OR period_start IS NULL FROM staging.report")).all())
        null_keys = conn.execute(text("""
            SELECT count(*) FROM marts.fct_indicator_value
             WHERE admin_unit_code IS NULL OR period_key IS NULL""")).scalar_one()
        quarantined_facts = conn.execute(text("""
            SELECT count(*) FROM marts.fct_indicator_value v
              JOIN raw.report_file f ON f.report_id = v.report_id AND f.status <> 'duplicate'
             WHERE f.status <> 'loaded'""")).scalar_one()
        null_view = conn.execute(text("""
            SELECT count(*) FROM marts.indicator_values
             WHERE admin_unit_code IS NULL OR period_start IS NULL""")).scalar_one()
        quarantined_in_marts = conn.execute(text("""
            SELECT count(*) FROM marts.indicator_observations o
              JOIN raw.report_file f ON f.file_name = o.report_file
             WHERE f.status <> 'loaded'""")).scalar_one()
    assert staged["huyện Nam Trường Sơn.pdf"] and staged["không rõ kỳ báo cáo.pdf"]
    assert null_keys == 0 and null_view == 0 and quarantined_in_marts == 0 and quarantined_facts == 0


def test_validation_history_and_data_docs_for_odd_names(batch):
    engine = batch["engine"]
    with engine.connect() as conn:
        validated = dict(conn.execute(text("""
            SELECT f.file_name, bool_and(v.success) FROM raw.validation_run v
              JOIN raw.report_file f ON f.report_id = v.report_id AND f.status <> 'duplicate'
             GROUP BY 1""")).all())
    assert set(validated) == set(GOOD) | {"huyện Nam Trường Sơn.pdf", "không rõ kỳ báo cáo.pdf"}
    assert validated["huyện Nam Trường Sơn.pdf"] is False and validated["không rõ kỳ báo cáo.pdf"] is False
    assert list((batch["local"] / "gx").rglob("index.html"))
    # the run's one Data Docs build rendered a page per suite of every validated report, the
    # quarantined ones included
    assert batch["docs"]["results"] == 4 * len(validated)
    pages = list((batch["local"] / "gx" / "uncommitted" / "data_docs").rglob("validations/**/*.html"))
    assert len(pages) == 4 * len(validated)


def test_the_data_quality_page_names_every_file_newest_first_and_why(batch):
    """The page the run's data_docs and record steps wrote beside the Data Docs: every file of
    the batch, newest status change first, each bad one with its reason, each quarantined one with
    the expectations GX failed; links to the report's own GX validation pages, relative."""
    from html import escape

    assert batch["docs"]["quality_page"] == str(batch["local"] / "gx" / "uncommitted" / "data_docs" / "quality.html")
    page = Path(batch["docs"]["quality_page"])
    html = page.read_text(encoding="utf-8")
    with batch["engine"].connect() as conn:
        newest_first = [r.file_name for r in conn.execute(text(
            "SELECT file_name FROM raw.report_file ORDER BY status_at DESC, file_id DESC"))]
        failed_by_file = {r.file_name: r.expectations for r in conn.execute(text("""
            SELECT f.file_name, array_agg(e ->> 'expectation') AS expectations
              FROM raw.report_file f JOIN raw.validation_run v ON v.report_id = f.report_id
             CROSS JOIN jsonb_array_elements(v.failed_expectations) e
             WHERE f.status = 'quarantined' AND e ->> 'severity' = 'critical' GROUP BY 1"""))}
    articles = re.findall(r'<article class="report.*?</article>', html, re.S)
    shown = [re.search(r'<span class="file">(.*?)</span>', a).group(1) for a in articles]
    assert shown == [escape(n) for n in newest_first]
    blocks = dict(zip(newest_first, articles))
    rows = file_rows(batch["engine"])
    for name, (status, _) in BAD.items():
        assert f'badge st-{status}">{status}<' in blocks[name] and escape(rows[name]["reason"]) in blocks[name]
    assert set(failed_by_file) == {n for n, (status, _) in BAD.items() if status == "quarantined"}
    for name, expectations in failed_by_file.items():
        block = blocks[name]
        assert f"Failed expectations ({len(expectations)})" in block
        assert all(f"<code>{e}</code>" in block for e in expectations)
        links = re.findall(r'<a href="([^"]+)">', block)
        assert len(links) == 4 and all((page.parent / unquote(href)).resolve().is_file() for href in links)
    for name in GOOD:
        assert 'badge st-loaded">loaded<' in blocks[name] and "Failed expectations" not in blocks[name]


def test_the_data_quality_page_offline_in_a_headless_browser(batch):
    """Opened in Chromium with no network, as in an office without internet: the page shows
    each quarantined report, its reason and the failed expectations, and asked for nothing
    from anywhere (the GX Data Docs index in the same browser shows bare links and empty
    tables: its styles and scripts come from CDNs)."""
    from tests import browser

    seen = browser.open_offline(Path(batch["docs"]["quality_page"]).as_uri())
    assert seen.external == [] and seen.scripts == 0
    shown = " ".join(seen.text.split())
    rows = file_rows(batch["engine"])
    for name, (status, _) in BAD.items():
        assert name in shown and " ".join(rows[name]["reason"].split()) in shown, name
    assert "Why quarantined: huyện Nam Trường Sơn.pdf: administrative unit not resolved" in shown
    assert "expect_column_values_to_not_be_null on admin_unit_code" in shown


def test_inbox_is_untouched(batch):
    """Nothing in the inbox is deleted, moved, rewritten or touched (bytes and mtime)."""
    assert _snapshot(batch["inbox"]) == batch["before"]


def test_a_second_run_registers_nothing_new(batch):
    files = discover_step(batch["url"], batch["inbox"], dag_run_id="bad-input-2")
    assert files == []
    assert len(file_rows(batch["engine"])) == len(GOOD) + len(BAD) + len(UNSUPPORTED)
    assert _snapshot(batch["inbox"]) == batch["before"]


# ---------------------------------------------------------------------------------- large PDF

# Peak RSS is the child's VmHWM: getrusage's ru_maxrss survives exec on Linux, so a child of
# this (large) pytest process would report the parent's peak.
_CHILD = """
import json, re, sys, time
def peak_kb():
    with open("/proc/self/status") as status:
        return int(re.search(r"VmHWM:\\s+(\\d+) kB", status.read()).group(1))
from vnreports.parsing import parse_report
imported = peak_kb()
start = time.perf_counter()
report = parse_report(sys.argv[1])
print(json.dumps({"pages": report.page_count, "tables": len(report.tables), "values": len(report.values),
                  "seconds": time.perf_counter() - start, "imported_kb": imported, "peak_kb": peak_kb()}))
"""


def _parse_in_child(path: Path) -> dict:
    env = {**os.environ, "REPORTS_MAX_PAGES": "1000"}
    result = subprocess.run([sys.executable, "-c", _CHILD, str(path)], cwd=PROJECT_ROOT, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_large_pdf_parses_with_bounded_memory_and_time(large_pdfs):
    """100 and 400 pages, each parsed in its own process (in parallel: two cores). Memory:
    peak RSS far below 1.5 GB, and the pages a report holds until its end cost little each
    (before the chars were slimmed it was ~1.2 MB a page: 172 MB at 100 pages, 525 MB at 400)."""
    started = time.perf_counter()
    with ThreadPoolExecutor(2) as pool:
        small, large = pool.map(_parse_in_child, (large_pdfs[100], large_pdfs[LARGE_PAGES]))
    print(f"\nlarge PDF: 100 pages {small['seconds']:.1f} s, peak RSS {small['peak_kb'] // 1024} MB; "
          f"{LARGE_PAGES} pages {large['seconds']:.1f} s, peak RSS {large['peak_kb'] // 1024} MB "
          f"(after imports {large['imported_kb'] // 1024} MB); wall {time.perf_counter() - started:.1f} s")
    assert small["pages"] == 100 and large["pages"] == LARGE_PAGES
    assert large["tables"] >= LARGE_PAGES - 1 and large["values"] > 10 * LARGE_PAGES  # really parsed
    assert large["peak_kb"] < 1.5 * 1024 * 1024
    per_page_mb = (large["peak_kb"] - small["peak_kb"]) / 1024 / (LARGE_PAGES - 100)
    assert per_page_mb < 0.8, f"{per_page_mb:.2f} MB per page"
    assert large["peak_kb"] < 3 * small["peak_kb"]  # not proportional to pages (was 3.05x)
    assert large["seconds"] < 300  # a generous safety bound, not a benchmark


def test_page_limit_is_checked_before_any_page_is_read(large_pdfs, monkeypatch):
    from vnreports.parsing import parse_report
    from vnreports.parsing.model import ReportParseError

    monkeypatch.setenv("REPORTS_MAX_PAGES", "99")
    started = time.perf_counter()
    with pytest.raises(ReportParseError, match=r"^large_100\.pdf: too many pages \(100; the limit is 99"):
        parse_report(large_pdfs[100])
    assert time.perf_counter() - started < 10
    monkeypatch.setenv("REPORTS_MAX_PAGES", "lots")
    with pytest.raises(ValueError, match="REPORTS_MAX_PAGES must be a positive integer"):
        parse_report(large_pdfs[100])


def test_a_file_name_that_is_not_utf8_fails_alone(fresh_database, tmp_path, monkeypatch, caplog):
    """Linux allows any bytes in a name; PostgreSQL and XCom (JSON) do not: the file is recorded
    as failed under a readable form of its name, and discovery goes on with the others."""
    monkeypatch.setenv("REPORTS_SETTLE_SECONDS", "0")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy2(PROVINCE_REPORT, inbox / "tốt.pdf")
    raw_name = os.path.join(os.fsencode(inbox), "báo cáo ".encode("cp1258") + b"\xff.pdf")
    with open(raw_name, "wb") as handle:
        handle.write(b"%PDF-1.4 not really\n%%EOF\n")
    with caplog.at_level(logging.WARNING, logger="vnreports.ingest"):
        files = discover_step(fresh_database, inbox)
    assert [f["file_name"] for f in files] == ["tốt.pdf"]
    rows = file_rows(get_engine(fresh_database))
    (shown,) = set(rows) - {"tốt.pdf"}
    assert shown.endswith("\\xff.pdf") and rows[shown]["status"] == "failed"
    assert rows[shown]["reason"].startswith(f"{shown}: the file name is not valid UTF-8")
    assert rows[shown]["reason"] in caplog.text
    assert discover_step(fresh_database, inbox) == files  # not registered twice
    assert os.path.exists(raw_name)


def test_an_unsupported_file_stays_unsupported_when_reprocessed(fresh_database, tmp_path, monkeypatch):
    """`vnreports reprocess --older-than-parser` sets failed files back to be parsed again (scans
    that failed before OCR): an image among them gets its own reason again, not the parser's
    "not a PDF"."""
    from vnreports.ingest import reprocess
    from vnreports.parsing import PARSER_VERSION

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "ảnh chụp.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * 64)
    monkeypatch.setenv("REPORTS_INBOX", str(inbox))
    monkeypatch.setenv("VNREPORTS_LOCAL_DIR", str(tmp_path / "local"))
    engine = get_engine(fresh_database)
    assert discover_step(fresh_database, inbox, dag_run_id="first") == []
    assert [f["file_name"] for f in reprocess(engine, other_parser_than=PARSER_VERSION)] == ["ảnh chụp.jpg"]
    (again,) = discover_step(fresh_database, inbox, dag_run_id="second")
    outcome = parse_step(fresh_database, again, "second")
    assert outcome["status"] == "failed"
    assert outcome["reason"].startswith("ảnh chụp.jpg: unsupported file type: a JPEG image")
