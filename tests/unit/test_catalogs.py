"""The text catalogs (bot/locales/*.toml): complete, consistent and valid Telegram HTML.

Every user-facing sentence lives in these two files. They are checked here so that a missing key,
a mistyped placeholder or an unbalanced tag fails in CI instead of as a 400 from Telegram.
"""

from __future__ import annotations

import string
import tomllib
from html.parser import HTMLParser
from pathlib import Path

import pytest

LOCALES = Path(__file__).resolve().parents[2] / "bot" / "locales"
LANGUAGES = ("id", "en")

ALLOWED_TAGS = frozenset({"b", "i", "u", "code", "blockquote"})
ALLOWED_ENTITIES = frozenset({"amp", "lt", "gt", "quot"})
MAX_MESSAGE = 1000
MAX_LABEL = 30
MAX_COMMAND = 60
MAX_TOPIC = 128
PLAIN_PREFIXES = ("button.", "move.", "category.", "command.", "state.", "field.", "word.", "sla.",
                  "timeline.", "report.", "format.", "filekind.")
PLAIN_KEYS = frozenset({"staff.topic_name", "staff.row", "status.code_placeholder"})
LABEL_PREFIXES = ("button.", "move.", "category.")

_STATUSES = ("received", "verifying", "needs_info", "clarification", "concluded", "forwarded",
             "not_actionable")
_FIELDS = ("category", "what", "who", "when", "where", "how", "evidence", "identity", "contact")
_CATEGORIES = ("korupsi", "penipuan", "maladministrasi", "disiplin", "pelecehan", "netralitas",
               "wewenang", "lainnya")
_TEXT_STEPS = ("what", "who", "when", "where", "how")
_REPORT = frozenset({"category", "what", "who", "when", "where", "how", "evidence_count", "contact"})

_QUESTION = frozenset({"note", "step", "steps"})


def _none(*keys: str) -> dict[str, frozenset[str]]:
    return {key: frozenset() for key in keys}


REQUIRED: dict[str, frozenset[str]] = {
    # reporter intake
    "start.welcome": frozenset({"institution"}), "help.reporter": frozenset({"institution"}),
    **_none("start.privacy", "lang.choose", "lang.set",
            "intake.intro", "intake.resume", "intake.cleared", "intake.use_buttons",
            "intake.text_only", "intake.file_removed",
            "intake.problem.too_short"),
    # every question: a leading note, where the reporter is, the answer saved before
    "intake.ask_category": _QUESTION,
    **{f"intake.ask_{step}": _QUESTION | {"saved"} for step in _TEXT_STEPS},
    "intake.ask_contact": _QUESTION,
    "intake.saved_block": frozenset({"current"}),
    "intake.adding_block": frozenset({"current"}),
    **{f"intake.problem.{p}": frozenset({"max"}) for p in ("empty", "too_long")},
    "intake.ask_evidence": _QUESTION | {"max"},
    "intake.evidence_saved": frozenset({"count", "max"}),
    "intake.evidence_list": _QUESTION | {"count", "max", "list"},
    "intake.files_kept": frozenset({"files"}),
    "intake.voice_saved": frozenset(),
    "staff.voice_answer": frozenset({"step", "number"}),
    "intake.files_full": frozenset({"max_files"}),
    "intake.evidence_limit": frozenset({"max"}),
    "intake.evidence_too_big": frozenset({"max_mb"}),
    "intake.evidence_unreadable": frozenset({"max_mb"}),
    "intake.evidence_too_many_pixels": frozenset({"max_mp"}),
    "intake.files_per_day": frozenset({"files"}),
    "intake.bytes_per_day": frozenset({"day_mb"}),
    **_none("intake.metadata_removed", "intake.metadata_removed_recording", "intake.metadata_held",
            "intake.metadata_kept", "intake.voice_notice", "intake.contact_sealed"),
    "intake.ask_identity": _QUESTION,
    "intake.review": _REPORT | {"note", "conflict", "conflict_note"},
    "intake.incomplete": frozenset({"missing"}),
    "intake.submitted": frozenset({"ticket", "number"}),
    **_none("intake.wiped", "intake.cancelled", "intake.nothing_to_cancel", "intake.no_draft",
            "intake.too_many_reports"),
    # reporter after submitting
    "reporter.question": frozenset({"number", "text"}),
    "reporter.answer_sent": frozenset({"number"}),
    "reporter.which_case": frozenset({"numbers"}),
    "reporter.no_case": frozenset(),
    "reporter.case_closed": frozenset({"number", "status", "outcome"}),
    "reporter.ask_relay": frozenset({"number"}),
    **_none("reporter.held_dropped", "reporter.held_gone"),
    **{f"reporter.status.{s}": frozenset({"number", "status"})
       for s in ("received", "verifying", "needs_info", "clarification")},
    **{f"reporter.status.{s}": frozenset({"number", "status", "outcome"})
       for s in ("concluded", "forwarded", "not_actionable")},
    # status
    "status.ask_code": frozenset(),
    "status.show": frozenset({"number", "status", "timeline", "question", "outcome", "contact"}),
    "status.contact_block": frozenset(),
    "status.question_block": frozenset({"question"}),
    "status.outcome_block": frozenset({"outcome"}),
    **_none("status.malformed", "status.unknown", "status.code_placeholder", "status.ask_again",
            "status.code_not_relayed", "status.file_not_kept", "status.unknown_in_text"),
    "status.too_many": frozenset({"minutes"}),
    "status.too_many_in_text": frozenset({"minutes"}),
    "status.moved_away": frozenset({"number"}),
    "reporter.staff_file": frozenset({"number"}),
    "reporter.staff_file_text": frozenset({"number", "text"}),
    **_none("timeline.submitted", "timeline.question", "timeline.answer"),
    "timeline.moved": frozenset({"status"}),
    "format.moment": frozenset({"day", "month", "year", "hour", "minute", "zone"}),
    "format.months": frozenset(),
    **_none(*(f"state.{s}" for s in _STATUSES)),
    **_none(*(f"field.{f}" for f in _FIELDS)),
    **_none(*(f"category.{c}" for c in _CATEGORIES)),
    **_none("word.yes", "word.no", "word.skipped", "word.institution"),
    # staff group
    "staff.card": _REPORT | {"number", "status", "created", "activity", "overdue", "handler"},
    "staff.card_handler": frozenset({"handler"}),
    "staff.topic_name": frozenset({"number", "category", "status"}),
    "staff.moved": frozenset({"number", "status"}),
    "staff.relayed": frozenset({"number"}),
    "staff.reporter_answer": frozenset({"number", "text"}),
    "staff.relay_waiting": frozenset({"number", "seconds"}),
    "staff.relay_sent": frozenset({"number"}),
    "staff.relay_cancelled": frozenset({"number"}),
    "staff.relay_hint": frozenset({"number"}),
    "staff.file_held": frozenset({"number"}),
    **_none("staff.relay_too_late", "staff.file_metadata_removed", "staff.file_metadata_kept",
            "staff.file_unreadable"),
    "staff.file_too_big": frozenset({"max_mb"}),
    "staff.file_too_many_pixels": frozenset({"max_mp"}),
    "staff.open_cases": frozenset({"rows"}),
    "staff.row": frozenset({"number", "category", "status", "days", "overdue"}),
    "staff.no_open_cases": frozenset(),
    "staff.overdue": frozenset({"rows"}),
    **_none("sla.ack", "sla.feedback", "sla.none"),
    "staff.empty_question": frozenset(),
    "staff.case_closed": frozenset({"number"}),
    **_none("staff.unknown_case", "staff.invalid_transition"),
    "staff.text_required": frozenset({"command"}),
    "staff.move_hint": frozenset({"command", "number"}),
    "staff.usage_tanya": frozenset(),
    "staff.reporter_unreachable": frozenset({"number"}),
    "staff.topic_recreated": frozenset({"number"}),
    "staff.status_guessing": frozenset({"count", "minutes"}),
    "staff.help": frozenset(),
    # reports for leadership (bot/reports): plain text, drawn into PDF and PNG
    **_none("report.confidential", "report.none", "report.not_yet", "report.missing_glyphs",
            "report.case.summary", "report.case.answers", "report.case.evidence", "report.case.exchange",
            "report.case.timeline", "report.case.outcome", "report.label.number", "report.label.status",
            "report.label.created", "report.label.acknowledged", "report.label.closed",
            "report.label.sealed_contact", "report.label.overdue", "report.label.conclusion",
            "report.label.forwarded_to", "report.label.reason", "report.label.recommendation",
            "report.overdue.none", "report.kind.photo", "report.kind.document", "report.kind.video",
            "report.kind.voice", "report.kind.audio", "report.kind.video_note", "report.kind.animation",
            "report.actor.reporter", "report.actor.system", "report.actor.staff",
            "report.action.submitted", "report.action.to_reporter", "report.action.to_staff",
            "report.action.taken", "report.action.released",
            "report.period.counts", "report.period.total", "report.period.by_status",
            "report.period.by_category", "report.period.charts", "report.period.deadlines",
            "report.period.overdue", "report.period.forwarded", "report.period.concluded",
            "report.col.number", "report.col.category", "report.col.status", "report.col.age",
            "report.col.overdue", "report.col.closed", "report.col.authority", "report.col.conclusion",
            "report.col.recommendation", "report.mark.ack", "report.mark.feedback",
            "report.chart.by_status", "report.chart.by_category", "report.chart.per_week",
            "report.chart.ack", "report.chart.close", "report.chart.figures"),
    "report.page": frozenset({"page", "pages"}),
    "report.generated": frozenset({"at"}),
    "report.case.title": frozenset({"number"}),
    "report.overdue.ack": frozenset({"days"}),
    "report.overdue.feedback": frozenset({"days"}),
    "report.evidence.item": frozenset({"at", "index", "kind", "size"}),
    "report.evidence.hash": frozenset({"hash"}),
    "report.exchange.to_reporter": frozenset({"at"}),
    "report.exchange.from_reporter": frozenset({"at"}),
    "report.action.moved": frozenset({"from_status", "to_status"}),
    "report.action.taken_from": frozenset({"other"}),
    "report.action.handed_to": frozenset({"other"}),
    "report.period.title": frozenset({"end", "start"}),
    "report.period.basis": frozenset({"at"}),
    "report.period.ack": frozenset({"days"}),
    "report.period.close": frozenset({"days"}),
    "report.period.deadline_row": frozenset({"late", "median", "pending", "pending_late", "within"}),
    "report.chart.title": frozenset({"end", "start"}),
    "report.chart.deadline": frozenset({"days"}),
    "report.chart.total": frozenset({"count"}),
    "report.chart.on_time": frozenset({"count"}),
    "report.chart.late": frozenset({"count"}),
    "report.chart.pending": frozenset({"count", "late"}),
    "report.chart.median": frozenset({"days"}),
    "report.chart.overdue": frozenset({"count"}),
    "report.chart.forwarded": frozenset({"count"}),
    "report.chart.concluded": frozenset({"count"}),
    # errors, command menu
    **_none("error.generic", "error.stale_button", "error.private_only"),
    **_none(*(f"command.{c}" for c in ("start", "lapor", "status", "batal", "bantuan", "tanya",
                                        "kasus", "cari", "statistik", "verifikasi", "perluinfo",
                                        "klarifikasi", "selesai", "teruskan", "tolak"))),
    # buttons
    **_none(*(f"button.{b}" for b in (
        "report", "status", "help", "privacy", "lang_id", "lang_en", "next", "skip", "clear", "keep",
        "skip_evidence", "done_evidence", "anonymous", "leave_contact", "submit", "cancel", "wipe",
        "relay_send", "relay_new", "relay_drop",
        *(f"edit_{f}" for f in ("category", *_TEXT_STEPS, "evidence", "identity")),
    ))),
    **_none(*(f"move.{m}" for m in (
        "verify", "request_info", "resume", "clarify", "conclude", "forward", "reject"))),
}


def _load(language: str) -> dict[str, str]:
    with (LOCALES / f"{language}.toml").open("rb") as handle:
        return tomllib.load(handle)


CATALOGS = {language: _load(language) for language in LANGUAGES}
ENTRIES = [(language, key) for language in LANGUAGES for key in sorted(CATALOGS[language])]


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def _is_plain(key: str) -> bool:
    return key.startswith(PLAIN_PREFIXES) or key in PLAIN_KEYS


class TelegramHtmlChecker(HTMLParser):
    """Telegram's parse_mode=HTML subset: allowed tags only, no attributes, balanced, and `&`,
    `<`, `>` only inside entities or tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}> is not allowed")
        if attrs:
            self.problems.append(f"tag <{tag}> has attributes")
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.problems.append(f"self-closing tag <{tag}/> is not allowed")

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> does not close the innermost open tag {self.stack}")
        else:
            self.stack.pop()

    def handle_entityref(self, name: str) -> None:
        if name not in ALLOWED_ENTITIES:
            self.problems.append(f"entity &{name}; is not supported")

    def handle_charref(self, name: str) -> None:
        pass  # numeric entities are fine

    def handle_data(self, data: str) -> None:
        for char in "&<>":
            if char in data:
                self.problems.append(f"bare {char!r} in text: escape it")

    def handle_comment(self, data: str) -> None:
        self.problems.append("HTML comments are not allowed")

    def handle_decl(self, decl: str) -> None:
        self.problems.append("declarations are not allowed")

    def handle_pi(self, data: str) -> None:
        self.problems.append("processing instructions are not allowed")

    def check(self, markup: str) -> list[str]:
        self.feed(markup)
        self.close()
        if self.rawdata:
            self.problems.append(f"unparsed trailing markup {self.rawdata!r}")
        if self.stack:
            self.problems.append(f"unclosed tags {self.stack}")
        return self.problems


def _filled(template: str) -> str:
    return template.format(**dict.fromkeys(_placeholders(template), "x"))


# ---------------------------------------------------------------- completeness


def test_given_both_catalogs_when_loaded_then_they_have_the_same_keys() -> None:
    id_keys, en_keys = set(CATALOGS["id"]), set(CATALOGS["en"])
    assert id_keys - en_keys == set(), "keys only in id.toml"
    assert en_keys - id_keys == set(), "keys only in en.toml"


@pytest.mark.parametrize("language", LANGUAGES)
def test_given_a_catalog_when_loaded_then_every_required_key_is_present(language: str) -> None:
    missing = sorted(set(REQUIRED) - set(CATALOGS[language]))
    assert missing == []


@pytest.mark.parametrize(("language", "key"), ENTRIES)
def test_given_an_entry_when_read_then_it_is_a_non_empty_string(language: str, key: str) -> None:
    value = CATALOGS[language][key]
    assert isinstance(value, str)
    assert value.strip(), f"{language}:{key} is empty"


# ---------------------------------------------------------------- placeholders


@pytest.mark.parametrize("key", sorted(set(CATALOGS["id"]) & set(CATALOGS["en"])))
def test_given_a_key_when_both_languages_are_compared_then_placeholders_match(key: str) -> None:
    assert _placeholders(CATALOGS["id"][key]) == _placeholders(CATALOGS["en"][key])


@pytest.mark.parametrize(("language", "key"), [(lang, key) for lang in LANGUAGES for key in REQUIRED])
def test_given_a_required_key_when_parsed_then_it_uses_exactly_the_agreed_placeholders(
    language: str, key: str,
) -> None:
    if key not in CATALOGS[language]:
        pytest.skip("missing key is reported by the completeness test")
    assert _placeholders(CATALOGS[language][key]) == REQUIRED[key]


@pytest.mark.parametrize(("language", "key"), ENTRIES)
def test_given_a_template_when_parsed_then_fields_are_plain_names(language: str, key: str) -> None:
    for _, name, spec, conversion in string.Formatter().parse(CATALOGS[language][key]):
        if name is None:
            continue
        assert name.isidentifier(), f"{language}:{key}: field {name!r} must be a plain name"
        assert not spec and conversion is None, f"{language}:{key}: no format specs or conversions"


@pytest.mark.parametrize(("language", "key"), ENTRIES)
def test_given_a_template_when_formatted_with_x_then_it_succeeds(language: str, key: str) -> None:
    template = CATALOGS[language][key]
    filled = _filled(template)
    assert "{" not in filled and "}" not in filled


# ---------------------------------------------------------------- Telegram HTML


@pytest.mark.parametrize(("language", "key"), ENTRIES)
def test_given_a_text_when_parsed_as_telegram_html_then_it_is_valid(language: str, key: str) -> None:
    problems = TelegramHtmlChecker().check(_filled(CATALOGS[language][key]))
    assert problems == [], f"{language}:{key}"


@pytest.mark.parametrize(("language", "key"), [e for e in ENTRIES if _is_plain(e[1])])
def test_given_a_plain_text_label_when_checked_then_it_has_no_markup(language: str, key: str) -> None:
    value = CATALOGS[language][key]
    for char in "<>&":
        assert char not in value, f"{language}:{key} is shown as plain text: no {char!r}"


# ---------------------------------------------------------------- lengths


@pytest.mark.parametrize(("language", "key"), ENTRIES)
def test_given_a_message_when_measured_then_it_fits_1000_characters(language: str, key: str) -> None:
    assert len(CATALOGS[language][key]) <= MAX_MESSAGE


@pytest.mark.parametrize(("language", "key"), [e for e in ENTRIES if e[1].startswith(LABEL_PREFIXES)])
def test_given_a_button_label_when_measured_then_it_is_short_plain_text(language: str, key: str) -> None:
    value = CATALOGS[language][key]
    assert "<" not in value
    assert "\n" not in value
    assert len(value) <= MAX_LABEL, f"{language}:{key} is {len(value)} characters"


@pytest.mark.parametrize(("language", "key"), [e for e in ENTRIES if e[1].startswith("command.")])
def test_given_a_command_description_when_measured_then_it_fits_the_menu(language: str, key: str) -> None:
    value = CATALOGS[language][key]
    assert 3 <= len(value) <= MAX_COMMAND
    assert "\n" not in value


@pytest.mark.parametrize("language", LANGUAGES)
def test_given_the_topic_name_when_filled_then_it_is_short_plain_text(language: str) -> None:
    template = CATALOGS[language]["staff.topic_name"]
    assert "<" not in template and "&" not in template
    assert len(template.format(number="WBS-2026-0042", category="x" * 30,
                               status="🔎 Tidak dapat ditindaklanjuti")) <= MAX_TOPIC


# ---------------------------------------------------------------- fixed labels


@pytest.mark.parametrize("language", LANGUAGES)
def test_given_the_language_buttons_when_read_then_they_name_each_language_in_itself(language: str) -> None:
    assert CATALOGS[language]["button.lang_id"] == "🇮🇩 Bahasa Indonesia"
    assert CATALOGS[language]["button.lang_en"] == "🇬🇧 English"


@pytest.mark.parametrize("language", LANGUAGES)
def test_given_the_submitted_message_when_read_then_the_ticket_is_shown_as_code(language: str) -> None:
    assert "<code>{ticket}</code>" in CATALOGS[language]["intake.submitted"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_given_staff_texts_when_read_then_they_never_mention_the_ticket(language: str) -> None:
    for key, value in CATALOGS[language].items():
        if key.startswith("staff."):
            assert "{ticket}" not in value, f"{language}:{key} must never carry the ticket code"


@pytest.mark.parametrize("language", LANGUAGES)
def test_given_the_staff_help_when_read_then_it_names_every_command_of_the_staff_menu(
    language: str,
) -> None:
    from bot.app import STAFF_COMMANDS

    help_text = CATALOGS[language]["staff.help"]
    missing = [c for c in STAFF_COMMANDS if c != "bantuan" and f"/{c}" not in help_text]
    assert missing == []
