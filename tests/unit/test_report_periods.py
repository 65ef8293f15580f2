"""The periods staff name for /statistik and /laporan, the caption of the statistics picture
(its counts are the report's counts), and the staff label in a case file."""

from __future__ import annotations

import io
from datetime import date

import pytest
from PIL import Image

from bot.reports.charts import statistics_chart_png
from bot.reports.maker import CAPTION_LIMIT, statistics_caption
from bot.reports.samples import END, NOW, POLICY, START, WIB, sample_cases
from bot.reports.text import category_name, status_name
from flows.report_sources import Period, parse_period, staff_display_name
from flows.reports import build_period_report

TODAY = date(2026, 11, 28)


@pytest.mark.parametrize(("words", "period"), [
    ("", Period(date(2026, 11, 1), TODAY)),
    ("2026-11", Period(date(2026, 11, 1), TODAY)),  # never past today
    ("2026-10", Period(date(2026, 10, 1), date(2026, 10, 31))),
    ("2026-2", Period(date(2026, 2, 1), date(2026, 2, 28))),
    ("30", Period(date(2026, 10, 30), TODAY)),
    ("1", Period(TODAY, TODAY)),
    ("2026-Q3", Period(date(2026, 7, 1), date(2026, 9, 30))),
    ("2025", Period(date(2025, 1, 1), date(2025, 12, 31))),
    ("2026-10-01..2026-10-15", Period(date(2026, 10, 1), date(2026, 10, 15))),
])
def test_given_a_period_in_words_then_its_days(words: str, period: Period) -> None:
    assert parse_period(words, TODAY) == period


@pytest.mark.parametrize("words", [
    "kemarin", "2026-13", "2026-02-30..2026-03-01", "0", "99999", "2027-01", "2026-Q5",
    "2026-10-15..2026-10-01", "30 hari", "-5", "2026-11-01;DROP", "1..2",
])
def test_given_words_that_name_no_period_then_none(words: str) -> None:
    assert parse_period(words, TODAY) is None


def test_given_staff_and_other_actors_then_only_staff_get_a_label() -> None:
    assert staff_display_name("staff:7f3a91c2d4e5f607") == "Petugas 7f3a91"
    # The staff directory's name when it knows the member, else the label.
    names = {"staff:7f3a91c2d4e5f607": "Rina Wulandari"}
    assert staff_display_name("staff:7f3a91c2d4e5f607", names) == "Rina Wulandari"
    assert staff_display_name("staff:0b2d3c4e5f607182", names) == "Petugas 0b2d3c"
    assert staff_display_name("reporter", names) is None
    assert staff_display_name("reporter") is None and staff_display_name("operator") is None


def test_given_a_quarter_then_the_caption_holds_the_charts_counts_and_the_picture_decodes() -> None:
    cases, recommendations = sample_cases(2_000)
    report = build_period_report(cases, POLICY, START, END, NOW, zone=WIB,
                                 recommendations=recommendations)

    caption = statistics_caption(report, "id")
    image = Image.open(io.BytesIO(statistics_chart_png(report, "id")))
    image.load()

    assert image.format == "PNG" and image.size == (1600, 1400)
    assert len(caption) <= CAPTION_LIMIT and report.total == 2_000
    lines = caption.splitlines()
    for status, count in report.by_status:
        assert f"{status_name('id', status.value)}: {count}" in lines
    for category, count in report.by_category:
        assert f"{category_name('id', category)}: {count}" in lines
    assert sum(int(line.rsplit(": ", 1)[1]) for line in lines
               if any(line.startswith(status_name("id", s.value) + ": ")
                      for s, _ in report.by_status)) == report.total
