"""The analysis loop's pure parts: the Wilson interval against hand computations, the sample size, the rules'
settings (issue 17)."""
import pytest

from app.domain.analysis import GAP_RULES, sample_size, wilson_interval
from app.domain.rules import DEFAULT_RULES, rules_from_config


def test_wilson_interval_of_45_right_out_of_50_matches_the_hand_computation():
    # p = 0.9, z² = 3.8415: centre = (0.9 + 3.8415/100) / (1 + 3.8415/50) = 0.87146,
    # half width = 1.96 × √(0.09/50 + 3.8415/10000) / 1.07683 = 0.08506 → [0.7864, 0.9565].
    low, high = wilson_interval(45, 50)
    assert low == pytest.approx(0.7864, abs=5e-5)
    assert high == pytest.approx(0.9565, abs=5e-5)


def test_wilson_interval_at_the_edges_is_not_zero_width():
    # 0 of 10: centre = 0.19207/1.38415 = 0.13876 = half width → [0, 0.2775].
    low, high = wilson_interval(0, 10)
    assert low == 0.0 and high == pytest.approx(0.2775, abs=5e-5)
    low, high = wilson_interval(30, 30)
    assert high == 1.0 and low == pytest.approx(0.8865, abs=5e-5)  # 30/30 is not "certainly perfect"
    assert wilson_interval(0, 0) == (0.0, 1.0)
    with pytest.raises(ValueError):
        wilson_interval(11, 10)


def test_sample_size_from_the_target_margin():
    # n0 = 3.8415 × 0.9 × 0.1 / 0.05² = 138.29; finite population 1000: 138.29 / (1 + 137.29/1000) = 121.6 → 122.
    assert sample_size(1000, 0.05, 0.9) == 122
    assert sample_size(50, 0.05, 0.9) <= 50
    assert sample_size(0, 0.05, 0.9) == 0
    with pytest.raises(ValueError):
        sample_size(1000, 0, 0.9)


def test_every_rule_has_its_due_days_setting_and_thresholds_are_checked():
    for rule in GAP_RULES:
        assert rule.due_days(DEFAULT_RULES) >= 0
    assert rules_from_config({"RULE_ANALYSIS_HOUSE_MAX_PERSONS": "6"}).analysis_house_max_persons == 6
    for key, value in (("RULE_ANALYSIS_HOUSE_MAX_PERSONS", "0"), ("RULE_ANALYSIS_PERMIT_WARNING_DAYS", "-1"),
                       ("RULE_SAMPLE_MARGIN_PERMILLE", "0"), ("RULE_ANALYSIS_DUE_DAYS_EMPTY_RENTAL", "400")):
        with pytest.raises(ValueError, match=key[5:].lower()):
            rules_from_config({key: value})
