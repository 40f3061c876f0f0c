"""Sentences of offices the samples do not come from (the corpus texts of tests/truth/spans),
each a way of writing a figure the Cao Bằng samples never use."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from vnreports.parsing.model import ReportMetadata
from vnreports.parsing.narrative import extract_narrative
from vnreports.parsing.textflow import Paragraph

PROVINCE_2023 = ReportMetadata(admin_unit_code="30", period_type="month", period_start=date(2023, 5, 1),
                               period_end=date(2023, 5, 31))


def facts_of(text: str, meta: ReportMetadata = PROVINCE_2023):
    return extract_narrative([Paragraph(text=text, page_at=[(0, 1)])], meta)[0]


def test_a_signed_change_in_brackets_is_the_same_change_in_the_figures_unit():
    """Hải Dương's statistics office: "giảm 1,1% (-717 ha)", "tăng 7,2% (+4.359 tấn)"."""
    facts = facts_of("Diện tích gieo trồng vụ Chiêm xuân năm 2023 toàn tỉnh đạt 64.462 ha, giảm 1,1% (-717 ha) so "
                     "với vụ Chiêm xuân năm trước. Vải 65.000 tấn, tăng 7,2% (+4.359 tấn).")
    changes = {(f.change.value, f.change.unit, f.change.direction, f.change.kind) for f in facts if f.change}
    assert (Decimal("717"), "ha", "decrease", "absolute") in changes
    assert (Decimal("1.1"), "%", "decrease", "percent") in changes
    assert (Decimal("4359"), "tấn", "increase", "absolute") in changes
    (area,) = [f for f in facts if f.change and f.change.value == Decimal("717")]
    assert "Diện tích gieo trồng" in area.indicator_text


def test_the_changes_of_the_parts_after_the_whole_are_each_a_fact():
    """Đồng Nai: "tăng 1,34% so với tháng trước, trong đó ngành khai khoáng tăng 1,75%;Công nghiệp chế
    biến, chế tạotăng1,36%" (typed without spaces)."""
    facts = facts_of("Chỉ số sản xuất toàn ngành công nghiệp tháng 10 ước tăng 1,34% so với tháng trước, trong đó ngành "
                     "khai khoáng tăng 1,75%;Công nghiệp chế biến, chế tạotăng1,36%; sản xuấtvà phân phối điện "
                     "tăng1,06%.")
    by_change = {f.change.value: f.indicator_text for f in facts if f.change}
    assert set(by_change) == {Decimal("1.34"), Decimal("1.75"), Decimal("1.36"), Decimal("1.06")}
    assert "khai khoáng" in by_change[Decimal("1.75")]


def test_a_ratio_written_with_an_approximation_is_still_the_ratio():
    """Gò Dầu: "đạt gần 99% kế hoạch", "đạt gần 120% so dự toán tỉnh"."""
    facts = facts_of("Ước tổng diện tích gieo trồng cây năm 2023 được hơn 23.600 ha, đạt gần 99% kế hoạch, tăng 4,8% so "
                     "cùng kỳ.", ReportMetadata(admin_unit_code="710", period_type="year",
                                                period_start=date(2023, 1, 1), period_end=date(2023, 12, 31)))
    (area,) = [f for f in facts if f.value == Decimal("23600")]
    assert [(r.value, r.base) for r in area.stated_ratios] == [(Decimal("99"), "plan")]


def test_units_of_other_offices():
    facts = facts_of("Thu ngân sách ước đạt 42 nghìn tỷ đồng, bằng 103,9% dự toán Trung ương giao. Tổng lượng khách du "
                     "lịch ước đạt 2,842 triệu lượt khách.")
    assert {(f.value, f.unit) for f in facts if f.value is not None} >= {
        (Decimal("42"), "nghìn tỷ đồng"), (Decimal("2.842"), "triệu lượt khách")}


def test_a_named_indicators_ratio_without_its_figure_is_a_fact_but_a_threshold_is_not():
    """Thường Tín: "Cụ thể, tổng thu ngân sách đạt 70,47% dự toán thành phố giao, đạt 43,51% dự toán
    huyện giao"; Hạ Lang: "cơ bản chưa đạt 50% chỉ tiêu giao" (a threshold)."""
    meta = ReportMetadata(admin_unit_code="279", period_type="first_half", period_start=date(2024, 1, 1),
                          period_end=date(2024, 6, 30))
    (fact,) = facts_of("Cụ thể, tổng thu ngân sách đạt 70,47% dự toán thành phố giao, đạt 43,51% dự toán huyện giao "
                       "và tăng 16,45% so với cùng kỳ năm 2023.", meta)
    assert fact.value is None and "thu ngân sách" in fact.indicator_text
    assert [r.value for r in fact.stated_ratios] == [Decimal("70.47"), Decimal("43.51")]
    assert fact.change.value == Decimal("16.45")
    assert not [f for f in facts_of("Kết quả tiêm phòng đợt 1/2021 cơ bản chưa đạt 50% chỉ tiêu giao.", meta)
                if any(r.value == Decimal("50") for r in f.stated_ratios)]
