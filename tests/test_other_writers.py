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


def test_a_share_is_a_figure_of_its_own_and_its_change_is_in_doubt():
    """Vĩnh Long, Chư Păh, Hải Dương, Nghệ An: "chiếm 71% trên tổng ...", "tương đương 77,86%"."""
    facts = facts_of("Tổng nguồn vốn huy động đạt 60.000 tỷ đồng; trong đó tiền gửi tiết kiệm chiếm 71% trên tổng số "
                     "dư nguồn vốn huy động, tăng 0,23% so với số đầu năm. Diện tích cây ăn quả 21.695 ha, chiếm 96,0%. "
                     "Toàn tỉnh có 320/411 xã đạt chuẩn NTM, tương đương 77,86%; 101/320 xã đạt chuẩn NTM nâng cao, "
                     "tương đương 30%.")
    shares = {f.value: f for f in facts if f.unit == "%" and f.value is not None}
    assert set(shares) == {Decimal("71"), Decimal("96.0"), Decimal("77.86"), Decimal("30")}
    savings = shares[Decimal("71")]
    assert savings.indicator_text == "Tỷ trọng tiền gửi tiết kiệm trên tổng số dư nguồn vốn huy động"
    assert savings.change.value == Decimal("0.23") and savings.doubts  # points of the share, or growth?
    assert shares[Decimal("96.0")].indicator_text == "Tỷ trọng Diện tích cây ăn quả"
    assert shares[Decimal("77.86")].indicator_text == "Tỷ lệ xã đạt chuẩn NTM" and not shares[Decimal("77.86")].doubts
    assert any("is not 101/320" in d for d in shares[Decimal("30")].doubts)  # 101/320 is 31,56%
    # a figure in the words before the verb: the part is not named by them alone
    assert not [f for f in facts_of("tiêm 2 mũi chiếm 92,3%.") if f.value == Decimal("92.3")]


def test_exceeding_a_plan_by_a_percent_is_the_ratio_above_one_hundred():
    """Phú Quốc, Ya Ma: "vượt 18,40% so kế hoạch" is 118,40% of the plan; "vượt 12 đàn so với cùng kỳ" a change."""
    facts = facts_of("Thu ngân sách đạt 440,92 tỷ đồng, vượt 18,40% so kế hoạch, tăng 10,53% so cùng kỳ. Chi ngân sách "
                     "vượt 65,9% kế hoạch. Tổng đàn ong là 867 đàn vượt 12 đàn so với cùng kỳ.")
    revenue = next(f for f in facts if f.value == Decimal("440.92"))
    assert [(r.value, r.base) for r in revenue.stated_ratios] == [(Decimal("118.40"), "plan")]
    assert revenue.change.value == Decimal("10.53") and revenue.change.kind == "percent"
    spending = next(f for f in facts if f.indicator_text == "Chi ngân sách")
    assert [(r.value, r.base) for r in spending.stated_ratios] == [(Decimal("165.9"), "plan")]
    bees = next(f for f in facts if f.value == Decimal("867"))
    assert (bees.unit, bees.change.value, bees.change.direction) == ("đàn", Decimal("12"), "increase")


def test_numbers_written_the_english_way_are_read_as_written_and_flagged():
    """Đức Giang: "Diện tích 7.2 ha, sản lượng 46.8 tạ/ha"; a comma in a count ("1,200 con") may be a
    thousands separator: the value stays as written, the fact is held with the reason."""
    facts = facts_of("Rau màu: Diện tích 7.2 ha, năng suất 46.8 tạ/ha. Đàn lợn có 1,200 con, đàn gia cầm có 4,058 "
                     "triệu con. Ước thu từ trồng trọt: 13.503.000.000đ.")
    by_value = {f.value: f for f in facts if f.value is not None}
    assert by_value[Decimal("7.2")].unit == "ha" and "decimal point" in by_value[Decimal("7.2")].doubts[0]
    assert by_value[Decimal("46.8")].unit == "tạ/ha"
    assert "thousands separator" in by_value[Decimal("1.200")].doubts[0]
    assert not by_value[Decimal("4.058")].doubts  # millions of birds: a decimal is plausible
    assert by_value[Decimal("13503000000")].unit == "đ"  # "đồng" once staged (unit_normalised)


def test_a_range_or_a_floor_of_a_target_is_kept_in_doubt():
    """Tam Phước's plan: "tăng 7,5 - 8,0%", "tăng từ 10% trở lên", "đạt 100% trở lên"; a class of
    communes ("xã đạt từ 3 tiêu chí trở lên") is no figure."""
    facts = facts_of("Giá trị sản lượng nông nghiệp tăng 7,5 - 8,0%. Kinh doanh dịch vụ tăng từ 10% trở lên. Tỷ lệ học "
                     "sinh lên lớp đạt 100% trở lên. Có 5 xã đạt từ 3 tiêu chí trở lên.")
    bounds = sorted((f.change.value, f.doubts[0]) for f in facts if f.change and "nông nghiệp" in f.indicator_text)
    assert [b[0] for b in bounds] == [Decimal("7.5"), Decimal("8.0")]
    assert "lower bound" in bounds[0][1] and "upper bound" in bounds[1][1]
    services = next(f for f in facts if "dịch vụ" in f.indicator_text)
    assert services.change.value == Decimal("10") and "minimum" in services.doubts[0]
    pupils = next(f for f in facts if f.value == Decimal("100"))
    assert "minimum" in pupils.doubts[0]
    assert not [f for f in facts if f.value == Decimal("3")]


def test_a_comparison_pair_gives_the_figure_of_the_compared_period():
    """Hậu Giang: "tăng 08 cuộc (72/64); tăng 22 cuộc (72/50) ... so với cùng kỳ": 64 is December's
    figure, 50 January 2017's; the pair's first number restates the figure (no second fact of it)."""
    meta = ReportMetadata(admin_unit_code="93", period_type="month", period_start=date(2018, 1, 1),
                          period_end=date(2018, 1, 31))
    facts = facts_of("Trong tháng 01 năm 2018, Chủ tịch UBND tỉnh đã chủ trì và dự 72 cuộc họp các loại, so với tháng "
                     "trước tăng 08 cuộc (72/64); tăng 22 cuộc (72/50) họp, lễ, hội nghị và làm việc so với cùng kỳ.", meta)
    values = sorted((f.value, f.period_start, f.period_end) for f in facts if f.value is not None)
    assert values == [(Decimal("50"), date(2017, 1, 1), date(2017, 1, 31)),
                      (Decimal("64"), date(2017, 12, 1), date(2017, 12, 31)),
                      (Decimal("72"), date(2018, 1, 1), date(2018, 1, 31))]
    assert sorted(f.change.value for f in facts if f.change) == [Decimal("8"), Decimal("22")]
    assert len({f.indicator_text for f in facts}) == 1
    # numbers that do not agree with the change are not read as a pair
    odd = facts_of("Đã chủ trì 72 cuộc họp, so với tháng trước tăng 08 cuộc (70/64).", meta)
    assert not [f for f in odd if f.value == Decimal("64")]


def test_a_change_with_a_qualifier_and_a_signed_percent():
    """"giảm nhiều (-9,28%)": the change is the bracketed percent."""
    (accidents,) = facts_of("Số vụ tai nạn giao thông 120 vụ, giảm nhiều (-9,28%) so với cùng kỳ.")
    assert (accidents.change.value, accidents.change.direction, accidents.change.kind) == (
        Decimal("9.28"), "decrease", "percent")


def test_figures_of_a_named_part_carry_its_unit():
    """A merged province's report names its former provinces ("Gia Lai (cũ)"); a province report names
    its communes ("xã Yang Mao"): the figure is the part's, under the indicator of the whole."""
    merged = ReportMetadata(admin_unit_code="52", period_type="nine_months", period_start=date(2025, 1, 1),
                            period_end=date(2025, 9, 30))
    facts = facts_of("Tổng thu ngân sách 9 tháng đạt 25.000 tỷ đồng, trong đó Gia Lai (cũ) đạt 7.500 tỷ đồng.", merged)
    part = next(f for f in facts if f.value == Decimal("7500"))
    assert (part.indicator_text, part.admin_unit_code) == ("Tổng thu ngân sách", "64")
    province = ReportMetadata(admin_unit_code="66", period_type="year", period_start=date(2024, 1, 1),
                              period_end=date(2024, 12, 31))
    facts = facts_of("Toàn tỉnh có 1.200 hộ thoát nghèo, trong đó xã Yang Mao 54 hộ, xã Cư Pui 40 hộ.", province)
    assert {f.value: f.admin_unit_code for f in facts if f.admin_unit_code} == {
        Decimal("54"): "24487", Decimal("40"): "24478"}


def test_a_rank_and_a_contribution_are_figures_of_the_figure_before():
    """Gia Lai: "tăng 6,88% ..., xếp vị trí thứ 26/34 tỉnh, thành phố"; Huế: "dịch vụ tăng 8,17%, đóng góp
    4,02 điểm phần trăm"; a gap "vượt 12,3 điểm phần trăm so với KH" is no figure."""
    quarter = ReportMetadata(admin_unit_code="64", period_type="quarter", period_start=date(2025, 7, 1),
                             period_end=date(2025, 9, 30))
    facts = facts_of("Tốc độ tăng trưởng GRDP quý III-2025 tăng 6,88% so với cùng kỳ năm trước, xếp vị trí thứ 26/34 "
                     "tỉnh, thành phố. Thu ngân sách đạt 20.000 tỷ đồng, tăng 13,6% cùng kỳ, đứng thứ 9 cả nước.", quarter)
    ranks = {f.value: f for f in facts if f.indicator_text.startswith("Thứ hạng")}
    assert ranks[Decimal("26")].part_of.denominator == Decimal("34")
    assert ranks[Decimal("26")].part_of.unit == "tỉnh, thành phố"
    assert ranks[Decimal("26")].period_start == date(2025, 7, 1)
    assert ranks[Decimal("9")].indicator_text == "Thứ hạng Thu ngân sách" and ranks[Decimal("9")].part_of is None
    facts = facts_of("Tăng trưởng kinh tế ước tăng 7,5%, trong đó khu vực dịch vụ tăng 8,17%, đóng góp 4,02 điểm phần "
                     "trăm. Tỷ lệ tiêm chủng đạt 98%, vượt 12,3 điểm phần trăm so với KH.")
    (services,) = [f for f in facts if f.unit == "điểm %"]
    assert services.value == Decimal("4.02") and services.indicator_text == \
        "Đóng góp vào tăng trưởng của khu vực dịch vụ"
    assert not [f for f in facts if f.value == Decimal("12.3")]
