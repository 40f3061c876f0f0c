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
  ("tr. đồng" / "/người/" / "năm"), figure lines, and verdict lines ("Vượt KH", "Vượt Kế" /
  "hoạch"). Of a row's words, the trailing verdict phrase (Đạt, Không đạt, Vượt KH, ...), an
  optional note after it on the same line, and the run of figures before it form the tail; the
  words before are the indicator, whose longest suffix that is a known unit ("%", "tỷ đồng",
  "tr. đồng/người/năm", "Tiêu chí", "HTX" ...) is the unit.

Placing the figures
  Blanks between tail items are measured in space widths (counted space characters, or the
  gap width when the PDF has none). Full rows (as many figures as figure columns) calibrate the
  widest blank between neighbouring cells; a wider blank holds at least one empty cell. Every
  order-preserving placement of the figures in the figure columns that respects those blanks is
  a candidate (blanks across a line break say nothing); stated ratios that contradict their
  operands ("So với KH" = result / plan x 100) rule a candidate out; the one with the fewest
  empty cells off the measured blanks, then the most ratios confirmed, wins. A tie, more figures
  than columns, a wide blank inside the indicator text (text values such as "Đảm bảo"), or an
  unrecognised verdict drops the row.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import combinations

from .aligned import _line_chars
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
    is_numbering_row,
)
from .textutil import clean_line, fold_ascii, is_roman, is_upper_text

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

# header keywords that open a cell when written with a capital inside a header line
_HEADER_KEYS = [
    ("so", "tt"), ("stt",), ("tt",), ("cac", "chi", "tieu"), ("chi", "tieu"), ("noi", "dung"), ("danh", "muc"),
    ("dvt",), ("don", "vi"), ("ghi", "chu"), ("ke", "hoach"), ("kh",), ("thuc", "hien"), ("th",),
    ("ket", "qua"), ("uoc",), ("so", "voi"), ("so", "sanh"), ("ty", "le"), ("danh", "gia"), ("du", "toan"),
    ("muc", "tieu"), ("cung", "ky"), ("luy", "ke"), ("nam",), ("hdnd",), ("ubnd",), ("nq",), ("nghi", "quyet"),
]
_ACRONYM_KEYS = {"tt", "stt", "dvt", "kh", "th", "hdnd", "ubnd", "nq"}
# a header cell ending with one of these words goes on in the next word
_BINDERS = {"voi", "so", "cua", "theo", "va", "uoc", "sanh", "tai", "tren", "den", "tu", "nam", "thang", "quy", "ky", "cung"}
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


@dataclass
class FLine:
    line: Line
    words: list[Word]

    @property
    def page(self) -> int:
        return self.line.page

    @property
    def text(self) -> str:
        return self.line.text


def _split_words(line: Line, chars: list[Char], page_space: float | None) -> list[Word]:
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
            words.append(
                Word(
                    clean_line("".join(c["text"] for c in cur)),
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
    return [w for w in words if w.text]


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
    lines: list[FLine] = field(default_factory=list)

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
    """Are the words (a whole line) a verdict phrase or its beginning ('Vượt Kế')?"""
    if not words or not words[0].text[:1].isupper():
        return False
    folded = tuple(_fold_word(w.text) for w in words)
    return any(v[: len(folded)] == folded for v in _VERDICTS)


def _complete(row: _Row) -> bool:
    """Has the row got its figures or verdict (its last line ends with a tail item)?"""
    ws = row.words
    if not ws:
        return False
    if any(_is_value(w.text) for w in row.lines[-1].words if w is not row.lines[0].words[0] or not _is_label(w.text)):
        return True
    last_line = row.lines[-1].words
    return any(_verdict_at(last_line, i) for i in range(len(last_line)))


def _has_name(row: _Row) -> bool:
    ws = row.words
    if ws and _is_label(ws[0].text):
        ws = ws[1:]
    return any(w.text[:1].isalpha() for w in ws)


def _label_line(ln: FLine, nxt: FLine | None) -> bool:
    ws = ln.words
    if not ws or not _is_label(ws[0].text):
        return False
    if len(ws) == 1:
        return nxt is not None and bool(nxt.words) and nxt.words[0].text[:1].isupper() and nxt.words[0].text[:1].isalpha()
    second = ws[1].text
    if _verdict_at(ws, 1):
        return False
    if ws[0].text in _BULLETS:
        return second[:1].isalpha()
    return second[:1].isalpha() and second[:1].isupper()


def _starts_row(row: _Row, ln: FLine, nxt: FLine | None) -> bool:
    ws = ln.words
    first = ws[0].text
    if _label_line(ln, nxt):
        return True
    if _verdict_prefix(ws):
        return False  # "Vượt KH" / "Vượt Kế" on its own line: the verdict of the row above
    if row.words and _verdict_prefix([*row.lines[-1].words[-2:], *ws]) and len(ws) <= 2:
        last = row.lines[-1].words
        for k in (1, 2):
            if len(last) >= k and _verdict_prefix([*last[-k:], *ws]):
                return False
    if not (first[:1].isalpha() and first[:1].isupper()):
        return False
    if not _has_name(row):
        return False
    if _complete(row):
        return True
    name = clean_line(" ".join(w.text for w in row.words))
    return name.endswith(":")


def _ends_table(ln: FLine) -> bool:
    t = ln.text.strip()
    f = fold_ascii(t)
    if CAPTION_START.match(f) and not t.startswith("("):
        return True
    if len(t) > 12 and is_upper_text(t) and not any(_is_value(w.text) for w in ln.words):
        return False  # upper-case group rows ("CHỈ TIÊU KINH TẾ") stay; headings are caught below
    return False


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


def _split_row(row: _Row, has_label_col: bool, has_unit_col: bool) -> _Parsed:
    ws = row.words
    label: list[Word] = []
    if ws and _is_label(ws[0].text) and (len(ws) == 1 or not _is_value(ws[1].text) or ws[0].text in _BULLETS):
        label, ws = [ws[0]], ws[1:]
    p = _Parsed(row, label, [], [], [], [], [])
    # verdict: the last verdict phrase whose remaining words are on its own last line (a note)
    end = len(ws)
    vstart = None
    for i in range(len(ws) - 1, -1, -1):
        n = _verdict_at(ws, i)
        if not n:
            continue
        if i > 0 and not (_is_value(ws[i - 1].text) or ws[i].gap is None):
            continue  # "... xã đạt" inside a name is no verdict (it needs a capital and a tail)
        rest = ws[i + n :]
        if rest and any(w.page != ws[i + n - 1].page or w.gap is None for w in rest):
            continue
        if rest and _is_value(rest[-1].text):
            continue
        vstart = i
        p.verdict = ws[i : i + n]
        p.note = rest
        end = i
        break
    body = ws[:end]
    if vstart is None and body:
        # text after the figures on the last line: a note (no verdict column needed)
        k = len(body)
        while k > 0 and not _is_value(body[k - 1].text) and body[k - 1].gap is not None:
            k -= 1
        if 0 < k < len(body) and _is_value(body[k - 1].text):
            p.note = body[k:]
            body = body[:k]
    k = len(body)
    while k > 0 and _is_value(body[k - 1].text):
        k -= 1
    p.nums = body[k:]
    pre = body[:k]
    if p.nums and pre and pre[-1].text[:1].isdigit():
        p.problem = "a figure runs into the indicator text"
    if p.nums and not pre:
        p.problem = "figures without an indicator"
    # unit: the longest suffix of the words before the figures that is a known unit
    if has_unit_col and (p.nums or p.verdict) and len(pre) >= 2:
        for j in range(1, len(pre)):
            if len(pre) - j > 6:
                continue
            if _is_unit(" ".join(w.text for w in pre[j:])):
                p.unit = pre[j:]
                pre = pre[:j]
                break
    p.name = pre
    return p


def _gap_stats(parsed: list[_Parsed], n_num: int) -> tuple[float, float, float]:
    """(threshold, first empty-cell blank, step): a blank wider than threshold holds an empty cell."""
    base = [
        w.gap
        for p in parsed
        if len(p.nums) == n_num and not p.problem
        for w in p.nums[1:]
        if w.gap is not None
    ]
    thr = max(base) if base else 2.0
    thr = max(thr, 1.0)
    wide = [
        w.gap
        for p in parsed
        for w in (p.nums + p.verdict[:1])
        if w.gap is not None and w.gap > thr + 0.5
    ]
    g1 = min(wide) if wide else thr + 2.0
    base_min = min(base) if base else 1.0
    step = max(g1 - base_min, 1.0)
    return thr + 0.5, g1, step


def _empties_est(g: float, thr: float, g1: float, step: float) -> int:
    if g <= thr:
        return 0
    return 1 + max(0, int((g - g1) / step + 0.3))


def _ratio_ok(r: Decimal, num: Decimal, den: Decimal) -> bool | None:
    if den == 0 or num == 0:
        return None
    for a, b in ((num, den), (den, num)):
        exp = a / b * 100
        if abs(r - exp) <= max(Decimal("0.6"), abs(exp) * Decimal("0.006")):
            return True
    return False


def _place(
    p: _Parsed,
    tail_cols: list[int],
    cols: list[TableColumn],
    anchor: int,
    stats: tuple[float, float, float],
) -> tuple[dict[int, list[Word]] | None, str | None]:
    """Leaf column -> words for the tail items, or (None, reason)."""
    items: list[tuple[str, list[Word]]] = [("num", [w]) for w in p.nums]
    if p.verdict:
        items.append(("verdict", p.verdict))
    if p.note:
        items.append(("note", p.note))
    if not items:
        return {}, None
    roles = [cols[c].role for c in tail_cols]
    allowed = {
        "num": [i for i, r in enumerate(roles) if r in ("value", "ratio")],
        "verdict": [i for i, r in enumerate(roles) if r == "verdict"] or [i for i, r in enumerate(roles) if r == "note"],
        "note": [i for i, r in enumerate(roles) if r == "note"],
    }
    thr, g1, step = stats
    gaps = [ws[0].gap for _, ws in items]
    sols: list[tuple[int, int, list[int]]] = []  # (soft cost, -ratios confirmed, positions)

    def rec(i: int, prev: int, pos: list[int], soft: int) -> None:
        if i == len(items):
            sols.append((soft, 0, list(pos)))
            return
        kind = items[i][0]
        g = gaps[i]
        for q in allowed[kind]:
            if q <= prev:
                continue
            e = q - prev - 1
            s = soft
            if g is not None:
                if g <= thr and e != 0:
                    continue
                if g > thr and e == 0:
                    continue
                s += abs(e - _empties_est(g, thr, g1, step))
            pos.append(q)
            rec(i + 1, q, pos, s)
            pos.pop()

    if len(p.nums) > len(allowed["num"]):
        return None, "more figures than figure columns"
    if p.verdict and not allowed["verdict"]:
        return None, "a verdict but no verdict column"
    if p.note and not allowed["note"]:
        return None, "text after the figures"
    rec(0, anchor, [], 0)
    if not sols:
        return None, "the blanks between the figures fit no column layout"
    # stated ratios must agree with their operands
    scored = []
    for soft, _, pos in sols:
        placed: dict[int, Decimal] = {}
        for (kind, ws), q in zip(items, pos):
            if kind == "num":
                cv = parse_cell_value(ws[0].text)
                if cv.number is not None:
                    placed[tail_cols[q]] = cv.number
        good = bad = 0
        for col in cols:
            if col.role != "ratio" or col.col_index not in placed:
                continue
            a, b = col.ratio_numerator_col, col.ratio_denominator_col
            if a is None or b is None or a not in placed or b not in placed:
                continue
            ok = _ratio_ok(placed[col.col_index], placed[a], placed[b])
            if ok is True:
                good += 1
            elif ok is False:
                bad += 1
        scored.append((bad, soft, -good, pos))
    if all(s[0] > 0 for s in scored):
        return None, "the figures contradict the stated ratios"
    scored = [s for s in scored if s[0] == 0]
    scored.sort(key=lambda s: (s[1], s[2]))
    if len(scored) > 1 and scored[0][1:3] == scored[1][1:3]:
        return None, "the figures fit more than one column layout"
    pos = scored[0][3]
    return {tail_cols[q]: ws for (_, ws), q in zip(items, pos)}, None


# --------------------------------------------------------------------------- driver


def _text(ws: list[Word]) -> str:
    return clean_line(" ".join(w.text for w in ws))


def _cell(ws: list[Word], region: int) -> GCell:
    if not ws:
        return GCell("", None, region, True)
    page = ws[0].page
    same = [w for w in ws if w.page == page]
    bbox = (min(w.x0 for w in same), min(w.top for w in same), max(w.x1 for w in same), max(w.bottom for w in same))
    return GCell(_text(ws), tuple(round(v, 2) for v in bbox), region, True, page)  # type: ignore[arg-type]


def _is_header_start(ln: FLine) -> bool:
    ws = ln.words
    if not ws:
        return False
    f0 = _fold_word(ws[0].text)
    if f0 in ("tt", "stt", "s.tt") and ws[0].text.isupper():
        return len(ws) == 1 or ws[1].text[:1].isupper()
    if f0 == "so" and len(ws) > 1 and _fold_word(ws[1].text) == "tt":
        return True
    if len(ws) <= 5 and ws[0].text[:1].isupper():
        return _key_at(ws, 0) in (("chi", "tieu"), ("cac", "chi", "tieu"), ("noi", "dung"))
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
    if _is_numbering(ln.words):
        return True
    if _label_line(ln, nxt):
        return True
    return any(_is_value(w.text) and not _header_number(ln.words, i) for i, w in enumerate(ln.words))


@dataclass
class FlowedTable:
    table: LogicalTable
    fragments: list[Fragment]
    first_line: int
    last_line: int


def _try_table(
    lines: list[FLine], start: int, all_lines: dict[int, list[Line]], warnings: list[str]
) -> tuple[FlowedTable | None, int]:
    """A flowed table whose header starts at lines[start]; (table or None, index after it)."""
    # header
    j = start
    while j < len(lines) and j - start < MAX_HEADER_LINES:
        if j > start and (_body_starts(lines, j) or lines[j].page > lines[j - 1].page + 1):
            break
        j += 1
    if j >= len(lines) or j - start >= MAX_HEADER_LINES:
        return None, start + 1
    header_lines = lines[start:j]
    cells = _header_cells(header_lines)
    if len(cells) < 3 or len(cells) > MAX_HEADER_CELLS:
        return None, start + 1
    struct = _header_structure(cells)
    if struct is None:
        warnings.append(f"page {lines[start].page}: flowed table header is ambiguous; skipped")
        return None, start + 1
    paths: list[list[str]] = []
    leaf_cells: list[tuple[int, int | None]] = []
    for top, leaves in struct:
        if leaves:
            for li in leaves:
                paths.append([cells[top].text, cells[li].text])
                leaf_cells.append((top, li))
        else:
            paths.append([cells[top].text])
            leaf_cells.append((top, None))
    numbering: list[str | None] = [None] * len(paths)
    numbering_words: list[Word] = []
    if _is_numbering(lines[j].words):
        numbering_words = lines[j].words
        if len(numbering_words) == len(paths):
            numbering = [w.text for w in numbering_words]
        j += 1
    cols = classify_columns(paths, numbering, ReportContext())
    roles = [c.role for c in cols]
    if "other" in roles or "indicator" not in roles or not any(r in ("value", "ratio") for r in roles):
        return None, start + 1
    ind = roles.index("indicator")
    lab = roles.index("row_label") if "row_label" in roles else None
    unit = roles.index("unit") if "unit" in roles else None
    if lab is not None and lab > ind or unit is not None and unit != ind + 1:
        return None, start + 1
    first_tail = (unit if unit is not None else ind) + 1
    tail_cols = list(range(first_tail, len(cols)))
    if not tail_cols or any(r in ("row_label", "indicator", "unit") for r in roles[first_tail:]):
        return None, start + 1

    # body rows
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
        if _ends_table(ln) or (_is_header_start(ln) and k > j):
            break
        nxt = lines[k + 1] if k + 1 < len(lines) else None
        if cur is None or _starts_row(cur, ln, nxt):
            if cur is not None:
                rows.append(cur)
            cur = _Row([ln])
        else:
            cur.lines.append(ln)
            if not _complete(cur) and (len(cur.lines) > MAX_ROW_LINES or len(_text(cur.words)) > MAX_NAME_CHARS):
                cur = None
                k -= len([1])  # stop before nothing: the open row is dropped
                break
        k += 1
    if cur is not None:
        rows.append(cur)

    parsed = [_split_row(r, lab is not None, unit is not None) for r in rows]
    # the table ends at the last row with a tail; a row that is neither labelled, nor a
    # heading ("...:"), nor has a tail, is running text after the table
    keep: list[_Parsed] = []
    for p in parsed:
        name = _text(p.name)
        tail = bool(p.nums or p.verdict)
        if not tail and not p.label and not name.endswith(":"):
            break
        if len(name) > MAX_NAME_CHARS or re.search(r"[.;]\s+\S|\./\.", name):
            break
        keep.append(p)
    while keep and not (keep[-1].nums or keep[-1].verdict):
        keep.pop()
    if not keep:
        return None, start + 1

    n_num = sum(1 for c in tail_cols if roles[c] in ("value", "ratio"))
    stats = _gap_stats(keep, n_num)
    thr = stats[0]
    body: list[list[GCell]] = []
    body_pages: list[int] = []
    region = 1000
    placed_rows = skipped = 0
    for p in keep:
        problem = p.problem
        placement: dict[int, list[Word]] | None = {}
        if problem is None and any(w.gap is not None and w.gap > thr for w in p.name[1:] + p.unit[1:]):
            problem = "a wide blank inside the indicator text (text values?)"
        anchor = -1
        if problem is None and unit is not None and not p.unit:
            if p.nums and p.nums[0].gap is not None and p.nums[0].gap <= thr:
                problem = "the unit is not recognised"
            anchor = -2
        if problem is None:
            placement, problem = _place(p, tail_cols, cols, anchor + len([]) if anchor == -1 else -2, stats)
            if placement is not None:
                placement = {c: ws for c, ws in placement.items()}
        if problem is not None or placement is None:
            skipped += 1
            pg = (p.label or p.name or p.row.words)[0].page
            warnings.append(f"page {pg}: flowed table row '{_text(p.name)[:50]}' skipped: {problem}")
            continue
        if p.nums:
            placed_rows += 1
        row: list[GCell] = []
        for c in range(len(cols)):
            ws: list[Word] = []
            if c == lab:
                ws = p.label
            elif c == ind:
                ws = p.name if lab is not None or not p.label else p.label + p.name
            elif c == unit:
                ws = p.unit
            elif c in placement:
                ws = placement[c - first_tail + first_tail]
            row.append(_cell(ws, region))
            region += 1
        body.append(row)
        body_pages.append(p.row.words[0].page)
    if placed_rows < 2 or skipped > placed_rows:
        warnings.append(f"page {lines[start].page}: flowed table skipped ({placed_rows} rows placed, {skipped} not)")
        return None, start + 1

    # header grid: first-level row (groups span their leaves), leaf row if any group
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
    if numbering_words and len(numbering_words) == len(paths):
        header.append([_cell([w], region + i) for i, w in enumerate(numbering_words)])
        numbering_idx = len(header) - 1

    end = k
    last_page_lines: dict[int, list[FLine]] = {}
    used = lines[start:end]
    # fragments: one per page, the table's lines there
    last_word = keep[-1].row.lines[-1]
    stop = lines.index(last_word, start) + 1
    used = lines[start:stop]
    for ln in used:
        last_page_lines.setdefault(ln.page, []).append(ln)
    frags = []
    for page, lns in sorted(last_page_lines.items()):
        bbox = (
            min(ln.line.x0 for ln in lns),
            min(ln.line.top for ln in lns),
            max(ln.line.x1 for ln in lns),
            max(ln.line.bottom for ln in lns),
        )
        frags.append(Fragment(page, bbox, [bbox[0], bbox[2]], [], "flowed"))
    # caption: the lines above the header on its page (or the end of the page before)
    hp = lines[start].page
    above = [ln for ln in all_lines.get(hp, []) if ln.bottom <= lines[start].line.top + 1]
    above = [ln for ln in above if not PAGE_NUMBER.match(ln.text.strip())]
    caption, cpage = caption_from_lines(above)
    if caption is None and not above:
        caption, cpage = caption_from_lines([ln for ln in all_lines.get(hp - 1, []) if not PAGE_NUMBER.match(ln.text.strip())])
    lt = LogicalTable(
        fragments=frags,
        header=header,
        numbering_idx=numbering_idx,
        body=body,
        body_pages=body_pages,
        caption=caption,
        caption_page=cpage,
    )
    return FlowedTable(lt, frags, start, stop - 1), stop


def _is_furniture(ln: Line, first: bool, last: bool, width: float) -> bool:
    """A page number at the top or bottom of the page, roughly centred."""
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
) -> list[FlowedTable]:
    """Flowed tables of the document, outside the fragments already found (ruled / aligned)."""
    # cheap pre-check on line texts: any header start at all?
    cands = []
    for p, lns in page_lines.items():
        for ln in lns:
            ws = ln.text.split()
            if ws and (_fold_word(ws[0]) in ("tt", "stt", "s.tt", "so", "chi", "cac", "noi")):
                cands.append(p)
                break
    if not cands:
        return []
    first_page = min(cands)
    stream: list[FLine] = []
    for p in sorted(page_lines):
        if p < first_page:
            continue
        lns = page_lines[p]
        frs = taken.get(p, [])
        grouped = _line_chars(page_chars.get(p, []), lns)
        spaces = [c["x1"] - c["x0"] for c in page_chars.get(p, []) if c.get("text") == " " and c["x1"] > c["x0"]]
        page_space = statistics.median(spaces) if spaces else None
        for idx, (ln, lc) in enumerate(zip(lns, grouped)):
            if _is_furniture(ln, idx == 0, idx == len(lns) - 1, page_widths.get(p, 0.0)):
                continue
            if any(_inside(ln, f) for f in frs):
                continue
            ws = _split_words(ln, lc, page_space)
            if ws:
                stream.append(FLine(ln, ws))
    out: list[FlowedTable] = []
    i = 0
    while i < len(stream):
        if _is_header_start(stream[i]):
            ft, nxt = _try_table(stream, i, page_lines, warnings)
            if ft is not None:
                out.append(ft)
                i = nxt
                continue
        i += 1
    return out


def _inside(ln: Line, f: Fragment) -> bool:
    x0, top, x1, bottom = f.bbox
    cy = (ln.top + ln.bottom) / 2
    cx = (ln.x0 + ln.x1) / 2
    return top - 1 <= cy <= bottom + 1 and x0 - 1 <= cx <= x1 + 1
