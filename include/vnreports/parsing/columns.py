"""What a table column holds: role, scenario, period, plan issuer, ratio operands.

Everything is read from the header path of the leaf column (top to leaf) and, for ratios,
from the numbering row ("7=6/4": the ratio of the columns numbered 6 and 4). Words are
compared without diacritics (``fold_ascii``), so "Ước TH", "ước th", "UOC TH" are alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from .model import TableColumn
from .periods import bounds, find_periods
from .textutil import clean_line, fold_ascii, has_words

_ROW_LABEL = re.compile(r"^(s?tt|so tt|s\.tt|ma so|ma)$")
_UNIT = re.compile(r"^(don vi( tinh)?|dvt|d\.\s?v\.\s?t\.?|dv tinh|don vi do)$")
_INDICATOR = ("chi tieu", "noi dung", "danh muc", "hang muc", "ten chi tieu", "linh vuc", "nhiem vu")
_NOTE = ("ghi chu",)
_VERDICT = ("danh gia", "dat hay khong dat", "dat khong dat", "muc do dat", "ket qua danh gia")
_RATIO = ("so voi", "so sanh", "ty le so voi", "ty le % so", "dat %", "% so voi", "so cung ky")

# scenario words, checked in this order (ước TH before TH, chỉ tiêu NQ before chỉ tiêu)
_SCENARIOS = [
    ("estimate", ("uoc", "uoc th", "uoc thuc hien", "uoc tinh", "uoc dat", "du uoc", "uth")),
    ("target", ("muc tieu", "nghi quyet", "nq", "phan dau", "chi tieu nq")),
    ("plan", ("kh", "ke hoach", "du toan", "giao", "chi tieu ke hoach", "chi tieu giao", "ctkh")),
    ("actual", ("thuc hien", "th", "ket qua", "ket qua thuc hien", "luy ke", "cung ky", "thuc te", "quyet toan", "tong so")),
]

_ISSUER = re.compile(
    r"\b(HĐND|UBND|Nghị quyết HĐND|NQ HĐND|Hội đồng nhân dân|Ủy ban nhân dân|Uỷ ban nhân dân|Tỉnh ủy|Huyện ủy|Chính phủ)"
    r"(?:\s+(tỉnh|huyện|thành phố|TP|thị xã|quận|xã|phường|thị trấn))?",
    re.IGNORECASE,
)


# "KH2022", "năm2022": a year glued to the word before it (as typed, or as OCR reads a narrow gap)
_GLUED_YEAR = re.compile(r"(?<=[^\W\d_])(?=(?:19|20)\d{2}(?!\d))")


@dataclass
class ReportContext:
    """Report-level facts used to complete column periods ('Cùng kỳ', 'tháng 01' without year)."""

    period_type: str | None = None
    period_start: date | None = None
    period_end: date | None = None
    plan_year: int | None = None

    @property
    def year(self) -> int | None:
        return self.period_start.year if self.period_start else None


def _scenario(text: str) -> str | None:
    f = fold_ascii(text)
    for name, words in _SCENARIOS:
        if has_words(f, *words):
            return name
    return None


def _issuer(text: str) -> str | None:
    m = _ISSUER.search(clean_line(text))
    if not m:
        return None
    org = m.group(1)
    fo = fold_ascii(org)
    if "hoi dong" in fo or "hdnd" in fo:
        org = "HĐND"
    elif "uy ban" in fo or "ubnd" in fo:
        org = "UBND"
    return org + (" " + m.group(2).lower() if m.group(2) else "")


def _period(parts: list[str], ctx: ReportContext, scenario: str | None) -> tuple[str | None, int | None, int | None, int | None]:
    """(period_type, year, month, quarter) from header texts, leaf first."""
    ptype = year = month = quarter = None
    same_period = False
    for text in parts:
        f = fold_ascii(text)
        if has_words(f, "cung ky"):
            same_period = True
        for pm in find_periods(text, bare_years=True):
            if ptype is None and pm.period_type is not None and not (pm.period_type == "year" and pm.year is None):
                ptype, month, quarter = pm.period_type, pm.month, pm.quarter
                if pm.year is not None and year is None:
                    year = pm.year
            if year is None and pm.year is not None:
                year = pm.year
    if same_period and ctx.period_type:
        # "Cùng kỳ (năm 2022)": the report's own kind of period, one year earlier
        if ptype in (None, "year") and ctx.period_type != "year":
            ptype, month, quarter = ctx.period_type, None, None
        if ctx.period_start:
            month = month or (ctx.period_start.month if ctx.period_type == "month" else None)
            if ctx.period_type == "months_to_date" and ptype == "months_to_date" and ctx.period_end:
                month = month or ctx.period_end.month  # "cùng kỳ" of "10 tháng": the same ten months
            quarter = quarter or ((ctx.period_start.month + 2) // 3 if ctx.period_type == "quarter" else None)
            if year is None:
                year = ctx.period_start.year - 1
    if ptype is None and year is not None:
        ptype = "year"
    if ptype is not None and year is None:
        if scenario == "plan" and ptype == "year" and ctx.plan_year:
            year = ctx.plan_year
        elif ctx.year:
            year = ctx.year
    return ptype, year, month, quarter


def classify_columns(
    paths: list[list[str]], numbering: list[str | None], ctx: ReportContext | None = None
) -> list[TableColumn]:
    """One TableColumn per leaf column."""
    ctx = ctx or ReportContext()
    cols: list[TableColumn] = []
    for i, path in enumerate(paths):
        path = [_GLUED_YEAR.sub(" ", clean_line(p)) for p in path if clean_line(p)]
        leaf = path[-1] if path else ""
        full = " ".join(path)
        lf, ff = fold_ascii(leaf), fold_ascii(full)
        num = numbering[i] if i < len(numbering) else None
        col = TableColumn(col_index=i, header_path=path, column_number=num, role="other")
        has_year = bool(re.search(r"(19|20)\d{2}", full))
        if not path:
            pass
        elif _ROW_LABEL.match(lf.strip(". ")):
            col.role = "row_label"
        elif has_words(ff, *_NOTE):
            col.role = "note"
        elif has_words(ff, *_VERDICT) and not has_words(lf, "so voi"):
            col.role = "verdict"
        elif _UNIT.match(lf.strip(" .:")):
            col.role = "unit"
        elif has_words(ff, *_RATIO) or (num and re.search(r"=.*[/:]", num)) or re.fullmatch(r"\(?%\)?", lf):
            col.role = "ratio"
        elif has_words(ff, *_INDICATOR) and not has_year and _scenario(leaf) is None:
            col.role = "indicator"
        elif _scenario(full) is not None or has_year or find_periods(full):
            col.role = "value"
        cols.append(col)

    for col in cols:
        if col.role != "value":
            continue
        parts = list(reversed(col.header_path))  # leaf first
        scen = None
        for p in parts:
            scen = _scenario(p)
            if scen:
                break
        col.scenario = scen
        ptype, year, month, quarter = _period(parts, ctx, scen)
        col.period_type, col.period_year = ptype, year
        col.period_start, col.period_end = bounds(ptype, year, month, quarter)
        if scen in ("plan", "target"):
            for p in parts:
                iss = _issuer(p)
                if iss:
                    col.plan_issuer = iss
                    break

    _resolve_ratios(cols, ctx)
    return cols


def _number_base(label: str | None) -> str | None:
    if not label:
        return None
    m = re.match(r"^\(?\s*([0-9A-Za-z]{1,3})\s*\)?", label.strip())
    return m.group(1) if m else None


def _resolve_ratios(cols: list[TableColumn], ctx: ReportContext) -> None:
    by_number = {}
    for c in cols:
        b = _number_base(c.column_number)
        if b is not None:
            by_number.setdefault(b, c.col_index)
    values = [c for c in cols if c.role == "value"]
    for col in cols:
        if col.role != "ratio":
            continue
        num = den = None
        if col.column_number and "=" in col.column_number:
            rhs = col.column_number.split("=", 1)[1]
            ops = re.findall(r"\(?\s*([0-9A-Za-z]{1,3})\s*\)?", rhs)
            if "/" in rhs or ":" in rhs:
                if len(ops) >= 2:
                    num = _lookup(ops[0], by_number, len(cols))
                    den = _lookup(ops[1], by_number, len(cols))
        if num is None or den is None:
            tnum, tden = _ratio_from_text(col, values)
            num = num if num is not None else tnum
            den = den if den is not None else tden
        col.ratio_numerator_col, col.ratio_denominator_col = num, den
        src = cols[num] if num is not None and 0 <= num < len(cols) else None
        if src is not None:
            col.scenario = src.scenario
            col.period_type, col.period_year = src.period_type, src.period_year
            col.period_start, col.period_end = src.period_start, src.period_end
        dsrc = cols[den] if den is not None and 0 <= den < len(cols) else None
        col.ratio_base = _ratio_base(col, src, dsrc)
        iss = _issuer(" ".join(col.header_path))
        if iss is None and dsrc is not None:
            iss = dsrc.plan_issuer
        col.plan_issuer = iss


def _ratio_base(col: TableColumn, src: TableColumn | None, dsrc: TableColumn | None) -> str | None:
    """What a stated ratio compares with: plan, previous_period, or the base column's scenario."""
    header = fold_ascii(" ".join(col.header_path))
    if has_words(header, "cung ky"):
        return "previous_period"
    if dsrc is not None and dsrc.scenario in ("plan", "target"):
        return dsrc.scenario
    if (dsrc is not None and src is not None and dsrc.period_start and src.period_start
            and dsrc.period_start < src.period_start):
        return "previous_period"
    if dsrc is not None and dsrc.scenario:
        return dsrc.scenario
    if has_words(header, "kh") or has_words(header, "ke hoach"):
        return "plan"
    return None


def _lookup(op: str, by_number: dict[str, int], ncols: int) -> int | None:
    if op in by_number:
        return by_number[op]
    if op.isdigit() and 1 <= int(op) <= ncols:
        return int(op) - 1  # numbering row absent or different: 1-based column number
    return None


def _ratio_from_text(col: TableColumn, values: list[TableColumn]) -> tuple[int | None, int | None]:
    """'Ước TH năm 2022 so với TH 2021 (%)' -> (col of estimate 2022, col of actual 2021)."""
    leaf = col.header_path[-1] if col.header_path else ""
    full = " ".join(col.header_path)
    text = leaf if re.search(r"so (voi|sanh)", fold_ascii(leaf)) else full
    m = re.search(r"\bso\s+(với|sánh|sanh|voi)(?:\s+với)?\b", text, re.IGNORECASE)
    left, right = (text[: m.start()], text[m.end() :]) if m else ("", text)
    left_vals = [v for v in values if v.col_index < col.col_index]

    def best(part: str, pool: list[TableColumn]) -> int | None:
        scen = _scenario(part)
        years = [p.year for p in find_periods(part, bare_years=True) if p.year]
        iss = _issuer(part)
        scored = []
        for v in pool:
            s = 0
            if scen and v.scenario == scen:
                s += 2
            if years and v.period_year in years:
                s += 2
            if iss and v.plan_issuer and fold_ascii(v.plan_issuer).split()[0] == fold_ascii(iss).split()[0]:
                s += 3
            if s:
                scored.append((s, v.col_index))
        if not scored:
            return None
        scored.sort(key=lambda x: (-x[0], -x[1]))
        return scored[0][1]

    num = best(left, left_vals) if clean_line(left) else None
    if num is None:
        # the result column: the latest actual/estimate column left of the ratio, not "cùng kỳ"
        res = [v for v in left_vals if v.scenario in ("actual", "estimate")]
        current = [v for v in res if not has_words(fold_ascii(" ".join(v.header_path)), "cung ky")] or res
        if current:
            current.sort(key=lambda v: (v.period_end or date.min, v.col_index))
            num = current[-1].col_index
    pool = [v for v in values if v.col_index != num]
    den = best(right, pool) if clean_line(right) else None
    if den is None and num is not None:
        # "So sánh (%)" without operands: same period last year, else the plan, else the neighbour
        others = [v for v in left_vals if v.col_index != num]
        same = [v for v in others if has_words(fold_ascii(" ".join(v.header_path)), "cung ky")]
        plans = [v for v in others if v.scenario in ("plan", "target")]
        pick = same or plans or others
        if pick:
            den = min(pick, key=lambda v: abs(v.col_index - num)).col_index
    return num, den
