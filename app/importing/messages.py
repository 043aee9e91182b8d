"""The Chinese text of each row error and file problem (English msgids, zh in translations/)."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

ROW_MESSAGES = {
    "name_missing": _l("The name is missing."),
    "committee_missing": _l("The committee is missing."),
    "committee_unknown": _l("Unknown committee: %(name)s."),
    "committee_out_of_scope": _l("The committee %(name)s is outside your area."),
    "address_missing": _l("The address (building) is missing."),
    "room_missing": _l("The room number is missing."),
    "id_type_unknown": _l("Unknown document type: %(value)s."),
    "id_missing": _l("The document number is missing."),
    "id_numeric": _l("This ID number is stored as a number (Excel shows it as %(value)s) and its last digits are "
                     "lost: format the column as text and type the numbers again."),
    "id_length": _l("An ID number has 18 characters."),
    "id_characters": _l("An ID number has 17 digits followed by a digit or X."),
    "id_birth_date": _l("The birth date in this ID number does not exist."),
    "id_future": _l("The birth date in this ID number is in the future."),
    "id_region": _l("The region code (first six digits) of this ID number does not exist."),
    # The forms' messages for refused text (app/population/textfields.py): the same words on every path.
    "text_characters": _l("This text contains control or invisible characters, or characters that do not exist; "
                          "please type it again."),
    "text_formula": _l("This text may not begin with =, +, - or @."),
    "text_empty": _l("Please fill in this field; spaces alone are not a value."),
    "id_checksum": _l("The check character of this ID number is wrong; please check each digit."),
    "sex_birth_required": _l("For documents other than a mainland ID card, a sex (男/女) and a birth date "
                             "(出生日期) not in the future are needed."),
    "category_unknown": _l("Unknown category %(value)s: use 户籍, 人户分离 or 来沪."),
    "date_missing": _l("The move-in date is missing."),
    "date_bad": _l("The move-in date %(value)s is not a date: use a date cell or YYYY-MM-DD."),
    "date_future": _l("The move-in date %(value)s is in the future."),
    "date_before_birth": _l("The move-in date %(value)s is before the birth date."),
    "date_before_current": _l("The move-in date is before the start of the person's current residence."),
    "phone_bad": _l("The phone number is not valid."),
    "too_long": _l("Too long: at most %(max)s characters."),
    "id_twice": _l("The same document number is on row %(row)s with another name."),
    "lives_elsewhere": _l("This person already lives in another committee: that is a transfer for that "
                          "committee to confirm, not an overwrite."),
    "transfer_would_request": _l("Would request a transfer: this person is registered in another committee, "
                                 "which will be asked to confirm the move."),
    "transfer_requested": _l("This person lives in another committee: a transfer was requested for that "
                             "committee to confirm."),
}

FILE_MESSAGES = {
    "too_large": _l("The file is larger than %(max)s MB."),
    "too_many_rows": _l("The sheet has more than %(max)s rows; split it into several files."),
    "encrypted": _l("The workbook is password-protected or an old .xls file: save it as an .xlsx without a "
                    "password."),
    "malformed": _l("The file is not a readable Excel workbook (.xlsx)."),
    "no_sheet": _l("The workbook has no sheet."),
    "no_header": _l("The header row was not found or lacks columns: %(missing)s."),
    "not_xlsx": _l("Please choose an .xlsx file."),
}


def row_message(code: str, params: dict) -> str:
    message = ROW_MESSAGES.get(code)
    return _(message._args[0], **params) if message is not None else code


def file_message(code: str, **params) -> str:
    message = FILE_MESSAGES.get(code)
    return _(message._args[0], **params) if message is not None else code
