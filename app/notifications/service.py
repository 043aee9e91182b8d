"""notify(): the one way to tell a user something, and who to tell at each hand-off. Adds to the session and
commits nothing (the view or task commits); a webhook message is queued in the same transaction and sent after the
commit (webhook.py), so a robot that is slow or down never holds up the request."""
from __future__ import annotations

from typing import Iterable, Optional

from flask import current_app, has_app_context

from app.domain.clock import utcnow
from app.extensions import db
from app.notifications.models import Notification, WebhookDelivery
from app.access.roles import COMMITTEE_DIRECTOR, COMMUNITY_POLICE, SOCIAL_WORKER, ZONE_LEADER
from app.models import Committee
from app.models.access import PortalUser
from app.access.users import users_with_role


def notify(user_id: int, text: str, link: str | None = None, *, once: bool = False,
           committee_id: Optional[int] = None) -> bool:
    """One notification for ``user_id``. ``once``: not again if this user already has one with this link.
    ``committee_id``: also post the text to that committee's robot, when one is configured."""
    if user_id is None:
        return False
    if once and db.session.query(Notification.id).filter_by(user_id=user_id, link=link).first() is not None:
        return False
    db.session.add(Notification(user_id=user_id, text=text[:500], link=link, created_at=utcnow()))
    if committee_id is not None:
        queue_webhook(committee_id, text)
    return True


def notify_many(user_ids: Iterable[int], text: str, link: str | None = None, *, once: bool = False,
                committee_id: Optional[int] = None) -> int:
    """notify() each distinct user once; the committee's robot gets the text once, not once per user."""
    sent = 0
    for uid in dict.fromkeys(u for u in user_ids if u is not None):
        sent += notify(uid, text, link, once=once)
    if sent and committee_id is not None:
        queue_webhook(committee_id, text)
    return sent


def webhook_url(committee_id: int) -> Optional[str]:
    if not has_app_context():
        return None
    return (current_app.config.get("WEBHOOK_URLS") or {}).get(committee_id)


def queue_webhook(committee_id: int, text: str) -> None:
    """An outbox row when the committee has a robot (WECOM_WEBHOOKS); nothing otherwise (off by default)."""
    if webhook_url(committee_id) is None:
        return
    row = WebhookDelivery(committee_id=committee_id, text=text, created_at=utcnow(), next_attempt_at=utcnow())
    db.session.add(row)
    db.session.info.setdefault("webhooks_to_send", True)


def unread_count(user) -> int:
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    return (db.session.query(Notification.id)
            .filter(Notification.user_id == user.id, Notification.read_at.is_(None)).count())


# -- who is told ---------------------------------------------------------------------------------------------------

def zone_leaders_of_committee(committee_id: int) -> list[int]:
    from flask_appbuilder.security.sqla.models import Role

    zone_id = db.session.query(Committee.zone_id).filter(Committee.id == committee_id).scalar()
    if zone_id is None:
        return []
    return [uid for (uid,) in db.session.query(PortalUser.id).filter(
        PortalUser.active.is_(True), PortalUser.zone_id == zone_id,
        PortalUser.roles.any(Role.name == ZONE_LEADER)).order_by(PortalUser.id)]


def committee_users(committee_id: int, role_name: str) -> list[int]:
    return [u.id for u in users_with_role(role_name, committee_id=committee_id)]


def notify_talks(talks, withdrawn: bool = False) -> int:
    """A talk (约谈/提醒谈话/通报批评) goes to its people: the committee's director and social workers, the
    committee's community police, or the team member named (issue 13 item 2). Flushes for the talks' ids."""
    if not talks:
        return 0
    db.session.flush()
    sent = 0
    for talk in talks:
        if talk.member_user_id is not None:
            people = [talk.member_user_id]
        elif talk.target == "police":
            # the police ladder is per officer (issue 12): the officer named, else the committee's police
            officer = getattr(talk, "police_user_id", None)
            people = [officer] if officer is not None else committee_users(talk.committee_id, COMMUNITY_POLICE)
        else:
            people = (committee_users(talk.committee_id, COMMITTEE_DIRECTOR)
                      + committee_users(talk.committee_id, SOCIAL_WORKER))
        text = f"{'撤销' if withdrawn else ''}{talk.year}年{talk.month}月{talk.kind}：{talk.to_whom}（{talk.who_talks}）"
        sent += notify_many(people, text, f"/talks/show/{talk.id}", once=True, committee_id=talk.committee_id)
    return sent


def notify_cross_check(assignment) -> int:
    """A cross-check assignment (互查) goes to the team member who will do it."""
    committee = db.session.get(Committee, assignment.committee_id)
    name = committee.name if committee is not None else ""
    return notify_many([assignment.user_id], f"{assignment.year}年{assignment.month}月互查任务：{name}居民区",
                       "/verification/cross/")
