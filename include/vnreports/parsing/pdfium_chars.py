"""Fast chars and ruling lines with pypdfium2.

pdfminer (behind pdfplumber's ``page.chars`` and ``page.edges``) is the slow part of parsing;
pdfium reads a page many times faster. All the parser needs of a page are its chars and, where
it draws tables, the edges of its paths; pdfplumber's table finder then runs on those edges
(EdgePage), so ruled tables are found with pdfplumber's own algorithm. The dicts built here carry
only the keys the parser and pdfplumber's text utilities read (text, x0, x1, top, bottom, doctop,
height, size, fontname, upright, and the baseline y0) in pdfplumber's coordinate system (top-left
origin, PDF points), with NFC text.

Speed: four pdfium calls per char (text object, origin, advance box, ink box for overhang,
below), its dict, the sort into content-stream order: all in C when the install compiled the
helper _pdfium_text.c (setup.py; about 310 pages/s), else in Python through ctypes
(_chars_in_python, about 70 pages/s); both give the same chars (tests/test_volume.py). The code
points come in one call for the page, the font size and name once per text object.

Geometry follows pdfminer: x0 is the glyph origin, x1 = x0 + advance width, the box spans one
font size up from the baseline (pdfminer uses descent 0), size = box height. Two known
differences: pdfium widens the box of a glyph whose ink overhangs its advance (several Vietnamese
letters: ự, ế, ư, ...), and does not give the advance itself, so x1 of such a glyph is the next
origin in the same text run, or the ink edge at the end of a run (up to ~1 pt wider than
pdfminer's); fontname is the base font name without the subset prefix ("LiberationSerif-Bold",
not "BAAAAA+LiberationSerif-Bold").

pdfium's text page is built for text selection, not as a glyph list: it invents spaces for wide
gaps (some of them carrying a text object and replacing a real space), keeps only the first of
consecutive spaces, rewrites line-end hyphens and splits ligatures. Where one of these shows (or
may have happened), the page returns None and goes through pdfplumber. One thing cannot be seen
from the outside: pdfium drops a glyph drawn twice at (almost) the same place (fake bold), which
pdfminer keeps.
"""

from __future__ import annotations

import ctypes
import unicodedata
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pr

Char = dict[str, Any]
Edge = dict[str, Any]


def open_document(data: bytes, page_count: int) -> pdfium.PdfDocument | None:
    """pdfium view of the same file, or None when pdfium cannot read it or sees another number of
    pages than pdfplumber (then every page goes through pdfplumber)."""
    try:
        doc = pdfium.PdfDocument(data)
    except Exception:
        return None
    try:
        if len(doc) == page_count:
            return doc
    except Exception:
        pass
    close_document(doc)
    return None


def close_document(doc: pdfium.PdfDocument | None) -> None:
    if doc is not None:
        try:
            doc.close()
        except Exception:  # pragma: no cover
            pass


def _object_order(page: pdfium.PdfPage) -> tuple[dict[int, int], list[Any]] | None:
    """Content-stream position of each page object (by handle address), and the path objects;
    None when a path is drawn inside a Form XObject (its matrix is relative to the form's)."""
    order: dict[int, int] = {}
    paths: list[Any] = []
    for k, obj in enumerate(page.get_objects(max_depth=15)):
        if obj.type == pr.FPDF_PAGEOBJ_PATH:
            if obj.level > 0:
                return None
            paths.append(obj.raw)
        order[ctypes.addressof(obj.raw.contents)] = k
    return order, paths


def page_chars(
    doc: pdfium.PdfDocument | None, index: int, doctop: float, width: float, height: float
) -> list[Char] | None:
    """Chars of page `index` (0-based) when the page draws no path, else None (see page_layout)."""
    layout = page_layout(doc, index, doctop, width, height)
    if layout is None or layout[1]:
        return None
    return layout[0]


def page_layout(
    doc: pdfium.PdfDocument | None, index: int, doctop: float, width: float, height: float
) -> tuple[list[Char], list[Edge]] | None:
    """Chars and edges (ruling lines, as pdfplumber's ``page.edges``) of page `index` (0-based),
    or None when the page must go through pdfplumber.

    `doctop` is the page's top in the document (pdfplumber's initial_doctop), `width` and `height`
    pdfplumber's page size. None for: no pdfium document, rotated pages, pages whose crop/media
    box is not (0, 0, width, height), paths inside Form XObjects, rotated or skewed text, pages
    where pdfium may have changed the glyph list (see the module doc), or any error.
    """
    if doc is None:
        return None
    try:
        page = doc[index]
    except Exception:
        return None
    try:
        if page.get_rotation() != 0:
            return None
        mb = tuple(page.get_mediabox())
        if mb[0] != 0 or mb[1] != 0 or tuple(page.get_cropbox()) != mb:
            return None
        if abs(mb[2] - width) > 0.01 or abs(mb[3] - height) > 0.01:
            return None
        found = _object_order(page)
        if found is None:
            return None
        order, paths = found
        chars = _chars(page, float(mb[3]), doctop, order)
        if chars is None:
            return None
        edges = _edges(paths, float(mb[3]), doctop)
        return None if edges is None else (chars, edges)
    except Exception:
        return None
    finally:
        page.close()


# Points closer than this (PDF points) count as one coordinate: pdfminer compares exactly, but
# pdfium's matrix products leave float noise (100.00000001) on lines drawn exactly on a grid.
_SAME = 1e-4


def _edges(paths: list[Any], page_height: float, doctop: float) -> list[Edge] | None:
    """pdfplumber's edges of the painted path objects: every straight piece between consecutive
    points of a subpath (a rectangle's four sides, a line, the pieces of a polyline or curve),
    in pdfplumber's coordinates. A subpath's closing piece counts only for a rectangle, as in
    pdfminer (which makes a closed axis-aligned 4-point path an LTRect and any other an LTCurve
    of its points). None when a path cannot be read."""
    edges: list[Edge] = []
    m = pr.FS_MATRIX()
    x, y = ctypes.c_float(), ctypes.c_float()
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    for path in paths:
        if not pr.FPDFPath_GetDrawMode(path, ctypes.byref(fill), ctypes.byref(stroke)):
            return None
        if fill.value == 0 and not stroke.value:
            continue  # not painted (a path ended with "n"): pdfminer makes no object of it
        if not pr.FPDFPageObj_GetMatrix(path, ctypes.byref(m)):
            return None
        subpaths: list[tuple[list[tuple[float, float]], bool]] = []
        for i in range(pr.FPDFPath_CountSegments(path)):
            seg = pr.FPDFPath_GetPathSegment(path, i)
            if not seg or not pr.FPDFPathSegment_GetPoint(seg, ctypes.byref(x), ctypes.byref(y)):
                return None
            px = m.a * x.value + m.c * y.value + m.e
            py = m.b * x.value + m.d * y.value + m.f
            point = (px, page_height - py)
            if pr.FPDFPathSegment_GetType(seg) == pr.FPDF_SEGMENT_MOVETO or not subpaths:
                subpaths.append(([point], False))
            else:
                subpaths[-1][0].append(point)
            if pr.FPDFPathSegment_GetClose(seg):
                subpaths[-1] = (subpaths[-1][0], True)
        for points, closed in subpaths:
            if closed and _is_rectangle(points):
                points = [*points, points[0]]
            for p0, p1 in zip(points, points[1:]):
                edges.append(edge(p0, p1, doctop))
    return edges


def _is_rectangle(points: list[tuple[float, float]]) -> bool:
    pts = points[:-1] if len(points) == 5 and _close(points[0], points[-1]) else points
    if len(pts) != 4:
        return False
    xs = {round(p[0], 3) for p in pts}
    ys = {round(p[1], 3) for p in pts}
    return len(xs) <= 2 and len(ys) <= 2 and all(
        abs(a[0] - b[0]) < _SAME or abs(a[1] - b[1]) < _SAME for a, b in zip(pts, pts[1:] + pts[:1]))


def _close(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return abs(a[0] - b[0]) < _SAME and abs(a[1] - b[1]) < _SAME


def edge(p0: tuple[float, float], p1: tuple[float, float], doctop: float) -> Edge:
    vertical = abs(p0[0] - p1[0]) < _SAME
    horizontal = abs(p0[1] - p1[1]) < _SAME
    x0, x1 = (p0[0], p0[0]) if vertical else (min(p0[0], p1[0]), max(p0[0], p1[0]))
    top, bottom = (p0[1], p0[1]) if horizontal else (min(p0[1], p1[1]), max(p0[1], p1[1]))
    return {
        "object_type": "curve_edge",
        "x0": x0,
        "x1": x1,
        "top": top,
        "bottom": bottom,
        "doctop": doctop + top,
        "width": x1 - x0,
        "height": bottom - top,
        "orientation": "v" if vertical else ("h" if horizontal else None),
    }


class EdgePage:
    """What pdfplumber's TableFinder reads of a page for the "lines" strategies: its edges and
    bbox (tables are then found from pdfium's paths, with pdfplumber's own algorithm)."""

    def __init__(self, edges: list[Edge], width: float, height: float) -> None:
        self.edges = edges
        self.bbox = (0.0, 0.0, width, height)


def _font_name(font: Any, names: dict[int, str]) -> str:
    key = ctypes.addressof(font.contents)
    name = names.get(key)
    if name is None:
        n = pr.FPDFFont_GetBaseFontName(font, None, 0)
        buf = ctypes.create_string_buffer(max(n, 1))
        if n:
            pr.FPDFFont_GetBaseFontName(font, buf, n)
        name = buf.value.decode("utf-8", "replace")
        names[key] = name
    return name


def _object_info(tp: Any, i: int, obj: int, m: Any, names: dict[int, str]) -> tuple[float, str] | None:
    """Font size (in page space) and font name of the text object (its address) of char i; None
    if unusable."""
    if not pr.FPDFText_GetMatrix(tp, i, ctypes.byref(m)):
        return None
    if abs(m.b) > 1e-6 or abs(m.c) > 1e-6 or m.a <= 0 or abs(m.a - m.d) > 1e-6:
        return None  # rotated, mirrored, skewed or stretched text
    font = pr.FPDFTextObj_GetFont(ctypes.cast(obj, pr.FPDF_PAGEOBJECT))
    if not font:
        return None
    return pr.FPDFText_GetFontSize(tp, i) * m.d, _font_name(font, names)


# Chars pdfium may make up (FPDFText_IsGenerated): spaces and line breaks; only these are asked.
_MAYBE_GENERATED = frozenset((0x20, 0x0D, 0x0A))


def _as_addresses(function: Any, restype: Any, *argtypes: Any) -> Any:
    """A pdfium function called with and returning plain addresses (ints) instead of pypdfium2's
    typed pointers: the per-char calls of _chars_in_python (the path without the C helper), where
    the typed pointers' conversions were half of their cost."""
    return ctypes.CFUNCTYPE(restype, *argtypes)(ctypes.cast(function, ctypes.c_void_p).value)


_P = ctypes.c_void_p
_text_object_of = _as_addresses(pr.FPDFText_GetTextObject, _P, _P, ctypes.c_int)
_origin_of = _as_addresses(pr.FPDFText_GetCharOrigin, ctypes.c_int, _P, ctypes.c_int, _P, _P)
_loose_box_of = _as_addresses(pr.FPDFText_GetLooseCharBox, ctypes.c_int, _P, ctypes.c_int, _P)
_NFC: dict[int, str] = {}  # code point -> its char, NFC

try:  # _chars in C (_pdfium_text.c), built by `pip install` where a C compiler is
    from . import _pdfium_text as _fast_text
except ImportError:  # pragma: no cover - no compiler at install time: the same rules in Python
    _fast_text = None
if getattr(_fast_text, "API_VERSION", None) != 2:  # built from another _pdfium_text.c: `make setup`
    _fast_text = None
_FAST_FUNCTIONS = tuple(ctypes.cast(f, ctypes.c_void_p).value for f in (
    pr.FPDFText_GetTextObject, pr.FPDFText_GetCharOrigin, pr.FPDFText_GetLooseCharBox, pr.FPDFText_GetUnicode,
    pr.FPDFText_IsGenerated, pr.FPDFText_GetText, pr.FPDFText_GetMatrix, pr.FPDFTextObj_GetFont,
    pr.FPDFText_GetFontSize, pr.FPDFFont_GetBaseFontName, pr.FPDFText_GetCharBox))


def _chars(page: pdfium.PdfPage, page_height: float, doctop: float, order: dict[int, int]) -> list[Char] | None:
    """The page's chars with the keys the parser reads (see the module doc), or None. In C when
    the helper is built (_pdfium_text.c: the same rules as _chars_in_python)."""
    tp = pr.FPDFText_LoadPage(page)
    if not tp:
        return None
    try:
        n = pr.FPDFText_CountChars(tp)
        if _fast_text is not None:
            found = _fast_text.page_chars(ctypes.cast(tp, _P).value, n, _FAST_FUNCTIONS, order, page_height, doctop,
                                          _NFC, _nfc_of_code_point)
            chars = None if isinstance(found, int) else found
        else:
            chars = _chars_in_python(tp, n, page_height, doctop, order)
    finally:
        pr.FPDFText_ClosePage(tp)
    return None if chars is None else _unfold_spaces(chars)


def _nfc_of_code_point(cp: int) -> str:
    return unicodedata.normalize("NFC", chr(cp))


def _chars_in_python(tp: Any, n: int, page_height: float, doctop: float, order: dict[int, int]) -> list[Char] | None:
    """_chars without the C helper (_pdfium_text.c is this function in C)."""
    # All code points in one call; pdfium's line-end hyphen mark (0x02) reads 0xFFFE there.
    buf = (ctypes.c_ushort * (n + 1))()
    if n and pr.FPDFText_GetText(tp, 0, n, buf) != n + 1:
        return None
    codes = buf[:n]
    tp_address = ctypes.cast(tp, _P).value
    text_object_of, origin_of, loose_box_of = _text_object_of, _origin_of, _loose_box_of
    byref = ctypes.byref
    ox, oy = ctypes.c_double(), ctypes.c_double()
    gl, gr, gb, gt = ctypes.c_double(), ctypes.c_double(), ctypes.c_double(), ctypes.c_double()
    rect = pr.FS_RECTF()
    m = pr.FS_MATRIX()
    names: dict[int, str] = {}
    objs: dict[int, tuple[float, str] | None] = {}
    raw: list[tuple[str, int, float, float, float, bool, float, str]] = []
    i = 0
    while i < n:
        cp = codes[i]
        if cp >= 0xFFFE:
            cp = pr.FPDFText_GetUnicode(tp, i)
        obj = text_object_of(tp_address, i)
        if cp in _MAYBE_GENERATED and pr.FPDFText_IsGenerated(tp, i) == 1:
            if not obj:
                i += 1  # line break or space between text objects: pdfminer has no such char
                continue
            if cp != 0x20:
                return None
            # A space inside a text object that pdfium marks as generated: in Word's PDFs a
            # real space glyph (pdfminer has it), else one made up for a wide gap, where
            # text extraction splits the words anyway (x_tolerance). Kept as a space.
        if cp == 0x02:
            cp = 0x2D  # pdfium's mark for a hyphen at a line end; the glyph is "-"
        if cp in (0x0D, 0x0A) or cp >= 0xFFFE or not obj:
            return None  # odd control char
        j = i + 1
        if 0xD800 <= cp < 0xDC00 and j < n:  # surrogate pair
            lo = codes[j]
            if 0xDC00 <= lo < 0xE000:
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)
                j += 1
        info = objs.get(obj)
        if info is None:
            info = objs[obj] = _object_info(tp, i, obj, m, names)
            if info is None:
                return None
        size, fontname = info
        if (not origin_of(tp_address, i, byref(ox), byref(oy)) or not loose_box_of(tp_address, i, byref(rect))
                or not pr.FPDFText_GetCharBox(tp, i, byref(gl), byref(gr), byref(gb), byref(gt))):
            return None
        x0, right = ox.value, rect.right
        # the loose box is the advance box widened to the glyph's ink when it overhangs
        overhang = gl.value - x0 > 1e-4 and abs(right - gr.value) < 1e-4
        text = _NFC.get(cp)
        if text is None:
            text = _NFC[cp] = _nfc_of_code_point(cp)
        raw.append((text, obj, x0, oy.value, right, overhang, size, fontname))
        i = j
    if any(r[1] not in order for r in raw):
        return None
    # pdfium sorts the text objects of a line by x; pdfminer keeps content-stream order
    raw.sort(key=lambda r: order[r[1]])

    out: list[Char] = []
    last = len(raw) - 1
    for k, (text, obj_key, x0, y0, right, overhang, size, fontname) in enumerate(raw):
        x1 = right
        if k < last:
            nxt = raw[k + 1]
            if nxt[1] == obj_key and abs(nxt[3] - y0) < 1e-3:  # same text run
                if abs(nxt[2] - x0) < 1e-3:
                    return None  # two chars at one origin: a split ligature or a multi-char mapping
                if overhang and nxt[2] > x0:
                    # the next origin in the same run bounds the advance
                    x1 = min(x1, nxt[2])
        top = page_height - (y0 + size)
        out.append({"text": text, "fontname": fontname, "size": size, "upright": True, "x0": x0, "x1": x1,
                    "top": top, "bottom": page_height - y0, "doctop": doctop + top, "height": size, "y0": y0})
    return out


def _unfold_spaces(chars: list[Char]) -> list[Char]:
    """Put back the spaces pdfium folded: it keeps only the first of consecutive spaces, whose
    advances still push the next glyph along. A space followed on its baseline by room for
    more spaces of its own width gets them back, as pdfminer (and the blanks flowed tables are
    read from, see flowed.py) would have them."""
    out: list[Char] = []
    for k, c in enumerate(chars):
        out.append(c)
        if c["text"] != " " or k + 1 >= len(chars):
            continue
        nxt = chars[k + 1]
        width = c["x1"] - c["x0"]
        if width <= 0 or abs(nxt["y0"] - c["y0"]) > 1e-3 or nxt["x0"] <= c["x1"]:
            continue
        for n in range(1, int((nxt["x0"] - c["x1"]) / width + 0.5) + 1):
            x0 = c["x0"] + n * width
            out.append({**c, "x0": x0, "x1": x0 + width})
    return out
