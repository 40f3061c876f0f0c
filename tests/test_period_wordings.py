"""The period grammar of titles and headings, on real wordings.

Each row: the words as a report, a statistics office or a meeting notice writes them (from the
corpus in tests/fixtures/corpus_pdfs/index.csv, the sample reports, and public reports of other
provinces), the role they default to (a plan document's title names its plan), the reporting
period of the actual figures it yields (type, start, end; None when it names none) and the plan
year (None when none). Rules this pins (vnreports.parsing.metadata.title_periods):

- several periods joined by "và" / "," that end together name one report: the widest is its
  period ("tháng 12, quý IV và năm 2022" -> the year 2022; "tháng 5 và 5 tháng" -> 5 months);
- the year is written once, at the end of a two-part title, and holds for the first part too
  ("6 tháng đầu năm; phương hướng, nhiệm vụ 6 tháng cuối năm 2021" -> first half of 2021);
- a part after "phương hướng", "nhiệm vụ", "kế hoạch", "dự toán", "mục tiêu" is the plan part,
  and what follows it stays plan until words of results come again;
- roman or arabic quarters, "tháng 01", "T10/2022", month names ("tháng Mười Hai"), "cả năm",
  a five-year span is no year.
"""

from __future__ import annotations

from datetime import date

import pytest

from vnreports.parsing.metadata import title_periods

Y, H1, H2, N9, Q, M, MTD = "year", "first_half", "second_half", "nine_months", "quarter", "month", "months_to_date"


def p(ptype: str, y: int, m0: int, d0: int, m1: int, d1: int):
    return ptype, date(y, m0, d0), date(y, m1, d1)


def year(y):
    return p(Y, y, 1, 1, 12, 31)


def h1(y):
    return p(H1, y, 1, 1, 6, 30)


def n9(y):
    return p(N9, y, 1, 1, 9, 30)


def quarter(y, q):
    import calendar

    return Q, date(y, 3 * q - 2, 1), date(y, 3 * q, calendar.monthrange(y, 3 * q)[1])


def month(y, m):
    import calendar

    return M, date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1])


def mtd(y, m):
    import calendar

    return MTD, date(y, 1, 1), date(y, m, calendar.monthrange(y, m)[1])


A, PLAN = "actual", "plan"

WORDINGS = [
    # --- the corpus (index.csv) and the samples
    ("tình hình KT-XH tháng 5 và 5 tháng năm 2017; nhiệm vụ công tác trọng tâm tháng 6/2017", A, mtd(2017, 5), None),
    ("Thực hiện nhiệm vụ phát triển kinh tế- xã hội năm 2007, kế hoạch năm 2008", A, year(2007), 2008),
    ("Chỉ đạo, điều hành của UBND tỉnh, tình hình kinh tế - xã hội tháng 01 năm 2018", A, month(2018, 1), None),
    ("Tình hình kinh tế- xã hội năm 2022 và kế hoạch kinh tế- xã hội năm 2023 của xã Trường Đông", A, year(2022), 2023),
    ("KINH TẾ - XÃ HỘI NĂM 2022", PLAN, None, 2022),
    ("đánh giá tình hình thực hiện nhiệm vụ phát triển KT-XH, QP-AN 9 tháng đầu năm 2023", A, n9(2023), None),
    ("Tình hình kinh tế - xã hội tháng 10 năm 2022 của tỉnh Đồng Nai", A, month(2022, 10), None),
    ("đánh giá kết quả thực hiện nhiệm vụ phát triển kinh tế xã hội quý 1, phương hướng, nhiệm vụ quý 2 năm 2024",
     A, quarter(2024, 1), None),
    ("Tình hình kinh tế - xã hội năm 2021", A, year(2021), None),
    ("Tình hình kinh tế - xã hội tháng 01 năm 2024", A, month(2024, 1), None),
    ("đánh giá tình hình kinh tế-xã hội 9 tháng đầu năm và triển khai nhiệm vụ, giải pháp 3 tháng cuối năm 2025",
     A, n9(2025), None),
    ("tình hình kinh tế - xã hội tháng 8 và 9 tháng năm 2025", A, n9(2025), None),
    ("Hội nghị UBND tỉnh Lâm Đồng tháng 10/2025 đánh giá kết quả 10 tháng và triển khai nhiệm vụ cuối năm",
     A, mtd(2025, 10), None),
    ("TÌNH HÌNH KINH TẾ - XÃ HỘI THÁNG 12, QUÝ IV VÀ NĂM 2022 TỈNH ĐIỆN BIÊN", A, year(2022), None),
    ("Tình hình kinh tế - xã hội quý III và 9 tháng đầu năm 2023", A, n9(2023), None),
    ("ĐÁNH GIÁ TÌNH HÌNH KINH TẾ - XÃ HỘI QUÝ I, TRIỂN KHAI NHIỆM VỤ QUÝ II NĂM 2024", A, quarter(2024, 1), None),
    ("Tình hình thực hiện kế hoạch phát triển kinh tế - xã hội năm 2022, Phương hướng, nhiệm vụ năm 2023",
     A, year(2022), 2023),
    ("Phát triển Kinh tế - Xã hội năm 2022", PLAN, None, 2022),
    ("Tình hình thực hiện các mục tiêu KT-XH tháng 01 năm 2022 nhiệm vụ công tác trọng tâm tháng 02 năm 2022",
     A, month(2022, 1), None),
    ("Tình hình thực hiện nhiệm vụ, mục tiêu phát triển kinh tế - xã hội 6 tháng đầu năm; phương hướng, nhiệm vụ "
     "6 tháng cuối năm 2021", A, h1(2021), None),
    ("Tình hình thực hiện nhiệm vụ phát triển kinh tế - xã hội 6 tháng đầu năm; phương hướng, nhiệm vụ 6 tháng "
     "cuối năm 2026", A, h1(2026), None),
    ("Báo cáo tình hình kinh tế - xã hội tháng 10, 10 tháng năm 2011", A, mtd(2011, 10), None),
    ("Tình hình kinh tế - xã hội quý IV và cả năm 2023", A, year(2023), None),
    ("Báo cáo tình hình thực hiện nhiệm vụ năm 2023, kế hoạch năm 2024", A, year(2023), 2024),
    ("Tình hình kinh tế - xã hội 6 tháng đầu năm 2024", A, h1(2024), None),
    ("Báo cáo tình hình kinh tế - xã hội quý I năm 2024", A, quarter(2024, 1), None),
    ("kết quả thực hiện nhiệm vụ phát triển kinh tế - xã hội năm 2025; mục tiêu, nhiệm vụ năm 2026", A, year(2025),
     2026),
    ("kế hoạch phát triển kinh tế - xã hội và dự toán ngân sách nhà nước năm 2026", PLAN, None, 2026),
    ("Tình hình kinh tế - xã hội tháng 5 năm 2023 tỉnh Hải Dương", A, month(2023, 5), None),
    ("tổng kết công tác chỉ đạo, điều hành nhiệm vụ phát triển kinh tế - xã hội năm 2025 và triển khai nhiệm vụ "
     "năm 2026", A, year(2025), 2026),
    ("tổ chức Hội nghị triển khai Kế hoạch phát triển kinh tế - xã hội và dự toán ngân sách nhà nước năm 2026",
     PLAN, None, 2026),
    # --- public reports of other provinces and offices
    ("Tình hình thực hiện nhiệm vụ phát triển kinh tế - xã hội, quốc phòng - an ninh tháng 9 và 9 tháng đầu năm; "
     "nhiệm vụ trọng tâm quý IV năm 2023", A, n9(2023), None),
    ("Báo cáo kết quả thực hiện nhiệm vụ năm 2023 và phương hướng, nhiệm vụ năm 2024", A, year(2023), 2024),
    ("Báo cáo tình hình kinh tế - xã hội 9 tháng năm 2020", A, n9(2020), None),
    ("Báo cáo tình hình kinh tế - xã hội tháng 11 và 11 tháng năm 2021", A, mtd(2021, 11), None),
    ("Tình hình thực hiện kế hoạch phát triển kinh tế - xã hội 9 tháng đầu năm, ước thực hiện cả năm 2024 và kế "
     "hoạch phát triển kinh tế - xã hội năm 2025", A, year(2024), 2025),
    ("Kết quả thực hiện nhiệm vụ quý III năm 2019", A, quarter(2019, 3), None),
    ("tình hình kinh tế - xã hội quý II và 6 tháng đầu năm 2022", A, h1(2022), None),
    ("Báo cáo tình hình thực hiện nhiệm vụ tháng 3, quý I năm 2023 và nhiệm vụ trọng tâm tháng 4 năm 2023",
     A, quarter(2023, 1), None),
    ("Báo cáo tình hình kinh tế - xã hội tháng 12 năm 2023", A, month(2023, 12), None),
    ("tình hình KT-XH tháng 02/2024", A, month(2024, 2), None),
    ("Tình hình kinh tế - xã hội T10/2022", A, month(2022, 10), None),
    ("Báo cáo công tác tháng 7 năm 2021 và phương hướng nhiệm vụ tháng 8 năm 2021", A, month(2021, 7), None),
    ("Báo cáo kinh tế - xã hội 6 tháng đầu năm 2019 và nhiệm vụ trọng tâm 6 tháng cuối năm 2019", A, h1(2019), None),
    ("Tình hình kinh tế - xã hội quý 3 năm 2021", A, quarter(2021, 3), None),
    ("Đánh giá tình hình thực hiện kế hoạch năm 2020 và xây dựng kế hoạch năm 2021", A, year(2020), 2021),
    ("Kế hoạch phát triển kinh tế - xã hội 5 năm 2021-2025", PLAN, None, None),
    ("Báo cáo tình hình thực hiện nhiệm vụ năm 2021, phương hướng nhiệm vụ năm 2022", A, year(2021), 2022),
    ("Kết quả thực hiện Nghị quyết HĐND huyện về nhiệm vụ phát triển kinh tế - xã hội năm 2022", A, year(2022), None),
    ("Báo cáo ước thực hiện kế hoạch phát triển kinh tế - xã hội năm 2024", A, year(2024), None),
    ("tình hình kinh tế - xã hội tháng 6 và 6 tháng đầu năm 2023", A, h1(2023), None),
    ("Tình hình kinh tế - xã hội tháng 4 và 4 tháng đầu năm 2023", A, mtd(2023, 4), None),
    ("Báo cáo tình hình kinh tế - xã hội tháng Chín và 9 tháng năm 2023", A, n9(2023), None),
    ("Tình hình kinh tế - xã hội quý IV và năm 2023", A, year(2023), None),
    ("Tình hình kinh tế - xã hội tháng Mười Hai và năm 2023", A, year(2023), None),
    ("Báo cáo tình hình kinh tế - xã hội tháng Một năm 2024", A, month(2024, 1), None),
    ("TÌNH HÌNH KINH TẾ - XÃ HỘI THÁNG MƯỜI NĂM 2024", A, month(2024, 10), None),
    ("Tình hình kinh tế - xã hội tháng Mười Một và 11 tháng năm 2024", A, mtd(2024, 11), None),
    ("Báo cáo tình hình kinh tế - xã hội năm 2019", A, year(2019), None),
    ("Báo cáo sơ kết 6 tháng đầu năm 2020", A, h1(2020), None),
    ("Báo cáo tổng kết năm 2020", A, year(2020), None),
    ("Báo cáo tình hình kinh tế xã hội 11 tháng năm 2022", A, mtd(2022, 11), None),
    ("Báo cáo tình hình kinh tế - xã hội 02 tháng đầu năm 2024", A, mtd(2024, 2), None),
    ("tình hình kinh tế - xã hội tháng 01/2023", A, month(2023, 1), None),
    ("tình hình KT-XH Quý I/2022", A, quarter(2022, 1), None),
    ("Báo cáo kinh tế - xã hội quý I-2022", A, quarter(2022, 1), None),
    ("Phương hướng, nhiệm vụ 6 tháng cuối năm 2021", A, None, None),
    ("Phương hướng, nhiệm vụ năm 2023", A, None, 2023),
    ("Kết quả thực hiện nhiệm vụ phát triển kinh tế - xã hội 9 tháng đầu năm; nhiệm vụ, giải pháp trọng tâm 3 tháng "
     "cuối năm 2022", A, n9(2022), None),
    ("Báo cáo tình hình thực hiện nhiệm vụ tháng 10 và 10 tháng đầu năm 2024; nhiệm vụ trọng tâm tháng 11 năm 2024",
     A, mtd(2024, 10), None),
    ("Báo cáo kết quả thực hiện nhiệm vụ quý I; phương hướng nhiệm vụ quý II năm 2025", A, quarter(2025, 1), None),
    ("Báo cáo tình hình kinh tế - xã hội năm 2025 và kế hoạch phát triển kinh tế - xã hội năm 2026 của xã Hạ Lang",
     A, year(2025), 2026),
    ("Tình hình thực hiện nhiệm vụ phát triển kinh tế - xã hội tháng 8 năm 2025 (sau sắp xếp)", A, month(2025, 8),
     None),
    ("BÁO CÁO TÌNH HÌNH KINH TẾ - XÃ HỘI THÁNG 7 NĂM 2025", A, month(2025, 7), None),
    ("Dự toán ngân sách nhà nước năm 2023", PLAN, None, 2023),
    ("Tình hình thực hiện dự toán ngân sách năm 2022 và dự toán năm 2023", A, year(2022), 2023),
    ("Đánh giá kết quả thực hiện kế hoạch phát triển kinh tế - xã hội 5 năm 2016-2020", A, None, None),
    ("Ước thực hiện năm 2023", A, year(2023), None),
    ("tình hình kinh tế - xã hội tháng 3 năm 2020", A, month(2020, 3), None),
    ("9 tháng năm 2024", A, n9(2024), None),
    ("Kết quả thực hiện nhiệm vụ quý II năm 2021", A, quarter(2021, 2), None),
    ("Tình hình kinh tế - xã hội tháng 5 và 5 tháng đầu năm 2023", A, mtd(2023, 5), None),
    ("tình hình thực hiện nhiệm vụ 10 tháng, ước thực hiện cả năm 2021", A, year(2021), None),
    ("Tình hình KT-XH tháng 01 và nhiệm vụ trọng tâm tháng 02 năm 2023", A, month(2023, 1), None),
    ("Báo cáo tình hình kinh tế - xã hội tháng 12/2021", A, month(2021, 12), None),
    ("Kết quả công tác năm 2018 và nhiệm vụ, giải pháp năm 2019", A, year(2018), 2019),
    ("Báo cáo tình hình kinh tế - xã hội 3 tháng đầu năm 2024", A, quarter(2024, 1), None),
    ("kế hoạch năm 2024", PLAN, None, 2024),
    ("KẾ HOẠCH PHÁT TRIỂN KINH TẾ - XÃ HỘI NĂM 2024", PLAN, None, 2024),
    ("TÌNH HÌNH THỰC HIỆN NHIỆM VỤ NĂM 2023, PHƯƠNG HƯỚNG NHIỆM VỤ NĂM 2024", A, year(2023), 2024),
    ("Báo cáo tình hình kinh tế - xã hội 6 tháng cuối năm 2022", A, p(H2, 2022, 7, 1, 12, 31), None),
    ("Tình hình kinh tế - xã hội tháng 9, quý III và 9 tháng năm 2024", A, n9(2024), None),
]


def test_there_are_at_least_eighty_wordings():
    assert len(WORDINGS) >= 80
    assert len({w[0] for w in WORDINGS}) == len(WORDINGS)


@pytest.mark.parametrize("text, role, actual, plan_year", WORDINGS, ids=[w[0][:60] for w in WORDINGS])
def test_title_period(text, role, actual, plan_year):
    found = title_periods(text, role)
    got = None if found.actual is None else (found.actual_type, found.actual_start, found.actual_end)
    assert got == actual
    assert found.plan_year == plan_year
