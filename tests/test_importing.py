"""Loading the register from Excel (issue 15): the CLI, the page, the review queue, scope and safety."""
from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from app.domain.idnumber import make_id_number
from tests.conftest import client_as

HEADERS = ["序号", "居委", "地址", "室号", "姓名", "证件类型", "证件号码", "人员类别", "户籍地址", "联系电话", "入住日期",
           "备注"]


def idn(seq: int, born=dt.date(1980, 5, 17), region="310115") -> str:
    return make_id_number(region, born, seq)


def person_row(n, name, number, committee="钢一", building="上南路100弄1号", room="101", category="户籍",
               phone="13800138000", start="2020-05-01", id_type="居民身份证"):
    return [n, committee, building, room, name, id_type, number, category, "上海市浦东新区", phone, start, "x"]


def workbook(path, rows, headers=HEADERS):
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def run(runner, path, *args):
    result = runner.invoke(args=["import-register", str(path), *args])
    lines = [line for line in result.output.splitlines() if line.strip()]
    return result.exit_code, json.loads(lines[-1]), lines[:-1]


def count(app, model):
    from app.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_every_kind_of_bad_row_is_named_and_nothing_is_written(app, runner, tmp_path):
    from app.models import Person

    good = idn(11)
    bad_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    impossible = "310115" + "19800231" + "123"
    impossible += "0"  # wrong check too, but the birth date is checked first
    rows = [
        person_row(1, "王一", good),
        person_row(2, "王二", bad_check),
        person_row(3, "王三", impossible),
        person_row(4, "王四", idn(41), committee="不存在居委"),
        person_row(5, "", idn(51)),
        person_row(6, "王六", idn(61), category="外星人"),
        person_row(7, "王七", idn(71), start="2020-13-45"),
        person_row(8, "王八", idn(81), start="2027-01-01"),
        person_row(9, "王九", good),  # same number as row 2 of the sheet, another name
    ]
    path = workbook(tmp_path / "bad.xlsx", rows)
    code, summary, lines = run(runner, path)
    assert code == 1
    assert summary["rows"] == 9 and summary["errors"] == 8 and summary["valid"] == 1
    assert summary["persons_created"] == 1 and summary["imported"] is False
    text = "\n".join(lines)
    assert "第3行 [证件号码] 身份证号码校验位不正确" in text
    assert "第4行 [证件号码] 身份证号码中的出生日期不存在" in text
    assert "第5行 [居委] 居委“不存在居委”不存在" in text
    assert "第6行 [姓名] 姓名为空" in text
    assert "第7行 [人员类别] 未知的人员类别“外星人”：应为户籍、人户分离或来沪" in text
    assert "第8行 [入住日期] 入住日期“2020-13-45”不是日期" in text
    assert "第9行 [入住日期] 入住日期“2027-01-01”晚于今天" in text
    assert "第10行 [证件号码] 证件号码与第2行相同，但姓名不同" in text
    assert count(app, Person) == 0


def test_import_then_same_file_again_creates_nothing_and_a_change_is_audited(app, runner, tmp_path):
    from app.audit.models import AuditEvent
    from app.extensions import db
    from app.models import Building, House, Person, Residence

    rows = [person_row(i, f"李{i}", idn(100 + i), room=f"{100 + i % 3}") for i in range(1, 8)]
    path = workbook(tmp_path / "ok.xlsx", rows)
    code, summary, _ = run(runner, path, "--dry-run")
    assert code == 0 and summary["persons_created"] == 7 and summary["houses_created"] == 3
    assert count(app, Person) == 0  # a dry run writes nothing

    code, summary, _ = run(runner, path)
    assert code == 0 and summary["imported"] is True
    assert (summary["persons_created"], summary["houses_created"], summary["residences_created"]) == (7, 3, 7)
    assert count(app, Person) == 7 and count(app, Residence) == 7 and count(app, House) == 3
    with app.app_context():
        committee_ids = set(db.session.scalars(select(Person.committee_id)))
        assert len(committee_ids) == 1 and None not in committee_ids
        assert db.session.scalar(select(func.count()).select_from(Building)) == 1

    code, summary, _ = run(runner, path)
    assert code == 0 and summary["unchanged"] == 7
    assert summary["persons_created"] == summary["houses_created"] == summary["residences_created"] == 0

    rows[2][9] = "13900000000"
    with app.app_context():
        last_event = db.session.scalar(select(func.max(AuditEvent.id)))
    code, summary, _ = run(runner, workbook(tmp_path / "ok2.xlsx", rows))
    assert code == 0 and summary["updated"] == 1 and summary["unchanged"] == 6
    with app.app_context():
        person = db.session.execute(select(Person).filter_by(id_number=idn(103))).scalar_one()
        assert person.phone == "13900000000"
        event = db.session.execute(select(AuditEvent).where(
            AuditEvent.id > last_event, AuditEvent.model == "Person", AuditEvent.action == "update")).scalar_one()
        assert event.before == {"phone": "13800138000"} and event.after == {"phone": "13900000000"}
        assert event.actor_name == "import-register"
        summary_event = db.session.execute(select(AuditEvent).where(
            AuditEvent.id > last_event, AuditEvent.action == "import_register")).scalar_one()
        assert "ok2.xlsx" in summary_event.detail and "sha256=" in summary_event.detail


def test_skip_invalid_imports_the_good_rows(app, runner, tmp_path):
    from app.models import Person

    rows = [person_row(1, "赵一", idn(201)), person_row(2, "", idn(202)), person_row(3, "赵三", idn(203))]
    path = workbook(tmp_path / "mixed.xlsx", rows)
    assert run(runner, path)[0] == 1 and count(app, Person) == 0
    code, summary, _ = run(runner, path, "--skip-invalid", "--errors", str(tmp_path / "err.xlsx"))
    assert code == 0 and summary["persons_created"] == 2 and summary["errors"] == 1
    assert count(app, Person) == 2
    sheet = load_workbook(tmp_path / "err.xlsx").active
    assert [c.value for c in sheet[2]] == [3, "姓名", "姓名为空"]
