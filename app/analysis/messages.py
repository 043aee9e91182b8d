"""The analysis loop's labels and refusals as translated sentences (English msgids, shown in Chinese)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

RULE_LABELS = {
    "crowded_house": _l("Group-rental suspect: too many registered persons"),
    "unrelated_adults": _l("Group-rental suspect: too many unrelated adults"),
    "empty_rental": _l("Rental house with nobody registered"),
    "house_unverified": _l("House not verified this year"),
    "person_unregistered": _l("Person without an active residence, or registered twice"),
    "permit_expiring": _l("Residence permit expired or expiring soon"),
    "vehicle_owner_moved": _l("Vehicle of a person who moved away"),
    "possible_duplicate": _l("Possible duplicate: same name and birth date, other ID number"),
    "cancellation_overdue": _l("Should be cancelled: cancellation case open past its deadline"),
}
STATUS_LABELS = {
    "open": _l("To handle"), "fixed": _l("Fixed"), "dismissed": _l("Not a problem"),
    "escalated": _l("Escalated to the office"), "gone": _l("Closed: the data no longer show it"),
}
CATEGORY_LABELS = {
    "shanghai_household": _l("Shanghai household, living at the registered address"),
    "separated": _l("Shanghai household, living away from the registered address"),
    "migrant": _l("From elsewhere in China"),
}
HANDLER_LABELS = {"social_worker": _l("Social worker"), "community_police": _l("Community police")}
REFUSALS = {
    "unknown_outcome": _l("Unknown outcome."),
    "finding_closed": _l("This finding is already closed."),
    "reason_too_long": _l("The reason is too long (500 characters at most)."),
    "case_not_found": _l("No such change case in your residential committees."),
    "fix_needs_case_or_note": _l("Please give the change case or describe the edit that fixed it."),
    "reason_required": _l("Please give a reason."),
    "committee_empty": _l("Nobody is registered in this committee: there is nothing to sample."),
    "sample_too_small": _l("The sample must hold at least one person."),
    "sample_too_large": _l("The sample (%(size)s) is larger than the committee's registered persons (%(population)s)."),
}


def refusal(exc) -> str:
    text = REFUSALS.get(exc.code)
    return str(text) % exc.params if text is not None else str(_l("This request was refused."))
