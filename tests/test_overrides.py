"""An operator's metadata for a report that does not state it; `vnreports extract` on one file."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import yaml
from sqlalchemy import text

from tests.conftest import SAMPLE_REPORTS
from vnreports import cli, overrides
from vnreports.db import ensure_schema, get_engine

CORPUS = Path(__file__).parent / "fixtures" / "corpus_pdfs"
DUC_GIANG = "032_ducgiang-xa-6t-khongro.pdf"


@pytest.mark.parametrize("label, expected", [
    ("2021", ("year", date(2021, 1, 1), date(2021, 12, 31))),
    ("2021-H1", ("first_half", date(2021, 1, 1), date(2021, 6, 30))),
    ("2021-H2", ("second_half", date(2021, 7, 1), date(2021, 12, 31))),
    ("2023-9M", ("nine_months", date(2023, 1, 1), date(2023, 9, 30))),
    ("2024-Q1", ("quarter", date(2024, 1, 1), date(2024, 3, 31))),
    ("2024-02", ("month", date(2024, 2, 1), date(2024, 2, 29))),
    ("2011-01/2011-10", ("months_to_date", date(2011, 1, 1), date(2011, 10, 31))),
])
def test_period_labels(label, expected):
    assert overrides.parse_period(label) == expected


@pytest.mark.parametrize("fields, message", [
    ({"unit": "99999"}, "no GSO code"),
    ({"period": "first half 2021"}, "write 2021, 2021-05"),
    ({"period": "2021-13"}, "no month 13"),
    ({"issued": "30/7/2021"}, "Invalid isoformat"),
    ({}, "give at least one"),
])
def test_a_wrong_value_is_refused_and_nothing_is_written(tmp_path, fields, message):
    with pytest.raises(ValueError, match=message):
        overrides.set_override(tmp_path, DUC_GIANG, why="test", **fields)
    assert not overrides.overrides_path(tmp_path).exists()


def test_the_override_file_keeps_who_when_why_and_the_parse_uses_it(tmp_path):
    from vnreports.parsing import parse_report

    overrides.set_override(tmp_path, DUC_GIANG, unit="18319", why="portal URL", who="lan")
    entry = overrides.set_override(tmp_path, DUC_GIANG, period="2021-H1", why="compared with 6 tháng 2020", who="lan")
    assert entry["unit"] == "18319" and entry["period"] == "2021-H1" and entry["set_by"] == "lan"
    doc = yaml.safe_load(overrides.overrides_path(tmp_path).read_text(encoding="utf-8"))
    assert set(doc["reports"]) == {DUC_GIANG}

    plain = parse_report(CORPUS / DUC_GIANG)
    assert plain.metadata.admin_unit_code is None and plain.metadata.period_start is None
    report = parse_report(CORPUS / DUC_GIANG, metadata_override=overrides.load(tmp_path)[DUC_GIANG])
    md = report.metadata
    assert (md.admin_unit_code, md.admin_unit_name, md.admin_level) == ("18319", "Xã Đức Giang", "commune")
    assert (md.period_type, md.period_start, md.period_end) == ("first_half", date(2021, 1, 1), date(2021, 6, 30))
    assert md.sources["admin_unit_code"].method == "operator_override"
    assert "set by lan" in md.sources["period_start"].text and "compared with 6 tháng 2020" in md.sources["period_start"].text
    # the sentences are read with the override's period (figures of 2021-H1, not of no period)
    assert report.narrative_facts and all(f.period_type is None or f.period_start.year == 2021
                                          for f in report.narrative_facts)


def test_a_report_is_parsed_again_once_after_its_override(fresh_database, tmp_path):
    engine = get_engine(fresh_database)
    ensure_schema(engine)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO raw.report_file (report_id, file_name, file_path, size_bytes, status, status_at)"
                          " VALUES (repeat('a', 64), :n, '/x', 1, 'quarantined', now() - interval '1 hour')"),
                     {"n": DUC_GIANG})
    assert overrides.requeue_overridden(engine, tmp_path) == []  # no override yet
    overrides.set_override(tmp_path, DUC_GIANG, unit="18319", why="test")
    assert overrides.requeue_overridden(engine, tmp_path) == [DUC_GIANG]
    with engine.connect() as conn:
        status, reason = conn.execute(text("SELECT status, reason FROM raw.report_file")).one()
    assert status == "discovered" and reason.startswith("metadata override by ")
    with engine.begin() as conn:  # the next parse and validation set its status again
        conn.execute(text("UPDATE raw.report_file SET status = 'loaded', status_at = now()"))
    assert overrides.requeue_overridden(engine, tmp_path) == []
    engine.dispose()


def test_extract_prints_metadata_with_sources_and_facts_with_their_tier(capsys):
    cli.main(["extract", str(SAMPLE_REPORTS / "003_f52cf5fe5220986b.pdf")])
    out = capsys.readouterr().out
    assert "admin_unit_code" in out and "<- " in out and "sentence facts:" in out and "published" in out
    cli.main(["extract", "--json", str(CORPUS / DUC_GIANG), "--unit", "18319", "--period", "2021-H1"])
    doc = json.loads(capsys.readouterr().out)
    assert doc["metadata"]["admin_unit_code"] == "18319"
    assert doc["metadata_sources"]["period_start"]["method"] == "operator_override"
    assert doc["facts"] and {"value", "unit", "scenario", "period", "tier", "sentence"} <= set(doc["facts"][0])


def test_extract_reads_a_text_file_with_its_unit_and_period(tmp_path, capsys):
    txt = tmp_path / "phuocson.txt"
    txt.write_text("UBND huyện họp giao ban quý 1 năm 2024\n"
                   "Tổng diện tích gieo trồng vụ Đông Xuân đạt 2.150 ha, bằng 101,2% kế hoạch.\n", encoding="utf-8")
    cli.main(["extract", "--json", str(txt), "--unit", "49", "--period", "2024-Q1", "--issued", "2024-03-26"])
    doc = json.loads(capsys.readouterr().out)
    (fact,) = [f for f in doc["facts"] if f["value"] == "2150"]
    assert fact["unit"] == "ha" and fact["period"] == ["quarter", "2024-01-01", "2024-03-31"]  # the report's
    assert doc["metadata"]["period_start"] == "2024-01-01"
