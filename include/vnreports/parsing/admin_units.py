"""Resolve administrative-unit names found in reports to GSO codes.

    >>> resolve_admin_unit("UBND huyện Hạ Lang").code
    '048'
    >>> resolve_admin_unit("TP Cao Bằng").name
    'Thành phố Cao Bằng'

Matching: both the catalogue names and the names in a report are NFC-normalised, given one
tone-mark placement rule (``textutil.canonical_tones``: "Hòa"/"Hoà" are equal) and
case-folded. The type word in the mention (tỉnh / thành phố / TP / huyện / thị xã / quận /
xã / phường / thị trấn) restricts the candidates; organisation words ("UBND", "Ủy ban nhân
dân", "HĐND", "của") are ignored. When several units share the name, those in the province
given as context win, then the higher level (province > district > commune); a tie that is
still left is ambiguous and gives None rather than a guess.

The catalogue is the dbt seed ``dbt_project/seeds/gso_admin_units.csv`` (the GSO list of
2022-04-10; one file feeds both the parser and dim_admin_unit). It is loaded once per
process; set VNREPORTS_ADMIN_UNITS_CSV to use another file.

Since 2025-07-01 the units are another generation: 34 provinces and 3,321 communes, wards and
special zones, no districts (seed ``gso_admin_units_2025.csv``). Codes repeat across the two
(the new Xã Hạ Lang is 01558, the code of the old Thị trấn Thanh Nhật), so a name is resolved
against the generation valid on a date: ``resolve_admin_unit(text, on=date)``, ``units_at(date)``.
A report's units are those valid on its issue date, else at the end of its period
(``units_date``); dbt applies the same rule (macro ``unit_generation``).
"""

from __future__ import annotations

import csv
import os
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from vnreports.config import dbt_project_dir

from .textutil import clean_line, match_key

DEFAULT_CSV_NAME = "gso_admin_units.csv"
CSV_2025_NAME = "gso_admin_units_2025.csv"
# the first day of the two-level local government (Resolution 202/2025/QH15)
REFORM_DATE = date(2025, 7, 1)

LEVEL_RANK = {"province": 0, "district": 1, "commune": 2}

# official type -> level
_TYPE_LEVEL = {
    "Tỉnh": "province",
    "Thành phố Trung ương": "province",
    "Thành phố": "district",
    "Quận": "district",
    "Huyện": "district",
    "Thị xã": "district",
    "Xã": "commune",
    "Phường": "commune",
    "Thị trấn": "commune",
    "Đặc khu": "commune",
}

# type word as written in reports (match_key form) -> allowed official types
_TYPE_WORDS: list[tuple[str, frozenset[str]]] = [
    ("thành phố", frozenset({"Thành phố Trung ương", "Thành phố"})),
    ("thị trấn", frozenset({"Thị trấn"})),
    ("thị xã", frozenset({"Thị xã"})),
    ("tỉnh", frozenset({"Tỉnh"})),
    ("huyện", frozenset({"Huyện"})),
    ("quận", frozenset({"Quận"})),
    ("phường", frozenset({"Phường"})),
    ("xã", frozenset({"Xã"})),
    ("đặc khu", frozenset({"Đặc khu"})),
    ("tp.", frozenset({"Thành phố Trung ương", "Thành phố"})),
    ("tp", frozenset({"Thành phố Trung ương", "Thành phố"})),
    ("tx.", frozenset({"Thị xã"})),
    ("tx", frozenset({"Thị xã"})),
    ("tt.", frozenset({"Thị trấn"})),
]

_ORG_WORDS = [
    "ủy ban nhân dân",
    "uỷ ban nhân dân",
    "hội đồng nhân dân",
    "ubnd",
    "hđnd",
    "tm.",
    "tm",
    "của",
    "cấp",
]

_TYPE_KEYS = {match_key(w): types for w, types in _TYPE_WORDS}


@dataclass(frozen=True)
class AdminUnit:
    code: str  # GSO code, "04" / "040" / "01234"
    name: str  # official name with type, "Huyện Hạ Lang"
    level: str  # province / district / commune
    unit_type: str  # official type, "Huyện"
    bare_name: str  # "Hạ Lang"
    province_code: str
    province_name: str
    district_code: str | None = None
    district_name: str | None = None


@dataclass(frozen=True)
class ResolvedUnit:
    unit: AdminUnit
    mention: str  # the text that was resolved
    method: str  # how: "type+name", "name", "+province_context"

    @property
    def code(self) -> str:
        return self.unit.code

    @property
    def name(self) -> str:
        return self.unit.name

    @property
    def level(self) -> str:
        return self.unit.level


def _bare(name: str, unit_type: str) -> str:
    name = clean_line(name)
    low = name.casefold()
    for prefix in sorted({unit_type, "Thành phố", "Tỉnh"}, key=len, reverse=True):
        if low.startswith(prefix.casefold() + " "):
            return name[len(prefix) :].strip()
    return name


def _name_key(name: str) -> str:
    key = match_key(name)
    # "Phường 01" == "Phường 1"
    return re.sub(r"\b0+(\d)", r"\1", key)


class AdminUnitIndex:
    def __init__(self, units: list[AdminUnit]):
        self.units = units
        self.by_key: dict[str, list[AdminUnit]] = {}
        self.by_code: dict[str, AdminUnit] = {}
        for u in units:
            self.by_key.setdefault(_name_key(u.bare_name), []).append(u)
            self.by_code[u.code] = u

    def candidates(self, bare_name: str) -> list[AdminUnit]:
        return list(self.by_key.get(_name_key(bare_name), []))


def _read_csv(path: Path) -> list[AdminUnit]:
    units: dict[str, AdminUnit] = {}
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            row = {k: clean_line(v) for k, v in row.items()}
            pc, pn, pt = row["province_code"], row["province_name"], row["province_type"]
            if pc and pc not in units:
                units[pc] = AdminUnit(pc, pn, "province", pt, _bare(pn, pt), pc, pn)
            dc, dn, dt = row.get("district_code"), row.get("district_name"), row.get("district_type")
            if dc and dc not in units:
                units[dc] = AdminUnit(dc, dn, "district", dt, _bare(dn, dt), pc, pn, dc, dn)
            cc, cn, ct = row.get("commune_code"), row.get("commune_name"), row.get("commune_type")
            if cc and cc not in units:
                units[cc] = AdminUnit(cc, cn, "commune", ct, _bare(cn, ct), pc, pn, dc or None, dn or None)
    return list(units.values())


@lru_cache(maxsize=4)
def load_admin_units(path: str | None = None) -> AdminUnitIndex:
    """Load (once per path) the GSO catalogue of 2022 (the units until 2025-06-30)."""
    p = Path(path or os.environ.get("VNREPORTS_ADMIN_UNITS_CSV")
             or dbt_project_dir() / "seeds" / DEFAULT_CSV_NAME)
    return AdminUnitIndex(_read_csv(p))


@lru_cache(maxsize=1)
def load_admin_units_2025() -> AdminUnitIndex:
    """The units since 2025-07-01: provinces and communes, no districts."""
    return AdminUnitIndex(_read_csv(dbt_project_dir() / "seeds" / CSV_2025_NAME))


def generation(on: date | None) -> str:
    """'2025' for a date since the reform, else '2022' (also when the date is unknown)."""
    return "2025" if on is not None and on >= REFORM_DATE else "2022"


def units_at(on: date | None) -> AdminUnitIndex:
    """The units valid on a date (the 2022 list when the date is unknown)."""
    return load_admin_units_2025() if generation(on) == "2025" else load_admin_units()


def units_date(issue_date: date | None, period_end: date | None) -> date | None:
    """The date a report's units are read at: its issue date (the issuer signed as the unit it was
    then), else the end of its period."""
    return issue_date or period_end


def unit_by_code(code: str | None, on: date | None = None) -> AdminUnit | None:
    """The unit with this code in the generation valid on the date."""
    return units_at(on).by_code.get(str(code).strip()) if code else None


def known_code(code: str) -> bool:
    """The code is a unit of either generation."""
    return code in load_admin_units().by_code or code in load_admin_units_2025().by_code


def split_mention(text: str) -> tuple[frozenset[str] | None, str]:
    """'UBND huyện Hạ Lang' -> ({'Huyện'}, 'Hạ Lang'). Organisation words are dropped."""
    t = clean_line(text).strip(" .,;:()")
    key = match_key(t)
    changed = True
    while changed:
        changed = False
        for w in _ORG_WORDS:
            wk = match_key(w)
            if key.startswith(wk + " "):
                t = t[len(w) :].strip()
                key = match_key(t)
                changed = True
    for word, types in sorted(_TYPE_KEYS.items(), key=lambda kv: len(kv[0]), reverse=True):
        if key.startswith(word + " ") or (word.endswith(".") and key.startswith(word)):
            rest = t[len(word) :].strip(" .")
            return types, rest
    return None, t


def named_units(text: str | None, *, index: AdminUnitIndex | None = None, on: date | None = None) -> list[AdminUnit]:
    """Every unit a mention can name: its name, and its type when written ("xã Đức Giang": three)."""
    if not text or not clean_line(text):
        return []
    types, bare = split_mention(text)
    if not bare:
        return []
    return [u for u in (index or units_at(on)).candidates(bare) if types is None or u.unit_type in types]


def resolve_admin_unit(
    text: str | None,
    province_code: str | None = None,
    *,
    index: AdminUnitIndex | None = None,
    on: date | None = None,
) -> ResolvedUnit | None:
    """Resolve a name as written in a report to one GSO unit of the generation valid on the date
    (``on``; the 2022 list when unknown), or None (unknown / ambiguous)."""
    if not text or not clean_line(text):
        return None
    types, _ = split_mention(text)
    cands = named_units(text, index=index, on=on)
    method = "name" if types is None else "type+name"
    if not cands:
        return None
    if province_code and len(cands) > 1:
        in_prov = [u for u in cands if u.province_code == province_code]
        if in_prov:
            if len(in_prov) < len(cands):
                method += "+province_context"
            cands = in_prov
    if len(cands) > 1:
        best = min(LEVEL_RANK[u.level] for u in cands)
        cands = [u for u in cands if LEVEL_RANK[u.level] == best]
    if len(cands) != 1:
        return None
    return ResolvedUnit(cands[0], clean_line(text), method)


_MENTION_RE = re.compile(
    r"(?<!\w)(tỉnh|thành phố|tp\.?|huyện|thị xã|quận|thị trấn|phường|xã|đặc khu)\s+",
    re.IGNORECASE,
)


_STOP_WORDS = {
    match_key(w)
    for w in ("sở", "phòng", "ban", "ubnd", "hđnd", "ủy", "uỷ", "chi", "văn", "cục", "đảng", "huyện", "tỉnh",
              "quận", "phường", "xã", "số", "số:", "về", "và", "của", "độc", "cộng", "tm.", "kt.")
}


def _names_a_unit(mention: str) -> bool:
    """'huyện Văn Lâm' names a unit of the 2022 or the 2025 GSO list."""
    return bool(named_units(mention, index=load_admin_units()) or named_units(mention, index=load_admin_units_2025()))


def find_mentions(text: str, max_words: int = 4) -> list[str]:
    """Unit mentions 'type word + Capitalised Name' in running text ('tỉnh Cao Bằng').

    The name is the longest run of capitalised words after the type word (up to punctuation)
    that names a unit of a GSO list: unit names hold words that also start organisations
    (Hải Phòng, Văn Lâm, Củ Chi, Yên Sở, Nậm Ban, Cộng Hòa). A name no list knows stops at the
    first organisation word ("UBND TỈNH X SỞ TÀI CHÍNH" -> "TỈNH X").
    """
    out = []
    t = clean_line(text)
    for m in _MENTION_RE.finditer(t):
        run = []
        for w in t[m.end() :].split(" ")[:max_words]:
            w2 = w.rstrip(".,;:)/")
            if not w2 or not (w2[0].isupper() or w2[0].isdigit()):
                break
            run.append(w2)
            if w2 != w:  # punctuation ends the name
                break
        known = next((k for k in range(len(run), 0, -1) if _names_a_unit(m.group(1) + " " + " ".join(run[:k]))), 0)
        if known:
            words = run[:known]
        else:
            words = []
            for w in run:
                if match_key(w) in _STOP_WORDS:
                    break
                words.append(w)
        if words:
            out.append(m.group(1) + " " + " ".join(words))
    return out


def province_context(texts: list[str], index: AdminUnitIndex | None = None, on: date | None = None) -> str | None:
    """Most often mentioned province ('tỉnh X' or a resolved unit's province) in the texts."""
    idx = index or units_at(on)
    counts: Counter[str] = Counter()
    for text in texts:
        for mention in find_mentions(text):
            types, _ = split_mention(mention)
            if types and "Tỉnh" in types:
                r = resolve_admin_unit(mention, index=idx)
                if r is not None:
                    counts[r.unit.province_code] += 1
    if not counts:
        return None
    return counts.most_common(1)[0][0]
