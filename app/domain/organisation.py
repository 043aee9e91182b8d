"""The fixed organisation of the subdistrict as DOMAIN.md lists it (seed data, not code paths)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ZoneSeed:
    code: str
    name: str


@dataclass(frozen=True)
class CommitteeSeed:
    seq: int
    name: str
    zone_code: str


ZONES: tuple[ZoneSeed, ...] = (
    ZoneSeed("shanggang", "第一片区(上钢)"),
    ZoneSeed("jiyang", "第二片区(济阳)"),
    ZoneSeed("dezhou", "第三片区(德州)"),
)

_COMMITTEE_NAMES = (
    "钢一", "钢二", "钢三", "钢四", "钢五", "钢六", "钢七", "钢九", "钢十",
    "德一", "德二", "德三", "德四", "德五", "德六", "德七",
    "济一", "济二", "济三", "济中", "耀一", "耀三", "花城",
)


def default_zone_code(committee_name: str) -> str:
    """The plan is silent on zones; our default: 钢* → 上钢, 济*/耀* → 济阳, 德* and 花城 → 德州."""
    if committee_name.startswith("钢"):
        return "shanggang"
    if committee_name.startswith(("济", "耀")):
        return "jiyang"
    return "dezhou"


# There is no 钢八: the order is the order of the monthly table (附件2) and must stay exactly so.
COMMITTEES: tuple[CommitteeSeed, ...] = tuple(
    CommitteeSeed(seq, name, default_zone_code(name)) for seq, name in enumerate(_COMMITTEE_NAMES, start=1)
)
