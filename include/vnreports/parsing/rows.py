"""Row hierarchy of indicator tables.

Labels rank the rows: A/B (5) > I/II (10) > 1, 2 (20) > (1) (25) > 4.1 (30) > 4.1.1 (40) >
a) (45) > "-" (50) > "+" (60) > "*" (70). A row is the child of the nearest row above with a
smaller rank. Rows without a label:

* "Trong đó:" / "Bao gồm:" alone on a row is a marker, not an indicator: it becomes a
  section row with indicator_name None, and the unlabelled rows after it are children of the
  row the marker follows (until a labelled row closes that row).
* "Trong đó: X" on a row with figures is indicator X, child of the row above.
* other unlabelled rows are children of the last labelled row when that row is a heading
  (no figures, e.g. "7 | Giao thông"), else its siblings.

A label written inside the indicator text ("+ Thu từ tiền sử dụng đất" with an empty TT cell)
is taken as the row label; the cell text itself is not changed.

parent_path holds the indicator names of the ancestors, outermost first, EXCEPT group
headings labelled with a Roman numeral or a capital letter ("I | Chỉ tiêu kinh tế"): those are
TableRow(is_section=True) rows of their own and the group of a row is the nearest such row
above it, but they are left out of parent_path, which names indicators only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .model import TableRow
from .textutil import clean_line, is_roman

MARKER_ONLY = re.compile(r"^(trong\s+đó|bao\s+gồm|chia\s+ra|gồm|trong\s+đó\s+gồm|cụ\s+thể|chia\s+theo\s+.*)\s*:?\s*$", re.IGNORECASE)
INLINE_MARKER = re.compile(r"^(trong\s+đó|bao\s+gồm|chia\s+ra|gồm)\s*:\s*(\S.*)$", re.IGNORECASE)
EMBEDDED_LABEL = re.compile(
    r"^(?P<label>[IVXLC]+\.|[A-Z]\.|\d+(?:\.\d+)+\.?|\d+[.)]|\(\d+\)|[a-zđ]\)|[-–—+*•·])\s*(?P<rest>\S.*)$"
)

GROUP_RANKS = (5, 10)


def label_rank(label: str) -> int:
    t = label.strip().rstrip(".").strip()
    if not t:
        return 80
    if is_roman(t):
        return 10
    if re.fullmatch(r"[A-ZĐ]", t):
        return 5
    if re.fullmatch(r"\d+", t):
        return 20
    if re.fullmatch(r"\(\d+\)|\d+\)", t):
        return 25
    if re.fullmatch(r"\d+(\.\d+)+", t):
        return 20 + 10 * t.count(".")
    if re.fullmatch(r"[a-zđ]\)?", t):
        return 45
    if t in ("-", "–", "—"):
        return 50
    if t == "+":
        return 60
    if t in ("*", "•", "·", "**"):
        return 70
    return 80


def normalise_label(label: str) -> str:
    t = clean_line(label)
    if t.endswith(".") and len(t) > 1:
        t = t[:-1].strip()
    return t


def split_embedded_label(name: str) -> tuple[str | None, str]:
    """'+ Thu từ tiền sử dụng đất' -> ('+', 'Thu từ tiền sử dụng đất')."""
    m = EMBEDDED_LABEL.match(name)
    if not m:
        return None, name
    label = m.group("label")
    rest = m.group("rest")
    # "1.000 ha" or "3,5%" is not a label; "- 3,21" in a text cell neither
    if re.match(r"^\d", rest) and label[0] in "-–—+":
        return None, name
    if label[0].isdigit() and not rest[0].isalpha():
        return None, name
    return normalise_label(label), rest.strip()


@dataclass
class RowInput:
    page: int
    label: str  # label cell text ("" if none / no label column)
    name: str  # indicator cell text
    unit: str  # unit cell text (vertical merges resolved)
    has_values: bool


@dataclass
class _Entry:
    rank: int
    parent: list[str]
    path: list[str]  # what children inherit
    is_section: bool
    ident: int = 0


def build_rows(inputs: list[RowInput]) -> list[TableRow]:
    out: list[TableRow] = []
    stack: list[_Entry] = []
    anchor: _Entry | None = None
    prev_path: list[str] | None = None  # path of the previous indicator row (incl. itself)
    prev_parent: list[str] = []
    prev_labelled = True
    counter = 0

    for i, r in enumerate(inputs):
        label = normalise_label(r.label) if r.label else ""
        name = clean_line(r.name)
        if not label and name:
            lab, rest = split_embedded_label(name)
            if lab:
                label, name = lab, rest
        unit = clean_line(r.unit) or None

        # a bare "Trong đó:" row
        if name and not label and not r.has_values and MARKER_ONLY.match(name):
            if prev_path is not None and not prev_labelled:
                counter += 1
                anchor = _Entry(
                    (stack[-1].rank + 1) if stack else 1, list(prev_parent), list(prev_path), False, counter
                )
                stack.append(anchor)
            else:
                anchor = stack[-1] if stack else None
            parent = list(anchor.path) if anchor else []
            out.append(TableRow(i, r.page, None, None, None, parent, True))
            continue

        inline = INLINE_MARKER.match(name) if (name and not label) else None
        if inline:
            name = clean_line(inline.group(2))
        name = name.rstrip(":").strip() if name else name
        is_section = not r.has_values

        if label:
            rank = label_rank(label)
            while stack and stack[-1].rank >= rank:
                stack.pop()
            if anchor is not None and all(e is not anchor for e in stack):
                anchor = None
            parent = list(stack[-1].path) if stack else []
            group = is_section and rank in GROUP_RANKS
            counter += 1
            stack.append(_Entry(rank, parent, parent if group or not name else parent + [name], is_section, counter))
        else:
            if inline and prev_path is not None:
                parent = list(prev_path)
            elif anchor is not None:
                parent = list(anchor.path)
            elif stack:
                top = stack[-1]
                parent = list(top.path) if top.is_section else list(top.parent)
            else:
                parent = []

        out.append(TableRow(i, r.page, label or None, name or None, unit, parent, is_section))
        if name:
            prev_path = parent + [name]
            prev_parent = parent
            prev_labelled = bool(label)
    return out
