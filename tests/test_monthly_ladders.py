"""Issue 12: the talk ledger (约谈台账) is a function of the year's approved months, whatever the order of approval;
an unlock, a correction and a re-approval move a talk (the old one is kept, superseded, its notice withdrawn);
ties for last share the place; a month with nothing recorded creates no talk but tells the office; the team
ladder ranks only team members who worked; the police ladder counts per officer across his committees."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from tests.conftest import make_user
from tests.test_monthly import _committee, _persons, _record

AFTER_YEAR = dt.datetime(2026, 1, 5, 2, 0, tzinfo=dt.timezone.utc)
# Who is last, by month: a late crime-related entry (−5) makes a committee last among committees that all
# checked one person correctly; 钢五 is penalised in April too but checked two persons, so 钢三 stays last.
# March: 钢一 and 德一 tie for last. May and June: nothing recorded anywhere.
PENALISED = {1: ["钢三"], 2: ["钢二"], 3: ["钢一", "德一"], 4: ["钢三", "钢五"], 7: ["钢三"]}
APPROVAL_ORDER = [7, 3, 1, 5, 6, 4, 2]


@pytest.fixture()
def year(app, users):
    from app.models import Committee
    from app.monthly.models import CrimeLateEntry

    ids = {
        "duo": make_user(app, "police_duo", "community_police", committees=["钢二", "钢三"]),
        "tm_a": make_user(app, "tm_a", "team_member", zone_code="shanggang"),
        "tm_b": make_user(app, "tm_b", "team_member", zone_code="shanggang"),
        "tm_idle": make_user(app, "tm_idle", "team_member", zone_code="shanggang"),
        **users,
    }
    with app.app_context():
        committees = db.session.query(Committee).order_by(Committee.seq).all()
        people = _persons(len(committees) + 1)
        records = []
        for month, names in PENALISED.items():
            for i, c in enumerate(committees):
                # tm_a records 12 checks a month, tm_b 11 (so tm_b is the team's last), the office the rest.
                by = ids["tm_a"] if i < 12 else ids["tm_b"] if i < 23 else ids["street_office"]
                records.append(_record(c.id, people[i], dt.date(2025, month, 3), "correct", by))
            if month == 4:
                records.append(_record(_committee("钢五").id, people[-1], dt.date(2025, 4, 4), "correct",
                                       ids["street_office"]))
            for name in names:
                db.session.add(CrimeLateEntry(year=2025, month=month, committee_id=_committee(name).id,
                                              description="涉案线索未及时录入"))
        # The office recorded the most of all in January: it is not a team member and is never ranked.
        records += [_record(_committee("钢一").id, pid, dt.date(2025, 1, 20), "correct", ids["street_office"])
                    for pid in _persons(30, start=500)]
        db.session.add_all(records)
        db.session.commit()
    return ids


def _ledger(active_only=True):
    from app.monthly.models import Talk

    query = db.session.query(Talk).filter(Talk.year == 2025)
    if active_only:
        query = query.filter(Talk.superseded_at.is_(None))
    return sorted((t.month, t.target, t.committee.name if t.committee else t.member_name, t.police_user_id,
                   t.times_last, t.rung) for t in query)


def _approve(app, users, months):
    from app.models import PortalUser
    from app.monthly import service

    office = db.session.get(PortalUser, users["street_office"])
    for month in months:
        service.approve_month(2025, month, office, now=AFTER_YEAR)
    return office


def test_shuffled_approval_gives_the_talks_of_the_plan(app, year):
    from app.monthly import service

    with app.app_context():
        _approve(app, year, APPROVAL_ORDER)
        ledger = _ledger()
        duo, police_gang1 = year["duo"], year["police"]
        assert [t for t in ledger if t[1] == "committee"] == [
            (1, "committee", "钢三", None, 1, 1), (2, "committee", "钢二", None, 1, 1),
            (3, "committee", "德一", None, 1, 1), (3, "committee", "钢一", None, 1, 1),  # tied: both last
            (4, "committee", "钢三", None, 2, 2), (7, "committee", "钢三", None, 3, 3)]
        # The officer of 钢二 and 钢三 climbs across both: reminder, talk, criticism, criticism.
        assert [(m, times, rung) for m, target, _c, officer, times, rung in ledger
                if target == "police" and officer == duo] == [(1, 1, 1), (2, 2, 2), (4, 3, 3), (7, 4, 3)]
        assert [(m, times) for m, target, _c, officer, times, _r in ledger
                if target == "police" and officer == police_gang1] == [(3, 1)]
        # 德一 has no officer on record: its police talk still exists, unnamed.
        assert (3, "police", "德一", None, 1, 1) in ledger
        # Only team members who worked are ranked: tm_b is last every active month, never the office.
        assert [(m, name, times, rung) for m, target, name, _o, times, rung in ledger if target == "member"] == [
            (1, "tm_b测试", 1, 1), (2, "tm_b测试", 2, 2), (3, "tm_b测试", 3, 2), (4, "tm_b测试", 4, 2),
            (7, "tm_b测试", 5, 2)]
        members = service.month_data(2025, 1)["members"]
        assert {m["member_id"] for m in members} == {year["tm_a"], year["tm_b"]}
        # The ledger is what the months in order call for: recomputing it changes nothing. (Approving July
        # before April superseded July's first talk on the way; it is kept, marked, and not in force.)
        assert service.recompute_ladders(2025, "检查") == {"created": [], "superseded": []}
        assert len(_ledger(active_only=False)) > len(ledger)


def test_a_month_with_nothing_recorded_creates_no_talk_but_tells_the_office(app, year):
    from app.changes.models import Notification
    from app.monthly import service

    with app.app_context():
        _approve(app, year, [5])
        assert service.month_talks(2025, 5) == []
        notes = db.session.scalars(select(Notification).where(
            Notification.user_id == year["street_office"],
            Notification.link == "/monthly/month/2025-05")).all()
        assert len(notes) == 1 and "没有" in notes[0].text


def test_unlock_correct_and_reapprove_moves_the_talk(app, year):
    from app.documents import jobs
    from app.documents import service as documents
    from app.models import PortalUser
    from app.monthly import service
    from app.monthly.models import Talk

    with app.app_context():
        office = _approve(app, year, APPROVAL_ORDER)
        april = db.session.query(Talk).filter_by(year=2025, month=4, target="committee",
                                                 superseded_at=None).one()
        assert april.committee.name == "钢三" and april.rung == 2
        # 钢三's April checks were not all entered: the office unlocks, the records are added, it approves again.
        gang3 = _committee("钢三").id
        service.unlock_month(2025, 4, gang3, "补录漏登的核查记录", office)
        db.session.add_all([_record(gang3, pid, dt.date(2025, 4, 10), "correct", year["tm_a"])
                            for pid in _persons(2, start=900)])
        db.session.commit()
        office = db.session.get(PortalUser, year["street_office"])
        service.approve_month(2025, 4, office, now=AFTER_YEAR)
        ledger = _ledger()
        # April's talk moves to 钢五 (first time last); 钢三's July talk comes down to the 2nd time.
        assert [t for t in ledger if t[1] == "committee"] == [
            (1, "committee", "钢三", None, 1, 1), (2, "committee", "钢二", None, 1, 1),
            (3, "committee", "德一", None, 1, 1), (3, "committee", "钢一", None, 1, 1),
            (4, "committee", "钢五", None, 1, 1), (7, "committee", "钢三", None, 2, 2)]
        old = db.session.get(Talk, april.id)
        assert old.superseded_at is not None and "2025年4月更正后重新审核" in old.superseded_reason
        assert [(m, times) for m, target, _c, officer, times, _r in ledger
                if target == "police" and officer == year["duo"]] == [(1, 1), (2, 2), (7, 3)]
        # The old talk's notice is withdrawn: printing it says so, and it is no longer an invitation.
        notice = jobs.request_document("talk_notice", old.committee_id, office, params={"talk_id": old.id})
        assert notice.state == "done", notice.error_detail
        from tests.test_monthly import _pdf_checks

        data = documents.document_file(notice).read_bytes()
        text = _pdf_checks(data)[2]
        assert "撤销" in text and "请准时参加" not in text
        # Every notice cites the plan by its own title; police talks are issued by the police station.
        for talk in db.session.query(Talk).filter(Talk.superseded_at.is_(None), Talk.committee_id.isnot(None)):
            doc = jobs.request_document("talk_notice", talk.committee_id, office, params={"talk_id": talk.id})
            pdf = documents.document_file(doc).read_bytes()
            printed = _pdf_checks(pdf)[2].replace("\n", "")
            assert "《上钢新村街道关于进一步加强人口服务和管理工作的实施方案》" in printed
            assert "+" not in printed
            assert ("上钢新村派出所" in printed) == (talk.target == "police")
            assert ("请准时参加" in printed) == (talk.kind != "通报批评")
            if os.environ.get("MONTHLY_PDF_DIR"):
                (Path(os.environ["MONTHLY_PDF_DIR"]) / f"notice_{talk.target}_{talk.rung}.pdf").write_bytes(pdf)
        if os.environ.get("MONTHLY_PDF_DIR"):
            (Path(os.environ["MONTHLY_PDF_DIR"]) / "notice_withdrawn.pdf").write_bytes(data)
        # The bulletin of April prints the talk in force only.
        assert [t.committee.name for t in service.month_talks(2025, 4) if t.target == "committee"] == ["钢五"]
        assert len(service.month_talks(2025, 4, include_superseded=True)) > len(service.month_talks(2025, 4))


def test_an_unregistered_person_found_twice_counts_once(app, users):
    """附件2, the ranking and the coverage page count a person once per committee per month, keyed by person or by
    the normalised ID number (the table and the coverage page used to disagree)."""
    from app.domain.idnumber import make_id_number
    from app.monthly import service
    from app.verification.models import VerificationRecord
    from app.verification.service.queries import monthly_counts

    with app.app_context():
        gang1 = _committee("钢一").id
        office = users["street_office"]
        # A number ending in X: written with a lower-case x (and a space) it is still the same person.
        number = next(n for n in (make_id_number("310115", dt.date(1990, 2, 3), s) for s in range(1000))
                      if n.endswith("X"))
        first = _record(gang1, None, dt.date(2025, 3, 4), "should_register", office, found=number)
        second = _record(gang1, None, dt.date(2025, 3, 20), "should_register", office,
                         found=" " + number.lower())
        db.session.add_all([first, second])
        db.session.commit()

        def counts():
            fast = service.live_table(2025, 3).to_json_dict()["rows"][0]
            direct = service.live_table(2025, 3, direct=True).to_json_dict()["rows"][0]
            assert fast == direct
            assert monthly_counts(2025, 3).get(gang1, 0) == fast["total"]
            return fast["total"], fast["should_register"]

        assert counts() == (1, 1)  # found twice, counted once
        # A correction: the later record was someone else: two persons.
        db.session.get(VerificationRecord, second.id).found_id_number = make_id_number(
            "310115", dt.date(1991, 5, 6), 12)
        db.session.commit()
        assert counts() == (2, 2)
        db.session.delete(db.session.get(VerificationRecord, first.id))
        db.session.commit()
        assert counts() == (1, 1)
