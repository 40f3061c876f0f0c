"""What makes a month of reports fast (issue 14), checked for what it must not change.

- pdfium instead of pdfminer, ruled pages included: the parser gives the same report (tables,
  values, sentence facts, metadata) as with pdfplumber's own chars and edges on every page, and
  pdfplumber's table finder finds the same cells on pdfium's edges as on pdfminer's;
- `vnreports run`'s choice of how to run (a local scheduler when there is something to parse);
- the progress line of parse and validate.
"""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import pdfplumber
import pytest
from pdfplumber.table import TableFinder

from tests.conftest import SAMPLE_REPORTS, create_database, drop_database
from vnreports.evaluation import CORPUS_DIR
from vnreports.parsing import parse_report, pdfium_chars
from vnreports.parsing.tables import RULED_SETTINGS, has_ruling

SAMPLES = sorted(SAMPLE_REPORTS.glob("*.pdf"))


@pytest.fixture(scope="module")
def synthetic_pdf(tmp_path_factory) -> Path:
    """A generated district report: reportlab's PDF (another producer than Word), with a ruled
    multi-page annex."""
    from vnreports.synthetic import write_reports

    folder = tmp_path_factory.mktemp("synthetic")
    write_reports(folder, 1, pages=8, seed=3)
    return next(folder.glob("*.pdf"))


def _cells(page) -> list[tuple[float, ...]]:
    if not has_ruling(page):
        return []
    return sorted(tuple(round(v, 1) for v in c) for t in TableFinder(page, RULED_SETTINGS).tables for c in t.cells)


def _pages_with_pdfium_layout(paths: list[Path]):
    """(path, 0-based index, pdfplumber page, pdfium's (chars, edges) of it or None) per page."""
    for path in paths:
        data = path.read_bytes()
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            doc = pdfium_chars.open_document(data, len(pdf.pages))
            for index, page in enumerate(pdf.pages):
                yield path, index, page, pdfium_chars.page_layout(
                    doc, index, float(page.initial_doctop), float(page.width), float(page.height))
            pdfium_chars.close_document(doc)


def test_pdfium_edges_give_pdfplumbers_table_cells(synthetic_pdf):
    ruled = 0
    for path, index, page, layout in _pages_with_pdfium_layout([*SAMPLES, synthetic_pdf]):
        if not page.edges:
            continue
        assert layout is not None, f"{path.name} page {index + 1}: fell back to pdfminer"
        chars, edges = layout
        fast = pdfium_chars.EdgePage(edges, float(page.width), float(page.height))
        assert _cells(fast) == _cells(page), f"{path.name} page {index + 1}"
        ruled += bool(_cells(page))
    assert ruled >= 6  # the Word sample's annex pages and the synthetic annex


def test_text_lines_are_pdfplumbers_text_lines(synthetic_pdf):
    """pdftext's own line builder for upright chars gives exactly pdfplumber's
    chars_to_textmap(...).extract_text_lines(...): the same text, boxes and char objects per line,
    on pdfium's chars and on pdfminer's, page by page. (Compared once by script on every page of
    the 4 samples, the 12 corpus PDFs and 6 synthetic reports, both ways: all equal.)"""
    from pdfplumber.utils.text import chars_to_textmap

    from vnreports.parsing.pdftext import _upright_lines, mark_superscripts

    def lines(found):
        return [(ln["text"], ln["x0"], ln["top"], ln["x1"], ln["bottom"], [id(c) for c in ln["chars"]])
                for ln in found]

    checked = 0
    for path, index, page, layout in _pages_with_pdfium_layout([*SAMPLES, synthetic_pdf]):
        # pdfminer's chars (slow to read) on the first pages of each file
        for chars in ([layout[0]] if layout else []) + ([page.chars] if index < 8 else []):
            chars = mark_superscripts(chars)
            if not chars:
                continue
            ours = _upright_lines(chars)
            assert ours is not None, f"{path.name} page {index + 1}: not upright"
            theirs = chars_to_textmap(chars, x_tolerance=3, y_tolerance=3).extract_text_lines(
                strip=True, return_chars=True)
            assert lines(ours) == lines(theirs), f"{path.name} page {index + 1}"
            checked += 1
            upright = chars
    assert checked > 137 + 4 * 8  # every page of the samples from pdfium, and some from pdfminer
    rotated = [{**c, "upright": False} for c in upright]
    assert _upright_lines(rotated) is None  # other pages go through pdfplumber itself


def test_cell_text_is_pdfplumbers_extract_text(synthetic_pdf):
    """pdftext's own extract_text for upright chars (a table's cells are thousands of calls) gives
    exactly pdfplumber's `extract_text(chars, x_tolerance=3, y_tolerance=3)`: on every page's
    chars, and on every cell of a grid laid over the page (cuts through words and lines as a
    ruled cell's box does), from pdfium's chars and from pdfminer's."""
    from pdfplumber.utils.text import extract_text

    from vnreports.parsing.pdftext import _upright_text, chars_in_bbox, mark_superscripts

    compared = multiline = 0
    for path, index, page, layout in _pages_with_pdfium_layout([*SAMPLES, synthetic_pdf]):
        for chars in ([layout[0]] if layout else []) + ([page.chars] if index < 4 else []):
            chars = mark_superscripts(chars)
            if not chars:
                continue
            width, height = float(page.width), float(page.height)
            boxes = [(0, 0, width, height)] + [
                (width * i / 6, height * j / 14, width * (i + 1) / 6, height * (j + 1) / 14)
                for i in range(6) for j in range(14)]
            for box in boxes:
                inside = chars_in_bbox(chars, box)
                if not inside:
                    continue
                ours = _upright_text(inside)
                assert ours == extract_text(inside, x_tolerance=3, y_tolerance=3), f"{path.name} p{index + 1} {box}"
                compared += 1
                multiline += "\n" in ours
    assert compared > 2000 and multiline > 500
    assert _upright_text([{**c, "upright": False} for c in chars]) is None  # others go through pdfplumber


CORPUS_PDFS = sorted(CORPUS_DIR.glob("*.pdf"))


def test_the_c_helper_reads_exactly_the_chars_of_the_python_loop(synthetic_pdf, monkeypatch):
    """The parser's C helper (_pdfium_text.c, built by the install) is the per-char loop of
    pdfium_chars in C: every page of the samples, the test fixtures' PDFs and a reportlab report
    gives the same chars and edges (or the same fallback to pdfplumber) both ways."""
    if pdfium_chars._fast_text is None:
        pytest.fail("the C helper is not built: `make setup` compiles it (setup.py); is gcc installed?")
    pages = 0
    for path in [*SAMPLES, synthetic_pdf, *CORPUS_PDFS]:
        data = path.read_bytes()
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            doc = pdfium_chars.open_document(data, len(pdf.pages))
            for index, page in enumerate(pdf.pages):
                args = (doc, index, float(page.initial_doctop), float(page.width), float(page.height))
                with_c = pdfium_chars.page_layout(*args)
                with monkeypatch.context() as m:
                    m.setattr(pdfium_chars, "_fast_text", None)
                    in_python = pdfium_chars.page_layout(*args)
                assert with_c == in_python, f"{path.name} page {index + 1}"
                pages += with_c is not None
            pdfium_chars.close_document(doc)
    assert pages > 137


def _without_geometry(report) -> dict:
    """The parsed report less boxes and positions (pdfium's glyph boxes differ from pdfminer's by
    hundredths of a point, and up to a point for overhanging letters) and less the file hash."""
    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in ("bbox", "sha256", "extraction")}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return strip(dataclasses.asdict(report))


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_the_parser_reads_the_same_report_with_pdfium_as_with_pdfminer(path, monkeypatch):
    fast = parse_report(path)
    monkeypatch.setattr(pdfium_chars, "open_document", lambda data, page_count: None)  # every page by pdfminer
    slow = parse_report(path)
    assert _without_geometry(fast) == _without_geometry(slow)
    assert fast.narrative_facts  # a report that says something (two samples have no table)


def test_a_run_with_files_to_parse_goes_to_the_local_scheduler(warehouse_url, tmp_path, monkeypatch):
    """`vnreports run` starts a local scheduler when there is something to parse; a run with
    nothing new goes through `airflow dags test` (starting the components would cost more)."""
    import shutil

    from vnreports import cli
    from vnreports.db import ensure_schema, get_engine
    from vnreports.ingest import discover, files_to_parse

    url = create_database(warehouse_url)
    try:
        inbox = tmp_path / "inbox"
        inbox.mkdir()
        monkeypatch.setenv("REPORTS_INBOX", str(inbox))
        monkeypatch.delenv("VNREPORTS_RUN_MODE", raising=False)
        env = {"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": "postgresql+psycopg2://x@localhost/airflow"}
        engine = get_engine(url)
        assert files_to_parse(engine, inbox) == 0  # before the first run: no tables, no files
        shutil.copy2(SAMPLES[0], inbox / SAMPLES[0].name)
        shutil.copy2(SAMPLES[0], inbox / "copy.pdf")
        assert files_to_parse(engine, inbox) == 2
        assert cli.run_in_process(url, env) is False
        ensure_schema(engine)
        discover(engine, inbox, settle_seconds=0)
        assert files_to_parse(engine, inbox) == 1  # the copy is a duplicate; the original waits to be parsed
        with engine.begin() as conn:
            conn.exec_driver_sql("UPDATE raw.report_file SET status = 'loaded' WHERE status = 'discovered'")
        assert files_to_parse(engine, inbox) == 0
        assert cli.run_in_process(url, env) is True
        monkeypatch.setenv("VNREPORTS_RUN_MODE", "local-executor")
        assert cli.run_in_process(url, env) is False
        assert cli.run_in_process(url, {"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": "sqlite:///x.db"}) is False
        monkeypatch.delenv("VNREPORTS_RUN_MODE")
        assert cli.run_in_process(url, {"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": "sqlite:///x.db"}) is True
        engine.dispose()
    finally:
        drop_database(url)


def test_the_progress_line_counts_files_and_says_what_is_left():
    from vnreports.local_airflow import FilesProgress

    out = io.StringIO()
    progress = FilesProgress(tty=False)
    progress.update(0, 0, 200, None, now=100.0, out=out)  # the start: a first line
    progress.update(40, 20, 200, 700, now=110.0, out=out)
    progress.update(41, 21, 200, 720, now=111.0, out=out)  # same tenth: no new line
    progress.update(200, 200, 200, 7000, now=200.0, out=out)
    progress.update(200, 200, 200, 7000, now=201.0, out=out)  # finished: nothing more
    lines = out.getvalue().splitlines()
    assert len(lines) == 3, lines
    assert "0/200" in lines[0]
    assert "parse ▕███" in lines[1] and "40/200" in lines[1] and "20/200 files" in lines[1]
    assert "70.0 pages/s" in lines[1] and "about 1:30 left" in lines[1]  # 10 s for 20 files: 180 more
    assert "200/200 files" in lines[2] and "70.0 pages/s" in lines[2] and "1:40" in lines[2] and "left" not in lines[2]


def test_the_local_scheduler_runs_a_task_more_than_the_cores(monkeypatch, tmp_path):
    """Not AIRFLOW__CORE__PARALLELISM of `make airflow`'s environment (4): one task more than the
    cores, or VNREPORTS_PARALLELISM."""
    import os

    from vnreports.local_airflow import LocalAirflow, tasks_at_once

    monkeypatch.delenv("VNREPORTS_PARALLELISM", raising=False)
    assert tasks_at_once() == len(os.sched_getaffinity(0)) + 1
    assert LocalAirflow({}, log_dir=tmp_path).parallelism == tasks_at_once()
    monkeypatch.setenv("VNREPORTS_PARALLELISM", "3")
    airflow = LocalAirflow({"AIRFLOW__CORE__PARALLELISM": "4"}, log_dir=tmp_path)
    env = airflow.component_env(8793)
    assert env["AIRFLOW__CORE__PARALLELISM"] == "3" and env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
    assert env["AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE"] == "False"  # the triggered run is the only run
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:8793/execution/"
    assert env["AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL"] == "1"  # no 5 s idle slot after a task
    monkeypatch.setenv("VNREPORTS_PARALLELISM", "zero")
    with pytest.raises(SystemExit, match="VNREPORTS_PARALLELISM"):
        tasks_at_once()


def test_the_metadata_database_is_migrated_only_when_not_at_this_airflows_revision(monkeypatch, tmp_path):
    """`vnreports run` skips `airflow db migrate` (about 4 s) when the metadata database is at the
    revision this Airflow version migrated it to; a new Airflow, another revision or another
    database migrates again. `airflow db migrate` itself is stood in for by writing the revision
    table; the real command runs in the end-to-end tests."""
    import sqlite3

    from vnreports import cli

    db = tmp_path / "airflow.db"
    env = {"AIRFLOW_HOME": str(tmp_path / "home"), "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{db}"}
    ran: list[list[str]] = []

    def set_revision(revision: str) -> None:
        with sqlite3.connect(db) as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS alembic_version (version_num TEXT)")
            conn.execute("DELETE FROM alembic_version")
            conn.execute("INSERT INTO alembic_version VALUES (?)", (revision,))

    def fake_airflow(args, env, **kwargs):
        ran.append(args)
        set_revision("rev-b")

    monkeypatch.setattr(cli, "_airflow", fake_airflow)
    assert cli.migrate_metadata_db(env) is True  # no metadata database yet
    assert cli.migrate_metadata_db(env) is False  # at the revision it was migrated to
    assert ran == [["db", "migrate"]]
    set_revision("rev-a")  # e.g. restored from an older backup
    assert cli.migrate_metadata_db(env) is True
    monkeypatch.setattr("importlib.metadata.version", lambda name: "9.9.9")  # another Airflow
    assert cli.migrate_metadata_db(env) is True
    assert cli.migrate_metadata_db(env) is False
    other = {**env, "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{tmp_path / 'other.db'}"}
    assert cli.migrate_metadata_db(other) is True  # fake writes the first db; the other has no table
    assert len(ran) == 4


def test_stopping_a_component_stops_the_task_processes_in_their_own_process_groups(tmp_path):
    """A task's supervisor moves the task into a process group of its own, which a SIGTERM/SIGKILL
    of the component's group misses; the stop reaches every process of the component's session."""
    import os
    import subprocess
    import sys
    import time

    from vnreports.local_airflow import _stop_group

    pid_file = tmp_path / "task.pid"
    component = subprocess.Popen(
        [sys.executable, "-c",
         "import os, signal, subprocess, sys, time\n"
         "task = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'], process_group=0)\n"
         f"open({str(pid_file)!r}, 'w').write(str(task.pid))\n"
         "time.sleep(600)\n"],
        start_new_session=True)
    deadline = time.monotonic() + 30
    while not pid_file.exists() or not pid_file.read_text():
        assert time.monotonic() < deadline
        time.sleep(0.1)
    task_pid = int(pid_file.read_text())
    assert os.getpgid(task_pid) == task_pid != component.pid  # its own group, the component's session
    assert os.getsid(task_pid) == component.pid
    _stop_group(component)
    assert component.poll() is not None
    time.sleep(0.2)
    try:  # gone, or a zombie until init reaps it (its parent, the component, is dead)
        with open(f"/proc/{task_pid}/stat") as fh:
            state = fh.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        state = "gone"
    assert state in ("Z", "X", "gone")
