"""Character-level text extraction on top of pdfplumber: lines, superscripts, cell text."""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from pdfplumber.utils.text import chars_to_textmap, extract_text

from .textutil import SUPERSCRIPT_MAP, clean_line, join_wrapped, nfc

Char = dict[str, Any]
BBox = tuple[float, float, float, float]


@dataclass
class Line:
    """One text line of a page (NFC)."""

    page: int
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float = 0.0
    bold: float = 0.0  # share of bold chars
    chars: list[Char] = field(default_factory=list, repr=False)


def mark_superscripts(chars: list[Char]) -> list[Char]:
    """Return chars where footnote markers (small, raised digits) carry superscript text.

    A char is a superscript when it is a digit / bracket / asterisk, at most 80% of the size of
    the char right before or after it on the same line, and its baseline is clearly above that
    neighbour's. The marker gets the neighbour's line position so it stays on the line, and a
    Unicode superscript ("12.704,04 ha¹", "39,48¹"), so it is never glued into a number.
    """
    if not chars:
        return chars
    sizes = sorted(c.get("size") or 0 for c in chars)
    typical = sizes[len(sizes) // 2]
    cands = [
        i
        for i, c in enumerate(chars)
        if len(c.get("text", "")) == 1 and c["text"] in SUPERSCRIPT_MAP and 0 < (c.get("size") or 0) < 0.9 * typical
    ]
    if not cands:
        return chars
    buckets: dict[int, list[Char]] = {}
    for d in chars:
        buckets.setdefault(int(d["bottom"] // 20), []).append(d)
    out = list(chars)
    for i in cands:
        c = chars[i]
        size = c["size"]
        b = int(c["bottom"] // 20)
        best = None
        for k in (b - 1, b, b + 1, b + 2):
            for d in buckets.get(k, ()):
                dsize = d.get("size") or 0
                if d is c or dsize <= 0 or size > 0.8 * dsize + 1e-6 or d.get("upright") is False:
                    continue
                if d["bottom"] < c["top"] or c["bottom"] < d["top"]:
                    continue
                adjacent = (c["x0"] - 3 <= d["x1"] <= c["x0"] + 1) or (c["x1"] - 1 <= d["x0"] <= c["x1"] + 3)
                if adjacent and c["bottom"] < d["bottom"] - 0.2 * dsize:
                    best = d
                    break
            if best is not None:
                break
        if best is not None:
            out[i] = {
                **c,
                "text": SUPERSCRIPT_MAP[c["text"]],
                **{k: best[k] for k in ("top", "bottom", "doctop", "y0", "y1") if k in best},
            }
    return out


def _bold(chars: list[Char]) -> float:
    if not chars:
        return 0.0
    return sum(1 for c in chars if "bold" in str(c.get("fontname", "")).lower()) / len(chars)


# pdfplumber's ligature expansion in text maps (pdfplumber.utils.text.LIGATURES)
_LIGATURES = {"ﬀ": "ff", "ﬃ": "ffi", "ﬄ": "ffl", "ﬁ": "fi", "ﬂ": "fl", "ﬆ": "st", "ﬅ": "st"}
_TOLERANCE = 3  # x and y, as pdfplumber's default and the parser's everywhere


def _cluster_index(values: Any) -> dict[float, int]:
    """pdfplumber's make_cluster_dict: sorted distinct values chained while within the tolerance."""
    index: dict[float, int] = {}
    group, last = -1, None
    for v in sorted(set(values)):
        if last is None or v > last + _TOLERANCE:
            group += 1
        index[v] = group
        last = v
    return index


def _upright_words(chars: list[Char]) -> list[tuple[float, list[Char]]] | None:
    """pdfplumber's WordExtractor(x_tolerance=3, y_tolerance=3) on chars that are all upright with
    text (every pdfium page): (top, chars) per word, in its order. None for other chars, which go
    through pdfplumber itself."""
    for c in chars:
        if c.get("upright") is not True or not c["text"]:
            return None
    # 1. chars into lines by top (chained within the tolerance), each line by x0
    by_top = _cluster_index([c["top"] for c in chars])
    char_lines: dict[int, list[Char]] = {}
    for c in chars:
        group = by_top[c["top"]]
        line = char_lines.get(group)
        if line is None:
            char_lines[group] = [c]
        else:
            line.append(c)
    # 2. words: a blank ends one; a char left of the previous one's x0, beyond its x1 + tolerance
    #    or off its top by more than the tolerance starts one
    words: list[tuple[float, list[Char]]] = []
    for group in sorted(char_lines):
        line = char_lines[group]
        line.sort(key=_X0)
        word: list[Char] = []
        top = prev_x0 = prev_x1 = prev_top = 0.0
        for c in line:
            if c["text"].isspace():
                if word:
                    words.append((top, word))
                word = []
                continue
            x0, c_top = c["x0"], c["top"]
            if word and (x0 < prev_x0 or x0 > prev_x1 + _TOLERANCE or abs(c_top - prev_top) > _TOLERANCE):
                words.append((top, word))
                word = [c]
                top = c_top
            elif word:
                word.append(c)
                if c_top < top:
                    top = c_top
            else:
                word = [c]
                top = c_top
            prev_x0, prev_x1, prev_top = x0, c["x1"], c_top
        if word:
            words.append((top, word))
    return words


_X0 = itemgetter("x0")
_LIGATURE_TABLE = str.maketrans(_LIGATURES)


def _word_text(word: list[Char]) -> str:
    return "".join([c["text"] for c in word]).translate(_LIGATURE_TABLE)


def _upright_lines(chars: list[Char]) -> list[dict] | None:
    """What pdfplumber's `chars_to_textmap(chars, x_tolerance=3, y_tolerance=3)
    .extract_text_lines(strip=True, return_chars=True)` returns, for chars that are all upright
    with text (every pdfium page): the same steps without its general machinery (text
    directions, layout mode, regex search over the text map), about 3x faster. None for other
    pages, which go through pdfplumber itself."""
    words = _upright_words(chars)
    if words is None:
        return None
    # text lines: consecutive words whose tops fall in one cluster, joined by one space
    by_word_top = _cluster_index(top for top, _ in words)
    out: list[dict] = []
    k = 0
    while k < len(words):
        group = by_word_top[words[k][0]]
        line_chars: list[Char] = []
        parts: list[str] = []
        while k < len(words) and by_word_top[words[k][0]] == group:
            word = words[k][1]
            parts.append(_word_text(word))
            line_chars.extend(word)
            k += 1
        text = " ".join(parts).strip(" ")
        if text.strip():
            out.append({
                "text": text,
                "x0": min(c["x0"] for c in line_chars),
                "top": min(c["top"] for c in line_chars),
                "x1": max(c["x1"] for c in line_chars),
                "bottom": max(c["bottom"] for c in line_chars),
                "chars": line_chars,
            })
    return out


def _upright_text(chars: list[Char]) -> str | None:
    """What pdfplumber's `extract_text(chars, x_tolerance=3, y_tolerance=3)` returns, for chars
    that are all upright with text: words grouped into lines by their tops (clusters in order,
    a cluster's words in their order), a space between words, a newline between lines. About 5x
    faster: a table's cells are thousands of small calls. None for other chars."""
    words = _upright_words(chars)
    if words is None:
        return None
    by_word_top = _cluster_index(top for top, _ in words)
    lines: dict[int, list[str]] = {}
    for top, word in words:
        lines.setdefault(by_word_top[top], []).append(_word_text(word))
    return "\n".join(" ".join(lines[group]) for group in sorted(lines))


def _extract_text(chars: list[Char]) -> str:
    found = _upright_text(chars)
    return extract_text(chars, x_tolerance=3, y_tolerance=3) if found is None else found


def text_lines(chars: list[Char], page_no: int, bbox: BBox | None = None) -> list[Line]:
    """Lines of text (reading order as pdfplumber's extract_text), NFC, with geometry."""
    if not chars:
        return []
    found = _upright_lines(chars) if bbox is None else None
    if found is None:
        kwargs: dict[str, Any] = {"x_tolerance": 3, "y_tolerance": 3}
        if bbox is not None:
            kwargs["layout_bbox"] = bbox
        found = chars_to_textmap(chars, **kwargs).extract_text_lines(strip=True, return_chars=True)
    out = []
    for ln in found:
        text = clean_line(ln["text"])
        if not text:
            continue
        lc = ln.get("chars") or []
        sizes = sorted(c.get("size", 0) for c in lc)
        out.append(
            Line(
                page=page_no,
                text=text,
                x0=ln["x0"],
                top=ln["top"],
                x1=ln["x1"],
                bottom=ln["bottom"],
                size=sizes[len(sizes) // 2] if sizes else 0.0,
                bold=_bold(lc),
                chars=lc,
            )
        )
    return out


def chars_in_bbox(chars: list[Char], bbox: BBox) -> list[Char]:
    x0, top, x1, bottom = bbox
    res = []
    for c in chars:
        h = (c["x0"] + c["x1"]) / 2
        v = (c["top"] + c["bottom"]) / 2
        if x0 <= h < x1 and top <= v < bottom:
            res.append(c)
    return res


def cell_text(chars: list[Char]) -> str:
    """Text of one table cell: NFC, wrapped lines joined by one space."""
    if not chars:
        return ""
    return join_wrapped(_extract_text(chars))


def plain_text(chars: list[Char]) -> str:
    return nfc(_extract_text(chars)) if chars else ""
