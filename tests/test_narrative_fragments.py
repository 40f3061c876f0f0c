"""Narrative extractor rules (issue 11, part 4), each on real sentences of the sample reports
(include/sample_reports/*.pdf, copied as parse_report gives them in ``narrative_facts``):

1. an indicator name is never a fragment: a verb takes the object after the figure ("Ban hành 260
   Quyết định về tổ chức bộ máy"), a grade its list head ("Hạnh kiểm: Tốt ..., Khá 16,4%"), an amount
   the figure before it ("..., số tiền 725,5 triệu đồng"), a crop measure its crop, a date is never a
   name; when no complete name can be built the fact carries a doubt;
2. "306 hộ/1.997 nhân khẩu" is two counts, not actual/plan;
3. in a list the words after each figure are its own ("cấp 14 giấy phép nhà ở riêng lẻ, 02 giấy phép
   cho tổ chức");
4. "10 tháng năm 2022" is a period of its own (months_to_date);
5. "bằng 101%KH" is a ratio to plan, never a value;
6. "1/3 tiêu chí" is a fraction, not one of three counted things (a count only in doubt).

Most tests run the extractor on one paragraph; the last ones parse two sample PDFs end to end.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from vnreports.parsing.model import PERIOD_TYPES, ReportMetadata
from vnreports.parsing.narrative import _qualifier_only, _strip_time, _verb_only, extract_narrative
from vnreports.parsing.periods import bounds, find_periods
from vnreports.parsing.textflow import Paragraph

from tests.conftest import SAMPLE_REPORTS

YEAR_2022 = ReportMetadata(period_type="year", period_start=date(2022, 1, 1), period_end=date(2022, 12, 31))
HALF_2021 = ReportMetadata(period_type="year", period_start=date(2021, 1, 1), period_end=date(2021, 12, 31))
JAN_2022 = ReportMetadata(period_type="month", period_start=date(2022, 1, 1), period_end=date(2022, 1, 31))


def extract(*texts: str, meta: ReportMetadata = YEAR_2022, heading: str | None = None):
    """Facts and unresolved mentions of paragraphs (a heading first when given)."""
    paras = [Paragraph(text=heading, page_at=[(0, 1)], is_heading=True)] if heading else []
    paras += [Paragraph(text=t, page_at=[(0, 1)]) for t in texts]
    return extract_narrative(paras, meta)


def facts_of(*texts: str, **kw):
    return extract(*texts, **kw)[0]


def by_value(facts, value: str):
    found = [f for f in facts if f.value == Decimal(value)]
    assert len(found) == 1, [(f.indicator_text, f.value) for f in facts]
    return found[0]


# ============================================================================= 1. fragments


@pytest.mark.parametrize(
    "sentence, value, name",
    [
        ("Ban hành 260 Quyết định về tổ chức bộ máy;", "260", "Ban hành Quyết định về tổ chức bộ máy"),
        (
            "Tổ chức 37 lớp huấn luyện nghiệp vụ PCCC và CNCH với thời lượng 480 giờ, tổng số 2.373 lượt người "
            "tham gia;",
            "37",
            "Tổ chức lớp huấn luyện nghiệp vụ PCCC và CNCH",
        ),
        (
            "Tiếp tục phấn đấu xây dựng 01 xã đạt Tiêu chí quốc gia về y tế trong năm 2023, duy trì 18 xã đã đạt "
            "tiêu chí quốc gia về y tế.",
            "18",
            "duy trì xã đã đạt tiêu chí quốc gia về y tế",
        ),
        ("Phát hiện 28 vụ phạm tội về trật tự quản lý kinh tế với các hình thức trốn thuế;", "28",
         "Phát hiện vụ phạm tội về trật tự quản lý kinh tế"),
        ("Trong tháng 01 năm 2022 đã tiếp nhận 40 hồ sơ cấp giấy phép xây dựng", "40",
         "đã tiếp nhận hồ sơ cấp giấy phép xây dựng"),
    ],
)
def test_a_verb_takes_the_object_after_the_figure(sentence, value, name):
    fact = by_value(facts_of(sentence), value)
    assert fact.indicator_text == name
    assert not fact.doubts


def test_a_verb_in_a_plan_list_takes_its_object():
    (fact,) = facts_of("(12) Thu hút trên 500.000 lượt khách du lịch.", heading="II. NHIỆM VỤ, GIẢI PHÁP NĂM 2023")
    assert fact.indicator_text == "Thu hút lượt khách du lịch"
    assert (fact.scenario, fact.period_start) == ("plan", date(2023, 1, 1))


def test_verbs_listed_before_the_figure_stay_together():
    facts = facts_of("Phát hiện, xử lý 69 vụ, 243 người nước ngoài nhập cảnh trái phép (giảm 81 người = 25% so với "
                     "năm 2021);")
    assert by_value(facts, "69").indicator_text == "Phát hiện, xử lý vụ"
    other = by_value(facts, "243")
    assert other.indicator_text == "Phát hiện, xử lý người nước ngoài nhập cảnh trái phép"
    assert other.change is not None and other.change.value == Decimal(81)  # "giảm 81 người": the item in người


def test_a_verb_with_nothing_to_take_keeps_a_doubt():
    (fact,) = facts_of("Hỗ trợ 05 triệu đồng cho 01 hộ bị hỏa hoạn;")
    assert fact.indicator_text == "Hỗ trợ"
    assert any("fragment" in d for d in fact.doubts)


def test_grades_carry_the_head_of_their_list():
    facts = facts_of("Hạnh kiểm: Tốt 80,3%, Khá 16,4%, đạt 1,9;")
    assert [f.indicator_text for f in facts] == ["Hạnh kiểm - Tốt", "Hạnh kiểm - Khá"]
    # 000 p.17: "khá 14,4%" a sentence after "hạnh kiểm tốt 82,3%" is of the same classification
    facts = facts_of(
        "Lớp 7,8,9: giỏi 7,1%; khá 43,3%; trung bình 45,6%; yếu 2,3%, kém 0,08%; hạnh kiểm tốt 82,3%; khá 14,4%; "
        "trung bình 1,7%; 42 học sinh khuyết tật không tiến hành xếp loại;"
    )
    assert [f.indicator_text for f in facts] == [
        "Lớp 7,8,9 - giỏi", "Lớp 7,8,9 - khá", "Lớp 7,8,9 - trung bình", "Lớp 7,8,9 - yếu", "Lớp 7,8,9 - kém",
        "hạnh kiểm tốt", "hạnh kiểm khá", "hạnh kiểm trung bình", "học sinh khuyết tật không tiến hành xếp loại",
    ]
    assert all(not f.doubts for f in facts)
    (fact,) = facts_of("chưa đạt 5,9%;")  # a grade alone: no head to name it
    assert fact.indicator_text == "chưa đạt" and any("fragment" in d for d in fact.doubts)


def test_grade_dat_is_a_grade_not_a_ratio_to_plan():
    facts = facts_of("Cấp tiểu học xếp loại theo năng lực: Hoàn thành tốt 61,94%, Đạt 50,7%, Cần cố gắng 0,33%;")
    assert [(f.indicator_text, f.value) for f in facts] == [
        ("Cấp tiểu học xếp loại theo năng lực - Hoàn thành tốt", Decimal("61.94")),
        ("Cấp tiểu học xếp loại theo năng lực - Đạt", Decimal("50.7")),
        ("Cấp tiểu học xếp loại theo năng lực - Cần cố gắng", Decimal("0.33")),
    ]
    assert all(not f.stated_ratios for f in facts)


def test_a_grade_without_a_head_is_in_doubt():
    facts = facts_of("Số công trình xây dựng đúng phép, có phép: 17 công trình (13 công trình năm 2021;")
    fact = by_value(facts, "17")
    assert any("fragment" in d for d in fact.doubts)


@pytest.mark.parametrize(
    "sentence, value, name",
    [
        ("chuyển quà của Chủ tịch nước tới 1.433 đối tượng người có công, số tiền 725,5 triệu đồng;", "725.5",
         "chuyển quà của Chủ tịch nước - số tiền"),
        ("Ban hành 02 quyết định xử phạt vi phạm hành chính trong lĩnh vực đất đai đối với 02 hộ gia đình, cá nhân "
         "với số tiền 18.000.000 đồng", "18000000",
         "Ban hành Quyết định xử phạt vi phạm hành chính trong lĩnh vực đất đai - số tiền"),
        ("30 đối tượng Cựu chiến binh với số tiền là: 447 triệu đồng;", "447", "đối tượng Cựu chiến binh - số tiền"),
        ("Phát hiện và xử lý 10.490 trường hợp vi phạm, phạt tiền 14,09 tỷ đồng (giảm 881 trường hợp = 7,7%;",
         "14.09", "Phát hiện và xử lý trường hợp vi phạm - phạt tiền"),
    ],
)
def test_an_amount_belongs_to_the_figure_before_it(sentence, value, name):
    fact = by_value(facts_of(sentence), value)
    assert fact.indicator_text == name
    assert not fact.doubts


def test_an_amount_of_nothing_named_is_in_doubt():
    (fact,) = facts_of("khen thưởng người có uy tín có thành tích năm 2022, số tiền 20 triệu đồng.")
    assert fact.indicator_text == "số tiền"
    assert any("generic measure" in d for d in fact.doubts)


def test_a_date_is_never_a_name():
    # 003 p.4: the elliptical sentence is about the paragraph's subject
    facts = facts_of(
        "Giải ngân vốn đầu tư công trong tháng tập trung đẩy nhanh tiến độ giải ngân các nguồn vốn năm 2021 và "
        "nguồn vốn kéo dài từ năm 2020 với tổng số vốn và 512,946 tỷ đồng. Đến ngày 21/01/2022 thực hiện đạt "
        "348,5/525,9 tỷ đồng, đạt 66,2% kế hoạch.",
        meta=JAN_2022,
    )
    fact = by_value(facts, "348.5")
    assert fact.indicator_text == "Giải ngân vốn đầu tư công"
    assert (fact.plan_value, fact.as_of_date) == (Decimal("525.9"), date(2022, 1, 21))
    assert any("not stated" in d for d in fact.doubts)
    # "(tháng 9/2022 là 40,8 ...)": the same indicator, another month
    facts = facts_of(
        "Tháng 10/2022, số ca mắc mới có dấu hiệu giảm so với tháng trước, số ca mắc trung bình trong tháng "
        "10/2022 là 13 người/ ngày (tháng 9/2022 là 40,8 người/ ngày)."
    )
    assert [(f.indicator_text, f.period_type, f.period_start) for f in facts] == [
        ("số ca mắc trung bình", "month", date(2022, 10, 1)),
        ("số ca mắc trung bình", "month", date(2022, 9, 1)),
    ]
    (fact,) = facts_of("Lũy kế từ đầu năm 2022 đến nay có 60 trường hợp tảo hôn.")
    assert fact.indicator_text == "trường hợp tảo hôn"


@pytest.mark.parametrize(
    "name, rest",
    [
        ("Đến ngày 21/01/2022", ""),
        ("tháng 9/2022", ""),
        ("Lũy kế từ đầu năm 2022 đến nay", ""),
        ("Trồng mới từ đầu năm đến nay", "Trồng mới"),
        ("Tổng sản lượng thịt hơi xuất chuồng tính từ đầu năm", "Tổng sản lượng thịt hơi xuất chuồng"),
        ("BHTN ước thực hiện đến 31/12/2022", "BHTN"),
        ("Quyết định thôi hưởng trợ cấp hàng tháng", "Quyết định thôi hưởng trợ cấp hàng tháng"),
    ],
)
def test_time_phrases_are_cut_from_names(name, rest):
    assert _strip_time(name) == rest


def test_fragment_lexicons():
    assert _verb_only("Ban hành") and _verb_only("duy trì đã") and _verb_only("Phát hiện, xử lý")
    assert not _verb_only("đàn bò") and not _verb_only("Tổng đàn trâu")
    assert _qualifier_only("Khá") and _qualifier_only("chưa đạt") and not _qualifier_only("Trâu")


def test_a_crop_measure_keeps_its_crop_across_a_page_break():
    # 002 p.2-3: "Cây đỗ tương:" ends the paragraph on page 2, its figures open page 3
    facts = facts_of(
        "Ngô đông xuân: Diện tích 1.492,9/1500ha, đạt 99,5% KH; Năng suất ước đạt 38,6 tạ/ha, sản lượng 5.763 tấn, "
        "đạt 100,1% KH. Cây đỗ tương:",
        "Diện tích 41,4/35ha, đạt 118,3% KH; Năng suất ước đạt 6,7 tạ/ha, sản lượng 27,7 tấn, đạt 118,3% KH.",
        meta=HALF_2021,
    )
    assert by_value(facts, "41.4").indicator_text == "Cây đỗ tương - Diện tích"
    assert by_value(facts, "6.7").indicator_text == "Cây đỗ tương - Năng suất"
    assert by_value(facts, "27.7").indicator_text == "Cây đỗ tương - sản lượng"


def test_a_crop_measure_takes_its_crop_not_the_measure_before():
    # 001 p.4-5: "năng suất:" is not a crop, "cho thu hoạch" is not a crop, "+ Cây Dè," is one
    facts = facts_of(
        "+ Cây đỗ tương: Trồng được 2.113,94 ha/2.664,0ha, đạt 79,4% KH, so với năm 2021 bằng 87,8%; năng suất: "
        "9,7 tạ/10,0 tạ/ha đạt 97,1% KH; sản lượng 2.062,54/2.543,0 tấn đạt 81,1% KH, so với cùng kỳ bằng 83,5%."
    )
    assert by_value(facts, "9.7").indicator_text == "Cây đỗ tương - năng suất"
    assert by_value(facts, "2062.54").indicator_text == "Cây đỗ tương - sản lượng"
    facts = facts_of("+ Cây Dè, diện tích trồng hiện có 516ha, diện tích cho thu hoạch 208,8ha, năng suất 14,1 tạ/ha; "
                     "sản lượng 294 tấn.")
    assert [f.indicator_text for f in facts] == [
        "Cây Dè - diện tích trồng", "Cây Dè - diện tích cho thu hoạch", "Cây Dè - năng suất", "Cây Dè - sản lượng"]
    facts = facts_of("Tình hình dịch bệnh + Cây lúa: Gieo trồng được 30.168,2 ha/29.633,0 ha, đạt 101,8% KH, bằng "
                     "104,0% so với năm 2021; Năng suất đạt 46,8 tạ/45,0 tạ /ha, đạt 103,9% KH;")
    assert [f.indicator_text for f in facts] == ["Cây lúa - Gieo trồng", "Cây lúa - Năng suất"]


def test_a_crop_measure_without_its_crop_is_in_doubt():
    (fact,) = facts_of("mô hình giống lúa trồng mạ khay HIT 124, với diện tích 2000m2.")
    assert fact.indicator_text == "diện tích"
    assert any("generic measure" in d for d in fact.doubts)


# ============================================================================= 2. a/b of two things


def test_two_counts_joined_by_a_slash_are_not_actual_and_plan():
    fact = by_value(facts_of("vận động thành công 306 hộ/1.997 nhân khẩu từ bỏ TCBHP DVM (giảm 61% số hộ, 72% số "
                             "nhân khẩu bị ảnh hưởng so với năm 2021);"), "306")
    assert (fact.value, fact.unit, fact.plan_value, fact.part_of) == (Decimal(306), "hộ", None, None)
    assert any("two counts" in d for d in fact.doubts)
    # both counts in the lexicon: two figures of the same activity
    facts = facts_of("Điều tra khám phá 02/02 vụ, khởi tố 04 vụ/04 đối tượng tội phạm hình sự.", meta=JAN_2022)
    counted = [(f.indicator_text, f.value, f.unit, f.plan_value) for f in facts if f.value is not None]
    assert counted == [
        ("khởi tố vụ tội phạm hình sự", Decimal(4), "vụ", None),
        ("khởi tố đối tượng tội phạm hình sự", Decimal(4), "đối tượng", None),
    ]


def test_actual_and_plan_needs_one_unit_or_a_plan_ratio():
    (fact,) = facts_of("đàn trâu 7.111/7220 con, đạt 98,5% KH;", meta=HALF_2021)
    assert (fact.value, fact.plan_value, fact.doubts) == (Decimal(7111), Decimal(7220), [])
    (fact,) = facts_of("+ Cây Thạch đen: trồng 563,7 ha/415 đạt 135,8% KH, so với năm 2021 bằng 109,48%;")
    assert (fact.value, fact.plan_value, fact.doubts) == (Decimal("563.7"), Decimal(415), [])
    (fact,) = facts_of("sinh con thứ 3 là 43/584 trẻ sinh ra.")
    assert fact.plan_value == Decimal(584)
    assert any("actual/plan" in d for d in fact.doubts)  # no "đạt x% KH": a guess, said so


# ============================================================================= 3. lists


def test_the_words_after_a_listed_figure_are_its_own():
    facts = facts_of(
        "Nhờ đó, trật tự xây dựng trên địa bàn huyện được chấn chỉnh kịp thời, công tác cấp giấy phép xây dựng đi "
        "vào khuôn khổ theo quy địng (cấp 14 giấy phép nhà ở riêng lẻ, 02 giấy phép cho tổ chức (tăng 07 giấy phép "
        "so với cùng kỳ năm 2020);",
        meta=HALF_2021,
    )
    assert by_value(facts, "14").indicator_text == "cấp giấy phép nhà ở riêng lẻ"
    two = by_value(facts, "2")
    assert two.indicator_text == "cấp giấy phép cho tổ chức"
    assert two.change is None  # the change is of the list's total
    (total,) = [f for f in facts if f.value is None]
    assert (total.change.value, total.change.unit, total.change.direction) == (Decimal(7), "giấy phép", "increase")
    facts = facts_of("Hoàn chỉnh thủ tục 48 hồ sơ mai táng phí, 02 hồ sơ đề nghị hưởng trợ cấp một lần.")
    assert [f.indicator_text for f in facts] == [
        "Hoàn chỉnh thủ tục hồ sơ mai táng phí", "Hoàn chỉnh thủ tục hồ sơ đề nghị hưởng trợ cấp một lần"]


def test_a_change_goes_to_the_item_that_counts_its_unit():
    facts = facts_of("Công tác phòng, chống tội phạm về kinh tế, tham nhũng: phát hiện, xử lý 245 vụ, 250 đối tượng "
                     "(giảm 284 vụ = 53,7% so với năm 2021).")
    assert by_value(facts, "245").change.value == Decimal(284)
    assert by_value(facts, "250").change is None
    facts = facts_of("Toàn huyện đã tổ chức 208 cuộc PBGDPL trực tiếp với 15.322 lượt người tham dự, phát hành 1.245 "
                     "bản tài liệu (tăng 37 cuộc, 618 lượt người tham dựvà 1.")
    assert by_value(facts, "208").change.value == Decimal(37)
    people = by_value(facts, "15322")
    assert people.indicator_text == "tổ chức cuộc PBGDPL trực tiếp - lượt người tham dự"
    assert people.change.value == Decimal(618)


def test_a_list_goes_on_past_a_count_outside_the_lexicon():
    # 002 p.8 (truth: 19.545 kg gạo cứu đói giáp hạt)
    facts = facts_of("Tiếp nhận, tổ chức cấp phát 15.465 kg gạo cứu đói tết Nguyên đán Tân Sửu năm 2021 cho 308 hộ "
                     "1.031 khẩu và 19.545 kg gạo cứu đói giáp hạt năm 2021 cho 371 hộ, 1.303 khẩu trên địa bàn 13 "
                     "xã, thị trấn.", meta=HALF_2021)
    assert by_value(facts, "19545").indicator_text == "Tiếp nhận, tổ chức cấp phát gạo cứu đói giáp hạt"
    assert by_value(facts, "308").indicator_text.endswith(" - hộ")


# ============================================================================= 4. months to date


def test_months_to_date_is_a_period_type():
    assert "months_to_date" in PERIOD_TYPES
    assert bounds("months_to_date", 2022, month=10) == (date(2022, 1, 1), date(2022, 10, 31))
    assert bounds("months_to_date", 2024, month=2) == (date(2024, 1, 1), date(2024, 2, 29))
    kinds = [(p.period_type, p.year, p.month) for p in find_periods(
        "10 tháng năm 2022, 5 tháng đầu năm 2021, 11 tháng, 9 tháng năm 2020, 6 tháng đầu năm 2019, 3 tháng")]
    assert kinds == [("months_to_date", 2022, 10), ("months_to_date", 2021, 5), ("months_to_date", None, 11),
                     ("nine_months", 2020, None), ("first_half", 2019, None), ("quarter", None, None)]
    # a date and an age are not periods of months
    assert [p.period_type for p in find_periods("ngày 10 tháng 12 năm 2021")] == ["year"]
    assert find_periods("trẻ dưới 6 tháng tuổi") == []


def test_figures_after_ten_months_are_of_ten_months():
    # 001 p.6: "10 tháng năm 2022" opens the paragraph; the report is the year 2022's
    facts = facts_of("10 tháng năm 2022, khai thác gỗ đạt 14.326,35m³ sản lượng gỗ khai thác, bằng 58,4% so với cùng "
                     "kỳ năm 2021; xảy ra 184 vụ vi phạm về quản lý bảo vệ rừng, bằng 113,6% so với cùng kỳ năm trước.")
    assert [(f.value, f.period_type, f.period_start, f.period_end) for f in facts] == [
        (Decimal("14326.35"), "months_to_date", date(2022, 1, 1), date(2022, 10, 31)),
        (Decimal(184), "months_to_date", date(2022, 1, 1), date(2022, 10, 31)),
    ]
    (fact,) = facts_of("9 tháng đầu năm 2022, tốc độ tăng trưởng tổng sản phẩm trên địa bàn tính (GRDP) ước đạt 5,56%")
    assert (fact.period_type, fact.period_end, fact.scenario) == ("nine_months", date(2022, 9, 30), "estimate")


# ============================================================================= 5. a ratio glued to KH


def test_a_percent_glued_to_kh_is_a_ratio_to_plan():
    facts, unresolved = extract("Chỉ đạo đăng ký và phấn đấu danh hiệu văn hóa, kết quả có 166/173 cơ quan, đơn vị "
                                "đạt danh hiệu cơ quan, đơn vị văn hoá, đạt tỷ lệ 95,9%, bằng 101%KH;")
    assert facts == []  # never a value of 101%, never a target
    assert [u.text for u in unresolved] == ["101%"]
    (fact,) = facts_of("tỷ lệ che phủ rừng đạt 52,96%, bằng 100%KH.")
    assert [(r.value, r.base) for r in fact.stated_ratios] == [(Decimal(100), "plan")]
    (fact,) = facts_of("Tụ huyết trùng trâu, bò tiêm được 17.596 liều, đạt 52%KH…")
    assert [(r.value, r.base) for r in fact.stated_ratios] == [(Decimal(52), "plan")]


# ============================================================================= 6. fractions


def test_one_third_is_a_fraction_not_a_count():
    facts, unresolved = extract("Thực hiện các tiêu chí nâng cao hoàn thành 1/3 tiêu chí đã đăng ký trong năm 2022.")
    assert facts == []
    assert [u.text for u in unresolved] == ["1/3 tiêu chí"]
    # the paragraph counts criteria ("13 tiêu chí"): may be one of three, a count in doubt
    facts = facts_of("Đến nay, các xã hoàn thành 13 tiêu chí đã đăng ký trong năm 2022, đạt 81,25% KH; bình quân "
                     "toàn huyện đạt 12 tiêu chí/xã. Thực hiện các tiêu chí nâng cao hoàn thành 1/3 tiêu chí đã đăng "
                     "ký trong năm 2022.")
    (third,) = [f for f in facts if f.part_of is not None]
    assert (third.part_of.numerator, third.part_of.denominator) == (1, 3)
    assert any("fraction" in d for d in third.doubts)
    (fact,) = facts_of("Khâm Thành đạt 2/2 tiêu chí;")
    assert (fact.part_of.numerator, fact.part_of.denominator, fact.doubts) == (2, 2, [])


# ============================================================================= doubts


def test_a_ratio_without_its_base_is_in_doubt():
    (fact,) = facts_of("Tổng hồ sơ căn cước công dân đã thu nhận là 57.286/59.062 hồ sơ, đạt 96,9%.")
    assert [(r.value, r.base) for r in fact.stated_ratios] == [(Decimal("96.9"), "plan")]
    assert any("ratio base not stated" in d for d in fact.doubts)


# ============================================================================= sample PDFs end to end


@pytest.fixture(scope="module")
def samples():
    from vnreports.parsing import parse_report

    names = ("002_7536578806f022c2", "003_f52cf5fe5220986b")
    return {name: parse_report(SAMPLE_REPORTS / f"{name}.pdf") for name in names}


def test_sample_reports_end_to_end(samples):
    facts = samples["002_7536578806f022c2"].narrative_facts
    permits = {f.value: f for f in facts if f.unit == "giấy phép" and "cấp giấy phép" in f.indicator_text}
    assert permits[Decimal(14)].indicator_text == "cấp giấy phép nhà ở riêng lẻ"
    assert permits[Decimal(2)].indicator_text == "cấp giấy phép cho tổ chức"
    assert permits[None].change.value == Decimal(7)
    assert any(f.indicator_text == "Cây đỗ tương - Diện tích" and f.value == Decimal("41.4") for f in facts)
    facts = samples["003_f52cf5fe5220986b"].narrative_facts
    (disbursed,) = [f for f in facts if f.value == Decimal("348.5")]
    assert disbursed.indicator_text == "Giải ngân vốn đầu tư công"
    assert [f.indicator_text for f in facts if f.value == Decimal(7) and f.unit == "Quyết định"] == [
        "Ban hành Quyết định xử phạt vi phạm hành chính về hoạt động xây dựng"]


@pytest.mark.parametrize("name", ["002_7536578806f022c2", "003_f52cf5fe5220986b"])
def test_no_sample_fact_is_named_by_a_date_or_a_bare_verb_without_doubt(samples, name):
    for f in samples[name].narrative_facts:
        assert _strip_time(f.indicator_text), (f.indicator_text, f.sentence)
        if _verb_only(f.indicator_text) or _qualifier_only(f.indicator_text):
            assert f.doubts, (f.indicator_text, f.sentence)
        assert not re.fullmatch(r"(?:số tiền|tổng số tiền|kinh phí|trị giá|diện tích|sản lượng|năng suất)",
                                f.indicator_text, re.IGNORECASE) or f.doubts, (f.indicator_text, f.sentence)
