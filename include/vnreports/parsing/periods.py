"""Reporting periods written in Vietnamese: 'tháng 01 năm 2022', 'quý II/2022', '6 tháng đầu năm 2021'."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from .textutil import clean_line

_YEAR = r"((?:19|20)\d{2})"
_ROMAN_Q = {"I": 1, "II": 2, "III": 3, "IV": 4}

_N_MONTHS = re.compile(
    # "ngày 10 tháng 12": a date, not ten months
    r"(?<![\d,.])(\d{1,2})\s*tháng(?!\s*\d{1,2}(?!\d))\s*(đầu\s*năm|cuối\s*năm|đầu|cuối)?"
    r"(?:\s*(?:năm|/|-)?\s*" + _YEAR + r")?"
    r"(?!\s*tuổi)",  # "6 tháng tuổi" is an age
    re.IGNORECASE,
)
_QUARTER = re.compile(r"quý\s*(IV|I{1,3}|[1-4])\b(?:\s*(?:năm|/|-)?\s*" + _YEAR + r")?", re.IGNORECASE)
_MONTH = re.compile(
    r"(?<!\d\s)(?<!\d)tháng\s*(\d{1,2})(?!\d)(?:\s*(?:năm|/|-)\s*" + _YEAR + r")?", re.IGNORECASE
)
_MONTH_SHORT = re.compile(r"(?<!\w)T(\d{1,2})\s*/\s*" + _YEAR + r"(?!\d)")
# "năm 2022", not "5 năm 2021-2025" (a span of years is no reporting period)
_YEAR_NAM = re.compile(r"năm\s*" + _YEAR + r"(?![\d/])(?!\s*[-–]\s*(?:19|20)\d{2})", re.IGNORECASE)
# "tháng Mười Hai và năm 2023", "THÁNG MƯỜI NĂM 2024": a month by its name, only where a year, a
# list or the end follows (so that "tháng năm 2022" is no month)
_MONTH_NAMES = {"một": 1, "giêng": 1, "hai": 2, "ba": 3, "tư": 4, "năm": 5, "sáu": 6, "bảy": 7, "tám": 8,
                "chín": 9, "mười": 10, "mười một": 11, "mười hai": 12, "chạp": 12}
_MONTH_WORD = re.compile(
    r"(?<!\w)tháng\s+(mười\s+một|mười\s+hai|một|giêng|hai|ba|tư|năm|sáu|bảy|tám|chín|mười|chạp)"
    r"(?:\s*(?:năm|/|-)\s*" + _YEAR + r")?(?=\s*(?:[,;.)]|và\b|$))",
    re.IGNORECASE,
)
_YEAR_BARE = re.compile(r"(?<![\d/.,-])" + _YEAR + r"(?![\d/-])")


@dataclass
class PeriodMention:
    period_type: str | None  # one of model.PERIOD_TYPES, None for a bare year
    year: int | None
    month: int | None = None
    quarter: int | None = None
    start_pos: int = 0
    end_pos: int = 0
    text: str = ""

    @property
    def effective_type(self) -> str | None:
        if self.period_type is None and self.year is not None:
            return "year"
        return self.period_type


def bounds(period_type: str | None, year: int | None, month: int | None = None, quarter: int | None = None) -> tuple[date | None, date | None]:
    """First and last day of a period; (None, None) if the year is unknown."""
    if year is None or period_type is None:
        return None, None
    try:
        if period_type == "month" and month:
            return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
        if period_type == "quarter" and quarter:
            m0 = 3 * quarter - 2
            m1 = m0 + 2
            return date(year, m0, 1), date(year, m1, calendar.monthrange(year, m1)[1])
        if period_type == "first_half":
            return date(year, 1, 1), date(year, 6, 30)
        if period_type == "second_half":
            return date(year, 7, 1), date(year, 12, 31)
        if period_type == "nine_months":
            return date(year, 1, 1), date(year, 9, 30)
        if period_type == "months_to_date" and month:
            # "10 tháng năm 2022": January to the end of month N
            return date(year, 1, 1), date(year, month, calendar.monthrange(year, month)[1])
        if period_type == "year":
            return date(year, 1, 1), date(year, 12, 31)
    except ValueError:
        return None, None
    return None, None


def find_periods(text: str, bare_years: bool = False) -> list[PeriodMention]:
    """All period mentions in reading order. Bare years ('KH 2023') only with bare_years=True."""
    t = clean_line(text)
    taken: list[tuple[int, int]] = []
    out: list[PeriodMention] = []

    def free(a: int, b: int) -> bool:
        return all(b <= x or a >= y for x, y in taken)

    def add(m: re.Match[str], pm: PeriodMention) -> None:
        pm.start_pos, pm.end_pos, pm.text = m.start(), m.end(), m.group(0)
        taken.append((m.start(), m.end()))
        out.append(pm)

    for m in _N_MONTHS.finditer(t):
        if not free(m.start(), m.end()):
            continue
        n = int(m.group(1))
        qual = (m.group(2) or "").lower()
        year = int(m.group(3)) if m.group(3) else None
        if n == 3:
            add(m, PeriodMention("quarter", year, quarter=4 if "cuối" in qual else 1))
        elif n == 6:
            add(m, PeriodMention("second_half" if "cuối" in qual else "first_half", year))
        elif n == 9:
            add(m, PeriodMention("nine_months", year))
        elif n == 12:
            add(m, PeriodMention("year", year))
        elif 2 <= n <= 11 and "cuối" not in qual:
            # "5 tháng", "10 tháng năm 2022", "11 tháng đầu năm": January to the end of month N
            add(m, PeriodMention("months_to_date", year, month=n))
        elif "cuối" in qual:
            taken.append((m.start(), m.end()))  # "4 tháng cuối năm 2022": no period type; its year is not the year's
    for m in _QUARTER.finditer(t):
        if not free(m.start(), m.end()):
            continue
        q = m.group(1).upper()
        quarter = _ROMAN_Q.get(q) or int(q)
        add(m, PeriodMention("quarter", int(m.group(2)) if m.group(2) else None, quarter=quarter))
    for rx in (_MONTH, _MONTH_SHORT):
        for m in rx.finditer(t):
            if not free(m.start(), m.end()):
                continue
            month = int(m.group(1))
            if not 1 <= month <= 12:
                continue
            add(m, PeriodMention("month", int(m.group(2)) if m.group(2) else None, month=month))
    for m in _MONTH_WORD.finditer(t):
        if free(m.start(), m.end()):
            month = _MONTH_NAMES[re.sub(r"\s+", " ", m.group(1).lower())]
            add(m, PeriodMention("month", int(m.group(2)) if m.group(2) else None, month=month))
    for m in _YEAR_NAM.finditer(t):
        if free(m.start(), m.end()):
            add(m, PeriodMention("year", int(m.group(1))))
    if bare_years:
        for m in _YEAR_BARE.finditer(t):
            if free(m.start(), m.end()):
                add(m, PeriodMention(None, int(m.group(1))))
    out.sort(key=lambda p: p.start_pos)
    return out
