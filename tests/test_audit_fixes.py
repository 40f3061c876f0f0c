"""Error classes found by the random audits of the published values (tests/truth/audit), each
fixed at its root and checked on the real sentences where the audit found them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.conftest import SAMPLE_REPORTS
from vnreports.parsing.model import ReportMetadata
from vnreports.parsing.narrative import extract_narrative
from vnreports.parsing.textflow import Paragraph

YEAR_2022 = ReportMetadata(admin_unit_code="047", period_type="year", period_start=date(2022, 1, 1),
                           period_end=date(2022, 12, 31), issue_date=date(2022, 12, 20))


def facts_of(*paragraphs: str | tuple[str, bool], meta: ReportMetadata = YEAR_2022):
    paras = []
    for p in paragraphs:
        text, heading = p if isinstance(p, tuple) else (p, False)
        paras.append(Paragraph(text=text, page_at=[(0, 1)], is_heading=heading))
    return extract_narrative(paras, meta)[0]


def test_a_figure_over_several_listed_communes_is_the_report_units():
    facts = facts_of("Công tác phòng, chống thiên tai và TKCN: Ngày 04 - 07 tháng 7 năm 2022, trên địa bàn các xã "
                     "Đức Hồng, Ngọc Côn, Đoài Dương, Trung Phúc, Quang Hán đã xảy ra mưa cục bộ kèm gió lốc làm "
                     "tốc mái nhà ở, tổng số nhà bị thiệt hại là 65 nhà.")
    (fact,) = [f for f in facts if f.value == Decimal("65")]
    assert fact.admin_unit_code is None


def test_the_parts_of_an_estimate_are_estimates_but_parallel_items_are_not():
    facts = facts_of("(5) Thu ngân sách trên địa bàn ước đạt 4.180.000 triệu đồng, bằng 207,1% KH.",
                     "Trong đó: thu nội địa 1.575.205 triệu đồng, bằng 88,1% KH; thu xuất nhập khẩu 2.600.000 "
                     "triệu đồng, bằng 1.130% KH.")
    assert [f.scenario for f in facts if f.value is not None] == ["estimate"] * 3
    parallel = facts_of("Đàn gia cầm ước đạt 1.286,5 nghìn con, tăng 4,5% so với cùng kỳ; đàn lợn hiện có 21.730 con.")
    assert [f.scenario for f in parallel] == ["estimate", "actual"]


def test_a_percent_of_plan_after_a_reduction_is_the_ratio_not_the_level():
    (fact,) = facts_of("(11) Giảm tỷ lệ hộ nghèo đạt 4%, đạt 100% KH.")
    assert fact.value is None
    assert (fact.change.value, fact.change.direction) == (Decimal("4"), "decrease")
    assert [(r.value, r.base) for r in fact.stated_ratios] == [(Decimal("100"), "plan")]


def test_a_results_section_of_six_months_gives_its_actuals_that_period():
    meta = ReportMetadata(admin_unit_code="048", period_type="year", period_start=date(2021, 1, 1),
                          period_end=date(2021, 12, 31), issue_date=date(2021, 7, 30))
    facts = facts_of(("II. KẾT QUẢ THỰC HIỆN 6 THÁNG ĐẦU NĂM 2021 VÀ ƯỚC THỰC HIỆN", True),
                     "Lực lượng quản lý thị trường tiến hành kiểm tra 134 lượt, xử lý vi phạm hành chính 10 vụ.",
                     "Tổng sản lượng lương thực cả năm ước đạt 7.427 tấn.",
                     ("IV. ĐÁNH GIÁ CHUNG", True),
                     "Tổng đàn trâu hiện có 7.111 con.", meta=meta)
    by = {f.value: f for f in facts}
    assert (by[Decimal("134")].period_type, by[Decimal("134")].period_end) == ("first_half", date(2021, 6, 30))
    assert (by[Decimal("7427")].scenario, by[Decimal("7427")].period_end) == ("estimate", date(2021, 12, 31))
    assert by[Decimal("7111")].period_end == date(2021, 12, 31)  # the section ended


@pytest.mark.parametrize("text, doubt", [
    ("Dư nợ cho vay chính sách xã hội tăng 5.497 triệu đồng so với đầu năm.", "start of the year"),
    ("Giảm tỷ lệ hộ nghèo (theo tiêu chí mới) đạt 23,77%.", "more than 15 points"),
    ("Sản lượng thịt gia cầm hơi xuất chuồng tính từ đầu năm đạt 2.350 tấn.", "year-to-date"),
])
def test_uncertain_readings_carry_a_doubt(text, doubt):
    facts = facts_of(text)
    assert facts and any(doubt in d for f in facts for d in f.doubts), [(f.indicator_text, f.doubts) for f in facts]


@pytest.fixture(scope="module")
def province_report():
    from vnreports.parsing import parse_report

    return parse_report(SAMPLE_REPORTS / "001_66b76ee94201d24e.pdf")


def test_a_sentence_restating_an_annex_estimate_is_an_estimate(province_report):
    """001 (issued 14/11/2022) writes "(14) Tỷ lệ che phủ rừng 57,19%, đạt 100% KH." in its summary;
    its annex lists 57,19 under "Ước TH năm 2022"."""
    cover = [f for f in province_report.narrative_facts
             if f.indicator_text == "Tỷ lệ che phủ rừng" and f.value == Decimal("57.19")]
    assert cover and all(f.scenario == "estimate" for f in cover)


def test_figures_of_a_period_not_yet_over_at_signing_are_estimates(province_report):
    """001 is signed 14/11/2022 about the year 2022: "sản lượng đạt 1.710,0 tấn/1.773,0 tấn" can only
    be an estimate of the year, while a figure of the first ten months (already over) stays actual."""
    pineapple = [f for f in province_report.narrative_facts if f.value == Decimal("1710.0")]
    assert pineapple and all(f.scenario == "estimate" for f in pineapple)
    year_actuals = [f for f in province_report.narrative_facts
                    if f.scenario == "actual" and f.as_of_date is None
                    and (f.period_end or province_report.metadata.period_end) > date(2022, 11, 14)]
    assert year_actuals == []


def test_the_period_end_rule_keeps_stocks_and_finished_periods_actual():
    from vnreports.parsing.parser import estimates_before_period_end

    meta = ReportMetadata(period_type="year", period_start=date(2022, 1, 1), period_end=date(2022, 12, 31),
                          issue_date=date(2022, 11, 14))
    facts = facts_of("Trong 10 tháng năm 2022, thu hút 1.200 lượt khách du lịch.",
                     "Tính đến ngày 31/10/2022, toàn tỉnh có 15.000 hộ nghèo.",
                     "Diện tích trồng rừng đạt 120 ha.", meta=meta)
    assert estimates_before_period_end(facts, meta) == 1
    assert {f.value: f.scenario for f in facts} == {Decimal("1200"): "actual", Decimal("15000"): "actual",
                                                   Decimal("120"): "estimate"}
    unsigned = ReportMetadata(period_type="year", period_start=date(2022, 1, 1), period_end=date(2022, 12, 31))
    assert estimates_before_period_end(facts_of("Diện tích trồng rừng đạt 120 ha.", meta=unsigned), unsigned) == 0


def test_a_reduction_down_to_a_bound_is_a_level_in_doubt_not_a_change():
    (fact,) = facts_of("- Giảm tỷ lệ thất nghiệp ở khu vực thị trấn xuống dưới 4%.")
    assert fact.change is None and fact.value == Decimal("4")
    assert fact.indicator_text == "tỷ lệ thất nghiệp ở khu vực thị trấn"
    assert any("bound" in d for d in fact.doubts)


def test_a_unit_that_goes_on_after_a_slash_is_in_doubt():
    facts = facts_of("Trong tháng 10/2022, trung bình ghi nhận 13 người/ngày mắc mới COVID-19.")
    assert facts and all(any("unit goes on" in d for d in f.doubts) for f in facts if f.value == Decimal("13"))


def test_an_estimate_compared_with_the_same_period_is_of_the_sections_period():
    meta = ReportMetadata(admin_unit_code="048", period_type="year", period_start=date(2021, 1, 1),
                          period_end=date(2021, 12, 31), issue_date=date(2021, 7, 30))
    (fact,) = facts_of(("II. KẾT QUẢ THỰC HIỆN 6 THÁNG ĐẦU NĂM 2021 VÀ ƯỚC THỰC HIỆN", True),
                       "Sản lượng lương thực có hạt ước đạt 7.380/7.427 tấn, bằng 99,4% KH và bằng 99,6% so với "
                       "cùng kỳ năm 2020;", meta=meta)
    assert (fact.scenario, fact.period_type) == ("estimate", "first_half")


def test_an_increment_under_a_total_name_is_in_doubt():
    (fact,) = facts_of("Phấn đấu thêm 01 xã đạt chuẩn quốc gia về y tế xã.")
    assert any("increment" in d for d in fact.doubts)
    (school,) = facts_of("Xây dựng trường chuẩn quốc gia tăng thêm 10 trường mầm non và phổ thông.")
    assert not any("increment" in d for d in school.doubts)  # "tăng thêm" names the flow itself


def test_compound_nouns_do_not_cut_an_object():
    facts = facts_of("Chỉ đạo tiếp tục theo dõi, đôn đốc đẩy nhanh tiến độ thực hiện 40 dự án hỗ trợ phát triển sản "
                     "xuất đa dạng hóa sinh kế và 8 dự án nhân rộng mô hình giảm nghèo thuộc Chương trình mục tiêu "
                     "quốc gia giảm nghèo bền vững.")
    assert [f.indicator_text for f in facts if f.value == Decimal("8")] == ["dự án nhân rộng mô hình giảm nghèo"]


def test_a_base_written_after_the_percent_wins_over_a_comparison_before_the_comma():
    (fact,) = facts_of("giá trị sản xuất công nghiệp theo giá hiện hành trong năm đạt 169.764 triệu đồng, tăng 127.042 "
                       "triệu đồng so với cùng kỳ năm trước, bằng 375,78% KH so với UBND tỉnh giao, bằng 169,76% so "
                       "với Nghị quyết HĐND huyện quyết định.")
    assert [(r.value, r.base) for r in fact.stated_ratios] == [(Decimal("375.78"), "plan_ubnd_tinh"),
                                                               (Decimal("169.76"), "plan_hdnd")]


def test_ước_thực_hiện_frames_the_rest_of_its_paragraph():
    facts = facts_of("Tổng thu ngân sách nhà nước trên địa bàn tăng cao, ước thực hiện năm 2022, thu ngân sách trên "
                     "địa bàn đạt 4.180.000 triệu đồng; so với dự toán HĐND giao đạt 207,1%. Chi ngân sách "
                     "12.158.000 triệu đồng, so với dự toán HĐND giao đạt 111%; so với năm 2021 bằng 129%.",
                     "Đàn trâu hiện có 7.111 con.")
    by = {f.value: f.scenario for f in facts if f.value is not None}
    assert by[Decimal("4180000")] == by[Decimal("12158000")] == "estimate"
    assert by[Decimal("7111")] == "actual"  # the next paragraph is not framed


def test_a_period_opening_a_footnote_without_a_comma_frames_its_figures():
    facts = facts_of("10 tháng năm 2022 xảy ra 17 đợt thiên tai, làm 08 người chết, nhiều vật nuôi bị cuốn trôi, ảnh "
                     "hưởng nhiều công trình giao thông, điện và nhà dân; gần 1.400ha đất nông nghiệp bị ảnh hưởng. "
                     "Ước tính giá trị thiệt hại khoảng 38,3 tỷ đồng.")
    (damage,) = [f for f in facts if f.value == Decimal("38.3")]
    assert (damage.period_start, damage.period_end) == (date(2022, 1, 1), date(2022, 10, 31))


def test_a_year_in_the_words_introducing_a_list_is_the_period_of_its_items():
    facts = facts_of("Ban hành Quyết định phê duyệt kết quả rà soát hộ nghèo, hộ cận nghèo năm 2021 theo tiêu chuẩn "
                     "đa chiều giai đoạn 2022-2025: Tổng số hộ nghèo 5.858 hộ, tỷ lệ 33,59%; hộ cận nghèo 2.596 hộ, tỷ "
                     "lệ 14,88%; giai đoạn hiện rà soát hộ nghèo, hộ cận nghèo năm 2022, kết quả rà soát hộ nghèo là "
                     "4.997 hộ, bằng 28,58%.")
    years = {f.value: f.period_start.year for f in facts if f.value in (Decimal("5858"), Decimal("2596"),
                                                                      Decimal("4997"))}
    assert years == {Decimal("5858"): 2021, Decimal("2596"): 2021, Decimal("4997"): 2022}


def test_a_unit_named_right_after_the_figure_is_its_unit():
    facts = facts_of("Thanh tra giải quyết đơn thư khiếu nại, tố cáo, thời kỳ thanh tra 2019-2021, kết quả thu hồi nộp "
                     "NSNN 8,13 triệu đồng đối với UBND xã Lăng Hiếu, 5,437 triệu đồng đối với UBND thị trấn Trà Lĩnh "
                     "do UBND 02 đơn vị đã thực hiện sai quy định.",
                     meta=ReportMetadata(admin_unit_code="047", period_type="year", period_start=date(2022, 1, 1),
                                         period_end=date(2022, 12, 31)))
    units = {f.value: f.admin_unit_text for f in facts if f.value in (Decimal("8.13"), Decimal("5.437"))}
    assert units == {Decimal("8.13"): "xã Lăng Hiếu", Decimal("5.437"): "thị trấn Trà Lĩnh"}


# Found on the corpus texts (tests/truth/spans/0xx_*.spans.json, labelled after the tier rule)

def test_an_as_of_date_of_an_earlier_sentence_does_not_hold_for_a_stated_year():
    meta = ReportMetadata(admin_unit_code="710", period_type="year", period_start=date(2023, 1, 1),
                          period_end=date(2023, 12, 31))
    facts = facts_of("Tính đến ngày 31/10/2023, tổng vốn đầu tư đạt 120 tỷ đồng. Ước thu ngân sách Nhà nước năm 2023 "
                     "đạt hơn 312 tỷ đồng, giảm 42,64% so cùng kỳ.", meta=meta)
    as_of = {f.value: f.as_of_date for f in facts if f.value is not None}
    assert as_of == {Decimal("120"): date(2023, 10, 31), Decimal("312"): None}


def test_the_bare_name_of_the_reports_own_unit_is_the_report_unit():
    meta = ReportMetadata(admin_unit_code="279", period_type="first_half", period_start=date(2024, 1, 1),
                          period_end=date(2024, 6, 30))
    (fact,) = facts_of("Tổng thu ngân sách nhà nước 6 tháng đầu năm tại Thường Tín ước đạt 868.000 triệu đồng.",
                       meta=meta)
    assert fact.admin_unit_code is None  # huyện Thường Tín itself, not thị trấn Thường Tín (10183)


def test_a_restriction_before_the_name_is_a_doubt():
    (fact,) = [f for f in facts_of("Loại trừ tiền sử dụng đất, tổng thu ngân sách nhà nước 6 tháng ước thực hiện "
                                   "332.308 triệu đồng, đạt 67,16% dự toán thành phố giao.")
               if f.value == Decimal("332308")]
    assert any("restricts the indicator" in d for d in fact.doubts)
