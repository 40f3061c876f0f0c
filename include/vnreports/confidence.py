"""Which figures the BI views publish: the confidence rule, and the curators' decisions.

A BI user sees every value of ``marts.indicator_values``, so a figure reaches it only when
each of its five dimensions can be trusted. The rule, applied at staging time (and again when
the catalog or a curation decision changes, see ``ingest.rematch_catalog``):

A sentence's figure (narrative fact) is PUBLISHED when all of these hold, else HELD with every
reason that failed:

1. a curator has not rejected its indicator name (``curation_decisions.csv``, decision reject);
2. the parser had no doubt about it (``NarrativeFact.doubts``: an ambiguous scenario or period,
   a name it could not complete, two counts joined by "/", ...);
3. its indicator is named: the catalog matched it (a curator's accepted name is an alias of the
   catalog), or the name is a complete measure name (``is_complete_name``: it starts with a
   measure noun - "Số", "Tỷ lệ", "Diện tích", "Sản lượng", "Tổng vốn" ... - and goes on with
   what is measured, with no verb fragment, date or dangling word; a name that starts with what
   is counted - "hộ ...", "vụ ...", "trường ..." - is not one);
4. its unit of measure is a known one (the catalog's units and the parser's lexicon);
5. a percent is the value of a rate or share ("Tỷ lệ ...", a catalog rate), not a comparison
   with an unstated base ("thu ngân sách đạt 148,32%");
6. a name that states a price basis ("theo giá hiện hành", "giá so sánh") is not published under
   a catalog indicator whose name lacks it;
7. the unit agrees with the name: a rate ("Tỷ lệ ...") is not given in a count ("2.215 hộ"), and
   a name that counts one thing ("vụ vi phạm ...") is not given in another ("113 đối tượng");
8. the name does not place the figure at one site ("vụ xảy ra tại trường ...", "hộ tại xóm ..."):
   that is an event, not the unit's indicator.

Table figures (a row of an indicator table names its indicator, a column its scenario and
period) are published unless a curator rejected the row's name or the parser doubts the figure
(``IndicatorValue.doubts``: a number OCR read below its confidence threshold).

Curation decisions live in ``dbt_project/seeds/curation_decisions.csv`` (one row per
normalised name, the latest decision wins; written by ``vnreports review``), versioned with the
catalog: the file is part of ``catalog.CATALOG_VERSION``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from vnreports import catalog

PUBLISHED = "published"
HELD = "held"
CURATION_FILE = "curation_decisions.csv"
CURATION_COLUMNS = ("name_key", "indicator_text", "decision", "indicator_code", "decided_at", "note")
DECISIONS = ("accept", "reject")

# Nouns that name a measure when they open a name ("Số hộ thoát nghèo", "Tỷ lệ che phủ rừng",
# "Tổng vốn đầu tư", "Đàn trâu"). Compared on catalog.normalise_name keys.
_MEASURE_HEADS = [
    "số", "số lượng", "tổng số", "tỷ lệ", "tỷ trọng", "tốc độ", "chỉ số", "diện tích", "sản lượng",
    "năng suất", "giá trị", "tổng giá trị", "doanh thu", "doanh số", "kim ngạch", "tổng thu", "tổng chi",
    "thu nhập", "thu nội địa", "thu từ", "thu thuế", "chi thường xuyên", "chi đầu tư", "vốn", "tổng vốn", "nguồn vốn", "kinh phí", "tổng kinh phí", "dư nợ", "lượng",
    "sản phẩm", "tổng sản phẩm", "tổng mức", "mức", "đàn", "tổng đàn", "trâu", "bò", "lợn", "gia cầm", "dê",
    "ngựa", "lúa", "ngô", "khách", "lượt khách", "hộ", "người", "lao động", "học sinh", "trẻ", "giáo viên",
    "bác sĩ", "giường bệnh", "trường", "xã", "thôn", "hồ sơ", "công trình", "dự án", "doanh nghiệp",
    "hợp tác xã", "cơ sở", "vụ", "chiều dài", "khối lượng", "công suất", "mật độ", "độ che phủ", "bình quân",
    "thu ngân sách", "chi ngân sách", "tổng diện tích", "tổng sản lượng",
]
# Not "thu" / "chi" alone ("thu hút", "chi trả" are verbs), nor "cây" ("Cây ngô" names a crop, not
# what of it is measured).
# Words a complete name does not end with (the name was cut before its object).
_DANGLING_END = {
    "của", "và", "với", "cho", "tại", "trong", "được", "đã", "là", "các", "những", "về", "theo", "từ",
    "đến", "có", "để", "bằng", "đạt", "tăng", "giảm", "số", "tổng", "tỷ", "lệ", "mới", "cấp",
    "hưởng", "nghị", "xin", "nộp",  # "hồ sơ ... đề nghị hưởng" (hưởng what?)
}
# Measure nouns that never end a name: "người có công và thân nhân người có công kinh phí" is a
# clause cut around its measure, not a measure of something.
_TRAILING_MEASURES = {"kinh phí", "số tiền", "giá trị", "tổng giá trị", "số lượng", "tổng số", "tổng kinh phí"}
# Words that make a name a clause, not a measure ("duy trì đã", "Đến ngày 21/01/2022").
_CLAUSE_WORDS = {"đã", "đang", "sẽ", "cần", "phải", "nhằm", "đến ngày", "tính đến", "ngày", "tháng", "năm"}


def _key(text: str) -> str:
    return catalog.normalise_name(text)


# Heads that name what is counted rather than the measure ("người", "hộ", "trâu"): after them the
# name must say which of them are counted, in two words or more ("hộ thoát nghèo năm nay").
_CLASSIFIER_HEADS = [
    "hộ", "người", "lao động", "học sinh", "trẻ", "giáo viên", "bác sĩ", "giường bệnh", "trường", "xã",
    "thôn", "hồ sơ", "công trình", "dự án", "doanh nghiệp", "hợp tác xã", "cơ sở", "vụ", "khách",
    "lượt khách", "trâu", "bò", "lợn", "gia cầm", "dê", "ngựa", "lúa", "ngô", "sản phẩm",
]


@lru_cache(maxsize=1)
def _classifier_keys() -> frozenset[str]:
    return frozenset(_key(h) for h in _CLASSIFIER_HEADS)


@lru_cache(maxsize=1)
def _head_keys() -> tuple[str, ...]:
    return tuple(sorted({_key(h) for h in _MEASURE_HEADS if _key(h)}, key=len, reverse=True))


def is_complete_name(text: str | None) -> bool:
    """A name that says what is measured on its own: a measure noun, then at least one word of
    what it measures, no clause words, no digits, not cut before its object.

    >>> is_complete_name("Số hộ thoát nghèo"), is_complete_name("Ban hành"), is_complete_name("số tiền")
    (True, False, False)
    """
    if not text or re.search(r"\d", text):
        return False
    raw = re.sub(r"\s+", " ", text.strip().lower())
    words = raw.split()
    if not 2 <= len(words) <= 16:
        return False
    if any(re.search(rf"(?<!\w){re.escape(w)}(?!\w)", raw) for w in _CLAUSE_WORDS):
        return False
    if words[-1].strip(",;:-–") in _DANGLING_END:
        return False
    if len(words) > 2 and any(raw.endswith(" " + m) for m in _TRAILING_MEASURES):
        return False
    key = _key(text)
    for head in _head_keys():
        if key == head:
            return False  # the measure alone: "số tiền" is "số" + what? - "tiền" is no measure object
        if key.startswith(head + " "):
            rest = key[len(head) + 1 :].split()
            if head in _classifier_keys():
                # "hộ nghèo", "người hoạt động kháng chiến và con đẻ", "xã đủ điều kiện công nhận lại":
                # a class of things, not a measure; such names were the least reliable in the audits
                # (tests/truth/audit): published only once catalogued or accepted by a curator
                return False
            # "tỷ lệ bao phủ" (of what?), "số tiền": a name outside the catalog needs three words
            # after its measure noun to say what it measures on its own ("Tỷ lệ che phủ rừng")
            return len(rest) >= 3
    # "Cây ngô - Sản lượng": a head and a measure joined by the extractor
    if " - " in text:
        head, _, tail = text.partition(" - ")
        if head.strip() and _key(tail) in _head_keys():
            return True  # "Dứa - Sản lượng": a subject, then its measure
        return is_complete_name(tail)
    return False


@dataclass
class Curation:
    """Curators' decisions by normalised indicator name."""

    decisions: dict[str, dict[str, str]] = field(default_factory=dict)

    def decision(self, indicator_text: str | None) -> str | None:
        if not indicator_text:
            return None
        row = self.decisions.get(_key(indicator_text))
        return row["decision"] if row else None


def curation_path(directory: str | Path | None = None) -> Path:
    return (Path(directory) if directory is not None else catalog.seeds_dir()) / CURATION_FILE


def read_curation_rows(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        return [dict(r) for r in csv.DictReader(fh)]


def load_curation(directory: str | Path | None = None) -> Curation:
    """The decisions of curation_decisions.csv; for a name decided more than once, the last row."""
    out: dict[str, dict[str, str]] = {}
    for row in read_curation_rows(curation_path(directory)):
        # keyed again from the text as written: a later change of normalise_name keeps decisions valid
        key = _key(row.get("indicator_text") or "") or (row.get("name_key") or "").strip()
        if key and row.get("decision") in DECISIONS:
            out[key] = row
    return Curation(out)


@lru_cache(maxsize=1)
def _known_units() -> frozenset[str]:
    from vnreports.parsing.narrative import _UNITS  # the lexicon the extractor reads units with

    units = {catalog.normalise_unit(u) for u in _UNITS}
    for ind in catalog.indicators():
        units.add(catalog.normalise_unit(ind.canonical_unit))
    units.add("%")
    return frozenset(u for u in units if u)


def unit_is_known(unit: str | None) -> bool:
    return unit is not None and catalog.normalise_unit(unit) in _known_units()


@dataclass(frozen=True)
class Assessment:
    tier: str  # PUBLISHED | HELD
    reasons: tuple[str, ...] = ()

    @property
    def is_published(self) -> bool:
        return self.tier == PUBLISHED


_PRICE_BASIS = re.compile(r"giá\s+(?:hiện\s+hành|so\s+sánh|thực\s+tế|cố\s+định)", re.IGNORECASE)

# Words that make a name a rate or a share, so that a percent is its value ("Tỷ lệ hộ nghèo 5%").
_RATE_WORDS = ("tỷ lệ", "tỉ lệ", "tỷ trọng", "tốc độ", "tăng trưởng", "độ che phủ", "chỉ số", "cơ cấu", "mức giảm",
               "mức tăng", "tăng dân số", "phần trăm")


def percent_of_non_rate(indicator_text: str, indicator_code: str | None, unit: str | None) -> bool:
    """A percent stated for an indicator that is not a rate ("thu ngân sách nhà nước đạt 148,32%"):
    it compares with an unnamed base (the plan? last year?), so it is not the indicator's value."""
    if unit != "%":
        return False
    if indicator_code:
        ind = catalog.get_indicator(indicator_code)
        if ind is not None:
            return not (ind.is_rate or ind.canonical_unit == "%")
    low = (indicator_text or "").lower()
    return not any(w in low for w in _RATE_WORDS)


# Units that count things (as opposed to measuring them), for rule 7.
_COUNT_UNITS = {"đối tượng", "lượt", "cuộc", "trường hợp", "ca", "đơn", "lần", "người", "hộ", "vụ", "xã", "thôn",
                "trường", "hồ sơ", "công trình", "dự án", "doanh nghiệp", "hợp tác xã", "cơ sở", "học sinh",
                "giáo viên", "bác sĩ", "lao động", "khách", "lượt khách", "trẻ"}
# Heads counted in a unit of their own kind ("đàn lợn ... con", "lúa ... ha"): never compared.
_MEASURED_HEADS = {"trâu", "bò", "lợn", "gia cầm", "dê", "ngựa", "lúa", "ngô", "sản phẩm", "khách", "lượt khách"}
_PEOPLE_HEADS = {"lao động", "học sinh", "giáo viên", "bác sĩ", "trẻ", "khách", "người"}
_RATE_HEAD = re.compile(r"^\s*(tỷ lệ|tỉ lệ|tỷ trọng)\b", re.IGNORECASE)
_NOT_COUNTS = {"%", "‰", "điểm %", "điểm phần trăm", "lần"}


# "vụ xảy ra tại trường Tiểu học Đức Hồng", "hộ gia đình tại xóm Kéo Sy": a figure of one place
_ONE_SITE = re.compile(r"\btại\s+(?:xóm|thôn|bản|tổ|trường|nhà|xã|phường|thị\s+trấn|khu|cơ\s+sở|công\s+ty|"
                       r"điểm|bệnh\s+viện|trạm|chợ|cửa\s+khẩu|hộ)\b", re.IGNORECASE)


@lru_cache(maxsize=1)
def _unit_rule_keys() -> tuple[frozenset[str], frozenset[str], frozenset[str], frozenset[str]]:
    """Keys of _NOT_COUNTS, _COUNT_UNITS, _MEASURED_HEADS, _PEOPLE_HEADS (built once)."""
    return tuple(frozenset(_key(x) for x in group)
                 for group in (_NOT_COUNTS, _COUNT_UNITS, _MEASURED_HEADS, _PEOPLE_HEADS))  # type: ignore[return-value]


def unit_contradicts_name(indicator_text: str | None, unit: str | None) -> bool:
    """A rate given in a count, or a count of one thing given in a count of another.

    >>> unit_contradicts_name("vụ vi phạm pháp luật liên quan đến ma túy", "đối tượng")
    True
    >>> unit_contradicts_name("Tỷ lệ chuồng trại gia súc di dời", "hộ"), unit_contradicts_name("đàn lợn", "con")
    (True, False)
    """
    if not indicator_text or not unit:
        return False
    not_counts, count_units, measured_heads, people_heads = _unit_rule_keys()
    u = _key(unit)
    if _RATE_HEAD.search(indicator_text):
        return u not in not_counts and "/" not in unit and u in count_units
    if u not in count_units:
        return False
    name = _key(indicator_text)
    name = re.sub(r"^(tổng số|số lượng|số)\s+", "", name)
    for head in sorted(_classifier_keys(), key=len, reverse=True):
        if name == head or name.startswith(head + " "):
            if head in measured_heads:
                return False
            if u == _key("người") and head in people_heads:
                return False  # "số lao động ... 200 người"
            return u != head and not u.startswith(head + " ") and not head.startswith(u + " ")
    return False


def assess_narrative(indicator_text: str, indicator_code: str | None, unit: str | None,
                     doubts: Iterable[str], curation: Curation) -> Assessment:
    """The tier of a sentence's figure (see the module docstring for the rule)."""
    reasons: list[str] = []
    decision = curation.decision(indicator_text)
    if decision == "reject":
        reasons.append("indicator name rejected by a curator")
    reasons.extend(f"parser doubt: {d}" for d in doubts)
    if not indicator_code and decision != "accept" and not is_complete_name(indicator_text):
        reasons.append("indicator not in the catalog and its name is not a complete measure name")
    if indicator_code and _PRICE_BASIS.search(indicator_text or ""):
        ind = catalog.get_indicator(indicator_code)
        if ind is not None and not _PRICE_BASIS.search(ind.name_vi):
            # "giá trị sản xuất ... theo giá hiện hành" under a catalog name without its price basis:
            # the same sentence often gives the other basis too, and BI would not tell them apart
            reasons.append("the name states a price basis the catalog's indicator does not")
    if percent_of_non_rate(indicator_text, indicator_code, unit):
        reasons.append("a percent of an indicator that is not a rate (its base is not stated)")
    if _ONE_SITE.search(indicator_text or ""):
        reasons.append("the name places the figure at one site (an event or a case, not the unit's indicator)")
    if unit_contradicts_name(indicator_text, unit):
        reasons.append(f"the unit '{unit}' does not count what the name counts")
    if unit is not None and not unit_is_known(unit):
        reasons.append(f"unknown unit of measure '{unit}'")
    return Assessment(HELD if reasons else PUBLISHED, tuple(reasons))


def assess_table(indicator_name: str | None, curation: Curation, doubts: Iterable[str] = ()) -> Assessment:
    """The tier of a table figure: published unless a curator rejected the row's name or the
    parser doubts the figure (an OCR reading it is not sure of)."""
    reasons: list[str] = []
    if curation.decision(indicator_name) == "reject":
        reasons.append("indicator name rejected by a curator")
    reasons.extend(f"parser doubt: {d}" for d in doubts)
    return Assessment(HELD if reasons else PUBLISHED, tuple(reasons))
