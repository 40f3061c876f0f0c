"""Parse tasks take a few files each (Airflow's cost per task is as much as parsing a 30-page
report), and one file that sends the parser into a loop fails alone: the others of its task land."""

from __future__ import annotations

import shutil
import time

import pytest
from sqlalchemy import text

from tests.conftest import SAMPLE_REPORTS
from vnreports.db import get_engine
from vnreports.pipeline import DEFAULT_FILES_PER_PARSE_TASK, batch_name, discover_step, parse_batch_step, parse_batches


def _files(n: int) -> list[dict]:
    return [{"file_name": f"{i:03d}.pdf", "report_id": str(i)} for i in range(n)]


@pytest.mark.parametrize("n", [0, 1, 4, 16])
def test_up_to_sixteen_files_each_file_has_its_own_task(n):
    assert parse_batches(_files(n)) == [[f] for f in _files(n)]


@pytest.mark.parametrize("n, sizes", [
    (17, [2] * 8 + [1]),  # at most ceil(17 / 16) = 2 files a task
    (25, [2] * 12 + [1]),
    (50, [4] * 11 + [3] * 2),  # at most 4: 13 tasks, the sizes evened out over them
    (200, [DEFAULT_FILES_PER_PARSE_TASK] * 25),
    (203, [8] * 21 + [7] * 5),
])
def test_more_files_are_grouped_in_order_with_nearly_equal_groups(n, sizes):
    batches = parse_batches(_files(n))
    assert [len(b) for b in batches] == sizes
    assert [f for b in batches for f in b] == _files(n)  # every file once, discovery order


def test_the_group_size_is_configurable_and_checked(monkeypatch):
    monkeypatch.setenv("REPORTS_FILES_PER_PARSE_TASK", "1")
    assert len(parse_batches(_files(200))) == 200
    monkeypatch.setenv("REPORTS_FILES_PER_PARSE_TASK", "20")
    assert [len(b) for b in parse_batches(_files(200))] == [13] * 8 + [12] * 8
    monkeypatch.setenv("REPORTS_FILES_PER_PARSE_TASK", "many")
    with pytest.raises(ValueError, match="REPORTS_FILES_PER_PARSE_TASK must be a positive number"):
        parse_batches(_files(3))


def test_a_task_is_named_by_its_files():
    assert batch_name(_files(1)) == "000.pdf"
    assert batch_name(_files(8)) == "000.pdf (+7 more)"


def _spin_forever(*args, **kwargs):
    """A parser stuck in a loop that even swallows ordinary exceptions (for a minute at most, so
    that a broken limit fails the test instead of hanging it)."""
    give_up = time.monotonic() + 60
    while time.monotonic() < give_up:
        try:
            sum(range(10_000))
        except Exception:  # noqa: BLE001, S112 - what a careless fallback in a library would do
            continue
    raise AssertionError("the CPU limit did not stop the parse")


def test_a_file_that_loops_fails_alone_and_the_rest_of_its_task_lands(fresh_database, tmp_path, monkeypatch):
    import vnreports.parsing as parsing

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name, sample in (("a_loops.pdf", "000_515a5de952ea6028.pdf"), ("b_good.pdf", "002_7536578806f022c2.pdf")):
        shutil.copy(SAMPLE_REPORTS / sample, inbox / name)
    monkeypatch.setenv("REPORTS_INBOX", str(inbox))
    monkeypatch.setenv("VNREPORTS_LOCAL_DIR", str(tmp_path / "local"))
    monkeypatch.setenv("REPORTS_SETTLE_SECONDS", "0")
    monkeypatch.setenv("REPORTS_PARSE_CPU_SECONDS", "2")
    real_parse = parsing.parse_report

    def parse_report(path, *args, **kwargs):
        return (_spin_forever if path.name == "a_loops.pdf" else real_parse)(path, *args, **kwargs)

    monkeypatch.setattr(parsing, "parse_report", parse_report)
    batch = discover_step(fresh_database, inbox, dag_run_id="run-1")  # one task's group of two files
    assert [f["file_name"] for f in batch] == ["a_loops.pdf", "b_good.pdf"]
    started = time.monotonic()
    outcomes = parse_batch_step(fresh_database, batch, dag_run_id="run-1")
    assert time.monotonic() - started < 60
    by_name = {o["file_name"]: o for o in outcomes}
    assert list(by_name) == ["a_loops.pdf", "b_good.pdf"]
    assert by_name["a_loops.pdf"]["status"] == "failed"
    assert by_name["a_loops.pdf"]["reason"].startswith(
        "a_loops.pdf: parsing used more than 2 s of CPU (REPORTS_PARSE_CPU_SECONDS)")
    assert by_name["b_good.pdf"]["status"] == "parsed" and by_name["b_good.pdf"]["narrative_facts"] > 0
    with get_engine(fresh_database).connect() as conn:
        rows = dict(conn.execute(text("SELECT file_name, status FROM raw.report_file")).all())
    assert rows == {"a_loops.pdf": "failed", "b_good.pdf": "parsed"}
    # a retry of the task parses nothing again: each file was committed on its own
    assert [o["status"] for o in parse_batch_step(fresh_database, batch, dag_run_id="run-1")] == ["skipped"] * len(batch)
