"""Issue 16 item 3 / issue 12 item 6: crime-related leads and records. A lead is verified by the police within
RULE_CRIME_LEAD_VERIFY_DAYS or criticised; a confirmed lead earns a reward, an unconfirmed one is refused; a late
entry is criticised, a serious violent one vetoes the committee (and the people named) in the year's table; only
the police and the office see any of it."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.extensions import db
from tests.conftest import client_as

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def _report(client, committee_id, summary="住户疑似涉毒", reporter="楼组长王某"):
    return client.post("/crime/leads/report", data={"committee": committee_id, "summary": summary,
                                                     "reporter_name": reporter})


def _lead(summary):
    from app.crime.models import CrimeLead

    return db.session.scalars(select(CrimeLead).where(CrimeLead.summary == summary)).one()


def test_a_lead_not_verified_in_time_is_criticised(app, users, places, frozen_clock):
    from app.crime.models import CrimeCriticism
    from app.crime.tasks import criticise_overdue_leads

    police = client_as(app, "police_gang1")
    assert _report(police, places["钢一"]["committee"], "线索甲").status_code == 302
    assert _report(police, places["钢一"]["committee"], "线索乙").status_code == 302
    with app.app_context():
        on_time = _lead("线索乙")
        lead_id = on_time.id
    assert police.post(f"/crime/leads/verify/{lead_id}", data={"outcome": "unconfirmed"}).status_code == 302
    # Seven days (the default) pass: 线索甲 is still open.
    frozen_clock.set(dt.datetime(2026, 6, 17, 10, 1, tzinfo=SHANGHAI))
    with app.app_context():
        assert criticise_overdue_leads.run() == 1
        assert criticise_overdue_leads.run() == 0  # once
        criticism = db.session.scalars(select(CrimeCriticism)).one()
        assert criticism.lead_id == _lead("线索甲").id
        assert "钢一居民区2026年6月10日报告的涉案线索未在2026年6月17日前核查" == criticism.reason
        criticism_id = criticism.id
    page = client_as(app, "office").get("/crime/criticisms/list/").get_data(as_text=True)
    assert "未在2026年6月17日前核查" in page
    # Its notice: a criticism of the police, issued by the police station with the 平安办, citing the plan.
    from app.crime.documents import criticism_context

    with app.app_context():
        class Doc:
            params = {"criticism_id": criticism_id}
            committee_id = places["钢一"]["committee"]
        context = criticism_context(Doc())
        assert context["issuer"].startswith("上钢新村派出所")
        html = app.jinja_env.get_template  # noqa: F841 - the template renders in tests/documents


def test_a_reward_only_for_a_confirmed_lead(app, users, places):
    from app.crime.models import CrimeReward

    police = client_as(app, "police_gang1")
    _report(police, places["钢一"]["committee"], "线索丙")
    with app.app_context():
        lead_id = _lead("线索丙").id
    page = police.post(f"/crime/leads/reward/{lead_id}", follow_redirects=True).get_data(as_text=True)
    assert "只有查实的线索才能给予奖励" in page
    police.post(f"/crime/leads/verify/{lead_id}", data={"outcome": "confirmed"})
    police.post(f"/crime/leads/reward/{lead_id}")
    page = police.post(f"/crime/leads/reward/{lead_id}", follow_redirects=True).get_data(as_text=True)
    assert "该线索已给予奖励" in page
    with app.app_context():
        rewards = db.session.scalars(select(CrimeReward)).all()
        assert [(r.reporter_name, r.points, r.year) for r in rewards] == [("楼组长王某", 1, 2026)]


def test_a_lead_in_another_committee_or_about_anothers_person_is_refused(app, users, places):
    police = client_as(app, "police_gang1")
    assert _report(police, places["钢二"]["committee"], "线索丁").status_code == 400
    response = police.post("/crime/leads/report", data={
        "committee": places["钢一"]["committee"], "summary": "线索戊", "reporter_name": "某",
        "address": "钢二上南路100弄1号101室"})
    assert response.status_code == 400
    assert "本居民区没有该人员或房屋" in response.get_data(as_text=True)
    with app.app_context():
        from app.crime.models import CrimeLead

        assert db.session.query(CrimeLead).count() == 0


def test_late_entries_are_criticised_and_a_serious_violent_one_vetoes_the_year(app, users, places):
    from app.crime.models import CrimeAccountability, CrimeCriticism
    from app.models import PortalUser
    from app.monthly import service
    from app.monthly.models import CrimeLateEntry
    from app.monthly.year import year_table

    gang1, gang2 = places["钢一"]["committee"], places["钢二"]["committee"]
    with app.app_context():
        db.session.add_all([
            CrimeLateEntry(year=2026, month=3, committee_id=gang1, description="盗窃线索"),
            CrimeLateEntry(year=2026, month=4, committee_id=gang2, description="故意杀人案涉案人员",
                           serious_violent=True),
        ])
        db.session.commit()
        criticisms = db.session.scalars(select(CrimeCriticism).order_by(CrimeCriticism.id)).all()
        assert [(c.to_whom, c.year) for c in criticisms] == [("钢一居民区", 2026), ("钢二居民区", 2026)]
        record = db.session.scalars(select(CrimeAccountability)).one()
        assert record.committee_id == gang2 and record.vetoed
        record.responsible = "张三、李四"
        db.session.commit()
        office = db.session.get(PortalUser, users["street_office"])
        for month in (3, 4):
            service.approve_month(2026, month, office)
        db.session.commit()
        table = year_table(2026)
        rows = {r["committee"]: r for r in table["committees"]}
        assert rows["钢二"]["vetoed"] and not rows["钢二"]["eligible"]
        assert not rows["钢一"]["vetoed"] and rows["钢一"]["eligible"]
        assert rows["钢一"]["criticisms"] == 1 and rows["钢二"]["criticisms"] == 1
        assert set(rows["钢一"]["ranks"]) == {3, 4}
        # The vetoed committee comes after every eligible one, whatever its points.
        assert table["committees"][-1]["committee"] == "钢二"
        assert table["vetoed_people"] == ["张三", "李四"]
        # Corrected: not serious violent after all → the veto is lifted, the record kept.
        entry = db.session.scalars(select(CrimeLateEntry).where(CrimeLateEntry.serious_violent.is_(True))).one()
        entry.serious_violent = False
        db.session.commit()
        assert not {r["committee"]: r for r in year_table(2026)["committees"]}["钢二"]["vetoed"]


def test_only_the_police_and_the_office_see_crime_records(app, users, places):
    police = client_as(app, "police_gang1")
    _report(police, places["钢一"]["committee"], "线索己")
    with app.app_context():
        lead_id = _lead("线索己").id
    for username in ("sw_gang1", "zl_shanggang", "bl_gang1"):
        client = client_as(app, username)
        for url in ("/crime/leads/list/", f"/crime/leads/show/{lead_id}", "/crime/criticisms/list/",
                    "/crime/rewards/list/", "/crime/accountability/list/", "/crime/leads/report"):
            response = client.get(url)
            assert response.status_code == 403, (username, url)  # no CrimeRecord permission: the 403 page
            assert "线索己" not in response.get_data(as_text=True)
        home = client.get("/", follow_redirects=True).get_data(as_text=True)
        assert "涉案" not in home and "线索" not in home
    assert "线索己" in client_as(app, "office").get("/crime/leads/list/").get_data(as_text=True)
    assert police.get(f"/crime/leads/show/{lead_id}").status_code == 200
