"""The change flow's refusal codes and labels as translated sentences (English msgids, shown in Chinese)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.domain.idnumber import InvalidIdNumber
from app.errors import id_number_message

REFUSALS = {
    "bad_kind": _l("Please choose what changed."),
    "bad_source": _l("Unknown source of the report."),
    "no_actor": _l("Please sign in to report a change."),
    "no_committee": _l("Please choose a house."),
    "out_of_scope": _l("This record is outside your residential committees."),
    "house_out_of_scope": _l("This house is outside your residential committees."),
    "person_out_of_scope": _l("This person is outside your residential committees."),
    "future_date": _l("A date or time in the future is not accepted."),
    "before_report": _l("This time is before the change was reported."),
    "double_submission": _l("This form has already been submitted; it was not recorded twice."),
    "not_collected": _l("The registration form has not been collected yet: collect it before entering."),
    "already_done": _l("This step has already been done."),
    "not_done": _l("The case can be closed only after entry or cancellation."),
    "case_final": _l("This case is closed or withdrawn: it cannot change any more."),
    "illegal_transition": _l("This step is not possible at the case's current stage."),
    "unknown_action": _l("Unknown step."),
    "wrong_kind": _l("A move-out is cancelled in the city system; a move-in or a change of details is entered."),
    "reason_required": _l("Please give the reason for withdrawing the case."),
    "city_system_required": _l("Please choose the city system: separated household registration or migrants."),
    "entry_date_required": _l("Please give the date of the entry or cancellation."),
    "no_active_residence": _l("This person has no active residence in this committee: there is nothing to cancel."),
    "person_required": _l("Please give the person's name and ID number."),
    "category_required": _l("Please choose the person's category."),
    "bad_category": _l("Unknown category."),
    "bad_id_number": _l("This ID number is not valid."),
    "person_mismatch": _l("This ID number is not the one of the person of this case."),
    "too_many_attempts": _l("Too many ID numbers were tried on this case or today: the attempts are recorded. "
                            "Ask the street population office."),
    "registered_elsewhere": _l("This ID number is registered in another residential committee: only that "
                               "committee can change or cancel the registration."),
    "not_registered_here": _l("This ID number is not registered in your residential committee: there is nothing "
                              "to cancel."),
    "not_registered_elsewhere": _l("This ID number is not registered in another residential committee."),
    "transfer_pending": _l("A transfer of this person is already waiting for confirmation."),
    "transfer_decided": _l("This transfer request has already been decided."),
    "transfer_stale": _l("The person's registration has changed since the request: refuse it and ask for a new "
                         "one."),
    "refusal_reason_required": _l("Please give the reason for sending the request back."),
    "resident_id_only": _l("Only mainland ID numbers can be entered here; use the person form for other documents."),
    "house_required": _l("A move-in needs a house."),
    "date_before_start": _l("The date is before the start of the current residence."),
    "not_a_social_worker": _l("A and B must be social workers of this committee."),
    "same_worker": _l("A and B must be two different people."),
    "visitor_name_required": _l("Please give the visitor's name."),
    "id_or_phone_required": _l("Please give the visitor's ID number or phone number."),
    "bad_phone": _l("A phone number has 7 to 15 digits."),
    "time_out_before_in": _l("The time out is before the time in."),
    "not_allowed": _l("You are not allowed to do this step."),
    "duplicate_in_entry": _l("This ID number is already registered in this entry (person %(first)s): each person "
                             "once."),
    "transfer_single_person": _l("This person is registered in another residential committee: a transfer handles "
                                 "one person per case. Enter this person alone, in a case of his own."),
}

KIND_LABELS = {"move_in": _l("Moved in"), "move_out": _l("Moved out"), "details": _l("Details changed")}
SOURCE_LABELS = {"report": _l("Report"), "verification": _l("Verification"),
                 "self_declaration": _l("Self-declaration"), "window": _l("Service window")}
STAGE_LABELS = {
    "reported": _l("Reported"), "form_handed_out": _l("Form handed out"), "form_collected": _l("Form collected"),
    "entered": _l("Entered"), "cancelled": _l("Cancelled in the city system"), "closed": _l("Closed"),
    "withdrawn": _l("Withdrawn"), "awaiting_transfer": _l("Awaiting the releasing committee's confirmation"),
}
TRANSFER_STATUS_LABELS = {"pending": _l("Awaiting the releasing committee's confirmation"),
                          "confirmed": _l("Transfer confirmed"), "refused": _l("Sent back"),
                          "withdrawn": _l("Withdrawn")}
ACTION_LABELS = {
    "hand_out": _l("Form handed out"), "collect": _l("Form collected"), "enter": _l("Entered in the city system"),
    "cancel": _l("Cancelled in the city system"), "close": _l("Close the case"), "withdraw": _l("Withdraw"),
}
CITY_SYSTEM_LABELS = {"separated": _l("Shanghai household registration, living away"),
                      "migrant": _l("Persons from elsewhere in China")}
AB_FLAG_LABELS = {"no_ab": _l("No A and B social worker named"), "no_a": _l("No A social worker"),
                  "no_b": _l("No B social worker"), "both_away": _l("A and B are both away")}


def refusal(exc) -> str:
    """The refusal as a sentence; on a form of several persons, prefixed with the person it is about."""
    params = getattr(exc, "params", {}) or {}
    text = _sentence(exc, params)
    if params.get("row"):
        return str(_l("Person %(row)s: %(message)s", row=params["row"], message=text))
    return text


def _sentence(exc, params: dict) -> str:
    reason = params.get("reason")
    if exc.code == "bad_id_number" and reason:
        # The person form's own messages (校验位不正确, 出生日期不存在 …), not just "not valid".
        return id_number_message(InvalidIdNumber(reason, reason))
    message = REFUSALS.get(exc.code)
    if message is None:
        return str(_l("This request was refused."))
    if exc.code == "duplicate_in_entry":
        return str(_l("This ID number is already registered in this entry (person %(first)s): each person once.",
                      first=params.get("first", "")))
    return str(message)
