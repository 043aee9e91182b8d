"""Volunteers (issue 16 item 5), trainings and meetings (item 6), the quarterly review meeting (issue 17 item 3):
scoping, points on a hand-made year, the half-yearly visits, commendations and their PDF, the training flag, bad
input refused in Chinese with nothing saved, decisions that become tasks on the assignee's home page."""
from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest

from app.extensions import db
from tests.conftest import client_as, flashed_or_errors, make_user

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def _count(app, model) -> int:
    with app.app_context():
        return db.session.query(model).count()


def _volunteer(app, committee_id, name, role="building_leader", user_id=None, phone=None):
    from app.volunteers.models import Volunteer

    with app.app_context():
        row = Volunteer(committee_id=committee_id, name=name, role=role, user_id=user_id, phone=phone)
        db.session.add(row)
        db.session.commit()
        return row.id


def _case(committee_id, house_id, reporter, *, fk=None, entered=None, withdrawn=False):
    from app.changes.models import ChangeCase

    return ChangeCase(committee_id=committee_id, house_id=house_id, kind="move_in", reported_by_name=reporter,
                      reported_by_fk=fk, collection_due=dt.datetime(2026, 1, 1), entered_at=entered,
                      stage="withdrawn" if withdrawn else ("entered" if entered else "reported"),
                      withdrawn_at=dt.datetime(2026, 3, 1) if withdrawn else None)


def test_points_on_a_hand_made_year_count_entered_reports_and_confirmed_leads_only(app, places, users):
    """王楼组长 (with an account) and 李志愿者 (without one) in 钢一: their entered reports of 2026 and confirmed
    leads of 2026 earn the rules' points; a report still open, a withdrawn one, one of 2025, a lead not confirmed,
    another committee's namesake — nothing."""
    from app.crime.models import CrimeLead
    from app.volunteers import service

    gang1, gang2 = places["钢一"]["committee"], places["钢二"]["committee"]
    house1, house2 = places["钢一"]["houses"][0], places["钢二"]["houses"][0]
    leader_account = make_user(app, "bld_gang1", "building_leader", committees=["钢一"])
    wang = _volunteer(app, gang1, "王楼组长", user_id=leader_account)
    li = _volunteer(app, gang1, "李志愿者", role="safety_volunteer")
    li2 = _volunteer(app, gang2, "李志愿者", role="safety_volunteer")
    with app.app_context():
        db.session.add_all([
            _case(gang1, house1, "王某", fk=leader_account, entered=dt.datetime(2026, 2, 3, 2)),
            _case(gang1, house1, "王某", fk=leader_account, entered=dt.datetime(2026, 5, 3, 2)),
            _case(gang1, house1, "王某", fk=leader_account),  # still open: not (yet) right
            _case(gang1, house1, "王某", fk=leader_account, withdrawn=True),
            _case(gang1, house1, "王某", fk=leader_account, entered=dt.datetime(2025, 12, 31, 15, 59)),  # 2025 locally
            _case(gang1, house1, "李志愿者", entered=dt.datetime(2026, 4, 1, 2)),
            _case(gang2, house2, "李志愿者", entered=dt.datetime(2026, 4, 1, 2)),  # 钢二's 李志愿者
        ])
        db.session.add_all([
            CrimeLead(committee_id=gang1, summary="线索", reporter_name="李志愿者", due_at=dt.datetime(2026, 3, 1),
                      state="confirmed", verified_at=dt.datetime(2026, 2, 20)),
            CrimeLead(committee_id=gang1, summary="线索", reporter_name="李志愿者", due_at=dt.datetime(2026, 3, 1),
                      state="unconfirmed", verified_at=dt.datetime(2026, 2, 20)),
            CrimeLead(committee_id=gang1, summary="线索", reporter_name="王楼组长", due_at=dt.datetime(2026, 3, 1),
                      state="open"),
        ])
        db.session.commit()
        assert service.counts(2026, [wang, li, li2]) == {wang: (2, 0), li: (1, 1), li2: (1, 0)}
        assert service.counts(2025, [wang]) == {wang: (1, 0)}
        from app.models import PortalUser

        office = db.session.get(PortalUser, users["street_office"])
        ranking = [(s.volunteer_id, s.points) for s in service.standings(2026, office)]
        # defaults: 1 point a report, 5 a confirmed lead
        assert ranking == [(li, 6), (wang, 2), (li2, 1)]
    app.config["RULE_VOLUNTEER_POINTS_LEAD"] = 0
    app.config["RULE_VOLUNTEER_POINTS_REPORT"] = 3
    with app.app_context():
        from app.settings import current_rules

        if hasattr(current_rules, "cache_clear"):
            current_rules.cache_clear()
        office = db.session.get(PortalUser, users["street_office"])
        assert [(s.volunteer_id, s.points) for s in service.standings(2026, office)] == [(wang, 6), (li, 3), (li2, 3)]


def test_the_register_and_its_lookups_are_scoped(app, places, users):
    from app.volunteers import service
    from app.volunteers.models import Volunteer

    gang1, gang2 = places["钢一"]["committee"], places["钢二"]["committee"]
    _volunteer(app, gang1, "钢一志愿者", phone="13900000001")
    theirs = _volunteer(app, gang2, "钢二志愿者", phone="13900000002")
    worker = client_as(app, "sw_gang1")
    page = worker.get("/volunteers/").get_data(as_text=True)
    assert "钢一志愿者" in page and "钢二志愿者" not in page
    assert worker.get(f"/volunteers/show/{theirs}").status_code == 404
    assert "钢二志愿者" not in worker.get("/volunteers/?q=13900000002").get_data(as_text=True)
    assert "钢二志愿者" not in worker.get("/volunteers/commendations?year=2026").get_data(as_text=True)
    assert worker.get(f"/volunteers/?committee={gang2}").status_code == 404
    with app.app_context():
        from app.models import PortalUser

        me = db.session.get(PortalUser, users["social_worker"])
        match = service.find_by_phone("13900000002", me)
        assert not match.found and match.elsewhere
        assert service.find_by_phone("13900000001", me).found
    # registering into another committee is refused, nothing saved
    before = _count(app, Volunteer)
    html = worker.post("/volunteers/add", data={"committee": gang2, "name": "钢二新人", "role": "safety_volunteer"},
                       follow_redirects=True).get_data(as_text=True)
    assert "该居民区不在您的管辖范围内。" in flashed_or_errors(html)
    assert _count(app, Volunteer) == before
    # the zone leader of 上钢 sees both (钢一 and 钢二 are in his zone), the office too
    zone = client_as(app, "zl_shanggang").get("/volunteers/").get_data(as_text=True)
    assert "钢一志愿者" in zone and "钢二志愿者" in zone


@pytest.mark.parametrize("data, message", [
    ({"name": "", "role": "safety_volunteer"}, "请填写姓名"),
    ({"name": "张三", "role": "boss"}, "请选择平安志愿者或楼组长"),
    ({"name": "张三", "role": "safety_volunteer", "phone": "12345"}, "电话号码"),
    ({"name": "=HYPERLINK()", "role": "safety_volunteer"}, "开头"),
])
def test_bad_volunteer_input_is_refused_in_chinese_and_nothing_saved(app, places, users, data, message):
    from app.volunteers.models import Volunteer

    worker = client_as(app, "sw_gang1")
    html = worker.post("/volunteers/add", data={"committee": places["钢一"]["committee"], **data},
                       follow_redirects=True).get_data(as_text=True)
    assert message in flashed_or_errors(html)
    assert _count(app, Volunteer) == 0


def _visits_to_make(client) -> int:
    import re

    home = client.get("/").get_data(as_text=True)
    return int(re.search(r'data-count="visits">\s*<span class="badge">(\d+)</span>', home).group(1))


def test_half_yearly_visits_are_planned_recorded_and_a_missed_half_shows(app, places, users, frozen_clock):
    from app.volunteers.models import VolunteerVisit

    vid = _volunteer(app, places["钢一"]["committee"], "王楼组长")
    frozen_clock.set(dt.datetime(2026, 8, 10, 10, 0, tzinfo=SHANGHAI))
    worker = client_as(app, "sw_gang1")
    page = worker.get("/volunteers/?year=2026").get_data(as_text=True)
    assert "未慰问" in page and "待慰问" in page  # the first half passed without a visit; the second is running
    assert _visits_to_make(worker) == 1  # on the home page, in the committee's waiting list
    # out of order: a visit of the second half dated in June; one in the future
    for day, message in (("2026-06-20", "日期不在该半年内"), ("2026-09-01", "日期不能晚于今天")):
        html = worker.post(f"/volunteers/visit/{vid}", data={"year": "2026", "half": "2", "step": "record",
                                                            "day": day, "visitors": "社工"},
                           follow_redirects=True).get_data(as_text=True)
        assert message in flashed_or_errors(html)
    assert _count(app, VolunteerVisit) == 0
    worker.post(f"/volunteers/visit/{vid}", data={"year": "2026", "half": "2", "step": "plan", "day": "2026-09-15"})
    worker.post(f"/volunteers/visit/{vid}", data={"year": "2026", "half": "2", "step": "record",
                                                 "day": "2026-08-09", "visitors": "居委会主任、社工"})
    with app.app_context():
        visit = db.session.query(VolunteerVisit).one()
        assert (visit.half, visit.planned_on, visit.visited_on, visit.visitors) == (
            2, dt.date(2026, 9, 15), dt.date(2026, 8, 9), "居委会主任、社工")
    page = worker.get("/volunteers/?year=2026").get_data(as_text=True)
    assert "已慰问" in page and "未慰问" in page
    assert _visits_to_make(worker) == 0


def test_commendations_are_chosen_from_the_ranking_and_printed(app, places, users, tmp_path):
    from app.documents import service as documents
    from app.volunteers.models import VolunteerCommendation

    gang1 = places["钢一"]["committee"]
    wang = _volunteer(app, gang1, "王楼组长")
    zhao = _volunteer(app, gang1, "赵志愿者", role="safety_volunteer")
    with app.app_context():
        db.session.add(_case(gang1, places["钢一"]["houses"][0], "王楼组长", entered=dt.datetime(2026, 3, 3, 2)))
        db.session.commit()
    office = client_as(app, "office")
    page = office.get("/volunteers/commendations?year=2026").get_data(as_text=True)
    assert page.index("王楼组长") < page.index("赵志愿者")
    # 赵 has no points this year: refused, nothing saved
    html = office.post("/volunteers/commend", data={"year": "2026", "volunteer": [str(wang), str(zhao)]},
                       follow_redirects=True).get_data(as_text=True)
    assert "没有积分" in flashed_or_errors(html)
    assert _count(app, VolunteerCommendation) == 0
    # a social worker may not commend
    assert client_as(app, "sw_gang1").post("/volunteers/commend", data={"year": "2026", "volunteer": str(wang)}
                                           ).status_code == 403
    assert _count(app, VolunteerCommendation) == 0
    office.post("/volunteers/commend", data={"year": "2026", "volunteer": str(wang)})
    assert _count(app, VolunteerCommendation) == 1
    response = office.post("/volunteers/commendations/pdf", data={"year": "2026"})
    assert response.status_code == 302
    with app.app_context():
        from app.documents.models import Document

        document = db.session.query(Document).filter_by(kind="volunteer_commendations").one()
        assert document.state == "done", (document.error_code, document.error_detail)
        data = (documents.documents_dir() / document.file_path).read_bytes()
    assert data.startswith(b"%PDF-")
    if shutil.which("pdftotext"):
        path = tmp_path / "list.pdf"
        path.write_bytes(data)
        text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True).stdout
        assert "2026年度楼组长、平安志愿者表彰名单" in text
        assert "王楼组长" in text and "钢一" in text and "赵志愿者" not in text


# -- trainings -------------------------------------------------------------------------------------------------------

def _zone(app, code):
    from app.models import Zone

    with app.app_context():
        return db.session.query(Zone.id).filter_by(code=code).scalar()


def test_a_training_needs_attendees_of_the_zone_and_a_past_date(app, places, users):
    from app.meetings.models import Training

    zone = _zone(app, "shanggang")
    member = make_user(app, "tm_shanggang", "team_member", zone_code="shanggang")
    stranger = make_user(app, "tm_jiyang", "team_member", zone_code="jiyang")
    leader = client_as(app, "zl_shanggang")
    cases = [
        ({"attendee": []}, "培训至少须有一名参加人员"),
        ({"attendee": [str(stranger)]}, "本片区的工作人员"),
        ({"attendee": [str(member)], "held_on": "2026-07-01"}, "日期不能晚于今天"),
        ({"attendee": [str(member)], "topic": ""}, "请填写培训内容"),
    ]
    for extra, message in cases:
        data = {"zone": str(zone), "held_on": "2026-05-20", "topic": "核查业务培训", **extra}
        html = leader.post("/trainings/add", data=data, follow_redirects=True).get_data(as_text=True)
        assert message in flashed_or_errors(html), message
    assert _count(app, Training) == 0
    # another zone's training is refused
    html = leader.post("/trainings/add", data={"zone": str(_zone(app, "jiyang")), "held_on": "2026-05-20",
                                               "topic": "x", "attendee": [str(stranger)]},
                       follow_redirects=True).get_data(as_text=True)
    assert "这不是您的片区。" in flashed_or_errors(html)
    assert _count(app, Training) == 0
    response = leader.post("/trainings/add", data={"zone": str(zone), "held_on": "2026-05-20", "topic": "核查业务培训",
                                                   "attendee": [str(member), str(users["zone_leader"])]})
    assert response.status_code == 302
    with app.app_context():
        training = db.session.query(Training).one()
        assert {a.user_id for a in training.attendees} == {member, users["zone_leader"]}


def test_materials_are_kept_size_limited_and_scoped(app, places, users):
    import io

    from app.meetings.models import TrainingMaterial

    zone = _zone(app, "shanggang")
    leader = client_as(app, "zl_shanggang")
    leader.post("/trainings/add", data={"zone": str(zone), "held_on": "2026-05-20", "topic": "培训",
                                        "attendee": [str(users["zone_leader"])]})
    from app.meetings.models import Training

    with app.app_context():
        tid = db.session.query(Training.id).scalar()
    app.config["MATERIAL_MAX_MB"] = 1
    html = leader.post(f"/trainings/upload/{tid}", data={"file": (io.BytesIO(b"x" * (1024 * 1024 + 1)), "讲义.pdf")},
                       content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert "文件超过1 MB" in flashed_or_errors(html)
    html = leader.post(f"/trainings/upload/{tid}", data={"file": (io.BytesIO(b"<script>"), "page.html")},
                       content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert "只能保存以下类型的文件" in flashed_or_errors(html)
    assert _count(app, TrainingMaterial) == 0
    leader.post(f"/trainings/upload/{tid}", data={"file": (io.BytesIO(b"%PDF-1.4 slides"), "讲义.pdf")},
                content_type="multipart/form-data")
    with app.app_context():
        mid = db.session.query(TrainingMaterial.id).scalar()
    response = leader.get(f"/trainings/material/{mid}")
    assert response.status_code == 200 and response.data == b"%PDF-1.4 slides"
    assert "attachment" in response.headers["Content-Disposition"]
    # a zone leader of 济阳 neither sees the training nor fetches its material
    make_user(app, "zl_jiyang", "zone_leader", zone_code="jiyang")
    other = client_as(app, "zl_jiyang")
    assert other.get(f"/trainings/show/{tid}").status_code == 404
    assert other.get(f"/trainings/material/{mid}").status_code == 404


def test_a_zone_below_two_trainings_is_flagged_from_the_last_quarter(app, places, users, frozen_clock):
    from app.domain.volunteers import trainings_flagged
    from app.meetings.models import Training, TrainingAttendee

    assert not trainings_flagged(1, 2026, dt.date(2026, 9, 30))
    assert trainings_flagged(1, 2026, dt.date(2026, 10, 1))
    assert not trainings_flagged(2, 2026, dt.date(2026, 12, 31))
    assert trainings_flagged(0, 2025, dt.date(2026, 3, 1))  # a past year that ended short
    zone = _zone(app, "shanggang")
    with app.app_context():
        training = Training(zone_id=zone, held_on=dt.date(2026, 4, 2), topic="培训")
        training.attendees = [TrainingAttendee(user_id=users["zone_leader"], name="组长")]
        db.session.add(training)
        db.session.commit()
    office = client_as(app, "office")
    frozen_clock.set(dt.datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI))
    assert 'class="flag"' not in office.get("/trainings/?year=2026").get_data(as_text=True)
    frozen_clock.set(dt.datetime(2026, 10, 8, 10, 0, tzinfo=SHANGHAI))
    page = office.get("/trainings/?year=2026").get_data(as_text=True)
    assert page.count('class="flag"') == 3  # every zone: 上钢 has one, the others none
    app.config["RULE_TRAININGS_PER_ZONE_PER_YEAR"] = 1
    from app.settings import current_rules

    if hasattr(current_rules, "cache_clear"):
        current_rules.cache_clear()
    assert client_as(app, "office").get("/trainings/?year=2026").get_data(as_text=True).count('class="flag"') == 2


# -- meetings --------------------------------------------------------------------------------------------------------

def _review(committee_id, **extra):
    data = {"kind": "quarterly_review", "held_on": "2026-06-09", "title": "第二季度分析会", "committee": str(committee_id),
            "year": "2026", "quarter": "2", "attendance": "社区民警、社工、楼组长12人", "minutes": "分析本季度核查情况",
            "decision_0": "补查3号楼", "task_0": "1", "committee_0": str(committee_id), "due_0": "2026-06-20"}
    data.update(extra)
    return data


@pytest.mark.parametrize("extra, message", [
    ({"committee_0": "", "assignee_0": ""}, "任务须指定责任单位"),
    ({"due_0": "2026-06-01"}, "不能早于会议日期"),
    ({"quarter": "3"}, "不能早于该季度开始"),
    ({"attendance": ""}, "请填写参会人员"),
    ({"held_on": "2026-06-30"}, "日期不能晚于今天"),
])
def test_bad_meeting_input_is_refused_in_chinese_and_nothing_saved(app, places, users, extra, message):
    from app.meetings.models import Meeting, MeetingDecision
    from app.notifications.models import Notification

    html = client_as(app, "sw_gang1").post("/meetings/add", data=_review(places["钢一"]["committee"], **extra),
                                           follow_redirects=True).get_data(as_text=True)
    assert message in flashed_or_errors(html)
    assert _count(app, Meeting) == 0 and _count(app, MeetingDecision) == 0 and _count(app, Notification) == 0


def test_a_review_meeting_task_is_notified_shown_at_home_done_and_printed_in_the_pack(app, places, users, tmp_path):
    from app.documents import service as documents
    from app.meetings.models import Meeting, MeetingDecision
    from app.notifications.models import Notification

    gang1 = places["钢一"]["committee"]
    director = make_user(app, "dir_gang1", "committee_director", committees=["钢一"])
    police = client_as(app, "police_gang1")
    response = police.post("/meetings/add", data=_review(gang1, decision_1="下季度重点核查出租房", task_1="1",
                                                         assignee_1=str(users["social_worker"]), due_1=""))
    assert response.status_code == 302
    with app.app_context():
        meeting = db.session.query(Meeting).one()
        decisions = db.session.query(MeetingDecision).order_by(MeetingDecision.id).all()
        assert [(d.committee_id, d.assignee_user_id, d.due_on) for d in decisions] == [
            (gang1, None, dt.date(2026, 6, 20)), (None, users["social_worker"], dt.date(2026, 6, 23))]
        told = {n.user_id for n in db.session.query(Notification)}
        assert {director, users["social_worker"]} <= told and users["block_leader"] not in told
    worker = client_as(app, "sw_gang1")
    home = worker.get("/").get_data(as_text=True)
    assert 'id="home-tasks"' in home and "补查3号楼" in home and "下季度重点核查出租房" in home
    assert "补查3号楼" not in client_as(app, "bl_gang1").get("/").get_data(as_text=True)
    # 钢二's staff see neither the meeting nor its tasks
    make_user(app, "sw_gang2", "social_worker", committees=["钢二"])
    other = client_as(app, "sw_gang2")
    assert other.get(f"/meetings/show/{meeting.id}").status_code == 404
    assert "第二季度分析会" not in other.get("/meetings/").get_data(as_text=True)
    assert other.post(f"/meetings/done/{decisions[0].id}").status_code == 404
    # the review of the same quarter cannot be recorded twice
    html = police.post("/meetings/add", data=_review(gang1), follow_redirects=True).get_data(as_text=True)
    assert "已登记" in flashed_or_errors(html)
    worker.post(f"/meetings/done/{decisions[0].id}", data={"note": "已补查"})
    home = worker.get("/").get_data(as_text=True)
    assert "补查3号楼" not in home and "下季度重点核查出租房" in home
    # the quarterly review pack prints the recorded meeting instead of the blank
    # requested from the meeting's page, for the meeting's committee and quarter
    assert police.post(f"/meetings/pack/{meeting.id}").status_code == 302
    assert other.post(f"/meetings/pack/{meeting.id}").status_code == 404
    with app.app_context():
        from app.documents.models import Document

        document = db.session.query(Document).filter_by(kind="quarterly_review").one()
        assert (document.committee_id, document.params) == (gang1, {"year": 2026, "quarter": 2})
        assert document.state == "done", (document.error_code, document.error_detail)
        data = (documents.documents_dir() / document.file_path).read_bytes()
    if shutil.which("pdftotext"):
        path = tmp_path / "review.pdf"
        path.write_bytes(data)
        text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True).stdout
        assert "社区民警、社工、楼组长12人" in text and "补查3号楼" in text and "已完成" in text


def test_leading_group_meetings_are_the_offices_and_joint_meetings_span_their_committees(app, places, users):
    from app.meetings.models import Meeting

    gang1, gang2 = places["钢一"]["committee"], places["钢二"]["committee"]
    html = client_as(app, "sw_gang1").post("/meetings/add", data={
        "kind": "leading_group", "held_on": "2026-06-01", "title": "领导小组会议", "attendance": "组长、副组长"},
        follow_redirects=True).get_data(as_text=True)
    assert "由街道人口办登记" in flashed_or_errors(html)
    office = client_as(app, "office")
    office.post("/meetings/add", data={"kind": "leading_group", "held_on": "2026-06-01", "title": "第一次全体会议",
                                       "attendance": "组长、副组长", "decision_0": "各居民区补齐AB角", "task_0": "1",
                                       "committee_0": str(gang2)})
    office.post("/meetings/add", data={"kind": "joint", "held_on": "2026-06-02", "title": "区块联席会议",
                                       "block_name": "上南大区块", "committee": [str(gang1), str(gang2)],
                                       "attendance": "两居民区工作站"})
    assert _count(app, Meeting) == 2
    page = client_as(app, "sw_gang1").get("/meetings/").get_data(as_text=True)
    assert "区块联席会议" in page and "第一次全体会议" not in page
    assert "第一次全体会议" in office.get("/meetings/").get_data(as_text=True)
