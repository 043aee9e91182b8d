"""The stages of a change case (DOMAIN.md "The flow", 附件1) and which moves between them are allowed. Pure data.

    reported → form_handed_out → form_collected → entered | cancelled → closed
    withdrawn: from any open stage (reported, form_handed_out, form_collected, awaiting_transfer), with a reason

    form_collected → awaiting_transfer (待迁出居民区确认): entering a move-in of a person registered in another
    committee asks that committee to release him; its confirmation → entered, its refusal → form_collected again.

``entered`` = registered in the city system, ``cancelled`` = the residence was cancelled there (核销): a move-out
is cancelled, a move-in or a change of details is entered. Key areas follow the same stages, only faster.
"""
from __future__ import annotations

from dataclasses import dataclass

from app.domain.refusal import Refused

REPORTED = "reported"
FORM_HANDED_OUT = "form_handed_out"
FORM_COLLECTED = "form_collected"
ENTERED = "entered"
CANCELLED = "cancelled"
CLOSED = "closed"
WITHDRAWN = "withdrawn"
AWAITING_TRANSFER = "awaiting_transfer"

STAGES = (REPORTED, FORM_HANDED_OUT, FORM_COLLECTED, AWAITING_TRANSFER, ENTERED, CANCELLED, CLOSED, WITHDRAWN)
OPEN_STAGES = (REPORTED, FORM_HANDED_OUT, FORM_COLLECTED, AWAITING_TRANSFER)
# Stages whose case still waits for someone: collection (block leader) or entry (social worker).
AWAITING_COLLECTION = (REPORTED, FORM_HANDED_OUT)
AWAITING_ENTRY = (FORM_COLLECTED,)
# Waiting on the releasing committee (a transfer): no stage button of the case's own committee moves it on.
AWAITING_OTHERS = (AWAITING_TRANSFER,)
DONE_STAGES = (ENTERED, CANCELLED, CLOSED)
FINAL_STAGES = (CLOSED, WITHDRAWN)

# Actions (the stage buttons) → (stages it may start from, stage it leads to).
HAND_OUT = "hand_out"
COLLECT = "collect"
ENTER = "enter"
CANCEL = "cancel"
CLOSE = "close"
WITHDRAW = "withdraw"

TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    HAND_OUT: ((REPORTED,), FORM_HANDED_OUT),
    # A block leader may hand out and collect on the same visit: collecting straight from "reported" is allowed.
    COLLECT: ((REPORTED, FORM_HANDED_OUT), FORM_COLLECTED),
    ENTER: ((FORM_COLLECTED,), ENTERED),
    CANCEL: ((FORM_COLLECTED,), CANCELLED),
    CLOSE: ((ENTERED, CANCELLED), CLOSED),
    WITHDRAW: (OPEN_STAGES, WITHDRAWN),
}
ACTIONS = tuple(TRANSITIONS)

# Which kinds of case each finishing action fits: a move-out is cancelled (核销), the others are entered.
FINISH_FOR_KIND = {"move_in": ENTER, "details": ENTER, "move_out": CANCEL}

# Refusal codes (the views translate them).
ERR_UNKNOWN_ACTION = "unknown_action"
ERR_FINAL = "case_final"
ERR_NOT_COLLECTED = "not_collected"
ERR_ALREADY_DONE = "already_done"
ERR_NOT_DONE = "not_done"
ERR_ILLEGAL = "illegal_transition"
ERR_WRONG_KIND = "wrong_kind"
ERR_REASON_REQUIRED = "reason_required"


@dataclass(frozen=True)
class Refusal(Refused):
    """A move the flow does not allow; ``code`` is one of the ERR_* constants."""

    code: str
    action: str = ""
    stage: str = ""

    def __str__(self) -> str:
        return f"{self.code}: {self.action} from {self.stage}"


def is_open(stage: str) -> bool:
    return stage in OPEN_STAGES


def allowed_actions(stage: str, kind: str | None = None) -> tuple[str, ...]:
    """The actions possible from ``stage`` (for a case of ``kind``), in flow order."""
    out = []
    for action, (sources, _target) in TRANSITIONS.items():
        if stage not in sources:
            continue
        if kind is not None and action in (ENTER, CANCEL) and FINISH_FOR_KIND.get(kind) != action:
            continue
        out.append(action)
    return tuple(out)


def next_stage(stage: str, action: str, kind: str | None = None, reason: str = "") -> str:
    """The stage after ``action`` from ``stage``, or raise Refusal with a code saying why not."""
    if action not in TRANSITIONS:
        raise Refusal(ERR_UNKNOWN_ACTION, action, stage)
    sources, target = TRANSITIONS[action]
    if stage in FINAL_STAGES:
        raise Refusal(ERR_FINAL, action, stage)
    if stage not in sources:
        if action in (ENTER, CANCEL):
            code = ERR_ALREADY_DONE if stage in DONE_STAGES else ERR_NOT_COLLECTED
        elif action == CLOSE:
            code = ERR_NOT_DONE
        elif action in (HAND_OUT, COLLECT) and stage not in AWAITING_COLLECTION:
            code = ERR_ALREADY_DONE
        else:
            code = ERR_ILLEGAL
        raise Refusal(code, action, stage)
    if kind is not None and action in (ENTER, CANCEL) and FINISH_FOR_KIND.get(kind) != action:
        raise Refusal(ERR_WRONG_KIND, action, stage)
    if action == WITHDRAW and not reason.strip():
        raise Refusal(ERR_REASON_REQUIRED, action, stage)
    return target
