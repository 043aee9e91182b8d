"""Labels and refusals of the volunteer register and of trainings and meetings (English msgids, shown in Chinese)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

ROLE_LABELS = {"safety_volunteer": _l("Safety volunteer"), "building_leader": _l("Building leader")}
MEETING_LABELS = {"joint": _l("Joint meeting of a large block"), "leading_group": _l("Leading group meeting"),
                  "quarterly_review": _l("Quarterly review meeting")}
VISIT_LABELS = {"done": _l("Visited"), "missed": _l("Not visited"), "due": _l("Visit due"), "future": ""}

REFUSALS = {
    # volunteers
    "committee_not_yours": _l("This residential committee is not yours."),
    "name_empty": _l("Please enter the name."),
    "name_characters": _l("The name contains characters that cannot be printed."),
    "name_formula": _l("A value may not begin with = + - or @."),
    "unknown_role": _l("Choose safety volunteer or building leader."),
    "phone_invalid": _l("This is not a phone number."),
    "phone_registered": _l("A volunteer with this phone number is already registered in this committee."),
    "building_not_in_committee": _l("No such building in this residential committee."),
    "account_not_in_committee": _l("This account does not work in this residential committee."),
    "too_long": _l("At most %(limit)s characters."),
    "unknown_half": _l("Unknown half-year."),
    "date_required": _l("Please give the date."),
    "date_outside_half": _l("The date is not in this half-year."),
    "date_in_future": _l("The date cannot be in the future."),
    "visitors_empty": _l("Say who made the visit."),
    "visitors_characters": _l("The text contains characters that cannot be printed."),
    "visitors_formula": _l("A value may not begin with = + - or @."),
    "note_characters": _l("The text contains characters that cannot be printed."),
    "note_formula": _l("A value may not begin with = + - or @."),
    "too_many_commended": _l("At most %(limit)s volunteers can be commended in a year."),
    "not_on_the_list": _l("This volunteer is not on the year's list."),
    "no_points": _l("A volunteer without points this year cannot be commended."),
    # trainings and meetings
    "zone_not_yours": _l("This zone is not yours."),
    "topic_empty": _l("Please enter the topic."),
    "topic_characters": _l("The text contains characters that cannot be printed."),
    "topic_formula": _l("A value may not begin with = + - or @."),
    "place_characters": _l("The text contains characters that cannot be printed."),
    "place_formula": _l("A value may not begin with = + - or @."),
    "training_without_attendees": _l("A training needs at least one attendee."),
    "attendee_not_zone_staff": _l("Attendees are chosen from the zone's staff."),
    "filename_empty": _l("Please choose a file."),
    "filename_characters": _l("The file name contains characters that cannot be printed."),
    "filename_formula": _l("A file name may not begin with = + - or @."),
    "material_kind": _l("Only these kinds of file can be kept: %(kinds)s."),
    "material_too_large": _l("The file is larger than %(mb)s MB."),
    "material_empty": _l("The file is empty."),
    "minutes_characters": _l("The minutes contain characters that cannot be printed."),
    "unknown_kind": _l("Unknown kind of meeting."),
    "leading_group_office_only": _l("The leading group's meetings are recorded by the street office."),
    "joint_needs_committees": _l("Choose the residential committees of the large block."),
    "block_name_empty": _l("Please enter the large block's name."),
    "block_name_characters": _l("The text contains characters that cannot be printed."),
    "block_name_formula": _l("A value may not begin with = + - or @."),
    "review_needs_one_committee": _l("A quarterly review meeting is of one residential committee."),
    "unknown_quarter": _l("Unknown quarter."),
    "review_before_quarter": _l("The review meeting cannot be held before its quarter begins."),
    "review_recorded": _l("This committee's review meeting of that quarter is already recorded."),
    "title_empty": _l("Please enter the meeting's subject."),
    "title_characters": _l("The text contains characters that cannot be printed."),
    "title_formula": _l("A value may not begin with = + - or @."),
    "attendance_empty": _l("Say who came to the meeting."),
    "attendance_characters": _l("The text contains characters that cannot be printed."),
    "attendance_formula": _l("A value may not begin with = + - or @."),
    "decision_empty": _l("Please write the decision."),
    "decision_characters": _l("The text contains characters that cannot be printed."),
    "decision_formula": _l("A value may not begin with = + - or @."),
    "task_without_assignee": _l("A task needs an assignee: a residential committee or a person."),
    "assignee_not_in_meeting": _l("The assignee must be a residential committee or a person of this meeting."),
    "due_before_meeting": _l("A task cannot be due before the meeting."),
    "not_a_task": _l("This decision is not a task."),
    "task_not_yours": _l("This task is not yours."),
    "task_done": _l("This task is already done."),
}


def refusal(exc) -> str:
    text = REFUSALS.get(exc.code)
    return str(text) % exc.params if text is not None else str(_l("This request was refused."))
