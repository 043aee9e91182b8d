"""What a text typed into a list's one search box is: a full ID number, part of one, a phone number, or a name or
address. Pure, so the rule is tested without a database; the views turn the kind into a scoped query."""
from __future__ import annotations

import re
from dataclasses import dataclass

from app.domain.idnumber import looks_like_mainland_id, normalise_identifier

FULL_ID = "id"
PARTIAL_ID = "partial_id"
PHONE = "phone"
TEXT = "text"

# The longest text the box accepts: longer is no name, address or number, and the query stays cheap.
MAX_LENGTH = 100

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# Shanghai landlines are 8 digits, with 021 (or another area code) in front when typed in full.
_LANDLINE = re.compile(r"^(0\d{2,3})?\d{7,8}$")
_ID_LIKE = re.compile(r"^\d{4,17}X?$")


@dataclass(frozen=True)
class Query:
    kind: str
    value: str  # the normal form used in the query (ID number / phone digits / stripped text)


def classify(text: str | None) -> Query | None:
    """None for an empty box. Digits are read as a full ID number (18 characters, the last maybe X), a phone
    number (mobile, or landline with or without its area code), else as part of an ID number, which cannot be
    looked up (ID numbers are only ever matched whole: the unique index, and no guessing of others' numbers)."""
    raw = (text or "").strip()
    if not raw:
        return None
    compact = normalise_identifier(raw)
    if looks_like_mainland_id(compact):
        return Query(FULL_ID, compact)
    digits = compact.replace("-", "")
    if digits.isdigit() and (_MOBILE.match(digits) or _LANDLINE.match(digits)):
        return Query(PHONE, digits)
    if _ID_LIKE.match(digits):
        return Query(PARTIAL_ID, digits)
    return Query(TEXT, " ".join(raw.split()))
