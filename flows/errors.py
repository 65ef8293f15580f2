"""One exception per failure a user can cause, each mapped to one calm message (a catalog key)."""

from __future__ import annotations


class PeluitError(Exception):
    """Base: `key` is the catalog key of the message the user sees. No secrets in args."""

    key = "error.generic"


class NoDraft(PeluitError):
    key = "intake.no_draft"


class StaleButton(PeluitError):
    key = "error.stale_button"


class UnknownTicket(PeluitError):
    key = "status.unknown"


class MalformedTicketInput(PeluitError):
    key = "status.malformed"


class TooManyAttempts(PeluitError):
    key = "status.too_many"


class TooManyReports(PeluitError):
    key = "intake.too_many_reports"


class UnknownCase(PeluitError):
    key = "staff.unknown_case"


class InvalidTransition(PeluitError):
    key = "staff.invalid_transition"


class TextRequired(PeluitError):
    key = "staff.text_required"
