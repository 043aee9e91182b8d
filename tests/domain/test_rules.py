import pytest

from app.domain.rules import DEFAULT_RULES, Rules, rules_from_config


def test_defaults_are_the_plans_numbers():
    r = DEFAULT_RULES
    assert (r.collection_days, r.entry_days, r.key_area_same_day) == (2, 2, True)
    assert r.timezone == "Asia/Shanghai"
    assert r.verification_weekdays == (2, 4)
    assert r.monthly_quota_per_committee == 80
    assert r.cross_check_months == (3, 9)
    assert r.trainings_per_zone_per_year == 2
    assert (r.weight_quantity, r.weight_accuracy, r.weight_timeliness, r.weight_spot_inspection) == (30, 40, 30, 0)
    assert r.full_score == 100
    assert r.penalty_per_late_crime_lead == 5
    assert r.submission_deadline_day == 3
    assert r.accuracy_decimals == 1


def test_rules_are_frozen():
    with pytest.raises(Exception):
        DEFAULT_RULES.collection_days = 5


def test_empty_config_gives_defaults():
    assert rules_from_config({}) == DEFAULT_RULES
    assert rules_from_config({"SECRET_KEY": "x", "COLLECTION_DAYS": 9}) == DEFAULT_RULES


def test_environment_strings_are_parsed():
    r = rules_from_config({
        "RULE_COLLECTION_DAYS": " 3 ",
        "RULE_KEY_AREA_SAME_DAY": "false",
        "RULE_VERIFICATION_WEEKDAYS": "1, 3,5",
        "RULE_CROSS_CHECK_MONTHS": "4,10",
        "RULE_TIMEZONE": "Asia/Urumqi",
    })
    assert r.collection_days == 3
    assert r.key_area_same_day is False
    assert r.verification_weekdays == (1, 3, 5)
    assert r.cross_check_months == (4, 10)
    assert r.timezone == "Asia/Urumqi"
    assert r.entry_days == 2  # untouched


def test_typed_values_from_python_config():
    r = rules_from_config({"RULE_MONTHLY_QUOTA_PER_COMMITTEE": 100, "RULE_VERIFICATION_WEEKDAYS": [0],
                           "RULE_KEY_AREA_SAME_DAY": True})
    assert r.monthly_quota_per_committee == 100
    assert r.verification_weekdays == (0,)


@pytest.mark.parametrize("key, value, words", [
    ("RULE_COLLECTION_DAYS", "two", "RULE_COLLECTION_DAYS"),
    ("RULE_COLLECTION_DAYS", True, "integer"),
    ("RULE_KEY_AREA_SAME_DAY", "maybe", "true or false"),
    ("RULE_VERIFICATION_WEEKDAYS", "2,x", "comma-separated"),
    ("RULE_VERIFICATION_WEEKDAYS", "2,7", "verification_weekdays"),
    ("RULE_CROSS_CHECK_MONTHS", "13", "cross_check_months"),
    ("RULE_TIMEZONE", "Mars/Olympus", "time zone"),
    ("RULE_COLLECTION_DAYS", "-1", "collection_days"),
    ("RULE_SUBMISSION_DEADLINE_DAY", "31", "submission_deadline_day"),
])
def test_bad_values_raise_clear_errors(key, value, words):
    with pytest.raises(ValueError, match=words):
        rules_from_config({key: value})


def test_weights_cannot_leave_nothing_to_scale():
    with pytest.raises(ValueError):
        Rules(weight_quantity=0, weight_accuracy=0, weight_timeliness=0)
