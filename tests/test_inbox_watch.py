"""The inbox watch of event-driven loads (vnreports.inbox_watch) against a real PostgreSQL and
the real discover(): what a look reports, what it reads, and the trigger's events.

The end to end run (a file dropped into a real Airflow's inbox starts a run within a minute and
loads once beside a monthly-style run) is in test_operations.py, on that module's Airflow."""

from __future__ import annotations

import asyncio
import os
import shutil
import time

import pytest
from sqlalchemy import text

from tests.conftest import SAMPLE_REPORTS
from vnreports.db import ensure_schema, get_engine
from vnreports.inbox_watch import InboxFilesTrigger, InboxWatch, list_inbox
from vnreports.ingest import discover


def fake_pdf(path, seed: int, size: int = 4096) -> None:
    """Bytes discover registers like any PDF (it hashes, it does not parse)."""
    body = f"%PDF-1.4\n% report {seed}\n".encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body + bytes((seed * 7 + i) % 251 for i in range(size - len(body))))


@pytest.fixture()
def engine(fresh_database):
    engine = get_engine(fresh_database)
    ensure_schema(engine)
    return engine


def test_registered_files_cost_a_stat_each_and_no_read(engine, tmp_path):
    """200 registered files: a look reads none of them (no hash); new and replaced ones are found."""
    inbox = tmp_path / "inbox"
    for i in range(200):
        fake_pdf(inbox / f"2024/r{i:03d}.pdf", i)
    watch = InboxWatch(inbox, settle_seconds=0)
    assert len(watch.unregistered(engine)) == 200  # nothing registered yet: every file, unread
    assert watch.files_read == 0
    discover(engine, inbox, "run-1", settle_seconds=0)
    started = time.monotonic()
    assert watch.unregistered(engine) == []
    assert watch.files_read == 0
    print(f"a look at 200 registered files: {time.monotonic() - started:.3f} s")

    fake_pdf(inbox / "2024/new one.PDF", 500)
    assert [e.name for e in watch.unregistered(engine)] == ["2024/new one.PDF"]
    assert watch.files_read == 0  # a name never registered needs no read either


def test_a_file_replaced_in_place_is_found_and_one_only_touched_is_read_once(engine, tmp_path):
    inbox = tmp_path / "inbox"
    fake_pdf(inbox / "a.pdf", 1)
    fake_pdf(inbox / "b.pdf", 2)
    discover(engine, inbox, "run-1", settle_seconds=0)
    watch = InboxWatch(inbox, settle_seconds=0)
    assert watch.unregistered(engine) == []

    fake_pdf(inbox / "a.pdf", 3)  # new bytes, same size, same name
    (inbox / "b.pdf").touch()  # same bytes, newer mtime
    assert [e.name for e in watch.unregistered(engine)] == ["a.pdf"]
    assert watch.files_read == 2  # both changed since registered: their content decides
    assert [e.name for e in watch.unregistered(engine)] == ["a.pdf"]
    assert watch.files_read == 2  # not read again while unchanged

    discover(engine, inbox, "run-2", settle_seconds=0)
    assert watch.unregistered(engine) == []


def test_a_copy_that_keeps_an_old_mtime_is_found_by_its_ctime(engine, tmp_path):
    """cp -p / rsync -t set the mtime back; the ctime they cannot."""
    inbox, elsewhere = tmp_path / "inbox", tmp_path / "elsewhere"
    fake_pdf(inbox / "a.pdf", 1)
    discover(engine, inbox, "run-1", settle_seconds=0)
    fake_pdf(elsewhere / "a.pdf", 2)
    os.utime(elsewhere / "a.pdf", (946684800, 946684800))  # 2000-01-01
    shutil.copy2(elsewhere / "a.pdf", inbox / "a.pdf")
    assert (inbox / "a.pdf").stat().st_mtime == 946684800
    watch = InboxWatch(inbox, settle_seconds=0)
    assert [e.name for e in watch.unregistered(engine)] == ["a.pdf"]


def test_the_same_content_under_a_new_name_counts_until_discover_records_the_duplicate(engine, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy2(SAMPLE_REPORTS / "002_7536578806f022c2.pdf", inbox / "first.pdf")
    discover(engine, inbox, "run-1", settle_seconds=0)
    shutil.copy2(inbox / "first.pdf", inbox / "second.pdf")
    watch = InboxWatch(inbox, settle_seconds=0)
    assert [e.name for e in watch.unregistered(engine)] == ["second.pdf"]
    discover(engine, inbox, "run-2", settle_seconds=0)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT status FROM raw.report_file WHERE file_name = 'second.pdf'")).scalar() \
            == "duplicate"
    assert watch.unregistered(engine) == []


def test_a_file_still_being_written_waits(engine, tmp_path):
    inbox = tmp_path / "inbox"
    fake_pdf(inbox / "growing.pdf", 1)
    assert list_inbox(inbox, settle_seconds=30) == []  # changed this instant
    assert [e.name for e in list_inbox(inbox, settle_seconds=30, now=time.time() + 31)] == ["growing.pdf"]
    (inbox / "notes.txt").write_text("not a report")  # announced too: its run records it as unsupported
    (inbox / "metadata_overrides.yaml").write_text("{}\n")  # the operators' file: not a report
    assert [e.name for e in list_inbox(inbox, settle_seconds=0)] == ["growing.pdf", "notes.txt"]
    assert list_inbox(tmp_path / "missing", settle_seconds=0) == []


def test_before_the_first_run_every_file_is_new(fresh_database, tmp_path):
    """No raw.report_file yet (the warehouse never ran the DAG): no error, every file counts."""
    inbox = tmp_path / "inbox"
    fake_pdf(inbox / "a.pdf", 1)
    assert [e.name for e in InboxWatch(inbox, settle_seconds=0).unregistered(get_engine(fresh_database))] == ["a.pdf"]


def test_each_new_file_is_announced_once(engine, tmp_path):
    inbox = tmp_path / "inbox"
    fake_pdf(inbox / "a.pdf", 1)
    watch = InboxWatch(inbox, settle_seconds=0)
    assert [e.name for e in watch.new_files(engine)] == ["a.pdf"]
    assert watch.new_files(engine) == []  # its run has not registered it yet: no second event
    fake_pdf(inbox / "b.pdf", 2)
    assert [e.name for e in watch.new_files(engine)] == ["b.pdf"]
    discover(engine, inbox, "run-1", settle_seconds=0)
    assert watch.new_files(engine) == [] and watch.announced == {}
    fake_pdf(inbox / "a.pdf", 3)  # replaced: a new content is a new announcement
    assert [e.name for e in watch.new_files(engine)] == ["a.pdf"]

    again = InboxWatch(inbox, settle_seconds=0, reannounce_seconds=0)  # e.g. after its run failed
    assert [e.name for e in again.new_files(engine)] == ["a.pdf"]
    assert [e.name for e in again.new_files(engine)] == ["a.pdf"]


def test_the_trigger_fires_once_per_new_file_and_only_when_the_watch_is_on(fresh_database, tmp_path, monkeypatch):
    """InboxFilesTrigger.run() as the triggerer drives it, the Variable and the warehouse
    connection resolved by Airflow's SDK from the environment (AIRFLOW_VAR_..., AIRFLOW_CONN_...)."""
    inbox = tmp_path / "inbox"
    fake_pdf(inbox / "a.pdf", 1)
    monkeypatch.setenv("REPORTS_INBOX", str(inbox))
    monkeypatch.setenv("REPORTS_SETTLE_SECONDS", "0")
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", fresh_database)
    monkeypatch.delenv("WAREHOUSE_URL", raising=False)
    trigger = InboxFilesTrigger(poll_seconds=0.05)
    classpath, kwargs = trigger.serialize()
    assert classpath == "vnreports.inbox_watch.InboxFilesTrigger" and kwargs == {"poll_seconds": 0.05}

    async def events(first_within: float, quiet: float = 1.0) -> list:
        """The events of trigger.run() until `quiet` seconds after the first one (or none within
        first_within seconds)."""
        got = []

        async def collect():
            async for event in trigger.run():
                got.append(event.payload)

        task = asyncio.ensure_future(collect())
        deadline = time.monotonic() + first_within
        while not got and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await asyncio.sleep(quiet)
        task.cancel()
        return got

    monkeypatch.setenv("AIRFLOW_VAR_VNREPORTS_INBOX_WATCH", "off")
    assert trigger.look() is None  # off: the inbox is not even listed
    assert asyncio.run(events(first_within=2)) == []
    monkeypatch.setenv("AIRFLOW_VAR_VNREPORTS_INBOX_WATCH", "on")
    assert asyncio.run(events(first_within=30)) == [{"inbox": str(inbox), "files": ["a.pdf"]}]
    ensure_schema(get_engine(fresh_database))
    discover(get_engine(fresh_database), inbox, "run-1", settle_seconds=0)
    fake_pdf(inbox / "b.pdf", 2)
    assert asyncio.run(events(first_within=30)) == [{"inbox": str(inbox), "files": ["b.pdf"]}]
