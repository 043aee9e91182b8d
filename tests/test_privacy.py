"""Privacy and output (issue 10 §2 items 4-7, issue 13 item 8): document kinds need their permission, edit forms
mask numbers, reads of full numbers are audited, spreadsheets never carry live formulas, and exports show what the
screen shows."""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.access.export import csv_bytes, neutralise, workbook_bytes
from app.access.roles import ROLE_LABELS
from app.documents import jobs
from app.documents import service as documents
from app.documents.models import Document
from app.domain.idnumber import make_id_number, mask_id_number, mask_phone
from app.extensions import db
from app.models import AuditEvent, Person
from app.views.base import PortalModelView
from tests.conftest import ADMIN_PASSWORD, USER_PASSWORD, client_as, login, make_user
from tests.test_access import world  # noqa: F401  (fixture: records of every kind in 钢一 and 钢二)

MONTHLY_KINDS = ("monthly_table", "ranking_bulletin", "party_report", "quarterly_bulletin")
INJECTION = '=HYPERLINK("http://x.test","a")'


def _user(app, user_id):
    return db.session.get(app.appbuilder.sm.user_model, user_id)


def _offered_kinds(page: str) -> set[str]:
    select_html = re.search(r'<select[^>]*name="kind".*?</select>', page, flags=re.S).group(0)
    return set(re.findall(r'<option[^>]*value="([^"]+)"', select_html))


def _document_count(app) -> int:
    with app.app_context():
        return len(db.session.scalars(select(Document.id)).all())


def _last_event_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.max(AuditEvent.id))) or 0


def _events(app, action, since: int):
    """Events of ``action`` after ``since`` (the trail is append-only: earlier tests' events stay)."""
    with app.app_context():
        return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action, AuditEvent.id > since)
                                  .order_by(AuditEvent.id)).all()


# -- item 4: document kinds declare their permission and scope ----------------------------------------------------
def test_the_request_form_offers_only_the_kinds_a_user_may_request(app, places, users):
    worker = client_as(app, "sw_gang1")
    offered = _offered_kinds(worker.get("/documents/request").get_data(as_text=True))
    assert "population_register" in offered and "registration_form" in offered
    assert offered.isdisjoint(MONTHLY_KINDS)  # /monthly/ answers him 403: so does its documents' form
    assert worker.get("/monthly/").status_code == 403

    office = client_as(app, "office")
    assert set(MONTHLY_KINDS) <= _offered_kinds(office.get("/documents/request").get_data(as_text=True))
    # A block leader reads no verification: no QR poster for him.
    block_leader = client_as(app, "bl_gang1")
    assert "qr_poster" not in _offered_kinds(block_leader.get("/documents/request").get_data(as_text=True))


@pytest.mark.parametrize("kind", MONTHLY_KINDS)
def test_a_crafted_request_for_a_street_wide_document_is_refused_without_a_job(app, places, users, kind):
    worker = client_as(app, "sw_gang1")
    committee = str(places["钢一"]["committee"])
    # A kind the form does not offer him is refused first, whichever committee (or the whole street) is asked for.
    for asked in (committee, "all"):
        assert worker.post("/documents/request", data={"kind": kind, "committee": asked}).status_code == 403, asked
    with app.test_request_context():
        for committee_id in (None, places["钢一"]["committee"]):
            with pytest.raises(documents.DocumentRefused):
                jobs.request_document(kind, committee_id, _user(app, users["social_worker"]))
    assert _document_count(app) == 0


def test_a_zone_leader_gets_the_monthly_table_he_reads_on_screen(app, places, users):
    leader = client_as(app, "zl_shanggang")
    assert leader.get("/monthly/").status_code == 200
    response = leader.post("/documents/request",
                           data={"kind": "monthly_table", "committee": str(places["钢一"]["committee"])})
    assert response.status_code == 302
    with app.app_context():
        document = db.session.scalars(select(Document)).one()
        assert (document.kind, document.committee_id, document.state) == ("monthly_table", None, "done")
    assert leader.get(f"/documents/status/{document.id}").get_json()["state"] == "done"
    assert leader.get(f"/documents/file/{document.id}").status_code == 200


def test_an_existing_street_wide_document_is_not_served_without_its_permission(app, places, users):
    with app.test_request_context():
        draft = jobs.request_document("monthly_table", None, _user(app, users["street_office"]),
                                      params={"month": "2026-05"})
        register = jobs.request_document("population_register", places["钢一"]["committee"],
                                         _user(app, users["street_office"]))
        assert draft.state == "done" and register.state == "done"
        draft_id, register_id = draft.id, register.id
    worker = client_as(app, "sw_gang1")
    assert worker.get(f"/documents/status/{draft_id}").status_code == 404
    assert worker.get(f"/documents/file/{draft_id}").status_code == 404
    assert worker.get(f"/documents/show/{draft_id}").status_code == 404
    listing = worker.get("/documents/list/").get_data(as_text=True)
    assert f"/documents/file/{register_id}" in listing and f"/documents/file/{draft_id}" not in listing
    # The police station reads the monthly close: the draft is theirs to fetch.
    police_station = make_user(app, "ps_docs", "police_station")
    assert police_station
    assert client_as(app, "ps_docs").get(f"/documents/file/{draft_id}").status_code == 200


# -- item 5: the person edit form masks numbers -------------------------------------------------------------------
def test_the_edit_form_masks_numbers_and_keeps_them_when_unchanged(app, world):
    person_id, id_number = world["钢一"]["person"], world["钢一"]["id_number"]
    worker = client_as(app, "sw_gang1")
    page = worker.get(f"/persons/edit/{person_id}").get_data(as_text=True)
    assert id_number not in page and "13912345678" not in page
    assert f'value="{mask_id_number(id_number)}"' in page and f'value="{mask_phone("13912345678")}"' in page

    with app.app_context():
        person = db.session.get(Person, person_id)
        sex, birth_date = person.sex, person.birth_date.isoformat()
    form = {"name": "钢一居民改", "id_type": "resident_id", "id_number": mask_id_number(id_number), "sex": sex,
            "birth_date": birth_date, "category": "shanghai_household", "phone": mask_phone("13912345678"),
            "committee": world["钢一"]["committee"]}
    # A failed save shows the form again: still masked.
    failed = worker.post(f"/persons/edit/{person_id}", data={**form, "name": ""}).get_data(as_text=True)
    assert id_number not in failed and "13912345678" not in failed

    assert worker.post(f"/persons/edit/{person_id}", data=form).status_code == 302
    with app.app_context():
        person = db.session.get(Person, person_id)
        assert (person.name, person.id_number, person.phone) == ("钢一居民改", id_number, "13912345678")

    new_number = make_id_number("310115", dt.date(1980, 1, 1), 13)  # same birth date and sex as the form
    assert worker.post(f"/persons/edit/{person_id}",
                       data={**form, "id_number": new_number, "phone": "13800001111"}).status_code == 302
    with app.app_context():
        person = db.session.get(Person, person_id)
        assert (person.id_number, person.phone) == (new_number, "13800001111")


def test_the_edit_form_shows_full_numbers_to_who_reads_them(app, world, admin_client):
    page = admin_client.get(f"/persons/edit/{world['钢一']['person']}").get_data(as_text=True)
    assert f'value="{world["钢一"]["id_number"]}"' in page


# -- item 6: reads of full numbers are audited --------------------------------------------------------------------
def test_full_numbers_read_through_a_list_filter_are_audited(app, world):
    police = client_as(app, "police_gang1")
    id_number = world["钢一"]["id_number"]
    since = _last_event_id(app)
    page = police.get(f"/persons/list/?_flt_0_id_number={id_number}").get_data(as_text=True)
    assert id_number in page
    (event,) = _events(app, "read_full_id", since)
    assert event.actor_name == "police_gang1" and event.model == "Person"
    assert event.detail.startswith("rows=1 PersonView.list") and id_number in event.detail

    # Masked readers read nothing in full: nothing to record.
    client_as(app, "sw_gang1").get("/persons/list/")
    assert len(_events(app, "read_full_id", since)) == 1
    # An export is recorded once, as an export.
    police.get("/persons/export/")
    assert len(_events(app, "read_full_id", since)) == 1 and _events(app, "export", since)[-1].actor_name == "police_gang1"


def test_full_numbers_read_through_the_api_are_audited(app, world):
    client = app.test_client()
    token = client.post("/api/v1/security/login", json={"username": "office", "password": USER_PASSWORD,
                                                          "provider": "db"}).get_json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    since = _last_event_id(app)
    listing = client.get("/api/v1/persons/", headers=headers)
    assert listing.status_code == 200 and world["钢二"]["id_number"] in listing.get_data(as_text=True)
    one = client.get(f"/api/v1/persons/{world['钢一']['person']}", headers=headers)
    assert one.status_code == 200
    events = _events(app, "read_full_id", since)
    assert [(e.actor_name, e.source) for e in events] == [("office", "api"), ("office", "api")]
    assert events[0].detail.startswith("rows=2 ") and events[1].detail.startswith("rows=1 ")


# -- item 7: no live formulas in any spreadsheet ------------------------------------------------------------------
def test_neutralise_leaves_formula_triggers_as_text():
    for value in (INJECTION, "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"):
        assert neutralise(value) == "'" + value
    assert neutralise("钢一居民") == "钢一居民" and neutralise(-5) == -5 and neutralise(None) is None
    sheet = load_workbook(io.BytesIO(workbook_bytes("t", ["a"], [[INJECTION]]))).active
    assert (sheet["A2"].value, sheet["A2"].data_type) == ("'" + INJECTION, "s")
    assert csv_bytes(["a"], [[INJECTION]]).decode("utf-8-sig").splitlines()[1] == '"\'=HYPERLINK(""http://x.test"",""a"")"'


def test_a_formula_typed_as_a_name_is_exported_as_text(app, world):
    with app.app_context():
        db.session.get(Person, world["钢一"]["person"]).name = INJECTION  # stored before input checks existed
        db.session.commit()
    sheet = load_workbook(io.BytesIO(client_as(app, "sw_gang1").get("/persons/export/").data)).active
    cell = sheet["A2"]
    assert cell.data_type == "s" and cell.value == "'" + INJECTION


def test_the_monthly_excel_neutralises_typed_text():
    from app.monthly import excel

    row = {"seq": 1, "committee": "=1+1", "total": 10, "should_register": 1, "should_cancel": 0, "correct": 9,
           "accuracy": 0.9, "remark": "@SUM(A1)"}
    payload = excel.workbook({"month": "2026-05", "rows": [row], "totals": dict(row, seq=None, remark="")})
    sheet = load_workbook(io.BytesIO(payload)).active
    assert [(sheet[c].value, sheet[c].data_type) for c in ("B4", "H4")] == [("'=1+1", "s"), ("'@SUM(A1)", "s")]


# -- issue 13 item 8: every list's export as every role that can see it -------------------------------------------
BAD_TEXT = re.compile(r"<bound method|<function |object at 0x|^None$|\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}"
                      r"|\+00:00|UTC")
ID_HEADERS = ("证件号码", "身份证号码")


def _role_users(app):
    """One account per role (the admin too), with an area wherever the role has one."""
    usernames = {}
    for role in ROLE_LABELS:
        if role == "admin":
            continue
        zone = "shanggang" if role in ("zone_leader", "team_member") else None
        committees = () if role in ("street_office", "police_station") or zone else ["钢一"]
        username = f"exp_{role}"
        usernames[role] = (make_user(app, username, role, committees=committees, zone_code=zone), username)
    return usernames


def _exports(app):
    return [v for v in app.appbuilder.baseviews if isinstance(v, PortalModelView)
            and (v.include_route_methods is None or "export" in v.include_route_methods)]


def test_every_export_shows_what_the_screen_shows_for_every_role(app, world):
    from app.changes.messages import KIND_LABELS

    with app.test_request_context():
        moved_in = str(KIND_LABELS["move_in"])
    accounts = _role_users(app)
    checked = set()
    clients = {"admin": app.test_client()}
    login(clients["admin"], "admin", ADMIN_PASSWORD)
    for role, (_user_id, username) in accounts.items():
        clients[role] = client_as(app, username)
    for view in _exports(app):
        for role, client in clients.items():
            with app.test_request_context():
                user = (app.appbuilder.sm.find_user(username="admin") if role == "admin"
                        else _user(app, accounts[role][0]))
                allowed = app.appbuilder.sm._has_view_access(user, "can_export", view.class_permission_name)
            if not allowed:
                continue
            response = client.get(f"{view.route_base}/export/")
            where = f"{role} {view.route_base}"
            assert response.status_code == 200, where
            sheet = load_workbook(io.BytesIO(response.data)).active
            assert sheet.freeze_panes == "A2", where
            assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:"), where
            rows = list(sheet.iter_rows())
            headers = [c.value for c in rows[0]]
            assert all(h and not re.fullmatch(r"[a-z_]+", str(h)) for h in headers), (where, headers)
            for column, header in enumerate(headers, start=1):
                width = sheet.column_dimensions[sheet.cell(row=1, column=column).column_letter].width
                assert 8 <= width <= 60, (where, header, width)
            for row in rows[1:]:
                for header, cell in zip(headers, row):
                    if isinstance(cell.value, str):
                        assert not BAD_TEXT.search(cell.value), (where, header, cell.value)
                    elif isinstance(cell.value, dt.datetime):  # a date cell reads back as midnight
                        assert cell.value.time() == dt.time(0), (where, header, cell.value)
                    if header in ID_HEADERS and cell.value:
                        assert cell.data_type == "s" and cell.number_format == "@", (where, header)
            if view.route_base == "/change_cases" or "ChangeCase" == view.datamodel.obj.__name__:
                if len(rows) > 1:
                    assert moved_in in [c.value for c in rows[1]], (where, [c.value for c in rows[1]])
            checked.add((role, view.__class__.__name__))
    assert ("social_worker", "ChangeCaseView") in checked and ("police_station", "PersonView") in checked
    assert len(checked) > 40
