"""Refusals and labels of verification, as English msgids translated by Flask-Babel (zh in the catalog)."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.domain.monthly_table import (
    CORRECT,
    CROSS_CHECK,
    MONTHLY_CHECK,
    SELF_DECLARED_CHECK,
    SHOULD_CANCEL,
    SHOULD_REGISTER,
    WINDOW_CHECK,
)

RESULT_LABELS = {CORRECT: _l("Correct"), SHOULD_REGISTER: _l("Should be registered"),
                 SHOULD_CANCEL: _l("Should be cancelled")}
KIND_LABELS = {MONTHLY_CHECK: _l("Monthly check"), CROSS_CHECK: _l("Cross check"),
               SELF_DECLARED_CHECK: _l("Self-declaration"), WINDOW_CHECK: _l("Window case")}
SHIFT_LABELS = {"day": _l("Day group"), "night": _l("Night group")}
DECLARATION_LABELS = {"pending": _l("Waiting"), "matched": _l("Matches the register"),
                      "cancel_case": _l("Cancellation case opened"),
                      "register_case": _l("Registration case opened"),
                      "forwarded": _l("Registered in another residential committee: sent to its workstation")}


def refusal(exc) -> str:
    code = getattr(exc, "code", "")
    params = getattr(exc, "params", {}) or {}
    messages = {
        "bad_result": _("Unknown verification result."),
        "bad_shift": _("Unknown shift."),
        "no_person": _("This person has no active residence; nothing was recorded."),
        "no_house": _("Unknown house."),
        "no_address": _("Please give the address."),
        "no_committee": _("Unknown residential committee."),
        "bad_name": _("Please give the name (at most 64 characters)."),
        "out_of_scope": _("You may not verify in this residential committee (no cross-check assignment this "
                          "month); nothing was recorded."),
        "already_marked": _("This person has already been marked today; nothing was recorded twice."),
        "registered_here": _("This person is registered at this house: mark them in the list instead."),
        "case_refused": _("The finding was recorded, but no change case could be opened."),
        "zone_out_of_scope": _("This zone is not yours."),
        "member_other_zone": _("%(name)s is not a member of this zone.", name=params.get("name", "")),
        "not_police": _("The accompanying officer must have the community police role."),
        "police_not_here": _("The accompanying officer must be community police of this residential committee or "
                             "its zone; nothing was recorded."),
        "not_team_member_here": _("Team members must be coordination team members; nothing was recorded."),
        "member_not_here": _("%(name)s is neither a team member of this zone nor assigned to this committee's "
                             "cross check this month; nothing was recorded.", name=params.get("name", "")),
        "not_cross_month": _("Cross checks take place only in the cross-check months."),
        "not_team_member": _("Only coordination team members of a zone can be assigned to cross checks."),
        "member_out_of_scope": _("This member is not in your zone."),
        "own_zone": _("A cross check must be in another zone: this committee is in the member's own zone."),
        "already_assigned": _("This member is already assigned to this committee for that month."),
        "future_date": _("The move-in date is in the future."),
        "flood": _("Too many declarations for this address today. Please try again tomorrow or ask the "
                   "residential committee."),
        "already_declared": _("This declaration has already been received and is waiting to be checked."),
        "already_processed": _("This has already been processed."),
        "bad_file": _("The file could not be read: please upload a UTF-8 or GB18030 CSV file."),
        "bad_row": params.get("message", ""),
        "nothing_to_verify": _("The applicant neither lives nor is registered here: nothing to record."),
        "unknown_member": _("A chosen member does not exist (any more)."),
        "day_outside_month": _("This day is not in the month shown."),
        "roster_not_saved": _("Nothing was saved: %(n)s rows need correcting (marked below).",
                              n=params.get("count", 0)),
        "no_mark": _("This mark does not exist (any more)."),
        "undo_not_yours": _("Only the one who made this mark may undo it; nothing was changed."),
        "undo_not_sweep": _("Only a mark of a registered person made on the sweep can be undone here."),
        "undo_too_late": _("A mark can be undone only within %(minutes)s minutes of making it; nothing was "
                           "changed. Ask the social worker to withdraw the change case instead.",
                           minutes=params.get("minutes", "")),
        "undo_in_use": _("A joint action has been started from this mark: it cannot be undone."),
        "undo_case_acted": _("Change case #%(case)s opened by this mark has already been acted on: the mark stays. "
                             "Ask the social worker to withdraw the case.", case=params.get("case", "")),
    }
    return str(messages.get(code) or _("The request was refused; nothing was recorded."))
