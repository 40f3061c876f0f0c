"""Tables that arrived as flowed text: no ruling lines, no column alignment.

Word processors that lose a table's structure on export (or "convert table to text") write it
as a stream of lines that all start at the left margin: the header cells one after another
("TT Các chỉ tiêu chủ yếu ĐVT", "Chỉ tiêu kế hoạch", "2022", "Kết quả", "thực", "hiện", ...),
then every body row as a run of words ("3 Tổng thu ngân sách tỷ đồng 67,76 61,76 70,05
103,4 113,4 Vượt KH"), where line breaks inside a cell are kept and cells are separated by
blanks. Empty cells leave no text, only a wider blank. This module rebuilds such tables with
general rules; whenever a row's figures cannot be placed in exactly one way it emits no row
(and a warning) rather than a shifted figure.

Header
  It starts at a line opening with "TT" / "STT" / "Số TT" (or a short "Chỉ tiêu" / "Nội dung"
  line) and ends before the first body line (a row label followed by a capitalised word, a
  figure, or a numbering row "1 2 3 ..."). Its words are cut into cells: a new cell starts at a
  capitalised word at the start of a line, or at a header keyword written with a capital inside a
  line (TT, "Các chỉ tiêu", ĐVT, Ghi chú, Kế hoạch, KH, HĐND, So với ...), unless the cell so
  far ends with a word that needs a continuation ("so với", "của", "ước" ...) or an open
  parenthesis. A two-level header comes out as the first-level cells followed by the leaves of
  the merged cells; the split point and which first-level cells are groups are chosen so that
  the leaves fit their group best (plan leaves "HĐND giao" under a plan group, "So với ..."
  leaves under a ratio group), and only a unique best fit is accepted. Every leaf column must
  get a known role (columns.classify_columns), with an indicator column and a figure column.

Body rows
  A row starts at a line beginning with a row label followed by a capitalised word (or a label
  alone on its line before a capitalised line), or at a capitalised line once the current row
  has its figures / verdict. Other lines continue the row: wrapped names, unit lines
  ("tr. đồng" / "/người/" / "năm"), figure lines, verdict lines ("Vượt KH", "Vượt Kế" /
  "hoạch"), and any line that only broke because the line above was full (its first word would
  not have fitted: a soft wrap). Of a row's words, the trailing verdict phrase (Đạt, Không đạt,
  Vượt KH, ...), an optional note after it on the same line, and the run of figures before it
  form the tail; the words before are the indicator, whose longest suffix that is a known unit
  ("%", "tỷ đồng", "tr. đồng/người/năm", "Tiêu chí", "HTX" ...) is the unit. The table ends
  before running text: a row with no label, no tail and no closing ":" (a single short such
  line between two rows is dropped with a warning: a note or a heading, cannot tell). A header
  repeated on the next page is skipped.

Placing the figures
  Blanks between tail items are measured in space widths (counted space characters, or the
  gap width when the PDF has none) and read with a model fitted per table: a blank is
  s + k*d + t for k empty cells, t in [0, n] being a trailing space some cells keep. Blanks
  known to separate filled neighbours (figures of full rows, label -> name, name -> unit) give s
  and n; the narrowest wider blank gives d (taken larger than n: empty cells must stand out
  from the noise). Each blank thus allows a set of empty-cell counts (a blank across a line
  break allows any). Every order-preserving placement of the tail items in the figure / verdict
  / note columns within those sets is a candidate; a candidate whose stated ratios contradict
  their operands ("So với KH" = result / plan x 100, allowing for the operands' rounding) is
  ruled out; the one confirming the most ratios wins. No row is emitted (a warning says why) on
  a tie, more figures than columns, a wide blank inside the indicator text (text values such as
  "Đảm bảo"), a figure right after an unrecognised unit, or a unit that is also a noun
  ("người", "xã") followed by a wide blank when the ratios cannot tell an empty unit cell from
  an empty first figure cell. A table with fewer than two placed rows, or more rows skipped
  than placed, is not emitted at all.

Provenance: a cell's page is that of its first word and its bbox the box of its words' chars on
that page (row 9 of a table may start on one page and have its figures on the next).
"""

from __future__ import annotations

import re
import statistics
from bisect import bisect_left
from dataclasses import dataclass, replace
from decimal import Decimal
from itertools import combinations

from .columns import ReportContext, classify_columns
from .model import TableColumn
from .numbers import parse_cell_value
from .pdftext import Char, Line
from .tables import (
    CAPTION_START,
    NUMBERING_TOKEN,
    PAGE_NUMBER,
    Fragment,
    GCell,
    LogicalTable,
    caption_from_lines,
    inside,
    is_numbering_row,
)
from .textutil import clean_line, fold_ascii, is_roman, match_key

BBox = tuple[float, float, float, float]

MAX_HEADER_LINES = 45
MAX_HEADER_CELLS = 24
MAX_ROW_LINES = 8
MAX_NAME_CHARS = 220

# --------------------------------------------------------------------------- vocabulary

_LABEL = re.compile(
    r"^(?:[IVXLC]{1,6}\.?|\d{1,3}\.?|\d{1,3}(?:\.\d{1,3})+\.?|[a-zđ]\)|\(\d{1,3}\)|\d{1,3}\)|[A-ZĐ]\.|[-–—+*•])$"
)
_BULLETS = set("-–—+*•")
_PLACEHOLDERS = {"-", "–", "—", "--"}

# verdict phrases, ascii-folded words
_VERDICTS = [
    ("khong", "hoan", "thanh"),
    ("chua", "hoan", "thanh"),
    ("vuot", "ke", "hoach"),
    ("dat", "ke", "hoach"),
    ("vuot", "chi", "tieu"),
    ("khong", "dat"),
    ("chua", "dat"),
    ("vuot", "kh"),
    ("dat", "kh"),
    ("vuot", "muc"),
    ("hoan", "thanh"),
    ("dat",),
    ("vuot",),
]

# measure units (ascii-folded, spaces after dots and around slashes removed); compound units
# are units joined by "/": "tr.dong/nguoi/nam", "kg/nguoi"
_UNIT_BASES = {
    "%", "‰", "%o", "dong", "nghin dong", "ngan dong", "trieu dong", "tr.dong", "tr dong", "trd", "tr.d", "trđ",
    "ty dong", "ty", "trieu", "nghin", "ngan", "usd", "trieu usd", "nghin usd", "ty usd", "1000 usd",
    "ha", "tan", "nghin tan", "kg", "ta", "km", "m", "m2", "m²", "m3", "m³", "km2", "lit", "kwh", "mw",
    "nguoi", "nghin nguoi", "lao dong", "ho", "nghin ho", "xa", "xom", "thon", "ban", "to", "phuong", "thi tran",
    "luot", "luot khach", "luot nguoi", "nghin luot", "truong", "lop", "phong", "hoc sinh", "sinh vien",
    "tieu chi", "htx", "dn", "doanh nghiep", "cong trinh", "du an", "con", "cay", "giuong", "giuong benh",
    "bac sy", "bac si", "co so", "san pham", "nam", "thang", "ngay", "diem", "chiec", "cai", "don vi",
    "tram", "benh nhan", "vu", "nha", "can", "can ho", "hop tac xa", "to hop tac", "chi bo", "dang vien",
    "km duong", "cong", "mo hinh", "lang", "diem truong", "thiet che", "nha van hoa", "xa/phuong",
}

# units that are ordinary nouns too, so they can end an indicator name ("... đầu người")
_NOUN_UNITS = {
    "nguoi", "ho", "xa", "nam", "thang", "ngay", "con", "cay", "nha", "lang", "thon", "xom", "ban", "to", "truong",
    "lop", "phong", "vu", "can", "cong", "diem", "cai", "chiec", "lao dong", "san pham", "co so", "du an",
    "cong trinh", "doanh nghiep", "hoc sinh", "benh nhan", "dang vien", "chi bo", "mo hinh", "don vi", "luot",
}

# header keywords that open a cell when written with a capital inside a header line
_HEADER_KEYS = [
    ("so", "tt"), ("stt",), ("tt",), ("cac", "chi", "tieu"), ("chi", "tieu"), ("noi", "dung"), ("danh", "muc"),
    ("dvt",), ("don", "vi"), ("ghi", "chu"), ("ke", "hoach"), ("kh",), ("thuc", "hien"), ("th",),
    ("ket", "qua"), ("uoc",), ("so", "voi"), ("so", "sanh"), ("ty", "le"), ("danh", "gia"), ("du", "toan"),
    ("muc", "tieu"), ("cung", "ky"), ("luy", "ke"), ("nam",), ("hdnd",), ("ubnd",), ("nq",), ("nghi", "quyet"),
]
_ACRONYM_KEYS = {"tt", "stt", "dvt", "kh", "th", "hdnd", "ubnd", "nq"}
# a header cell ending with one of these words goes on in the next word
_BINDERS = {"voi", "so", "cua", "theo", "va", "uoc", "sanh", "tai", "tren", "den", "tu", "nam", "thang", "quy", "cung"}
_PERIOD_WORDS = {"thang", "nam", "quy", "ngay", "tuan"}


def _fold_word(t: str) -> str:
    return fold_ascii(t).strip(".,;:()[]\"'")


def _is_label(t: str) -> bool:
    if not _LABEL.match(t):
        return False
    core = t.rstrip(".")
    if core and core[0] in "IVXLC" and not is_roman(core):
        return False
    return True


def _is_value(t: str) -> bool:
    if t in _PLACEHOLDERS:
        return True
    return parse_cell_value(t).kind in ("number", "range")


def _norm_unit(text: str) -> str:
    f = fold_ascii(text)
    f = re.sub(r"\s*/\s*", "/", f)
    f = re.sub(r"\.\s+", ".", f)
    return re.sub(r"\s+", " ", f).strip()


def _is_unit(text: str) -> bool:
    n = _norm_unit(text)
    if not n or n.startswith("/"):
        return False
    parts = n.rstrip("/").split("/")
    return all(p in _UNIT_BASES for p in parts)


# --------------------------------------------------------------------------- words


@dataclass
class Word:
    text: str
    page: int
    x0: float
    top: float
    x1: float
    bottom: float
    gap: float | None  # blank before the word in space widths; None at the start of a line
    cont: bool = False  # first word of a line that goes on from a full line (a soft wrap)


class FLine:
    """A text line of the stream; its words are cut from the page's chars on first use."""

    __slots__ = ("line", "_words", "_loader", "right")

    def __init__(self, line: Line, loader, right: float):
        self.line = line
        self._words: list[Word] | None = None
        self._loader = loader
        self.right = right  # right edge of the text on the page

    @property
    def page(self) -> int:
        return self.line.page

    @property
    def text(self) -> str:
        return self.line.text

    @property
    def words(self) -> list[Word]:
        if self._words is None:
            self._loader(self.line.page)
            if self._words is None:  # pragma: no cover - the loader fills every line of its page
                self._words = []
        return self._words


def _group_chars(chars: list[Char], lines: list[Line]) -> list[list[Char]]:
    """Page chars (spaces included) by the line whose band holds their centre (nearest wins)."""
    order = sorted(range(len(lines)), key=lambda k: (lines[k].top + lines[k].bottom) / 2)
    centres = [(lines[k].top + lines[k].bottom) / 2 for k in order]
    out: list[list[Char]] = [[] for _ in lines]
    for c in chars:
        cy = (c["top"] + c["bottom"]) / 2
        pos = bisect_left(centres, cy)
        best, bd = None, None
        for q in range(max(0, pos - 2), min(len(order), pos + 3)):
            ln = lines[order[q]]
            if ln.top - 1 <= cy <= ln.bottom + 1:
                d = abs(cy - centres[q])
                if bd is None or d < bd:
                    best, bd = order[q], d
        if best is not None:
            out[best].append(c)
    return out


def _split_words(line: Line, chars: list[Char], page_space: float | None) -> list[Word]:
    """Words of a line with the blank before each, in space widths (counted space chars when
    the PDF has them, else the gap width over the space width)."""
    cs = sorted((c for c in chars if c.get("text")), key=lambda c: c["x0"])
    size = line.size or 10.0
    spaces_w = [c["x1"] - c["x0"] for c in cs if not c["text"].strip() and c["x1"] > c["x0"]]
    space_w = statistics.median(spaces_w) if spaces_w else (page_space or 0.25 * size)
    space_w = max(space_w, 0.15 * size)
    split = max(1.5, 0.2 * size)
    words: list[Word] = []
    cur: list[Char] = []
    spaces = 0
    gap_before: float | None = None

    def flush() -> None:
        nonlocal cur
        if cur:
            text = clean_line("".join(c["text"] for c in cur))
            if text:
                words.append(
                    Word(
                        text,
                        line.page,
                        min(c["x0"] for c in cur),
                        min(c["top"] for c in cur),
                        max(c["x1"] for c in cur),
                        max(c["bottom"] for c in cur),
                        gap_before,
                    )
                )
        cur = []

    for c in cs:
        if not c["text"].strip():
            flush()
            spaces += 1
            continue
        if cur and c["x0"] - cur[-1]["x1"] > split:
            flush()
        if not cur:
            if not words:
                gap_before = None
            else:
                width = max(0.0, c["x0"] - words[-1].x1)
                if spaces:
                    extra = width - spaces * space_w
                    gap_before = float(spaces) + (extra / space_w if extra > 2 * space_w else 0.0)
                else:
                    gap_before = width / space_w
            spaces = 0
        cur.append(c)
    flush()
    return words


# --------------------------------------------------------------------------- header


@dataclass
class _HCell:
    words: list[Word]

    @property
    def text(self) -> str:
        return clean_line(" ".join(w.text for w in self.words))


def _key_at(words: list[Word], i: int) -> tuple[str, ...] | None:
    folded = [_fold_word(w.text) for w in words[i : i + 3]]
    for key in _HEADER_KEYS:
        if tuple(folded[: len(key)]) == key:
            return key
    return None


def _header_cells(lines: list[FLine]) -> list[_HCell]:
    cells: list[_HCell] = []
    for ln in lines:
        for k, w in enumerate(ln.words):
            t = w.text
            starts = False
            if not cells:
                starts = True
            else:
                prev = cells[-1]
                prev_text = prev.text
                bound = _fold_word(prev.words[-1].text) in _BINDERS or prev_text.count("(") > prev_text.count(")")
                cap = t[:1].isalpha() and t[:1].isupper()
                key = _key_at(ln.words, k)
                if bound or not cap:
                    starts = False
                elif k == 0:
                    # a capitalised line start: a new cell, unless an acronym that is no header word
                    starts = not (t.isupper() and len(t) > 1 and (key is None or key[0] not in _ACRONYM_KEYS))
                else:
                    starts = key is not None
            if starts:
                cells.append(_HCell([w]))
            else:
                cells[-1].words.append(w)
    return cells


def _classify_one(text: str) -> TableColumn:
    return classify_columns([[text]], [None])[0]


def _compat(group: TableColumn, leaf: TableColumn) -> int | None:
    if leaf.role not in ("value", "ratio"):
        return None
    if group.role == "ratio":
        return 2 if leaf.role == "ratio" else 1
    if group.role == "value":
        if leaf.role == "ratio":
            return 1 if group.scenario is None else None
        if leaf.scenario and group.scenario:
            return 2 if leaf.scenario == group.scenario else None
        return 1
    return None


def _partitions(n: int, k: int, minsize: int = 2):
    """Ways to cut n leaves into k contiguous chunks of at least minsize: lists of chunk sizes."""
    if k == 0:
        if n == 0:
            yield []
        return
    for first in range(minsize, n - minsize * (k - 1) + 1):
        for rest in _partitions(n - first, k - 1, minsize):
            yield [first] + rest


def _header_structure(cells: list[_HCell]) -> list[tuple[int, list[int]]] | None:
    """[(first-level cell, [leaf cells])]: leaves empty for a cell that is its own leaf."""
    n = len(cells)
    kinds = [_classify_one(c.text) for c in cells]
    best: list[tuple[int, list[tuple[int, list[int]]]]] = []
    best_score = 0
    for s in range(2, n):
        row2 = list(range(s, n))
        if any(kinds[i].role not in ("value", "ratio") for i in row2):
            continue
        eligible = [i for i in range(s) if kinds[i].role in ("value", "ratio")]
        for g in range(1, min(len(eligible), len(row2) // 2) + 1):
            for groups in combinations(eligible, g):
                for sizes in _partitions(len(row2), g):
                    score = 0
                    pos = s
                    struct: dict[int, list[int]] = {}
                    ok = True
                    for gi, size in zip(groups, sizes):
                        leaves = list(range(pos, pos + size))
                        pos += size
                        for li in leaves:
                            c = _compat(kinds[gi], kinds[li])
                            if c is None:
                                ok = False
                                break
                            score += c
                        if not ok:
                            break
                        struct[gi] = leaves
                    if not ok:
                        continue
                    out = [(i, struct.get(i, [])) for i in range(s)]
                    if score > best_score:
                        best_score, best = score, [(score, out)]
                    elif score == best_score:
                        best.append((score, out))
    if not best:
        return [(i, []) for i in range(n)]
    if len(best) > 1:
        return None
    return best[0][1]


# --------------------------------------------------------------------------- body rows


@dataclass
class _Row:
    idx: list[int]  # stream indices of its lines
    lines: list[FLine]

    @property
    def words(self) -> list[Word]:
        return [w for ln in self.lines for w in ln.words]


def _verdict_at(words: list[Word], i: int) -> int:
    """Length of the verdict phrase starting at words[i] (0 if none); it starts with a capital."""
    if i >= len(words) or not words[i].text[:1].isupper():
        return 0
    folded = [_fold_word(w.text) for w in words[i : i + 3]]
    for v in _VERDICTS:
        if tuple(folded[: len(v)]) == v:
            return len(v)
    return 0


def _verdict_prefix(words: list[Word]) -> bool:
    """Are the words a verdict phrase or its beginning ('Vượt Kế')?"""
    if not words or not words[0].text[:1].isupper():
        return False
    folded = tuple(_fold_word(w.text) for w in words)
    return any(v[: len(folded)] == folded for v in _VERDICTS)


def _complete(row: _Row) -> bool:
    """Does the row's last line end with a figure or a verdict (the row has its tail)?"""
    last = row.lines[-1].words
    if not last:
        return False
    if _is_value(last[-1].text) and not (len(row.lines) == 1 and len(last) == 1):
        return True
    for i in range(len(last)):
        n = _verdict_at(last, i)
        if n and (i + n == len(last) or (i > 0 and _is_value(last[i - 1].text))):
            return True
    return False


def _has_name(row: _Row) -> bool:
    ws = row.words
    if ws and _is_label(ws[0].text):
        ws = ws[1:]
    return any(w.text[:1].isalpha() for w in ws)


def _cap(t: str) -> bool:
    return t[:1].isalpha() and t[:1].isupper()


def _label_line(ln: FLine, nxt: FLine | None) -> bool:
    """Does the line open a row with a label ('3 Tổng thu ...', '- Dịch vụ', '7' + name line)?"""
    ws = ln.words
    if not ws or not _is_label(ws[0].text):
        return False
    if len(ws) == 1:
        return nxt is not None and bool(nxt.words) and _cap(nxt.words[0].text) and not _verdict_prefix(nxt.words)
    if _verdict_at(ws, 1):
        return False
    if ws[0].text in _BULLETS:
        return ws[1].text[:1].isalpha()
    return _cap(ws[1].text)


def _soft_wrap(prev: FLine, ln: FLine) -> bool:
    """Did the line break only because the previous line was full (its first word would not fit)?"""
    if prev.page != ln.page or not ln.words:
        return False
    w0 = ln.words[0]
    size = ln.line.size or 10.0
    width = prev.right - min(prev.line.x0, ln.line.x0)
    return prev.line.x1 >= prev.right - 0.3 * width and prev.line.x1 + 0.25 * size + (w0.x1 - w0.x0) > prev.right + 0.5


def _starts_row(row: _Row, ln: FLine, nxt: FLine | None) -> bool:
    ws = ln.words
    if _label_line(ln, nxt):
        return True
    if _soft_wrap(row.lines[-1], ln):
        ws[0].cont = True
        return False
    if _verdict_prefix(ws):
        return False  # "Vượt KH" / "Vượt Kế" on a line of its own: the verdict of the row above
    last = row.lines[-1].words
    for k in (1, 2):
        if len(last) >= k and len(ws) <= 2 and _verdict_prefix([*last[-k:], *ws]):
            return False  # "... Vượt" / "KH"
    if not _cap(ws[0].text) or not _has_name(row):
        return False
    if _complete(row):
        return True
    return _text(row.words).endswith(":")  # after a heading row "Xây dựng nông thôn mới:"


# --------------------------------------------------------------------------- placement


@dataclass
class _Parsed:
    row: _Row
    label: list[Word]
    name: list[Word]
    unit: list[Word]
    nums: list[Word]
    verdict: list[Word]
    note: list[Word]
    problem: str | None = None


def _split_row(row: _Row, has_unit_col: bool) -> _Parsed:
    """Label, indicator words, unit, figures, verdict and note of a row."""
    ws = row.words
    label: list[Word] = []
    if ws and _is_label(ws[0].text) and (len(ws) == 1 or ws[0].text in _BULLETS or not _is_value(ws[1].text)):
        label, ws = [ws[0]], ws[1:]
    p = _Parsed(row, label, [], [], [], [], [])
    end = len(ws)
    found = False
    for i in range(len(ws) - 1, 0, -1):
        n = _verdict_at(ws, i)
        if not n:
            continue
        # a verdict follows a figure, starts a line, or stands after a wide blank
        if not (_is_value(ws[i - 1].text) or ws[i].gap is None or ws[i].gap > 2.5):
            continue
        rest = ws[i + n :]
        # words after it on the same line are a note; a new line after it is not this row's
        if rest and any(w.gap is None and not w.cont for w in rest):
            continue
        if rest and any(_is_value(w.text) for w in rest):
            continue
        p.verdict, p.note, end, found = ws[i : i + n], rest, i, True
        break
    body = ws[:end]
    if not found and body:
        # text after the figures on the figures' line: a note
        k = len(body)
        while k > 0 and not _is_value(body[k - 1].text) and (body[k - 1].gap is not None or body[k - 1].cont):
            k -= 1
        if 0 < k < len(body) and _is_value(body[k - 1].text):
            p.note = body[k:]
            body = body[:k]
    k = len(body)
    while k > 0 and _is_value(body[k - 1].text):
        k -= 1
    p.nums = body[k:]
    pre = body[:k]
    if p.nums and not pre:
        p.problem = "figures without an indicator"
    elif p.nums and re.search(r"\d", pre[-1].text) and not _is_unit(pre[-1].text):
        p.problem = "a figure runs into the indicator text"
    # unit: the longest suffix of the words before the figures that is a known unit
    if has_unit_col and (p.nums or p.verdict) and len(pre) >= 2:
        for j in range(max(1, len(pre) - 6), len(pre)):
            if _is_unit(" ".join(w.text for w in pre[j:])):
                p.unit, pre = pre[j:], pre[:j]
                break
    p.name = pre
    return p


_EPS = 0.35  # measuring slack, in space widths


@dataclass
class _Blanks:
    """How wide the blank between two cells is: s + k * d + t for k empty cells between them,
    t in [0, n] (a trailing space some cells keep), d between d_lo and d_hi."""

    s: float
    n: float
    d_lo: float | None  # None: no blank of the table holds an empty cell
    d_hi: float | None

    def empties(self, g: float) -> set[int] | None:
        """Plausible numbers of empty cells behind a blank of width g; None: any number >= 1."""
        if g <= self.s + self.n + _EPS:
            return {0}
        if self.d_lo is None or self.d_hi is None:
            return None
        ks = {k for k in range(1, 16) if self.s + k * self.d_lo - _EPS <= g <= self.s + k * self.d_hi + self.n + _EPS}
        return ks or None


def _calibrate(parsed: list[_Parsed], n_num: int) -> _Blanks:
    """Blank widths between filled neighbour cells (figures of full rows, label -> name, name ->
    unit) give the narrowest blank s and the noise n; the narrowest wider blank gives the step d
    an empty cell adds (d > n: empty cells are told from noise, else nothing could be read)."""
    base: list[float] = []
    every: list[float] = []
    for p in parsed:
        if p.name and p.label and p.name[0].gap is not None:
            base.append(p.name[0].gap)
        if p.unit and p.name and p.unit[0].gap is not None:
            base.append(p.unit[0].gap)
        figs = [w.gap for w in p.nums[1:] if w.gap is not None]
        if len(p.nums) == n_num:
            base.extend(figs)
        every.extend(figs)
        every.extend(w.gap for w in (p.nums[:1] + p.verdict[:1]) if w.gap is not None)
    s = min(base + every, default=1.0)
    n = max(base) - s if len(base) >= 3 else 1.0
    wide = [g for g in every if g > s + n + _EPS]
    if not wide:
        return _Blanks(s, n, None, None)
    w1 = min(wide)
    d_hi = w1 - s
    d_lo = min(d_hi, max(n + 1.0, w1 - s - n))
    return _Blanks(s, n, d_lo, d_hi)


def _half_ulp(text: str) -> Decimal:
    """Half a unit in the last printed place of a figure: '6,6' -> 0.05, '500.000' -> 0.5."""
    m = re.search(r",(\d+)\s*%?$", text.strip())
    return Decimal(5) / (Decimal(10) ** (len(m.group(1)) + 1)) if m else Decimal("0.5")


def _ratio_ok(r: tuple[Decimal, Decimal], num: tuple[Decimal, Decimal], den: tuple[Decimal, Decimal]) -> bool | None:
    """Does a stated ratio (percent) agree with its operands, given how they were rounded?
    Either way round (the ratio of 'lower is better' figures is often stated inverted).
    Each argument is (value, half a unit in its last printed place)."""
    if den[0] <= 0 or num[0] <= 0 or r[0] < 0:
        return None
    slack = max(Decimal("0.6"), r[0] * Decimal("0.006"))
    for (a, da), (b, db) in ((num, den), (den, num)):
        if b - db <= 0:
            continue
        lo = (a - da) / (b + db) * 100
        hi = (a + da) / (b - db) * 100
        if lo - slack <= r[0] + r[1] and r[0] - r[1] <= hi + slack:
            return True
    return False


_AMBIGUOUS = "the figures fit more than one column layout"


def _place(
    p: _Parsed, tail_cols: list[int], cols: list[TableColumn], anchor: int, blanks: _Blanks
) -> tuple[dict[int, list[Word]] | None, str | None, int]:
    """(leaf column -> words of each tail item, None, stated ratios confirmed) or (None, why not, 0)."""
    items: list[tuple[str, list[Word]]] = [("num", [w]) for w in p.nums]
    if p.verdict:
        items.append(("verdict", p.verdict))
    if p.note:
        items.append(("note", p.note))
    if not items:
        return {}, None, 0
    roles = [cols[c].role for c in tail_cols]
    allowed = {
        "num": [i for i, r in enumerate(roles) if r in ("value", "ratio")],
        "verdict": [i for i, r in enumerate(roles) if r == "verdict"] or [i for i, r in enumerate(roles) if r == "note"],
        "note": [i for i, r in enumerate(roles) if r == "note"],
    }
    if len(p.nums) > len(allowed["num"]):
        return None, "more figures than figure columns", 0
    if p.verdict and not allowed["verdict"]:
        return None, "a verdict but no verdict column", 0
    if p.note and not allowed["note"]:
        return None, "text after the figures", 0
    allowed_e = [None if ws[0].gap is None else blanks.empties(ws[0].gap) for _, ws in items]
    sols: list[list[int]] = []

    def rec(i: int, prev: int, pos: list[int]) -> None:
        if i == len(items):
            sols.append(list(pos))
            return
        ks = allowed_e[i]
        for q in allowed[items[i][0]]:
            if q <= prev:
                continue
            e = q - prev - 1
            if ks is not None and e not in ks:
                continue
            if ks is None and items[i][1][0].gap is not None and e == 0:
                continue  # a wide blank of unknown size: at least one empty cell
            pos.append(q)
            rec(i + 1, q, pos)
            pos.pop()

    rec(0, anchor, [])
    if not sols:
        return None, "the blanks between the figures fit no column layout", 0
    scored = []
    for pos in sols:
        placed: dict[int, tuple[Decimal, Decimal]] = {}
        for (kind, ws), q in zip(items, pos):
            if kind == "num":
                cv = parse_cell_value(ws[0].text)
                if cv.number is not None:
                    placed[tail_cols[q]] = (cv.number, _half_ulp(ws[0].text))
        good = bad = 0
        for col in cols:
            a, b = col.ratio_numerator_col, col.ratio_denominator_col
            if col.role != "ratio" or col.col_index not in placed or a not in placed or b not in placed:
                continue
            ok = _ratio_ok(placed[col.col_index], placed[a], placed[b])  # type: ignore[index]
            good += ok is True
            bad += ok is False
        scored.append((bad, -good, pos))
    fine = sorted((x for x in scored if x[0] == 0), key=lambda x: x[1])
    if not fine:
        return None, "the figures contradict the stated ratios", 0
    if len(fine) > 1 and fine[0][1] == fine[1][1]:
        return None, _AMBIGUOUS, 0
    return {tail_cols[q]: ws for (_, ws), q in zip(items, fine[0][2])}, None, -fine[0][1]


# --------------------------------------------------------------------------- driver


def _text(ws: list[Word]) -> str:
    return clean_line(" ".join(w.text for w in ws))


def _cell(ws: list[Word], region: int) -> GCell:
    """A cell from words: text joined by single spaces, bbox of its words on its first page."""
    if not ws:
        return GCell("", None, region, True)
    page = ws[0].page
    same = [w for w in ws if w.page == page]
    bbox = (min(w.x0 for w in same), min(w.top for w in same), max(w.x1 for w in same), max(w.bottom for w in same))
    return GCell(_text(ws), tuple(round(v, 2) for v in bbox), region, True, page)  # type: ignore[arg-type]


def _header_start_text(text: str) -> bool:
    """Cheap test on a line's text: can a table header start here?"""
    ws = text.split()
    if not ws:
        return False
    f = [_fold_word(w) for w in ws[:3]]
    if f[0] in ("tt", "stt", "s.tt") and ws[0].isupper():
        return len(ws) == 1 or _cap(ws[1])
    if f[:2] == ["so", "tt"]:
        return True
    if len(ws) <= 5 and _cap(ws[0]):
        return f[:2] in (["chi", "tieu"], ["noi", "dung"]) or f[:3] == ["cac", "chi", "tieu"]
    return False


def _header_number(ws: list[Word], i: int) -> bool:
    """A figure-like word that may stand in a header: a year, '6' of '6 tháng', '(%)'."""
    t = ws[i].text
    if re.fullmatch(r"(19|20)\d{2}", t.strip("()")):
        return True
    if t.startswith("("):
        return True
    nxt = _fold_word(ws[i + 1].text) if i + 1 < len(ws) else ""
    return t.isdigit() and int(t) <= 12 and nxt in _PERIOD_WORDS


def _is_numbering(ws: list[Word]) -> bool:
    texts = [w.text for w in ws]
    return len(texts) >= 3 and all(NUMBERING_TOKEN.match(t) for t in texts) and is_numbering_row(texts)


def _body_starts(lines: list[FLine], j: int) -> bool:
    ln = lines[j]
    nxt = lines[j + 1] if j + 1 < len(lines) else None
    if _is_numbering(ln.words) or _label_line(ln, nxt):
        return True
    return any(_is_value(w.text) and not _header_number(ln.words, i) for i, w in enumerate(ln.words))


def _ends_table(ln: FLine) -> bool:
    """A caption of the next table ('Phụ lục 2', 'Biểu số 03')."""
    t = ln.text.strip()
    return bool(CAPTION_START.match(fold_ascii(t))) and not t.startswith("(")


@dataclass
class FlowedTable:
    table: LogicalTable
    first_line: int
    last_line: int


def _try_table(
    lines: list[FLine], start: int, page_lines: dict[int, list[Line]], warnings: list[str]
) -> tuple[FlowedTable | None, int]:
    """The flowed table whose header starts at lines[start] (or None) and where to look on."""
    # ---- header: up to the first body line
    j = start + 1
    while j < len(lines) and j - start < MAX_HEADER_LINES:
        if lines[j].page > lines[j - 1].page + 1 or _body_starts(lines, j):
            break
        j += 1
    if j >= len(lines) or j - start >= MAX_HEADER_LINES or lines[j].page > lines[j - 1].page + 1:
        return None, start + 1
    cells = _header_cells(lines[start:j])
    if not 3 <= len(cells) <= MAX_HEADER_CELLS:
        return None, start + 1
    struct = _header_structure(cells)
    if struct is None:
        warnings.append(f"page {lines[start].page}: flowed table header fits more than one layout; skipped")
        return None, start + 1
    paths: list[list[str]] = []
    for top, leaves in struct:
        paths.extend([[cells[top].text, cells[li].text] for li in leaves] or [[cells[top].text]])
    numbering: list[str | None] = [None] * len(paths)
    numbering_words: list[Word] = []
    if _is_numbering(lines[j].words):
        if len(lines[j].words) == len(paths):
            numbering_words = lines[j].words
            numbering = [w.text for w in numbering_words]
        j += 1
    cols = classify_columns(paths, numbering, ReportContext())
    roles = [c.role for c in cols]
    if "other" in roles or "indicator" not in roles or not any(r in ("value", "ratio") for r in roles):
        return None, start + 1
    ind = roles.index("indicator")
    lab = roles.index("row_label") if "row_label" in roles else None
    unit = roles.index("unit") if "unit" in roles else None
    if (lab is not None and lab > ind) or (unit is not None and unit != ind + 1):
        return None, start + 1
    first_tail = (unit if unit is not None else ind) + 1
    tail_cols = list(range(first_tail, len(cols)))
    if not tail_cols or any(r in ("row_label", "indicator", "unit") for r in roles[first_tail:]):
        return None, start + 1

    # ---- body lines -> rows
    rows: list[_Row] = []
    cur: _Row | None = None
    k = j
    while k < len(lines):
        ln = lines[k]
        prev = lines[k - 1]
        if ln.page > prev.page + 1:
            break
        if ln.page == prev.page and ln.line.top - prev.line.bottom > 2.2 * max(ln.line.size, prev.line.size, 6.0):
            break
        if k > j and _ends_table(ln):
            break
        if k > j and _header_start_text(ln.text) and _fold_word(ln.text.split()[0]) in ("tt", "stt", "s.tt", "so"):
            # the header repeated on a new page: skip it (and the numbering row); another header
            # starts another table
            n = j - start
            same = [match_key(x.text) for x in lines[k : k + n]] == [match_key(x.text) for x in lines[start:j]]
            if not same or lines[k].page == lines[k - 1].page:
                break
            k += n
            if k < len(lines) and _is_numbering(lines[k].words):
                k += 1
            continue
        nxt = lines[k + 1] if k + 1 < len(lines) else None
        if cur is None or _starts_row(cur, ln, nxt):
            if cur is not None:
                rows.append(cur)
            cur = _Row([k], [ln])
        else:
            cur.idx.append(k)
            cur.lines.append(ln)
            if not _complete(cur) and (len(cur.lines) > MAX_ROW_LINES or len(_text(cur.words)) > MAX_NAME_CHARS):
                cur = None  # running text, not a row
                break
        k += 1
    if cur is not None:
        rows.append(cur)

    # ---- the table ends at the last row with a tail before running text
    keep: list[_Parsed] = []
    parsed = [_split_row(r, unit is not None) for r in rows]
    dropped: list[str] = []
    for n, p in enumerate(parsed):
        name = _text(p.name)
        tail = bool(p.nums or p.verdict)
        if not tail and not p.label and not name.endswith(":"):
            # one short line between two rows: a note on a line of its own or an unlabelled
            # heading, cannot tell: dropped. Anything else is running text after the table.
            nxt = parsed[n + 1] if n + 1 < len(parsed) else None
            if len(p.row.lines) == 1 and len(name) <= 60 and keep and nxt and nxt.label and (nxt.nums or nxt.verdict):
                dropped.append(f"page {p.row.lines[0].page}: flowed table line '{name}' dropped: a note or a heading")
                continue
            break
        if len(name) > MAX_NAME_CHARS or "./." in name or re.search(r";\s+\S", name):
            break
        keep.append(p)
    while keep and not (keep[-1].nums or keep[-1].verdict):
        keep.pop()
    if not keep:
        return None, j

    # ---- place every row's figures
    n_num = sum(1 for c in tail_cols if roles[c] in ("value", "ratio"))
    blanks = _calibrate(keep, n_num)
    thr = blanks.s + blanks.n + _EPS  # wider: at least one empty cell
    body: list[list[GCell]] = []
    body_pages: list[int] = []
    region = 10_000
    placed_rows = skipped = 0
    row_warnings: list[str] = []
    for p in keep:
        problem = p.problem
        placement: dict[int, list[Word]] | None = None
        if problem is None and any(w.gap is not None and w.gap > thr for w in p.name[1:] + p.unit[1:]):
            problem = "a wide blank inside the indicator text (text values?)"
        anchor = -1
        if problem is None and unit is not None and not p.unit and p.nums:
            anchor = -2  # the unit cell is empty
            if p.nums[0].gap is not None and p.nums[0].gap <= thr:
                problem = "the unit is not recognised"
        if problem is None:
            placement, problem, good = _place(p, tail_cols, cols, anchor, blanks)
            noun = bool(p.unit) and p.unit[0].text[:1].islower() and _norm_unit(_text(p.unit)) in _NOUN_UNITS
            if noun and p.nums and p.nums[0].gap is not None and p.nums[0].gap > thr:
                # a wide blank after a unit that is also a noun ("... đầu người"): the first
                # figure cell is empty, or the unit cell is and the word ends the indicator name.
                # Only the stated ratios can tell; an ambiguous reading makes the row ambiguous.
                alt = replace(p, name=p.name + p.unit, unit=[])
                alt_placement, alt_problem, alt_good = _place(alt, tail_cols, cols, -2, blanks)
                either = "the unit cell or the first figure cell is empty: cannot tell"
                if _AMBIGUOUS in (problem, alt_problem):
                    placement, problem = None, either
                elif alt_placement is not None and (placement is None or alt_good > good):
                    p, placement, problem = alt, alt_placement, None
                elif alt_placement is not None and alt_good == good:
                    placement, problem = None, either
        if problem is not None or placement is None:
            skipped += 1
            pg = p.row.lines[0].page
            row_warnings.append(f"page {pg}: flowed table row '{_text(p.label + p.name)[:60]}' skipped: {problem}")
            continue
        placed_rows += bool(p.nums)
        row: list[GCell] = []
        for c in range(len(cols)):
            if c == lab:
                ws = p.label
            elif c == ind:
                ws = p.name if lab is not None else p.label + p.name
            elif c == unit:
                ws = p.unit
            else:
                ws = placement.get(c, [])
            row.append(_cell(ws, region))
            region += 1
        body.append(row)
        body_pages.append(p.row.lines[0].page)
    if placed_rows < 2 or skipped > placed_rows:
        warnings.append(
            f"page {lines[start].page}: flowed table skipped: {placed_rows} rows placed, {skipped} not"
        )
        return None, j
    warnings.extend(dropped + row_warnings)

    # ---- header grid: first-level row (a group spans its leaves), leaf row, numbering row
    two = any(leaves for _, leaves in struct)
    r1: list[GCell] = []
    r2: list[GCell] = []
    region = 0
    for top, leaves in struct:
        g = _cell(cells[top].words, region)
        if leaves:
            for n, li in enumerate(leaves):
                r1.append(GCell(g.text if n == 0 else "", g.bbox, region, n == 0, g.page))
                r2.append(_cell(cells[li].words, region + 1 + n))
            region += 1 + len(leaves)
        else:
            r1.append(g)
            r2.append(GCell("", g.bbox, region, False, g.page))
            region += 1
    header = [r1, r2] if two else [r1]
    numbering_idx = None
    if numbering_words:
        header.append([_cell([w], region + i) for i, w in enumerate(numbering_words)])
        numbering_idx = len(header) - 1

    # ---- one fragment per page: the box of the table's lines there
    last = keep[-1].row.idx[-1]
    by_page: dict[int, list[Line]] = {}
    for ln in lines[start : last + 1]:
        by_page.setdefault(ln.page, []).append(ln.line)
    frags = []
    for page, lns in sorted(by_page.items()):
        bbox = (min(x.x0 for x in lns), min(x.top for x in lns), max(x.x1 for x in lns), max(x.bottom for x in lns))
        frags.append(Fragment(page, bbox, [bbox[0], bbox[2]], [], "flowed"))

    # ---- caption: the lines above the header on its page (or the end of the page before)
    hp = lines[start].page
    above = [x for x in page_lines.get(hp, []) if x.bottom <= lines[start].line.top + 1]
    above = [x for x in above if not PAGE_NUMBER.match(x.text.strip())]
    caption, cpage = caption_from_lines(above)
    if caption is None and not above:
        prev_lines = [x for x in page_lines.get(hp - 1, []) if not PAGE_NUMBER.match(x.text.strip())]
        caption, cpage = caption_from_lines(prev_lines)
    lt = LogicalTable(
        fragments=frags,
        header=header,
        numbering_idx=numbering_idx,
        body=body,
        body_pages=body_pages,
        caption=caption,
        caption_page=cpage,
    )
    return FlowedTable(lt, start, last), last + 1


def _is_furniture(ln: Line, first: bool, last: bool, width: float) -> bool:
    """A page number at the top or the bottom of a page, centred or at the right."""
    if not (first or last) or not PAGE_NUMBER.match(ln.text.strip()):
        return False
    if width <= 0:
        return True
    cx = (ln.x0 + ln.x1) / 2
    return abs(cx - width / 2) < 0.15 * width or ln.x0 > 0.6 * width


def find_flowed_tables(
    page_lines: dict[int, list[Line]],
    page_chars: dict[int, list[Char]],
    page_widths: dict[int, float],
    taken: dict[int, list[Fragment]],
    warnings: list[str],
) -> list[LogicalTable]:
    """Flowed tables of the document, outside the fragments already found (ruled / aligned)."""
    starts_on = [p for p, lns in page_lines.items() if any(_header_start_text(ln.text) for ln in lns)]
    if not starts_on:
        return []
    first_page = min(starts_on)
    stream: list[FLine] = []
    by_page: dict[int, list[FLine]] = {}

    def load(page: int) -> None:
        fls = by_page.get(page, [])
        lns = [fl.line for fl in fls]
        chars = page_chars.get(page, [])
        spaces = [c["x1"] - c["x0"] for c in chars if c.get("text") == " " and c["x1"] > c["x0"]]
        page_space = statistics.median(spaces) if spaces else None
        for fl, lc in zip(fls, _group_chars(chars, lns)):
            fl._words = _split_words(fl.line, lc, page_space)

    for p in sorted(page_lines):
        if p < first_page:
            continue
        lns = page_lines[p]
        frs = taken.get(p, [])
        right = max((ln.x1 for ln in lns), default=0.0)
        for idx, ln in enumerate(lns):
            if _is_furniture(ln, idx == 0, idx == len(lns) - 1, page_widths.get(p, 0.0)):
                continue
            if any(inside(ln, f) for f in frs):
                continue
            fl = FLine(ln, load, right)
            stream.append(fl)
            by_page.setdefault(p, []).append(fl)
    out: list[LogicalTable] = []
    i = 0
    while i < len(stream):
        if _header_start_text(stream[i].text) and stream[i].words:
            ft, nxt = _try_table(stream, i, page_lines, warnings)
            if ft is not None:
                out.append(ft.table)
            i = max(nxt, i + 1)
            continue
        i += 1
    return out
