"""Several persons per change case (issue 14 item 4): the social worker enters "一对夫妻带一个孩子" on one form,
all or nothing, keeping every row typed on a refusal, with the person form's own ID messages; the printed form
has a page for each person."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.changes.models import ChangeCase, ChangeCasePerson, TransferRequest
from app.domain.idnumber import check_character, make_id_number
from app.extensions import db
from app.models import Person, Residence
from tests.conftest import SHOTS, client_as

HUSBAND = make_id_number("310115", dt.date(1988, 4, 2), 11)
WIFE = make_id_number("310115", dt.date(1990, 7, 9), 12)
CHILD = make_id_number("310115", dt.date(2019, 1, 20), 13)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture()
def collected_case(app, places, users):
    """A move-in reported in 钢一 and collected by the block leader: the social worker's entry waits."""
    worker = client_as(app, "sw_gang1")
    worker.post("/changes/report", data={"kind": "move_in", "house": places["钢一"]["houses"][0],
                                         "people_note": "一对夫妻带一个孩子"})
    with app.app_context():
        case_id = db.session.scalar(select(ChangeCase.id))
    assert client_as(app, "bl_gang1").post(f"/changes/act/{case_id}", data={"action": "collect"}).status_code == 302
    return worker, case_id


def _entry(rows, **extra):
    """The entry form as the browser posts it: each field once per row, in order."""
    data = {"action": "enter", "city_system": "migrant", "entry_date": "2026-06-01"}
    data.update(extra)
    fields = ("name", "id_number", "category", "phone", "registered_address")
    form = [(k, v) for k, v in data.items()]
    for row in rows:
        form += [(k, row.get(k, "")) for k in fields]
    return form


def _post(client, case_id, rows):
    from werkzeug.datastructures import MultiDict

    return client.post(f"/changes/act/{case_id}", data=MultiDict(_entry(rows)))


FAMILY = [
    {"name": "张大山", "id_number": HUSBAND, "category": "migrant", "phone": "13800001111"},
    {"name": "李小花", "id_number": WIFE, "category": "migrant"},
    {"name": "张小宝", "id_number": CHILD, "category": "migrant", "registered_address": "安徽省合肥市"},
]


def test_a_family_of_three_is_entered_in_one_step_and_each_person_is_audited(app, collected_case):
    worker, case_id = collected_case
    with app.app_context():
        audit_before = db.session.scalar(select(func.max(AuditEvent.id))) or 0
    response = _post(worker, case_id, FAMILY)
    assert response.status_code == 302
    with app.app_context():
        case = db.session.get(ChangeCase, case_id)
        assert case.stage == "entered"
        people = [db.session.query(Person).filter_by(id_number=n).one() for n in (HUSBAND, WIFE, CHILD)]
        assert [p.name for p in people] == ["张大山", "李小花", "张小宝"]
        for person in people:
            assert person.active_residence.house_id == case.house_id
        assert case.person_id == people[0].id
        rows = db.session.query(ChangeCasePerson).filter_by(case_id=case_id).order_by(ChangeCasePerson.position).all()
        assert [(r.person_id, r.position) for r in rows] == [(p.id, i) for i, p in enumerate(people, start=1)]
        audited = db.session.query(AuditEvent).filter(AuditEvent.id > audit_before,
                                                      AuditEvent.action == "case_person").all()
        assert sorted(e.detail.split()[1] for e in audited) == sorted(f"person=#{p.id}" for p in people)
        assert all(e.record_id == case_id for e in audited)
    page = worker.get(f"/changes/show/{case_id}").get_data(as_text=True)
    assert "张大山、李小花、张小宝" in page
    # the wife's and the child's pages list the case they were entered with, as the husband's does
    for person in people:
        html = worker.get(f"/persons/show/{person.id}").get_data(as_text=True)
        cases = html[html.index('id="person-cases"'):]
        assert f"/changes/show/{case_id}" in cases[:cases.index("</table>") if "</table>" in cases else None]


@pytest.mark.parametrize("bad_number, message", [
    (CHILD[:-1] + ("0" if CHILD[-1] != "0" else "1"), "校验位不正确"),
    ("31011520190230013" + check_character("31011520190230013"), "出生日期不存在"),
    (WIFE, "已登记"),
])
def test_one_bad_row_saves_nothing_and_keeps_every_row(app, collected_case, bad_number, message):
    worker, case_id = collected_case
    family = [dict(row) for row in FAMILY]
    family[2]["id_number"] = bad_number
    response = _post(worker, case_id, family)
    html = response.get_data(as_text=True)
    from tests.conftest import flashed_or_errors
    assert message in flashed_or_errors(html) and "第3人" in html, flashed_or_errors(html)
    # every row typed is on the page again, the wrong one included
    for row in family:
        assert f'value="{row["name"]}"' in html and f'value="{row["id_number"]}"' in html
    assert 'value="13800001111"' in html and 'value="安徽省合肥市"' in html
    with app.app_context():
        assert db.session.get(ChangeCase, case_id).stage == "form_collected"
        assert _count(Person) == 0 and _count(Residence) == 0 and _count(ChangeCasePerson) == 0


def test_a_person_of_another_committee_in_a_family_entry_is_refused(app, places, collected_case):
    worker, case_id = collected_case
    elsewhere = make_id_number("310115", dt.date(1975, 3, 3), 21)
    with app.app_context():
        person = Person(name="外居委", id_number=elsewhere, category="migrant")
        db.session.add(person)
        db.session.flush()
        db.session.add(Residence(person_id=person.id, house_id=places["钢二"]["houses"][0],
                                 start_date=dt.date(2020, 1, 1)))
        db.session.commit()
    family = [dict(row) for row in FAMILY[:2]] + [{"name": "外居委", "id_number": elsewhere, "category": "migrant"}]
    html = _post(worker, case_id, family).get_data(as_text=True)
    assert "第3人" in html and "迁移一次只能办理一人" in html
    assert "钢二" not in html  # nothing of the other committee is told
    with app.app_context():
        assert db.session.get(ChangeCase, case_id).stage == "form_collected"
        assert _count(TransferRequest) == 0 and _count(ChangeCasePerson) == 0
        assert db.session.query(Person).filter(Person.id_number.in_([HUSBAND, WIFE])).count() == 0


def test_empty_rows_are_not_persons_and_one_person_still_works(app, collected_case):
    worker, case_id = collected_case
    response = _post(worker, case_id, [FAMILY[0], {"category": "migrant"}, {}])
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(ChangeCase, case_id).stage == "entered"
        assert [r.position for r in db.session.query(ChangeCasePerson).filter_by(case_id=case_id)] == [1]


def test_the_entry_form_labels_every_box_and_loads_its_vendored_script(app, collected_case):
    worker, case_id = collected_case
    html = worker.get(f"/changes/show/{case_id}").get_data(as_text=True)
    form = html[html.index('id="case-persons"'):html.index("</fieldset>")]
    ids = re.findall(r'<(?:input|select)[^>]* id="([^"]+)"', form)
    assert len(ids) == 5
    for field_id in ids:
        assert f'<label for="{field_id}">' in form
    assert "姓名" in form and "名称" not in form
    assert "添加一人" in form and "第1人" in form
    script = re.search(r'<script src="([^"]*case_persons\.js)"', html)
    assert script and script.group(1).startswith("/static/")
    assert worker.get(script.group(1)).status_code == 200
    source = (Path(__file__).parents[1] / "app" / "static" / "js" / "case_persons.js").read_text()
    assert "http" not in source


def test_the_printed_form_has_a_page_for_each_person(app, collected_case):
    from app.changes.printing import registration_form_context
    from app.documents.models import Document
    from app.documents.pdf import render_html, render_pdf

    worker, case_id = collected_case
    assert _post(worker, case_id, FAMILY).status_code == 302
    assert worker.post(f"/changes/form/{case_id}").status_code == 302
    with app.app_context():
        document = db.session.query(Document).order_by(Document.id.desc()).first()
        context = registration_form_context(document)
        assert [f["name"] for f in context["forms"]] == ["张大山", "李小花", "张小宝"]
        assert [f["id_number"] for f in context["forms"]] == [HUSBAND, WIFE, CHILD]
        assert "李小花、张小宝" in context["forms"][0]["people_note"]
        html = render_html("registration_form.html", context)
        assert html.count("实有人口居住登记表</h1>") == 3
        # each page ticks the person's category, in the plan's words (it ticked none: 境内来沪人员 ≠ 境内外来沪人员)
        assert html.count('<span class="check on">境内外来沪人员</span>') == 3
        pdf = render_pdf("registration_form.html", context, strict=True)
    assert pdf[:4] == b"%PDF"
    SHOTS.mkdir(exist_ok=True)
    (SHOTS / "14_registration_form_family.pdf").write_bytes(pdf)  # for a person to look at (pdftoppm)


@pytest.mark.browser
def test_a_family_entered_in_a_real_browser_at_360_px(live_server, browser, app, collected_case):
    from tests.conftest import SHOTS, USER_PASSWORD

    _worker, case_id = collected_case
    page = browser.new_page(viewport={"width": 360, "height": 740})
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{live_server}/login/")
    page.fill("#username", "sw_gang1")
    page.fill("#password", USER_PASSWORD)
    page.click("[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{live_server}/changes/show/{case_id}")
    for _ in range(3):
        page.click("#case-person-add")
    assert page.locator("#case-persons [data-row]").count() == 4
    page.locator("#case-persons [data-row]").nth(3).locator("[data-remove-person]").click()
    assert page.locator("#case-persons [data-row]").count() == 3
    assert page.locator("#case-persons .case-person-no").all_inner_texts() == ["第1人", "第2人", "第3人"]
    wrong = CHILD[:-1] + ("0" if CHILD[-1] != "0" else "1")
    page.select_option("#city_system-enter", "migrant")
    for n, (row, number) in enumerate(zip(FAMILY, (HUSBAND, WIFE, wrong)), start=1):
        assert page.locator(f'label[for="entry-name-{n}"]').inner_text() == "姓名"
        page.fill(f"#entry-name-{n}", row["name"])
        page.fill(f"#entry-id-{n}", number)
        page.select_option(f"#entry-category-{n}", "migrant")
    page.locator("#case-persons").evaluate("el => el.closest('form').submit()")
    page.wait_for_load_state()
    page.screenshot(path=str(SHOTS / "14_case_persons_refused_360.png"), full_page=True)
    assert "第3人：身份证号码校验位不正确" in page.content()
    assert page.input_value("#entry-name-3") == "张小宝" and page.input_value("#entry-id-3") == wrong
    # the rows can still be added and removed on the page that came back
    assert page.locator("#case-person-add").is_visible(), errors
    assert page.locator("#case-persons [data-remove-person]").nth(2).is_visible()
    page.fill("#entry-id-3", CHILD)
    page.locator("#case-persons").evaluate("el => el.closest('form').submit()")
    page.wait_for_load_state()
    page.screenshot(path=str(SHOTS / "14_case_persons_entered_360.png"), full_page=True)
    assert "张大山、李小花、张小宝" in page.content()
    with app.app_context():
        assert db.session.get(ChangeCase, case_id).stage == "entered"
        assert _count(ChangeCasePerson) == 3


def test_a_family_moving_out_is_cancelled_in_one_step(app, places, users):
    with app.app_context():
        ids = []
        for name, number in (("张大山", HUSBAND), ("李小花", WIFE)):
            person = Person(name=name, id_number=number, category="migrant")
            db.session.add(person)
            db.session.flush()
            db.session.add(Residence(person_id=person.id, house_id=places["钢一"]["houses"][1],
                                     start_date=dt.date(2020, 1, 1)))
            ids.append(person.id)
        db.session.commit()
    worker = client_as(app, "sw_gang1")
    worker.post("/changes/report", data={"kind": "move_out", "house": places["钢一"]["houses"][1],
                                         "people_note": "夫妻二人搬走"})
    with app.app_context():
        case_id = db.session.scalar(select(ChangeCase.id))
    client_as(app, "bl_gang1").post(f"/changes/act/{case_id}", data={"action": "collect"})
    html = worker.get(f"/changes/show/{case_id}").get_data(as_text=True)
    assert 'id="entry-id-1"' in html and 'id="cancel-reason"' in html
    from werkzeug.datastructures import MultiDict

    form = MultiDict([("action", "cancel"), ("city_system", "migrant"), ("entry_date", "2026-06-01"),
                      ("reason", "搬离本市"), ("name", "张大山"), ("id_number", HUSBAND),
                      ("name", "李小花"), ("id_number", WIFE)])
    assert worker.post(f"/changes/act/{case_id}", data=form).status_code == 302
    with app.app_context():
        assert db.session.get(ChangeCase, case_id).stage == "cancelled"
        for person_id in ids:
            residence = db.session.query(Residence).filter_by(person_id=person_id).one()
            assert residence.end_date == dt.date(2026, 6, 1) and residence.end_reason == "搬离本市"
        assert sorted(r.person_id for r in db.session.query(ChangeCasePerson).filter_by(case_id=case_id)) == ids
