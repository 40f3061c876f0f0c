"""Document metadata: issuer, unit, type, number, date, title, period, plan year.

Sources, strongest first; every field found records a FieldSource(page, text, method):

  header      page-1 block above the title: issuer ("ỦY BAN NHÂN DÂN / HUYỆN HẠ LANG", also
              when merged with the national motto on one line), "Số: 27 /BC-UBND",
              "<place>, ngày 30 tháng 7 năm 2021"
  title       "BÁO CÁO" / "KẾ HOẠCH" / ... line + subject lines below it
  annex       "(Biểu kèm theo Báo cáo số 2960/BC-UBND ngày 14 tháng 11 năm 2022 của UBND tỉnh X)"
  closing     "Trên đây là báo cáo ... của UBND huyện X./."
  heading     "TÌNH HÌNH THỰC HIỆN ... NĂM 2021" on the first pages (period only)

Only a signing date ("<place>, ngày ...") or the annex's "số ... ngày ..." is an issue date;
other dates in the text (deadlines, "tính đến 30/6/2021") are never used. Two different issue
dates give None and a warning. Blank dates ("ngày / /2022") give None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from .admin_units import (REFORM_DATE, find_mentions, generation, named_units, province_context,
                          resolve_admin_unit, units_date)
from .model import FieldSource, ReportMetadata
from .pdftext import Line
from .tables import CAPTION_START
from .periods import PeriodMention, bounds, find_periods
from .textutil import clean_line, fold_ascii, has_words, is_upper_text

DOC_HEADINGS = {
    "bao cao": "bao_cao",
    "ke hoach": "ke_hoach",
    "nghi quyet": "nghi_quyet",
    "quyet dinh": "quyet_dinh",
    "to trinh": "to_trinh",
    "chuong trinh": "other",
    "de an": "other",
    "thong bao": "other",
    "cong van": "other",
    "huong dan": "other",
}
NUMBER_SUFFIX = {"BC": "bao_cao", "KH": "ke_hoach", "NQ": "nghi_quyet", "QĐ": "quyet_dinh", "QD": "quyet_dinh", "TTR": "to_trinh"}
DOC_WORD = r"(Báo cáo|Kế hoạch|Nghị quyết|Quyết định|Tờ trình|Chương trình|Công văn|Thông báo)"

_NUMBER = re.compile(r"\bSố\s*[:.]?\s*(\d*)\s*((?:/\s*(?:19|20)\d{2}\s*)?/\s*[A-ZĐ][A-Za-zĐđ0-9&.\-]*)")
_DATE_WORDS = re.compile(
    r"ngày\s*(\d{1,2})?\s*(?:tháng|/)\s*(\d{1,2})?\s*(?:năm|/)\s*((?:19|20)\d{2})", re.IGNORECASE
)
_PLACE_DATE = re.compile(
    r"([^\W\d_][^,;:()]{0,60}?|[.…]{2,}),\s*ngày\s*(\d{1,2})?\s*tháng\s*(\d{1,2})?\s*năm\s*((?:19|20)\d{2})"
)
_MOTTO = [
    re.compile(r"CỘNG\s+H(?:ÒA|OÀ|OA)\s+XÃ\s+HỘI\s+CHỦ\s+NGHĨA(?:\s+VIỆT\s+NAM)?", re.IGNORECASE),
    re.compile(r"Độc\s+lập\s*[-–—]\s*Tự\s+do\s*[-–—]\s*Hạnh\s+phúc", re.IGNORECASE),
    re.compile(r"^\s*VIỆT\s+NAM\s*$", re.IGNORECASE),
    re.compile(r"[-_–—=]{3,}"),
]
_ORG = re.compile(
    r"(ỦY\s+BAN\s+NHÂN\s+DÂN|UỶ\s+BAN\s+NHÂN\s+DÂN|UBND|HỘI\s+ĐỒNG\s+NHÂN\s+DÂN|HĐND|SỞ\s+\S+|PHÒNG\s+\S+|CHI\s+CỤC\s+\S+|BAN\s+\S+|VĂN\s+PHÒNG\s+\S+)",
    re.IGNORECASE,
)
_ANNEX = re.compile(
    r"\(\s*(?:Biểu\s+|Phụ\s+lục\s+|Mẫu\s+biểu\s+)?(?:ban\s+hành\s+)?[Kk]èm\s+theo\s+" + DOC_WORD + r"\s+số\s*:?\s*(\d*)\s*((?:/\s*(?:19|20)\d{2}\s*)?/\s*[A-ZĐ][A-Za-zĐđ0-9&.\-]*)?"
    r"([^()]*)\)",
    re.IGNORECASE,
)
_CLOSING = re.compile(r"Trên\s+đây\s+là\s+" + DOC_WORD + r"\b(.{5,400}?)(?:\./\.|\.\s*/\s*\.|\.\s*$|\s*$)", re.IGNORECASE)
_ISSUER_PHRASE = re.compile(
    r"(?:của\s+)?((?:(?:Ủy|Uỷ)\s+ban\s+nhân\s+dân|UBND|HĐND|Hội\s+đồng\s+nhân\s+dân)\s+)?"
    r"(tỉnh|thành\s+phố|TP\.?|huyện|thị\s+xã|quận|xã|phường|thị\s+trấn)\s+((?:[A-ZĐÂĂÊÔƠƯ\d][\wÀ-ỹ]*\.?\s*){1,4})",
    re.IGNORECASE,
)
_DATA_PARTS = re.compile(r"(tình hình|kết quả|thực hiện|ước)", re.IGNORECASE)


@dataclass
class _Found:
    value: object
    page: int | None
    text: str
    method: str


def _flat(lines: list[Line]) -> str:
    return " ".join(ln.text for ln in lines)


def _strip_motto(text: str) -> str:
    for rx in _MOTTO:
        text = rx.sub(" ", text)
    return clean_line(text)


def _make_date(d: str | None, m: str | None, y: str | None) -> date | None:
    if not (d and m and y):
        return None
    try:
        return date(int(y), int(m), int(d))
    except ValueError:
        return None


def _doc_number(num: str | None, suffix: str | None) -> str | None:
    if not suffix:
        return None
    return (num or "") + re.sub(r"\s+", "", suffix)


def _first_words_capitalised(text: str, limit: int = 5) -> str:
    out = []
    for w in text.split():
        w2 = w.strip(".,;:)")
        if not w2 or not (w2[0].isupper() or w2[0].isdigit()):
            break
        out.append(w2)
        if len(out) >= limit or w2 != w:
            break
    return " ".join(out)


def issuer_from_phrase(text: str) -> tuple[str | None, str | None]:
    """('UBND tỉnh Cao Bằng', 'tỉnh Cao Bằng') from '... của UBND tỉnh Cao Bằng)'. Last phrase wins."""
    best = None
    for m in _ISSUER_PHRASE.finditer(text):
        name = _first_words_capitalised(m.group(3))
        if not name:
            continue
        org = clean_line(m.group(1) or "")
        unit = clean_line(m.group(2)) + " " + name
        best = (clean_line(org + " " + unit), unit)
    return best if best else (None, None)


# --------------------------------------------------------------------------- sections


def _header_zone(page1: list[Line]) -> tuple[list[Line], int | None]:
    """Lines above the document heading on page 1, and the heading's index."""
    for i, ln in enumerate(page1[:20]):
        f = fold_ascii(ln.text).strip(" :.")
        if f in DOC_HEADINGS and is_upper_text(ln.text):
            return page1[:i], i
    return page1[:8], None


def _title(page1: list[Line], idx: int | None) -> tuple[str | None, str | None, str | None]:
    """(heading, subject, doc_type)."""
    if idx is None:
        return None, None, None
    heading = page1[idx].text.strip(" :")
    subject = []
    for ln in page1[idx + 1 : idx + 5]:
        t = ln.text
        f = fold_ascii(t)
        if (
            t.startswith("(")
            or re.match(r"^(phan|kinh gui|can cu|muc|chuong|dieu)\b", f)
            or (subject and CAPTION_START.match(f))  # a table's caption ("Biểu 01: ...") under the title
            or re.match(r"^([IVX]+|[A-Z]|\d+)[.)]\s", t)
            or (subject and is_upper_text(t) and not is_upper_text(subject[-1]))
            or (subject and ln.top - prev_bottom > 1.2 * max(ln.bottom - ln.top, 8))
        ):
            break
        subject.append(t)
        prev_bottom = ln.bottom
        if t.endswith((".", ";")):
            break
    return heading, clean_line(" ".join(subject)) or None, DOC_HEADINGS.get(fold_ascii(heading).strip(" :."))


# Words before a period that make it the part of results, or the part of plans, of a title.
_RESULT_WORDS = ("tinh hinh", "ket qua", "thuc hien", "uoc thuc hien", "uoc", "tong ket", "so ket", "danh gia")
_PLAN_WORDS = ("phuong huong", "nhiem vu", "du kien", "ke hoach", "muc tieu", "du toan")
_COMPARISON_BEFORE = re.compile(r"(?:so\s+với|cùng\s+kỳ)\s*\S*\s*$", re.IGNORECASE)
_ANY_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


@dataclass
class TitlePeriods:
    """The reporting period (of the results) and the plan period a title or heading names."""

    actual: PeriodMention | None = None
    plan: PeriodMention | None = None

    @property
    def actual_type(self) -> str | None:
        return self.actual.effective_type if self.actual else None

    @property
    def actual_start(self) -> date | None:
        return self._bounds()[0]

    @property
    def actual_end(self) -> date | None:
        return self._bounds()[1]

    def _bounds(self) -> tuple[date | None, date | None]:
        if self.actual is None:
            return None, None
        a = self.actual
        return bounds(a.effective_type, a.year, a.month, a.quarter)

    @property
    def plan_year(self) -> int | None:
        return self.plan.year if self.plan is not None and self.plan.effective_type == "year" else None


def title_periods(text: str, default_role: str = "actual") -> TitlePeriods:
    """The period grammar of a title, a heading or a closing sentence.

    1. Each period mention takes the role of the words before it: results ("tình hình", "kết
       quả", "thực hiện", "ước", "tổng kết", "đánh giá") or plan ("phương hướng", "nhiệm vụ", "kế
       hoạch", "dự toán", "mục tiêu"); with no such words it keeps the role of the mention before
       it (the first one: `default_role`, "plan" for a plan document). Comparisons ("so với năm
       2021", "cùng kỳ") are no period of the report.
    2. A mention without a year takes the next year written after it (the year written once at
       the end: "6 tháng đầu năm; phương hướng, nhiệm vụ 6 tháng cuối năm 2021"), else the last
       one before it.
    3. The results' period is the widest of the result mentions of that year that end last:
       "tháng 12, quý IV và năm 2022" is the year, "tháng 5 và 5 tháng năm 2017" five months,
       "9 tháng đầu năm, ước thực hiện cả năm 2024" the (estimated) year.
    4. The plan period is the first plan mention with a year.
    """
    # dates ("ngày 14 tháng 11 năm 2022") are not periods: blank them, keeping positions
    text = _DATE_WORDS.sub(lambda m: " " * len(m.group(0)), clean_line(text))
    years = [(m.start(), int(m.group(1))) for m in _ANY_YEAR.finditer(text)]
    role = default_role
    prev_end = 0
    results: list[PeriodMention] = []
    plans: list[PeriodMention] = []
    for pm in find_periods(text):
        before = text[prev_end : pm.start_pos]
        words = fold_ascii(before)
        prev_end = pm.end_pos
        if has_words(words, *_RESULT_WORDS):
            role = "actual"
        elif has_words(words, *_PLAN_WORDS):
            role = "plan"
        if _COMPARISON_BEFORE.search(text[max(0, pm.start_pos - 25) : pm.start_pos]):
            continue
        if pm.year is None:
            later = [y for pos, y in years if pos >= pm.end_pos]
            earlier = [y for pos, y in years if pos < pm.start_pos]
            pm.year = later[0] if later else (earlier[-1] if earlier else None)
        if pm.year is None:
            continue
        (results if role == "actual" else plans).append(pm)
    found = TitlePeriods(plan=plans[0] if plans else None)
    if results:
        same_year = [pm for pm in results if pm.year == results[0].year]
        spans = [(bounds(pm.effective_type, pm.year, pm.month, pm.quarter), pm) for pm in same_year]
        spans = [(s, pm) for s, pm in spans if s[0] is not None]
        if spans:
            last_end = max(s[1] for s, _ in spans)
            found.actual = min((pm for s, pm in spans if s[1] == last_end),
                               key=lambda pm: bounds(pm.effective_type, pm.year, pm.month, pm.quarter)[0])
    return found


def extract_metadata(
    page_lines: dict[int, list[Line]], captions: list[tuple[str, int | None]] | None = None
) -> tuple[ReportMetadata, list[str]]:
    warnings: list[str] = []
    md = ReportMetadata()
    src: dict[str, FieldSource] = {}
    pages = sorted(p for p in page_lines if page_lines[p])
    if not pages:
        return md, ["no text to read metadata from"]
    first = pages[0]
    page1 = page_lines[first]
    zone, title_idx = _header_zone(page1)
    zone_text = _flat(zone)

    # ---- header block
    h_number = h_date = h_issuer = None
    m = _NUMBER.search(zone_text)
    if m:
        h_number = _Found(_doc_number(m.group(1), m.group(2)), first, clean_line(m.group(0)), "header")
    for k, ln in enumerate(zone):
        joined = ln.text + (" " + zone[k + 1].text if k + 1 < len(zone) else "")
        dm = _PLACE_DATE.search(_strip_motto(_NUMBER.sub(" ", joined)))
        if dm:
            d = _make_date(dm.group(2), dm.group(3), dm.group(4))
            if d:
                h_date = _Found(d, first, clean_line(dm.group(0)), "header_date_line")
            break
    issuer_parts: list[str] = []
    for ln in zone:
        t = _strip_motto(ln.text)
        t = _NUMBER.sub(" ", t)
        t = re.sub(r"[^,;]*,\s*ngày.*$", " ", t)
        t = clean_line(t)
        if t and is_upper_text(t) and len(t) > 2:
            issuer_parts.append(t)
    # the issuing body: from the first line naming an organisation, at most three lines
    start = next((k for k, t in enumerate(issuer_parts) if _ORG.match(t)), None)
    if start is not None:
        text = " ".join(issuer_parts[start : start + 3])
        h_issuer = _Found(text, first, text, "header")

    # ---- title
    heading, subject, t_type = _title(page1, title_idx)
    title_text = None
    if heading:
        title_text = clean_line(heading + (" " + subject if subject else ""))
        md.title = title_text
        src["title"] = FieldSource(first, title_text, "title")

    # ---- annex caption (self-reference of the report)
    annex = None
    cands: list[tuple[str, int | None]] = list(captions or [])
    for p in pages:
        cands.append((_flat(page_lines[p]), p))
    for text, p in cands:
        am = _ANNEX.search(text)
        if am:
            annex = (am, p)
            break

    # ---- closing sentence
    closing = None
    for p in reversed(pages[-4:] if len(pages) > 4 else pages):
        for cm in _CLOSING.finditer(_flat(page_lines[p])):
            closing = (cm, p)
        if closing:
            break

    # ---- doc number
    a_number = None
    if annex:
        am, p = annex
        num = _doc_number(am.group(2), am.group(3))
        if num:
            a_number = _Found(num, p, clean_line(am.group(0)), "annex_caption")
    for f in (h_number, a_number):
        if f and f.value:
            md.doc_number = f.value  # type: ignore[assignment]
            src["doc_number"] = FieldSource(f.page, f.text, f.method)
            break
    if h_number and a_number and h_number.value != a_number.value and str(h_number.value).split("/")[0]:
        warnings.append(f"doc_number differs: header {h_number.value!r}, annex {a_number.value!r}")

    # ---- doc type
    dt = None
    if t_type:
        dt = _Found(t_type, first, heading or "", "title")
    elif md.doc_number:
        suffix = md.doc_number.rsplit("/", 1)[-1].split("-")[0].upper()
        if suffix in NUMBER_SUFFIX:
            dt = _Found(NUMBER_SUFFIX[suffix], src["doc_number"].page, md.doc_number, "doc_number")
    if dt is None and annex:
        word = fold_ascii(annex[0].group(1))
        if word in DOC_HEADINGS:
            dt = _Found(DOC_HEADINGS[word], annex[1], clean_line(annex[0].group(0)), "annex_caption")
    if dt is None and closing:
        word = fold_ascii(closing[0].group(1))
        if word in DOC_HEADINGS:
            dt = _Found(DOC_HEADINGS[word], closing[1], clean_line(closing[0].group(0)), "closing_sentence")
    if dt:
        md.doc_type = dt.value  # type: ignore[assignment]
        src["doc_type"] = FieldSource(dt.page, dt.text, dt.method)

    # ---- issue date
    a_date = None
    if annex:
        am, p = annex
        dmatch = _DATE_WORDS.search(am.group(4) or "")
        if dmatch:
            d = _make_date(*dmatch.groups())
            if d:
                a_date = _Found(d, p, clean_line(am.group(0)), "annex_caption")
    if h_date and a_date and h_date.value != a_date.value:
        warnings.append(f"issue_date contradictory: header {h_date.value}, annex {a_date.value}; left empty")
    else:
        f = h_date or a_date
        if f:
            md.issue_date = f.value  # type: ignore[assignment]
            src["issue_date"] = FieldSource(f.page, f.text, f.method)

    # ---- issuer: the first source that names a unit (header > annex caption > closing)
    issuers: list[_Found] = []
    if h_issuer:
        issuers.append(h_issuer)
    if annex:
        am, p = annex
        cm = re.search(r"\bcủa\s+(.+)$", am.group(4) or "")
        if cm:
            name, _unit = issuer_from_phrase("của " + cm.group(1))
            if name:
                issuers.append(_Found(name, p, clean_line(am.group(0)), "annex_caption"))
    if closing:
        cm, p = closing
        name, _unit = issuer_from_phrase(cm.group(2))
        if name:
            issuers.append(_Found(name, p, clean_line(cm.group(0)), "closing_sentence"))
    issuer = next((f for f in issuers if find_mentions(str(f.value))), issuers[0] if issuers else None)
    if issuer:
        md.issuer_name = str(issuer.value)
        src["issuer_name"] = FieldSource(issuer.page, issuer.text, issuer.method)

    # ---- period and plan year
    default_role = "plan" if md.doc_type == "ke_hoach" else "actual"
    period_sources: list[tuple[str, int | None, str, str]] = []  # text, page, method, default role
    if subject:
        period_sources.append((subject, first, "title", default_role))
    if closing:
        period_sources.append((clean_line(closing[0].group(0)), closing[1], "closing_sentence", default_role))
    for cap, p in captions or []:
        period_sources.append((cap, p, "annex_caption", "actual"))
    for p in pages[:2]:
        flat = _flat(page_lines[p])
        for hm in re.finditer(r"(TÌNH HÌNH|KẾT QUẢ)\s+THỰC\s+HIỆN[^.;:]{0,160}", flat, re.IGNORECASE):
            period_sources.append((hm.group(0), p, "heading", "actual"))
        for hm in re.finditer(r"(PHƯƠNG HƯỚNG|KẾ HOẠCH)[^.;:]{0,160}", flat):
            period_sources.append((hm.group(0), p, "heading", "plan"))

    actual_found = plan_found = None
    for text, p, method, role in period_sources:
        found = title_periods(text, role)
        if actual_found is None and found.actual is not None:
            actual_found = (found, p, text, method)
        if plan_found is None and found.plan_year is not None:
            plan_found = (found, p, text, method)
        if actual_found and plan_found:
            break
    if actual_found:
        found, p, text, method = actual_found
        md.period_type, md.period_start, md.period_end = found.actual_type, found.actual_start, found.actual_end
        fs = FieldSource(p, clean_line(text), method)
        src["period_type"] = src["period_start"] = src["period_end"] = fs
    if plan_found:
        found, p, text, method = plan_found
        md.plan_year = found.plan_year
        src["plan_year"] = FieldSource(p, clean_line(text), method)
        if actual_found is None and md.doc_type == "ke_hoach":
            # a plan with no results part: its period is the plan year (its figures are plans)
            md.period_type, md.period_start, md.period_end = "year", date(md.plan_year, 1, 1), date(md.plan_year, 12, 31)
            fs = FieldSource(p, clean_line(text), f"{method}:plan_year")
            src["period_type"] = src["period_start"] = src["period_end"] = fs
    # ---- admin unit
    # (after the period: a unit is read among the units valid on the report's date, the 2022 list
    # before 2025-07-01, the 34 provinces and their communes since)
    on = units_date(md.issue_date, md.period_end)
    if md.issuer_name:
        texts = [_flat(page_lines[p]) for p in pages[:6]] + [_flat(page_lines[p]) for p in pages[-2:]]
        prov = province_context(texts, on=on)
        mentions = find_mentions(md.issuer_name)
        resolved = None
        for mention in mentions:
            words = mention.split()
            # "huyện Hạ Lang Hạ" (name glued to the next line): try shorter names too
            for n in range(len(words), 1, -1):
                resolved = resolve_admin_unit(" ".join(words[:n]), prov, on=on)
                if resolved:
                    break
            if resolved:
                break
        if resolved:
            md.admin_unit_code = resolved.code
            md.admin_unit_name = resolved.name
            md.admin_level = resolved.level
            method = f"admin_units:{resolved.method}" + (f"(province {prov})" if prov else "")
            fs = FieldSource(src["issuer_name"].page, resolved.mention, method)
            src["admin_unit_code"] = fs
            src["admin_unit_name"] = fs
            src["admin_level"] = fs
        else:
            names = ", ".join(mentions) if mentions else md.issuer_name
            cands = next((c for c in (named_units(mention, on=on) for mention in mentions) if c), [])
            levels = {u.level for u in cands}
            if len(levels) == 1:
                # "XÃ ĐỨC GIANG" names a commune even when three communes have that name
                md.admin_level = levels.pop()
                src["admin_level"] = FieldSource(src["issuer_name"].page, names, "admin_units:type_word")
            if len(cands) > 1:
                codes = ", ".join(f"{u.code} {u.name} ({u.province_name})" for u in cands[:6])
                warnings.append(f"admin unit ambiguous for issuer {md.issuer_name!r}: {len(cands)} units are "
                                f"named so ({codes}) and the report names no province")
            else:
                other = REFORM_DATE - timedelta(days=1) if generation(on) == "2025" else REFORM_DATE
                existed = next((r for r in (resolve_admin_unit(m, on=other) for m in mentions) if r), None)
                if existed is not None:
                    # "UBND huyện Hạ Lang" signing in 2026: districts ended on 2025-06-30
                    warnings.append(f"admin unit {md.issuer_name!r} did not exist on {on}: it is {existed.name} "
                                    f"({existed.code}), a unit {'until 2025-06-30' if generation(on) == '2025' else 'since 2025-07-01'}")
                else:
                    warnings.append(f"admin unit not resolved for issuer {md.issuer_name!r}")
        if resolved and generation(on) == "2025" and md.period_start is not None and md.period_start < REFORM_DATE:
            # a unit of 2025-07-01 reporting on a period that began before it existed
            warnings.append(f"admin unit {resolved.name} ({resolved.code}) exists since 2025-07-01; the report's "
                            f"period starts {md.period_start}: figures before that belong to its predecessors")

    md.sources = src
    return md, warnings
