"""The stages of a change case and the moves the flow allows (app/domain/case_flow.py)."""
import pytest

from app.domain import case_flow as cf


def test_the_happy_paths():
    stage = cf.next_stage(cf.REPORTED, cf.HAND_OUT, "move_in")
    stage = cf.next_stage(stage, cf.COLLECT, "move_in")
    assert cf.next_stage(stage, cf.ENTER, "move_in") == cf.ENTERED
    assert cf.next_stage(cf.FORM_COLLECTED, cf.CANCEL, "move_out") == cf.CANCELLED
    assert cf.next_stage(cf.CANCELLED, cf.CLOSE) == cf.CLOSED


def test_collecting_on_the_first_visit_is_allowed():
    assert cf.next_stage(cf.REPORTED, cf.COLLECT, "details") == cf.FORM_COLLECTED


@pytest.mark.parametrize("stage,action,code", [
    (cf.REPORTED, cf.ENTER, cf.ERR_NOT_COLLECTED),
    (cf.FORM_HANDED_OUT, cf.CANCEL, cf.ERR_NOT_COLLECTED),
    (cf.ENTERED, cf.ENTER, cf.ERR_ALREADY_DONE),
    (cf.FORM_COLLECTED, cf.COLLECT, cf.ERR_ALREADY_DONE),
    (cf.REPORTED, cf.CLOSE, cf.ERR_NOT_DONE),
    (cf.CLOSED, cf.WITHDRAW, cf.ERR_FINAL),
    (cf.WITHDRAWN, cf.HAND_OUT, cf.ERR_FINAL),
    (cf.ENTERED, cf.WITHDRAW, cf.ERR_ILLEGAL),
    (cf.REPORTED, "delete", cf.ERR_UNKNOWN_ACTION),
])
def test_illegal_moves_are_refused_with_a_code(stage, action, code):
    with pytest.raises(cf.Refusal) as exc:
        cf.next_stage(stage, action, "move_in")
    assert exc.value.code == code


def test_a_move_out_is_cancelled_not_entered_and_vice_versa():
    with pytest.raises(cf.Refusal) as exc:
        cf.next_stage(cf.FORM_COLLECTED, cf.ENTER, "move_out")
    assert exc.value.code == cf.ERR_WRONG_KIND
    with pytest.raises(cf.Refusal):
        cf.next_stage(cf.FORM_COLLECTED, cf.CANCEL, "move_in")


def test_withdrawing_needs_a_reason_and_works_from_every_open_stage():
    for stage in cf.OPEN_STAGES:
        assert cf.next_stage(stage, cf.WITHDRAW, reason="重复报告") == cf.WITHDRAWN
    with pytest.raises(cf.Refusal) as exc:
        cf.next_stage(cf.REPORTED, cf.WITHDRAW, reason="  ")
    assert exc.value.code == cf.ERR_REASON_REQUIRED


def test_allowed_actions_follow_the_kind():
    assert cf.allowed_actions(cf.FORM_COLLECTED, "move_out") == (cf.CANCEL, cf.WITHDRAW)
    assert cf.allowed_actions(cf.FORM_COLLECTED, "move_in") == (cf.ENTER, cf.WITHDRAW)
    assert cf.allowed_actions(cf.CLOSED, "move_in") == ()
