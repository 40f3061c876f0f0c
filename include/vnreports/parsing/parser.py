"""parse_report: a report file (PDF, Word, Excel) -> ParsedReport (see model.py)."""

from __future__ import annotations

import hashlib
import io
import logging
import os
import statistics
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pdfplumber
from pdfplumber.table import TableFinder

from . import ocr, office, pdfium_chars
from .aligned import find_aligned_fragments
from .columns import ReportContext
from .flowed import find_flowed_tables
from .indicators import build_indicator_table
from .layout import Layout
from .metadata import extract_metadata
from .narrative import extract_narrative
from .textflow import build_paragraphs
from .numbers import is_vn_formatted
from .model import FieldSource, IndicatorTable, IndicatorValue, PageText, ParsedReport, ReportMetadata, ReportParseError
from .pdftext import Line, mark_superscripts, text_lines
from .tables import RULED_SETTINGS, Fragment, LogicalTable, assemble, fragment_from_cells, has_ruling, inside, place_lines
from .textutil import clean_line, nfc

PARSER_VERSION = "0.4.0"  # 0.3: OCR of scans; 0.4: Word and Excel files

log = logging.getLogger(__name__)

# A file with more pages than this fails with a clear reason instead of tying up a worker
# (REPORTS_MAX_PAGES; the longest real report seen so far has about 60 pages).
DEFAULT_MAX_PAGES = 1000

# What the parser still reads of a char once its page is done (lines, cells, flowed tables,
# pdfplumber's text utilities). pdfminer's chars carry about 25 keys (colours, matrix, marked
# content, ...); keeping only these cuts the memory a page holds until the end of the file
# to about a third (see _slim_page).
_CHAR_KEYS = ("text", "fontname", "size", "upright", "x0", "x1", "top", "bottom", "doctop", "height")


def max_pages() -> int:
    """REPORTS_MAX_PAGES (a positive integer), else DEFAULT_MAX_PAGES."""
    raw = os.environ.get("REPORTS_MAX_PAGES", "").strip()
    if not raw:
        return DEFAULT_MAX_PAGES
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"REPORTS_MAX_PAGES must be a positive integer, not {raw!r}")
    return value


def _slim_page(chars: list[Any], lines: list[Line]) -> list[Any]:
    """The page's chars as small dicts of _CHAR_KEYS, shared with its lines (in place)."""
    slim: dict[int, dict] = {}

    def one(c: dict) -> dict:
        key = id(c)
        if key not in slim:
            slim[key] = {k: c[k] for k in _CHAR_KEYS if k in c}
        return slim[key]

    out = [one(c) for c in chars]
    for ln in lines:
        ln.chars = [one(c) for c in ln.chars]
    return out

# pdfminer is chatty about damaged files; the caller gets a ReportParseError instead
for _name in ("pdfminer", "pdfminer.pdfpage", "pdfminer.pdfdocument", "pdfminer.pdfparser"):
    logging.getLogger(_name).setLevel(logging.ERROR)


def _causes(e: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException] = [e]
    while todo:
        x = todo.pop()
        if id(x) in seen:
            continue
        seen.add(id(x))
        yield x
        for a in getattr(x, "args", ()):
            if isinstance(a, BaseException):
                todo.append(a)
        for a in (x.__cause__, x.__context__):
            if a is not None:
                todo.append(a)


def _reason(e: BaseException) -> str:
    names = [type(x).__name__ for x in _causes(e)]
    if any(n in ("PDFPasswordIncorrect",) for n in names):
        return "password-protected PDF (cannot decrypt without a password)"
    if any(n in ("PDFEncryptionError", "PDFEncryptionWarning") for n in names):
        return "encrypted PDF with unsupported encryption"
    inner = next((x for x in _causes(e) if type(x).__name__ not in ("PdfminerException",)), e)
    return f"corrupt or truncated PDF ({type(inner).__name__}: {clean_line(str(inner))[:200]})"


def _producer(meta: dict[str, Any]) -> str | None:
    v = meta.get("Producer") or meta.get("Creator")
    if v is None:
        return None
    if isinstance(v, bytes):
        for enc in ("utf-8", "utf-16", "latin-1"):
            try:
                v = v.decode(enc)
                break
            except UnicodeDecodeError:
                continue
    return clean_line(str(v)) or None


def _check_bytes(data: bytes, name: str) -> None:
    if not data:
        raise ReportParseError(f"{name}: empty file (0 bytes)")
    if b"%PDF-" not in data[:1024]:
        raise ReportParseError(f"{name}: not a PDF (no %PDF- header; is it another file type renamed .pdf?)")
    if b"%%EOF" not in data[-2048:]:
        raise ReportParseError(f"{name}: truncated or corrupt PDF (no %%EOF trailer at the end of the file)")


def parse_report(path: Path | str, file_name: str | None = None,
                 metadata_override: dict | None = None, linked: ParsedReport | None = None) -> ParsedReport:
    """Parse one report: a PDF (scans by OCR), a Word document or an Excel workbook (office.py).
    Raises ReportParseError (message: file name + reason) on bad input.

    metadata_override: an operator's fields for this file (vnreports.overrides), put in place of
    what the parser read before the tables and sentences are read with them.
    linked: the report an annex belongs to (vnreports.annexes): the annex's unit, period, issue
    date and document number, where it states none, are the report's."""
    path = Path(path)
    name = file_name or path.name
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ReportParseError(f"{name}: cannot read file ({e})") from e
    warnings: list[str] = []
    kind = office.sniff(data)
    if kind in office.OFFICE_KINDS:
        layout = office.layout(data, kind, name, warnings)
    else:
        _check_bytes(data, name)
        layout = _pdf_layout(data, name, warnings)
    return _read_layout(layout, name, hashlib.sha256(data).hexdigest(), warnings, metadata_override, linked)


def _pdf_layout(data: bytes, name: str, warnings: list[str]) -> Layout:
    """A PDF's pages as text lines and table fragments (chars from pdfium, OCR for scans)."""
    try:
        pdf = pdfplumber.open(io.BytesIO(data), unicode_norm="NFC")
    except Exception as e:  # pdfminer raises many types
        raise ReportParseError(f"{name}: {_reason(e)}") from e

    pages: list[PageText] = []
    page_lines: dict[int, list[Line]] = {}
    page_chars: dict[int, list[Any]] = {}
    page_widths: dict[int, float] = {}
    fragments: list[Fragment] = []
    with pdf:
        try:
            producer = _producer(pdf.metadata or {})
            page_objs = pdf.pages
        except Exception as e:
            raise ReportParseError(f"{name}: {_reason(e)}") from e
        if not page_objs:
            raise ReportParseError(f"{name}: PDF has no pages")
        limit = max_pages()
        if len(page_objs) > limit:
            raise ReportParseError(
                f"{name}: too many pages ({len(page_objs)}; the limit is {limit}, REPORTS_MAX_PAGES); "
                "not parsed, to keep the worker's memory and time bounded"
            )
        has_text = False
        fast_doc = pdfium_chars.open_document(data, len(page_objs))
        scans = _Scans(data, fast_doc, name, warnings)
        for page_no, page in enumerate(page_objs, start=1):
            try:
                # chars and ruling lines from pdfium, much faster than pdfminer; pdfplumber for
                # the pages pdfium's view may not match (see pdfium_chars)
                width, height = float(page.width), float(page.height)
                fast = pdfium_chars.page_layout(fast_doc, page_no - 1, float(page.initial_doctop), width, height)
                ruling = page if fast is None else pdfium_chars.EdgePage(fast[1], width, height)
                chars = page.chars if fast is None else fast[0]
                if not ocr.usable_text(chars):  # a scan, or a font without a Unicode map: read the image
                    chars = scans.read(page_no, height, float(page.initial_doctop), chars)
                chars = mark_superscripts(chars)
                lines = text_lines(chars, page_no)
                ruled = has_ruling(ruling)
                if not ruled and scans.edges.get(page_no):  # a scan's rules, found in its image
                    ruling = pdfium_chars.EdgePage(scans.edges[page_no], width, height)
                    ruled = has_ruling(ruling)
            except ReportParseError:
                raise
            except Exception as e:
                raise ReportParseError(f"{name}: page {page_no} unreadable: {_reason(e)}") from e
            has_text = has_text or any(c.get("text", "").strip() for c in chars)
            page_frags: list[Fragment] = []
            try:
                if ruled:
                    for t in TableFinder(ruling, RULED_SETTINGS).tables:
                        f = fragment_from_cells(t.cells, chars, page_no, "ruled")
                        if f is not None:
                            page_frags.append(f)
                elif chars:
                    page_frags.extend(find_aligned_fragments(chars, lines, page_no))
            except Exception as e:  # a table we cannot read must not lose the report
                warnings.append(f"page {page_no}: table detection failed ({type(e).__name__}: {e})")
                page_frags = []
            place_lines(page_frags, lines)
            fragments.extend(page_frags)
            page_lines[page_no] = lines
            # pdfium's chars are built small; pdfminer's are copied down to _CHAR_KEYS
            page_chars[page_no] = chars if fast is not None else _slim_page(chars, lines)
            page_widths[page_no] = width
            if not lines:
                warnings.append(f"page {page_no}: no text")
            pages.append(
                PageText(
                    page_no=page_no,
                    text=nfc("\n".join(ln.text for ln in lines)),
                    extraction=("table+" if page_frags else "") + ("ocr" if page_no in scans.pages else "text"),
                    width=width,
                    height=height,
                )
            )
            try:
                page.close()
            except Exception:  # pragma: no cover
                pass
        scans.close()
        pdfium_chars.close_document(fast_doc)
    if not has_text:
        if not scans.imaged:
            raise ReportParseError(f"{name}: no text layer and no page image to read (nothing but drawings)")
        why = scans.unavailable or "OCR found no text"
        raise ReportParseError(f"{name}: no text layer (an image-only scan) and {why}")

    return Layout(pages, page_lines, fragments, page_chars, page_widths, producer, scans)


def _read_layout(layout: Layout, name: str, sha: str, warnings: list[str],
                 metadata_override: dict | None, linked: ParsedReport | None = None) -> ParsedReport:
    """Tables, metadata and sentence facts of a document laid out as pages (any file type)."""
    pages, page_lines, fragments = layout.pages, layout.page_lines, layout.fragments
    page_chars, page_widths = layout.page_chars, layout.page_widths

    sizes = [ln.size for lns in page_lines.values() for ln in lns if ln.size]
    body_size = statistics.median(sizes) if sizes else None

    logical: list[LogicalTable] = []
    try:
        logical = assemble(fragments, page_lines, body_size)
    except Exception as e:
        warnings.append(f"table assembly failed ({type(e).__name__}: {e})")

    # tables that lost their layout: header and rows flowed line by line (see flowed.py); Word
    # and Excel state their tables
    flowed: list[LogicalTable] = []
    if not layout.from_structure:
        try:
            taken: dict[int, list[Fragment]] = {}
            for f in fragments:
                taken.setdefault(f.page, []).append(f)
            flowed = find_flowed_tables(page_lines, page_chars, page_widths, taken, warnings)
        except Exception as e:  # a table we cannot read must not lose the report
            warnings.append(f"flowed table detection failed ({type(e).__name__}: {e})")
    page_chars.clear()
    if flowed:
        for lt in flowed:
            fragments.extend(lt.fragments)
        flowed_pages = {f.page for lt in flowed for f in lt.fragments}
        for pt in pages:
            if pt.page_no in flowed_pages and not pt.extraction.startswith("table+"):
                pt.extraction = "table+" + pt.extraction
        logical = sorted(logical + flowed, key=lambda t: (t.pages[0], t.fragments[0].bbox[1]))

    # metadata reads the running text: lines inside tables are left out
    text_lines_only = {
        p: [ln for ln in lns if not any(f.page == p and inside(ln, f) for f in fragments)] for p, lns in page_lines.items()
    }
    try:
        captions = [(t.caption, t.caption_page) for t in logical if t.caption]
        metadata, mwarn = extract_metadata(text_lines_only, captions)
        warnings.extend(mwarn)
    except Exception as e:
        warnings.append(f"metadata extraction failed ({type(e).__name__}: {e})")
        metadata = ReportMetadata()
    if linked is not None:
        taken = _take_missing(metadata, linked)
        if taken:
            warnings.append(f"metadata ({', '.join(taken)}) from its report {linked.file_name}")
    if metadata_override:
        from vnreports import overrides

        applied = overrides.apply(metadata, metadata_override)
        warnings.append(f"metadata override ({', '.join(applied.fields)}) {applied.note}")

    ctx = ReportContext(metadata.period_type, metadata.period_start, metadata.period_end, metadata.plan_year)
    tables: list[IndicatorTable] = []
    values: list[IndicatorValue] = []
    for lt in logical:
        try:
            res = build_indicator_table(lt, len(tables), ctx)
        except Exception as e:
            warnings.append(f"table on pages {lt.pages} skipped ({type(e).__name__}: {e})")
            continue
        if res is None:
            warnings.append(f"table on pages {lt.pages} is not an indicator table; skipped")
            continue
        tables.append(res[0])
        values.extend(res[1])

    # figures stated in sentences and footnotes (running text only, tables left out)
    narrative_facts, unresolved, footnotes, paragraphs = [], [], [], []
    try:
        paragraphs, footnotes = build_paragraphs(text_lines_only, {p.page_no: p.height for p in pages})
        narrative_facts, unresolved = extract_narrative(paragraphs, metadata)
        scenarios_from_tables(narrative_facts, values, metadata)
        estimates_before_period_end(narrative_facts, metadata)
    except Exception as e:  # the tables and metadata must not be lost to a narrative bug
        log.exception("narrative extraction failed for %s", name)
        warnings.append(f"narrative extraction failed ({type(e).__name__}: {e})")
    if layout.scans is not None:
        layout.scans.doubt(values, narrative_facts)
    if layout.from_structure:  # a Word or Excel file: rows and cells say where, boxes would not
        for item in [*values, *(c for t in tables for c in t.cells)]:
            item.bbox = None

    return ParsedReport(
        file_name=name,
        sha256=sha,
        page_count=len(pages),
        producer=layout.producer,
        metadata=metadata,
        pages=pages,
        tables=tables,
        values=values,
        warnings=warnings,
        narrative_facts=narrative_facts,
        paragraphs=paragraphs,
        unresolved_mentions=unresolved,
        footnotes=footnotes,
    )


# What an annex takes from its report when it does not state it: the issuer and unit, the
# period, the type, date and number of the report it is attached to (groups taken together).
_LINKED_FIELDS = (("admin_unit_code", "admin_unit_name", "admin_level", "issuer_name"),
                  ("period_type", "period_start", "period_end"), ("doc_type",), ("issue_date",), ("doc_number",),
                  ("plan_year",))


def _take_missing(metadata: ReportMetadata, report: ParsedReport) -> list[str]:
    """Fill the fields the annex lacks from its report's (each with that as its source)."""
    taken = []
    for group in _LINKED_FIELDS:
        if getattr(metadata, group[0]) is None and getattr(report.metadata, group[0]) is not None:
            for name in group:
                setattr(metadata, name, getattr(report.metadata, name))
                metadata.sources[name] = FieldSource(None, f"from its report {report.file_name}", "linked report")
            taken.append(group[0])
    return taken


class _Scans:
    """The OCR of one file's pages that have no usable text layer (see ocr.py), and the words OCR
    was not sure of, which make the figures read from them doubtful."""

    def __init__(self, data: bytes, fast_doc: Any, name: str, warnings: list[str]) -> None:
        self.data, self.fast_doc, self.name, self.warnings = data, fast_doc, name, warnings
        self.pages: set[int] = set()
        self.doubtful: dict[int, list[tuple[tuple[float, float, float, float], str, str]]] = {}
        self.edges: dict[int, list[dict]] = {}  # ruling lines found in a page's image
        self.unavailable: str | None = None
        self.imaged = 0  # pages without usable text that draw an image
        self._doc = None

    def read(self, page_no: int, height: float, doctop: float, chars: list) -> list:
        """The page's chars read by OCR; the chars as they were when the page has no image to
        read (a blank page), or OCR cannot run or fails."""
        import pypdfium2

        if self._doc is None:
            self._doc = self.fast_doc if self.fast_doc is not None else pypdfium2.PdfDocument(self.data)
        pdfium_page = self._doc[page_no - 1]
        if not ocr.has_image(pdfium_page):
            return chars
        self.imaged += 1
        self.unavailable = self.unavailable or ocr.unavailable_reason()
        if self.unavailable:
            self.warnings.append(f"page {page_no}: no usable text layer; not OCRed: {self.unavailable}")
            return chars
        try:
            result = ocr.ocr_page(pdfium_page, height, doctop)
        except ocr.OcrError as error:
            self.warnings.append(f"page {page_no}: OCR failed: {error}")
            return chars
        self.pages.add(page_no)
        self.doubtful[page_no] = result.doubtful
        self.edges[page_no] = result.edges
        mean = f"{result.mean_confidence:.0f}" if result.mean_confidence is not None else "-"
        self.warnings.append(f"page {page_no}: OCR ({result.words} words, mean confidence {mean}, "
                             f"{len(result.doubtful)} doubtful numbers)")
        log.info("%s page %d: OCR, %d words", self.name, page_no, result.words)
        return result.chars

    def close(self) -> None:
        if self._doc is not None and self._doc is not self.fast_doc:
            self._doc.close()
        self._doc = None

    def doubt(self, values: list[IndicatorValue], facts: list) -> None:
        """A figure read from a word OCR was not sure of (low confidence, or a table cell that
        reads otherwise on its own), or written in a way Vietnamese numbers are not ("210.4": OCR
        takes a comma for a dot, or the reverse, more often than it says), is doubtful: held out
        of the BI views, never guessed."""
        for v in values:
            if v.page not in self.pages:
                continue
            if v.value_number is None:
                # words in a figure's cell of a scan: as often a smudge read as letters as a real
                # "Đạt" or "Đảm bảo"
                v.doubts.append(f"OCR read '{v.raw_text.strip()}' where a figure stands, not a number")
            elif not is_vn_formatted(v.raw_text):
                v.doubts.append(f"OCR read '{v.raw_text.strip()}', not a well-formed number")
            for box, word, why in self.doubtful.get(v.page, ()):
                if v.bbox is not None and _overlap(v.bbox, box):
                    v.doubts.append(f"OCR read '{word}', {why}")
        for f in facts:
            written = (f.value_text or "").strip()
            if not written or f.page not in self.pages:
                continue
            if not is_vn_formatted(written):
                f.doubts.append(f"OCR read '{written}', not a well-formed number")
            digits = "".join(ch for ch in written if ch.isdigit())
            for _, word, why in self.doubtful.get(f.page, ()):
                if written in word or "".join(ch for ch in word if ch.isdigit()) == digits:
                    f.doubts.append(f"OCR read '{word}', {why}")
                    break


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def estimates_before_period_end(facts: list, metadata: ReportMetadata) -> int:
    """A figure of a period that had not ended when the report was signed is an estimate.

    A report dated 14/11/2022 that writes "sản lượng đạt 1.710 tấn" for the year 2022 can only be
    estimating the year; its annex says so ("Ước TH năm 2022"). Figures of periods already over
    (10 tháng, 6 tháng đầu năm) and stocks dated on or before the issue date stay actual. Returns
    the number of facts changed."""
    issued = metadata.issue_date
    if issued is None:
        return 0
    changed = 0
    for f in facts:
        if f.scenario != "actual":
            continue
        if f.as_of_date is not None:
            ends = f.as_of_date
        elif f.period_type is not None:
            ends = f.period_end
        else:
            ends = metadata.period_end
        if ends is not None and ends > issued:
            f.scenario = "estimate"
            changed += 1
    return changed


def scenarios_from_tables(facts: list, values: list[IndicatorValue], metadata: ReportMetadata) -> int:
    """A sentence restating a figure of the report's own table takes the column's scenario.

    An annual report issued in November writes "Tỷ lệ gia đình văn hóa 85%" in its summary and
    lists the same 85 under "Ước TH năm 2022" in its annex: the sentence's figure is that estimate,
    not an actual. Same indicator (catalog code of both), same value, same period. Returns the
    number of facts changed."""
    from vnreports import catalog

    def period(ptype, start, end):
        return (start, end) if ptype is not None else (metadata.period_start, metadata.period_end)

    by_figure: dict[tuple, set[str]] = {}
    for v in values:
        if v.role != "value" or v.scenario not in ("actual", "estimate") or v.value_number is None:
            continue
        found = catalog.match_indicator(v.indicator_name, unit=v.measure_unit, context=tuple(v.row_path[:-1]))
        if found is not None:
            key = (found.code, v.value_number.normalize(), period(v.period_type, v.period_start, v.period_end))
            by_figure.setdefault(key, set()).add(v.scenario)
    if not by_figure:
        return 0
    changed = 0
    for f in facts:
        if f.scenario != "actual" or f.value is None or f.as_of_date is not None:
            continue
        found = catalog.match_indicator(f.indicator_text, unit=f.unit)
        if found is None:
            continue
        scenarios = by_figure.get((found.code, f.value.normalize(), period(f.period_type, f.period_start, f.period_end)))
        if scenarios == {"estimate"}:
            f.scenario = "estimate"
            changed += 1
    return changed
