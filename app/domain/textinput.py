"""Typed text the register keeps (names, addresses, rooms): one normal form and one set of refusals.

Forms, the REST API and the Excel importer call ``clean_text``, so a name cannot be refused on one path and
stored on another. Refused, with a reason code the web layer translates:
- empty (or only spaces) where a value is required: an address of "   " finds no house;
- control characters (``\\x1d``, ``\\r``, ``\\x80``…), invisible format characters, line separators, surrogates
  and unassigned code points: they cannot be printed on a form or typed into a search, and hide differences;
- a leading ``= + - @``: spreadsheet programs run such a cell as a formula when the register is exported.
  No name, address or room begins with one, so refusing is clearer than storing an altered value.
Kept: private-use characters, because some systems still type rare characters of names (生僻字) there.

Normal form: NFKC (full-width Ａ１ and half-width forms fold to their usual characters, as the ID number does),
spaces at both ends removed and runs of spaces inside made one.
"""
from __future__ import annotations

import unicodedata

FORMULA_PREFIXES = ("=", "+", "-", "@")
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cn", "Cs", "Zl", "Zp"})


class InvalidText(ValueError):
    """A refused text value. ``code``: empty, characters or formula."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def clean_text(value: str | None, *, required: bool = True) -> str | None:
    """The normal form of a typed name, address or room; None for an empty optional value."""
    raw = value or ""
    # Checked before NFKC: it would turn some invisible characters into plain spaces and hide them.
    for char in raw:
        if unicodedata.category(char) in _REFUSED_CATEGORIES:
            raise InvalidText("characters", f"Character U+{ord(char):04X} is not allowed.")
    text = " ".join(unicodedata.normalize("NFKC", raw).split())
    if not text:
        if required:
            raise InvalidText("empty", "A value is required.")
        return None
    if text.startswith(FORMULA_PREFIXES):
        raise InvalidText("formula", "A value may not begin with = + - or @.")
    return text
