"""Tables drawn without ruling lines: text aligned in columns (HTML renderers, plain reportlab).

Conservative by design: a block is a table only when at least three consecutive row lines
split into three or more segments (runs of words separated by a wide gap) AND the segments of
the whole block leave at least two vertical white gaps ("rivers") that no segment crosses.
Flowed text (a Word table that lost its structure, e.g. the Trùng Khánh annex, where every
line starts at the margin and words are single-spaced) never satisfies that, so it yields no
table rather than shifted, wrong figures.

Lines of the block become rows: a line with a figure or a row label in the first column
starts a row; a line holding only pieces of cells (no figure, no label) belongs to the row
whose text it continues (lower case, right below a text of the same column) or else to the
clearly nearest row line. HTML printed by a browser centres cells vertically, so a wrapped
name or unit puts lines above AND below the line with the label and figures, and a wrapped
section row ("Văn hóa - xã" / "II" / "hội") takes several lines. The lines right above the
first row with figures that fit the columns form the header (a caption, one segment wider
than half the table, ends it); a header segment spanning several columns becomes a merged
header cell, and in a centred header the texts beside it (rowspan cells) move up to its row.
"""

from __future__ import annotations

import re

from .numbers import parse_cell_value
from .pdftext import Char, Line, cell_text
from .tables import Fragment, GCell

MIN_ROWS = 3
MIN_COLS = 3


class _Seg:
    __slots__ = ("x0", "x1", "top", "bottom", "chars", "text")

    def __init__(self, chars: list[Char]):
        self.chars = chars
        self.x0 = min(c["x0"] for c in chars)
        self.x1 = max(c["x1"] for c in chars)
        self.top = min(c["top"] for c in chars)
        self.bottom = max(c["bottom"] for c in chars)
        self.text = cell_text(chars)


def _line_chars(chars: list[Char], lines: list[Line]) -> list[list[Char]]:
    """Page chars (space chars included) grouped by the text line whose band holds their centre."""
    out: list[list[Char]] = [[] for _ in lines]
    for c in chars:
        cy = (c["top"] + c["bottom"]) / 2
        best, bd = None, None
        for k, ln in enumerate(lines):
            if ln.top - 1 <= cy <= ln.bottom + 1:
                d = abs(cy - (ln.top + ln.bottom) / 2)
                if bd is None or d < bd:
                    best, bd = k, d
        if best is not None:
            out[best].append(c)
    return out


def _segments(line: Line, line_chars: list[Char] | None = None) -> list[_Seg]:
    """Split a line into segments at gaps wider than ~0.8 em (spaces inside a cell are kept)."""
    return [_Seg(s) for s in _segment_chars(line, line_chars)]


def _segment_chars(line: Line, line_chars: list[Char] | None = None) -> list[list[Char]]:
    """The chars of each of _segments (without reading their text)."""
    chars = sorted((c for c in (line_chars if line_chars is not None else line.chars) if c.get("text")), key=lambda c: c["x0"])
    if not chars:
        return []
    size = line.size or 10.0
    gap = max(6.0, 0.8 * size)
    segs: list[list[Char]] = []
    cur: list[Char] = []
    last_x1 = None
    for c in chars:
        blank = not c["text"].strip()
        if not blank and last_x1 is not None and c["x0"] - last_x1 > gap:
            segs.append(cur)
            cur = []
        cur.append(c)
        if not blank:
            last_x1 = c["x1"] if last_x1 is None else max(last_x1, c["x1"])
    segs.append(cur)
    out = []
    for s in segs:
        while s and not s[0]["text"].strip():
            s = s[1:]
        while s and not s[-1]["text"].strip():
            s = s[:-1]
        if s:
            out.append(s)
    return out


def _rivers(seg_lines: list[list[_Seg]], x_min: float, x_max: float) -> list[tuple[float, float]]:
    """White vertical gaps not crossed by any segment, between x_min and x_max."""
    spans = sorted((s.x0, s.x1) for segs in seg_lines for s in segs)
    gaps = []
    cur = x_min
    for a, b in spans:
        if a > cur + 2.0:
            gaps.append((cur, a))
        cur = max(cur, b)
    return [(a, b) for a, b in gaps if a > x_min + 0.5 and b < x_max]


def _is_num(text: str) -> bool:
    return parse_cell_value(text).kind in ("number", "range")


_YEAR = re.compile(r"^(19|20)\d\d$")
# Row labels of indicator tables: I / II, 1 / 2.1, -, +, *, a), A.
_ROW_LABEL = re.compile(r"^(?:[IVXLC]+|\d+(?:\.\d+)*|[-+*•–]|[a-zđ]\)|[A-Z])\.?$")


def _is_figure(text: str) -> bool:
    """A number that can be a table figure; a bare year ("2022") is header text ("KH năm / 2022")."""
    return _is_num(text) and not _YEAR.match(text.strip())


_MAX_GAP_LINES = 6
_NEAR = 0.85  # a piece line is nearer to one row line than to the other


def _narrow(segs: list[_Seg], rows: list[list[_Seg]]) -> bool:
    """A line of cell pieces: no figure, every segment narrower than half the rows' width."""
    spans = [s for r in rows for s in r]
    width = max(s.x1 for s in spans) - min(s.x0 for s in spans)
    return not any(_is_num(s.text) for s in segs) and all(s.x1 - s.x0 < 0.5 * width for s in segs)


def _mid(line: Line) -> float:
    return (line.top + line.bottom) / 2


def find_aligned_fragments(chars: list[Char], lines: list[Line], page_no: int) -> list[Fragment]:
    # cheap pre-check on the line chars: at least MIN_ROWS lines with >= MIN_COLS segments
    quick = sum(1 for ln in lines if len(_segment_chars(ln)) >= MIN_COLS)
    if quick < MIN_ROWS:
        return []
    grouped = _line_chars(chars, lines)
    seg_lines = [_segments(ln, lc) for ln, lc in zip(lines, grouped)]
    frags: list[Fragment] = []
    i = 0
    n = len(lines)
    while i < n:
        # a run of table lines: >= 3 segments with a figure; up to 2 continuation lines between
        if not (len(seg_lines[i]) >= MIN_COLS and any(_is_figure(s.text) for s in seg_lines[i])):
            i += 1
            continue
        j = i
        last_row = i
        while j + 1 < n:
            nxt = seg_lines[j + 1]
            if len(nxt) >= MIN_COLS and any(_is_figure(s.text) for s in nxt):
                last_row = j + 1
                j += 1
            elif (nxt and lines[j + 1].top - lines[j].bottom < 2.5 * max(lines[j].size, 6)
                  and (j + 1 - last_row <= 2
                       or (j + 1 - last_row <= _MAX_GAP_LINES and _narrow(nxt, seg_lines[i:last_row + 1])))):
                # pieces of vertically centred cells (a wrapped section row) may take more lines
                j += 1
            else:
                break
        end = last_row
        # wrapped text of the last row (lower-case start, directly below) belongs to it
        while end < j and seg_lines[end + 1] and seg_lines[end + 1][0].text[:1].islower():
            end += 1
        run = list(range(i, end + 1))
        numeric_rows = [k for k in run if len(seg_lines[k]) >= MIN_COLS]
        if len(numeric_rows) >= MIN_ROWS:
            frag = _build(lines, seg_lines, run, page_no)
            if frag is not None:
                frags.append(frag)
        i = end + 1
    return frags


def _build(lines: list[Line], seg_lines: list[list[_Seg]], run: list[int], page_no: int) -> Fragment | None:
    x_min = min(s.x0 for k in run for s in seg_lines[k]) - 1
    x_max = max(s.x1 for k in run for s in seg_lines[k]) + 1
    rivers = _rivers([seg_lines[k] for k in run], x_min, x_max)
    if len(rivers) < MIN_COLS - 1:
        return None
    edges = [x_min] + [(a + b) / 2 for a, b in rivers] + [x_max]
    ncols = len(edges) - 1

    def col_of(x: float) -> int:
        if x < edges[0]:  # a header word can start left of every body word ("TT")
            return 0
        for c in range(ncols):
            if edges[c] <= x < edges[c + 1]:
                return c
        return ncols - 1

    def is_label_line(k: int) -> bool:
        segs = seg_lines[k]
        return bool(segs) and bool(_ROW_LABEL.match(segs[0].text)) and col_of(segs[0].x0 + 0.5) == 0

    def is_piece(k: int) -> bool:
        """A line holding only pieces of cells: no figure, no row label in the first column."""
        segs = seg_lines[k]
        return bool(segs) and not any(_is_num(s.text) for s in segs) and not is_label_line(k)

    # Rows without figures right above the first figure row ("I  Kinh tế") are body rows:
    # a line that starts with a row label in the first column. So is the first line of a
    # vertically centred cell of the row below, nearer to that row than to the line above.
    width = x_max - x_min
    k = run[0] - 1
    while k >= 0 and seg_lines[k] and lines[k + 1].top - lines[k].bottom <= 2.5 * max(lines[k].size, 6):
        if is_label_line(k):
            run = [k, *run]
            k -= 1
            continue
        key = next((kk for kk in run if not is_piece(kk)), None)
        segs = seg_lines[k]
        if (key is None or k == 0 or len(segs) >= MIN_COLS or not is_piece(k)
                or any(s.x1 - s.x0 >= 0.5 * width for s in segs)
                or not _mid(lines[key]) - _mid(lines[k]) < _NEAR * (_mid(lines[k]) - _mid(lines[k - 1]))):
            break
        run = [k, *run]
        k -= 1

    # header lines: directly above the run, fitting the columns (each segment inside the table)
    header_idx: list[int] = []
    k = run[0] - 1
    while k >= 0 and len(header_idx) < 6:
        segs = seg_lines[k]
        slack = 0.1 * (x_max - x_min)
        if not segs or any(s.x0 < x_min - 3 or s.x1 > x_max + slack for s in segs):
            break
        if lines[k + 1].top - lines[k].bottom > 2.5 * max(lines[k].size, 6):
            break
        if any(_is_num(s.text) and not s.text.isdigit() for s in segs):
            break
        if len(segs) == 1 and segs[0].x1 - segs[0].x0 > 0.5 * (x_max - x_min):
            break  # a caption above the table ("Biểu: Một số chỉ tiêu ...")
        header_idx.insert(0, k)
        k -= 1

    region = 0
    rows: list[list[GCell]] = []

    def empty_row() -> list[list[_Seg]]:
        return [[] for _ in range(ncols)]

    # header: consecutive lines without spanning segments are one header row (texts joined)
    hdr_groups: list[tuple[list[list[_Seg]], dict[int, int]]] = []  # cells, spans {start: end}
    cur: list[list[_Seg]] | None = None
    def centre(seg: _Seg) -> float:
        return (seg.x0 + seg.x1) / 2

    def merged_span(seg: _Seg, below: list[_Seg]) -> tuple[int, int] | None:
        """Columns a header text is merged over: it must sit centred between sub-headers of
        at least two columns in the lines below ("Năm 2022" over "KH năm" | "Ước TH"); a
        wide label over one column ("So sánh" over "(%)") is not merged."""
        c0, c1 = col_of(seg.x0 + 0.5), col_of(seg.x1 - 0.5)
        if c1 == c0:
            return None
        subs = [b for b in below if c0 <= col_of(centre(b)) <= c1]
        cols = sorted({col_of(centre(b)) for b in subs})
        if len(cols) < 2:
            return None
        left = min(centre(b) for b in subs if col_of(centre(b)) == cols[0])
        right = max(centre(b) for b in subs if col_of(centre(b)) == cols[-1])
        margin = 0.25 * (right - left)
        if not left + margin <= centre(seg) <= right - margin:
            return None
        return cols[0], cols[-1]

    for pos, k in enumerate(header_idx):
        spans: dict[int, int] = {}
        segs = seg_lines[k]
        below = [b for kk in header_idx[pos + 1:] for b in seg_lines[kk]]
        placed_at: dict[int, int] = {}  # segment index -> column
        for i, s in enumerate(segs):
            span = merged_span(s, below)
            if span:
                spans[span[0]] = span[1]
                placed_at[i] = span[0]
            else:
                placed_at[i] = col_of(centre(s))
        spanning = bool(spans)
        if spanning:
            row = empty_row()
            for i, s in enumerate(segs):
                row[placed_at[i]].append(s)
            hdr_groups.append((row, spans))
            cur = None
        else:
            if cur is None:
                cur = empty_row()
                hdr_groups.append((cur, {}))
            for i, s in enumerate(segs):
                cur[placed_at[i]].append(s)

    # Vertically centred header: the line of a merged header ("9 tháng năm 2022") comes first
    # and the texts of the cells beside it (rowspan: "STT", "KH năm 2022") in the lines below.
    # Those texts move up into the merged row's empty cells and cover the row below.
    covers: list[set[int]] = [set() for _ in hdr_groups]  # columns covered by the row above
    for g in range(len(hdr_groups) - 1):
        cells, spans = hdr_groups[g]
        nxt_cells, nxt_spans = hdr_groups[g + 1]
        if not spans or nxt_spans:
            continue
        under = {cc for c0, c1 in spans.items() for cc in range(c0, c1 + 1)}
        for c in range(ncols):
            if c not in under and not cells[c] and nxt_cells[c]:
                cells[c], nxt_cells[c] = nxt_cells[c], []
                covers[g + 1].add(c)

    prev_regions: dict[int, int] = {}
    for g, (cells, spans) in enumerate(hdr_groups):
        row: list[GCell] = []
        regions: dict[int, int] = {}
        c = 0
        while c < ncols:
            if c in covers[g] and c in prev_regions:
                row.append(GCell("", None, prev_regions[c], False))
                regions[c] = prev_regions[c]
                c += 1
                continue
            segs = cells[c]
            text = " ".join(s.text for s in segs)
            bbox = _bbox(segs, edges[c], edges[spans.get(c, c) + 1])
            end = spans.get(c, c)
            for cc in range(c, end + 1):
                row.append(GCell(text if cc == c else "", bbox, region, cc == c))
                regions[cc] = region
            region += 1
            c = end + 1
        prev_regions = regions
        rows.append(row)

    # body: every line that is not only cell pieces starts a row; a piece line belongs to
    # the row whose line it continues (lower-case start right below a text of the same
    # column) or else to the clearly nearest row line (vertically centred cells put the
    # first lines of a wrapped cell above the row's label and figures).
    def cols_of(k: int) -> set[int]:
        return {col_of((s.x0 + s.x1) / 2) for s in seg_lines[k]}

    keys = [k for k in run if not is_piece(k)]
    owner: dict[int, int] = {k: k for k in keys}
    for k in run:
        if k in owner:
            continue
        segs = seg_lines[k]
        size = max(lines[k].size, 6)
        if segs[0].text[:1].islower():
            above = [kk for kk in run if kk < k and kk in owner and cols_of(kk) & cols_of(k)
                     and 0 <= lines[k].top - lines[kk].bottom < 0.35 * size]
            if above:
                owner[k] = owner[above[-1]]
                continue
        prev = [kk for kk in keys if kk < k]
        nxt = [kk for kk in keys if kk > k]
        if prev and nxt:
            dp = _mid(lines[k]) - _mid(lines[prev[-1]])
            dn = _mid(lines[nxt[0]]) - _mid(lines[k])
            if dn < _NEAR * dp:
                owner[k] = nxt[0]
                continue
            if dp < _NEAR * dn:
                owner[k] = prev[-1]
                continue
        if prev and len(cols_of(k)) == 1 and segs[0].text[:1].islower():
            owner[k] = owner.get(k - 1, prev[-1])  # lower-case continuation of the row above
        else:  # a row of its own
            owner[k] = k
            keys = sorted([*keys, k])
    body: list[list[list[_Seg]]] = []
    for key in sorted(set(owner.values())):
        placed = empty_row()
        members = sorted((k for k in run if owner[k] == key), key=lambda k: lines[k].top)
        for k in members:
            for s in seg_lines[k]:
                placed[col_of((s.x0 + s.x1) / 2)].append(s)
        body.append(placed)
    for placed in body:
        row = []
        for c in range(ncols):
            segs = placed[c]
            text = " ".join(s.text for s in segs)
            row.append(GCell(text, _bbox(segs, edges[c], edges[c + 1]) if segs else None, region, True))
            region += 1
        rows.append(row)

    tops = [lines[k].top for k in header_idx + run]
    bottoms = [lines[k].bottom for k in header_idx + run]
    return Fragment(page_no, (x_min, min(tops), x_max, max(bottoms)), edges, rows, "aligned")


def _bbox(segs: list[_Seg], x0: float, x1: float) -> tuple[float, float, float, float] | None:
    if not segs:
        return None
    return (x0, min(s.top for s in segs), x1, max(s.bottom for s in segs))
