"""Text helpers for Vietnamese report text: NFC, whitespace, tone-mark placement, match keys."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Combining tone marks (dấu thanh). Vowel-quality marks (circumflex, breve, horn) are not tones.
_TONES = {
    "\u0300",  # grave: huyền
    "\u0301",  # acute: sắc
    "\u0303",  # tilde: ngã
    "\u0309",  # hook above: hỏi
    "\u0323",  # dot below: nặng
}
_VOWELS = set("aeiouy")

_WS_RE = re.compile(r"[ \t\r\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000]+")

SUPERSCRIPT_MAP = {
    "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹",
    "(": "⁽", ")": "⁾", "+": "⁺", "-": "⁻", "*": "*",
}
SUPERSCRIPT_CHARS = set("⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾⁺⁻")


def nfc(text: str | None) -> str:
    """NFC-normalise; None becomes ''."""
    if not text:
        return ""
    return unicodedata.normalize("NFC", text)


def clean_line(text: str | None) -> str:
    """NFC, collapse runs of horizontal whitespace to one space, strip."""
    return _WS_RE.sub(" ", nfc(text)).strip()


def join_wrapped(text: str | None) -> str:
    """Join wrapped lines with one space (cell text): NFC, all whitespace runs -> one space."""
    return re.sub(r"\s+", " ", nfc(text)).strip()


def _place_tone(syllable: list[tuple[str, list[str]]], tone: str | None) -> str:
    """syllable: list of (base letter, quality marks). Put `tone` on the main vowel, return NFC."""
    if tone is None:
        return unicodedata.normalize("NFC", "".join(b + "".join(q) for b, q in syllable))
    bases = [b.lower() for b, _ in syllable]
    n = len(bases)
    # Vowel nucleus: skip the initial consonant; "qu" and "gi"+vowel belong to the onset.
    start = 0
    while start < n and bases[start] not in _VOWELS:
        start += 1
    if start < n and bases[start] == "u" and start > 0 and bases[start - 1] == "q":
        start += 1
    elif (
        start < n - 1
        and bases[start] == "i"
        and start > 0
        and bases[start - 1] == "g"
        and bases[start + 1] in _VOWELS
    ):
        start += 1
    end = start
    while end < n and bases[end] in _VOWELS:
        end += 1
    if start >= n or end == start:
        # no vowel (e.g. "gì" where i is the only vowel after g): put on last vowel anywhere
        idxs = [i for i, b in enumerate(bases) if b in _VOWELS]
        target = idxs[-1] if idxs else n - 1
    else:
        nucleus = list(range(start, end))
        has_coda = end < n
        with_quality = [i for i in nucleus if syllable[i][1]]
        if with_quality:
            target = with_quality[-1]  # ươ -> ơ, â/ê/ô/ă/ơ/ư
        elif len(nucleus) == 1:
            target = nucleus[0]
        elif has_coda:
            target = nucleus[-1]  # hoàng, toán, khuyết
        elif len(nucleus) == 3:
            target = nucleus[1]  # oai, uôi, oay
        else:
            pair = bases[nucleus[0]] + bases[nucleus[1]]
            # One fixed rule: "oa", "oe", "uy" without final consonant carry the mark on the
            # second vowel ("hoà", "thuỷ"); the other open diphthongs on the first ("tài", "mùa").
            target = nucleus[1] if pair in ("oa", "oe", "uy") else nucleus[0]
    out = []
    for i, (b, q) in enumerate(syllable):
        marks = list(q)
        if i == target:
            marks.append(tone)
        out.append(b + "".join(marks))
    return unicodedata.normalize("NFC", "".join(out))


def canonical_tones(text: str | None) -> str:
    """NFC text with one tone-mark placement rule applied to every syllable.

    "Hòa An" and "Hoà An" both become "Hoà An"; "Thủy"/"Thuỷ" -> "Thuỷ". Letters, case and
    non-Vietnamese text are kept.
    """
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text)
    out: list[str] = []
    syllable: list[tuple[str, list[str]]] = []
    tone: str | None = None

    def flush() -> None:
        nonlocal syllable, tone
        if syllable:
            out.append(_place_tone(syllable, tone))
        syllable = []
        tone = None

    for ch in decomposed:
        if unicodedata.combining(ch):
            if ch in _TONES and syllable:
                tone = ch
            elif syllable:
                syllable[-1][1].append(ch)
            else:
                out.append(ch)
            continue
        if ch.isalpha():
            syllable.append((ch, []))
        else:
            flush()
            out.append(ch)
    flush()
    return unicodedata.normalize("NFC", "".join(out))


@lru_cache(maxsize=65536)
def _match_key(text: str) -> str:
    t = canonical_tones(clean_line(text)).casefold()
    return re.sub(r"\s+", " ", t).strip()


def match_key(text: str | None) -> str:
    """Key for fuzzy-equal comparison: NFC, canonical tone placement, casefold, single spaces."""
    return _match_key(text or "")


def fold_ascii(text: str | None) -> str:
    """Diacritic-free lower-case form (đ -> d), for keyword tests only."""
    t = unicodedata.normalize("NFD", clean_line(text).casefold())
    t = "".join(ch for ch in t if not unicodedata.combining(ch))
    return t.replace("đ", "d")


def has_words(text_folded: str, *phrases: str) -> bool:
    """True if any phrase (ascii-folded, word-bounded) occurs in the already folded text."""
    for p in phrases:
        if re.search(r"(?<!\w)" + re.escape(p) + r"(?!\w)", text_folded):
            return True
    return False


def is_upper_text(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) >= 0.9 * len(letters)


ROMAN_RE = re.compile(r"^(?=[IVXLC]+$)M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$")


def is_roman(token: str) -> bool:
    return bool(token) and bool(ROMAN_RE.match(token))
