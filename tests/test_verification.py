"""Door-to-door verification (issue 6): marks, refusals, findings becoming cases, roster, cross checks, coverage,
self-declaration, window cases and the QR poster."""
from __future__ import annotations

import datetime as dt
import re
import time

import pytest

from app.domain import clock
from sqlalchemy import func, select

from app.domain.idnumber import make_id_number
from app.extensions import db
from app.models import Committee, Person, PortalUser, Residence
from app.verification.service import cross_checks, marking, queries, reach, roster
from app.verification.models import (
    CrossCheckAssignment,
    RosterShift,
    SelfDeclaration,
    VerificationRecord,
    WindowApplicant,
)
from tests.conftest import client_as, flashed_or_errors, make_user

JSON = {"X-Requested-With": "fetch", "Accept": "application/json"}


@pytest.fixture()
def team(app, users):
    return {
        "member": make_user(app, "tm_shanggang", "team_member", zone_code="shanggang"),
        "member_jiyang": make_user(app, "tm_jiyang", "team_member", zone_code="jiyang"),
        **users,
    }


@pytest.fixture()
def residents(app, places):
    """Two persons living in 钢一's first house, one in 钢二's."""
    ids = {}
    with app.app_context():
        for key, committee, n in (("a", "钢一", 1), ("b", "钢一", 2), ("c", "钢二", 3)):
            person = Person(name=f"{committee}住户{n}", id_number=make_id_number("310115", dt.date(1970, 1, n), 11 + n),
                            category="shanghai_household")
            db.session.add(person)
            db.session.flush()
            db.session.add(Residence(person_id=person.id, house_id=places[committee]["houses"][0],
                                     start_date=dt.date(2020, 1, 1)))
            ids[key] = person.id
        db.session.commit()
    return ids


def _count(app, model=VerificationRecord):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_a_tap_marks_a_person_once_and_answers_json(app, places, team, residents):
    client = client_as(app, "tm_shanggang")
    page = client.get(f"/verification/sweep/building/{places['钢一']['building']}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "钢一住户1" in html and "钢二" not in html
    started = time.perf_counter()
    res = client.post("/verification/sweep/mark", data={"person": residents["a"], "result": "correct"}, headers=JSON)
    assert res.status_code == 200 and res.get_json()["ok"] is True
    assert time.perf_counter() - started < 1.0
    again = client.post("/verification/sweep/mark", data={"person": residents["a"], "result": "should_cancel"},
                        headers=JSON)
    assert again.status_code == 409
    assert again.get_json() == {"ok": False, "code": "already_marked", "message": "此人今天已核查过，未重复记录。"}
    assert _count(app) == 1
    with app.app_context():
        record = db.session.scalars(select(VerificationRecord)).one()
        assert record.result == "correct" and record.kind == "monthly"
        assert record.committee_id == places["钢一"]["committee"] and record.house_id == places["钢一"]["houses"][0]
        assert record.on_roster is False  # no roster yet: allowed, flagged


def test_the_database_refuses_a_duplicate_even_past_the_check(app, places, team, residents):
    from sqlalchemy.exc import IntegrityError

    with app.app_context():
        row = dict(checked_on=dt.date(2026, 3, 4), checked_at=dt.datetime(2026, 3, 4, 2), committee_id=places["钢一"]["committee"],
                   person_id=residents["a"], result="correct", kind="monthly", recorded_by_fk=team["member"])
        db.session.add(VerificationRecord(**row))
        db.session.commit()
        db.session.add(VerificationRecord(**row))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        db.session.add(VerificationRecord(**{**row, "kind": "cross"}))  # another kind the same day is fine
        db.session.commit()


def test_no_js_fallback_posts_and_redirects(app, places, team, residents):
    client = client_as(app, "tm_shanggang")
    res = client.post("/verification/sweep/mark", data={"person": residents["b"], "result": "correct",
                                                         "building": places["钢一"]["building"]})
    assert res.status_code == 302 and f"/verification/sweep/building/{places['钢一']['building']}" in res.location


def test_should_cancel_opens_a_move_out_case_linked_to_the_record(app, places, team, residents):
    from app.changes.models import ChangeCase

    client = client_as(app, "tm_shanggang")
    res = client.post("/verification/sweep/mark", data={"person": residents["b"], "result": "should_cancel"},
                      headers=JSON)
    body = res.get_json()
    assert body["ok"] and body["case"]
    with app.app_context():
        case = db.session.get(ChangeCase, body["case"])
        assert case.kind == "move_out" and case.person_id == residents["b"] and case.source == "verification"


def test_found_not_registered_validates_the_id_and_opens_a_move_in_case(app, places, team):
    from app.changes.models import ChangeCase

    client = client_as(app, "tm_shanggang")
    house = places["钢一"]["houses"][1]
    good = make_id_number("310115", dt.date(1995, 5, 5), 123)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    res = client.post("/verification/sweep/found", data={"house": house, "name": "新来人", "id_number": bad},
                      headers=JSON)
    assert res.status_code == 400 and "校验" in res.get_json()["message"]
    assert _count(app) == 0
    res = client.post("/verification/sweep/found", data={"house": house, "name": "新来人", "id_number": good},
                      headers=JSON)
    body = res.get_json()
    assert body["ok"], body
    assert "1995-05-05" in body["message"]
    with app.app_context():
        record = db.session.get(VerificationRecord, body["record"])
        assert record.person_id is None and record.found_id_number == good and record.result == "should_register"
        case = db.session.get(ChangeCase, record.change_case_id)
        assert case.kind == "move_in" and case.house_id == house
    again = client.post("/verification/sweep/found", data={"house": house, "name": "新来人", "id_number": good},
                        headers=JSON)
    assert again.status_code == 409
    assert _count(app) == 1


def test_verifying_outside_scope_is_refused_in_chinese(app, places, team, residents):
    client = client_as(app, "tm_jiyang")  # 济阳 zone: 钢一 is not his
    res = client.post("/verification/sweep/mark", data={"person": residents["a"], "result": "correct"}, headers=JSON)
    assert res.status_code == 400 and res.get_json()["code"] == "out_of_scope"
    assert client.get(f"/verification/sweep/building/{places['钢一']['building']}").status_code == 404
    assert _count(app) == 0
    # a social worker reads but does not verify
    worker = client_as(app, "sw_gang1")
    assert worker.post("/verification/sweep/mark", data={"person": residents["a"], "result": "correct"}).status_code \
        in (302, 403)
    assert _count(app) == 0


def test_an_assigned_cross_check_is_the_one_exception(app, places, team, residents):
    with app.app_context():
        member = db.session.get(PortalUser, team["member_jiyang"])
        march = dt.date(2026, 3, 4)
        assert reach.may_verify(member, places["钢一"]["committee"], march) is False
        db.session.add(CrossCheckAssignment(user_id=member.id, committee_id=places["钢一"]["committee"], year=2026,
                                            month=3))
        db.session.commit()
        assert reach.may_verify(member, places["钢一"]["committee"], march) is True
        assert reach.may_verify(member, places["钢一"]["committee"], dt.date(2026, 4, 1)) is False  # not that month
        assert reach.may_verify(member, places["钢二"]["committee"], march) is False  # not that committee
        record = marking.mark_person(member, residents["a"], "correct", team=marking.Team(shift="day"), day=march)
        db.session.commit()
        assert record.kind == "cross"
        # counted apart: not in the monthly count, but in the mutual-inspection summary
        assert queries.monthly_counts(2026, 3).get(places["钢一"]["committee"], 0) == 0
        row = next(r for r in cross_checks.cross_check_summary(2026) if r["committee_id"] == places["钢一"]["committee"])
        assert row["cross"]["total"] == 1 and row["cross"]["accuracy"] == 1.0


def test_cross_check_assignment_to_own_zone_is_refused(app, places, team):
    leader = client_as(app, "zl_shanggang")
    with app.app_context():
        from app.models import Committee

        jiyang = db.session.scalar(select(Committee.id).where(Committee.name == "济一"))
    year = clock.local_today().year
    res = leader.post("/verification/cross/assign", data={"member": team["member"], "committee":
                                                          places["钢二"]["committee"], "year": year, "month": 3},
                      follow_redirects=True)
    assert "交叉核查必须在其他片区进行：该居民区属于队员本片区。" in flashed_or_errors(res.get_data(as_text=True))
    assert _count(app, CrossCheckAssignment) == 0
    res = leader.post("/verification/cross/assign", data={"member": team["member"], "committee": jiyang,
                                                          "year": year, "month": 4}, follow_redirects=True)
    assert _count(app, CrossCheckAssignment) == 0  # April is no cross-check month
    leader.post("/verification/cross/assign", data={"member": team["member"], "committee": jiyang, "year": year,
                                                    "month": 9})
    assert _count(app, CrossCheckAssignment) == 1
    assert leader.get(f"/verification/cross/?year={year}").status_code == 200


def test_roster_marks_records_on_roster(app, places, team, residents):
    leader = client_as(app, "zl_shanggang")
    with app.app_context():
        day = reach.local_today()
        zone_id = db.session.get(Committee, places["钢一"]["committee"]).zone_id
    row = f"{day.isoformat()}/day"
    res = leader.post("/verification/roster/save", data={"zone": zone_id, "month": f"{day:%Y-%m}", "row": [row],
                                                         f"members/{row}": [team["member"]]})
    assert res.status_code == 302
    assert _count(app, RosterShift) == 1
    assert leader.get(f"/verification/roster/?zone={zone_id}&month={day:%Y-%m}").status_code == 200
    member = client_as(app, "tm_shanggang")
    member.post("/verification/sweep/team", data={"shift": "day", "committee": places["钢一"]["committee"]})
    body = member.post("/verification/sweep/mark", data={"person": residents["a"], "result": "correct"},
                       headers=JSON).get_json()
    assert body["on_roster"] is True
    member.post("/verification/sweep/team", data={"shift": "night"})
    body = member.post("/verification/sweep/mark", data={"person": residents["b"], "result": "correct"},
                       headers=JSON).get_json()
    assert body["on_roster"] is False
    # a team member cannot plan the roster
    assert member.post("/verification/roster/save", data={"zone": zone_id, "month": f"{day:%Y-%m}",
                                                           "row": [f"{day.isoformat()}/night"]}).status_code == 403
    assert _count(app, RosterShift) == 1


def test_verification_days_are_wednesdays_and_fridays(app):
    with app.app_context():
        days = roster.verification_days(2026, 3)
    assert days[0] == dt.date(2026, 3, 4) and all(d.weekday() in (2, 4) for d in days) and len(days) == 8


def test_coverage_and_unvisited_houses(app, places, team, residents):
    member = client_as(app, "tm_shanggang")
    member.post("/verification/sweep/mark", data={"person": residents["a"], "result": "correct"}, headers=JSON)
    with app.app_context():
        rows = queries.coverage(reach.local_today().year)
        row = next(r for r in rows if r["committee_id"] == places["钢一"]["committee"])
        assert row["houses"] == 2 and row["houses_seen"] == 1 and row["house_share"] == 0.5
        assert row["persons"] == 2 and row["persons_seen"] == 1 and row["checked"] == 1 and row["under_quota"]
        total, unvisited = queries.unvisited_houses(places["钢一"]["committee"], reach.local_today().year)
        assert total == 1 and unvisited[0]["id"] == places["钢一"]["houses"][1]
    worker = client_as(app, "sw_gang1")
    page = worker.get("/verification/coverage/").get_data(as_text=True)
    assert "钢一" in page and "钢二" not in page
    assert worker.get(f"/verification/coverage/{places['钢二']['committee']}/unvisited").status_code == 404
    assert worker.get(f"/verification/coverage/{places['钢一']['committee']}/unvisited").status_code == 200


def test_public_self_declaration_and_its_check(app, places, team, residents):
    from app.changes.models import ChangeCase
    from app.verification.public import committee_token

    public = app.test_client()
    with app.app_context():
        token = committee_token(places["钢一"]["committee"])
    page = public.get(f"/declare/{token}")
    assert page.status_code == 200 and "钢一住户" not in page.get_data(as_text=True)
    assert public.get("/declare/0000000000000000").status_code == 404
    houses = public.get(f"/declare/{token}/houses?q=101").get_json()["results"]
    assert houses and all("钢一" in h["text"] for h in houses)
    assert public.get(f"/declare/{token}/houses?q=钢二").get_json()["results"] == []
    house = places["钢一"]["houses"][0]
    bad = public.post(f"/declare/{token}", data={"name": "某人", "id_number": "310115199001011234", "house": house})
    assert bad.status_code == 400 and "身份证" in bad.get_data(as_text=True)
    with app.app_context():
        matching = db.session.get(Person, residents["a"]).id_number
        elsewhere = db.session.get(Person, residents["c"]).id_number
    newcomer = make_id_number("310115", dt.date(2001, 1, 1), 55)
    for name, number in (("住户1", matching), ("住户3", elsewhere), ("新人", newcomer)):
        res = public.post(f"/declare/{token}", data={"name": name, "id_number": number, "house": house,
                                                      "move_in_date": "2026-01-01"})
        assert res.status_code == 200, res.get_data(as_text=True)
    assert _count(app, SelfDeclaration) == 3
    worker = client_as(app, "sw_gang1")
    queue = worker.get("/verification/workstation/declarations").get_data(as_text=True)
    assert "新人" in queue
    with app.app_context():
        ids = db.session.scalars(select(SelfDeclaration.id).order_by(SelfDeclaration.id)).all()
    for pk in ids:
        assert worker.post(f"/verification/workstation/declarations/{pk}/process").status_code == 302
    with app.app_context():
        rows = db.session.scalars(select(SelfDeclaration).order_by(SelfDeclaration.id)).all()
        # 住户3 is registered in 钢二: his declaration went to 钢二's workstation, nothing opened from 钢一
        assert [r.status for r in rows] == ["matched", "forwarded", "register_case", "pending"]
        assert rows[3].committee_id == places["钢二"]["committee"] and rows[3].forwarded_from_id == rows[1].id
        assert rows[1].change_case_id is None and rows[1].verification_record_id is None
        assert db.session.get(VerificationRecord, rows[0].verification_record_id).result == "correct"
        assert db.session.get(VerificationRecord, rows[0].verification_record_id).kind == "self_declared"
        assert db.session.get(ChangeCase, rows[2].change_case_id).kind == "move_in"
        assert db.session.scalar(select(func.count()).select_from(ChangeCase).where(
            ChangeCase.committee_id == places["钢二"]["committee"])) == 0
    # processed once only
    worker.post(f"/verification/workstation/declarations/{ids[0]}/process")
    assert _count(app, VerificationRecord) == 2


def test_a_declaration_flood_from_one_address_is_refused(app, places):
    from app.verification.public import committee_token

    app.config["VERIFICATION_DECLARATIONS_PER_ADDRESS_PER_DAY"] = 3
    public = app.test_client()
    with app.app_context():
        token = committee_token(places["钢一"]["committee"])
    statuses = []
    for n in range(5):
        number = make_id_number("310115", dt.date(1999, 1, 1 + n), 77)
        statuses.append(public.post(f"/declare/{token}", data={"name": f"人{n}", "id_number": number,
                                                                "address": "上南路 100弄1号 101室"}).status_code)
    assert statuses == [200, 200, 200, 429, 429]
    assert _count(app, SelfDeclaration) == 3
    last = public.post(f"/declare/{token}", data={"name": "人", "id_number": make_id_number(
        "310115", dt.date(1999, 2, 2), 77), "address": "上南路100弄1号101室"})
    assert last.status_code == 429 and "该地址今天的申报过多" in last.get_data(as_text=True)


def test_window_csv_import_reports_bad_lines_and_keeps_good_ones(app, places, team, residents):
    worker = client_as(app, "sw_gang1")
    good = make_id_number("310115", dt.date(1988, 8, 8), 33)
    with app.app_context():
        registered = db.session.get(Person, residents["a"]).id_number
    csv_text = ("姓名,身份证号,地址\n"
                f"甲,{good},钢一上南路100弄1号102室\n"
                "乙,310115199001011234,某地\n"
                "丙\n"
                f"丁,{registered},钢一上南路100弄1号101室\n")
    import io

    res = worker.post("/verification/window/import", data={"committee": places["钢一"]["committee"],
                                                           "file": (io.BytesIO(csv_text.encode()), "w.csv")},
                      content_type="multipart/form-data", follow_redirects=True)
    html = res.get_data(as_text=True)
    # Lines 2 and 5 are kept; line 3 (a wrong check character) and line 4 (one cell) are named with their reason.
    assert "已导入 2 行。" in flashed_or_errors(html)
    assert re.findall(r"<li>(第 \d+ 行): (.*?)</li>", html) == [
        ("第 3 行", "身份证号码校验位不正确，请逐位核对。"), ("第 4 行", "每行需要姓名、身份证号码和地址。")]
    assert _count(app, WindowApplicant) == 2
    member = client_as(app, "tm_shanggang")
    with app.app_context():
        rows = {a.name: a.id for a in db.session.scalars(select(WindowApplicant))}
    member.post(f"/verification/window/{rows['甲']}/verify", data={"lives_there": "1"})
    member.post(f"/verification/window/{rows['丁']}/verify", data={"lives_there": "1"})
    with app.app_context():
        results = {r.found_name or r.person_id: (r.result, r.kind) for r in db.session.scalars(select(VerificationRecord))}
        assert results["甲"] == ("should_register", "window")
        assert results[residents["a"]] == ("correct", "window")
        assert all(a.status == "checked" for a in db.session.scalars(select(WindowApplicant)))


def test_window_import_outside_scope_is_refused(app, places, users):
    import io

    worker = client_as(app, "sw_gang1")
    worker.post("/verification/window/import", data={"committee": places["钢二"]["committee"],
                                                     "file": (io.BytesIO(b"a,b,c\n"), "w.csv")},
                content_type="multipart/form-data")
    assert _count(app, WindowApplicant) == 0


def test_records_list_is_scoped(app, places, team, residents):
    client_as(app, "tm_shanggang").post("/verification/sweep/mark", data={"person": residents["a"],
                                                                          "result": "correct"}, headers=JSON)
    worker = client_as(app, "sw_gang1")
    page = worker.get("/verification/records/list/")
    assert page.status_code == 200 and "钢一住户1" in page.get_data(as_text=True)


def test_qr_poster_renders_with_a_qr_code(app, places, users):
    from app.verification.poster import poster_context, qr_svg

    svg = str(qr_svg("http://example.test/declare/abc"))
    assert svg.startswith("<svg") and "path" in svg
    with app.app_context():
        ctx = poster_context(type("D", (), {"committee_id": places["钢一"]["committee"]})())
        assert ctx["committee"] == "钢一" and "/declare/" in ctx["link"]


def test_qr_poster_prints_through_the_documents_pipeline(app, places, users, tmp_path):
    import shutil
    import subprocess

    from app.documents.models import Document
    from app.documents.service import document_file
    from app.verification.public import committee_token
    from tests.test_browser import SHOTS

    app.config["PUBLIC_BASE_URL"] = "https://portal.example.test"
    worker = client_as(app, "sw_gang1")
    res = worker.post(f"/verification/workstation/poster/{places['钢一']['committee']}")
    assert res.status_code == 302
    assert worker.post(f"/verification/workstation/poster/{places['钢二']['committee']}").status_code == 404
    with app.app_context():
        document = db.session.scalars(select(Document).where(Document.kind == "qr_poster")).one()
        assert document.state == "done", document.state
        path = document_file(document)
        token = committee_token(places["钢一"]["committee"])
    data = path.read_bytes()
    assert data[:4] == b"%PDF"
    from pypdf import PdfReader

    text = PdfReader(str(path)).pages[0].extract_text()
    assert "实有人口自主申报" in text.replace(" ", "") and f"/declare/{token}" in text.replace("\n", "")
    if shutil.which("pdftoppm"):
        SHOTS.mkdir(exist_ok=True)
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(path), str(SHOTS / "v06_qr_poster")],
                       check=True)


def test_demo_verifications_are_realistic_and_unique(app, users):
    from app.demo_data import generate_population, generate_verifications
    from app.verification.models import VerificationHouseYear

    with app.app_context():
        generate_population(db.engine, 600, seed=3)
        counts = generate_verifications(db.engine, 3000, seed=3, today=dt.date(2026, 11, 27))
        assert counts["records"] > 2800
        rows = db.session.execute(select(VerificationRecord.checked_on, VerificationRecord.result,
                                         VerificationRecord.shift)).all()
        assert {d.weekday() for d, _r, _s in rows} <= {2, 4}
        assert {s for _d, _r, s in rows} == {"day", "night"}
        correct = sum(1 for _d, r, _s in rows if r == "correct") / len(rows)
        assert 0.9 < correct < 0.99
        dupes = db.session.execute(
            select(VerificationRecord.person_id, VerificationRecord.checked_on, VerificationRecord.kind, func.count())
            .where(VerificationRecord.person_id.is_not(None))
            .group_by(VerificationRecord.person_id, VerificationRecord.checked_on, VerificationRecord.kind)
            .having(func.count() > 1)).all()
        assert dupes == []
        assert db.session.scalar(select(func.count()).select_from(VerificationHouseYear)) > 0
