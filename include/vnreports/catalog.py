"""The indicator catalog: map indicator names as reports write them to one canonical code.

    >>> match_indicator("tỷ lệ che phủ rừng", unit="%").code
    'forest_cover_rate'
    >>> match_indicator("Cây ngô - Sản lượng", unit="tấn").code
    'maize_output'
    >>> unit_factor("triệu đồng", "tỷ đồng")
    Decimal('0.001')

Data: three dbt seeds in ``dbt_project/seeds`` (one copy feeds both this matcher and the
warehouse; see seeds/README.md):

* ``indicator_catalog.csv``  one row per indicator code (names, topic, canonical unit,
  parent code, is_rate);
* ``indicator_aliases.csv``  many names per code, as reports write them;
* ``unit_conversions.csv``   from_unit,to_unit,factor (value_in_to = value_in_from * factor).

``CATALOG_VERSION`` is the first 12 hex digits of the sha256 over the bytes of the three files and
of ``curation_decisions.csv`` (the curators' decisions, vnreports.confidence), in that order: any edit gives a new version, which callers store beside each matched fact.
The files are read once per process (``functools.lru_cache``); set VNREPORTS_CATALOG_DIR to
read them from another directory.

Name normalisation (``normalise_name``), applied to both the catalog and the text:

1. NFC, one tone-mark placement (``textutil.canonical_tones``: "hoà" == "hòa",
   "thuỷ" == "thủy"), case-folded; the i/y spelling pairs sĩ/sỹ, kĩ/kỹ, lí/lý, mĩ/mỹ,
   tỉ/tỷ are made one;
2. every character that is not a letter or a digit becomes a space (so "Công nghiệp-xây
   dựng", "Công nghiệp - xây dựng" and "công nghiệp, xây dựng" are equal); numbers lose
   leading zeros ("01" == "1");
3. abbreviations are spelled out: BHYT, BHXH, BHTN, NSNN, NSĐP (also NSDP), NSTW, TW, HTX,
   NTM, KH, VH, GCN(QSD/QSDĐ), QSDĐ, XNK, GPMB, TTHC, CCHC, THCS, THPT, CN-TTCN, ATGT, TNGT,
   UBND, ATTP, VSATTP, PCCC, CCCD, GPXD, BTXH, TDTT, VPHC, PBGDPL, (CT)MTQG, DTLCP, LMLM,
   ANTT; "văcxin"/"vacxin"/"vaccine" -> "vắc xin"; "hằng" -> "hàng" ("cây hằng năm");
4. filler words are dropped: anywhere "trên địa bàn [huyện|tỉnh|thành phố|thị xã|xã]",
   "qua địa bàn", "toàn huyện", "toàn tỉnh", "toàn thành phố", "của huyện", "của tỉnh",
   "của thành phố", "các loại", "các", "những"; anywhere a period or date (the figure's
   period is read apart): "năm 2022", a bare year or crop year "2017 - 2018", "tháng
   01/2024", "quý I/2024", "6 tháng đầu năm", "9 tháng" at the end, "ngày 30/6/2021", with
   a lead "trong", "tính đến (hết)", "đến"; "trong năm" / "trong tháng" / "trong quý"
   (not "trong năm học", nor after "trồng": "diện tích dẻ trồng trong năm" is the area
   newly planted); at the start "tổng" (not in "tổng sản phẩm" = GRDP; "tổng số X" ->
   "số X"), "kết quả", "xảy ra", "ước (tính)", "dự ước", "dự kiến", "triển khai", "tiến
   hành", "phấn đấu", "luỹ kế", "đã", "nâng" before "tổng"/"tỷ lệ" ("nâng tổng số trường
   đạt chuẩn lên 174"), and "cây" (not in "cây công nghiệp", "cây lương thực", "cây ăn
   quả" ... which name crop groups). Not "thực hiện": "thực hiện tiêm vắc xin phòng
   COVID-19 được 60.991 mũi 01" counts first doses, not the doses. A leading word is only
   dropped when two or more words remain ("Cây ngô" stays "cây ngô"; "Cây ngô - Sản
   lượng" -> "ngô sản lượng").

Matching (``match_indicator``), first hit wins; a candidate whose canonical unit does not
fit the figure's unit is skipped (``units_compatible``):

1. exact: the normalised text equals a normalised name_vi (method "exact") or alias
   (method "alias"), also after dropping parenthesised parts ("Giá trị sản xuất công
   nghiệp (giá hiện hành)");
2. composition of "<head> - <tail>" (elliptical names as the extractor writes them, e.g.
   "Cây ngô - Sản lượng", "Lúa xuân - Năng suất", "Cơ cấu kinh tế - Dịch vụ"), at every
   spaced dash: "head tail", "tail head", and when the tail is a crop measure ("Diện tích
   thực hiện", "Trồng được", "Gieo trồng", "Diện tích hiện có" -> "diện tích"; "Năng
   suất"; "Sản lượng") "<measure> <head>" ("sản lượng ngô"); the same with each ancestor
   of ``context`` (nearest first) as head and the text as tail;
3. a bare subject with a unit that says the measure: "cây thuốc lá" in ha -> "diện tích
   thuốc lá", in tấn -> "sản lượng", in tạ/ha -> "năng suất" (not "con": a bare "Trâu"
   in con may count deaths or vaccinations, not the herd), only without ``context``; a
   name that starts with a measure verb ("trồng được ngô" in ha) likewise, except planting a
   tree crop ("trồng được cây cam, quýt": new planting, not the standing area);
4. fuzzy (method "fuzzy"): token based. An index of words without diacritics pre-selects
   the aliases; then every content word of the text must find its counterpart in the
   alias (equal; equal without diacritics when the text lost them; a different tone mark
   on a word of three or more letters that is not a meaning word: "đầu"/"đấu", not
   "sản"/"sắn"; a close spelling of a long word by rapidfuzz), so the text adds no word that could narrow or change the meaning
   (only the soft words "được", "đã", "là", "đạt", "và", "của", "hiện có", "ước tính",
   "đến nay", "luỹ kế", "chung", "toàn bộ" are free);
   nor may it leave one out, except one word of a long alias (9+ content words) that does
   not change the meaning (not thu/chi, xuất/nhập, cận, tăng/giảm, crop and species
   names, seasons, numbers ...). The text needs three or more content words, the rapidfuzz
   token-sort score must reach 0.8, and two codes within 0.02 of the best give None.

Units: a figure in "%" of an indicator that is not a rate is taken as its growth when the
catalog has ``<code>_growth`` ("Tổng sản phẩm (GRDP)" + "%" -> grdp_growth), otherwise the
candidate is skipped. A per-X canonical unit accepts the bare numerator ("GRDP bình quân
đầu người ... 38 triệu đồng" fits triệu đồng/người). Callers pass ``unit=None`` for ratio
columns (% of plan, % of last year): those are not the indicator's own unit.

Precision is preferred over recall: when in doubt the result is None, and the unmatched
name stays visible for curation (add an alias to the seed).
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz

from vnreports.config import dbt_project_dir
from vnreports.parsing.textutil import canonical_tones, fold_ascii

# curation_decisions.csv: the curators' accept/reject decisions (vnreports.confidence, `vnreports review`)
CATALOG_FILES = ("indicator_catalog.csv", "indicator_aliases.csv", "unit_conversions.csv", "curation_decisions.csv")


def seeds_dir() -> Path:
    """Directory holding the catalog seed CSVs (VNREPORTS_CATALOG_DIR overrides)."""
    env = os.environ.get("VNREPORTS_CATALOG_DIR")
    return Path(env).resolve() if env else dbt_project_dir() / "seeds"


def catalog_version(directory: str | Path | None = None) -> str:
    """First 12 hex digits of sha256 over the bytes of the CATALOG_FILES CSVs, in that order."""
    d = Path(directory) if directory is not None else seeds_dir()
    h = hashlib.sha256()
    for name in CATALOG_FILES:
        h.update((d / name).read_bytes())
    return h.hexdigest()[:12]


try:
    CATALOG_VERSION: str = catalog_version()
except FileNotFoundError:  # pragma: no cover - a checkout without the seeds
    CATALOG_VERSION = "unknown"


@dataclass(frozen=True)
class Indicator:
    code: str
    name_vi: str
    name_en: str
    topic: str
    canonical_unit: str | None
    parent_code: str | None
    is_rate: bool


@dataclass(frozen=True)
class IndicatorMatch:
    code: str
    method: str  # "exact" | "alias" | "fuzzy"
    score: float  # 0..1
    alias: str  # the catalog name or alias that matched (as written in the seed)


# ------------------------------------------------------------------------------------ names

_ABBREVIATIONS = {
    "bhyt": "bảo hiểm y tế",
    "bhxh": "bảo hiểm xã hội",
    "bhtn": "bảo hiểm thất nghiệp",
    "nsnn": "ngân sách nhà nước",
    "nsđp": "ngân sách địa phương",
    "nstw": "ngân sách trung ương",
    "htx": "hợp tác xã",
    "ntm": "nông thôn mới",
    "kh": "kế hoạch",
    "vh": "văn hoá",
    "gcnqsdđ": "giấy chứng nhận quyền sử dụng đất",
    "gcnqsd": "giấy chứng nhận quyền sử dụng",
    "gcn": "giấy chứng nhận",
    "qsdđ": "quyền sử dụng đất",
    "xnk": "xuất nhập khẩu",
    "gpmb": "giải phóng mặt bằng",
    "tthc": "thủ tục hành chính",
    "cchc": "cải cách hành chính",
    "thcs": "trung học cơ sở",
    "thpt": "trung học phổ thông",
    "ttcn": "tiểu thủ công nghiệp",
    "atgt": "an toàn giao thông",
    "tngt": "tai nạn giao thông",
    "ubnd": "uỷ ban nhân dân",
    "attp": "an toàn thực phẩm",
    "vsattp": "vệ sinh an toàn thực phẩm",
    "pccc": "phòng cháy chữa cháy",
    "cccd": "căn cước công dân",
    "gpxd": "giấy phép xây dựng",
    "btxh": "bảo trợ xã hội",
    "nsdp": "ngân sách địa phương",  # NSĐP written without its đ
    "tdtt": "thể dục thể thao",
    "vphc": "vi phạm hành chính",
    "pbgdpl": "phổ biến giáo dục pháp luật",
    "ctmtqg": "chương trình mục tiêu quốc gia",
    "mtqg": "mục tiêu quốc gia",
    "dtlcp": "dịch tả lợn châu phi",
    "lmlm": "lở mồm long móng",
    "antt": "an ninh trật tự",
    "tw": "trung ương",
    "hằng": "hàng",  # "cây hằng năm" == "cây hàng năm"
    "văcxin": "vắc xin",
    "vắcxin": "vắc xin",
    "vacxin": "vắc xin",
    "vaccine": "vắc xin",
    "vacxine": "vắc xin",
    # i/y spelling pairs
    "sỹ": "sĩ",
    "kỹ": "kĩ",
    "lý": "lí",
    "mỹ": "mĩ",
    "tỷ": "tỉ",
    "ty": "tỉ",  # "Ty le" (diacritics lost)
}

# dropped wherever they occur (longest first)
_FILLER_PHRASES = [
    "trên địa bàn thành phố",
    "trên địa bàn thị xã",
    "trên địa bàn huyện",
    "trên địa bàn tỉnh",
    "trên địa bàn xã",
    "trên địa bàn",
    "qua địa bàn",
    "toàn thành phố",
    "toàn huyện",
    "toàn tỉnh",
    "của thành phố",
    "của huyện",
    "của tỉnh",
    "tính từ đầu năm",
    "từ đầu năm",
    "các loại",
    "các",
    "những",
]
# dropped at the start (repeatedly) while two or more words remain
_LEADING_FILLERS = [
    "kết quả", "tổng", "xảy ra", "ước tính", "ước", "dự ước", "dự kiến", "triển khai", "tiến hành",
    "phấn đấu", "luỹ kế", "đã", "nâng",
]  # fmt: skip
# not "thực hiện": "thực hiện tiêm vắc xin phòng COVID-19 được 60.991 mũi 01" counts first doses
# "nâng" (raise ... to) only before a total or a rate: "nâng tổng số trường học đạt chuẩn quốc gia
# lên 174 trường", "nâng tỷ lệ lao động qua đào tạo lên 59,6%"; not "nâng cao", nor "nâng diện
# tích dẻ trồng trong năm được 54 ha" (the area newly planted, not the stock)
_NANG_BEFORE = ("tổng", "tỉ lệ")
_TONG_KEEP = ("sản phẩm",)  # "tổng sản phẩm" is GRDP, not "sản phẩm"
# "cây X" at the start: "cây" is dropped unless X names a crop group
_CAY_KEEP = (
    "công nghiệp",
    "lương thực",
    "ăn quả",
    "hàng năm",
    "lâu năm",
    "trồng",
    "xanh",
    "giống",
    "dược liệu",
    "phân tán",
    "con",
    "chất bột",
    "màu",
    "lấy gỗ",
    "gỗ",
)


_SUPERSCRIPTS = re.compile(r"[\u00b9\u00b2\u00b3\u2070-\u209f]+")  # footnote markers glued to words


def _prep(text: str) -> str:
    """NFC + tone placement + casefold, original punctuation kept, superscripts dropped."""
    t = _SUPERSCRIPTS.sub(" ", unicodedata.normalize("NFC", text or ""))
    return canonical_tones(t).casefold()


def _tokens_clean(text: str) -> list[str]:
    t = re.sub(r"[^\w]+", " ", text).replace("_", " ")
    out: list[str] = []
    for w in t.split():
        if w.isascii() and w.isdigit():
            w = w.lstrip("0") or "0"
        out.extend(_ABBREV_KEYS.get(w, w).split())
    return out


def _remove_phrases(words: list[str], phrases: list[list[str]]) -> list[str]:
    out: list[str] = []
    i = 0
    n = len(words)
    while i < n:
        for ph in phrases:
            k = len(ph)
            if words[i : i + k] == ph:
                i += k
                break
        else:
            out.append(words[i])
            i += 1
    return out


@lru_cache(maxsize=65536)
def normalise_name(text: str) -> str:
    """Normalised key of an indicator name (see the module docstring for the rules)."""
    words = _tokens_clean(_prep(text))
    words = _remove_phrases(words, _FILLER_WORDS)
    words = _drop_periods(words)
    changed = True
    while changed and len(words) > 2:
        changed = False
        for lead in _LEADING_FILLERS_W:
            k = len(lead)
            if words[:k] == lead and len(words) - k >= 2:
                rest = " ".join(words[k:])
                if lead == ["tổng"] and rest.startswith(_TONG_KEEP_K):
                    continue
                if lead == ["nâng"] and not rest.startswith(_NANG_BEFORE):
                    continue
                words = words[k:]
                changed = True
                break
        if not changed and words[0] == "cây" and len(words) >= 3:
            rest = " ".join(words[1:])
            if not any(rest == k or rest.startswith(k + " ") for k in _CAY_KEEP_K):
                words = words[1:]
                changed = True
    return " ".join(words)


def _key_words(phrase: str) -> list[str]:
    return _tokens_clean(_prep(phrase))


# ---- period phrases: the period of a figure is read apart (narrative.periods), so a name that
# embeds one ("CPI tháng 01/2024", "Tổng số vốn đầu tư công được giao năm 2021", "Xuống giống vụ
# Đông Xuân 2017 - 2018", "tổng số chi ... tính đến hết tháng 6/2021") names the same indicator
_YEAR_RE = re.compile(r"^(19[5-9]\d|20[0-4]\d)$")
_QUARTERS = {"i", "ii", "iii", "iv", "1", "2", "3", "4"}


def _is_year(w: str) -> bool:
    return bool(_YEAR_RE.match(w))


def _is_small(w: str, top: int) -> bool:
    return w.isascii() and w.isdigit() and 1 <= int(w) <= top


def _period_core(words: list[str], i: int, dated: bool) -> int:
    """End index of a period or date starting at words[i] ("năm 2022", "tháng 1 2024", "quý iv",
    "6 tháng đầu năm", "2017 2018"; with ``dated`` also a bare date "31 12 2022"), else i."""
    n = len(words)
    w = words[i]
    j = i
    if w == "năm" and i + 1 < n and _is_year(words[i + 1]):
        j = i + 2
    elif w == "tháng" and i + 1 < n and _is_small(words[i + 1], 31):
        j = i + 2
        if j < n and _is_small(words[j], 12) and (j + 1 < n and _is_year(words[j + 1])):
            j += 1  # "tháng 15/01/2022" (a date written after "tháng")
        if j < n and _is_year(words[j]):
            j += 1
        elif j + 1 < n and words[j] == "năm" and _is_year(words[j + 1]):
            j += 2
    elif w == "quý" and i + 1 < n and words[i + 1] in _QUARTERS:
        j = i + 2
        if j < n and _is_year(words[j]):
            j += 1
        elif j + 1 < n and words[j] == "năm" and _is_year(words[j + 1]):
            j += 2
    elif w == "ngày" and i + 2 < n and _is_small(words[i + 1], 31) and _is_small(words[i + 2], 12):
        j = i + 3
        if j < n and _is_year(words[j]):
            j += 1
    elif dated and i + 2 < n and _is_small(w, 31) and _is_small(words[i + 1], 12) and _is_year(words[i + 2]):
        j = i + 3
    elif _is_year(w):
        j = i + 1
    elif _is_small(w, 12) and i + 1 < n and words[i + 1] == "tháng":
        k = i + 2
        if k + 1 < n and words[k] in ("đầu", "cuối") and words[k + 1] == "năm":
            j = k + 2
        elif k + 1 < n and words[k] == "năm" and _is_year(words[k + 1]):
            j = k
        elif k == n:
            j = k  # "Tổng mức bán lẻ hàng hoá 9 tháng"
    if j > i and j < n and _is_year(words[j]) and w != "ngày":
        j += 1  # a range "2017 - 2018"
    return j


_PERIOD_LEADS = ("trong", "tính", "đến", "tới", "hết")


def _drop_periods(words: list[str]) -> list[str]:
    """The words without period and date phrases, and "trong năm" / "trong tháng" / "trong quý"
    / "trong kỳ" (not "trong năm học"); a lead ("trong", "tính đến hết", "đến") goes with them."""
    out: list[str] = []
    i, n = 0, len(words)
    while i < n:
        k = i
        while k < n and words[k] in _PERIOD_LEADS and k - i < 3:
            k += 1
        dated = k > i and words[k - 1] in ("đến", "tới", "hết")
        j = _period_core(words, k, dated) if k < n else k
        if j == k and k > i and words[i] == "trong" and k == i + 1 and k < n and \
                words[k] in ("năm", "tháng", "quý", "kỳ") and not (k + 1 < n and words[k + 1] == "học"):
            j = k + 1
        if j > k and words[i] == "trong" and out and out[-1] == "trồng":
            # kept: "diện tích dẻ trồng trong năm 2022" is the area newly planted, not the stock
            out.extend(words[i:j])
            i = j
            continue
        if j > k:
            i = j
            continue
        out.append(words[i])
        i += 1
    return out


_ABBREV_KEYS: dict[str, str] = {}
for _k, _v in _ABBREVIATIONS.items():
    _ABBREV_KEYS[_prep(_k)] = _prep(_v)
_FILLER_WORDS = sorted((_key_words(p) for p in _FILLER_PHRASES), key=len, reverse=True)
_LEADING_FILLERS_W = [_key_words(p) for p in _LEADING_FILLERS]
_TONG_KEEP_K = tuple(" ".join(_key_words(p)) for p in _TONG_KEEP)
_CAY_KEEP_K = tuple(" ".join(_key_words(p)) for p in _CAY_KEEP)

# ------------------------------------------------------------------------------------ units

_SUP = str.maketrans({"²": "2", "³": "3", "⁰": "0", "¹": "1"})
_UNIT_WORDS = {
    "tr": "triệu",
    "trđ": "triệu đồng",
    "ngàn": "nghìn",
    "tỉ": "tỷ",
    "đ": "đồng",
    "vnđ": "đồng",
    "vnd": "đồng",
    "usd": "USD",
    "kwh": "kWh",
    "sỹ": "sĩ",
}
_UNIT_PARTS = {
    "héc ta": "ha",
    "hécta": "ha",
    "hecta": "ha",
    "hec ta": "ha",
    "triệu": "triệu đồng",
    "tỷ": "tỷ đồng",
    "nghìn": "nghìn đồng",
    "giường": "giường bệnh",
    "htx": "hợp tác xã",
    "lượt người": "lượt",
    "lượt khách": "lượt",
    "lần": "lượt",
    "phần trăm": "%",
    "điểm %": "điểm phần trăm",
    "điểm phần trăm": "điểm phần trăm",
    "đpt": "điểm phần trăm",
    "mũi": "liều",
    "mũi tiêm": "liều",
    "gcnqsd": "giấy chứng nhận",
    "gcnqsdđ": "giấy chứng nhận",
    "gcn": "giấy chứng nhận",
    "giấy chứng nhận quyền sử dụng đất": "giấy chứng nhận",
    "ca mắc": "ca",
    "kilôgam": "kg",
    "kilogam": "kg",
    "kí lô gam": "kg",
    "mét": "m",
    "mét vuông": "m2",
    "mét khối": "m3",
    "ki lô mét": "km",
    "kilômét": "km",
    "dân": "người",
    "nhân khẩu": "người",
    "công dân": "người",
    "lao động": "người",
    "10000 dân": "vạn dân",
    "10.000 dân": "vạn dân",
}


@lru_cache(maxsize=4096)
def normalise_unit(unit: str | None) -> str | None:
    """Canonical spelling of a unit as written ("tạ /ha" -> "tạ/ha", "Tr.đ" -> "triệu đồng",
    "tỷ" -> "tỷ đồng", "m<sup>2</sup>" -> "m2", "1 vạn dân" -> "vạn dân"); None/"" -> None."""
    if unit is None:
        return None
    u = unicodedata.normalize("NFC", unit)
    u = re.sub(r"<sup>\s*(\d)\s*</sup>", r"\1", u, flags=re.I).translate(_SUP)
    u = re.sub(r"\s+", " ", u).strip()
    if not u:
        return None
    parts = []
    for i, raw in enumerate(u.split("/")):
        p = canonical_tones(raw).lower().strip()
        if p in ("%", "phần trăm"):
            parts.append("%")
            continue
        if p in _UNIT_PARTS:
            p = _UNIT_PARTS[p]
        else:
            words = []
            for w in re.split(r"[\s.]+", p):
                if not w:
                    continue
                words.extend(_UNIT_WORDS.get(w, w).split())
            p = " ".join(words)
            p = _UNIT_PARTS.get(p, p)
        if i > 0:
            p = re.sub(r"^0*1 ", "", p)  # "triệu đồng/1 ha", "giường bệnh/1 vạn dân"
            p = _UNIT_PARTS.get(p, p)
        parts.append(p)
    out = "/".join(x for x in parts if x)
    return out or None


def _split_unit(u: str) -> list[str]:
    return u.split("/")


def unit_factor(from_unit: str | None, to_unit: str | None) -> Decimal | None:
    """Factor f with value_in_to_unit = value_in_from_unit * f: 1 when the units are equal after
    normalise_unit, the unit_conversions.csv factor (also for X/Y units whose denominators
    are equal or whose numerators are equal), None when not convertible or unknown."""
    return _catalog().unit_factor(from_unit, to_unit)


def units_compatible(unit: str | None, canonical_unit: str | None) -> bool:
    """True when a figure in `unit` can be an indicator measured in `canonical_unit`: the unit is
    unknown, equal or convertible (a trailing "/năm" is optional), or it is the bare numerator
    of a per-X canonical unit ("triệu đồng" for "triệu đồng/người")."""
    return _catalog().units_compatible(unit, canonical_unit)


# ------------------------------------------------------------------------------------ catalog

_MEASURES = {
    "diện tích": [
        "diện tích",
        "diện tích thực hiện",
        "diện tích gieo trồng",
        "diện tích gieo trồng được",
        "gieo trồng",
        "gieo trồng được",
        "gieo cấy",
        "diện tích gieo cấy",
        "trồng",
        "trồng được",
        "diện tích trồng",
        "diện tích trồng được",
        "diện tích trồng hiện có",
        "diện tích hiện có",
        "tổng diện tích",
        "diện tích ước đạt",
    ],
    "năng suất": ["năng suất", "năng suất bình quân", "năng suất ước đạt", "năng suất đạt"],
    "sản lượng": ["sản lượng", "sản lượng thu hoạch", "tổng sản lượng", "sản lượng ước đạt", "sản lượng đạt"],
    "đàn": ["đàn", "tổng đàn", "số con", "số lượng", "số đầu con"],
}
# unit (normalised) -> measure word for a bare subject
_UNIT_MEASURE = {
    "ha": "diện tích",
    "m2": "diện tích",
    "km2": "diện tích",
    "tạ/ha": "năng suất",
    "tấn/ha": "năng suất",
    "tấn": "sản lượng",
    "tạ": "sản lượng",
    "kg": "sản lượng",
    "nghìn tấn": "sản lượng",
}  # not "con" -> "đàn": a bare "Trâu ... con" may count deaths, vaccinations, sales

# words that may never be the leftover of a fuzzy match (they change the meaning)
_HARD_WORDS = """
thu chi xuất nhập khẩu cận nghèo tăng giảm thêm không chưa mới nam nữ thành thị nông thôn đô
tỉ lệ tốc độ bình quân đầu người hộ xã trường lượt vụ ca con diện tích sản lượng năng suất giá trị
đàn mũi nâng cao duy trì xuân hè thu mùa đông lúa ngô sắn khoai lang tây đỗ đậu tương lạc thuốc lá
mía rau chè cam quýt trâu bò lợn gà vịt ngựa dê gia cầm súc rừng phòng hộ thuỷ hải gỗ điện nước
tiểu học mầm non trung cơ sở phổ thông bác sĩ giường dưới trên từ tối thiểu đa chiều thường xuyên
đầu tư phát triển dự nội địa ngoài quốc doanh nhà nước tư nhân vốn ngân sách trung ương
địa phương tỉnh huyện mức bán lẻ giám sát công nghiệp xây dựng dịch vụ thuế chết thương mắc
tiêu huỷ khỏi điều trị tiêm grdp kinh tế cấu 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19
"""
# words that may be added or left out freely in a fuzzy match
_SOFT_WORDS = {
    "được", "đã", "là", "đạt", "và", "của", "hiện", "có",
    "ước", "tính", "đến", "nay", "cuối", "lũy", "luỹ", "kế", "chung", "toàn", "bộ",
}


_SOFT_FOLDED = {fold_ascii(w) for w in _SOFT_WORDS}


@lru_cache(maxsize=65536)
def _fold(text: str) -> str:
    return fold_ascii(text)


_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


@lru_cache(maxsize=65536)
def _untone(word: str) -> str:
    """The word without its tone mark (vowel marks kept): "đấu" -> "đâu", "sắn" -> "săn"."""
    return unicodedata.normalize("NFC", "".join(ch for ch in unicodedata.normalize("NFD", word) if ch not in _TONE_MARKS))


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(f)]


class _Catalog:
    def __init__(self, directory: Path):
        self.directory = directory
        self.indicators: dict[str, Indicator] = {}
        for r in _read_csv(directory / "indicator_catalog.csv"):
            code = r["indicator_code"]
            self.indicators[code] = Indicator(
                code=code,
                name_vi=unicodedata.normalize("NFC", r["name_vi"]),
                name_en=r["name_en"],
                topic=r["topic"],
                canonical_unit=normalise_unit(r["canonical_unit"]) if r["canonical_unit"] else None,
                parent_code=r["parent_code"] or None,
                is_rate=r["is_rate"].lower() in ("true", "1", "yes", "t"),
            )
        # key -> {code: (method, alias as written)}
        self.keys: dict[str, dict[str, tuple[str, str]]] = {}
        for ind in self.indicators.values():
            self._add_key(ind.name_vi, ind.code, "exact")
        self.alias_rows: list[tuple[str, str]] = []
        for r in _read_csv(directory / "indicator_aliases.csv"):
            alias = unicodedata.normalize("NFC", r["alias"])
            self.alias_rows.append((r["indicator_code"], alias))
            if r["indicator_code"] in self.indicators:
                self._add_key(alias, r["indicator_code"], "alias")
        # conversions, with their transitive closure
        conv: dict[tuple[str, str], Decimal] = {}
        for r in _read_csv(directory / "unit_conversions.csv"):
            a, b = normalise_unit(r["from_unit"]), normalise_unit(r["to_unit"])
            if a and b and a != b:
                try:
                    conv[(a, b)] = Decimal(r["factor"])
                except InvalidOperation:
                    continue
        for (a, b), f in list(conv.items()):
            if (b, a) not in conv and f != 0:
                conv[(b, a)] = Decimal(1) / f
        units = {u for pair in conv for u in pair}
        for k in units:
            for i in units:
                if (i, k) not in conv:
                    continue
                for j in units:
                    if i != j and (k, j) in conv and (i, j) not in conv:
                        conv[(i, j)] = conv[(i, k)] * conv[(k, j)]
        self.conversions = conv
        # fuzzy index: unambiguous keys with three or more content words
        self.fuzzy_keys: list[str] = [
            k for k, codes in self.keys.items() if len(codes) == 1 and len(self._content(k.split())) >= 2
        ]
        self.fuzzy_content: list[list[str]] = [self._content(k.split()) for k in self.fuzzy_keys]
        self.fuzzy_folded_content: list[str] = [_fold(" ".join(c)) for c in self.fuzzy_content]
        self.token_index: dict[str, set[int]] = {}
        for i, words in enumerate(self.fuzzy_content):
            for w in words:
                self.token_index.setdefault(_fold(w), set()).add(i)
        self.hard_words: set[str] = set(_key_words(_HARD_WORDS))
        for ind in self.indicators.values():
            if ind.topic in ("agriculture", "livestock", "forestry", "fishery"):
                self.hard_words.update(normalise_name(ind.name_vi).split())

    def _add_key(self, text: str, code: str, method: str) -> None:
        # a catalog name also without its parenthesised part ("... (GRDP)"); an alias only as
        # written: its parentheses may carry the meaning ("Thu nộp ngân sách (xử lý vi phạm
        # giao thông)")
        variants = {text, _drop_parens(text)} if method == "exact" else {text}
        for variant in variants:
            key = normalise_name(variant)
            if not key:
                continue
            m = method if variant == text else "alias"
            slot = self.keys.setdefault(key, {})
            if code not in slot or (slot[code][0] != "exact" and m == "exact"):
                slot[code] = (m, text)

    @staticmethod
    def _content(words: list[str]) -> list[str]:
        return [w for w in words if w not in _SOFT_WORDS and not (w.isascii() and w in _SOFT_FOLDED)]

    # -------------------------------------------------------------------- units
    def unit_factor(self, from_unit: str | None, to_unit: str | None) -> Decimal | None:
        a, b = normalise_unit(from_unit), normalise_unit(to_unit)
        if not a or not b:
            return None
        if a == b:
            return Decimal(1)
        f = self.conversions.get((a, b))
        if f is not None:
            return f
        pa, pb = _split_unit(a), _split_unit(b)
        if len(pa) == len(pb) and len(pa) > 1:
            if pa[1:] == pb[1:]:
                return self.unit_factor(pa[0], pb[0])
            if pa[0] == pb[0] and len(pa) == 2:
                g = self.unit_factor(pa[1], pb[1])
                return None if g is None or g == 0 else Decimal(1) / g
        return None

    def units_compatible(self, unit: str | None, canonical: str | None) -> bool:
        u, c = normalise_unit(unit), normalise_unit(canonical)
        if not u or not c:
            return True
        if self.unit_factor(u, c) is not None:
            return True
        us, cs = _strip_per_year(u), _strip_per_year(c)
        if (us, cs) != (u, c) and self.unit_factor(us, cs) is not None:
            return True
        if "/" in cs and "/" not in us and cs.split("/")[0] == us:
            return True
        return False

    # -------------------------------------------------------------------- matching
    def resolve(self, code: str, unit: str | None) -> str | None:
        """The code to return for a candidate, given the figure's unit (None if it does not fit)."""
        ind = self.indicators.get(code)
        if ind is None:
            return None
        u = normalise_unit(unit)
        if u == "%" and not ind.is_rate:
            growth = self.indicators.get(f"{code}_growth")
            return growth.code if growth is not None and growth.is_rate else None
        return code if self.units_compatible(u, ind.canonical_unit) else None

    def lookup(self, key: str, unit: str | None) -> tuple[str, str, str] | None:
        slot = self.keys.get(key)
        if not slot or len(slot) != 1:
            return None  # unknown or ambiguous key
        (code, (method, alias)), = slot.items()
        target = self.resolve(code, unit)
        if target is None:
            return None
        if target != code:
            method = "alias"
        return target, method, alias

    def fuzzy(self, key: str, unit: str | None) -> tuple[str, float, str] | None:
        q = key.split()
        qc = self._content(q)
        if len(qc) < 3:
            return None
        # pre-select on words without diacritics: all but one of the text's words must occur
        qf = {_fold(w) for w in qc}
        hits: dict[int, int] = {}
        for t in qf:
            for i in self.token_index.get(t, ()):
                hits[i] = hits.get(i, 0) + 1
        need = max(2, len(qf) - 1)
        best: list[tuple[float, str, str]] = []
        folded_query = any(w.isascii() and not w.isdigit() for w in qc)
        for i in sorted(i for i, n in hits.items() if n >= need):
            cand, ac = self.fuzzy_keys[i], self.fuzzy_content[i]
            # the text may not add words, and may leave out at most one
            if not (len(ac) - 1 <= len(qc) <= len(ac)) or not self._structural_ok(qc, ac):
                continue
            if folded_query:
                score = fuzz.token_sort_ratio(_fold(" ".join(qc)), self.fuzzy_folded_content[i]) / 100.0
            else:
                score = fuzz.token_sort_ratio(" ".join(qc), " ".join(ac)) / 100.0
            if score < 0.8:
                continue
            (code, (_m, alias)), = self.keys[cand].items()
            target = self.resolve(code, unit)
            if target is None:
                continue
            best.append((score, target, alias))
        if not best:
            return None
        best.sort(key=lambda t: -t[0])
        top = best[0]
        rivals = {c for s, c, _ in best if s >= top[0] - 0.02 and c != top[1]}
        if rivals:
            return None
        return top[1], round(min(top[0], 0.99), 3), top[2]

    def _structural_ok(self, q: list[str], a: list[str]) -> bool:
        rest_q = list(q)
        missing: list[str] = []
        for w in a:
            if w in rest_q:
                rest_q.remove(w)
                continue
            hit = None
            fw = _fold(w)
            tw = _untone(w)
            for x in rest_q:
                if x.isascii() and _fold(x) == fw:  # diacritics lost
                    hit = x
                    break
                if len(w) >= 3 and w not in self.hard_words and _untone(x) == tw:  # a wrong tone mark
                    hit = x
                    break
                if len(w) >= 5 and len(x) >= 5 and fuzz.ratio(w, x) >= 85:
                    hit = x
                    break
            if hit is not None:
                rest_q.remove(hit)
            else:
                missing.append(w)
        if rest_q:
            return False  # extra content words in the text narrow or change the meaning
        allow = 1 if len(a) >= 9 else 0  # a long descriptive name may lose one qualifier
        if len(missing) > allow:
            return False
        return not any(w in self.hard_words for w in missing)


def _strip_per_year(u: str) -> str:
    return u[: -len("/năm")] if u.endswith("/năm") else u


def _drop_parens(text: str) -> str:
    t = re.sub(r"\([^()]*\)", " ", text or "")
    return re.sub(r"\s+", " ", t).strip()


_DASH_SPLIT = re.compile(r"\s+[-–—]\s+")


@lru_cache(maxsize=8)
def _load(directory: str) -> _Catalog:
    return _Catalog(Path(directory))


def _catalog() -> _Catalog:
    # per figure of every report: the seeds' folder is resolved once per setting, not per call
    return _load(str(_seeds_dir_for(os.environ.get("VNREPORTS_CATALOG_DIR"), os.environ.get("DBT_PROJECT_DIR"),
                                    os.getcwd())))


@lru_cache(maxsize=8)
def _seeds_dir_for(catalog_dir: str | None, dbt_dir: str | None, cwd: str) -> Path:  # noqa: ARG001 - keys
    return seeds_dir()


def current_version() -> str:
    """The version of the seed files as they are now; a long-running process (an Airflow worker,
    `dags test`) whose files changed since import re-reads them (CATALOG_VERSION follows)."""
    global CATALOG_VERSION
    version = catalog_version()
    if version != CATALOG_VERSION:
        _load.cache_clear()
        normalise_unit.cache_clear()
        CATALOG_VERSION = version
    return version


def load_catalog(directory: str | Path | None = None) -> _Catalog:
    """The parsed catalog of a seeds directory (default: the project's), cached."""
    return _load(str(Path(directory).resolve() if directory is not None else seeds_dir()))


def get_indicator(code: str) -> Indicator | None:
    return _catalog().indicators.get(code)


def indicators() -> list[Indicator]:
    return list(_catalog().indicators.values())


def aliases() -> list[tuple[str, str]]:
    """(indicator_code, alias) rows of indicator_aliases.csv."""
    return list(_catalog().alias_rows)


def _measure_of(key: str) -> str | None:
    for measure, forms in _MEASURE_KEYS.items():
        if key in forms:
            return measure
    return None


_MEASURE_KEYS: dict[str, set[str]] = {}


def _init_measures() -> None:
    for m, forms in _MEASURES.items():
        _MEASURE_KEYS[m] = {" ".join(_key_words(f)) for f in forms} | {normalise_name(f) for f in forms}


_init_measures()


def _strip_cay(key: str) -> str:
    if key.startswith("cây "):
        rest = key[4:]
        if not any(rest == k or rest.startswith(k + " ") for k in _CAY_KEEP_K):
            return rest
    return key


def _compositions(head: str, tail: str) -> list[str]:
    """Normalised keys for the elliptical "<head> - <tail>" name."""
    hk, tk = normalise_name(head), normalise_name(tail)
    hraw = " ".join(_key_words(head))
    traw = " ".join(_key_words(tail))
    keys = [normalise_name(f"{head} {tail}"), normalise_name(f"{tail} {head}")]
    m = _measure_of(traw) or _measure_of(tk)
    if m:
        keys.append(normalise_name(f"{m} {_strip_cay(hraw)}"))
        keys.append(normalise_name(f"{m} cây {_strip_cay(hraw)}"))
    m = _measure_of(hraw) or _measure_of(hk)
    if m:
        keys.append(normalise_name(f"{m} {_strip_cay(traw)}"))
    # a total split by crop or species: "Diện tích gieo trồng > Ngô" -> "diện tích ngô",
    # "Tổng đàn gia súc > Trâu" -> "đàn trâu"; not when the total names a season, which the
    # crop alone would lose ("Diện tích vụ Đông Xuân > Lúa" is spring rice, not rice)
    hw = hk.split()
    for measure in ("diện tích", "sản lượng", "năng suất", "đàn"):
        mw = measure.split()
        if hw[: len(mw)] == mw and not _SEASON_WORDS.intersection(hw) and not _measure_of(traw):
            keys.append(normalise_name(f"{measure} {_strip_cay(traw)}"))
    return keys


_SEASON_WORDS = {"xuân", "hè", "thu", "mùa", "đông", "vụ"}


# Tree crops: "trồng (được, mới) X ha" of them is new planting, while for an annual crop it is the sown area.
_PERENNIALS = ("cam", "quyt", "buoi", "chanh", "cay an qua", "che", "que", "hoi", "thong", "keo", "rung", "mac ca",
               "de", "le", "man", "dao", "nhan", "vai", "xoai", "ca phe", "ho tieu", "cao su", "dieu", "tre", "luong",
               "truc", "sa nhan", "thach den", "hoe", "cay lau nam", "cay go")


def _is_perennial(subject_key: str) -> bool:
    words = f" {fold_ascii(subject_key)} "
    return any(f" {p} " in words for p in _PERENNIALS)


def _leading_measure(text: str, unit: str | None) -> list[str]:
    """Keys for a bare subject whose unit gives the measure, or a name starting with a measure."""
    raw = " ".join(_key_words(text))
    keys = []
    u = normalise_unit(unit)
    m = _UNIT_MEASURE.get(u or "")
    if m and not (_measure_of(raw) or _measure_of(normalise_name(text))):  # a subject, not a measure word
        keys.append(normalise_name(f"{m} {_strip_cay(raw)}"))
    words = raw.split()
    for n in (3, 2, 1):
        if len(words) > n:
            lead = " ".join(words[:n])
            mm = _measure_of(lead)
            if mm == "diện tích" and fold_ascii(lead).startswith("trong") and _is_perennial(" ".join(words[n:])):
                break  # "trồng được 16,8 ha cây cam, quýt": newly planted this period, not the standing area
            if mm and (m is None or mm == m):
                keys.append(normalise_name(f"{mm} {_strip_cay(' '.join(words[n:]))}"))
                break
    return keys


def match_indicator(text: str, unit: str | None = None, context: Sequence[str] = ()) -> IndicatorMatch | None:
    """Canonical indicator for a name as written (see the module docstring), or None."""
    if not text or not text.strip():
        return None
    return _match(_catalog(), text, unit, tuple(context or ()))


@lru_cache(maxsize=32768)
def _match(cat: _Catalog, text: str, unit: str | None, context: tuple[str, ...]) -> IndicatorMatch | None:
    text = unicodedata.normalize("NFC", text)
    variants = [text]
    nop = _drop_parens(text)
    if nop and nop != text:
        variants.append(nop)

    # 1. exact, on the text and without parenthesised parts
    for i, v in enumerate(variants):
        hit = cat.lookup(normalise_name(v), unit)
        if hit:
            code, method, alias = hit
            return IndicatorMatch(code, method if i == 0 else "alias", 1.0 if i == 0 else 0.98, alias)

    # 2. "<head> - <tail>" compositions, within the text then with the context as head
    composed: list[str] = []
    for v in variants:
        parts = _DASH_SPLIT.split(v)
        for i in range(1, len(parts)):
            composed.extend(_compositions(" - ".join(parts[:i]), " - ".join(parts[i:])))
    for key in composed:
        hit = cat.lookup(key, unit)
        if hit:
            return IndicatorMatch(hit[0], "alias", 0.95, hit[2])

    ctx = [c for c in context if c and c.strip()]
    ctx_keys: list[str] = []
    for c in reversed(ctx):
        for v in variants:
            ctx_keys.extend(_compositions(c, v))
            cnop = _drop_parens(c)
            if cnop != c:
                ctx_keys.extend(_compositions(cnop, v))
    for key in ctx_keys:
        hit = cat.lookup(key, unit)
        if hit:
            return IndicatorMatch(hit[0], "alias", 0.93, hit[2])

    # 3. a name starting with a measure word; a bare subject whose unit gives the measure
    #    (only without context: under a table parent the parent says what the row counts)
    for v in variants:
        for key in _leading_measure(v, unit if not ctx else None):
            hit = cat.lookup(key, unit)
            if hit:
                return IndicatorMatch(hit[0], "alias", 0.92, hit[2])

    # 4. fuzzy, on the text, then on the compositions
    for key in dict.fromkeys([normalise_name(v) for v in variants] + composed):
        f = cat.fuzzy(key, unit)
        if f:
            return IndicatorMatch(f[0], "fuzzy", f[1], f[2])
    for key in dict.fromkeys(ctx_keys):
        f = cat.fuzzy(key, unit)
        if f:
            return IndicatorMatch(f[0], "fuzzy", round(f[1] * 0.98, 3), f[2])
    return None


__all__ = [
    "CATALOG_FILES",
    "current_version",
    "CATALOG_VERSION",
    "Indicator",
    "IndicatorMatch",
    "aliases",
    "catalog_version",
    "get_indicator",
    "indicators",
    "load_catalog",
    "match_indicator",
    "normalise_name",
    "normalise_unit",
    "seeds_dir",
    "unit_factor",
    "units_compatible",
]
