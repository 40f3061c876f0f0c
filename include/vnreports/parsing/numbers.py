"""Vietnamese number parsing for report cells.

Convention in Vietnamese government documents: "." groups thousands, "," is the decimal mark.

    "1.949,545" -> 1949.545     "2.018" -> 2018       "25,350" -> 25.350
    "-3,21"     -> -3.21        "100"   -> 100        "95,4%"  -> 95.4

Rules, in order:
  * NFC, trim; footnote markers are removed from the ends first: Unicode superscripts
    ("39,48¹"), "*", "(*)", and a superscript-looking "(1)" glued after a number is NOT removed
    (it is ambiguous), so "39,48(1)" stays text.
  * a trailing "%" is dropped (the unit column says what the figure is).
  * Unicode minus / en dash before a digit is a minus sign.
  * with both "." and ",": the later one is the decimal mark ("1.234,5" VN, "1,234.5" EN).
  * only ",": one comma is a decimal comma ("25,350" = 25.35); several commas are
    thousands groups ("1,234,567").
  * only ".": groups of exactly three digits after every dot are thousands ("2.018" = 2018,
    "1.234.567"); otherwise it is a decimal point ("3.5" from non-VN producers).
  * non-breaking / thin spaces between digit groups of three are thousands separators;
    an ordinary space between numbers means two values and the cell is text.
  * ranges ("16-32", "16 - 32"), comparisons ("≥95", "> 5", "trên 90"), and words
    ("Đảm bảo", "Đạt") are not numbers: value_number None, value_text keeps the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .textutil import SUPERSCRIPT_CHARS, clean_line

_DASHES = "\u2212\u2013\u2012\u2010\u2011"  # minus, en dash, figure dash, hyphens
_GROUP_SPACES = "\u00a0\u202f\u2009\u2007"

_VN_THOUSANDS = re.compile(r"^\d{1,3}(?:\.\d{3})+(?:,\d+)?$")
_VN_DECIMAL = re.compile(r"^\d+(?:,\d+)?$")
_EN_THOUSANDS = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_DOT_DECIMAL = re.compile(r"^\d+\.\d+$")
_DOTS_THOUSANDS = re.compile(r"^\d{1,3}(?:\.\d{3})+$")
_RANGE = re.compile(r"^[+\-]?\d[\d.,]*\s*[-\u2013\u2014~÷]\s*\d[\d.,]*\s*%?$")
_TRAILING_FOOTNOTE = re.compile(r"(?:\(\*+\)|\*+)$")


@dataclass(frozen=True)
class CellValue:
    """Reading of a value cell: a number, or text kept as text."""

    number: Decimal | None
    text: str | None  # None when the cell is a plain number
    kind: str  # "number" | "range" | "text" | "empty"


def strip_footnote_markers(text: str) -> str:
    """Remove footnote markers glued to the ends of a figure: superscripts, '*', '(*)'."""
    t = text.strip()
    changed = True
    while changed and t:
        changed = False
        if t[-1] in SUPERSCRIPT_CHARS:
            t = t[:-1].rstrip()
            changed = True
        elif t[0] in SUPERSCRIPT_CHARS:
            t = t[1:].lstrip()
            changed = True
        else:
            m = _TRAILING_FOOTNOTE.search(t)
            if m and m.start() > 0 and re.search(r"\d", t[: m.start()]):
                t = t[: m.start()].rstrip()
                changed = True
    return t


def _normalise(text: str) -> str:
    t = clean_line(text) if not any(c in text for c in _GROUP_SPACES) else text.strip()
    t = strip_footnote_markers(t)
    # thin / non-breaking spaces between groups of three digits are thousands separators
    t = re.sub(r"(?<=\d)[" + _GROUP_SPACES + r"](?=\d{3}(?!\d))", "", t)
    t = clean_line(t)
    if t and t[0] in _DASHES and len(t) > 1 and (t[1].isdigit() or t[1] == " "):
        t = "-" + t[1:]
    # "- 3,21" -> "-3,21" only when a single number follows
    m = re.match(r"^([+\-])\s+(\d[\d.,]*%?)$", t)
    if m:
        t = m.group(1) + m.group(2)
    return t


def is_vn_formatted(text: str) -> bool:
    """Whether the text is one number written strictly as Vietnamese numbers are ("7.111",
    "98,5", "-3,21", "5%"); parse_vn_number also reads English and ambiguous forms ("210.4"),
    which OCR produces when it takes a comma for a dot."""
    t = _normalise(text).removesuffix("%").rstrip().lstrip("+-")
    return bool(_VN_THOUSANDS.match(t) or _VN_DECIMAL.match(t))


def parse_vn_number(text: str | None) -> Decimal | None:
    """Parse one Vietnamese-formatted number; None if the text is not exactly one number."""
    if text is None:
        return None
    t = _normalise(text)
    if t.endswith("%"):
        t = t[:-1].rstrip()
    if not t:
        return None
    sign = ""
    if t[0] in "+-":
        sign = "-" if t[0] == "-" else ""
        t = t[1:]
    if not t or not t[0].isdigit():
        return None
    if "." in t and "," in t:
        if t.rfind(",") > t.rfind("."):
            if not _VN_THOUSANDS.match(t):
                return None
            canon = t.replace(".", "").replace(",", ".")
        else:
            if not _EN_THOUSANDS.match(t):
                return None
            canon = t.replace(",", "")
    elif "," in t:
        if _VN_DECIMAL.match(t):
            canon = t.replace(",", ".")
        elif _EN_THOUSANDS.match(t):
            canon = t.replace(",", "")
        else:
            return None
    elif "." in t:
        if _DOTS_THOUSANDS.match(t):
            canon = t.replace(".", "")
        elif _DOT_DECIMAL.match(t):
            canon = t
        else:
            return None
    else:
        if not t.isdigit():
            return None
        canon = t
    try:
        return Decimal(sign + canon)
    except InvalidOperation:  # pragma: no cover - regexes above admit only digits
        return None


def parse_cell_value(text: str | None) -> CellValue:
    """Classify a value cell: number, range, text or empty."""
    raw = clean_line(text)
    # A lone dash is the tables' "no figure" placeholder, not a value.
    if not raw or raw in ("-", "–", "—", "--"):
        return CellValue(None, None, "empty")
    num = parse_vn_number(text)
    if num is not None:
        return CellValue(num, None, "number")
    stripped = strip_footnote_markers(raw)
    if _RANGE.match(stripped):
        return CellValue(None, raw, "range")
    return CellValue(None, raw, "text")


def looks_numeric(text: str | None) -> bool:
    """True when the text is a number (or a numeric range) in any accepted notation."""
    v = parse_cell_value(text)
    return v.kind in ("number", "range")
