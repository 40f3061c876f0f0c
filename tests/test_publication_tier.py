"""The BI tier and the curation loop: which figures indicator_values publishes, what waits in
indicator_review with its reasons, and how a curator's decision moves figures between them
(real PostgreSQL, real dbt, the catalog seeds of a copy of the dbt project)."""

from __future__ import annotations

import csv
import hashlib
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.conftest import PROJECT_ROOT, create_database, drop_database
from vnreports import confidence, curation
from vnreports.parsing.model import NarrativeFact, PageText, ParsedReport, ReportMetadata

SEEDS = PROJECT_ROOT / "dbt_project" / "seeds"


# ---------------------------------------------------------------- the rule, on names from reports

@pytest.mark.parametrize("name", [
    "Số hộ thoát nghèo", "Tỷ lệ che phủ rừng", "Tổng vốn đầu tư toàn xã hội", "Diện tích lúa vụ mùa",
    "Số lượt khách du lịch", "Số vụ tai nạn giao thông đường bộ",
])
def test_complete_measure_names(name):
    assert confidence.is_complete_name(name)


# the fragments an audit of the marts found published as indicator names
@pytest.mark.parametrize("name", [
    "Ban hành", "Tổ chức", "Thu hút", "duy trì đã", "Khá", "số tiền", "Đến ngày 21/01/2022", "Diện tích",
    "Huy động vốn", "Trâu", "tổng số nhà của", "người lao động",
    # outside the catalog, two words after the measure noun do not say enough ("bao phủ" of what?)
    "tỷ lệ bao phủ", "Hộ cá thể", "Diện tích lúa",
    # what is counted, without the measure: the least reliable names of the audits (catalog them)
    "vụ tai nạn giao thông đường bộ", "người hoạt động kháng chiến và con đẻ", "xã đủ điều kiện công nhận lại",
])
def test_fragments_are_not_complete_names(name):
    assert not confidence.is_complete_name(name)


def test_the_rule_holds_back_each_kind_of_doubt():
    none = confidence.Curation()
    assert confidence.assess_narrative("Tỷ lệ che phủ rừng", "forest_cover_rate", "%", [], none).is_published
    held = confidence.assess_narrative("Ban hành", None, "văn bản", [], none)
    assert not held.is_published and "not a complete measure name" in held.reasons[0]
    doubt = confidence.assess_narrative("Tỷ lệ che phủ rừng", "forest_cover_rate", "%", ["period not stated"], none)
    assert doubt.reasons == ("parser doubt: period not stated",)
    # "thu ngân sách nhà nước đạt 148,32%": a percent of an amount compares with an unstated base
    pct = confidence.assess_narrative("thu ngân sách nhà nước", "state_budget_revenue", "%", [], none)
    assert not pct.is_published and pct.reasons == ("a percent of an indicator that is not a rate (its base is not stated)",)
    assert confidence.assess_narrative("Tỷ lệ hộ nghèo đa chiều", None, "%", [], none).is_published
    assert not confidence.assess_narrative("Số hộ nghèo", None, "quả", [], none).is_published  # unknown unit
    assert confidence.assess_table("Sản lượng lương thực", none).is_published


@pytest.fixture
def seeds_copy(tmp_path, monkeypatch):
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    monkeypatch.setenv("VNREPORTS_CATALOG_DIR", str(seeds))
    return seeds


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_decisions_go_to_the_seeds_once_and_are_checked_first(seeds_copy):
    from vnreports import catalog

    assert catalog.match_indicator("Số nhà văn hóa xóm được sửa chữa lớn", unit="nhà") is None
    counts = curation.decide([
        {"indicator_text": "Số nhà văn hóa xóm được sửa chữa lớn", "decision": "accept",
         "indicator_code": "village_hall_repaired_big", "new_name_en": "Village halls repaired", "new_topic": "infrastructure",
         "new_unit": "nhà"},
        {"indicator_text": "số  tiền", "decision": "reject", "note": "not an indicator"},
        {"indicator_text": "Tổ chức", "decision": ""},  # not decided yet
    ], seeds_copy)
    assert counts == {"accepted": 1, "rejected": 1, "new_codes": 1, "unchanged": 0}
    assert {"indicator_code": "village_hall_repaired_big", "alias": "Số nhà văn hóa xóm được sửa chữa lớn"} \
        in _rows(seeds_copy / "indicator_aliases.csv")
    assert _rows(seeds_copy / "indicator_catalog.csv")[-1]["indicator_code"] == "village_hall_repaired_big"
    decided = _rows(seeds_copy / "curation_decisions.csv")
    assert [(r["indicator_text"], r["decision"]) for r in decided] == [
        ("Số nhà văn hóa xóm được sửa chữa lớn", "accept"), ("số tiền", "reject")]
    # the matcher knows the accepted name at once (the catalog version changed)
    catalog.current_version()
    assert catalog.match_indicator("Số nhà văn hóa xóm được sửa chữa lớn", unit="nhà").code == \
        "village_hall_repaired_big"
    # the same decisions again change nothing
    again = curation.decide([{"indicator_text": "số tiền", "decision": "reject"}], seeds_copy)
    assert again["unchanged"] == 1 and len(_rows(seeds_copy / "curation_decisions.csv")) == 2
    # a bad row names the name and the reason, and nothing is written
    before = (seeds_copy / "indicator_aliases.csv").read_bytes()
    with pytest.raises(curation.CurationError, match="Tỷ lệ che phủ rừng.*forest_cover_rate"):
        curation.decide([{"indicator_text": "Số hộ mới", "decision": "accept", "indicator_code": "no_such_code_x",
                          "new_name_en": "New households"},
                         {"indicator_text": "Tỷ lệ che phủ rừng", "decision": "accept",
                          "indicator_code": "poverty_rate"}], seeds_copy)
    with pytest.raises(curation.CurationError, match="accept or reject"):
        curation.decide([{"indicator_text": "Khá", "decision": "maybe"}], seeds_copy)
    assert (seeds_copy / "indicator_aliases.csv").read_bytes() == before


# ---------------------------------------------------------------- the loop on a real warehouse

def _fact(index: int, sentence: str, name: str, value: str, unit: str, doubts=()) -> NarrativeFact:
    start = sentence.index(value)
    return NarrativeFact(
        fact_index=index, page=3, sentence=sentence, span=(start, start + len(value)), indicator_text=name,
        value=Decimal(value.replace(".", "").replace(",", ".")), value_text=value, unit=unit, scenario="actual",
        period_type=None, period_start=None, period_end=None, doubts=list(doubts))


REPORT = ParsedReport(
    file_name="tier_report.pdf", sha256=hashlib.sha256(b"test_publication_tier").hexdigest(), page_count=3,
    producer="test",
    metadata=ReportMetadata(issuer_name="UBND huyện Hạ Lang", admin_unit_code="048", admin_unit_name="Huyện Hạ Lang",
                            admin_level="district", doc_type="bao_cao", doc_number="5/BC-UBND",
                            issue_date=date(2022, 12, 10), title="Báo cáo năm 2022", period_type="year",
                            period_start=date(2022, 1, 1), period_end=date(2022, 12, 31)),
    pages=[PageText(i, f"Trang {i}", "text") for i in (1, 2, 3)], tables=[], values=[],
    narrative_facts=[
        _fact(0, "Tỷ lệ che phủ rừng đạt 57,5%.", "Tỷ lệ che phủ rừng", "57,5", "%"),
        _fact(1, "Ban hành 15 văn bản chỉ đạo.", "Ban hành", "15", "văn bản"),
        _fact(2, "Nhà văn hóa xóm được sửa chữa 12 nhà.", "Nhà văn hóa xóm được sửa chữa", "12", "nhà"),
        _fact(3, "Tỷ lệ hộ nghèo còn 9,8%.", "Tỷ lệ hộ nghèo", "9,8", "%", doubts=["period not stated"]),
    ],
)


def test_held_figures_wait_for_review_and_a_decision_moves_them(tmp_path, warehouse_url, monkeypatch):
    from vnreports.db import ensure_schema, get_engine
    from vnreports.ingest import stage_report
    from vnreports.pipeline import prepare_step
    from vnreports.transform import run_dbt

    project = tmp_path / "dbt_project"
    shutil.copytree(PROJECT_ROOT / "dbt_project", project, ignore=shutil.ignore_patterns("target", "logs"))
    monkeypatch.setenv("DBT_PROJECT_DIR", str(project))
    monkeypatch.delenv("VNREPORTS_CATALOG_DIR", raising=False)
    monkeypatch.setenv("VNREPORTS_LOCAL_DIR", str(tmp_path / "local"))
    url = create_database(warehouse_url)
    engine = get_engine(url)
    try:
        ensure_schema(engine)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO raw.report_file (report_id, file_name, file_path, size_bytes, status)"
                              " VALUES (:r, :n, '/inbox/tier_report.pdf', 1, 'parsed')"),
                         {"r": REPORT.sha256, "n": REPORT.file_name})
        stage_report(engine, REPORT, "test")
        with engine.begin() as conn:
            conn.execute(text("UPDATE raw.report_file SET status = 'validated'"))
        prepare_step(url)
        run_dbt(url, ["build"])

        def published():
            with engine.connect() as conn:
                return {r.indicator_text: r.indicator_code for r in conn.execute(text(
                    "select indicator_text, indicator_code from marts.indicator_values"))}

        def review():
            with engine.connect() as conn:
                return {r.indicator_text: r.hold_reasons for r in conn.execute(text(
                    "select indicator_text, hold_reasons from marts.indicator_review"))}

        assert published() == {"Tỷ lệ che phủ rừng": "forest_cover_rate"}
        held = review()
        assert set(held) == {"Ban hành", "Nhà văn hóa xóm được sửa chữa", "Tỷ lệ hộ nghèo"}
        assert held["Tỷ lệ hộ nghèo"] == "parser doubt: period not stated"
        assert "not a complete measure name" in held["Ban hành"]
        # every statement stays observed, with its tier
        with engine.connect() as conn:
            tiers = dict(conn.execute(text("select fact_index, publication_tier from marts.fct_indicator_observation")).all())
        assert tiers == {0: "published", 1: "held", 2: "held", 3: "held"}

        names = curation.held_names(engine)
        assert [(h.indicator_text, h.n_facts) for h in names][:1] in ([("Ban hành", 1)],
                                                                      [("Nhà văn hóa xóm được sửa chữa", 1)])
        sheet = tmp_path / "review.csv"
        assert curation.write_worksheet(names, sheet) == 3
        rows = _rows(sheet)
        for row in rows:
            if row["indicator_text"] == "Ban hành":
                row.update(decision="reject", note="a verb, not an indicator")
            elif row["indicator_text"].startswith("Nhà văn hóa"):
                row.update(decision="accept", indicator_code="village_hall_repaired",
                           new_name_en="Village cultural halls repaired", new_topic="culture", new_unit="nhà")
        with sheet.open("w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=curation.WORKSHEET_COLUMNS)
            w.writeheader()
            w.writerows(rows)
        assert curation.apply_worksheet(sheet, project / "seeds")["accepted"] == 1

        # the next run: codes and tiers resolved again without a re-parse, then dbt
        assert prepare_step(url)["rematched"]["reports"] == 1
        run_dbt(url, ["build"])
        assert published() == {"Tỷ lệ che phủ rừng": "forest_cover_rate",
                               "Nhà văn hóa xóm được sửa chữa": "village_hall_repaired"}
        held = review()
        assert held["Ban hành"].startswith("indicator name rejected by a curator")
        assert set(held) == {"Ban hành", "Tỷ lệ hộ nghèo"}
        # a re-stage (reprocessing) keeps the decisions: they are catalog data, not report data
        stage_report(engine, REPORT, "test")
        with engine.begin() as conn:
            conn.execute(text("UPDATE raw.report_file SET status = 'validated'"))
        prepare_step(url)
        run_dbt(url, ["build"])
        assert "Nhà văn hóa xóm được sửa chữa" in published()
    finally:
        engine.dispose()
        drop_database(url)


def test_a_price_basis_is_not_lost_under_a_catalog_name():
    none = confidence.Curation()
    held = confidence.assess_narrative("giá trị sản xuất công nghiệp theo giá hiện hành", "industrial_production_value",
                                       "tỷ đồng", [], none)
    assert held.reasons == ("the name states a price basis the catalog's indicator does not",)
    assert confidence.assess_narrative("giá trị sản xuất công nghiệp", "industrial_production_value", "tỷ đồng", [],
                                       none).is_published


@pytest.mark.parametrize("name, unit, contradicts", [
    ("vụ vi phạm pháp luật liên quan đến ma túy", "đối tượng", True),  # 100 vụ, 113 đối tượng
    ("Tỷ lệ chuồng trại gia súc di dời ra khỏi gầm sàn nhà ở", "hộ", True),  # a rate given in households
    ("Tỷ lệ hộ nghèo", "%", False),
    ("Tỷ lệ bác sĩ", "bác sĩ/vạn dân", False),
    ("vụ vi phạm pháp luật liên quan đến ma túy", "vụ", False),
    ("số lao động được đi làm việc ở nước ngoài theo hợp đồng", "người", False),
    ("đàn lợn", "con", False),
    ("Số hộ thoát nghèo", "hộ", False),
    ("Số hộ thoát nghèo", "nhân khẩu", False),  # not a count noun of the lexicon: the parser's "/" doubt covers it
])
def test_a_unit_that_does_not_count_what_the_name_counts_is_held(name, unit, contradicts):
    assert confidence.unit_contradicts_name(name, unit) is contradicts
    assessed = confidence.assess_narrative(name, None, unit, [], confidence.Curation())
    assert any("does not count what the name counts" in r for r in assessed.reasons) is contradicts


@pytest.mark.parametrize("name, published", [
    ("vụ xảy ra tại trường Tiểu học Đức Hồng", False),  # one event at one school
    ("hộ gia đình tại xóm Kéo Sy", False),
    ("hồ sơ vợ liệt sĩ tái giá đề nghị hưởng", False),  # cut before "trợ cấp"
    ("người có công và thân nhân người có công kinh phí", False),  # a clause cut around its measure
    ("Kim ngạch xuất khẩu đăng ký tại địa bàn tỉnh", True),  # "tại địa bàn" is the unit's own area
    ("Số hộ được hỗ trợ nhà ở", True),
])
def test_names_of_one_site_or_cut_clauses_are_held(name, published):
    assessed = confidence.assess_narrative(name, None, "hộ", [], confidence.Curation())
    assert assessed.is_published is published, assessed.reasons
