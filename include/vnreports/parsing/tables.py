"""Table detection and assembly: per-page fragments -> logical tables spanning pages.

A fragment is what one page shows of a table: a grid of leaf cells where merged cells keep one
region id (text on the region's top-left position). Fragments on consecutive pages are joined
into one logical table when the later one starts the page, the earlier one ends its page, they
have the same leaf columns, and the later one either repeats the header (dropped), repeats
an empty header (dropped) or has no header at all. A body row cut by the page break (no
label, no figures, text starting in lower case) is glued back onto the row above.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Any

from .numbers import parse_cell_value, parse_vn_number
from .pdftext import Char, Line, cell_text, chars_in_bbox
from .textutil import fold_ascii, has_words, is_upper_text, match_key

BBox = tuple[float, float, float, float]

RULED_SETTINGS: dict[str, Any] = {
    "vertical_strategy": "lines",
    "horizontal_strategy": "lines",
    "snap_tolerance": 3,
    "join_tolerance": 3,
    "intersection_tolerance": 3,
    "edge_min_length": 3,
}

HEADER_WORDS = (
    "tt",
    "stt",
    "so tt",
    "chi tieu",
    "noi dung",
    "don vi",
    "don vi tinh",
    "dvt",
    "ghi chu",
    "ke hoach",
    "kh",
    "thuc hien",
    "th",
    "uoc",
    "uoc th",
    "so voi",
    "so sanh",
    "ty le",
    "danh gia",
    "ten",
    "cung ky",
    "muc tieu",
    "du toan",
    "ket qua",
    "luy ke",
    "danh muc",
    "hang muc",
    "nam",
    "thang",
    "quy",
)

CAPTION_START = re.compile(
    r"^\(?\s*(phu luc|bieu|bang|mau bieu|danh muc|kem theo|bieu kem theo|bieu so|bieu tong hop)\b"
)
_DOC_HEADINGS = {"bao cao", "ke hoach", "nghi quyet", "quyet dinh", "to trinh", "chuong trinh", "thong bao"}
PAGE_NUMBER = re.compile(r"^(?:-\s*)?(?:trang\s*)?\d{1,4}(?:\s*-)?(?:\s*/\s*\d{1,4})?$", re.I)
NUMBERING_TOKEN = re.compile(r"^\(?([0-9]{1,3}|[A-Z]{1,2})\)?(?:\s*=\s*\S.*)?$")


@dataclass
class GCell:
    text: str
    bbox: BBox | None
    region: int
    origin: bool
    page: int | None = None  # page of the cell when it is not the row's page (flowed tables)


@dataclass
class Fragment:
    page: int
    bbox: BBox
    col_edges: list[float]
    rows: list[list[GCell]]
    detection: str  # "ruled" | "aligned" | "flowed"
    header_n: int = 0
    numbering_idx: int | None = None
    above: list[Line] = field(default_factory=list)  # text lines above it on its page
    below: list[Line] = field(default_factory=list)  # text lines below it on its page

    @property
    def ncols(self) -> int:
        return len(self.col_edges) - 1

    def texts(self, r: int) -> list[str]:
        return [c.text if c.origin else "" for c in self.rows[r]]


@dataclass
class LogicalTable:
    fragments: list[Fragment]
    header: list[list[GCell]]  # header rows incl. the numbering row
    numbering_idx: int | None
    body: list[list[GCell]]
    body_pages: list[int]
    caption: str | None = None
    caption_page: int | None = None

    @property
    def pages(self) -> list[int]:
        return sorted({f.page for f in self.fragments})

    @property
    def detection(self) -> str:
        return self.fragments[0].detection


# --------------------------------------------------------------------------- page checks


def has_ruling(page: Any) -> bool:
    """Cheap test: does the page draw at least two horizontal and two vertical rules?"""
    h = v = 0
    for e in page.edges:
        length = (e["x1"] - e["x0"]) if e["orientation"] == "h" else (e["bottom"] - e["top"])
        if length < 8:
            continue
        if e["orientation"] == "h":
            h += 1
        else:
            v += 1
        if h >= 2 and v >= 2:
            return True
    return False


def _cluster(values: list[float], tol: float = 2.0) -> list[float]:
    vals = sorted(values)
    out: list[list[float]] = []
    for v in vals:
        if out and v - out[-1][-1] <= tol:
            out[-1].append(v)
        else:
            out.append([v])
    return [sum(g) / len(g) for g in out]


def _nearest(edges: list[float], v: float) -> int:
    best, bi = None, 0
    for i, e in enumerate(edges):
        d = abs(e - v)
        if best is None or d < best:
            best, bi = d, i
    return bi


class _CharsByHeight:
    """chars_in_bbox for many boxes over the same chars: the chars sorted by their vertical
    centre, so a box only looks at the chars of its own band (a table of a few hundred cells
    scanned every char of the page per cell)."""

    def __init__(self, chars: list[Char]) -> None:
        keyed = sorted(((c["top"] + c["bottom"]) / 2, k) for k, c in enumerate(chars))
        self._centres = [v for v, _ in keyed]
        self._order = [k for _, k in keyed]
        self._chars = chars

    def within(self, bbox: BBox) -> list[Char]:
        """The chars whose centre is in bbox (as chars_in_bbox), in their original order."""
        x0, top, x1, bottom = bbox
        lo, hi = bisect_left(self._centres, top), bisect_left(self._centres, bottom)
        picked = sorted(k for k in self._order[lo:hi]
                        if x0 <= (self._chars[k]["x0"] + self._chars[k]["x1"]) / 2 < x1)
        return [self._chars[k] for k in picked]


def fragment_from_cells(
    cells: list[BBox], chars: list[Char], page_no: int, detection: str = "ruled"
) -> Fragment | None:
    """Build a merged-cell grid from cell boxes (pdfplumber Table.cells)."""
    if len(cells) < 2:
        return None
    xs = _cluster([c[0] for c in cells] + [c[2] for c in cells])
    ys = _cluster([c[1] for c in cells] + [c[3] for c in cells])
    if len(xs) < 3 or len(ys) < 2:
        return None
    nr, nc = len(ys) - 1, len(xs) - 1
    grid: list[list[GCell | None]] = [[None] * nc for _ in range(nr)]
    x0 = min(c[0] for c in cells)
    top = min(c[1] for c in cells)
    x1 = max(c[2] for c in cells)
    bottom = max(c[3] for c in cells)
    tchars = chars_in_bbox(chars, (x0 - 1, top - 1, x1 + 1, bottom + 1))
    in_cell = _CharsByHeight(tchars)
    region = 0
    for cb in sorted(cells, key=lambda c: (c[1], c[0])):
        c0, c1 = _nearest(xs, cb[0]), _nearest(xs, cb[2])
        r0, r1 = _nearest(ys, cb[1]), _nearest(ys, cb[3])
        if c1 <= c0 or r1 <= r0:
            continue
        if grid[r0][c0] is not None:
            continue
        text = cell_text(in_cell.within(cb))
        for r in range(r0, r1):
            for c in range(c0, c1):
                if grid[r][c] is None:
                    grid[r][c] = GCell(text if (r, c) == (r0, c0) else "", cb, region, (r, c) == (r0, c0))
        region += 1
    rows: list[list[GCell]] = []
    for r in range(nr):
        row = []
        for c in range(nc):
            g = grid[r][c]
            if g is None:
                g = GCell("", None, region, True)
                region += 1
            row.append(g)
        rows.append(row)
    frag = Fragment(page_no, (x0, top, x1, bottom), xs, rows, detection)
    _drop_empty_rows(frag)
    if not frag.rows:
        return None
    return frag


def _drop_empty_rows(frag: Fragment) -> None:
    frag.rows = [r for r in frag.rows if any(c.origin and c.text for c in r)]


# --------------------------------------------------------------------------- headers


def is_numbering_row(texts: list[str]) -> bool:
    """'1 2 3 4 5 6 7=6/4 ...' or '(1) (2) ...' or 'A B 1 2 3'."""
    filled = [t for t in texts if t]
    if len(filled) < max(2, int(0.6 * len(texts))):
        return False
    nums = []
    for t in filled:
        m = NUMBERING_TOKEN.match(t.replace(" ", "") if "=" not in t else t.strip())
        if not m:
            return False
        base = m.group(1)
        if base.isdigit():
            nums.append(int(base))
    if len(nums) < 2:
        return False
    return all(b > a for a, b in zip(nums, nums[1:]))


def _is_value_number(t: str) -> bool:
    n = parse_vn_number(t)
    if n is None:
        return parse_cell_value(t).kind == "range"
    if n == n.to_integral_value() and 1900 <= n <= 2100 and re.fullmatch(r"\d{4}", t.strip()):
        return False  # a year in a header
    return True


_BODY_LABEL = re.compile(r"^([IVXLC]+|\d+(\.\d+)*|[a-zđ]\)|[-–+*•])\.?$")


def is_header_like(texts: list[str]) -> bool:
    """A header row: no figures, no row label in front, and a cell that starts with a header word."""
    filled = [t for t in texts if t]
    if not filled:
        return False
    if any(_is_value_number(t) for t in filled):
        return False
    if texts and texts[0] and _BODY_LABEL.match(texts[0].strip()):
        return False
    for t in filled:
        f = fold_ascii(t)
        for w in HEADER_WORDS:
            if f == w or f.startswith(w + " ") or f.startswith(w + "(") or f.startswith(w + "/"):
                return True
    return False


def detect_header(frag: Fragment) -> None:
    """Set frag.header_n (header rows incl. numbering row) and frag.numbering_idx."""
    n = len(frag.rows)
    for r in range(min(n, 8)):
        if is_numbering_row(frag.texts(r)):
            # everything above must look like header (not body rows with small integers)
            if all(is_header_like(frag.texts(k)) or not any(frag.texts(k)) or _covered(frag, k) for k in range(r)):
                frag.header_n = r + 1
                frag.numbering_idx = r
                return
            break
    if n == 0 or not is_header_like(frag.texts(0)):
        frag.header_n = 0
        return
    # rows covered by row-0 cells that span downwards are header too
    end = 1
    first_regions = {c.region for c in frag.rows[0]}
    for r in range(1, n):
        if any(c.region in first_regions for c in frag.rows[r]):
            end = r + 1
    while end < n and end < 6 and is_header_like(frag.texts(end)):
        end += 1
    frag.header_n = end


def _covered(frag: Fragment, r: int) -> bool:
    return r > 0 and any(not c.origin for c in frag.rows[r])


def header_signature(rows: list[list[GCell]]) -> str:
    return " | ".join(match_key(" ".join(c.text for c in row if c.origin and c.text)) for row in rows)


def same_header(a: list[list[GCell]], b: list[list[GCell]]) -> bool:
    """A header repeated on the next page: the same text but for spacing ("KH2022" / "KH 2022")
    and, in a long header, a letter or two (an OCR reading of the same print: 95% alike)."""
    from difflib import SequenceMatcher

    x, y = (re.sub(r"\s+", "", header_signature(rows)) for rows in (a, b))
    if x == y:
        return True
    return min(len(x), len(y)) >= 40 and SequenceMatcher(None, x, y, autojunk=False).ratio() >= 0.95


# --------------------------------------------------------------------------- captions


def caption_from_lines(lines: list[Line]) -> tuple[str | None, int | None]:
    """Caption of a table from the lines just above it.

    The block starts at the last "Phụ lục / Biểu / Bảng ..." line among the last eight lines;
    without one, it is the trailing run of upper-case title lines and parenthesised lines
    ("(Kèm theo Báo cáo số ...)", possibly wrapped).
    """
    if not lines:
        return None, None
    tail = lines[-8:]
    kw = [
        i
        for i, ln in enumerate(tail)
        if CAPTION_START.match(fold_ascii(ln.text)) and not ln.text.lstrip().startswith("(")
    ]
    if kw:
        block = tail[kw[-1] :]
    else:
        i = len(tail) - 1
        start = len(tail)
        while i >= 0:
            t = tail[i].text
            if ")" in t and "(" not in t:
                j = i
                while j >= 0 and "(" not in tail[j].text:
                    j -= 1
                if j < 0:
                    break
                start, i = j, j - 1
            elif is_upper_text(t) or t.lstrip().startswith("("):
                start, i = i, i - 1
            else:
                break
        block = tail[start:]
    if not block or all(fold_ascii(ln.text).strip(" :.") in _DOC_HEADINGS for ln in block):
        return None, None
    return " ".join(ln.text for ln in block), block[0].page


def _significant(lines: list[Line], body_size: float | None = None) -> list[Line]:
    out = []
    for ln in lines:
        if PAGE_NUMBER.match(ln.text.strip()):
            continue
        if body_size and ln.size and ln.size < 0.8 * body_size:
            continue  # footnotes
        out.append(ln)
    return out


def place_lines(frags: list[Fragment], lines: list[Line]) -> None:
    """Give each fragment the text lines between it and its neighbours on the page."""
    frags.sort(key=lambda f: f.bbox[1])
    outside = [ln for ln in lines if not any(inside(ln, f) for f in frags)]
    for k, f in enumerate(frags):
        lo = frags[k - 1].bbox[3] if k > 0 else float("-inf")
        hi = frags[k + 1].bbox[1] if k + 1 < len(frags) else float("inf")
        f.above = [ln for ln in outside if lo - 1 <= ln.top and ln.bottom <= f.bbox[1] + 1]
        f.below = [ln for ln in outside if ln.top >= f.bbox[3] - 1 and ln.bottom <= hi + 1]


def inside(ln: Line, f: Fragment) -> bool:
    x0, top, x1, bottom = f.bbox
    cy = (ln.top + ln.bottom) / 2
    cx = (ln.x0 + ln.x1) / 2
    return top - 1 <= cy <= bottom + 1 and x0 - 1 <= cx <= x1 + 1


# --------------------------------------------------------------------------- assembly


def _same_columns(a: Fragment, b: Fragment) -> bool:
    if a.ncols != b.ncols:
        return False
    width = max(a.bbox[2] - a.bbox[0], 1.0)
    tol = max(6.0, 0.02 * width)
    return all(abs(x - y) <= tol for x, y in zip(a.col_edges, b.col_edges))


def _is_split_row(prev: list[GCell], cont: list[GCell], text_cols: set[int], label_col: int | None) -> bool:
    """Is `cont` the rest of `prev`, cut by a page break?"""
    if label_col is not None and cont[label_col].text:
        return False
    texts = [c.text if c.origin else "" for c in cont]
    filled = [i for i, t in enumerate(texts) if t]
    if not filled:
        return False
    first_text_col = min(text_cols) if text_cols else None
    lead = texts[first_text_col] if first_text_col is not None else ""
    if not lead or not lead[0].islower():
        return False
    for i in filled:
        if i in text_cols:
            continue
        if prev[i].text:  # a figure in both parts: two rows, not one
            return False
    return True


def assemble(
    fragments: list[Fragment], page_lines: dict[int, list[Line]], body_size: float | None
) -> list[LogicalTable]:
    """Join fragments (sorted by page, top) into logical tables."""
    tables: list[LogicalTable] = []
    by_page: dict[int, list[Fragment]] = {}
    for f in fragments:
        by_page.setdefault(f.page, []).append(f)
        detect_header(f)
    for fl in by_page.values():
        fl.sort(key=lambda f: f.bbox[1])

    for f in fragments:
        cur = tables[-1] if tables else None
        if cur is not None and _continues(cur, f, by_page, body_size):
            hdr_n = f.header_n
            if hdr_n and cur.header and not same_header(f.rows[:hdr_n], cur.header):
                # not the same header after all: a new table
                tables.append(_new_table(f, page_lines))
                continue
            body = f.rows[hdr_n:]
            if body and cur.body:
                text_cols, label_col = _guess_text_cols(cur)
                if _is_split_row(cur.body[-1], body[0], text_cols, label_col):
                    cur.body[-1] = _merge_rows(cur.body[-1], body[0])
                    body = body[1:]
            cur.fragments.append(f)
            cur.body.extend(body)
            cur.body_pages.extend([f.page] * len(body))
        else:
            tables.append(_new_table(f, page_lines))
    return tables


def _continues(cur: LogicalTable, f: Fragment, by_page: dict[int, list[Fragment]], body_size: float | None) -> bool:
    last = cur.fragments[-1]
    if f.page != last.page + 1:
        return False
    if by_page[last.page][-1] is not last or by_page[f.page][0] is not f:
        return False
    if f.ncols != last.ncols:
        return False
    if _significant(last.below, body_size) or _significant(f.above, body_size):
        return False
    if f.header_n:
        return same_header(f.rows[: f.header_n], cur.header) or _same_columns(last, f)
    return _same_columns(last, f)


def _new_table(f: Fragment, page_lines: dict[int, list[Line]]) -> LogicalTable:
    above = _significant(f.above)
    caption, cpage = caption_from_lines(above)
    if caption is None and not above:
        prev_lines = _significant(page_lines.get(f.page - 1, []))
        caption, cpage = caption_from_lines(prev_lines)
    hdr = f.rows[: f.header_n]
    body = f.rows[f.header_n :]
    return LogicalTable(
        fragments=[f],
        header=hdr,
        numbering_idx=f.numbering_idx,
        body=list(body),
        body_pages=[f.page] * len(body),
        caption=caption,
        caption_page=cpage,
    )


def _merge_rows(a: list[GCell], b: list[GCell]) -> list[GCell]:
    out = []
    for x, y in zip(a, b):
        if y.origin and y.text:
            if x.text:
                out.append(GCell(x.text + " " + y.text, x.bbox, x.region, True))
            else:
                out.append(GCell(y.text, y.bbox, y.region, True))
        else:
            out.append(x)
    return out


def _guess_text_cols(t: LogicalTable) -> tuple[set[int], int | None]:
    """Columns holding text (indicator / unit / note) and the label column, from the header."""
    ncols = len(t.body[0]) if t.body else 0
    text_cols: set[int] = set()
    label_col = None
    paths = header_paths(t.header, t.numbering_idx, ncols)
    for i, p in enumerate(paths):
        f = fold_ascii(" ".join(p))
        if re.fullmatch(r"s?tt|so tt", f):
            label_col = i
        elif has_words(f, "chi tieu", "noi dung", "don vi", "dvt", "ghi chu", "ten", "danh muc", "hang muc") and not re.search(
            r"\d{4}", f
        ):
            text_cols.add(i)
    if not text_cols and ncols >= 2:
        text_cols.add(1 if ncols > 2 else 0)
        label_col = 0 if ncols > 2 else None
    return text_cols, label_col


def header_paths(header: list[list[GCell]], numbering_idx: int | None, ncols: int) -> list[list[str]]:
    paths: list[list[str]] = [[] for _ in range(ncols)]
    for c in range(ncols):
        seen: set[int] = set()
        for r, row in enumerate(header):
            if r == numbering_idx or c >= len(row):
                continue
            g = row[c]
            if g.region in seen:
                continue
            seen.add(g.region)
            # the region's text lives on its origin cell
            text = g.text if g.origin else _region_text(header, g.region)
            if text:
                paths[c].append(text)
    return paths


def _region_text(rows: list[list[GCell]], region: int) -> str:
    for row in rows:
        for g in row:
            if g.region == region and g.origin:
                return g.text
    return ""
