"""Text of pages without a usable text layer (scans, fonts without a Unicode map) by OCR.

Tesseract (Debian `tesseract-ocr` and its Vietnamese model `tesseract-ocr-vie`) reads the page
image that pdfium renders; its words come back with boxes, which become chars in pdfplumber's
coordinates (PDF points, top-left origin), the same dicts as pdfium_chars builds. The parser then
reads an OCRed page exactly as a page with text, and every figure keeps its page and box: the
region of the page image it was read from.

A word Tesseract is not sure of (confidence below REPORTS_OCR_MIN_CONFIDENCE, default 90) is
returned as a low-confidence box; a figure read from one is held out of the BI views, never
guessed (see parser._ocr_doubts).

Settings: REPORTS_OCR_DPI (default 300), REPORTS_OCR_PAGE_TIMEOUT seconds (default 180),
REPORTS_OCR_LANGUAGES (default "vie"). Tesseract runs one thread per page (OMP_THREAD_LIMIT=1):
files are parsed in parallel by Airflow, one per core.
"""

from __future__ import annotations

import bisect
import os
import shutil
import subprocess
import tempfile
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from .numbers import is_vn_formatted

Char = dict[str, Any]
BBox = tuple[float, float, float, float]

INSTALL_HINT = ("install Tesseract and its Vietnamese model (Debian: apt-get install tesseract-ocr "
                "tesseract-ocr-vie; `make system-packages` does it as root)")

# Vietnamese letters outside Latin-1 are still Latin script; a page whose letters are mostly in
# another script or in the Private Use Area (a font without a Unicode map) is not readable text.
_VOWELS = set("aăâeêioôơuưy")


def _setting(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        return float(raw) if raw else default
    except ValueError:
        return default


def dpi() -> float:
    return _setting("REPORTS_OCR_DPI", 300)


def page_timeout() -> float:
    return _setting("REPORTS_OCR_PAGE_TIMEOUT", 180)


def min_confidence() -> float:
    return _setting("REPORTS_OCR_MIN_CONFIDENCE", 90)


def languages() -> str:
    return os.environ.get("REPORTS_OCR_LANGUAGES", "").strip() or "vie"


@lru_cache(maxsize=4)
def _unavailable(executable: str | None, langs: str) -> str | None:
    if executable is None:
        return f"Tesseract is not installed: {INSTALL_HINT}"
    try:
        listed = subprocess.run([executable, "--list-langs"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"Tesseract ({executable}) does not run ({error}): {INSTALL_HINT}"
    have = {line.strip() for line in (listed.stdout + listed.stderr).splitlines()}
    missing = [lang for lang in langs.split("+") if lang not in have]
    if missing:
        return f"Tesseract has no model for {', '.join(missing)}: {INSTALL_HINT}"
    return None


def unavailable_reason() -> str | None:
    """None when OCR can run here, else why not and how to fix it."""
    return _unavailable(shutil.which("tesseract"), languages())


def usable_text(chars: list[Char]) -> bool:
    """Whether a page's chars are readable text: some letters or digits, almost none of them
    private-use or control code points, and words that look like words (a font without a
    Unicode map often yields ASCII punctuation soup or letters without vowels)."""
    visible = [t for c in chars if (t := c.get("text", "")).strip()]
    if len(visible) < 20:
        return bool(visible) and all(ch.isalnum() or ch in ".,:;/-()%" for t in visible for ch in t)
    text = "".join(visible)
    # each distinct char judged once: a page's thousands of chars are a hundred or so distinct ones
    counts = Counter(text)
    odd = sum(n for ch, n in counts.items() if unicodedata.category(ch) in ("Co", "Cc", "Cn", "Cs") or ch == "\ufffd")
    if odd > 0.05 * len(text):
        return False
    alnum = sum(n for ch, n in counts.items() if ch.isalnum())
    if alnum < 0.5 * len(text):
        return False
    letters = sum(n for ch, n in counts.items() if ch.isalpha())
    # Vietnamese is Latin
    latin = sum(n for ch, n in counts.items() if ch.isalpha() and (ch < "\u0250" or "\u1e00" <= ch <= "\u1eff"))
    if letters and latin < 0.8 * letters:
        return False
    # words: runs of letters between non-letters; Vietnamese syllables have a vowel
    every = "".join([c.get("text", "") for c in chars])
    blanks = {ord(ch): " " for ch in set(every) if not ch.isalpha()}
    words = every.translate(blanks).split()
    if len(words) >= 10:
        voweled = sum(n for w, n in Counter(words).items() if any(_base(ch) in _VOWELS for ch in w.lower()))
        if voweled < 0.6 * len(words):
            return False
    return True


def _base(ch: str) -> str:
    return unicodedata.normalize("NFD", ch)[0]


def has_image(pdfium_page: Any) -> bool:
    """Whether the page draws an image (a scan's page is one); a page without one has nothing to read."""
    import pypdfium2.raw as pr

    return any(obj.type == pr.FPDF_PAGEOBJ_IMAGE for obj in pdfium_page.get_objects(max_depth=5))


@dataclass
class OcrPage:
    chars: list[Char]
    # words whose reading is doubtful: (box, word as read, why): a confidence below the threshold,
    # or a table cell that reads otherwise on its own
    doubtful: list[tuple[BBox, str, str]] = field(default_factory=list)
    words: int = 0
    mean_confidence: float | None = None
    edges: list[dict] = field(default_factory=list)  # ruling lines found in the image
    skew: float = 0.0  # degrees the image was turned to level its lines


def ocr_page(pdfium_page: Any, page_height: float, doctop: float) -> OcrPage:
    """OCR one pdfium page. Raises OcrError (timeout, Tesseract failure).

    The image is straightened first (a sheet fed askew), its ruling lines are found and then
    erased so that Tesseract reads only the text; the lines become the page's edges, from which
    pdfplumber's table finder draws the cells as it does for a PDF's vector rules."""
    import numpy as np
    from PIL import Image, ImageFilter
    from scipy import ndimage  # (a dependency of Great Expectations)

    scale = dpi() / 72.0
    # A red seal over the text (offices stamp the header and the signature): its pixels, and the
    # pink fringe JPEG leaves around them, are redder than they are green or blue. There the red
    # channel is the print alone (red ink is light in it, black print under the ink stays dark),
    # and what is light in it is paper. A median filter takes out the scanner's specks, which
    # Tesseract reads as dots and commas.
    rgb = np.asarray(pdfium_page.render(scale=scale).to_pil().convert("RGB")).astype(np.int16)
    seal = ndimage.binary_dilation(rgb[..., 0] - np.maximum(rgb[..., 1], rgb[..., 2]) > 40, iterations=1)
    gray = rgb.mean(axis=2)
    gray[seal] = np.where(rgb[..., 0][seal] > 150, 255, rgb[..., 0][seal])
    gray = gray.astype(np.uint8)
    image = Image.fromarray(gray)
    angle = skew_angle(image.filter(ImageFilter.MedianFilter(3)))
    if angle:
        image = image.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
    # rules before the median filter, which would erase a rule one pixel thin
    horizontal, vertical = ruling_masks(np.asarray(image) < 160, scale)
    pixels = np.asarray(image.filter(ImageFilter.MedianFilter(3))).copy()
    # erased with a margin: the grey fringe of a rule left behind reads as "|", "_" or "-"
    pixels[ndimage.binary_dilation(horizontal | vertical, iterations=2)] = 255
    # Page layout analysis (psm 3) reads running text in its lines but drops what stands alone,
    # as a table's one-digit cells ("1", "-", "I"); on a ruled page every word is wanted where it
    # is (psm 11, sparse text): the cells are drawn from the rules, not from Tesseract's layout.
    ruled = bool(horizontal.any() and vertical.any())
    words = _tesseract_words(pixels, "11" if ruled else "3")
    edges = _edges(horizontal, "h", scale, doctop) + _edges(vertical, "v", scale, doctop)
    rereads: list[tuple[BBox, str, str]] = []
    agreed: list[BBox] = []
    tables = _tables(edges, pixels.shape, scale) if ruled else []
    if tables:
        found, rereads, agreed, replaced = _read_cells_alone(pixels, words, tables, scale)
        for (x0, top, x1, bottom), settled in replaced:  # a figure's cell read again, in place of its page words
            words = [w for w in words if not (x0 <= (w[1] + w[3]) / 2 <= x1 and top <= (w[2] + w[4]) / 2 <= bottom)]
            words += settled
        words += found
    words = _without_marks(words, [tuple(v * scale for v in t.bbox) for t in tables])
    page = _page_from_words(words, scale, page_height, doctop, agreed)
    page.doubtful += [((x0 / scale, top / scale, x1 / scale, bottom / scale), text, f"alone it reads '{again}'")
                      for (x0, top, x1, bottom), text, again in rereads]
    page.edges = edges
    page.skew = angle
    return page


# A word Tesseract read: the key of its line, its box in pixels, confidence, text.
Word = tuple[tuple[int, ...], float, float, float, float, float, str]


def _tesseract_words(pixels: Any, psm: str, only: str | None = None) -> list[Word]:
    """Tesseract's words on an image (psm: its page segmentation mode; only: the characters it
    may read, tessedit_char_whitelist)."""
    from PIL import Image

    with tempfile.TemporaryDirectory(prefix="vnreports-ocr-") as tmp:
        png = Path(tmp) / "page.pgm"  # uncompressed: writing a PNG cost a tenth of the page's OCR
        Image.fromarray(pixels).save(png)
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        try:
            done = subprocess.run(
                ["tesseract", str(png), "stdout", "-l", languages(), "--psm", psm, "--dpi", str(int(dpi())),
                 *(["-c", f"tessedit_char_whitelist={only}"] if only else []), "tsv"],
                capture_output=True, text=True, timeout=page_timeout(), env=env)
        except subprocess.TimeoutExpired as error:
            raise OcrError(f"OCR took longer than {page_timeout():.0f} s (REPORTS_OCR_PAGE_TIMEOUT)") from error
        except OSError as error:
            raise OcrError(f"Tesseract did not run ({error})") from error
    if done.returncode != 0:
        raise OcrError(f"Tesseract failed: {done.stderr.strip()[-300:]}")
    return _words_from_tsv(done.stdout)


def _words_from_tsv(tsv: str) -> list[Word]:
    """Words of Tesseract's TSV (level 5), each with its line's top and bottom (level 4) in
    place of its own: every char of a line then has the same top, as in a PDF's line."""
    lines: dict[tuple[int, ...], tuple[float, float]] = {}
    words: list[Word] = []
    for row in tsv.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) < 12:
            continue
        key = tuple(int(v) for v in cells[1:5])
        left, top, width, height = (float(v) for v in cells[6:10])
        if cells[0] == "4":
            lines[key] = (top, top + height)
        elif cells[0] == "5":
            text = unicodedata.normalize("NFC", cells[11].strip())
            if text:
                line_top, line_bottom = lines.get(key, (top, top + height))
                words.append((key, left, line_top, left + width, line_bottom, float(cells[10]), text))
    return words


# A table cell's number read the same twice (on the page, and alone) is kept down to this
# confidence; below it, or read once, the threshold is REPORTS_OCR_MIN_CONFIDENCE.
MIN_AGREED_CONFIDENCE = 60

# Around a cell's crop in the sheet of unread cells, and between two crops (pixels).
_SHEET_MARGIN = 30


def _read_cells_alone(pixels: Any, words: list[Word], tables: list, scale: float
                      ) -> tuple[list[Word], list[tuple[BBox, str, str]], list[BBox], list[tuple[BBox, list[Word]]]]:
    """Table cells read once more, each on its own: the cells with ink but no word (Tesseract
    drops a lone short word - "1", "-", "I" - even as sparse text), and the cells with a number,
    whose second reading must agree with the first. The cells are cut out and stacked on one
    sheet (one Tesseract run per page, not one per cell), read as lines (psm 6), and each word
    put back in its cell. In a figures' column (most cells read as numbers), a cell read as no
    number at all ("bì" for a 5 among specks) is read alone twice more (_settle).

    Returns the words of cells the page left empty; the disagreements (box, first, second) whose
    figures are doubted (a cell that reads "5,35" on the page and "5,55" alone); the boxes of the
    cells read the same twice; and the cells whose page words are replaced by a settled reading."""
    centres = [((w[1] + w[3]) / 2, (w[2] + w[4]) / 2) for w in words]
    crops: list[tuple[int, int, Any, list[Word]]] = []  # page x, page y, crop, the words read in it
    inset = 4
    for table in tables:
        for x0, top, x1, bottom in table.cells:
            px0, ptop, px1, pbottom = (int(x0 * scale) + inset, int(top * scale) + inset,
                                       int(x1 * scale) - inset, int(bottom * scale) - inset)
            if px1 - px0 < 4 or pbottom - ptop < 4:
                continue
            inside = [w for w, (cx, cy) in zip(words, centres) if px0 <= cx <= px1 and ptop <= cy <= pbottom]
            crop = _ink(pixels[ptop:pbottom, px0:px1], scale)
            if inside and not any(ch.isdigit() for w in inside for ch in w[6]):
                continue  # words only: nothing to check
            if not inside and int((crop < 128).sum()) < 12:
                continue  # an empty cell
            crops.append((px0, ptop, crop, inside))
    if not crops:
        return [], [], [], []
    alone = _read_on_one_sheet([crop for _, _, crop, _ in crops], [(x, y) for x, y, _, _ in crops])
    numeric = _numeric_columns(crops, alone)
    found: list[Word] = []
    unresolved: list[tuple[BBox, str, str]] = []
    agreed: list[BBox] = []
    replaced: list[tuple[BBox, list[Word]]] = []
    for k, (px0, ptop, crop, inside) in enumerate(crops):
        again = alone.get(k, [])
        box = (float(px0), float(ptop), float(px0 + crop.shape[1]), float(ptop + crop.shape[0]))
        if inside and _reading(inside) == _reading(again):
            agreed.append(box)
            continue
        if not inside and (k not in numeric or _sure_number(again)):
            found += again  # a lone word of a label column, or a figure read clearly
            continue
        # A figure's cell read as no number at all on the page ("bì" for a 5 among specks), or
        # as another reading than its ink gives alone: read alone as one line, then as digits
        # only; both confident and the same number as the ink's first reading, that is the cell.
        # The crop is read at twice its size too only when the page gave no well-formed number:
        # where the page and the sheet read two different numbers ("210,4", "219,4") the larger
        # readings can side confidently with the wrong one.
        settled = None
        page_number = bool(inside) and is_vn_formatted(_reading(inside))
        if k in numeric and not any(is_vn_formatted(_reading(r)) for r in (inside, again) if r):
            settled = _settle(crop, (px0, ptop), twice_the_size=True)
        elif k in numeric and inside and is_vn_formatted(_reading(again)):
            settled = _settle(crop, (px0, ptop), twice_the_size=not page_number)
            if settled is not None and _reading(settled) != _reading(again):
                settled = None  # the ink read three times: all three must agree
        if settled is not None:
            agreed.append(box)
            if inside:
                replaced.append((box, settled))
            else:
                found += settled
        elif inside:
            unresolved.append((box, " ".join(w[6] for w in _in_order(inside)), " ".join(w[6] for w in _in_order(again))))
        else:
            found += again
    return found, unresolved, agreed, replaced


# Dark pixels of a cell: ink; smaller blots than this (pixels at 300 dpi) are the scanner's specks
# (a comma is some 30). Tesseract reads a cell's number far more surely without them
# and without the grey of the paper: "3,35" read "3;89" on the page, "3,35" at 94 cleaned.
_INK_LEVEL = 170
_SPECK_PIXELS_300_DPI = 8


def _ink(crop: Any, scale: float) -> Any:
    """A cell's crop as black ink on white, its specks taken out."""
    import numpy as np
    from scipy import ndimage

    dark = crop < _INK_LEVEL
    blots, count = ndimage.label(dark)
    if count:
        sizes = ndimage.sum(dark, blots, range(1, count + 1))
        least = _SPECK_PIXELS_300_DPI * (scale * 72 / 300) ** 2
        dark = np.isin(blots, np.flatnonzero(sizes >= least) + 1)
    return np.where(dark, 0, 255).astype(np.uint8)


def _sure_number(words: list[Word]) -> bool:
    text = _reading(words)
    return bool(text) and is_vn_formatted(text) and min(w[5] for w in words) >= min_confidence()


def _numeric_columns(crops: list, alone: dict[int, list[Word]]) -> set[int]:
    """The crops of the columns where most read cells hold a well-formed number (a figure's
    column: a cell there that reads as letters is a figure misread, not a word)."""
    columns: dict[int, list[int]] = {}
    for k, (px0, _, _, _) in enumerate(crops):
        columns.setdefault(px0 // 8, []).append(k)  # a column's cells start at its rule
    numeric: set[int] = set()
    for members in columns.values():
        readings = [_reading(crops[k][3] or alone.get(k, [])) for k in members]
        if sum(1 for r in readings if r and is_vn_formatted(r)) * 2 >= len(members):
            numeric.update(members)
    return numeric


def _settle(crop: Any, origin: tuple[int, int], twice_the_size: bool = False) -> list[Word] | None:
    """A cell's words read alone as one line (psm 7), when reading it as digits only gives the
    same, both well-formed numbers read at REPORTS_OCR_MIN_CONFIDENCE or more; else None.

    twice_the_size: failing that, the same two readings of the crop at twice its size (a coarse
    scan's figure: strokes a few pixels wide, a comma of two). What they settle must have the
    digits of the crop's own line reading: the size may restore a comma Tesseract missed ("1111"
    for "111,1"), never change a digit."""
    import numpy as np
    from PIL import Image

    line, agreed = _line_and_digits_agree(crop, origin)
    if agreed or not twice_the_size:
        return line if agreed else None
    larger = np.where(np.asarray(Image.fromarray(crop).resize(
        (crop.shape[1] * 2, crop.shape[0] * 2), Image.Resampling.LANCZOS)) < 128, 0, 255).astype(np.uint8)
    larger_line, agreed = _line_and_digits_agree(larger, (0, 0))
    if not agreed or _digits(larger_line) != _digits(line):
        return None
    # back in page pixels, at the crop's own scale
    return [(key, origin[0] + left / 2, origin[1] + top / 2, origin[0] + right / 2, origin[1] + bottom / 2, confidence, text)
            for key, left, top, right, bottom, confidence, text in larger_line]


def _line_and_digits_agree(crop: Any, origin: tuple[int, int]) -> tuple[list[Word], bool]:
    """The crop read as one line, and whether that is a sure number its digits-only reading repeats."""
    line = _read_alone(crop, origin, "7")
    if not _sure_number(line):
        return line, False
    digits = _read_alone(crop, origin, "7", NUMBER_CHARS)
    return line, _sure_number(digits) and _reading(digits) == _reading(line)


def _digits(words: list[Word]) -> str:
    return "".join(ch for ch in _reading(words) if ch.isdigit())


def _read_alone(crop: Any, origin: tuple[int, int], psm: str, only: str | None = None) -> list[Word]:
    """One crop read on its own (with a white margin), its words in page pixels."""
    import numpy as np

    padded = np.pad(crop, _SHEET_MARGIN, constant_values=255)
    dx, dy = origin[0] - _SHEET_MARGIN, origin[1] - _SHEET_MARGIN
    return [((-2, *key[1:]), left + dx, top + dy, right + dx, bottom + dy, confidence, text)
            for key, left, top, right, bottom, confidence, text in _tesseract_words(padded, psm, only)]


# What a figure's cell may hold when it is read a third time (tessedit_char_whitelist).
NUMBER_CHARS = "0123456789.,%-"


def _in_order(words: list[Word]) -> list[Word]:
    return sorted(words, key=lambda w: (round(w[2] / 10), w[1]))


def _reading(words: list[Word]) -> str:
    """A cell's words as one string, spaces aside (a reading to compare with another)."""
    return "".join(w[6] for w in _in_order(words))


def _read_on_one_sheet(crops: list[Any], origins: list[tuple[int, int]], only: str | None = None) -> dict[int, list[Word]]:
    """Crops of the page stacked on one sheet (one Tesseract run, not one per crop), read as
    lines (psm 6); each word back in page pixels, by the index of its crop."""
    import numpy as np

    if not crops:
        return {}
    sheet_width = max(c.shape[1] for c in crops) + 2 * _SHEET_MARGIN
    sheet_height = sum(c.shape[0] + _SHEET_MARGIN for c in crops) + _SHEET_MARGIN
    sheet = np.full((sheet_height, sheet_width), 255, dtype=np.uint8)
    offsets = []
    y = _SHEET_MARGIN
    for crop in crops:
        sheet[y:y + crop.shape[0], _SHEET_MARGIN:_SHEET_MARGIN + crop.shape[1]] = crop
        offsets.append(y)
        y += crop.shape[0] + _SHEET_MARGIN
    alone: dict[int, list[Word]] = {}
    for key, left, top, right, bottom, confidence, text in _tesseract_words(sheet, "6", only):
        k = max(0, bisect.bisect_right(offsets, (top + bottom) / 2 + _SHEET_MARGIN / 2) - 1)  # its crop
        px0, ptop = origins[k]
        dx, dy = px0 - _SHEET_MARGIN, ptop - offsets[k]
        alone.setdefault(k, []).append(((-1, k, *key[2:]), left + dx, top + dy, right + dx, bottom + dy, confidence, text))
    return alone


def skew_angle(image: Any, limit: float = 2.0, step: float = 0.1) -> float:
    """The turn (degrees, for PIL's rotate) that makes the text lines of a page image level: the
    angle whose row profile of dark pixels is sharpest, searched on a quarter-size image."""
    import numpy as np
    from PIL import Image

    small = image.reduce(4) if min(image.size) > 800 else image

    def sharpness(a: float) -> float:
        turned = small.rotate(a, resample=Image.Resampling.BILINEAR, fillcolor=255) if a else small
        rows = (np.asarray(turned) < 160).sum(axis=1).astype(float)
        return float(np.square(np.diff(rows)).sum())

    # coarse, then fine around the best coarse angle
    coarse = 5 * step
    best = max((k * coarse for k in range(-int(round(limit / coarse)), int(round(limit / coarse)) + 1)), key=sharpness)
    fine = [round(best + k * step, 6) for k in range(-4, 5) if abs(best + k * step) <= limit + 1e-9]
    return max(fine, key=sharpness)


def ruling_masks(dark: Any, scale: float) -> tuple[Any, Any]:
    """Pixels of long horizontal and vertical dark runs: a table's rules. Runs at least half an
    inch across (text strokes are shorter), a quarter inch down (a row's height and more)."""
    import numpy as np

    def runs(mask: Any, length: int) -> Any:
        # a pixel is in a run of >= length when some window of that length holding it is all dark
        padded = np.pad(mask.astype(np.int32), ((0, 0), (1, 0)))
        sums = np.cumsum(padded, axis=1)
        full = (sums[:, length:] - sums[:, :-length]) == length  # the window starting at column j
        # column i is covered by the windows starting at i-length+1 .. i
        hit = np.pad(full.astype(np.int32), ((0, 0), (length, length - 1)))
        covered = np.cumsum(hit, axis=1)
        return (covered[:, length:] - covered[:, :-length]) > 0

    # on a half-size mask (a 2x2 block is dark when any of its pixels is: a one-pixel rule stays),
    # a quarter of the work; the runs are then mapped back to full size, 2x2 block for block
    height, width = dark.shape
    half = np.pad(dark, ((0, height % 2), (0, width % 2)))
    half = half.reshape(half.shape[0] // 2, 2, half.shape[1] // 2, 2).any(axis=(1, 3))
    h_len, v_len = int(36 * scale) // 2, int(18 * scale) // 2
    horizontal = runs(half, h_len) if half.shape[1] > h_len else np.zeros_like(half)
    vertical = runs(half.T, v_len).T if half.shape[0] > v_len else np.zeros_like(half)

    def full(mask: Any) -> Any:
        return np.repeat(np.repeat(mask, 2, axis=0), 2, axis=1)[:height, :width]

    return full(horizontal), full(vertical)


def _edges(mask: Any, orientation: str, scale: float, doctop: float) -> list[dict]:
    """Edges (pdfplumber's dicts, PDF points) from a mask of rules: each band of touching rows
    (columns) with overlapping runs is one rule, at the band's middle."""
    import numpy as np

    grid = mask if orientation == "h" else mask.T
    open_bands: list[list[int]] = []  # [first_row, last_row, start, end]
    done: list[list[int]] = []
    for row in np.flatnonzero(grid.any(axis=1)):
        line = np.concatenate(([0], grid[row].astype(np.int8), [0]))
        change = np.flatnonzero(np.diff(line))
        still_open = []
        for start, end in zip(change[::2], change[1::2]):
            for band in open_bands:
                if band[1] == row - 1 and start < band[3] and band[2] < end:
                    band[1], band[2], band[3] = row, min(band[2], start), max(band[3], end)
                    break
            else:
                open_bands.append([row, row, start, end])
        for band in open_bands:
            (still_open if band[1] == row else done).append(band)
        open_bands = still_open
    from .pdfium_chars import edge

    edges = []
    for first, last, start, end in done + open_bands:
        middle = (first + last + 1) / 2 / scale
        a, b = start / scale, end / scale
        ends = ((a, middle), (b, middle)) if orientation == "h" else ((middle, a), (middle, b))
        edges.append(edge(*ends, doctop))
    return edges


class OcrError(RuntimeError):
    pass


def _tables(edges: list[dict], shape: tuple[int, int], scale: float) -> list:
    """pdfplumber's tables drawn from the page's rules (in PDF points)."""
    from pdfplumber.table import TableFinder

    from .pdfium_chars import EdgePage
    from .tables import RULED_SETTINGS

    height, width = shape
    return TableFinder(EdgePage(edges, width / scale, height / scale), RULED_SETTINGS).tables


def _without_marks(words: list[Word], tables: list[BBox]) -> list[Word]:
    """Words less the marks Tesseract read as a character, below the confidence threshold: a
    sliver (a one-char word narrower than a sixteenth of its line's height: no glyph is; a seal's
    edge read as "-" before "HUYỆN HẠ LANG"), and, outside the tables (where "I" or "a" heads a
    row), a letter with no other word of its line within four line heights (a speck beside the
    header's second line: "H VIỆT NAM")."""
    def in_table(w: Word) -> bool:
        cx, cy = (w[1] + w[3]) / 2, (w[2] + w[4]) / 2
        return any(b[0] <= cx <= b[2] and b[1] <= cy <= b[3] for b in tables)

    def alone(w: Word) -> bool:
        reach = 4 * max(w[4] - w[2], 1.0)
        return not any(o is not w and o[0] == w[0] and min(abs(o[1] - w[3]), abs(w[1] - o[3])) <= reach for o in words)

    def mark(w: Word) -> bool:
        if len(w[6]) != 1 or w[5] >= min_confidence():
            return False
        if (w[3] - w[1]) * 16 < w[4] - w[2]:
            return True
        return w[6].isalpha() and not in_table(w) and alone(w)

    return [w for w in words if not mark(w)]


def _page_from_words(words: list[Word], scale: float, page_height: float, doctop: float,
                     agreed: list[BBox] = ()) -> OcrPage:
    """Chars (pdfplumber's dicts, PDF points) of the words: a word's box is shared evenly by its
    chars, and a space char fills the gap between two words of a line, as in a PDF's text.

    A number read with a confidence below the threshold is doubtful, unless it sits in a table
    cell (`agreed`, pixel boxes) that read the same on its own: two independent readings that
    agree outweigh Tesseract's own doubt, down to MIN_AGREED_CONFIDENCE."""
    def confirmed(left: float, top: float, right: float, bottom: float) -> bool:
        cx, cy = (left + right) / 2, (top + bottom) / 2
        return any(b[0] <= cx <= b[2] and b[1] <= cy <= b[3] for b in agreed)

    confirmations = [confirmed(*w[1:5]) for w in words]
    words = [(key, left / scale, top / scale, right / scale, bottom / scale, confidence, text)
             for key, left, top, right, bottom, confidence, text in words]
    page = OcrPage(chars=[], words=len(words))
    if words:
        page.mean_confidence = sum(w[5] for w in words) / len(words)
    threshold = min_confidence()
    previous: tuple[tuple[int, ...], float] | None = None
    for (key, x0, line_top, x1, line_bottom, confidence, text), agrees in zip(words, confirmations):
        top, bottom = line_top, line_bottom
        size = max(line_bottom - line_top, 1.0)
        base = {"fontname": "OCR", "size": size, "upright": True, "top": line_top, "bottom": line_bottom,
                "doctop": doctop + line_top, "height": size, "y0": page_height - line_bottom,
                "ocr_confidence": confidence}
        if previous is not None and previous[0] == key and x0 > previous[1]:
            page.chars.append({**base, "text": " ", "x0": previous[1], "x1": x0})
        step = (x1 - x0) / len(text)
        for k, ch in enumerate(text):
            page.chars.append({**base, "text": ch, "x0": x0 + k * step, "x1": x0 + (k + 1) * step})
        previous = (key, x1)
        if confidence < (MIN_AGREED_CONFIDENCE if agrees else threshold) and any(ch.isdigit() for ch in text):
            page.doubtful.append(((x0, top, x1, bottom), text, f"confidence {confidence:.0f}"))
    return page
