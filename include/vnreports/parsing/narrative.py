"""Indicator facts stated in sentences: "đàn trâu 7.111/7220 con, đạt 98,5% KH".

The running text (textflow.py: body and footnotes, markers removed) is cut into sentences and
each sentence is read left to right as a list of mentions, a number with what follows it:

- a value: a number with a measure unit ("2.664,0ha", "12,5 nghìn con", "52,96%"), or an
  actual/plan or part/whole fraction ("7.111/7220 con", "03/19 xã");
- a stated ratio: a percent after "bằng" / "đạt" (or "so với <base> đạt") that compares the
  value before it with a base named next to it ("KH", "dự toán HĐND huyện", "cùng kỳ");
- a change: "tăng 92 con", "giảm 52,6%".

A value opens a fact; ratios and changes attach to the open fact of the same sentence. The
indicator is the text between the previous mention (or the clause start) and the number, less
the verb ("đạt", "là", "được"). A generic measure name ("Sản lượng", "năng suất") inherits the
head it belongs to ("Cây ngô: Diện tích ...; Sản lượng ..." -> "Cây ngô - Sản lượng").

Precision comes first: a number becomes a fact only with a unit from the lexicon below (or a
percent) and a readable indicator; a mention with a unit that cannot be made a fact is kept
as an UnresolvedMention with the reason. Bare numbers (years, document numbers, list items,
dates, ages, road numbers) are never facts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .admin_units import AdminUnit, find_mentions, load_admin_units, resolve_admin_unit
from .model import NarrativeFact, PartWhole, ReportMetadata, StatedRatio, UnresolvedMention, ValueChange
from .periods import bounds
from .textflow import Paragraph
from .textutil import clean_line, fold_ascii, match_key

# Measure units as reports write them. Longer spellings first so "nghìn con" wins over "con".
_UNITS = [
    "triệu đồng/người/năm", "triệu đồng/người", "triệu đồng/ha", "nghìn đồng/người", "tiêu chí/xã",
    "bác sỹ/vạn dân", "bác sĩ/vạn dân", "bác sỹ/1 vạn dân", "bác sĩ/1 vạn dân", "giường bệnh/vạn dân",
    "giường bệnh/1 vạn dân", "giường/vạn dân", "giường/1 vạn dân", "tạ/ha", "tấn/ha", "lượt người",
    "nghìn con", "nghìn cây", "nghìn tấn", "nghìn người", "nghìn lượt", "nghìn USD",
    "triệu USD", "tỷ USD", "triệu đồng", "tỷ đồng", "nghìn đồng", "triệu con", "triệu cây", "triệu lít",
    "trường hợp", "đối tượng", "công dân", "hồ sơ", "lô đất", "tiêu chí", "giấy phép", "doanh nghiệp", "hợp tác xã",
    "công trình", "dự án", "cơ sở", "lao động", "học sinh", "sinh viên", "giáo viên", "bác sĩ", "bác sỹ",
    "giường bệnh", "giường", "thôn", "xóm", "tổ dân phố", "xã", "phường", "thị trấn", "hộ gia đình",
    "hộ", "người", "lượt", "con", "cây", "ha", "km²", "km2", "km", "m²", "m2", "m³", "m3", "tấn", "tạ",
    "kg", "lít", "liều", "mũi", "ca", "vụ", "USD", "đồng", "trường", "nhà", "căn nhà", "đơn vị", "tác phẩm",
    "buổi", "cuộc", "lớp", "sản phẩm", "mô hình", "chợ", "tuyến", "cháu", "trẻ", "bệnh nhân",
    "thẻ", "vụ việc", "đơn", "chuyến", "phương tiện", "máy", "Quyết định", "HTX", "điểm phần trăm", "điểm %",
]
# Units that count things: a fraction of them is a part of a whole ("03/19 xã", "31/36 hồ sơ").
_COUNT_UNITS = {
    "xã", "phường", "thị trấn", "thôn", "xóm", "tổ dân phố", "hồ sơ", "lô đất", "tiêu chí", "đối tượng",
    "trường hợp", "vụ", "vụ việc", "giấy phép", "trường", "đơn vị", "Quyết định", "đơn", "cơ sở",
    "doanh nghiệp", "hợp tác xã", "HTX", "dự án", "công trình", "mô hình", "sản phẩm", "cuộc",
}
_NUM = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?"
def _unit_pattern(unit: str) -> str:
    # "tạ /ha", "tạ/ ha", "triệu  đồng": spaces as written vary
    return r"\s*/\s*".join(r"\s+".join(re.escape(w) for w in part.split()) for part in unit.split("/"))


_UNIT_RE = "|".join(_unit_pattern(u) for u in sorted(_UNITS, key=len, reverse=True))
_SCALE_ALIASES = {"tỷ": "tỷ đồng", "tr.đ": "triệu đồng", "trđ": "triệu đồng", "tr đồng": "triệu đồng"}
_UNIT_ANY = rf"(?:%|(?:{_UNIT_RE}|tỷ(?!\s*đồng))(?![^\W\d_]))"
# a mention: number [unit] [/ number [unit]]; the unit must end at a word boundary
_MENTION = re.compile(
    rf"(?<![\d.,/\w])(?P<n1>{_NUM})(?:\s*(?P<u1>{_UNIT_ANY}))?"
    rf"(?:\s*/\s*(?P<n2>{_NUM})(?![\d/])(?:\s*(?P<u2>{_UNIT_ANY}))?)?",
    re.IGNORECASE,
)
_DATE = re.compile(r"\b\d{1,2}/\d{1,2}/\d{4}\b|\b\d{1,2}/\d{4}\b")
_AS_OF = re.compile(
    r"(?:tính\s+)?đến\s+(?:hết\s+)?(?:ngày\s+|thời\s+điểm\s+(?:ngày\s+)?)?(\d{1,2})/(\d{1,2})/(\d{4})"
    r"|(?:tính\s+)?đến\s+hết\s+tháng\s+(\d{1,2})/(\d{4})",
    re.IGNORECASE,
)
# words right before a number that make it not a figure (document, list, date, place, age...)
_NOT_FIGURE_BEFORE = re.compile(
    r"(?:số|số:|ngày|tháng|năm|đợt|lần|lần thứ|thứ|khóa|khoá|tổ|khu|xóm|Quốc lộ|QL|tỉnh lộ|đường tỉnh|"
    r"đường|TL|ĐT|km|Km|tuyến|dãy|lô|phòng|Điều|Khoản|mục|giai đoạn|nhiệm kỳ|Nghị định|Quyết định|"
    r"Nghị quyết|Chương trình|Kế hoạch|Thông tư|tỷ lệ|mũi|từ|chiếm|[-–])\s*$",
    re.IGNORECASE,
)
_NOT_FIGURE_AFTER = re.compile(r"^\s*(?:[-–]\s*\d|tuổi|năm\b|tháng\b|ngày\b|giờ\b|[-–/](?:QĐ|NQ|BC|KH|CT|TTr|UBND|HĐND|TB|CV))", re.IGNORECASE)

_VERB_TAIL = re.compile(
    r"(?:\s|^)(?:ước\s+tính\s+đạt|ước\s+đạt|ước\s+thực\s+hiện|ước\s+tính|ước|đạt\s+được|đạt|chỉ\s+đạt|là|được|"
    r"hiện\s+có|có|với|khoảng|gần|trên|hơn|dưới|lên|tới|còn|bằng|thực\s+hiện|tiêm\s+được|:|=|đạt\s+tỷ\s+lệ|"
    r"tổng\s+số|tăng\s+thêm|cho|tại|của|trong\s+đó|gồm|làm)\s*$",
    re.IGNORECASE,
)
_LEAD_NOISE = re.compile(
    r"^(?:\s|[-+•*–.…]|\(\d{1,2}\)|\d{1,2}\.|[a-zđ]\)|đến\s+nay|hiện\s+nay|trong\s+đó:?|cụ\s+thể:?|gồm:?|và|riêng|đồng\s+thời|"
    r"bên\s+cạnh\s+đó|ngoài\s+ra|kết\s+quả:?|,|;|:)+",
    re.IGNORECASE,
)
_GENERIC_NAMES = {
    match_key(x)
    for x in (
        "diện tích", "sản lượng", "năng suất", "diện tích thực hiện", "diện tích gieo trồng", "số lượng",
        "tổng số", "giá trị", "tổng diện tích", "tổng giá trị", "tổng số vốn", "tổng vốn", "kinh phí",
        "tổng kinh phí", "giá trị sản xuất", "diện tích trồng mới", "diện tích hiện có", "sản lượng thu hoạch",
        "tổng sản lượng", "diện tích trồng", "tổng đàn", "số hộ", "số người", "tỷ lệ",
    )
}
_DISCOURSE_HEADS = {match_key(x) for x in ("cụ thể", "trong đó", "gồm", "kết quả", "ví dụ", "như", "riêng")}


# "Toàn huyện có 07/12 xã ...", "Trên địa bàn xảy ra 9 vụ ...": the place is not the indicator
_PLACE_LEAD = re.compile(
    r"^(?:toàn|cả|trên\s+địa\s+bàn)(?:\s+(?:huyện|tỉnh|thành\s+phố|thị\s+xã|xã|thị\s+trấn))?(?:\s+(?:đã|có|hiện))?\b\s*",
    re.IGNORECASE,
)
_REMAINDER = re.compile(r"^(?:các|những)?\s*(?:xã|phường|thị\s+trấn|đơn\s+vị|huyện)(?:,\s*\w+)*\s+còn\s+lại$", re.IGNORECASE)


def _number(text: str) -> Decimal:
    return Decimal(text.replace(".", "").replace(",", "."))


def _unit(text: str | None) -> str | None:
    if not text:
        return None
    u = re.sub(r"\s*/\s*", "/", clean_line(text))
    low = u.lower()
    if low in _SCALE_ALIASES:
        return _SCALE_ALIASES[low]
    for known in _UNITS:
        if known.lower() == low:
            return known
    return u


@dataclass
class _Mention:
    start: int
    end: int
    n1: Decimal
    n1_text: str
    u1: str | None
    n2: Decimal | None = None
    u2: str | None = None


@dataclass
class _Context:
    """What the sentences before this one established."""

    plan_period: tuple[str, date, date] | None = None  # inside a plan part of the report
    as_of: date | None = None
    head: str | None = None  # "Cây ngô" from "Cây ngô: Diện tích ..."
    estimate: bool = False  # the paragraph opens with "Ước"
    last_indicator: str | None = None


@dataclass
class _OpenFact:
    fact: NarrativeFact
    clause_end: int


def _split_sentences(text: str) -> list[tuple[int, int]]:
    """[start, end) of sentences: split at '.', '!', '?', '…' before a capital or a bullet, and
    at ';' unless the next clause only states a ratio ("; so với năm 2021 bằng 105%")."""
    spans = []
    start = 0
    for m in re.finditer(r"(?:[.!?…]+|;)\s+(?=\S)", text):
        nxt = text[m.end() :]
        punct = m.group(0).strip()
        if punct == ";":
            if re.match(r"(?:so\s+với\b|(?:bằng|đạt)\s+\d)", nxt, re.IGNORECASE):
                continue
        elif not (nxt[:1].isupper() or nxt[:1] in "-+•(*“\"" or nxt[:1].isdigit()):
            continue
        # "TP. Cao Bằng", "Tp. Hà Nội": not a sentence end
        if re.search(r"\b(?:TP|Tp|tp|TT|Th\.S|ThS|TS|PGS|GS|Q|P|X)\.$", text[start : m.start() + 1]):
            continue
        spans.append((start, m.start() + len(punct)))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


class NarrativeExtractor:
    def __init__(self, metadata: ReportMetadata):
        self.meta = metadata
        self.facts: list[NarrativeFact] = []
        self.unresolved: list[UnresolvedMention] = []
        self._local_units = self._load_local_units()
        self._province_code = self._province()

    # -- administrative units named in sentences --------------------------------------------
    def _load_local_units(self) -> dict[str, AdminUnit]:
        """Communes of the report's district (or districts of its province), by bare-name key."""
        code = self.meta.admin_unit_code
        if not code:
            return {}
        try:
            index = load_admin_units()
        except Exception:  # the catalogue is optional for parsing
            return {}
        out: dict[str, AdminUnit] = {}
        for u in index.units:
            if (len(code) == 3 and u.level == "commune" and u.district_code == code) or (
                len(code) == 2 and u.level == "district" and u.province_code == code
            ):
                out[match_key(u.bare_name)] = u
        return out

    def _unit_named(self, text: str) -> tuple[str, str] | None:
        """(GSO code, name as written) of a unit named at the end of text ("xã Quang Hán")."""
        words = text.split()
        for n in (4, 3, 2, 1):
            if len(words) < n:
                continue
            cand = " ".join(words[-n:]).strip("(),;:")
            if not cand:
                continue
            typed = re.match(r"(?i)^(xã|phường|thị trấn|huyện|thị xã|thành phố)\s+(.+)$", cand)
            if typed is None and len(words) > n:
                before = words[-n - 1].lower()
                if before in ("xã", "phường", "huyện") or " ".join(words[-n - 2 : -n]).lower() in ("thị trấn", "thị xã"):
                    continue  # the longer, typed candidate is tried next round or was tried
            if typed:
                local = self._local_units.get(match_key(typed.group(2)))
                if local is not None and local.unit_type.lower() == typed.group(1).lower():
                    return local.code, cand
                prov = self._province_code
                r = resolve_admin_unit(cand, prov)
                if r is not None and (prov is None or r.unit.province_code == prov) and r.level != "province":
                    return r.code, cand
                continue
            u = self._local_units.get(match_key(cand))
            if u is not None and all(w[:1].isupper() for w in cand.split()) and not (
                len(words) > n and words[-n - 1].lower() in ("huyện", "tỉnh", "thành", "phố")
            ):
                return u.code, cand
        return None

    def _province(self) -> str | None:
        code = self.meta.admin_unit_code
        if not code:
            return None
        try:
            unit = load_admin_units().by_code.get(code)
        except Exception:
            return None
        return unit.province_code if unit is not None else None

    def _typed_unit_in(self, text: str) -> tuple[str, str] | None:
        """The most local unit named with its type in the clause ("(tại xã Thạch Lâm, huyện Bảo Lâm)")."""
        prov = self._province_code
        best = None
        for mention in find_mentions(text):
            r = resolve_admin_unit(mention, prov)
            if r is None or r.level == "province" or r.code == self.meta.admin_unit_code:
                continue
            if prov is not None and r.unit.province_code != prov:
                continue
            if best is None or len(r.code) > len(best[0]):
                best = (r.code, mention)
        return best

    # -- periods --------------------------------------------------------------------------------
    def _report_period(self) -> tuple[str | None, date | None, date | None]:
        m = self.meta
        return m.period_type, m.period_start, m.period_end

    def _plan_period_from_heading(self, heading: str) -> tuple[str, date, date] | None:
        key = fold_ascii(heading).lower()
        if not any(w in key for w in ("nhiem vu", "ke hoach", "muc tieu", "phuong huong")):
            return None
        if any(w in key for w in ("ket qua", "tinh hinh", "boi canh", "danh gia", "thuc hien")):
            return None
        mm = re.search(r"thang (\d{1,2})(?: nam (\d{4}))?", key)
        yy = re.search(r"nam (\d{4})", key)
        if not (mm or yy):
            return None  # "KẾ HOẠCH" (the document type), "5. Tài chính - Kế hoạch" (a topic)
        end = self.meta.period_end or self.meta.period_start
        if yy and end is not None and int(yy.group(1)) < end.year:
            return None  # the plan of a past year is reviewed, not set
        if mm:
            month = int(mm.group(1))
            year = int(mm.group(2) or (yy.group(1) if yy else 0) or (self.meta.period_end.year if self.meta.period_end else 0))
            if year and 1 <= month <= 12:
                return ("month", *bounds("month", year, month))
        if "6 thang cuoi nam" in key and yy:
            return ("second_half", *bounds("second_half", int(yy.group(1))))
        year = int(yy.group(1)) if yy else self.meta.plan_year
        if year:
            return ("year", *bounds("year", year))
        return None

    # -- main loop ------------------------------------------------------------------------------
    def run(self, paragraphs: Iterable[Paragraph]) -> None:
        ctx = _Context()
        title_key = fold_ascii(self.meta.title or "").lower()
        for para in paragraphs:
            if para.is_heading and para.footnote is None:
                key = fold_ascii(para.text).lower()
                ctx.head = None
                ctx.as_of = None
                if title_key and key in title_key:
                    continue  # the document title names the plan part too; it does not open it
                period = self._plan_period_from_heading(para.text)
                if period is not None:
                    ctx.plan_period = period
                elif re.match(r"^(phan|[ivx]+\.|[a-z]\.)\s", key) and any(
                    w in key for w in ("ket qua", "tinh hinh", "danh gia", "boi canh")
                ):
                    ctx.plan_period = None
                continue
            para_ctx = _Context(plan_period=ctx.plan_period if para.footnote is None else None)
            # "Ước thực hiện 31/12/2022, ..." opening a paragraph or footnote: all its figures are estimates
            para_ctx.estimate = re.match(r"^\W*ước\b", para.text, re.IGNORECASE) is not None
            for start, end in _split_sentences(para.text):
                self._sentence(para, start, end, para_ctx)
        for fact in self.facts:
            # "2.755/11.000 liều đạt 24,05% KH" under a plan heading: a figure stated against its
            # plan is what was achieved, not the plan (the plan is plan_value)
            if fact.scenario == "plan" and fact.plan_value is not None:
                fact.scenario = "actual"

    def _sentence(self, para: Paragraph, s_start: int, s_end: int, ctx: _Context) -> None:
        raw = para.text[s_start:s_end]
        lead = len(raw) - len(raw.lstrip())
        sentence = raw.strip()
        base_offset = s_start + lead
        if not sentence:
            return
        m_as_of = None
        for m in _AS_OF.finditer(sentence):
            m_as_of = m
        if m_as_of is not None:
            try:
                if m_as_of.group(1):
                    ctx.as_of = date(int(m_as_of.group(3)), int(m_as_of.group(2)), int(m_as_of.group(1)))
                else:
                    ctx.as_of = bounds("month", int(m_as_of.group(5)), int(m_as_of.group(4)))[1]
            except ValueError:
                pass
        date_spans = [(m.start(), m.end()) for m in _DATE.finditer(sentence)]
        mentions = []
        for m in _MENTION.finditer(sentence):
            if any(a <= m.start() < b for a, b in date_spans):
                continue
            mentions.append(
                _Mention(
                    m.start(), m.end(), _number(m.group("n1")), m.group("n1"), _unit(m.group("u1")),
                    _number(m.group("n2")) if m.group("n2") else None, _unit(m.group("u2")),
                )
            )
        # a head label "Cây ngô:" at the start of the sentence
        hm = re.match(r"^(?:[-+•*]\s*)?([^:;,.()]{2,40}?)(?:\s*\([^)]{0,40}\))?\s*:\s*(?=\S)", sentence)
        if hm and len(hm.group(1).split()) <= 6 and match_key(hm.group(1)) not in _DISCOURSE_HEADS:
            ctx.head = clean_line(hm.group(1))
        open_fact: _OpenFact | None = None
        prev_end = 0
        for mention in mentions:
            before = sentence[prev_end : mention.start]
            after = sentence[mention.end :]
            handled, open_fact = self._mention(para, base_offset, sentence, mention, before, after, prev_end, open_fact, ctx)
            if handled:
                prev_end = mention.end
                # a ratio's base words belong to it
                if open_fact is not None and open_fact.clause_end > prev_end:
                    prev_end = open_fact.clause_end

    # -- one mention ------------------------------------------------------------------------------
    def _mention(self, para, base_offset, sentence, m: _Mention, before: str, after: str, prev_end: int,
                 open_fact: _OpenFact | None, ctx: _Context) -> tuple[bool, _OpenFact | None]:
        full_before = sentence[: m.start]
        words_before = full_before.rstrip()
        if _NOT_FIGURE_BEFORE.search(words_before) or _NOT_FIGURE_AFTER.match(after):
            return False, open_fact
        if re.match(r"^\s*trở\s+lên", after) and not re.search(r"(?:tăng|giảm)\s*$", words_before, re.IGNORECASE):
            return False, open_fact  # "từ 3 tiêu chí trở lên": a threshold, not a figure
        if m.u1 is None and m.u2 is None:
            return False, open_fact  # a bare number: years, item numbers, codes
        is_percent = (m.u1 == "%") and m.n2 is None
        low_before = words_before.lower()
        page = para.page_of(base_offset + m.start)

        # a change: "tăng 92 con", "giảm 52,6%"
        cm = re.search(r"(tăng|giảm)(?:\s+(?:được|hơn|khoảng|gần|trên))?\s*$", low_before)
        points = m.u1 in ("điểm phần trăm", "điểm %")
        if points and not cm:
            return False, open_fact  # "vượt 12,3 điểm phần trăm so với KH": a gap, not a figure
        if cm and m.n2 is None:
            unit = m.u1
            kind = "absolute"
            if unit == "%":
                kind = "percent"
            if points:
                kind, unit = "percentage_points", "%"
            change = ValueChange(m.n1, unit, "increase" if cm.group(1) == "tăng" else "decrease", kind)
            if open_fact is not None and open_fact.fact.change is None:
                f = open_fact.fact
                if change.kind == "percent" and (f.unit == "%" or "tỷ lệ" in f.indicator_text.lower()):
                    change.kind = "percentage_points"
                f.change = change
                f.span = (f.span[0], m.end)
                return True, open_fact
            if open_fact is None:
                indicator = self._indicator(sentence[prev_end : max(prev_end, cm.start())], ctx)
                if indicator is None:
                    self._unresolved(para, base_offset, sentence, m, "change without an indicator")
                    return True, open_fact
                if change.kind == "percent" and "tỷ lệ" in indicator.lower():
                    change.kind = "percentage_points"
                fact = self._new_fact(para, base_offset, sentence, m, indicator, None, None, None, page, ctx,
                                      sentence[prev_end : m.start])
                fact.change = change
                fact.unit = change.unit  # "vi phạm tăng 09 vụ", "GRDP tăng 5,55%": the unit of the change
                return True, _OpenFact(fact, m.end)
            return True, open_fact

        # the level after a change-only statement: "Tỷ lệ hộ nghèo giảm 3,12%, còn 31,27%"
        if (open_fact is not None and open_fact.fact.value is None and open_fact.fact.part_of is None
                and open_fact.fact.change is not None and m.n2 is None
                and re.search(r"(?:còn|là|đạt|xuống\s+còn|lên)\s*$", before, re.IGNORECASE)):
            f = open_fact.fact
            f.value, f.value_text, f.unit = m.n1, m.n1_text, m.u1
            if f.change.kind == "percent" and m.u1 == "%":
                f.change.kind = "percentage_points"
            f.span = (f.span[0], m.end)
            return True, open_fact

        # a stated ratio of the open fact: "bằng 98,5% KH", "so với cùng kỳ đạt 104%"
        if is_percent and open_fact is not None:
            vm = re.search(r"(bằng|đạt|=|tương\s+đương|chiếm|đạt\s+tỷ\s+lệ|tỷ\s+lệ|so\s+với\s+(.{0,60}?)\s+(?:đạt|bằng))\s*$",
                           before, re.IGNORECASE)
            if vm is not None:
                verb = vm.group(1).lower()
                if verb.startswith("chiếm") or "tỷ lệ" in verb or verb == "=":
                    return True, open_fact  # a share of the part/whole just stated, or the same change
                base_text, base_end = self._base_text(after)
                if vm.group(2):
                    base_text = clean_line(vm.group(2))
                    base_end = 0
                base = self._classify_base(base_text, verb)
                if base is None:
                    self._unresolved(para, base_offset, sentence, m, "percent without a known comparison base")
                    return True, open_fact
                ratio = StatedRatio(m.n1, base, base_text)
                f = open_fact.fact
                f.stated_ratios.append(ratio)
                f.span = (f.span[0], m.end + base_end)
                open_fact.clause_end = m.end + base_end
                if (base.startswith("plan") or base == "estimate_budget") and f.part_of is not None:
                    # "523/550 hộ, đạt 95,1% KH": actual vs plan after all
                    f.value, f.plan_value, f.part_of = f.part_of.numerator, f.part_of.denominator, None
                return True, open_fact

        # a new value
        indicator_raw = sentence[prev_end : m.start]
        if open_fact is not None and re.fullmatch(r"\s*(?:của|cho|trên|với|/|trong)\s*", indicator_raw):
            return True, open_fact  # "07 con bò của 7 hộ": a qualifier of the figure before
        if open_fact is not None and not re.search(r"[;,(]|\bvà\b", indicator_raw) and not indicator_raw.strip():
            return False, open_fact
        unit = m.u2 or m.u1
        named = self._unit_named(self._strip_tail(indicator_raw))
        indicator = self._indicator(indicator_raw, ctx, sentence_start=prev_end == 0)
        if named is not None:
            # "Đàm Thủy 54 hộ": the indicator is the one before the list
            written = self._strip_tail(indicator_raw)
            rest = written[: len(written) - len(named[1])].strip(" ,;:(")
            own = self._indicator(rest, ctx) if rest and len(rest.split()) > 3 else None
            if own:
                ctx.last_indicator = own
            indicator = own or ctx.last_indicator
            pred = re.match(r"^\s*([^\W\d][^,;.()%\d]{2,60}?)\s*(?=[,;.()]|$)", after)
            if m.n2 is not None and (m.u2 or m.u1) in _COUNT_UNITS and pred and len(pred.group(1).split()) <= 8:
                indicator = clean_line(f"{m.u2 or m.u1} {pred.group(1)}")  # "xã X đạt 17/19 tiêu chí NTM nâng cao"
        if named is not None and named[0] == self.meta.admin_unit_code:
            named, indicator = None, None  # "huyện X (the report's own unit) có 04 xã"
        if indicator is not None and named is None and self._unit_named(indicator) is not None and \
                len(indicator.split()) <= 4:
            indicator = None  # "huyện X có 04 xã": the subject is a place, the measure is unclear
        if indicator is not None and unit and "/" in unit and match_key(indicator) in ("bình quân", "trung bình"):
            indicator = f"{indicator} {unit}"  # "bình quân đạt 14,6 tiêu chí/xã"
        place_only = False
        if indicator is not None:
            place = _PLACE_LEAD.match(indicator)
            if place:
                indicator = indicator[place.end() :].strip() or None
                place_only = indicator is None
        if indicator is not None and _REMAINDER.match(indicator) and ctx.last_indicator:
            indicator = ctx.last_indicator  # "các xã còn lại 37 hộ" in a per-commune list
        if (indicator is None and place_only) or (
            indicator is not None and len(indicator.split()) <= 2 and indicator[:1].islower()
        ):
            # "trồng được 16,8 ha cây cam, quýt", "toàn huyện có 12.640 hộ được cấp giấy chứng
            # nhận": the object follows the figure
            obj = re.match(r"^\s*([^\W\d][^,;.()%\d]{2,70}?)(?=\s*(?:[,;.()]|\bđạt\b|\bbằng\b|\bvới\b|$))", after)
            if obj and len(obj.group(1).split()) <= 14:
                indicator = clean_line(f"{indicator or ''} {obj.group(1)}")
        predicate_end = m.end
        if indicator is None and unit and "/" in unit and not m.n2:
            indicator = unit  # "(9) Có 15 bác sỹ/vạn dân": the unit names the indicator
        if indicator is None and m.n2 is not None and (m.u2 or m.u1) in _COUNT_UNITS:
            # "03/19 xã đạt 19 tiêu chí": the whole is named by the unit and what follows
            pred = re.match(r"^\s*([^,;.()]{3,60}?)\s*(?=[,;.()]|$)", after)
            if pred and len(pred.group(1).split()) <= 8:
                indicator = clean_line(f"{m.u2 or m.u1} {pred.group(1)}")
                predicate_end = m.end + pred.end()
        if indicator is None:
            if is_percent:
                return False, open_fact
            self._unresolved(para, base_offset, sentence, m, "figure without an indicator name")
            return True, open_fact
        value, plan_value, part = m.n1, None, None
        if m.n2 is not None:
            if m.u1 and m.u2 and m.u2.startswith(m.u1 + "/"):
                plan_value = m.n2  # "46,8 tạ/45,0 tạ/ha"
            elif m.u1 and m.u2 and m.u1 != m.u2 and not (m.u1 == "tỷ đồng" and m.u2 == "tỷ đồng"):
                unit, plan_value = m.u1, None  # "04 vụ/04 đối tượng": two counts
            elif unit in _COUNT_UNITS or self._ratio_follows(after) == "share":
                value, part = None, PartWhole(m.n1, m.n2, unit)
            else:
                plan_value = m.n2
        verb = re.match(r"^(giảm|tăng)\s+(?=\S)", indicator, re.IGNORECASE)
        if verb and m.n2 is None and value is not None and (unit == "%" or "tỷ lệ" in indicator.lower()):
            # "Giảm tỷ lệ hộ nghèo đạt 4%": the figure is the change of the rate
            indicator = indicator[verb.end() :]
            kind = "percentage_points" if unit == "%" and "tỷ lệ" in indicator.lower() else ("percent" if unit == "%" else "absolute")
            fact = self._new_fact(para, base_offset, sentence, m, indicator, None, unit, None, page, ctx, indicator_raw)
            fact.change = ValueChange(value, unit, "decrease" if verb.group(1).lower() == "giảm" else "increase", kind)
            ctx.last_indicator = indicator
            return True, _OpenFact(fact, m.end)
        fact = self._new_fact(para, base_offset, sentence, m, indicator, value, unit, plan_value, page, ctx, indicator_raw)
        fact.part_of = part
        if named is None:
            typed = self._typed_unit_in(indicator_raw)
            if typed is not None:
                named = typed
        if named is not None:
            fact.admin_unit_code, fact.admin_unit_text = named
        if named is None:
            ctx.last_indicator = indicator
        return True, _OpenFact(fact, predicate_end)

    def _ratio_follows(self, after: str) -> str | None:
        mm = re.match(r"^[\s,]*(?:\([^)]*\))?[\s,]*(đạt\s+tỷ\s+lệ|chiếm|đạt|bằng)\s+(" + _NUM + r")\s*%(.{0,40})", after, re.IGNORECASE)
        if not mm:
            return None
        if mm.group(1).lower().startswith(("đạt tỷ", "chiếm")):
            return "share"
        base = self._classify_base(self._base_text(mm.group(3))[0], mm.group(1).lower())
        if base is None or base == "previous_period":
            return "share" if not self._base_text(mm.group(3))[0] else None
        return "plan"

    @staticmethod
    def _base_text(after: str) -> tuple[str, int]:
        """The words naming a ratio's base, right after the percent: up to a comma, ';', '(' or 'và'."""
        mm = re.match(r"^\s*((?:so\s+với\s+)?[^,;.()]*?)(?=\s*(?:[,;.()]|\bvà\s+(?:bằng|đạt|so)|$))", after, re.IGNORECASE)
        if not mm:
            return "", 0
        text = clean_line(mm.group(1))
        # "chỉ tiêu KH của tỉnh, của huyện": the base goes on over a comma when the next words
        # still name who set the plan
        end = mm.end()
        while True:
            more = re.match(r"^,\s*((?:của\s+)?(?:KH\s+)?(?:tỉnh|huyện|thành phố|xã)[^,;.()]*?)(?=\s*(?:[,;.()]|\bvà\b|$))", after[end:])
            if not more or not text:
                break
            text = text + ", " + clean_line(more.group(1))
            end += more.end()
        return text, end

    @staticmethod
    def _classify_base(base_text: str, verb: str) -> str | None:
        k = fold_ascii(base_text).lower()
        if not k:
            if verb.startswith("bằng"):
                return "previous_period"
            if verb.startswith("đạt"):
                return "plan"
            return None
        if any(w in k for w in ("cung ky", "so voi nam", "nam truoc", "so voi thang", "thang truoc", "cung thoi ky",
                                "so voi dau nam", "nam 20")) and "ke hoach" not in k and "kh" not in k.split():
            return "previous_period"
        hdnd = "hdnd" in k or "hoi dong nhan dan" in k
        ubnd_tinh = any(w in k for w in ("ubnd tinh", "uy ban nhan dan tinh", "tinh giao", "ubnd tp", "tinh"))
        if "du toan" in k:
            if hdnd:
                return "plan_hdnd"
            if ubnd_tinh:
                return "plan_ubnd_tinh"
            return "estimate_budget"
        if any(w in k.split() for w in ("kh",)) or any(w in k for w in ("ke hoach", "chi tieu", "muc tieu", "nghi quyet")):
            if hdnd:
                return "plan_hdnd"
            if re.search(r"(ubnd|uy ban nhan dan) tinh|do ubnd tinh", k):
                return "plan_ubnd_tinh"
            return "plan"
        return None

    @staticmethod
    def _strip_tail(text: str) -> str:
        t = re.sub(r"\([^()]*\)?\s*$", "", text) if text.rstrip().endswith(")") else text
        t = t.strip()
        for _ in range(4):
            new = _VERB_TAIL.sub("", t).strip(" ,;:")
            if new == t:
                break
            t = new
        return t

    def _indicator(self, text: str, ctx: _Context, sentence_start: bool = False) -> str | None:
        """Indicator as written from the words before a figure, or None when there are none."""
        t = re.sub(r"\([^()]*\)", " ", text)  # parenthetical asides ("(tính đến ngày ...)")
        t = t.split("(")[-1]
        # the clause: after the last ';' or ',' that leaves words
        parts = re.split(r"[;,]", t)
        t = parts[-1]
        if len(clean_line(self._strip_tail(t))) < 3 and len(parts) > 1:
            if sentence_start and len(parts[0].split()) > 2:
                # "Tổng vốn đầu tư ... được huy động từ nhiều nguồn, tập trung cho ..., ước đạt X":
                # the subject of the sentence, up to its first verb
                t = re.split(r"\s(?:được|đã|tiếp\s+tục|là|đạt)\s", parts[0])[0]
            else:
                t = parts[-2] + " " + t if len(parts[-2].split()) <= 8 else t
        head = None
        if ":" in t:
            left, _, right = t.rpartition(":")
            left_clean = clean_line(_LEAD_NOISE.sub("", left))
            if right.strip():
                if 0 < len(left_clean.split()) <= 6 and match_key(left_clean) not in _DISCOURSE_HEADS:
                    head = left_clean
                    ctx.head = head
                t = right
            else:
                t = left
        t = clean_line(_LEAD_NOISE.sub("", self._strip_tail(t)))
        t = self._strip_tail(t)
        t = clean_line(t.strip(" ,;:-–"))
        if not t and head:
            return head  # "Riêng ước thu từ đầu giá: ước thực hiện 350 tỷ đồng"
        if not re.search(r"[^\W\d_]{2,}", t) or t[:1].isdigit() or re.search(r"\bvà$", t):
            return None  # no words, or a list whose objects follow the figures ("34 ha Dẻ hạt và 20 ha")
        # a generic measure name inherits its head: "Cây ngô - Sản lượng"
        if match_key(t) in _GENERIC_NAMES or (head is None and len(t.split()) <= 2 and match_key(t.split()[0]) in {
            match_key(w) for w in ("sản", "năng", "diện")
        }):
            inherited = head or ctx.head or self._head_from(ctx.last_indicator)
            if inherited and match_key(inherited) != match_key(t):
                return f"{inherited} - {t}"
        if head and match_key(head) not in _DISCOURSE_HEADS and len(t.split()) <= 4:
            return f"{head} - {t}"
        if len(t) > 160:
            t = t[-160:].split(" ", 1)[-1]
        return t

    @staticmethod
    def _head_from(indicator: str | None) -> str | None:
        """"Diện tích gieo trồng cây lương thực có hạt" -> "cây lương thực có hạt"."""
        if not indicator:
            return None
        if " - " in indicator:
            return indicator.split(" - ")[0]
        k = indicator
        for g in sorted(("Tổng diện tích gieo trồng", "Diện tích gieo trồng", "Diện tích trồng", "Diện tích",
                         "Tổng diện tích", "Sản lượng", "Năng suất"), key=len, reverse=True):
            if k.lower().startswith(g.lower() + " "):
                rest = k[len(g) :].strip()
                return rest or None
        return None

    def _new_fact(self, para: Paragraph, base_offset: int, sentence: str, m: _Mention, indicator: str,
                  value: Decimal | None, unit: str | None, plan_value: Decimal | None, page: int, ctx: _Context,
                  indicator_raw: str) -> NarrativeFact:
        scenario = "actual"
        ptype, pstart, pend = self._report_period()
        clause = sentence[: m.start].lower()
        if ctx.plan_period is not None:
            scenario = "plan"
            ptype, pstart, pend = ctx.plan_period
        elif ctx.estimate or re.search(r"\bước\b", clause):
            scenario = "estimate"
        elif re.search(r"\bphấn\s+đấu\b", indicator_raw.lower()):
            scenario = "target"
        elif re.search(r"(?:được|kế hoạch|KH|dự toán|chỉ tiêu)\s+(?:vốn\s+)?giao\b", indicator_raw, re.IGNORECASE):
            scenario = "plan"
        # an explicit period in the indicator words
        pm = re.search(r"(\d)\s+tháng\s+(?:đầu\s+)?năm\s+(\d{4})", indicator_raw)
        if pm and ctx.plan_period is None:
            months, year = int(pm.group(1)), int(pm.group(2))
            kinds = {6: "first_half", 9: "nine_months", 3: "quarter"}
            if months in kinds:
                ptype = kinds[months]
                pstart, pend = bounds(ptype, year, quarter=1)
        else:
            ym = re.search(r"(?<!so với )\bnăm\s+(\d{4})\s*(?:(?:đạt|là|được|có|ước đạt|:)\s*)?$", indicator_raw.strip())
            if ym and ctx.plan_period is None and not re.search(r"so\s+với[^,;]*năm\s+" + ym.group(1), indicator_raw):
                y = int(ym.group(1))
                if pstart is None or y != pstart.year:
                    ptype, pstart, pend = "year", date(y, 1, 1), date(y, 12, 31)
        fact = NarrativeFact(
            fact_index=len(self.facts),
            page=page,
            sentence=sentence,
            span=(m.start, m.end),
            indicator_text=indicator,
            value=value,
            value_text=m.n1_text if value is not None else None,
            unit=unit,
            scenario=scenario,
            period_type=ptype,
            period_start=pstart,
            period_end=pend,
            as_of_date=ctx.as_of if ctx.plan_period is None else None,
            plan_value=plan_value,
            footnote=para.footnote,
        )
        self.facts.append(fact)
        return fact

    def _unresolved(self, para: Paragraph, base_offset: int, sentence: str, m: _Mention, reason: str) -> None:
        self.unresolved.append(
            UnresolvedMention(
                page=para.page_of(base_offset + m.start),
                sentence=sentence,
                text=sentence[m.start : m.end],
                span=(m.start, m.end),
                reason=reason,
                footnote=para.footnote,
            )
        )


def extract_narrative(
    paragraphs: list[Paragraph], metadata: ReportMetadata
) -> tuple[list[NarrativeFact], list[UnresolvedMention]]:
    ex = NarrativeExtractor(metadata)
    ex.run(paragraphs)
    return ex.facts, ex.unresolved
