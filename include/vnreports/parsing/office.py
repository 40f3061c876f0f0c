"""Word reports (.docx, .doc) and Excel annexes (.xlsx, .xls), laid out as the parser's pages.

A Word or Excel file has no page geometry to read: its structure is explicit (paragraphs, tables
with merged cells, footnotes; sheets with merged header cells). This module lays that structure
out in the form the PDF parser reads (layout.Layout: text lines per page and table fragments,
merged-cell grids), so metadata, column semantics (header paths, roles, periods) and sentence
facts come from the same code as a PDF's, and give the same facts.

Where a PDF's provenance is a page and a box, here it is:
- Word: the page as Word last rendered it (its `lastRenderedPageBreak` marks: the page of the
  PDF Word exports; page 1 throughout for a file never opened in Word), one text line per
  paragraph, tables by table/row/column;
- Excel: one page per visible sheet (its name in the page's text), the table by row/column.
The boxes are left empty (a line's coordinates here are an order, not a place on paper).
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from .layout import Layout
from .model import PageText, ReportParseError
from .pdftext import Line
from .tables import Fragment, GCell, place_lines
from .textutil import SUPERSCRIPT_MAP, clean_line, join_wrapped

OFFICE_KINDS = frozenset({"docx", "doc", "xlsx", "xls"})
READABLE_KINDS = OFFICE_KINDS | {"pdf"}

# What a file is, from its bytes: a report renamed .pdf, or a PDF named .bin, is what it is.
_ZIP = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Word 97-2003 .doc, Excel 97-2003 .xls
_IMAGES = {b"\xff\xd8\xff": "jpeg", b"\x89PNG\r\n\x1a\n": "png", b"II*\x00": "tiff", b"MM\x00*": "tiff"}
KIND_WORDS = {
    "pdf": "a PDF", "docx": "a Word document (.docx)", "doc": "a Word 97-2003 document (.doc)",
    "xlsx": "an Excel workbook (.xlsx)", "xls": "an Excel 97-2003 workbook (.xls)",
    "zip": "a ZIP archive", "damaged zip": "a damaged ZIP archive", "ole": "an Office 97-2003 file of another kind",
    "jpeg": "a JPEG image", "png": "a PNG image", "tiff": "a TIFF image", "empty": "an empty file",
    "unknown": "a file of an unknown type",
}


def sniff(data: bytes) -> str:
    """The kind of a file from its content: one of KIND_WORDS' keys."""
    if not data:
        return "empty"
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if head.startswith(_ZIP):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                names = set(z.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return "damaged zip"
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        return "zip"
    if head.startswith(_OLE2):
        # the compound file's directory names its streams, in UTF-16 (Word's first: a .doc's own
        # text is UTF-16 too and may say "Book")
        if "WordDocument".encode("utf-16-le") in data:
            return "doc"
        if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
            return "xls"
        return "ole"
    for magic, kind in _IMAGES.items():
        if head.startswith(magic):
            return kind
    return "unknown"


def layout(data: bytes, kind: str, name: str, warnings: list[str]) -> Layout:
    """The pages of a Word or Excel file (kind from sniff, one of OFFICE_KINDS)."""
    if kind == "doc":
        return _docx_layout(_converted_by_libreoffice(data, name), name, warnings, producer_note=" (converted from .doc)")
    if kind == "docx":
        return _docx_layout(data, name, warnings)
    sheets = _xlsx_sheets(data, name, warnings) if kind == "xlsx" else _xls_sheets(data, name, warnings)
    return _workbook_layout(sheets, kind, name)


# ----------------------------------------------------------------------------- virtual pages

# A virtual A4 page: one line per paragraph, rows of a fixed height. Only the order and the
# relative sizes mean something (headings by size and weight, footnotes in small print).
_PAGE_WIDTH, _LEFT, _RIGHT, _TOP = 595.0, 85.0, 540.0, 56.0
_ROW_HEIGHT = 18.0
_BODY_SIZE = 13.0  # Vietnamese administrative documents: Times New Roman 13-14
_NUMBER = re.compile(r"^[-+]?\(?\d[\d.,\s]*\)?%?$")


@dataclass
class _Text:
    text: str
    size: float
    bold: float  # share of bold characters
    align: str = "left"  # left | center | right | both (Word's w:jc)
    indent: float = 0.0  # first-line indent, pt
    before: float = 0.0  # space before and after the paragraph, pt
    after: float = 0.0


@dataclass
class _Pager:
    """Lines and table fragments placed page by page, top to bottom."""

    page: int = 1
    y: float = _TOP
    lines: dict[int, list[Line]] = field(default_factory=lambda: {1: []})
    fragments: list[Fragment] = field(default_factory=list)
    footnotes: dict[int, list[_Text]] = field(default_factory=dict)  # page -> notes referenced on it
    rows_text: dict[int, list[tuple[float, str]]] = field(default_factory=dict)  # page -> (top, text) of table rows

    def line(self, t: _Text) -> None:
        """A paragraph as one line, placed as Word places it: its spacing before and after, an
        empty paragraph as blank space; centred text in the middle, at about its width."""
        size = t.size or _BODY_SIZE
        self.y += t.before
        if t.text:
            width = min(_RIGHT - _LEFT, 0.5 * size * len(t.text))
            x0 = {"center": (_LEFT + _RIGHT - width) / 2, "right": _RIGHT - width}.get(t.align, _LEFT + t.indent)
            self.lines[self.page].append(
                Line(page=self.page, text=t.text, x0=x0, top=self.y, x1=x0 + width if t.align != "both" else _RIGHT,
                     bottom=self.y + size, size=size, bold=t.bold)
            )
        self.y += size * 1.5 + t.after

    def new_page(self) -> None:
        self._footnotes_here()
        self.page += 1
        self.y = _TOP
        self.lines.setdefault(self.page, [])

    def finish(self) -> None:
        """The last page's footnotes; each table given the lines above and below it (its caption)."""
        self._footnotes_here()
        for page, lines in self.lines.items():
            place_lines([f for f in self.fragments if f.page == page], lines)

    def _footnotes_here(self) -> None:
        # a page's footnotes under its text, in small print, as Word prints them
        notes = self.footnotes.pop(self.page, [])
        if notes:
            self.y += 2 * _BODY_SIZE
        for t in notes:
            self.line(t)

    def grid(self, rows: list[list[Any]], ncols: int, detection: str = "ruled") -> None:
        """A table fragment from a grid of texts and spans (see _fill_grid) at the current
        position."""
        if not rows or ncols < 1:
            return
        top = self.y
        edges = [_LEFT + (_RIGHT - _LEFT) * k / ncols for k in range(ncols + 1)]
        cells = _fill_grid(rows, ncols, edges, top)
        bottom = top + _ROW_HEIGHT * len(cells)
        self.fragments.append(Fragment(self.page, (_LEFT, top, _RIGHT, bottom), edges, cells, detection))
        for r, row in enumerate(cells):
            text = " ".join(c.text for c in row if c.origin and c.text)
            if text:
                self.rows_text.setdefault(self.page, []).append((top + r * _ROW_HEIGHT, text))
        self.y = bottom + _ROW_HEIGHT

    def pages(self, extraction: str, titles: dict[int, str] | None = None) -> list[PageText]:
        out = []
        with_tables = {f.page for f in self.fragments}
        for p in sorted(self.lines):
            items = [(ln.top, ln.text) for ln in self.lines[p]] + self.rows_text.get(p, [])
            text = "\n".join(t for _, t in sorted(items, key=lambda i: i[0]))
            if titles and p in titles:
                text = f"Sheet: {titles[p]}\n{text}"
            bottom = max([ln.bottom for ln in self.lines[p]] + [f.bbox[3] for f in self.fragments if f.page == p] + [_TOP])
            out.append(PageText(page_no=p, text=text, extraction=("table+" if p in with_tables else "") + extraction,
                                width=_PAGE_WIDTH, height=bottom + _TOP))
        return out


# A grid position covered by a merged cell: by the cell to its left (a horizontal span) or by
# the cell above (a vertical one). Every other position holds its cell's text.
LEFT_SPAN, UP_SPAN = object(), object()


def _fill_grid(rows: list[list[Any]], ncols: int, edges: list[float], top: float) -> list[list[GCell]]:
    """GCells of a grid of texts and spans (LEFT_SPAN, UP_SPAN; missing positions are empty
    cells): a merged region's positions share its region number and its box, the first one
    holds the text, as the cells of a PDF's ruled table do."""
    region_box: dict[int, list[float]] = {}
    filled: list[list[GCell]] = []
    regions = 0
    for r, row in enumerate(rows):
        out: list[GCell] = []
        for c in range(ncols):
            item = row[c] if c < len(row) else ""
            box = [edges[c], top + r * _ROW_HEIGHT, edges[c + 1], top + (r + 1) * _ROW_HEIGHT]
            if item is LEFT_SPAN and c > 0:
                cell = GCell("", None, out[c - 1].region, False)
            elif item is UP_SPAN and r > 0:
                cell = GCell("", None, filled[r - 1][c].region, False)
            else:
                text = item if isinstance(item, str) else ""
                cell = GCell(text, None, regions, True)
                regions += 1
            b = region_box.setdefault(cell.region, box)
            b[:] = [min(b[0], box[0]), min(b[1], box[1]), max(b[2], box[2]), max(b[3], box[3])]
            out.append(cell)
        filled.append(out)
    for row in filled:
        for cell in row:
            cell.bbox = tuple(region_box[cell.region])
    return filled


# ----------------------------------------------------------------------------- Word

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _on(el: Any, tag: str) -> bool | None:
    """A Word on/off property (<w:b/>, <w:b w:val="0"/>) of a properties element, None when unset."""
    if el is None:
        return None
    prop = el.find(_W + tag)
    if prop is None:
        return None
    return prop.get(_W + "val", "true").lower() not in ("0", "false", "off", "none")


def _half_points(el: Any) -> float | None:
    prop = el.find(_W + "sz") if el is not None else None
    try:
        return int(prop.get(_W + "val")) / 2 if prop is not None else None
    except (TypeError, ValueError):
        return None


@dataclass
class _Style:
    size: float | None
    bold: bool | None
    align: str = "left"
    indent: float = 0.0
    before: float = 0.0
    after: float = 0.0


def _twips(el: Any, tag: str, attr: str) -> float | None:
    prop = el.find(_W + tag) if el is not None else None
    value = prop.get(_W + attr) if prop is not None else None
    try:
        return int(value) / 20 if value is not None else None
    except ValueError:
        return None


def _placed(ppr: Any, base: _Style) -> _Style:
    """A paragraph's own alignment, first-line indent and spacing over its style's."""
    if ppr is None:
        return base
    jc = ppr.find(_W + "jc")
    align = jc.get(_W + "val") if jc is not None else None
    align = {"centre": "center", "start": "left", "end": "right", "distribute": "both"}.get(align, align)
    indent = _twips(ppr, "ind", "firstLine")
    before, after = _twips(ppr, "spacing", "before"), _twips(ppr, "spacing", "after")
    return _Style(
        base.size, base.bold, align or base.align, base.indent if indent is None else indent,
        base.before if before is None else before, base.after if after is None else after,
    )


class _WordStyles:
    """Font size and weight of paragraph styles, through their base styles and the defaults."""

    def __init__(self, document: Any) -> None:
        styles_el = document.styles.element
        self._by_id = {s.get(_W + "styleId"): s for s in styles_el.findall(_W + "style")}
        default = styles_el.find(f"{_W}docDefaults/{_W}rPrDefault/{_W}rPr")
        self.default = _Style(_half_points(default) or _BODY_SIZE, bool(_on(default, "b")))
        self.default_paragraph = next(
            (sid for sid, s in self._by_id.items() if s.get(_W + "type") == "paragraph" and s.get(_W + "default") in ("1", "true")),
            None,
        )
        self._cache: dict[str | None, _Style] = {}

    def of(self, style_id: str | None) -> _Style:
        style_id = style_id or self.default_paragraph
        if style_id not in self._cache:
            size = bold = None
            chain = []
            el = self._by_id.get(style_id)
            while el is not None and el not in chain:
                chain.append(el)
                rpr = el.find(_W + "rPr")
                size = size if size is not None else _half_points(rpr)
                bold = bold if bold is not None else _on(rpr, "b")
                based = el.find(_W + "basedOn")
                el = self._by_id.get(based.get(_W + "val")) if based is not None else None
            style = _Style(size or self.default.size, self.default.bold if bold is None else bold)
            for el in reversed(chain):  # the base's paragraph properties first, then each style's own
                style = _placed(el.find(_W + "pPr"), style)
            self._cache[style_id] = style
        return self._cache[style_id]


@dataclass
class _Run:
    """Pieces of one paragraph: text with its size and weight, page breaks, footnote marks."""

    parts: list[tuple[str, float, bool]] = field(default_factory=list)
    breaks_before_text: int = 0  # rendered page breaks before the paragraph's first character
    cuts: list[int] = field(default_factory=list)  # page breaks inside it: before parts[i]
    notes: list[tuple[int, _Text]] = field(default_factory=list)  # footnotes marked in it: (at part, as printed)

    place: _Style | None = None  # the paragraph's alignment, indent and spacing

    def pieces(self) -> list[tuple[_Text, list[_Text]]]:
        """The paragraph's text on each page it runs over (one piece unless Word broke it), with
        the footnotes marked in that piece."""
        bounds = [0, *self.cuts, len(self.parts) + 1]
        return [(self.text(self.parts[a:b]), [t for at, t in self.notes if a <= at < b]) for a, b in zip(bounds, bounds[1:])]

    def text(self, parts: list[tuple[str, float, bool]] | None = None) -> _Text:
        parts = self.parts if parts is None else parts
        text = clean_line("".join(t for t, _, _ in parts))
        chars = [(len(t.strip()), size, bold) for t, size, bold in parts if t.strip()]
        total = sum(n for n, _, _ in chars)
        place = self.place or _Style(None, None)
        size = max(((sum(n for n, s, _ in chars if s == sz), sz) for _, sz, _ in chars))[1] if total else (place.size or 0.0)
        bold = sum(n for n, _, b in chars if b) / total if total else 0.0
        return _Text(text, size, bold, place.align, place.indent, place.before, place.after)


class _Word:
    """One .docx read into a _Pager."""

    def __init__(self, document: Any, footnotes: dict[str, _Text]) -> None:
        self.styles = _WordStyles(document)
        self.footnote_texts = footnotes  # id -> text (word/footnotes.xml)
        self.footnote_numbers: dict[str, int] = {}  # a footnote's id -> its number as printed
        self.pager = _Pager()

    def body(self, container: Any) -> None:
        for child in container:
            if child.tag == _W + "p":
                self.paragraph(child)
            elif child.tag == _W + "tbl":
                self.table(child)
            elif child.tag == _W + "sdt":  # a content control: its content is part of the flow
                content = child.find(_W + "sdtContent")
                if content is not None:
                    self.body(content)

    def read_paragraph(self, p: Any) -> _Run:
        ppr = p.find(_W + "pPr")
        style_el = ppr.find(_W + "pStyle") if ppr is not None else None
        style = self.styles.of(style_el.get(_W + "val") if style_el is not None else None)
        run = _Run(place=_placed(ppr, style))
        if _on(ppr, "pageBreakBefore"):
            run.breaks_before_text += 1
        for r in p.iter(_W + "r"):
            rpr = r.find(_W + "rPr")
            size = _half_points(rpr) or style.size
            bold = _on(rpr, "b")
            bold = style.bold if bold is None else bold
            valign = rpr.find(_W + "vertAlign") if rpr is not None else None
            superscript = valign is not None and valign.get(_W + "val") == "superscript"
            for el in r:
                tag = el.tag
                if tag == _W + "t":
                    text = el.text or ""
                    if superscript and text.strip() and all(ch in SUPERSCRIPT_MAP for ch in text.strip()):
                        text = "".join(SUPERSCRIPT_MAP[ch] for ch in text.strip())
                    run.parts.append((text, size, bool(bold)))
                elif tag in (_W + "tab", _W + "cr") or (tag == _W + "br" and el.get(_W + "type") != "page"):
                    run.parts.append((" ", size, False))  # a tab or a line break inside the paragraph
                elif tag == _W + "noBreakHyphen":
                    run.parts.append(("-", size, bool(bold)))
                elif tag == _W + "lastRenderedPageBreak" or (tag == _W + "br" and el.get(_W + "type") == "page"):
                    if any(t.strip() for t, _, _ in run.parts):
                        run.cuts.append(len(run.parts))
                    else:
                        run.breaks_before_text += 1
                elif tag == _W + "footnoteReference":
                    note_id = el.get(_W + "id")
                    number = self.footnote_numbers.setdefault(note_id, len(self.footnote_numbers) + 1)
                    run.parts.append(("".join(SUPERSCRIPT_MAP[d] for d in str(number)), size, False))
                    note = self.footnote_texts.get(note_id)
                    if note is not None:
                        run.notes.append((len(run.parts), _Text(f"{number} {note.text}", note.size or 0.77 * style.size, 0.0)))
        return run

    def paragraph(self, p: Any) -> None:
        run = self.read_paragraph(p)
        for _ in range(run.breaks_before_text):
            self.pager.new_page()
        for k, (piece, notes) in enumerate(run.pieces()):
            if k:  # Word broke the page inside the paragraph: the rest is on the next page
                self.pager.new_page()
                piece.before = piece.indent = 0.0
            self.pager.line(piece)
            # a footnote prints at the foot of the page where its mark is
            self.pager.footnotes.setdefault(self.pager.page, []).extend(notes)

    def table(self, tbl: Any) -> None:
        """A table with a figure in some cell is a table fragment (split at Word's page breaks,
        so that each row keeps its page; the parser joins the parts as it joins a PDF table's).
        A table without one lays out a page (the issuer / motto header, the signatures): its
        rows are read as text lines, as a PDF shows them."""
        rows: list[list[Any]] = []  # texts and spans of the grid
        row_texts: list[list[list[_Text]]] = []  # per row, per cell: its paragraphs
        row_breaks: list[int] = []  # rendered page breaks inside each row
        notes: list[_Text] = []
        for tr in tbl.findall(_W + "tr"):
            trpr = tr.find(_W + "trPr")
            before = trpr.find(_W + "gridBefore") if trpr is not None else None
            grid: list[Any] = [""] * int(before.get(_W + "val", "0")) if before is not None else []
            cells: list[list[_Text]] = []
            breaks = 0
            for tc in tr.iter(_W + "tc"):
                if tc.getparent() is not tr and tc.getparent().tag != _W + "sdtContent":
                    continue  # a table nested in a cell: its text is read with the cell's
                tcpr = tc.find(_W + "tcPr")
                span_el = tcpr.find(_W + "gridSpan") if tcpr is not None else None
                span = int(span_el.get(_W + "val", "1")) if span_el is not None else 1
                vmerge = tcpr.find(_W + "vMerge") if tcpr is not None else None
                continued = vmerge is not None and vmerge.get(_W + "val", "continue") == "continue"
                paragraphs = []
                for p in tc.iter(_W + "p"):
                    run = self.read_paragraph(p)
                    breaks += run.breaks_before_text + len(run.cuts)
                    paragraphs.append(run.text())
                    notes.extend(t for _, t in run.notes)
                cells.append(paragraphs)
                text = " ".join(t.text for t in paragraphs if t.text)
                grid.append(UP_SPAN if continued else text)
                grid.extend([LEFT_SPAN] * (span - 1))
            rows.append(grid)
            row_texts.append(cells)
            row_breaks.append(breaks)
        self.pager.footnotes.setdefault(self.pager.page, []).extend(notes)
        if not any(isinstance(item, str) and _NUMBER.match(item.strip()) for row in rows for item in row):
            for cells, breaks in zip(row_texts, row_breaks):
                depth = max((len(c) for c in cells), default=0)
                for k in range(depth):
                    parts = [c[k] for c in cells if k < len(c) and c[k].text]
                    if parts:
                        self.pager.line(_Text(" ".join(t.text for t in parts), max(t.size for t in parts),
                                              sum(t.bold for t in parts) / len(parts)))
                for _ in range(breaks):
                    self.pager.new_page()
            return
        ncols = max(len(r) for r in rows)
        part: list[list[Any]] = []
        for grid, breaks in zip(rows, row_breaks):
            if breaks and part:  # the row begins the next page
                self.pager.grid(part, ncols)
                part = []
                for _ in range(breaks):
                    self.pager.new_page()
            # a vertical merge going on over the page break starts again on the new page
            part.append([("" if item is UP_SPAN and not part else item) for item in grid])
        self.pager.grid(part, ncols)


def _docx_footnotes(data: bytes) -> dict[str, _Text]:
    """Footnote id -> its text (word/footnotes.xml; python-docx does not read footnotes)."""
    from lxml import etree

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            xml = z.read("word/footnotes.xml")
    except KeyError:
        return {}
    notes = {}
    for fn in etree.fromstring(xml).findall(_W + "footnote"):
        if fn.get(_W + "type") in ("separator", "continuationSeparator", "continuationNotice"):
            continue
        texts, sizes = [], []
        for r in fn.iter(_W + "r"):
            if r.find(_W + "footnoteRef") is not None:
                continue  # the number itself, printed by Word
            size = _half_points(r.find(_W + "rPr"))
            for t in r.iter(_W + "t"):
                texts.append(t.text or "")
                if size:
                    sizes.append(size)
            texts.extend(" " for _ in r.iter(_W + "tab"))
        text = clean_line("".join(texts))
        if text:
            notes[fn.get(_W + "id")] = _Text(text, max(sizes) if sizes else 0.0, 0.0)
    return notes


def _docx_layout(data: bytes, name: str, warnings: list[str], producer_note: str = "") -> Layout:
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as e:  # python-docx raises many types on a damaged package
        raise ReportParseError(f"{name}: damaged Word document ({type(e).__name__}: {clean_line(str(e))[:200]})") from e
    word = _Word(document, _docx_footnotes(data))
    word.body(document.element.body)
    word.pager.finish()
    pager = word.pager
    if not any(pager.lines.values()) and not pager.fragments:
        raise ReportParseError(f"{name}: the Word document has no text")
    return Layout(
        pages=pager.pages("docx"),
        page_lines=pager.lines,
        fragments=pager.fragments,
        page_chars={},
        page_widths={p: _PAGE_WIDTH for p in pager.lines},
        producer=(_application(data) or "Word document") + producer_note,
        from_structure=True,
    )


def _application(data: bytes) -> str | None:
    """The program that wrote an Office file (docProps/app.xml), as a PDF's Producer says."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            xml = z.read("docProps/app.xml").decode("utf-8", "replace")
    except (KeyError, zipfile.BadZipFile):
        return None
    m = re.search(r"<(?:\w+:)?Application>([^<]+)</", xml)
    return clean_line(m.group(1)) if m else None


def _converted_by_libreoffice(data: bytes, name: str) -> bytes:
    """A Word 97-2003 document as .docx, converted by LibreOffice (headless)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise ReportParseError(
            f"{name}: a Word 97-2003 document (.doc) is read after converting it with LibreOffice, which is "
            "not installed: install it (Debian: apt-get install libreoffice-writer-nogui) or save the file "
            "as .docx or PDF from Word"
        )
    with tempfile.TemporaryDirectory(prefix="vnreports-doc-") as tmp:
        source = Path(tmp) / "report.doc"
        source.write_bytes(data)
        try:
            done = subprocess.run(
                [soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp}/profile",
                 # Word's binary format only: left to guess, LibreOffice imports a file it cannot
                 # read as Word (a damaged .doc) as plain text, and its junk would be parsed
                 "--infilter=MS Word 97", "--convert-to", "docx", "--outdir", tmp, str(source)],
                check=True, capture_output=True, timeout=300,
            )
        except (subprocess.SubprocessError, OSError) as e:
            raise ReportParseError(f"{name}: LibreOffice could not convert the .doc file ({type(e).__name__}: {e})") from e
        converted = Path(tmp) / "report.docx"
        if not converted.exists():  # LibreOffice exits 0 when it cannot load the file
            said = [line.strip() for line in (done.stderr + done.stdout).decode(errors="replace").splitlines() if line.strip()]
            raise ReportParseError(
                f"{name}: LibreOffice could not read the file as a Word 97-2003 document "
                f"({said[-1] if said else 'no output'}); the file may be damaged or another format named .doc")
        return converted.read_bytes()


# ----------------------------------------------------------------------------- Excel

# A sheet bigger than this is not an annex of indicators: its first rows are read, with a warning.
MAX_SHEET_ROWS = 5000
MAX_SHEET_COLUMNS = 60


@dataclass
class _Sheet:
    title: str
    texts: dict[tuple[int, int], str]  # (row, column), 0-based -> the cell as shown
    merged: list[tuple[int, int, int, int]]  # first row, first column, last row, last column (inclusive)


def vn_number_text(value: float | int | Decimal, number_format: str = "General") -> str:
    """A number as the sheet shows it, written the Vietnamese way: "7.111", "98,5", "12,0%".
    The decimals are the format's ("0.0" -> one); General shows what the value needs."""
    section = (number_format or "General").split(";")[0]
    percent = "%" in section
    number = Decimal(str(value)) * (100 if percent else 1)
    m = re.search(r"0[.,](0+)", section)
    if m and section != "General":
        decimals = len(m.group(1))
    elif re.search(r"[0#]", section) and section != "General":
        decimals = 0
    else:
        exponent = round(number, 9).normalize().as_tuple().exponent
        decimals = max(0, -int(exponent))
    text = f"{number:,.{decimals}f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return text + ("%" if percent else "")


def _cell_text(value: Any, number_format: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float, Decimal)):
        return vn_number_text(value, number_format)
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return join_wrapped(str(value))  # a line break in the cell (Alt+Enter) is a wrap


def _xlsx_sheets(data: bytes, name: str, warnings: list[str]) -> list[_Sheet]:
    import openpyxl

    try:
        # data_only: a formula's value as Excel last computed it (what the annex shows)
        book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as e:  # openpyxl raises many types on a damaged package
        raise ReportParseError(f"{name}: damaged Excel workbook ({type(e).__name__}: {clean_line(str(e))[:200]})") from e
    sheets = []
    for ws in book.worksheets:
        if ws.sheet_state != "visible":
            continue
        if ws.max_row > MAX_SHEET_ROWS or ws.max_column > MAX_SHEET_COLUMNS:
            warnings.append(f"sheet {ws.title!r}: {ws.max_row} rows x {ws.max_column} columns; "
                            f"only the first {MAX_SHEET_ROWS} rows and {MAX_SHEET_COLUMNS} columns are read")
        texts = {}
        for row in ws.iter_rows(max_row=min(ws.max_row, MAX_SHEET_ROWS), max_col=min(ws.max_column, MAX_SHEET_COLUMNS)):
            for cell in row:
                if cell.value is not None and not isinstance(cell, openpyxl.cell.cell.MergedCell):
                    text = _cell_text(cell.value, cell.number_format)
                    if text:
                        texts[(cell.row - 1, cell.column - 1)] = text
        merged = [(m.min_row - 1, m.min_col - 1, m.max_row - 1, m.max_col - 1) for m in ws.merged_cells.ranges]
        sheets.append(_Sheet(ws.title, texts, merged))
    return sheets


def _xls_sheets(data: bytes, name: str, warnings: list[str]) -> list[_Sheet]:
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True)  # formatting: merged cells
    except Exception as e:  # xlrd raises many types on a damaged file
        raise ReportParseError(f"{name}: damaged Excel 97-2003 workbook ({type(e).__name__}: {clean_line(str(e))[:200]})") from e
    sheets = []
    for ws in book.sheets():
        if ws.visibility != 0:
            continue
        texts = {}
        for r in range(min(ws.nrows, MAX_SHEET_ROWS)):
            for c in range(min(ws.ncols, MAX_SHEET_COLUMNS)):
                cell = ws.cell(r, c)
                if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                    continue
                fmt = book.format_map.get(book.xf_list[cell.xf_index].format_key)
                number_format = fmt.format_str if fmt is not None else "General"
                if cell.ctype == xlrd.XL_CELL_DATE:
                    value: Any = xlrd.xldate.xldate_as_datetime(cell.value, book.datemode)
                elif cell.ctype == xlrd.XL_CELL_NUMBER:
                    value = int(cell.value) if float(cell.value).is_integer() and "0." not in number_format else cell.value
                elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                    value = bool(cell.value)
                elif cell.ctype == xlrd.XL_CELL_ERROR:
                    continue
                else:
                    value = cell.value
                text = _cell_text(value, number_format)
                if text:
                    texts[(r, c)] = text
        merged = [(r0, c0, r1 - 1, c1 - 1) for r0, r1, c0, c1 in ws.merged_cells]
        sheets.append(_Sheet(ws.name, texts, merged))
    return sheets


def _workbook_layout(sheets: list[_Sheet], kind: str, name: str) -> Layout:
    """Each visible sheet a page: its title rows (above the table: issuer, "Biểu số ...", the
    title, "(Kèm theo Báo cáo số ...)") and notes below it as text lines, the table (from the
    first row with three cells or more) as one fragment with its merged header cells."""
    pager = _Pager()
    titles: dict[int, str] = {}
    for k, sheet in enumerate(s for s in sheets if s.texts):
        if k:
            pager.new_page()
        titles[pager.page] = sheet.title
        _sheet_page(sheet, pager)
    pager.finish()
    if not titles:
        raise ReportParseError(f"{name}: the Excel workbook has no visible sheet with data")
    return Layout(
        pages=pager.pages(kind, titles),
        page_lines=pager.lines,
        fragments=pager.fragments,
        page_chars={},
        page_widths={p: _PAGE_WIDTH for p in pager.lines},
        producer="Excel workbook" + (" (.xls)" if kind == "xls" else ""),
        from_structure=True,
    )


def _sheet_page(sheet: _Sheet, pager: _Pager) -> None:
    rows = 1 + max(r for r, _ in sheet.texts)
    cols = 1 + max(c for _, c in sheet.texts)
    grid: list[list[Any]] = [[sheet.texts.get((r, c), "") for c in range(cols)] for r in range(rows)]
    for r0, c0, r1, c1 in sheet.merged:
        for r in range(r0, min(r1, rows - 1) + 1):
            for c in range(c0, min(c1, cols - 1) + 1):
                if (r, c) != (r0, c0):
                    grid[r][c] = LEFT_SPAN if r == r0 else UP_SPAN
    first_col = min(c for _, c in sheet.texts)
    grid = [row[first_col:] for row in grid]

    def filled(row: list[Any]) -> int:
        return sum(1 for item in row if isinstance(item, str) and item)

    def text_line(row: list[Any]) -> None:
        pager.line(_Text(" ".join(t for t in row if isinstance(t, str) and t), _BODY_SIZE, 0.0))

    table_rows = [r for r, row in enumerate(grid) if filled(row) >= 3]
    if not table_rows:
        for row in grid:
            text_line(row)
        return
    start, end = table_rows[0], table_rows[-1]
    for row in grid[:start]:
        text_line(row)
    body = [row for row in grid[start:end + 1] if filled(row)]
    # a span that began above the table (a title merged down into it) is not a cell of the table
    body[0] = [("" if item is UP_SPAN else item) for item in body[0]]
    pager.grid(body, len(body[0]))
    for row in grid[end + 1:]:
        text_line(row)
