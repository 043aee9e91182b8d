"""Every number of the plan (DOMAIN.md) as data, so the office can change it without a code change.

The plan fixes some numbers (2 days, 80 persons, March and September) and leaves others open (the ranking
weights). Either way they live here, in one frozen `Rules` value: code never hard-codes them, it receives a
`Rules` (by default `DEFAULT_RULES`). `rules_from_config` builds one from a dict-like configuration, so Flask's
`app.config` (filled from the environment) can override any field with the key `RULE_<FIELD_NAME_UPPER>`.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

CONFIG_PREFIX = "RULE_"


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


@dataclass(frozen=True)
class Rules:
    """The plan's rules; the defaults are the plan's numbers or, where it is silent, our documented defaults."""

    # The flow (附件1): form collected within N calendar days of the report, entered within N days of collection.
    collection_days: int = 2
    entry_days: int = 2
    # In key areas discovery, collection, entry and cancellation all happen the same day.
    key_area_same_day: bool = True
    # Calendar days are counted in local (Shanghai) time, whatever zone the timestamps arrive in.
    timezone: str = "Asia/Shanghai"

    # Monthly local verification: every Wednesday and Friday (Python weekday numbers: Monday = 0).
    verification_weekdays: tuple[int, ...] = (2, 4)
    # At least 80 persons per committee per month (附件2 column header).
    monthly_quota_per_committee: int = 80
    # Cross checks between zones: twice a year, March and September.
    cross_check_months: tuple[int, ...] = (3, 9)
    # A wrong tap on the sweep (应消未消 for someone who lives there) may be undone by the one who made it within N
    # minutes, while nobody has acted on the cancellation case it opened (our default; 0 turns undo off).
    sweep_undo_minutes: int = 10
    # A zone holds at least 2 trainings a year.
    trainings_per_zone_per_year: int = 2
    # A finding of a spot inspection (飞行检查) is to be put right by the inspected unit within N calendar days
    # (the plan gives no number; our default).
    inspection_fix_days: int = 14
    # 专项联勤联动 (plan 三(四)): the police apply to the 城运平台 within N days of a refusal being escalated, and
    # the joint visit happens within N days of the application (the plan gives no numbers; our defaults).
    joint_apply_days: int = 2
    joint_visit_days: int = 7

    # Default ranking formula (the plan gives none): weights of the four parts, out of their sum (100). Spot
    # inspections are a reference for the year's awards (评先创优), so they weigh 0 in the month unless the office
    # gives them a weight.
    weight_quantity: int = 30
    weight_accuracy: int = 40
    weight_timeliness: int = 30
    weight_spot_inspection: int = 0
    # Points taken off per crime-related person or lead not entered in time.
    penalty_per_late_crime_lead: int = 5

    # The monthly table is due by this day of the following month (our default).
    submission_deadline_day: int = 3
    # 正确率 is shown with one decimal (96.3%).
    accuracy_decimals: int = 1

    # Team members' own monthly performance score (the plan asks for one but gives no formula). Our default:
    # quantity = persons the member checked against a monthly share (a zone's ~8 committees × 80 persons spread
    # over roughly ten members gives about 60 each), accuracy = share of the member's results that later checks
    # (spot inspections, cross checks) did not overturn.
    member_monthly_quota: int = 60
    member_weight_quantity: int = 50
    member_weight_accuracy: int = 50
    # A team member is ranked in a month only with at least this many checks of his own (fewer: he did not work
    # that month, e.g. on leave, and is neither ranked nor talked to).
    member_min_checks: int = 10
    # Committees equal on score, accuracy and persons checked share the place (all of them last when tied for
    # last); False breaks such ties by table order.
    ties_share_place: bool = True

    # Crime-related leads (涉案线索; the plan says "未及时核查", no number): the police verify a lead within this
    # many days of its report, or are criticised (通报批评). Our default.
    crime_lead_verify_days: int = 7
    # Points of the reward entry a confirmed lead earns its reporter ("按上级规定给予奖励": the amount is the
    # higher authority's; the portal records one entry of this many points). Our default.
    crime_lead_reward_points: int = 1
    # The year's evaluation (年度评先): weight (0-100) of the year's spot-inspection average beside the months'
    # average points. 0: the inspections are shown as a reference only (the plan's 评先创优的参考).
    year_weight_spot_inspection: int = 0
    # The analysis loop (主动发现, issue 17; the plan names the loop but no numbers, so all are our defaults).
    # 群租 suspect: a house with more registered persons than this, or more adults of different family names (the
    # register holds no kinship, so a different surname stands for "unrelated").
    analysis_house_max_persons: int = 10
    analysis_house_max_unrelated_adults: int = 4
    # 居住证 expired or expiring within this many days.
    analysis_permit_warning_days: int = 30
    # "No verification this year" is raised from this month on (10: the last quarter, when a house still unseen
    # endangers the year's full coverage; 1 would flag every house on New Year's Day).
    analysis_house_unverified_from_month: int = 10
    # Days a committee has to handle a finding, per rule.
    analysis_due_days_crowded_house: int = 7
    analysis_due_days_unrelated_adults: int = 7
    analysis_due_days_empty_rental: int = 14
    analysis_due_days_house_unverified: int = 30
    analysis_due_days_person_unregistered: int = 7
    analysis_due_days_permit_expiring: int = 14
    analysis_due_days_vehicle_owner_moved: int = 14
    analysis_due_days_possible_duplicate: int = 7
    analysis_due_days_cancellation_overdue: int = 2
    # Points taken off the monthly score per finding left overdue (0: findings do not feed the ranking).
    weight_findings: int = 0
    # Sampled verification: target margin of the 95% interval (per mille: 50 = ±5 points) and the accuracy
    # expected before the sample is drawn (percent), which fix the sample size.
    sample_margin_permille: int = 50
    sample_expected_accuracy_percent: int = 90
    # Volunteer points (志愿服务积分, plan 六(四): "街道统一的志愿服务积分标准", whose numbers the plan does not give;
    # our defaults): a building leader's or volunteer's change report that was entered (it turned out right), and
    # a crime lead of his the police confirmed.
    volunteer_points_report: int = 1
    volunteer_points_lead: int = 5
    # How many volunteers the office may commend at the year's safety meeting (0: no limit). Our default.
    volunteer_commendations_per_year: int = 20
    # A zone below trainings_per_zone_per_year is flagged from this month on (10: the last quarter).
    trainings_flag_from_month: int = 10
    # A task that follows a meeting's decision is due this many days after the meeting unless a date is given.
    meeting_task_due_days: int = 14
    # Team members' performance (绩效考核, plan 六(三)): monthly, quarterly and yearly scores that feed performance
    # pay (the plan names no formula; our default, app/domain/performance.py). Parts out of their sum (100):
    # checks against member_monthly_quota per month of the period, accuracy (results no cross check overturned),
    # timeliness (checks entered into the PDA system, change-case steps done within their days), the spot
    # inspections of the member's zone; minus points per talk on the team ladder in the period.
    performance_weight_checks: int = 30
    performance_weight_accuracy: int = 30
    performance_weight_timeliness: int = 20
    performance_weight_spot_inspection: int = 20
    performance_penalty_per_talk: int = 5
    # 最佳社区民警 (plan 六(二)): the most points the office may add at its discretion (酌情加分) in one entry.
    police_bonus_max_points: int = 10

    def __post_init__(self) -> None:
        _check(self.collection_days >= 0, "collection_days must be 0 or more")
        _check(self.entry_days >= 0, "entry_days must be 0 or more")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"timezone: unknown time zone {self.timezone!r}") from exc
        _check(bool(self.verification_weekdays), "verification_weekdays must not be empty")
        _check(all(0 <= d <= 6 for d in self.verification_weekdays),
               "verification_weekdays must be weekday numbers 0 (Monday) to 6 (Sunday)")
        _check(all(1 <= m <= 12 for m in self.cross_check_months), "cross_check_months must be months 1 to 12")
        _check(self.monthly_quota_per_committee > 0, "monthly_quota_per_committee must be positive")
        _check(0 <= self.sweep_undo_minutes <= 24 * 60, "sweep_undo_minutes must be 0 to 1440")
        _check(self.member_monthly_quota > 0, "member_monthly_quota must be positive")
        _check(self.member_min_checks >= 0, "member_min_checks must be 0 or more")
        _check(self.joint_apply_days >= 0 and self.joint_visit_days >= 0, "joint_*_days must be 0 or more")
        _check(self.inspection_fix_days >= 0, "inspection_fix_days must be 0 or more")
        _check(self.trainings_per_zone_per_year >= 0, "trainings_per_zone_per_year must be 0 or more")
        _check(self.crime_lead_verify_days >= 1, "crime_lead_verify_days must be 1 or more")
        _check(self.crime_lead_reward_points >= 0, "crime_lead_reward_points must be 0 or more")
        _check(0 <= self.year_weight_spot_inspection <= 100, "year_weight_spot_inspection must be 0 to 100")
        for name in ("weight_quantity", "weight_accuracy", "weight_timeliness", "weight_spot_inspection",
                     "penalty_per_late_crime_lead", "member_weight_quantity", "member_weight_accuracy"):
            _check(getattr(self, name) >= 0, f"{name} must be 0 or more")
        # Without a spot inspection the other parts are scaled up to the full score, so they cannot all be 0.
        _check(self.weight_quantity + self.weight_accuracy + self.weight_timeliness > 0,
               "weight_quantity, weight_accuracy and weight_timeliness cannot all be 0")
        _check(self.member_weight_quantity + self.member_weight_accuracy > 0,
               "member_weight_quantity and member_weight_accuracy cannot both be 0")
        # Day 28 at most: every month has it.
        _check(1 <= self.submission_deadline_day <= 28, "submission_deadline_day must be 1 to 28")
        _check(0 <= self.accuracy_decimals <= 4, "accuracy_decimals must be 0 to 4")
        _check(1 <= self.analysis_house_max_persons <= 100, "analysis_house_max_persons must be 1 to 100")
        _check(1 <= self.analysis_house_max_unrelated_adults <= 100,
               "analysis_house_max_unrelated_adults must be 1 to 100")
        _check(1 <= self.analysis_house_unverified_from_month <= 12,
               "analysis_house_unverified_from_month must be 1 to 12")
        _check(0 <= self.analysis_permit_warning_days <= 366, "analysis_permit_warning_days must be 0 to 366")
        for f in fields(self):
            if f.name.startswith("analysis_due_days_"):
                _check(0 <= getattr(self, f.name) <= 366, f"{f.name} must be 0 to 366")
        _check(0 <= self.weight_findings <= 100, "weight_findings must be 0 to 100")
        _check(self.volunteer_points_report >= 0 and self.volunteer_points_lead >= 0,
               "volunteer_points_* must be 0 or more")
        _check(self.volunteer_commendations_per_year >= 0, "volunteer_commendations_per_year must be 0 or more")
        _check(1 <= self.trainings_flag_from_month <= 12, "trainings_flag_from_month must be 1 to 12")
        _check(0 <= self.meeting_task_due_days <= 366, "meeting_task_due_days must be 0 to 366")
        _check(5 <= self.sample_margin_permille <= 500, "sample_margin_permille must be 5 to 500")
        _check(1 <= self.sample_expected_accuracy_percent <= 99, "sample_expected_accuracy_percent must be 1 to 99")
        for name in ("performance_weight_checks", "performance_weight_accuracy", "performance_weight_timeliness",
                     "performance_weight_spot_inspection", "performance_penalty_per_talk"):
            _check(getattr(self, name) >= 0, f"{name} must be 0 or more")
        _check(self.performance_weight_checks + self.performance_weight_accuracy
               + self.performance_weight_timeliness > 0,
               "performance_weight_checks, _accuracy and _timeliness cannot all be 0")
        _check(1 <= self.police_bonus_max_points <= 100, "police_bonus_max_points must be 1 to 100")

    @property
    def full_score(self) -> int:
        """The most a committee can score: the sum of the four weights (100 by default)."""
        return self.weight_quantity + self.weight_accuracy + self.weight_timeliness + self.weight_spot_inspection

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


DEFAULT_RULES = Rules()


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _parse_int(key: str, raw: object) -> int:
    if isinstance(raw, bool):
        raise ValueError(f"{key}: expected an integer, got {raw!r}")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str):
        try:
            return int(raw.strip())
        except ValueError:
            pass
    raise ValueError(f"{key}: expected an integer, got {raw!r}")


def _parse_bool(key: str, raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in _TRUE | _FALSE:
        return raw.strip().lower() in _TRUE
    raise ValueError(f"{key}: expected true or false, got {raw!r}")


def _parse_int_tuple(key: str, raw: object) -> tuple[int, ...]:
    # The environment only carries strings, so "2,4" stands for (2, 4).
    if isinstance(raw, str):
        parts = [p for p in (s.strip() for s in raw.split(",")) if p]
    elif isinstance(raw, (list, tuple)):
        parts = list(raw)
    else:
        raise ValueError(f"{key}: expected comma-separated integers, got {raw!r}")
    try:
        return tuple(_parse_int(key, p) for p in parts)
    except ValueError:
        raise ValueError(f"{key}: expected comma-separated integers, got {raw!r}") from None


def _parse_str(key: str, raw: object) -> str:
    if not isinstance(raw, str):
        raise ValueError(f"{key}: expected text, got {raw!r}")
    return raw.strip()


def rules_from_config(mapping: Mapping) -> Rules:
    """Defaults overridden by `RULE_<FIELD_NAME_UPPER>` keys of `mapping` (e.g. RULE_COLLECTION_DAYS=3).

    Values may be typed (from Python config) or strings (from the environment). Anything that cannot be read,
    or that breaks a rule's limits, raises ValueError naming the key.
    """
    overrides: dict[str, object] = {}
    for field in fields(Rules):
        key = CONFIG_PREFIX + field.name.upper()
        if key not in mapping:
            continue
        raw = mapping[key]
        default = getattr(DEFAULT_RULES, field.name)
        if isinstance(default, bool):
            overrides[field.name] = _parse_bool(key, raw)
        elif isinstance(default, int):
            overrides[field.name] = _parse_int(key, raw)
        elif isinstance(default, tuple):
            overrides[field.name] = _parse_int_tuple(key, raw)
        else:
            overrides[field.name] = _parse_str(key, raw)
    try:
        return replace(DEFAULT_RULES, **overrides)
    except ValueError as exc:
        raise ValueError(f"invalid rule in configuration ({CONFIG_PREFIX}*): {exc}") from exc
