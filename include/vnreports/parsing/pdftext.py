"""Character-level text extraction on top of pdfplumber: lines, superscripts, cell text."""

from __future__ import annotations

from dataclasses import dataclass, field
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


def text_lines(chars: list[Char], page_no: int, bbox: BBox | None = None) -> list[Line]:
    """Lines of text (reading order as pdfplumber's extract_text), NFC, with geometry."""
    if not chars:
        return []
    kwargs: dict[str, Any] = {"x_tolerance": 3, "y_tolerance": 3}
    if bbox is not None:
        kwargs["layout_bbox"] = bbox
    tm = chars_to_textmap(chars, **kwargs)
    out = []
    for ln in tm.extract_text_lines(strip=True, return_chars=True):
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
    return join_wrapped(extract_text(chars, x_tolerance=3, y_tolerance=3))


def plain_text(chars: list[Char]) -> str:
    return nfc(extract_text(chars, x_tolerance=3, y_tolerance=3)) if chars else ""
