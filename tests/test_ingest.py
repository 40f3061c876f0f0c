"""Discovery and staging against a real PostgreSQL: idempotent, duplicate-aware, never touching sources."""

from __future__ import annotations

import shutil
import threading
import time

import pytest
from sqlalchemy import text

from tests.conftest import PROVINCE_REPORT, SAMPLE_REPORTS
from vnreports.db import ensure_schema, get_engine
from vnreports.ingest import discover, list_settled_files, sha256_of, stage_report


@pytest.fixture()
def engine(fresh_database):
    engine = get_engine(fresh_database)
    ensure_schema(engine)
    ensure_schema(engine)  # the DDL is idempotent
    return engine


def statuses(engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT file_name, status FROM raw.report_file")).all())


def test_discover_registers_each_content_once_and_records_duplicates(engine, tmp_path):
    for sample in SAMPLE_REPORTS.glob("*.pdf"):
        shutil.copy2(sample, tmp_path / sample.name)
    shutil.copy2(PROVINCE_REPORT, tmp_path / "copy of the province report.PDF")
    (tmp_path / "notes.txt").write_text("not a report")

    found = discover(engine, tmp_path, "run-1", settle_seconds=0)
    assert sorted(f.file_name for f in found) == sorted(p.name for p in SAMPLE_REPORTS.glob("*.pdf"))
    assert {f.report_id for f in found} == {sha256_of(p) for p in SAMPLE_REPORTS.glob("*.pdf")}
    assert statuses(engine)["copy of the province report.PDF"] == "duplicate"
    assert statuses(engine)["notes.txt"] == "failed"  # recorded as unsupported, never parsed

    # A second discovery (a re-run of the task) adds nothing and returns the same pending files.
    again = discover(engine, tmp_path, "run-1-retry", settle_seconds=0)
    assert [f.file_id for f in again] == [f.file_id for f in found]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM raw.report_file")).scalar_one() == 6  # notes.txt too
        reason = conn.execute(text(
            "SELECT reason FROM raw.report_file WHERE status = 'duplicate'")).scalar_one()
    assert PROVINCE_REPORT.name in reason


def test_concurrent_discoveries_register_a_file_once(engine, tmp_path):
    shutil.copy2(PROVINCE_REPORT, tmp_path / "a.pdf")
    results = []
    threads = [threading.Thread(target=lambda: results.append(discover(engine, tmp_path, settle_seconds=0)))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(statuses(engine)) == 1


def test_a_file_still_being_written_waits_for_the_next_run(tmp_path):
    growing = tmp_path / "growing.pdf"
    growing.write_bytes(b"%PDF-1.7\n")
    shutil.copy2(PROVINCE_REPORT, tmp_path / "complete.pdf")

    def keep_writing():
        for _ in range(10):
            with growing.open("ab") as handle:
                handle.write(b"x" * 1000)
            time.sleep(0.05)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    settled = list_settled_files(tmp_path, settle_seconds=0.3)
    writer.join()
    assert [p.name for p in settled] == ["complete.pdf"]


def test_missing_inbox_is_a_clear_error(engine, tmp_path):
    with pytest.raises(FileNotFoundError, match="inbox"):
        discover(engine, tmp_path / "nowhere", settle_seconds=0)


def test_staging_a_report_twice_replaces_its_rows(engine, tmp_path):
    from vnreports.parsing import PARSER_VERSION, parse_report

    shutil.copy2(PROVINCE_REPORT, tmp_path / PROVINCE_REPORT.name)
    (pending,) = discover(engine, tmp_path, settle_seconds=0)
    report = parse_report(tmp_path / PROVINCE_REPORT.name)
    assert report.sha256 == pending.report_id

    def counts():
        with engine.connect() as conn:
            return {table: conn.execute(text(f"SELECT count(*) FROM staging.{table}")).scalar_one()
                    for table in ("report", "report_page", "indicator_table", "table_row",
                                  "table_cell", "indicator_value", "narrative_fact",
                                  "unresolved_mention", "footnote")}

    first = stage_report(engine, report, PARSER_VERSION, "run-1")
    after_first = counts()
    stage_report(engine, report, PARSER_VERSION, "run-1-retry")
    assert counts() == after_first
    assert after_first["report"] == 1 and after_first["report_page"] == report.page_count
    assert after_first["indicator_value"] == first["values"] > 0
    assert after_first["narrative_fact"] == first["narrative_facts"] == len(report.narrative_facts)
    assert after_first["unresolved_mention"] == first["unresolved_mentions"] == len(report.unresolved_mentions)
    assert after_first["footnote"] == first["footnotes"] == len(report.footnotes)
    assert statuses(engine)[PROVINCE_REPORT.name] == "parsed"
    # The source file is untouched.
    assert (tmp_path / PROVINCE_REPORT.name).read_bytes() == PROVINCE_REPORT.read_bytes()


def test_parse_step_records_unreadable_changed_and_crashing_files_and_goes_on(engine, tmp_path, monkeypatch):
    """Every way a file can fail to parse ends as 'failed' with a reason naming the file."""
    import vnreports.parsing
    from vnreports.pipeline import parse_step

    url = engine.url.render_as_string(hide_password=False)
    (tmp_path / "bad.pdf").write_bytes(b"not a pdf at all")
    shutil.copy2(PROVINCE_REPORT, tmp_path / "replaced.pdf")
    shutil.copy2(SAMPLE_REPORTS / "003_f52cf5fe5220986b.pdf", tmp_path / "crash.pdf")
    shutil.copy2(SAMPLE_REPORTS / "002_7536578806f022c2.pdf", tmp_path / "good.pdf")
    pending = {f.file_name: f.__dict__ for f in discover(engine, tmp_path, settle_seconds=0)}
    (tmp_path / "replaced.pdf").write_bytes((SAMPLE_REPORTS / "000_515a5de952ea6028.pdf").read_bytes())

    outcomes = {name: parse_step(url, pending[name]) for name in ("bad.pdf", "replaced.pdf", "good.pdf")}
    real_parse = vnreports.parsing.parse_report

    def parser_bug(path, file_name=None, metadata_override=None):  # fault injection: a crash on an unseen layout
        if file_name == "crash.pdf":
            raise IndexError("list index out of range")
        return real_parse(path, file_name=file_name, metadata_override=metadata_override)

    monkeypatch.setattr(vnreports.parsing, "parse_report", parser_bug)
    outcomes["crash.pdf"] = parse_step(url, pending["crash.pdf"])

    assert outcomes["good.pdf"]["status"] == "parsed"
    for name, cause in (("bad.pdf", "not a PDF"), ("replaced.pdf", "changed after discovery"),
                        ("crash.pdf", "parser error (IndexError")):
        assert outcomes[name]["status"] == "failed"
        assert outcomes[name]["reason"].startswith(name) and cause in outcomes[name]["reason"]
    assert statuses(engine) == {"bad.pdf": "failed", "replaced.pdf": "failed", "crash.pdf": "failed",
                                "good.pdf": "parsed"}
