"""Fast char extraction with pypdfium2 for pages that draw no vector paths.

pdfminer (behind pdfplumber's ``page.chars``) is the slow part of parsing. On a page without
path objects there can be no ruling lines, so all the parser needs are the chars; pdfium reads
them much faster. The dicts built here carry the keys the parser and pdfplumber's text utilities
read (text, x0, x1, top, bottom, y0, y1, doctop, width, height, size, fontname, upright, ...) in
pdfplumber's coordinate system (top-left origin, PDF points), with NFC text.

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


def _object_order(page: pdfium.PdfPage) -> dict[int, int] | None:
    """Content-stream position of each page object (by handle address); None if the page has paths."""
    order: dict[int, int] = {}
    for k, obj in enumerate(page.get_objects(max_depth=15)):
        if obj.type == pr.FPDF_PAGEOBJ_PATH:
            return None
        order[ctypes.addressof(obj.raw.contents)] = k
    return order


def page_chars(
    doc: pdfium.PdfDocument | None, index: int, doctop: float, width: float, height: float
) -> list[Char] | None:
    """Chars of page `index` (0-based), or None when the page must go through pdfplumber.

    `doctop` is the page's top in the document (pdfplumber's initial_doctop), `width` and `height`
    pdfplumber's page size. None for: no pdfium document, pages with path objects (possible ruling
    lines), rotated pages, pages whose crop/media box is not (0, 0, width, height), rotated or
    skewed text, pages where
    pdfium may have changed the glyph list (see the module doc), or any error.
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
        order = _object_order(page)
        if order is None:
            return None
        return _chars(page, float(mb[3]), doctop, order)
    except Exception:
        return None
    finally:
        page.close()


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


def _object_info(tp: Any, i: int, obj: Any, m: Any, names: dict[int, str]) -> tuple[float, str, tuple[float, ...]] | None:
    """Font size (in page space), font name and matrix of the text object of char i; None if unusable."""
    if not pr.FPDFText_GetMatrix(tp, i, ctypes.byref(m)):
        return None
    if abs(m.b) > 1e-6 or abs(m.c) > 1e-6 or m.a <= 0 or abs(m.a - m.d) > 1e-6:
        return None  # rotated, mirrored, skewed or stretched text
    font = pr.FPDFTextObj_GetFont(obj)
    if not font:
        return None
    return pr.FPDFText_GetFontSize(tp, i) * m.d, _font_name(font, names), (m.a, m.b, m.c, m.d, m.e, m.f)


def _chars(page: pdfium.PdfPage, page_height: float, doctop: float, order: dict[int, int]) -> list[Char] | None:
    tp = pr.FPDFText_LoadPage(page)
    if not tp:
        return None
    try:
        n = pr.FPDFText_CountChars(tp)
        raw: list[tuple[str, int, float, float, float, bool, float, str, tuple[float, ...]]] = []
        names: dict[int, str] = {}
        objs: dict[int, tuple[float, str, tuple[float, ...]] | None] = {}
        byref = ctypes.byref
        ox, oy = ctypes.c_double(), ctypes.c_double()
        gl, gr, gb, gt = ctypes.c_double(), ctypes.c_double(), ctypes.c_double(), ctypes.c_double()
        m = pr.FS_MATRIX()
        rect = pr.FS_RECTF()
        i = 0
        while i < n:
            cp = pr.FPDFText_GetUnicode(tp, i)
            obj = pr.FPDFText_GetTextObject(tp, i)
            if pr.FPDFText_IsGenerated(tp, i) == 1:
                if obj:
                    return None  # a space pdfium made up inside a text object, or a relabelled real one
                i += 1  # line break or space between text objects: pdfminer has no such char
                continue
            if cp in (0x02, 0x0D, 0x0A) or cp >= 0xFFFE or not obj:
                return None  # hyphen pdfium rewrote, odd control char
            j = i + 1
            if 0xD800 <= cp < 0xDC00 and j < n:  # surrogate pair
                lo = pr.FPDFText_GetUnicode(tp, j)
                if 0xDC00 <= lo < 0xE000:
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)
                    j += 1
            key = ctypes.addressof(obj.contents)
            info = objs.get(key)
            if info is None:
                info = objs[key] = _object_info(tp, i, obj, m, names)
            if info is None:
                return None
            size, fontname, matrix = info
            if not pr.FPDFText_GetCharOrigin(tp, i, byref(ox), byref(oy)):
                return None
            if not pr.FPDFText_GetLooseCharBox(tp, i, byref(rect)):
                return None
            if not pr.FPDFText_GetCharBox(tp, i, byref(gl), byref(gr), byref(gb), byref(gt)):
                return None
            # the loose box is the advance box widened to the glyph's ink when the glyph overhangs
            overhang = gl.value - ox.value > 1e-4 and abs(rect.right - gr.value) < 1e-4
            raw.append(
                (
                    unicodedata.normalize("NFC", chr(cp)),
                    key,
                    ox.value,
                    oy.value,
                    rect.right,
                    overhang,
                    size,
                    fontname,
                    matrix,
                )
            )
            i = j
    finally:
        pr.FPDFText_ClosePage(tp)
    if any(r[1] not in order for r in raw):
        return None
    # pdfium sorts the text objects of a line by x; pdfminer keeps content-stream order
    raw.sort(key=lambda r: order[r[1]])

    out: list[Char] = []
    for k, (text, obj_key, x0, y0, right, overhang, size, fontname, matrix) in enumerate(raw):
        x1 = right
        nxt = raw[k + 1] if k + 1 < len(raw) else None
        if nxt is not None and nxt[1] == obj_key and abs(nxt[3] - y0) < 1e-3:  # same text run
            if abs(nxt[2] - x0) < 1e-3:
                return None  # two chars at one origin: a split ligature or a multi-char mapping
            if overhang and nxt[2] > x0:
                # the next origin in the same run bounds the advance
                x1 = min(x1, nxt[2])
            if text == " " and nxt[2] - x1 >= 0.5 * (x1 - x0):
                return None  # room for a space pdfium may have folded into this one
        y1 = y0 + size
        top = page_height - y1
        bottom = page_height - y0
        out.append(
            {
                "object_type": "char",
                "text": text,
                "fontname": fontname,
                "size": size,
                "adv": x1 - x0,
                "upright": True,
                "x0": x0,
                "x1": x1,
                "y0": y0,
                "y1": y1,
                "top": top,
                "bottom": bottom,
                "doctop": doctop + top,
                "width": x1 - x0,
                "height": size,
                "matrix": matrix[:4] + (x0, y0),
            }
        )
    return out
