"""Why a report cannot be made, in Chinese and English (`text(lang)`)."""

from __future__ import annotations

from core.i18n import N_, normalise_language, t

_ERRORS = {
    "outside_scope": N_("Department '{code}' is outside your access. You may report on: {allowed}."),
    "unknown_department": N_("Unknown department '{code}'. Known departments: {known}."),
    "no_departments": N_("Your account is not linked to any department, so there is nothing to report."),
    "complaints_only": N_("The weekly report holds supervisor scores, which your role does not include."),
    "bad_format": N_("Unknown report format '{fmt}'; use xlsx or pdf."),
    "no_font": N_("No Chinese font found for the PDF (looked for: {paths}). Install fonts-wqy-microhei."),
}


class ReportError(Exception):
    """A report that cannot be made; `text(lang)` says why in Chinese or English."""

    def __init__(self, reason: str, /, **fmt: object) -> None:
        self.reason = reason
        self.fmt = fmt
        super().__init__(self.text("en"))

    def text(self, lang: str = "en") -> str:
        return t(_ERRORS[self.reason], normalise_language(lang), **self.fmt)


class ReportScopeError(ReportError, PermissionError):
    """The reader asked for data outside their scope (another department, or no department)."""
