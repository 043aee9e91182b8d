"""Natural order of building names, rooms and addresses (issue 14 item 7: 1号楼, 2号楼 … 10号楼, not 1, 10 … 15, 2).

``natural_key(text)`` is a string that sorts, compared character by character (code point order, as the portal's
databases compare: SQLite's BINARY, PostgreSQL's C.UTF-8), the way a person reads the text: every run of digits is
a number. Full-width digits and letters are read as their ASCII forms (NFKC), letters without case. The key is
stored next to the text it comes from (``building.name_key``, ``house.room_key``, ``house.address_key``) so that a
list or picker ordered by it reads an index. Pure: no Flask, no SQLAlchemy.
"""
from __future__ import annotations

import re
import unicodedata

DIGITS = 10  # a run of digits is padded to this width: building and room numbers are far shorter
KEY_LENGTH = 255  # the stored key's column length; a key is cut there (the order of its first 255 characters)

_RUNS = re.compile(r"(\d+)")


def natural_key(text: str | None) -> str:
    """The sort key of ``text``: digit runs as zero-padded numbers (leading zeros ignored), the rest NFKC and
    case-folded. ``natural_key("10号楼") > natural_key("9号楼")``; None and "" give ""."""
    normal = unicodedata.normalize("NFKC", text or "").casefold().strip()
    parts = []
    for index, part in enumerate(_RUNS.split(normal)):
        if index % 2:  # a run of digits (ASCII after NFKC; other scripts' digits are read by their value)
            number = str(int(part))
            # A longer run sorts after every padded one (a prefix of 9s), then by its length, then by its digits.
            parts.append(number.zfill(DIGITS) if len(number) <= DIGITS
                         else "9" * DIGITS + str(len(number)).zfill(2) + number)
        else:
            parts.append(part)
    return "".join(parts)[:KEY_LENGTH]


def natural_sorted(texts, key=lambda item: item):
    """``texts`` in natural order (of ``key(item)``), for lists built in Python."""
    return sorted(texts, key=lambda item: natural_key(key(item)))
