"""The audit trail: an append-only table of who did what, when, from where, with before and after.

Writes to persons, residences and houses are captured by a session hook (so no view, API, CLI command or task can
forget them); exports, reveals of a full ID number and sign-ins are recorded by explicit calls. The actor is the
signed-in user in a request, or what ``acting_as`` set for CLI commands and background tasks.
"""
from app.audit.recorder import acting_as, record, record_export, record_login, record_reveal

__all__ = ["acting_as", "record", "record_export", "record_login", "record_reveal"]
