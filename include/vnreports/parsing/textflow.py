"""Running text of a report as paragraphs: body text and footnotes separated, markers linked.

Reports put footnotes at the bottom of a page, sometimes in the middle of a sentence that goes
on over the page break, and their markers sit right after a number ("12.704,04 ha¹",
"năm 2022³⁹"). Producers differ: Word prints a smaller raised marker and a smaller footnote
font; a text layer exported again may have lost both ("ha1", "năm 202239", a footnote line
"1 Trong đó: ..." in body size). So a footnote is recognised by either signal:

- layout: a line in the lower part of the page, in a clearly smaller font than the body,
  starting with a marker number;
- numbering: a line starting with the number n the next footnote must have ("1 ", "¹⁰"), while
  a marker n was seen in the body text on this page or the page before.

A footnote goes on until the next footnote or, when it has the body's font size, until a line
that ends a sentence is followed by a line starting a new paragraph. Markers are removed from
the body text (recorded with the footnote), so "năm 202239" reads "năm 2022".
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field

from .model import Footnote
from .pdftext import Line
from .textutil import nfc

SUPERSCRIPT_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_SUP_TO_DIGIT = {c: str(i) for i, c in enumerate(SUPERSCRIPT_DIGITS)}

# A footnote's first line: its number (plain or superscript) then its text.
_FOOTNOTE_START = re.compile(rf"^(?:⁽?([{SUPERSCRIPT_DIGITS}]{{1,3}})⁾?\s*|(\d{{1,3}})(?:\s+|(?=[^\W\d_])))(?=\S)")
# Superscript markers anywhere in body text ("¹⁰", "⁽²⁰⁾"), but not the power of a unit ("m³").
_SUP_MARKER = re.compile(rf"(?<![\s\d(][kcdh]m)(?<![\s\d(]m)⁽?[{SUPERSCRIPT_DIGITS}]+⁾?|(?<=[\s\d(][kcdh]m)⁽?[{SUPERSCRIPT_DIGITS}]{{2,}}⁾?|(?<=[\s\d(]m)⁽?[{SUPERSCRIPT_DIGITS}]{{2,}}⁾?")
# A plain marker glued to a word or a unit ("ha1", "thực vật3", "đồng26", "%16", "liều11").
_GLUED_AFTER_WORD = re.compile(r"(?<=[^\W\d_%)\"”])(\d{1,3})(?=[\s,.;:)…]|$)|(?<=%)(\d{1,3})(?=[\s,.;:)…]|$)")
# A plain marker glued to a 4-digit year ("năm 202239") or a zero-padded count ("mũi 0154").
_GLUED_AFTER_NUMBER = re.compile(r"(?<![\d.,/])((?:19|20)\d{2}|0\d)(\d{1,3})(?=[\s,.;:)…]|$)")
# Units and symbols that legitimately end in a digit: "m2", "km2", "CO2", "F0", "H5N1"...
_DIGIT_WORDS = re.compile(r"(?:\b(?:k?m|dm|cm|mm|CO|PM|F|H\dN|COVID-|Covid-|covid-|SARS-CoV-)\d+$)", re.I)

_PAGE_NUMBER = re.compile(r"^[-–— ]*\d{1,3}[-–— ]*$")
_BULLET = re.compile(r"^(?:[-+•*–]\s|\(\d{1,2}\)\s?|\d{1,2}(?:\.\d{1,2})*\.\s|[a-zđ]\)\s|[IVX]{1,5}\.\s|[A-Z]\.\s)")
_NUMBERED_TITLE = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2})*\.|[IVX]{1,5}\.|[A-Z]\.)\s+\S")
_FOOTNOTE_END = re.compile(r"[.!?…]\s*[\"”)]?$")
_SENTENCE_END = re.compile(r"[.:;!?…]\s*[\"”)]?$")


@dataclass
class Paragraph:
    """Running text with the page each character came from."""

    text: str
    # (offset, page): the page of text[offset:] up to the next entry
    page_at: list[tuple[int, int]]
    footnote: int | None = None  # footnote number, None for body text
    is_heading: bool = False

    def page_of(self, offset: int) -> int:
        page = self.page_at[0][1]
        for start, p in self.page_at:
            if start <= offset:
                page = p
            else:
                break
        return page


@dataclass
class _Builder:
    footnote: int | None
    parts: list[str] = field(default_factory=list)
    page_at: list[tuple[int, int]] = field(default_factory=list)
    length: int = 0

    def add(self, text: str, page: int) -> None:
        if self.parts:
            self.parts.append(" ")
            self.length += 1
        if not self.page_at or self.page_at[-1][1] != page:
            self.page_at.append((self.length, page))
        self.parts.append(text)
        self.length += len(text)

    def build(self, is_heading: bool = False) -> Paragraph:
        return Paragraph(nfc("".join(self.parts)), self.page_at, self.footnote, is_heading)


def _sup_number(text: str) -> int:
    return int("".join(_SUP_TO_DIGIT[c] for c in text if c in _SUP_TO_DIGIT))


def _is_heading(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    if len(letters) >= 4 and sum(c.isupper() for c in letters) / len(letters) > 0.85:
        return True
    return bool(re.match(r"^(?:Phần\s+(?:thứ\s+)?\S+:?|[IVX]{1,5}\.\s|[A-Z]\.\s)", text)) and len(text) < 120


def _strip_running_lines(page_lines: dict[int, list[Line]]) -> dict[int, list[Line]]:
    """Drop page numbers and a header/footer line repeated on most pages."""
    texts: dict[str, int] = {}
    for lines in page_lines.values():
        edge = lines[:2] + lines[-2:]
        for t in {ln.text for ln in edge}:
            texts[t] = texts.get(t, 0) + 1
    n_pages = len(page_lines)
    repeated = {t for t, n in texts.items() if n_pages >= 4 and n >= 0.6 * n_pages and not _PAGE_NUMBER.match(t)}
    sizes = sorted(ln.size for lines in page_lines.values() for ln in lines if ln.size)
    body_size = sizes[len(sizes) // 2] if sizes else 0.0
    out = {}
    for page, lines in page_lines.items():
        kept = []
        for i, ln in enumerate(lines):
            at_edge = i < 2 or i >= len(lines) - 2
            if at_edge and (_PAGE_NUMBER.match(ln.text) or ln.text in repeated):
                continue
            if i < 2 and page > 1 and body_size and 0 < ln.size <= 0.85 * body_size and not _FOOTNOTE_START.match(ln.text):
                continue  # a running header in small print at the top of a page
            kept.append(ln)
        out[page] = kept
    return out


class _MarkerTracker:
    """Footnote markers seen in the body, by number, with the page they were on."""

    def __init__(self) -> None:
        self.seen: dict[int, tuple[int, str]] = {}  # number -> (page, words before)
        self.last_footnote = 0

    def expected(self, n: int) -> bool:
        # the next number, allowing for one or two footnotes we failed to see
        return self.last_footnote < n <= self.last_footnote + 3

    def strip(self, text: str, page: int, candidates: set[int]) -> str:
        """Remove markers from a body line; only numbers a footnote on this or the next page
        starts with count (so "m2", "F0" or a real number are left alone)."""

        def sup(m: re.Match) -> str:
            n = _sup_number(m.group(0))
            self.seen.setdefault(n, (page, text[max(0, m.start() - 40) : m.start()]))
            return ""

        text = _SUP_MARKER.sub(sup, text)
        if not candidates:
            return text

        def glued_word(m: re.Match) -> str:
            n = int(m.group(1) or m.group(2))
            head = text[: m.start()]
            if n not in candidates or _DIGIT_WORDS.search(head + m.group(0)):
                return m.group(0)
            self.seen.setdefault(n, (page, head[-40:]))
            return ""

        def glued_number(m: re.Match) -> str:
            n = int(m.group(2))
            if n not in candidates:
                return m.group(0)
            self.seen.setdefault(n, (page, text[max(0, m.start() - 40) : m.start()] + m.group(1)))
            return m.group(1)

        text = _GLUED_AFTER_WORD.sub(glued_word, text)
        return _GLUED_AFTER_NUMBER.sub(glued_number, text)


def _footnote_start(ln: Line) -> int | None:
    """The footnote number a line starts with, if it looks like a footnote's first line."""
    m = _FOOTNOTE_START.match(ln.text)
    if not m:
        return None
    rest = ln.text[m.end() :]
    # a superscript number opening a line is a footnote whatever follows ("⁷ 10 tháng ...")
    if not rest or not (m.group(1) or rest[0].isalpha() or rest[0] in "(“\""):
        return None
    n = _sup_number(m.group(1)) if m.group(1) else int(m.group(2))
    if n == 0:
        return None
    return n


def build_paragraphs(
    page_lines: dict[int, list[Line]], page_heights: dict[int, float]
) -> tuple[list[Paragraph], list[Footnote]]:
    """Body paragraphs and footnote paragraphs of the running text (tables already removed)."""
    page_lines = _strip_running_lines(page_lines)
    sizes = [ln.size for lines in page_lines.values() for ln in lines if ln.size]
    body_size = statistics.median(sizes) if sizes else 0.0
    tracker = _MarkerTracker()
    paragraphs: list[Paragraph] = []
    footnotes: list[Footnote] = []
    body: _Builder | None = None
    note: _Builder | None = None
    prev_body_text = ""
    small_footnotes: bool | None = None  # does this document print footnotes in a smaller font?
    pages = sorted(page_lines)

    # footnote numbers each page's lines start with (markers are only believed for these)
    starts_on_page: dict[int, set[int]] = {}
    for p in pages:
        starts_on_page[p] = {
            n for ln in page_lines[p] if (n := _footnote_start(ln)) is not None
        }

    def close_body() -> None:
        nonlocal body
        if body is not None and body.parts:
            paragraphs.append(body.build())
        body = None

    def close_note() -> None:
        nonlocal note
        if note is not None and note.parts:
            para = note.build()
            paragraphs.append(para)
            page, context = tracker.seen.get(note.footnote or 0, (None, None))
            footnotes.append(
                Footnote(
                    number=note.footnote or 0,
                    page=para.page_at[0][1],
                    text=para.text,
                    marker_page=page,
                    marker_context=nfc(context.strip()) if context else None,
                )
            )
        note = None

    for p in pages:
        lines = page_lines[p]
        height = page_heights.get(p, 0.0) or max((ln.bottom for ln in lines), default=0.0)
        candidates = starts_on_page.get(p, set()) | starts_on_page.get(p + 1, set())
        small_zone_from = None
        if body_size:
            # the footnote area: from the first small-font line in the lower part that starts
            # with a number, to the end of the page
            for i, ln in enumerate(lines):
                if (
                    ln.top > 0.45 * height
                    and 0 < ln.size <= 0.88 * body_size
                    and _footnote_start(ln) is not None
                ):
                    small_zone_from = i
                    break
        for i, ln in enumerate(lines):
            text = ln.text
            start_no = _footnote_start(ln)
            in_small_zone = small_zone_from is not None and i >= small_zone_from
            small = 0 < ln.size <= 0.88 * body_size
            is_start = start_no is not None and (
                (in_small_zone and small) or (start_no in tracker.seen and tracker.expected(start_no))
            )
            if is_start:
                close_note()
                m = _FOOTNOTE_START.match(text)
                note = _Builder(footnote=start_no)
                note.add(text[m.end() :].strip() if m else text, p)
                tracker.last_footnote = max(tracker.last_footnote, start_no or 0)
                if small_footnotes is None:
                    small_footnotes = small
                continue
            if small_footnotes:
                # small print in the lower part of a page continues the open footnote (also
                # on the next page); body-size lines are body text
                if small and (in_small_zone or ln.top > 0.45 * height):
                    if note is not None:
                        note.add(text, p)
                    continue
            elif note is not None:
                # same-size footnotes end with their sentence
                last = note.parts[-1] if note.parts else ""
                if not _FOOTNOTE_END.search(last):
                    note.add(text, p)
                    continue
                close_note()
            clean = tracker.strip(text, p, candidates).strip()
            if not clean:
                continue
            # a bold line on its own is a heading ("Xây dựng nông thôn mới"); so is a short
            # numbered title without a full stop ("5. Tài chính - Kế hoạch")
            heading = _is_heading(clean) or (ln.bold >= 0.6 and len(clean) < 90 and not _SENTENCE_END.search(clean)) or (
                _NUMBERED_TITLE.match(clean) is not None and len(clean) < 70 and not re.search(r"[.:;,]$", clean)
                and i + 1 < len(lines) and lines[i + 1].text[:1].isupper()
            )
            new_para = (
                body is None
                or heading
                or _BULLET.match(clean) is not None
                or (_SENTENCE_END.search(prev_body_text) is not None and clean[:1].isupper())
                or (paragraphs and paragraphs[-1].is_heading and body is None)
            )
            if heading:
                close_body()
                b = _Builder(footnote=None)
                b.add(clean, p)
                paragraphs.append(b.build(is_heading=True))
                prev_body_text = "."
                continue
            if new_para:
                close_body()
                body = _Builder(footnote=None)
            assert body is not None
            body.add(clean, p)
            prev_body_text = clean
    close_note()
    close_body()
    return paragraphs, footnotes
