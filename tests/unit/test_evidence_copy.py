"""bot/evidence_copy.py: what staff see of an evidence file's name and caption."""

from __future__ import annotations

import html
import re

from hypothesis import given
from hypothesis import strategies as st

from bot.evidence_copy import BY_MIME, KNOWN_EXTENSIONS, MAX_CAPTION, file_name, staff_caption
from bot.i18n import text
from flows.model import EvidenceFile

NEUTRAL = re.compile(r"bukti-[0-9a-f]{8}(\.[a-z0-9]{1,5})?")


def evidence(name: str | None, mime: str | None) -> EvidenceFile:
    return EvidenceFile("3f2a9c1e-0000-4000-8000-000000000000", "document", mime, name, b"x")


def visible(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def test_given_names_that_identify_when_copied_then_only_a_known_type_suffix_remains() -> None:
    assert file_name(evidence("scan.KTP.Rina_S", "application/pdf")) == "bukti-3f2a9c1e.pdf"
    assert file_name(evidence("scan.KTP.Rina_S", None)) == "bukti-3f2a9c1e"
    assert file_name(evidence("catatan.Rina_S", "application/octet-stream")) == "bukti-3f2a9c1e"
    assert file_name(evidence("Laporan Rina.DOCX", "application/octet-stream")) == "bukti-3f2a9c1e.docx"
    assert file_name(evidence("foto.jpg", "image/png")) == "bukti-3f2a9c1e.png"  # the type wins
    assert file_name(evidence(None, "audio/ogg; codecs=opus")) == "bukti-3f2a9c1e.ogg"


@given(name=st.one_of(st.none(), st.text(max_size=80)), mime=st.one_of(
    st.none(), st.text(max_size=40), st.sampled_from(sorted(BY_MIME))))
def test_given_any_name_and_type_when_copied_then_the_name_holds_nothing_the_reporter_typed(
    name: str | None, mime: str | None
) -> None:
    copied = file_name(evidence(name, mime))
    assert NEUTRAL.fullmatch(copied), copied
    suffix = copied[len("bukti-3f2a9c1e"):]
    assert suffix == "" or suffix in KNOWN_EXTENSIONS


@given(words=st.text(min_size=1, max_size=3000), lang=st.sampled_from(["id", "en"]))
def test_given_any_caption_when_copied_to_staff_then_it_is_labelled_escaped_and_within_the_limit(
    words: str, lang: str
) -> None:
    caption = staff_caption(lang, "WBS-2026-0042", words)
    shown = visible(caption)
    label = visible(text(lang, "staff.evidence_label").format(number="WBS-2026-0042"))
    assert shown.startswith(label)
    assert len(shown.encode("utf-16-le")) // 2 <= MAX_CAPTION
    # every < > & the reporter typed is escaped: what is left of the markup is the catalog's own
    assert re.sub(r"</?(b|blockquote)>", "", caption).count("<") == 0
    kept = shown.split("\n", 1)[1]
    assert words.startswith(kept) or words.encode("utf-16-le").startswith(kept.encode("utf-16-le"))


def test_given_no_caption_when_copied_to_staff_then_the_label_alone_says_whose_file_it_is() -> None:
    assert visible(staff_caption("id", "WBS-2026-0042", None)) == "📎 Pelapor · bukti kasus WBS-2026-0042"
