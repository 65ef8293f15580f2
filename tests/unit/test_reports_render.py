"""The renderers of `bot/reports/`: PDFs read back by text extraction, the statistics picture read
back from its pixels, the CSV read back with the csv module."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import unicodedata
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageChops, ImageDraw
from pypdf import PdfReader

from bot.reports import charts
from bot.reports.csv import period_csv
from bot.reports.document import Document
from bot.reports.pdf import case_file_pdf, period_report_pdf
from bot.reports.samples import POLICY, sample_case_file_inputs, sample_cases
from bot.reports.text import REPLACEMENT, safe
from flows.lifecycle import CaseStatus
from flows.model import AuditEvent, CaseMessage, Direction, EvidenceFile
from flows.reports import (
    CaseFile,
    EvidenceEntry,
    ExchangeEntry,
    PeriodReport,
    build_case_file,
    build_period_report,
)

TICKET = "K7QX-M2PA-9RTE-W4NB"
REPORTER_NAME = "Siti Rahmawati"
NOW = datetime(2026, 7, 3, 2, 30, tzinfo=UTC)


def pdf_text(data: bytes) -> str:
    """Every page's text without its header and footer line (a text running over a page break
    reads on unbroken)."""
    reader = PdfReader(io.BytesIO(data))
    return "\n".join("\n".join(page.extract_text().splitlines()[1:-1]) for page in reader.pages)


def squash(text: str) -> str:
    """Text without whitespace: line wrapping puts breaks where the writer put none."""
    return "".join(text.split())


def case_file(**answers: str) -> tuple[bytes, object]:
    """The sample case's file, with `answers` replacing some of its 5W+1H, and a ticket code and
    the reporter's name planted where a careless builder would pick them up."""
    s = sample_case_file_inputs()
    s.case.report.update(answers)
    stored = EvidenceFile("e9", "document", "application/pdf", f"{REPORTER_NAME} {TICKET}.pdf",
                          b"%PDF-1.4 evidence", caption=f"dari {REPORTER_NAME}")
    evidence = [*s.evidence, EvidenceEntry.of(stored, s.case.created_at + timedelta(hours=1))]
    events = [*s.events,
              AuditEvent(90, NOW, "reporter", "status.checked", s.case.number, REPORTER_NAME),
              AuditEvent(91, NOW, "operator", "contact.revealed", s.case.number, TICKET)]
    messages = [*s.messages, CaseMessage("x", "another-case", Direction.FROM_REPORTER,
                                         f"{REPORTER_NAME} {TICKET}", NOW)]
    built = build_case_file(s.case, messages, events, evidence, policy=POLICY, now=NOW,
                            display_name={"staff:7f3a": "Rina Wulandari (Irban II)"}.get,
                            recommendation=s.recommendation)
    return case_file_pdf(built, "id", "Inspektorat Kota Nusa Indah"), built


# ---- the case file


def test_given_a_concluded_case_when_its_file_is_made_then_everything_leadership_needs_is_in_it() -> None:
    data, built = case_file()
    text = pdf_text(data)
    flat = squash(text)
    s = sample_case_file_inputs()

    assert data.startswith(b"%PDF-")
    for answer in s.case.report.values():
        assert squash(answer) in flat
    for entry in built.evidence:  # type: ignore[attr-defined]
        assert entry.sha256 in flat
    for message in s.messages:
        assert squash(message.body) in flat
    assert flat.index(squash(s.messages[0].body)) < flat.index(squash(s.messages[1].body))
    assert "Rina Wulandari (Irban II)" in text
    assert "Status Klarifikasi → Selesai" in text
    assert squash(s.case.outcome or "") in flat
    assert squash(s.recommendation) in flat
    assert "Berkas Kasus WBS-2026-0412" in text and "Pelecehan seksual" in text
    assert "Kontak tersegel" in text


def test_given_takes_and_hand_overs_when_its_file_is_made_then_the_timeline_says_them_in_words(
) -> None:
    s = sample_case_file_inputs()
    number, at = s.case.number, s.case.created_at
    events = [*s.events,
              AuditEvent(80, at + timedelta(minutes=1), "staff:7f3a", "case.taken", number, "from:-"),
              AuditEvent(81, at + timedelta(minutes=2), "staff:7f3a", "case.handed_over", number,
                         "staff:7f3a->staff:99c1"),
              AuditEvent(82, at + timedelta(minutes=3), "staff:99c1", "case.handed_over", number,
                         "staff:99c1->-")]
    names = {"staff:7f3a": "Rina Wulandari (Irban II)", "staff:99c1": "Agus Salim"}.get
    built = build_case_file(s.case, s.messages, events, s.evidence, policy=POLICY, now=NOW,
                            display_name=names)

    flat = squash(pdf_text(case_file_pdf(built, "id", "Inspektorat")))

    for words in ("Mengambil penanganan kasus", "Menyerahkan penanganan kepada Agus Salim",
                  "Melepas penanganan kasus"):
        assert squash(words) in flat, words
    assert "case.taken" not in flat and "case.handed_over" not in flat
    english = squash(pdf_text(case_file_pdf(built, "en", "Inspectorate")))
    assert squash("Handed the case to Agus Salim") in english


def test_given_a_ticket_code_and_name_near_the_case_when_its_file_is_made_then_neither_appears() -> None:
    data, _ = case_file()
    flat = squash(pdf_text(data))

    assert squash(TICKET) not in flat and TICKET.replace("-", "") not in flat
    assert squash(REPORTER_NAME) not in flat
    assert b"Siti" not in data  # nor in the file's metadata


def test_given_markup_in_answers_when_rendered_then_it_is_shown_as_written() -> None:
    markup = '<script>alert("x")</script> <b>tebal</b> **bintang** [tautan](http://a.example) {nb} &amp;'

    data, _ = case_file(what=markup)

    assert squash(markup) in squash(pdf_text(data))
    assert b"/JavaScript" not in data and b"/URI" not in data


def test_given_a_5000_character_answer_when_rendered_then_it_wraps_across_pages_and_is_all_there() -> None:
    words = " ".join(f"kata{i}" for i in range(900))[:5000]
    unbroken = "X" * 5000

    data, _ = case_file(what=words, how=unbroken)

    assert len(PdfReader(io.BytesIO(data)).pages) >= 4
    flat = squash(pdf_text(data))
    assert squash(words) in flat and unbroken in flat


def test_given_text_the_fonts_cannot_draw_when_rendered_then_it_is_marked_and_explained() -> None:
    data, _ = case_file(who="汉字 \x00\x07 \ud800 \u202eRLO")

    text = pdf_text(data)
    assert REPLACEMENT in text
    assert "\u202e" not in text and "Karakter yang tidak dapat ditampilkan" in text


_DRAWABLE = st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs"),
                          exclude_characters="\u00a0\u1680\u2028\u2029\u3000\ufffd")


def bare_case_file(**changes: object) -> CaseFile:
    """A case file with nothing but what a test gives it (fast to render)."""
    values: dict[str, object] = {
        "number": "WBS-2026-0001", "category": "lainnya", "status": CaseStatus.RECEIVED,
        "created_at": NOW, "acknowledged_at": None, "closed_at": None, "answers": (),
        "evidence": (), "exchange": (), "timeline": (), "outcome": None, "recommendation": None,
        "overdue": (), "ack_deadline": POLICY.ack_deadline,
        "feedback_deadline": POLICY.feedback_deadline, "has_sealed_contact": False,
        "generated_at": NOW,
    }
    values.update(changes)
    return CaseFile(**values)  # type: ignore[arg-type]


_LEFT_TO_RIGHT = {"L", "EN", "ES", "ET", "CS", "ON"}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(anything=st.text(max_size=600), drawable=st.text(_DRAWABLE, min_size=1, max_size=300))
def test_given_any_unicode_when_rendered_then_nothing_breaks_and_drawable_text_reads_back(
    anything: str, drawable: str,
) -> None:
    built = bare_case_file(
        answers=(("what", drawable), ("how", anything)),
        exchange=(ExchangeEntry(Direction.FROM_REPORTER, anything, NOW),),
        outcome=anything, recommendation=drawable, category=anything[:40])

    data = case_file_pdf(built, "en", anything[:80])

    flat = squash(pdf_text(data))
    # Left-to-right letters, digits and symbols the fonts have read back as written; anything
    # else only has to render (extraction reorders right-to-left text and drops marks).
    shown = safe(drawable)
    if REPLACEMENT not in shown and all(
            unicodedata.bidirectional(c) in _LEFT_TO_RIGHT and not unicodedata.combining(c)
            for c in unicodedata.normalize("NFD", shown.replace(" ", ""))):
        assert squash(shown) in unicodedata.normalize("NFC", flat)


# ---- the period report


@pytest.fixture(scope="module")
def quarter() -> PeriodReport:
    cases, recommendations = sample_cases(count=600, seed=3)
    for case in cases:  # answers are case content: never in a period report
        case.report = {"what": TICKET, "who": REPORTER_NAME}
    return build_period_report(cases, POLICY, date(2026, 4, 1), date(2026, 6, 30), NOW,
                               recommendations=recommendations)


def test_given_a_quarter_when_its_report_is_made_then_counts_lists_and_charts_are_in_it(
    quarter: PeriodReport,
) -> None:
    data = period_report_pdf(quarter, "en", "City Inspectorate")
    text = pdf_text(data)

    assert "WBS report 2026-04-01 to 2026-06-30" in text
    assert f"Cases received {quarter.total}" in text
    for status, count in quarter.by_status:
        assert f"{charts.status_name('en', status)} {count}" in text
    for case in (*quarter.overdue, *quarter.forwarded, *quarter.concluded):
        assert case.number in text
    for closed in quarter.concluded[:20]:  # one line each: long texts are cut with an ellipsis
        assert f"{closed.number} " in text
        assert closed.outcome[:40] in text and (closed.recommendation or "")[:40] in text
    assert quarter.forwarded[0].outcome in text
    reader = PdfReader(io.BytesIO(data))
    assert any("/XObject" in (page.get("/Resources") or {}) for page in reader.pages)
    assert TICKET not in text and REPORTER_NAME not in text


# ---- the statistics picture


def _bar_length(image: Image.Image, bar: charts.HBar) -> int:
    length = 0
    while image.getpixel((bar.x0 + length, bar.y)) == charts.BAR:
        length += 1
    return length


def _label_matches(image: Image.Image, x: int, y: int, expected: str) -> bool:
    """Whether the picture shows `expected` at (x, y), drawn as the chart draws numbers."""
    reference = Image.new("RGB", image.size, charts.WHITE)
    ImageDraw.Draw(reference).text((x, y), expected, font=charts.font(charts.VALUE_SIZE),
                                   fill=charts.INK, anchor="lm")
    box = ImageDraw.Draw(reference).textbbox((x, y), expected, font=charts.font(charts.VALUE_SIZE),
                                             anchor="lm")
    box = (box[0] - 2, box[1] - 2, box[2] + 12, box[3] + 2)
    return ImageChops.difference(image.crop(box), reference.crop(box)).getbbox() is None


@pytest.mark.parametrize("box, pick", [
    (charts.STATUS_BOX, lambda r: r.by_status),
    (charts.CATEGORY_BOX, lambda r: r.by_category),
])
def test_given_counts_when_charted_then_bars_and_printed_numbers_match_them(
    quarter: PeriodReport, box: charts.Box, pick: object,
) -> None:
    image = Image.open(io.BytesIO(charts.statistics_chart_png(quarter, "id")))
    image.load()
    items = pick(quarter)  # type: ignore[operator]
    counts = [n for _, n in items]

    assert image.format == "PNG" and image.size == (charts.WIDTH, charts.HEIGHT)
    assert len(image.convert("L").getcolors(256) or []) > 20  # not blank
    layout = charts.hbar_layout(box, [str(k) for k, _ in items], counts)
    lengths = [_bar_length(image.convert("RGB"), bar) for bar in layout]
    peak = max(counts)
    full = max(lengths)
    for count, length in zip(counts, lengths, strict=True):
        assert abs(length - full * count / peak) <= 1.5, (count, length)
    for count, length, bar in zip(counts, lengths, layout, strict=True):
        assert _label_matches(image.convert("RGB"), bar.x0 + length + charts.VALUE_GAP, bar.y, str(count))
        assert not _label_matches(image.convert("RGB"), bar.x0 + length + charts.VALUE_GAP, bar.y,
                                  str(count + 1))


def test_given_deadlines_when_binned_then_no_bin_straddles_the_deadline() -> None:
    for deadline in (0, 1, 7, 14, 30, 90, 97):
        width = charts.bin_width(deadline)
        assert deadline % width == 0 or deadline == 0
    labels, counts, within = charts.histogram([0.5, 6.9, 7.0, 7.1, 300], 7)
    assert (within, len(counts), labels[-1]) == (7, 15, "≥14")
    assert counts[0] == 1 and counts[6] == 1 and counts[7] == 2 and counts[-1] == 1


# ---- the CSV


def test_given_a_quarter_when_exported_then_the_csv_reads_back_to_the_same_counts(
    quarter: PeriodReport,
) -> None:
    rows = list(csv.reader(io.StringIO(period_csv(quarter))))

    assert rows[0] == ["metric", "key", "value"]
    values = {(metric, key): value for metric, key, value in rows[1:]}
    assert int(values[("total", "")]) == quarter.total
    assert {k: int(v) for (m, k), v in values.items() if m == "status"} == {
        s.value: n for s, n in quarter.by_status}
    assert {k: int(v) for (m, k), v in values.items() if m == "category"} == dict(quarter.by_category)
    assert {k: int(v) for (m, k), v in values.items() if m == "week"} == dict(quarter.new_per_week)
    assert int(values[("concluded", "")]) == len(quarter.concluded)
    ack = quarter.acknowledgement()
    assert [int(values[("ack", k)]) for k in ("within", "late", "pending", "pending_late")] == [
        ack.within, ack.late, ack.pending, ack.pending_late]


def test_given_report_content_when_exported_then_the_csv_holds_counts_only(quarter: PeriodReport) -> None:
    exported = period_csv(quarter)

    for case in (*quarter.concluded, *quarter.forwarded, *quarter.overdue):
        assert case.number not in exported
    assert quarter.concluded[0].outcome not in exported


def test_given_a_category_that_looks_like_a_formula_when_exported_then_it_is_quoted() -> None:
    report = build_period_report([], POLICY.__class__(categories=("=HYPERLINK(1)", "ok")),
                                 date(2026, 4, 1), date(2026, 4, 2), NOW)

    assert ["category", "'=HYPERLINK(1)", "0"] in list(csv.reader(io.StringIO(period_csv(report))))


# ---- boundaries: no telegram, no disk


def test_given_the_renderers_when_used_then_they_import_no_telegram_and_write_no_file(
    tmp_path: Path,
) -> None:
    script = """
import sys
writes = []
def hook(event, args):
    if event == "open" and args[1] is not None and any(c in str(args[1]) for c in "wax+"):
        writes.append(str(args[0]))
    if event == "os.open" and args[2] & 0o3:
        writes.append(str(args[0]))
sys.addaudithook(hook)
from bot.reports import charts, csv, pdf, samples
cases, recs = samples.sample_cases(300)
report = samples.build_period_report(cases, samples.POLICY, samples.START, samples.END, samples.NOW,
                                     recommendations=recs)
pdf.case_file_pdf(samples.sample_case_file(), "en", "X")
pdf.period_report_pdf(report, "en", "X")
charts.statistics_chart_png(report, "en")
csv.period_csv(report)
assert "telegram" not in sys.modules, "telegram imported"
assert "sqlalchemy" not in sys.modules, "sqlalchemy imported"
assert not writes, writes
print("ok")
"""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "TMPDIR": str(tmp_path),
           "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env,
                          cwd=str(Path(__file__).parents[2]), timeout=120)

    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ok"
    assert list(tmp_path.iterdir()) == []


def test_given_status_names_when_charted_then_every_status_has_a_label() -> None:
    for status in CaseStatus:
        assert charts.status_name("en", status) != f"state.{status}"


@settings(max_examples=60, deadline=None)
@given(text=st.text(_DRAWABLE, max_size=200), width=st.floats(min_value=5, max_value=150),
       size=st.sampled_from([8.5, 10, 12]), bold=st.booleans())
def test_given_a_line_and_a_column_when_fitted_then_it_is_the_longest_prefix_that_fits(
    text: str, width: float, size: float, bold: bool,
) -> None:
    doc = Document("id", "X", "Y", NOW)
    doc.set_font("sans", "B" if bold else "", size)
    text = safe(text, one_line=True)

    shown = doc.fit(text, width)

    assert doc.get_string_width(shown) <= width + 1e-6
    if shown != text:
        assert shown.endswith("…") and text.startswith(shown[:-1].rstrip())
        kept = len(shown) - 1
        if not text[kept].isspace():  # trailing spaces before the ellipsis are dropped
            assert doc.get_string_width(text[: kept + 1] + "…") > width - 1e-6


@pytest.mark.parametrize(("start", "end", "count"), [
    (date(2026, 4, 1), date(2026, 4, 1), 0),      # one day, nothing in it
    (date(2026, 1, 1), date(2026, 12, 31), 300),  # a year: 53 week columns
])
def test_given_an_empty_or_long_period_when_rendered_then_every_output_is_made(
    start: date, end: date, count: int,
) -> None:
    cases, _ = sample_cases(count=count, seed=5)
    report = build_period_report(cases, POLICY, start, end, NOW)

    text = pdf_text(period_report_pdf(report, "en", "X"))
    image = Image.open(io.BytesIO(charts.statistics_chart_png(report, "en")))
    rows = list(csv.reader(io.StringIO(period_csv(report))))

    assert f"Cases received {report.total}" in text
    assert ("None." in text) is (count == 0)
    assert image.size == (charts.WIDTH, charts.HEIGHT)
    assert sum(1 for row in rows if row[0] == "week") == len(report.new_per_week)


def test_given_a_new_case_with_nothing_yet_when_its_file_is_made_then_it_says_so() -> None:
    built = bare_case_file(answers=(("what", "Pungutan liar di loket"),))

    text = pdf_text(case_file_pdf(built, "en", "X"))

    assert "Pungutan liar di loket" in text
    assert text.count("None.") == 2  # no evidence, no questions and answers
    assert "not yet" in text
