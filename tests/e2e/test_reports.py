"""Reports for leadership through the real bot and the stand-in Bot API: /berkas posts the case
file PDF into the case's topic with protected content; /statistik [period] answers with the
chart (the counts in its caption); /laporan <period> with the period PDF; bad periods get the
usage, calmly."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from pypdf import PdfReader

from bot.i18n import text
from tests.e2e.harness import REPORT, STAFF_CHAT, Reporter, file_report, running_peluit
from tests.e2e.test_staff_journey import (
    CASE_NUMBER,
    assert_clean,
    body,
    last_id,
    next_in_group,
    snippet,
    staff_says,
)

pytestmark = pytest.mark.e2e

REPORTER = 987650071
EVIDENCE = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
QUESTION = "Berapa jumlah uang yang diminta, dan kepada siapa diserahkan?"
ANSWER = "Dua juta rupiah, diserahkan kepada staf loket tiga."
CONCLUSION = "Terbukti ada pungutan liar di loket perizinan."
ADVICE = "Hukuman disiplin berat dan audit layanan perizinan."


def pdf_text(data: bytes) -> str:
    return "".join("".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages)


def uploads(fake, method: str) -> list[bytes]:
    return [data for m, data in fake.uploaded_files if m == method]


async def test_given_a_concluded_case_when_staff_ask_for_its_file_then_a_protected_pdf_reaches_its_topic(
    fake, tmp_path, database_url
):
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        reporter = Reporter(fake, REPORTER)
        ticket = await file_report(reporter, evidence=[("kuitansi.pdf", EVIDENCE, "application/pdf")])
        await peluit.settle()
        (topic, name), = fake.topics(STAFF_CHAT).items()
        number = CASE_NUMBER.search(name).group(0)

        await staff_says(fake, f"/verifikasi {number}")
        await staff_says(fake, f"/tanya {QUESTION}", thread=topic)
        await reporter.expect(QUESTION)
        await reporter.say(ANSWER)  # a free text: the reporter is asked before it is relayed
        asked = await reporter.expect(snippet("reporter.ask_relay").split("{")[0][:30],
                                      button="m:held:send")
        await reporter.press("m:held:send", in_message=asked)
        await fake.wait_bot_message(STAFF_CHAT, contains=ANSWER, thread_id=topic)
        await staff_says(fake, f"/klarifikasi {number}")
        # In the (still open) topic, no number needed.
        mark = last_id(fake, STAFF_CHAT)
        await staff_says(fake, "/berkas", thread=topic)
        early = await next_in_group(fake, number, mark, thread=topic)
        assert early.get("has_protected_content") is True and "document" in early
        await staff_says(fake, f"/selesai {number} {CONCLUSION} Rekomendasi: {ADVICE}")
        await reporter.expect(CONCLUSION)
        await peluit.settle()
        assert ADVICE not in " ".join(body(m) for m in reporter.bot_messages())

        # From General, with the number: the file goes into the case's topic.
        mark = last_id(fake, STAFF_CHAT)
        await staff_says(fake, f"/berkas {number}")
        posted = await next_in_group(fake, number, mark, thread=topic)
        assert "document" in posted and posted.get("has_protected_content") is True
        assert posted["document"]["file_name"] == f"berkas-{number}.pdf"
        [pdf] = uploads(fake, "sendDocument")[-1:]
        flat = pdf_text(pdf)
        for value in (number, REPORT["what"], QUESTION, ANSWER, CONCLUSION, ADVICE):
            assert "".join(value.split()) in flat, value
        assert ticket not in flat and ticket.replace("-", "") not in flat
        assert str(REPORTER) not in flat and "kuitansi" not in flat

        # An unknown number, or none outside a topic: calmly.
        mark = last_id(fake, STAFF_CHAT)
        await staff_says(fake, "/berkas WBS-2026-9999")
        await next_in_group(fake, snippet("staff.unknown_case"), mark, thread=None)
        await staff_says(fake, "/berkas")
        await next_in_group(fake, snippet("staff.usage_berkas"), mark, thread=None)
        await peluit.settle()
        assert_clean(fake)


async def test_given_cases_when_staff_ask_for_statistics_and_a_report_then_a_chart_and_a_pdf_arrive(
    fake, tmp_path, database_url
):
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        await file_report(Reporter(fake, REPORTER), category=0)
        await file_report(Reporter(fake, REPORTER + 1), category=2)
        await peluit.settle()
        numbers = sorted(CASE_NUMBER.search(n).group(0) for n in fake.topics(STAFF_CHAT).values())
        await staff_says(fake, f"/verifikasi {numbers[0]}")
        await staff_says(fake, f"/teruskan {numbers[0]} Kejaksaan Negeri Nusa Indah")

        total = text("id", "report.chart.total").format(count=2)
        for period in ("", " 30"):
            mark = last_id(fake, STAFF_CHAT)
            await staff_says(fake, f"/statistik{period}")
            chart = await next_in_group(fake, total, mark, thread=None)
            assert "photo" in chart and chart.get("has_protected_content") is True
            caption = body(chart)
            assert f"{text('id', 'state.received')}: 1" in caption
            assert f"{text('id', 'state.forwarded')}: 1" in caption
            assert f"{text('id', 'category.korupsi')}: 1" in caption
            image = Image.open(io.BytesIO(uploads(fake, "sendPhoto")[-1]))
            image.load()
            assert image.size[0] > 1000

        # A named month without cases: zero; a bad period: the usage, nothing else.
        mark = last_id(fake, STAFF_CHAT)
        await staff_says(fake, "/statistik 2026-01")
        empty = await next_in_group(fake, text("id", "report.chart.total").format(count=0), mark,
                                    thread=None)
        assert "photo" in empty
        await staff_says(fake, "/statistik kemarin sore")
        await next_in_group(fake, snippet("staff.usage_statistik"), mark, thread=None)

        # /laporan needs a period; with one, the PDF for leadership.
        mark = last_id(fake, STAFF_CHAT)
        await staff_says(fake, "/laporan")
        await next_in_group(fake, snippet("staff.usage_laporan"), mark, thread=None)
        await staff_says(fake, "/laporan 30")
        report = await fake.wait_for(lambda: next(
            (m for m in fake.bot_messages(STAFF_CHAT)
             if m["message_id"] > mark and "document" in m), None))
        assert report.get("has_protected_content") is True
        assert re.match(r"laporan-wbs-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.pdf",
                        report["document"]["file_name"])
        flat = pdf_text(uploads(fake, "sendDocument")[-1])
        assert numbers[0] in flat and "KejaksaanNegeriNusaIndah" in flat
        assert "".join(REPORT["what"].split()) not in flat  # no case's story in a period report
        await peluit.settle()
        assert_clean(fake)
