"""Scans of text PDFs, made the way an office makes them: printed, signed, stamped and scanned.

    make_scan(source_pdf, out_pdf, dpi=200, pages=[1, 2, 46], angle=0.4, noise=0.01, stamp=True)

Each page is rendered (pypdfium2) to a grayscale image at `dpi`, turned by `angle` degrees (a
sheet fed slightly askew), sprinkled with dark pixels (`noise`: their share), page 1 gets a
red stamp-like ring with text over part of its header, and the images are written as an
image-only PDF of the same page size (Pillow). No text layer is left: the parser must OCR it.

Used by the tests and `make eval` (scan figures beside the text PDFs' figures), and to measure OCR
pages/s in `make bench`.
"""

from __future__ import annotations

import random
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, ImageChops, ImageDraw


def subset_pdf(source: Path, out: Path, pages: list[int]) -> Path:
    """The given 1-based pages of a PDF as a new PDF (text layer kept)."""
    src = pdfium.PdfDocument(str(source))
    new = pdfium.PdfDocument.new()
    try:
        new.import_pages(src, [p - 1 for p in pages])
        out.parent.mkdir(parents=True, exist_ok=True)
        new.save(str(out))
    finally:
        new.close()
        src.close()
    return out


def make_scan(source: Path, out: Path, dpi: int = 200, pages: list[int] | None = None, angle: float = 0.4,
              noise: float = 0.002, stamp: bool = True, seed: int = 1) -> Path:
    rng = random.Random(seed)
    src = pdfium.PdfDocument(str(source))
    images = []
    try:
        numbers = pages or list(range(1, len(src) + 1))
        for k, page_no in enumerate(numbers):
            page = src[page_no - 1]
            image = page.render(scale=dpi / 72.0, grayscale=True).to_pil().convert("RGB")
            if stamp and k == 0:
                image = _stamp(image, dpi)
            if angle:
                image = image.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=(255, 255, 255))
            if noise:
                _specks(image, noise, rng)
            images.append(image)
    finally:
        src.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    images[0].save(out, "PDF", resolution=float(dpi), save_all=True, append_images=images[1:])
    return out


def _stamp(image: Image.Image, dpi: int) -> Image.Image:
    """A red ring with a word inside, half over the header's left block (where offices stamp).
    Ink on paper: multiplied in, so print under the seal stays black."""
    seal = Image.new("RGB", image.size, (255, 255, 255))
    draw = ImageDraw.Draw(seal)
    r = int(0.7 * dpi)
    cx, cy = int(1.6 * dpi), int(1.1 * dpi)
    red = (200, 30, 40)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=red, width=max(2, dpi // 60))
    draw.ellipse((cx - r // 2, cy - r // 2, cx + r // 2, cy + r // 2), outline=red, width=max(2, dpi // 100))
    draw.text((cx - r // 3, cy - dpi // 20), "UBND", fill=red)
    return ImageChops.multiply(image, seal)


def _specks(image: Image.Image, share: float, rng: random.Random) -> None:
    width, height = image.size
    pixels = image.load()
    for _ in range(int(width * height * share)):
        shade = rng.randrange(0, 120)
        pixels[rng.randrange(width), rng.randrange(height)] = (shade, shade, shade)
