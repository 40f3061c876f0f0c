"""Narrative facts and footnotes extracted from generated reports of unseen "producers"
(tests/fixtures/narrative_pdfs.py: Quản Bạ / Con Cuông / Bình Gia, exact truth).

Two groups:
  * generator guards (pass without the extractor): the PDFs open with pdfplumber and hold the
    body sentences, superscript markers are small and raised, footnote text sits at the bottom
    of the page in a smaller font, the NFD paragraph really is NFD, the landscape page is landscape;
  * extractor tests (fail until parse_report fills narrative_facts / footnotes): every expected
    fact found with its attributes, no negative number as a value, no footnote marker glued into
    a value, the sentence across a page break reassembled without the footnote text, footnotes
    separated and linked, all text NFC, spans pointing at the value as written, and precision.

Matching: a truth fact is matched to an extracted fact on the same page with the same value (for
a part/whole: same numerator/denominator; for a change-only statement: value None and the same
change); among several, the one whose indicator_text holds most of the truth's indicator words
(then same admin unit and footnote) wins; each extracted fact is matched at most once.

Precision measure: the sentences of the matched facts are "truth sentences" (every figure with a
unit in them is in the truth); an extracted fact that is not matched but whose sentence is a
truth sentence is an extra. At most one extra per report is tolerated.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal

import pdfplumber
import pytest

from tests.fixtures.narrative_pdfs import REPORTS, ExpectedFact, build

BODY_SIZES = {"quan_ba": 13.0, "con_cuong": 12.0, "binh_gia": 13.0}


def flat(text: str | None) -> str:
    return " ".join((text or "").split())


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("narrative_pdfs")
    return {name: build(name, out / f"narrative_{name}.pdf") for name in REPORTS}


@pytest.fixture(scope="module")
def parsed(built):
    from vnreports.parsing import parse_report  # imported here: the module stays importable without it

    return {name: parse_report(b.path) for name, b in built.items()}


# ============================================================================= generator guards


@pytest.mark.parametrize("name", REPORTS)
def test_generated_pdf_holds_body_sentences(built, name):
    report = built[name]
    truth = report.truth
    with pdfplumber.open(report.path) as pdf:
        assert len(pdf.pages) == truth.page_count
        texts = [unicodedata.normalize("NFC", flat(page.extract_text())) for page in pdf.pages]
        for page_no, sentence in truth.body_sentences:
            assert sentence in texts[page_no - 1], f"{name} p{page_no}: {sentence!r} not in {texts[page_no - 1]!r}"
        for page_no in truth.landscape_pages:
            page = pdf.pages[page_no - 1]
            assert page.width > page.height
        for page_no in truth.nfd_pages:
            raw = pdf.pages[page_no - 1].extract_text()
            assert not unicodedata.is_normalized("NFC", raw), "the NFD paragraph lost its decomposed marks"
        for page_no in truth.table_pages:
            assert pdf.pages[page_no - 1].extract_tables(), f"{name} p{page_no}: no ruled table"
        # The fact anchors are printed (NFC after normalisation) on the page the truth says.
        for fact in truth.facts:
            assert fact.anchor in texts[fact.page - 1] or fact.footnote is not None, (name, fact.anchor)


@pytest.mark.parametrize("name", REPORTS)
def test_generated_footnotes_look_like_word(built, name):
    """Markers: digit chars smaller than the body and raised; footnote text below a short rule, smaller."""
    report = built[name]
    body = BODY_SIZES[name]
    with pdfplumber.open(report.path) as pdf:
        for fn in report.truth.footnotes:
            page = pdf.pages[fn.marker_page - 1]
            chars = page.chars
            rule_top = max(line["top"] for line in page.lines if line["x1"] - line["x0"] < 200 and line["top"] > page.height / 2)
            markers = [c for c in chars if c["text"] == str(fn.number) and c["size"] < body * 0.72 and c["top"] < rule_top]
            assert markers, f"{name}: no superscript marker {fn.number}"
            marker = markers[0]
            same_line = [c for c in chars if abs(c["bottom"] - marker["bottom"]) < 8 and c["size"] == body]
            assert same_line and marker["bottom"] < min(c["bottom"] for c in same_line) - 2, "marker not raised"
            fn_page = pdf.pages[fn.page - 1]
            below = fn_page.crop((0, rule_top, fn_page.width, fn_page.height))
            text = unicodedata.normalize("NFC", flat(below.extract_text()))
            assert fn.first_words in text
            assert all(c["size"] <= 10.5 for c in below.chars)


def test_truth_is_consistent():
    from tests.fixtures.narrative_pdfs import narrative_truth

    for name in REPORTS:
        truth = narrative_truth(name)
        values = {f.value for f in truth.facts if f.value is not None}
        assert not values & set(truth.negatives)
        assert set(truth.glued) <= set(truth.negatives)
        assert all(1 <= f.page <= truth.page_count for f in truth.facts)
    assert narrative_truth("quan_ba").crossing is not None
    assert Decimal(20231) in narrative_truth("quan_ba").glued


# ============================================================================= extractor


def has_words(indicator_text: str | None, word: str) -> bool:
    """word is in the indicator text (case-insensitive); "a|b" accepts either."""
    indicator = (indicator_text or "").lower()
    return any(alt.lower() in indicator for alt in word.split("|"))


def _score(fact, truth: ExpectedFact) -> tuple:
    return (
        sum(has_words(fact.indicator_text, w) for w in truth.indicator_words),
        fact.admin_unit_code == truth.admin_unit_code,
        fact.footnote == truth.footnote,
    )


def _candidates(facts, truth: ExpectedFact):
    on_page = [f for f in facts if f.page == truth.page]
    if truth.value is not None:
        return [f for f in on_page if f.value is not None and f.value == truth.value]
    if truth.part_of is not None:
        num, den, _ = truth.part_of
        return [
            f for f in on_page
            if f.part_of is not None and f.part_of.numerator == Decimal(num) and f.part_of.denominator == Decimal(den)
        ]
    return [f for f in on_page if f.value is None and f.change is not None and f.change.value == Decimal(truth.change[0])]


def match_facts(report, truth) -> tuple[dict[int, object], list[ExpectedFact]]:
    """truth index -> extracted fact; and the truth facts not found."""
    used: set[int] = set()
    matched, missing = {}, []
    for i, expected in enumerate(truth.facts):
        cands = [f for f in _candidates(report.narrative_facts, expected) if id(f) not in used]
        if not cands:
            missing.append(expected)
            continue
        best = max(cands, key=lambda f: _score(f, expected))
        used.add(id(best))
        matched[i] = best
    return matched, missing


def attribute_errors(fact, t: ExpectedFact) -> list[str]:
    errors = []
    for word in t.indicator_words:
        if not has_words(fact.indicator_text, word):
            errors.append(f"indicator_text {fact.indicator_text!r} lacks {word!r}")
    if fact.unit not in t.units:
        errors.append(f"unit {fact.unit!r} != {t.unit!r}")
    if fact.scenario not in t.scenarios:
        errors.append(f"scenario {fact.scenario!r} not in {t.scenarios}")
    got_ratios = sorted((r.value, r.base) for r in fact.stated_ratios)
    want_ratios = sorted((Decimal(v), b) for v, b in t.ratios)
    if got_ratios != want_ratios:
        errors.append(f"stated_ratios {got_ratios} != {want_ratios}")
    if t.change is None:
        if fact.change is not None:
            errors.append(f"unexpected change {fact.change}")
    else:
        value, unit, direction, kind = t.change
        c = fact.change
        if c is None or (c.value, c.unit, c.direction, c.kind) != (Decimal(value), unit, direction, kind):
            errors.append(f"change {c} != {t.change}")
    want_plan = None if t.plan_value is None else Decimal(t.plan_value)
    if fact.plan_value != want_plan:
        errors.append(f"plan_value {fact.plan_value} != {want_plan}")
    if t.part_of is None:
        if fact.part_of is not None:
            errors.append(f"unexpected part_of {fact.part_of}")
    else:
        num, den, unit = t.part_of
        p = fact.part_of
        if p is None or (p.numerator, p.denominator, p.unit) != (Decimal(num), Decimal(den), unit):
            errors.append(f"part_of {p} != {t.part_of}")
    if t.period is not None and (fact.period_type, fact.period_start, fact.period_end) != t.period:
        errors.append(f"period {(fact.period_type, fact.period_start, fact.period_end)} != {t.period}")
    if fact.as_of_date != t.as_of:
        errors.append(f"as_of_date {fact.as_of_date} != {t.as_of}")
    if fact.admin_unit_code != t.admin_unit_code:
        errors.append(f"admin_unit_code {fact.admin_unit_code!r} != {t.admin_unit_code!r}")
    if fact.footnote != t.footnote:
        errors.append(f"footnote {fact.footnote} != {t.footnote}")
    if t.value_text is not None and fact.value_text != t.value_text:
        errors.append(f"value_text {fact.value_text!r} != {t.value_text!r}")
    return errors


@pytest.mark.parametrize("name", REPORTS)
def test_every_expected_fact_is_found(built, parsed, name):
    truth, report = built[name].truth, parsed[name]
    _, missing = match_facts(report, truth)
    assert not missing, f"{name}: {len(missing)}/{len(truth.facts)} facts not found: " + "; ".join(
        f"p{t.page} {t.anchor!r}" for t in missing
    )


@pytest.mark.parametrize("name", REPORTS)
def test_fact_attributes(built, parsed, name):
    truth, report = built[name].truth, parsed[name]
    matched, _ = match_facts(report, truth)
    problems = []
    for i, fact in matched.items():
        errors = attribute_errors(fact, truth.facts[i])
        if errors:
            problems.append(f"p{fact.page} {truth.facts[i].anchor!r}: " + ", ".join(errors))
    assert matched, f"{name}: no fact matched at all"
    assert not problems, f"{name}: {len(problems)} facts with wrong attributes:\n" + "\n".join(problems)


@pytest.mark.parametrize("name", REPORTS)
def test_no_negative_number_is_a_fact(built, parsed, name):
    truth, report = built[name].truth, parsed[name]
    negatives = set(truth.negatives)
    bad = [(f.page, f.value, f.sentence) for f in report.narrative_facts if f.value is not None and f.value in negatives]
    assert not bad, f"{name}: numbers that are not indicator figures became facts: {bad}"


@pytest.mark.parametrize("name", REPORTS)
def test_no_footnote_marker_glued_into_a_value(built, parsed, name):
    truth, report = built[name].truth, parsed[name]
    glued = set(truth.glued)
    bad = [(f.page, f.value_text, f.sentence) for f in report.narrative_facts if f.value in glued]
    assert not bad, f"{name}: footnote markers glued into figures: {bad}"
    for f in report.narrative_facts:  # the sentence is given without markers: "năm 20231" must not occur
        for g in glued:
            assert format(g, "f") not in f.sentence.replace(".", ""), (f.page, f.sentence)


def test_sentence_across_page_break_is_reassembled(built, parsed):
    truth = built["quan_ba"].truth
    crossing = truth.crossing
    expected = next(f for f in truth.facts if f.anchor == crossing.anchor)
    matched, _ = match_facts(parsed["quan_ba"], truth)
    fact = matched.get(truth.facts.index(expected))
    assert fact is not None, f"fact {crossing.anchor!r} on page {expected.page} not found"
    assert fact.page == crossing.pages[1]
    sentence = flat(fact.sentence)
    assert crossing.before_break in sentence, f"the part on page {crossing.pages[0]} is missing: {sentence!r}"
    assert crossing.after_break in sentence
    assert crossing.footnote_words not in sentence, f"footnote text leaked into the sentence: {sentence!r}"
    for fn in parsed["quan_ba"].footnotes:
        assert flat(fn.text)[:30] not in sentence


@pytest.mark.parametrize("name", REPORTS)
def test_footnotes_are_separated_and_linked(built, parsed, name):
    truth, report = built[name].truth, parsed[name]
    got = {fn.number: fn for fn in report.footnotes}
    assert sorted(got) == [fn.number for fn in truth.footnotes]
    for expected in truth.footnotes:
        fn = got[expected.number]
        assert fn.page == expected.page
        assert flat(fn.text).startswith(expected.first_words), (fn.number, fn.text)
        assert not flat(fn.text).startswith(str(expected.number)), "the footnote number is left in its text"
        assert fn.marker_page == expected.marker_page
    # Footnote text is not body text: no body fact's sentence holds a footnote's first words.
    for fact in report.narrative_facts:
        if fact.footnote is None:
            for expected in truth.footnotes:
                assert expected.first_words not in fact.sentence, (fact.page, fact.sentence)


@pytest.mark.parametrize("name", REPORTS)
def test_all_text_is_nfc(parsed, name):
    report = parsed[name]
    texts = [p.text for p in report.pages] + [fn.text for fn in report.footnotes]
    for f in report.narrative_facts:
        texts += [f.sentence, f.indicator_text or "", f.unit or "", f.value_text or ""]
        texts += [r.base_text for r in f.stated_ratios]
    bad = [t for t in texts if not unicodedata.is_normalized("NFC", t)]
    assert not bad, f"{name}: {len(bad)} texts not NFC, e.g. {bad[0][:80]!r}"


@pytest.mark.parametrize("name", REPORTS)
def test_spans_point_at_the_value(parsed, name):
    report = parsed[name]
    assert report.narrative_facts, f"{name}: no narrative facts"
    for f in report.narrative_facts:
        start, end = f.span
        assert 0 <= start < end <= len(f.sentence), (f.span, f.sentence)
        if f.value_text:
            assert f.value_text in f.sentence[start:end], (f.value_text, f.sentence[start:end], f.sentence)


@pytest.mark.parametrize("name", REPORTS)
def test_precision_in_truth_sentences(built, parsed, name):
    truth, report = built[name].truth, parsed[name]
    matched, _ = match_facts(report, truth)
    matched_ids = {id(f) for f in matched.values()}
    truth_sentences = {flat(f.sentence) for f in matched.values()}
    extras = [
        (f.page, f.value_text, f.unit, flat(f.sentence)[:80])
        for f in report.narrative_facts
        if id(f) not in matched_ids and flat(f.sentence) in truth_sentences
    ]
    assert len(extras) <= 1, f"{name}: {len(extras)} extra facts in sentences with truth facts: {extras}"
