"""Who may see and change what. The central test walks EVERY registered route (found by introspection, so a
screen or API added later is covered without anyone remembering) as a 钢一 social worker, with the ids of 钢二's
records, by every verb, and proves that nothing of 钢二 ever comes back and nothing changes."""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, text
from sqlalchemy import inspect as sa_inspect

from app.domain.idnumber import make_id_number
from app.extensions import db
from app.documents.models import Document
from app.models import AuditEvent, Committee, House, Person, Residence, Vehicle
from tests.conftest import USER_PASSWORD, client_as, login

MARKER = "钢二"  # every 钢二 record carries it (names, addresses): it must never reach a 钢一 user


@pytest.fixture()
def world(app, places, users):
    """A person with a residence and a vehicle in 钢一 and in 钢二."""
    return build_world(app, places, users)


def build_world(app, places, users):
    """The records of ``world``, also made once for the all-roles probe (module scope)."""
    ids = {}
    with app.app_context():
        for n, name in enumerate(("钢一", "钢二")):
            person = Person(name=f"{name}居民", id_number=make_id_number("310115", dt.date(1980, 1, 1 + n), 11),
                            category="shanghai_household", phone="13912345678")
            db.session.add(person)
            db.session.flush()
            house_id = places[name]["houses"][0]
            residence = Residence(person_id=person.id, house_id=house_id, start_date=dt.date(2020, 1, 1))
            vehicle = Vehicle(plate=f"沪A{n}2345", owner_id=person.id, house_id=house_id)
            db.session.add_all([residence, vehicle])
            db.session.flush()
            document = Document(kind="population_register", title=f"{name}实有人口登记情况",
                                committee_id=places[name]["committee"], requested_by_fk=users["street_office"],
                                requested_by="office", state="done")
            db.session.add(document)
            db.session.flush()
            # The change flow (issue 5): a case, AB roles, an estate with its visitor log, in each committee.
            from app.changes.models import ChangeCase, CommitteeWorkers, Estate, Visitor, VisitorDay

            case = ChangeCase(committee_id=places[name]["committee"], house_id=house_id, kind="move_in",
                              source="report", people_note=f"{name}新住户", reported_by_name="office",
                              reported_at=dt.datetime(2025, 3, 3, 1, 0), collection_due=dt.datetime(2025, 3, 5, 16, 0),
                              stage="reported")
            estate = Estate(committee_id=places[name]["committee"], name=f"{name}小区")
            from app.changes.models import BlockLeader

            db.session.add(BlockLeader(block_id=places[name]["block"], committee_id=places[name]["committee"],
                                       user_id=users["block_leader"]))
            db.session.add_all([case, estate, CommitteeWorkers(committee_id=places[name]["committee"])])
            db.session.flush()
            log_day = VisitorDay(estate_id=estate.id, committee_id=estate.committee_id, day=dt.date(2025, 3, 3),
                                 submitted_by_name=f"{name}保安")
            db.session.add(log_day)
            db.session.flush()
            db.session.add(Visitor(log_day_id=log_day.id, committee_id=estate.committee_id, name=f"{name}访客",
                                   phone_masked="139****5678", reason="探亲"))
            # Verification (issue 6): a record, a cross-check assignment, a self-declaration, a window case.
            from app.verification.models import (
                CrossCheckAssignment, SelfDeclaration, VerificationRecord, WindowApplicant,
            )

            committee_id = places[name]["committee"]
            db.session.add_all([
                VerificationRecord(checked_on=dt.date(2025, 3, 5), checked_at=dt.datetime(2025, 3, 5, 2, 0),
                                   committee_id=committee_id, house_id=house_id, found_name=f"{name}未登人员",
                                   found_id_number=make_id_number("310115", dt.date(1990, 2, 2 + n), 21),
                                   result="should_register", kind="monthly", recorded_by_fk=users["street_office"]),
                CrossCheckAssignment(user_id=users["zone_leader"], committee_id=committee_id, year=2025, month=3),
                SelfDeclaration(committee_id=committee_id, house_id=house_id, address=f"{name}申报地址",
                                address_key=f"house:{house_id}", name=f"{name}申报人",
                                id_number=make_id_number("310115", dt.date(1991, 3, 3 + n), 31)),
                WindowApplicant(committee_id=committee_id, house_id=house_id, name=f"{name}窗口申请人",
                                id_number=make_id_number("310115", dt.date(1992, 4, 4 + n), 41),
                                address=f"{name}窗口地址"),
            ])
            # The monthly close (issue 7): the office's inputs and a talk, in each committee.
            from app.monthly.models import CrimeLateEntry, RankingComment, SpotInspection, Talk

            db.session.add_all([
                SpotInspection(year=2025, month=3, committee_id=committee_id, score=90, inspector=f"{name}检查组"),
                # serious violent: the hook adds its criticism and accountability record (issue 16 item 3)
                CrimeLateEntry(year=2025, month=3, committee_id=committee_id, description=f"{name}涉案线索",
                               serious_violent=True),
                RankingComment(year=2025, month=3, committee_id=committee_id, text=f"{name}点评"),
                Talk(year=2025, month=3 + n, target="committee", committee_id=committee_id, times_last=1, rung=1,
                     rung_code="committee_talk_social_worker", kind="约谈", who_talks="平安办",
                     to_whom=f"{name}居民区综合管理社工", reason=f"{name}排名末位"),
            ])
            from app.crime.models import CrimeLead, CrimeReward

            lead = CrimeLead(committee_id=committee_id, summary=f"{name}涉案线索", reporter_name=f"{name}报告人",
                             due_at=dt.datetime(2025, 3, 12), state="confirmed")
            db.session.add(lead)
            db.session.flush()
            db.session.add(CrimeReward(lead_id=lead.id, committee_id=committee_id, year=2025,
                                       reporter_name=f"{name}报告人", points=1))
            # Volunteers and meetings (issue 16 items 5 and 6): a volunteer with his visit and commendation, a
            # quarterly review meeting with a decision that is the committee's task.
            from app.meetings.models import Meeting, MeetingCommittee, MeetingDecision
            from app.volunteers.models import Volunteer, VolunteerCommendation, VolunteerVisit

            volunteer = Volunteer(committee_id=committee_id, name=f"{name}志愿者", role="building_leader",
                                  phone=f"1390000000{n}")
            db.session.add(volunteer)
            db.session.flush()
            db.session.add_all([
                VolunteerVisit(volunteer_id=volunteer.id, committee_id=committee_id, year=2025, half=1,
                               visited_on=dt.date(2025, 3, 1), visitors=f"{name}慰问人"),
                VolunteerCommendation(volunteer_id=volunteer.id, committee_id=committee_id, year=2025, points=1,
                                      chosen_by="office"),
            ])
            meeting = Meeting(kind="quarterly_review", held_on=dt.date(2025, 3, 28), title=f"{name}季度分析会",
                              year=2025, quarter=1, attendance=f"{name}楼组长", minutes="")
            meeting.committees = [MeetingCommittee(committee_id=committee_id)]
            meeting.decisions = [MeetingDecision(text=f"{name}决定事项", committee_id=committee_id,
                                                 due_on=dt.date(2025, 4, 10))]
            db.session.add(meeting)
            ids[name] = {**places[name], "person": person.id, "residence": residence.id, "vehicle": vehicle.id,
                         "id_number": person.id_number, "document": document.id}
        db.session.commit()
    return ids


def _record_for(app, model, world):
    """The id of a 钢二 record of ``model``, found generically so that models added later are covered too
    (None when the model belongs to no committee). A committee-scoped model with no 钢二 row in ``world`` fails:
    extend the ``world`` fixture when adding one."""
    if model is None:
        return None
    if model is Committee:
        return world["钢二"]["committee"]
    if "committee_id" not in model.__table__.columns:
        return None
    pk_column = sa_inspect(model).primary_key[0]
    with app.app_context():
        pk = db.session.scalar(select(pk_column).where(model.committee_id == world["钢二"]["committee"]).limit(1))
    assert pk is not None, f"world has no 钢二 {model.__name__}: add one to the world fixture"
    return pk


def _view_model(app, endpoint):
    blueprint = endpoint.split(".", 1)[0]
    for view in app.appbuilder.baseviews:
        if view.__class__.__name__ == blueprint:
            datamodel = getattr(view, "datamodel", None)
            return view, (datamodel.obj if datamodel is not None else None)
    return None, None


def _visible_text(response) -> str:
    """What a response shows: text, or the cells of an Excel export."""
    data = response.get_data()
    if data[:2] == b"PK":  # xlsx
        sheet = load_workbook(io.BytesIO(data)).active
        return " ".join(str(c.value) for row in sheet.iter_rows() for c in row)
    return data.decode("utf-8", errors="replace")


def _counts(app):
    with app.app_context():
        return {m.__name__: db.session.scalar(select(func.count()).select_from(m))
                for m in (Person, Residence, House, Vehicle, Committee)}


def _jwt(client, username):
    response = client.post("/api/v1/security/login",
                           json={"username": username, "password": USER_PASSWORD, "provider": "db"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["access_token"]


# -- the all-roles probe: every route × verb, as each of the eleven roles -------------------------------------------
# Role → (username, committees, zone). Committee and zone roles are placed so that 钢二 is outside their area (the
# zone roles in 济阳); the street-wide roles see 钢二 anyway, so they are probed with impossible input only.
PROBE_ROLES = {
    "admin": ("probe_admin", (), None),
    "street_office": ("probe_office", (), None),
    "police_station": ("probe_station", (), None),
    "zone_leader": ("probe_zl", (), "jiyang"),
    "team_member": ("probe_tm", (), "jiyang"),
    "community_police": ("probe_police", ("钢一",), None),
    "committee_director": ("probe_director", ("钢一",), None),
    "social_worker": ("probe_sw", ("钢一",), None),
    "block_leader": ("probe_bl", ("钢一",), None),
    "building_leader": ("probe_bld", ("钢一",), None),
    "property_guard": ("probe_guard", ("钢一",), None),
}
STREET_WIDE = {"admin", "street_office", "police_station"}
HUGE_IDS = (2**63, 2**64, 10**20)
EDGE_DAYS = ("9999-12-31", "0001-01-01")
# Every 钢二 record of the world fixture is named "钢二<something>"; the bare committee name may be listed by the
# zone roles' cross-check pages (a cross check is done in another zone), a record never.
RECORD_MARKER = re.compile(r"钢二[\u4e00-\u9fff]")
PROBED = {"requests": 0, "route_verbs": set(), "roles": set()}


def _make_places(app):
    """conftest's ``places`` (钢一 and 钢二 with a block, a building and two houses), made once for the module."""
    from app.models import Block, Building

    made = {}
    with app.app_context():
        for name in ("钢一", "钢二"):
            committee = db.session.query(Committee).filter_by(name=name).one()
            block = Block(committee_id=committee.id, name="第1区块")
            building = Building(committee_id=committee.id, block=block, name=f"{name}上南路100弄1号")
            houses = [House(building=building, room=room, address=f"{name}上南路100弄1号{room}室")
                      for room in ("101", "102")]
            db.session.add_all([block, building, *houses])
            db.session.flush()
            made[name] = {"committee": committee.id, "block": block.id, "building": building.id,
                          "houses": [h.id for h in houses]}
        db.session.commit()
    return made


@pytest.fixture(scope="class")
def probe(_session_app):
    """The session's app with one world and the eleven users for every role of the probe, built once for all
    eleven runs (the probe is long); settings and tables restored afterwards."""
    from tests.conftest import _tables_to_empty, make_user

    app = _session_app
    settings = dict(app.config)
    places = _make_places(app)
    users = {"street_office": make_user(app, "office", "street_office"),
             "block_leader": make_user(app, "bl_gang1", "block_leader", committees=["钢一"]),
             "zone_leader": make_user(app, "zl_shanggang", "zone_leader", zone_code="shanggang")}
    world = build_world(app, places, users)
    for role, (username, committees, zone) in PROBE_ROLES.items():
        make_user(app, username, role, committees=committees, zone_code=zone)
    yield app, world
    app.config.clear()
    app.config.update(settings)
    with app.app_context():
        db.session.rollback()
        for table in _tables_to_empty(db.metadata):
            db.session.execute(text(f"DELETE FROM {table}"))
        db.session.commit()
        db.session.remove()


def _fingerprint(app, committee_id=None) -> dict:
    """The rows a request could change (audit and sign-in bookkeeping aside), by table: every row, or only those
    of ``committee_id`` (a committee role may legitimately change its own records with a probe's POST)."""
    from app.models.registry import import_all
    from tests.conftest import _tables_to_empty

    with app.app_context():
        db.session.expire_all()
        prints = {}
        for table in (*_tables_to_empty(db.metadata), "committee", "zone"):
            if import_all().tables[table].info.get("derived"):
                continue  # counted again from the other tables (the dashboard's figures): no record of anyone
            columns = {c["name"] for c in sa_inspect(db.engine).get_columns(table)}
            if committee_id is not None and "committee_id" not in columns:
                continue
            where = f" WHERE committee_id = {int(committee_id)}" if committee_id is not None else ""
            prints[table] = sorted(map(repr, db.session.execute(text(f"SELECT * FROM {table}{where}")).all()))
        return prints


def _cached_record(app, model, world, cache={}):  # noqa: B006 - one probe app per module: a module-wide cache
    key = (id(app), model)
    if key not in cache:
        cache[key] = _record_for(app, model, world)
    return cache[key]


def _path_for(rule, values) -> str:
    path = rule.rule
    for arg, value in values.items():
        path = re.sub(rf"<(?:[^:<>]+:)?{arg}>", str(value), path)
    return path


def _probe_requests(app, world, rule, n):
    """The requests tried on one route: (label, path, query, form, json). ``n`` rotates the impossible values."""
    view, model = _view_model(app, rule.endpoint)
    other = _cached_record(app, model, world)
    huge, day = HUGE_IDS[n % len(HUGE_IDS)], EDGE_DAYS[n % len(EDGE_DAYS)]
    int_args = {a for a, c in rule._converters.items() if type(c).__name__.endswith("IntConverter")}
    theirs, impossible = {}, {}
    for arg in rule.arguments:
        if arg == "pk" or arg in int_args:
            committee_arg = "committee" in arg
            theirs[arg] = world["钢二"]["committee"] if committee_arg else (other if other is not None else 1)
            impossible[arg] = huge
        else:
            theirs[arg] = impossible[arg] = "x"
    is_api = rule.rule.startswith("/api/")
    their_form = {"committee": world["钢二"]["committee"], "house": world["钢二"]["houses"][0],
                  "person": world["钢二"]["person"], "building": world["钢二"]["building"]}
    id_names = ("committee", "house", "person", "building", "police", "members", "zone", "estate", "member",
                "rowid", "year", "month", "block", "user")
    bad_form = {**{k: str(huge) for k in id_names}, "day": day, "when": f"{day}T00:00", "start_date": day,
                "end_date": day, "entry_date": day, "move_in_date": day, "birth_date": day}
    bad_query = {**bad_form, f"page_{view.__class__.__name__ if view else 'x'}": str(huge),
                 "q": f"(page:{huge},page_size:25)" if is_api else str(huge)}
    bad_json = {"committee_id": huge, "house_id": huge, "person_id": huge, "building_id": huge, "start_date": day}
    yield "theirs", _path_for(rule, theirs), {}, (None if is_api else their_form), \
        ({"committee_id": world["钢二"]["committee"], "house_id": world["钢二"]["houses"][0]} if is_api else None)
    yield "impossible", _path_for(rule, impossible), bad_query, (None if is_api else bad_form), \
        (bad_json if is_api else None)


def _probe_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.startswith("appbuilder.") or "logout" in rule.rule \
                or rule.rule.startswith("/lang/"):
            continue
        yield rule


class TestEveryRouteAsEveryRole:
    """The probe's world lives as long as this class (its fixture is class-scoped): the tests after it start
    from empty tables, as usual."""

    @pytest.mark.parametrize("role", sorted(PROBE_ROLES))
    def test_every_route_and_verb_as_every_role_gives_no_500_no_leak_no_change(self, probe, role):
        """Every registered route (found by introspection, so a screen or API added later is covered) × every verb,
        as ``role``: with the ids of 钢二's records (committee and zone roles), and with ids beyond 64 bits and dates
        at the calendar's edges in the path, the query, the form, rison and JSON (every role). No 500, nothing of
        钢二 on the page of a role that does not see 钢二, no row changed."""
        app, world = probe
        username = PROBE_ROLES[role][0]
        web = client_as(app, username)
        api_headers = {"Authorization": f"Bearer {_jwt(app.test_client(), username)}"}
        outside = None if role in STREET_WIDE else world["钢二"]["committee"]
        before = _fingerprint(app, outside)
        failures = []
        # An exception is a 500 answer to collect with the others, not an abort of the whole probe.
        app.config["PROPAGATE_EXCEPTIONS"] = False
        for n, rule in enumerate(_probe_rules(app)):
            is_api = rule.rule.startswith("/api/")
            theirs_pk = _cached_record(app, _view_model(app, rule.endpoint)[1], world) is not None
            for label, path, query, form, body in _probe_requests(app, world, rule, n):
                if label == "theirs" and role in STREET_WIDE:
                    continue  # 钢二 is theirs to see and change
                for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                    client = app.test_client() if is_api else web
                    response = client.open(path, method=method, query_string=query,
                                           headers=api_headers if is_api else {},
                                           json=body if method in ("POST", "PUT") else None,
                                           data=form if method in ("POST", "PUT") else None)
                    PROBED["requests"] += 1
                    PROBED["route_verbs"].add((rule.rule, method))
                    shown = _visible_text(response)
                    if response.status_code >= 500:
                        failures.append(f"{response.status_code} {method} {path} {label}")
                    elif role not in STREET_WIDE and RECORD_MARKER.search(shown):
                        failures.append(f"leak {method} {path} {label}: {RECORD_MARKER.search(shown).group()}")
                    elif label == "theirs" and "pk" in rule.arguments and theirs_pk \
                            and response.status_code not in (400, 401, 403, 404, 405, 422):
                        failures.append(f"{response.status_code} {method} {path}: another committee's record answered")
        app.config["PROPAGATE_EXCEPTIONS"] = None
        PROBED["roles"].add(role)
        assert not failures, "\n".join(failures[:40])
        after = _fingerprint(app, outside)
        changed = [t for t in before if before[t] != after[t]]
        assert not changed, f"rows changed in {changed}"
        if PROBED["roles"] == set(PROBE_ROLES):
            print(f"\nprobe: {len(PROBED['route_verbs'])} routes × verbs × {len(PROBED['roles'])} roles, "
                  f"{PROBED['requests']} requests")


def test_lists_show_only_the_users_committee(app, world):
    web = client_as(app, "sw_gang1")
    html = web.get("/persons/list/").get_data(as_text=True)
    assert "钢一居民" in html and "钢二居民" not in html
    html = web.get("/committees/list/").get_data(as_text=True)
    assert "钢一" in html and "钢二" not in html and "钢三" not in html


def test_a_zone_leader_sees_exactly_the_committees_of_the_zone(app, world):
    web = client_as(app, "zl_shanggang")
    html = web.get("/committees/list/?psize_CommitteeView=30").get_data(as_text=True)
    names = set(re.findall(r"<td[^>]*>\s*(钢.|德.|济.|耀.|花城)\s*</td>", html))
    assert names == {"钢一", "钢二", "钢三", "钢四", "钢五", "钢六", "钢七", "钢九", "钢十"}
    assert "钢二居民" in web.get("/persons/list/").get_data(as_text=True)


def test_the_office_sees_every_committee(app, world):
    web = client_as(app, "office")
    html = web.get("/persons/list/").get_data(as_text=True)
    assert "钢一居民" in html and "钢二居民" in html


def test_a_record_cannot_be_created_in_another_committee(app, world):
    web = client_as(app, "sw_gang1")
    before = _counts(app)
    web.post("/buildings/add", data={"committee": world["钢二"]["committee"], "name": "偷建楼"})
    web.post("/residences/add", data={"person": world["钢一"]["person"], "house": world["钢二"]["houses"][1],
                                      "start_date": "2024-01-01"})
    web.post("/persons/add", data={"name": "外人", "id_type": "resident_id", "category": "migrant",
                                   "id_number": make_id_number("310115", dt.date(1990, 5, 5), 21),
                                   "committee": world["钢二"]["committee"]})
    assert _counts(app) == before
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Person).where(Person.name == "外人")) == 0


def test_a_record_cannot_be_moved_to_another_committee(app, world):
    web = client_as(app, "sw_gang1")
    person_id = world["钢一"]["person"]
    web.post(f"/persons/edit/{person_id}", data={
        "name": "钢一居民", "id_type": "resident_id", "id_number": world["钢一"]["id_number"],
        "category": "shanghai_household", "committee": world["钢二"]["committee"]})
    with app.app_context():
        assert db.session.get(Person, person_id).committee_id == world["钢一"]["committee"]


def test_ids_are_masked_for_users_without_the_permission(app, world):
    number = world["钢一"]["id_number"]
    masked = number[:4] + "*" * 10 + number[-4:]
    worker = client_as(app, "sw_gang1")
    html = worker.get("/persons/list/").get_data(as_text=True)
    assert masked in html and number not in html
    show = worker.get(f"/persons/show/{world['钢一']['person']}").get_data(as_text=True)
    assert number not in show and "reveal-full-id" not in show
    assert "139****5678" in show and "13912345678" not in show
    assert worker.post(f"/persons/reveal/{world['钢一']['person']}").status_code == 403


def test_a_permitted_user_reveals_the_full_id_by_an_audited_click(app, world):
    police = client_as(app, "police_gang1")
    person_id = world["钢一"]["person"]
    number = world["钢一"]["id_number"]
    show = police.get(f"/persons/show/{person_id}").get_data(as_text=True)
    assert number not in show and "reveal-full-id" in show
    response = police.post(f"/persons/reveal/{person_id}")
    assert response.get_json()["id_number"] == number
    assert police.post(f"/persons/reveal/{world['钢二']['person']}").status_code == 404
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "reveal_full_id")
                                   .order_by(AuditEvent.id.desc())).first()
        assert (event.actor_name, event.record_id) == ("police_gang1", person_id)


def test_export_is_what_the_user_sees_and_is_audited(app, world):
    worker = client_as(app, "sw_gang1")
    response = worker.get("/persons/export/")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][:2] == ["姓名", "证件号码"]
    assert [r[0] for r in rows[1:]] == ["钢一居民"]
    assert rows[1][1] == world["钢一"]["id_number"][:4] + "*" * 10 + world["钢一"]["id_number"][-4:]
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")
                                   .order_by(AuditEvent.id.desc())).first()
        assert event.actor_name == "sw_gang1" and event.model == "Person"
    filtered = worker.get("/persons/export/?_flt_0_name=nobody")
    assert len(list(load_workbook(io.BytesIO(filtered.data)).active.iter_rows())) == 1


def test_writes_are_audited_with_before_and_after(app, world, admin_client):
    residence_id = world["钢一"]["residence"]
    with app.app_context():
        # Ids of emptied tables are reused between tests; the trail keeps every test's events.
        first_event = db.session.scalar(select(func.max(AuditEvent.id)).where(
            AuditEvent.model == "Residence", AuditEvent.record_id == residence_id, AuditEvent.action == "create"))
    admin_client.post(f"/residences/edit/{residence_id}", data={"end_date": "2024-06-01", "end_reason": "搬离本区"})
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.model == "Residence",
                                                             AuditEvent.record_id == residence_id,
                                                             AuditEvent.id >= first_event)
                                    .order_by(AuditEvent.id)).all()
        assert [e.action for e in events] == ["create", "cancel"]
        assert events[-1].actor_name == "admin" and events[-1].source == "web"
        assert events[-1].before == {"end_date": None, "end_reason": None}
        assert events[-1].after == {"end_date": "2024-06-01", "end_reason": "搬离本区"}


def test_the_audit_trail_is_append_only(app, world, admin_client):
    with app.app_context():
        event_id = db.session.scalar(select(func.max(AuditEvent.id)))
        with pytest.raises(Exception):
            db.session.execute(text("UPDATE audit_event SET actor_name = 'x' WHERE id = :id"), {"id": event_id})
            db.session.commit()
        db.session.rollback()
        with pytest.raises(Exception):
            db.session.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": event_id})
            db.session.commit()
        db.session.rollback()
    assert admin_client.get("/audit/list/").status_code == 200
    # The screen has only "read" (AuditEventView.base_permissions): FAB's add, edit and delete routes refuse even
    # the admin, with the portal's 403 page, and the trail is as it was.
    with app.app_context():
        before = [(e.id, e.actor_name) for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    for path in (f"/audit/edit/{event_id}", "/audit/add", f"/audit/delete/{event_id}"):
        refused = admin_client.post(path, data={"actor_name": "x"})
        assert refused.status_code == 403, path
        assert "您没有查看此内容的权限" in refused.get_data(as_text=True), path
    with app.app_context():
        assert [(e.id, e.actor_name) for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))] == before


def test_cli_writes_are_audited_with_their_actor(app):
    from app.audit import acting_as

    with app.app_context(), acting_as("demo-import", source="cli"):
        person = Person(name="命令行", id_number=make_id_number("310115", dt.date(1970, 3, 3), 33),
                        category="migrant")
        db.session.add(person)
        db.session.commit()
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.model == "Person",
                                                            AuditEvent.record_id == person.id)
                                   .order_by(AuditEvent.id.desc())).first()
        assert (event.actor_name, event.source, event.action) == ("demo-import", "cli", "create")


def test_sign_ins_are_audited_and_repeated_failures_lock_only_for_a_while(app, users, frozen_clock):
    client = app.test_client()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post("/login/", data={"username": "bl_gang1", "password": "wrong-Password-1"})
    # Now even the right password is refused, for a while; the account stays active (app/access/login_throttle.py,
    # tests/test_security.py).
    client.post("/login/", data={"username": "bl_gang1", "password": USER_PASSWORD})
    refused = client.get("/persons/list/")
    assert refused.status_code == 302 and "/login/" in refused.headers["Location"]  # still not signed in
    with app.app_context():
        from app.models import PortalUser

        user = db.session.get(PortalUser, users["block_leader"])
        assert user.active
        failures = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "login_failure", AuditEvent.detail == "bl_gang1"))
        assert failures >= app.config["LOGIN_MAX_FAILURES"]
    frozen_clock.advance(dt.timedelta(seconds=app.config["LOGIN_LOCK_SECONDS"] + 1))
    login(client, "bl_gang1", USER_PASSWORD)
    assert client.get("/persons/list/").status_code == 200


def test_a_building_leader_cannot_edit_a_person(app, world):
    from tests.conftest import make_user

    make_user(app, "bld_gang1", "building_leader", committees=["钢一"])
    client = client_as(app, "bld_gang1")
    assert client.get("/houses/list/").status_code == 200
    assert client.get(f"/persons/edit/{world['钢一']['person']}").status_code == 403
    assert client.get("/persons/list/").status_code == 403


def test_roles_are_shown_with_their_chinese_titles(admin_client):
    html = admin_client.get("/roles/list/").get_data(as_text=True)
    for title in ("街道人口办", "片区组长", "综合管理社工", "楼组长", "物业保安"):
        assert title in html


def test_state_changes_need_post_and_a_csrf_token(app_config, world, app):
    from app import create_app

    strict = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    client = strict.test_client()
    page = client.get("/login/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/login/", data={"username": "admin", "password": app.config.get("ADMIN_PASSWORD_FOR_TESTS", "")})
    from tests.conftest import ADMIN_PASSWORD

    client.post("/login/", data={"username": "admin", "password": ADMIN_PASSWORD, "csrf_token": token})
    before = _counts(app)
    response = client.post("/persons/add", data={"name": "无令牌", "id_type": "resident_id",
                                                 "id_number": make_id_number("310115", dt.date(1991, 1, 1), 5),
                                                 "category": "migrant"})
    assert response.status_code == 400
    assert client.get(f"/persons/delete/{world['钢一']['person']}").status_code == 405
    assert _counts(app) == before


def test_idle_sessions_expire(app):
    from datetime import timedelta

    assert app.config["PERMANENT_SESSION_LIFETIME"] <= timedelta(minutes=60)
    client = app.test_client()
    login(client)
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.expires is not None
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_html_login_is_rate_limited(app_config):
    from app import create_app

    limited = create_app({**app_config, "RATELIMIT_ENABLED": True, "AUTH_RATE_LIMIT": "3 per minute"})
    client = limited.test_client()
    codes = [client.post("/login/", data={"username": "nobody", "password": "x"}).status_code for _ in range(5)]
    assert codes[-1] == 429 and codes[0] != 429


def test_weak_passwords_are_refused_from_the_cli_too(app):
    from flask_appbuilder.exceptions import PasswordComplexityValidationError

    with app.app_context():
        sm = app.appbuilder.sm
        with pytest.raises(PasswordComplexityValidationError):
            sm.add_user("weakling", "弱", "密码", "weak@example.test", sm.find_role("social_worker"),
                        password="password")


def test_an_admin_gives_an_account_its_role_and_committees_on_the_user_form(app, admin_client):
    from flask_appbuilder.security.sqla.models import Role

    from app.models import PortalUser

    with app.app_context():
        committee = db.session.query(Committee).filter_by(name="钢三").one().id
        role = db.session.query(Role).filter_by(name="social_worker").one().id
    admin_client.post("/users/add", data={
        "first_name": "王", "last_name": "社工", "username": "sw_gang3", "active": "y",
        "email": "sw3@example.test", "roles": [role], "password": "Gang-San-2026xy",
        "conf_password": "Gang-San-2026xy", "committees": [committee]})
    with app.app_context():
        user = db.session.query(PortalUser).filter_by(username="sw_gang3").one()
        assert [c.name for c in user.committees] == ["钢三"]
        assert [r.name for r in user.roles] == ["social_worker"]
    form = admin_client.get("/users/add").get_data(as_text=True)
    assert "综合管理社工" in form  # roles are offered by their Chinese titles


def test_a_block_leader_is_named_among_the_committees_own_staff(app, world):
    from tests.conftest import make_user

    from app.changes.models import BlockLeader
    from app.models import Block

    make_user(app, "dir_gang1", "committee_director", committees=["钢一"])
    make_user(app, "bl_gang2", "block_leader", committees=["钢二"])
    director = client_as(app, "dir_gang1")
    form = director.get("/block-leaders/add").get_data(as_text=True)
    assert "bl_gang1" in form and "bl_gang2" not in form
    with app.app_context():
        block = Block(committee_id=world["钢一"]["committee"], name="第2区块")
        db.session.add(block)
        db.session.commit()
        block_id = block.id
        from app.models import PortalUser

        other = db.session.query(PortalUser).filter_by(username="bl_gang2").one().id
        own = db.session.query(PortalUser).filter_by(username="bl_gang1").one().id
    director.post("/block-leaders/add", data={"block": block_id, "user": other})
    with app.app_context():
        assert db.session.get(BlockLeader, block_id) is None
    director.post("/block-leaders/add", data={"block": block_id, "user": own})
    with app.app_context():
        leader = db.session.get(BlockLeader, block_id)
        assert leader is not None and leader.committee_id == world["钢一"]["committee"]


def test_menu_links_follow_the_permissions_behind_them(app, users):
    from tests.conftest import make_user

    make_user(app, "bld_menu", "building_leader", committees=["钢一"])
    html = client_as(app, "bld_menu").get("/").get_data(as_text=True)
    assert "/changes/report" in html  # a building leader reports changes from the menu
    assert "/visitors/days" not in html
