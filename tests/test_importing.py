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
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
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
    assert "第7行 [人员类别] 未知的人员类别“外星人”：应为户籍、人户分离、来沪或境外" in text
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


def _register(app, places, name, number, committee="钢二", house_index=0):
    """A person already living in ``committee`` (a house of the ``places`` fixture)."""
    from app.extensions import db
    from app.models import Person, Residence

    with app.app_context():
        person = Person(name=name, id_number=number, category="shanghai_household")
        db.session.add(person)
        db.session.add(Residence(person=person, house_id=places[committee]["houses"][house_index],
                                 start_date=dt.date(2019, 1, 1)))
        db.session.commit()
        return person.id


def test_a_person_living_in_another_committee_is_a_transfer_not_an_overwrite(app, runner, tmp_path, places):
    from app.extensions import db
    from app.models import Person, Residence

    person_id = _register(app, places, "周迁", idn(301), committee="钢二")
    path = workbook(tmp_path / "move.xlsx", [person_row(1, "周迁", idn(301), committee="钢一", phone="13700000000")])
    code, summary, lines = run(runner, path)
    assert code == 1 and summary["errors"] == 1
    assert lines == ["第2行 [居委] 此人已在其他居委居住：属于迁移，须由该居委确认，不能直接覆盖"]
    with app.app_context():
        person = db.session.get(Person, person_id)
        assert person.committee_id == places["钢二"]["committee"] and person.phone is None
        assert db.session.scalar(select(func.count()).select_from(Residence)) == 1


def test_a_committee_user_importing_a_person_of_another_committee_requests_a_transfer(app, runner, tmp_path,
                                                                                     users, places):
    from app.changes.models import TransferRequest
    from app.extensions import db
    from app.models import Person, Residence

    person_id = _register(app, places, "吴迁", idn(311), committee="钢二")
    path = workbook(tmp_path / "transfer.xlsx", [person_row(1, "吴迁", idn(311), committee="钢一", room="909")])
    code, summary, lines = run(runner, path, "--as", "sw_gang1", "--dry-run")
    assert code == 0 and summary["transfers"] == 1 and summary["errors"] == 0
    assert lines == ["第2行 [居委] 将申请迁移：此人登记在其他居民区，导入时将请该居民区确认迁入"]
    assert count(app, TransferRequest) == 0

    code, summary, lines = run(runner, path, "--as", "sw_gang1")
    assert code == 0 and summary["transfers"] == 1 and summary["errors"] == 0 and lines == []
    with app.app_context():
        request = db.session.scalars(select(TransferRequest)).one()
        assert (request.person_id, request.status) == (person_id, "pending")
        assert request.from_committee_id == places["钢二"]["committee"]
        assert request.to_committee_id == places["钢一"]["committee"]
        # Nothing moved until 钢二 confirms.
        assert db.session.get(Person, person_id).committee_id == places["钢二"]["committee"]
        assert db.session.scalar(select(func.count()).select_from(Residence)) == 1

    # The same file again: the pending request is not asked twice.
    code, summary, _ = run(runner, path, "--as", "sw_gang1")
    assert code == 0 and summary["transfers"] == 0 and summary["unchanged"] == 1
    assert count(app, TransferRequest) == 1


def test_a_committee_user_cannot_import_into_another_committee(app, runner, tmp_path, users, places):
    from app.models import Person

    other_id = _register(app, places, "钱外", idn(401), committee="钢二")
    rows = [person_row(1, "孙本", idn(402), committee="钢一"),
            person_row(2, "钱外", idn(401), committee="钢二", phone="13600000000")]
    path = workbook(tmp_path / "scope.xlsx", rows)
    code, summary, lines = run(runner, path, "--as", "sw_gang1", "--skip-invalid")
    assert code == 0 and summary["persons_created"] == 1 and summary["errors"] == 1
    assert lines == ["第3行 [居委] 委员会不在本人负责范围（钢二）"]
    assert count(app, Person) == 2
    from app.extensions import db

    with app.app_context():
        assert db.session.get(Person, other_id).phone is None  # untouched

    # The same through the page, as that social worker: the check names the row; nothing is imported.
    client = client_as(app, "sw_gang1")
    response = client.post("/imports/upload", data={"file": (io.BytesIO(path.read_bytes()), "scope.xlsx")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "委员会不在本人负责范围（钢二）" in html
    assert '/run"' not in html  # no import button while a row is bad


def test_the_page_checks_then_imports_with_progress_and_a_result(app, admin_client, tmp_path):
    from app.extensions import db
    from app.importing.models import ImportJob
    from app.models import Person

    rows = [person_row(i, f"吴{i}", idn(500 + i)) for i in range(1, 6)]
    data = workbook(tmp_path / "page.xlsx", rows).read_bytes()
    response = admin_client.post("/imports/upload", data={"file": (io.BytesIO(data), "page.xlsx")},
                                 content_type="multipart/form-data")
    assert response.status_code == 302
    job_url = response.headers["Location"]
    page = admin_client.get(job_url).get_data(as_text=True)
    assert "已检查" in page and "导入" in page
    with app.app_context():
        job = db.session.scalars(select(ImportJob)).one()
        assert (job.rows_done, job.rows_total, job.summary["persons_created"]) == (5, 5, 5)
        job_id = job.id
    assert count(app, Person) == 0  # the check wrote nothing
    status = admin_client.get(f"/imports/job/{job_id}/status").get_json()
    assert status == {"state": "checked", "done": 5, "total": 5, "finished": True}
    response = admin_client.post(f"/imports/job/{job_id}/run", follow_redirects=True)
    assert response.status_code == 200 and "已导入" in response.get_data(as_text=True)
    assert count(app, Person) == 5
    # Another account cannot see the job.
    assert admin_client.post(f"/imports/job/{job_id}/run").status_code == 302  # imported already: refused, no 500


def test_broker_down_leaves_the_upload_a_failed_job_that_says_so(app, app_config, tmp_path):
    """The job is committed before its check is sent (a worker must find it); a broker that cannot be reached
    leaves it failed, in its own commit, and the page says why instead of a 500 or a job queued for ever."""
    from app import create_app
    from app.extensions import db
    from app.importing.models import ImportJob
    from tests.conftest import login

    down = create_app({**app_config, "CELERY_BROKER_URL": "redis://127.0.0.1:6390/0",
                       "CELERY_BROKER_CONNECT_TIMEOUT": 0.5, "CELERY_PUBLISH_MAX_RETRIES": 1})
    client = down.test_client()
    login(client)
    data = workbook(tmp_path / "down.xlsx", [person_row(1, "郑断", idn(601))]).read_bytes()
    response = client.post("/imports/upload", data={"file": (io.BytesIO(data), "down.xlsx")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert response.status_code == 200
    assert "后台服务暂不可用" in response.get_data(as_text=True)
    with down.app_context():
        job = db.session.scalars(select(ImportJob)).one()
        assert (job.state, job.message, job.file_name) == ("failed", "broker_unavailable", "down.xlsx")


def test_malformed_encrypted_too_large_and_too_long_files_are_messages(app, admin_client, runner, tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a workbook at all")
    code, summary, lines = run(runner, bad)
    assert code == 2 and summary["message"] == "文件不是可读取的 Excel 工作簿（.xlsx）"
    locked = tmp_path / "locked.xlsx"
    locked.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    code, summary, _ = run(runner, locked)
    assert code == 2 and summary["message"] == "工作簿设有密码或为旧版 .xls 文件：请另存为无密码的 .xlsx"
    no_header = workbook(tmp_path / "nohead.xlsx", [["a", "b"]], headers=["姓名", "证件号码", "居委"])
    code, summary, _ = run(runner, no_header)
    assert code == 2 and summary["message"].startswith("未找到表头行或缺少列：地址、室号")
    app.config["IMPORT_MAX_ROWS"] = 2
    many = workbook(tmp_path / "many.xlsx", [person_row(i, f"多{i}", idn(600 + i)) for i in range(3)])
    code, summary, _ = run(runner, many)
    assert code == 2 and summary["message"] == "工作表超过 2 行，请拆分为多个文件"
    app.config["IMPORT_MAX_MB"] = 0
    response = admin_client.post("/imports/upload", data={"file": (io.BytesIO(many.read_bytes()), "many.xlsx")},
                                 content_type="multipart/form-data", follow_redirects=True)
    assert response.status_code == 200 and "文件超过 0 MB" in response.get_data(as_text=True)
    app.config["IMPORT_MAX_MB"] = 30
    response = admin_client.post("/imports/upload", data={"file": (io.BytesIO(b"xx"), "locked.xlsx")},
                                 content_type="multipart/form-data", follow_redirects=True)
    assert response.status_code == 200 and "文件不是可读取的 Excel 工作簿" in response.get_data(as_text=True)


def test_names_addresses_rooms_and_numbers_are_checked_as_the_forms_check_them(app, runner, tmp_path):
    """The importer reads text through app/domain/textinput.py and numbers through resolve_identity: the same
    normal forms and the same messages as the person form."""
    from app.extensions import db
    from app.models import Person

    mainland = idn(705)
    rows = [person_row(1, "+-张三", idn(701)),
            person_row(2, "李四", idn(702)),
            person_row(3, "赵\u200b五", idn(703)),
            person_row(4, "钱  六", idn(704), room="１０２室"),
            person_row(5, "孙七", mainland[:-1] + ("1" if mainland[-1] == "0" else "0"), id_type="护照"),
            person_row(6, "周八", mainland, id_type="护照"),
            person_row(7, "吴九", make_id_number("999999", dt.date(1980, 5, 17), 707))]
    rows[1][8] = "@SUM(A1)上海"
    code, summary, lines = run(runner, workbook(tmp_path / "f.xlsx", rows), "--skip-invalid")
    assert code == 0 and summary["errors"] == 5 and summary["persons_created"] == 2
    assert lines == [
        "第2行 [姓名] 内容不能以 =、+、- 或 @ 开头。",
        "第3行 [户籍地址] 内容不能以 =、+、- 或 @ 开头。",
        "第4行 [姓名] 内容含有控制字符、不可见字符或不存在的字符，请重新输入。",
        "第6行 [证件号码] 身份证号码校验位不正确，请逐位核对。",
        "第8行 [证件号码] 身份证号码地区码不存在（前6位不是有效的行政区划代码）。",
    ]
    with app.app_context():
        people = {p.name: p for p in db.session.scalars(select(Person))}
        assert set(people) == {"钱 六", "周八"}
        # A mainland-shaped number is a mainland ID whatever 证件类型 said: sex and birth date come from it.
        assert people["周八"].id_type == "resident_id" and people["周八"].birth_date == dt.date(1980, 5, 17)
        assert people["钱 六"].residences[0].house.room == "102"


def test_review_queue_for_possible_duplicates_merge_and_keep_apart(app, admin_client, runner, tmp_path, places):
    from app.audit.models import AuditEvent
    from app.extensions import db
    from app.importing.models import ImportReview
    from app.models import Person, Residence

    born = dt.date(1975, 3, 8)
    same_name_id = _register(app, places, "郑同", make_id_number("310115", born, 11), committee="钢一")
    eighteen = make_id_number("310115", dt.date(1968, 2, 3), 21)
    old_id = _register(app, places, "冯旧", eighteen, committee="钢一", house_index=1)
    fifteen = eighteen[:6] + eighteen[8:17]
    rows = [person_row(1, "郑同", make_id_number("310115", born, 13), room="102"),
            person_row(2, "冯旧", fifteen, phone="13500000000", room="102"),
            person_row(3, "卫新", idn(801))]
    path = workbook(tmp_path / "dups.xlsx", rows)
    code, summary, _ = run(runner, path)
    assert code == 0 and summary["review"] == 2 and summary["persons_created"] == 1
    assert count(app, Person) == 3
    with app.app_context():
        reviews = {r.reason: (r.id, r.person_id) for r in db.session.scalars(select(ImportReview))}
    assert reviews["same_name_birth"][1] == same_name_id and reviews["upgraded_15"][1] == old_id

    # Importing the same file again: nothing new, nothing queued twice.
    code, summary, _ = run(runner, path)
    assert summary["unchanged"] == 3 and summary["review"] == 0 and count(app, ImportReview) == 2

    page = admin_client.get("/imports/review").get_data(as_text=True)
    assert "郑同" in page and "姓名、出生日期相同，证件号码不同" in page
    with app.app_context():
        last_event = db.session.scalar(select(func.max(AuditEvent.id)))
    response = admin_client.post(f"/imports/review/{reviews['upgraded_15'][0]}/merged", follow_redirects=True)
    assert "已与已登记人员合并" in response.get_data(as_text=True)
    response = admin_client.post(f"/imports/review/{reviews['same_name_birth'][0]}/kept_apart",
                                 follow_redirects=True)
    assert "已分别登记为新人员" in response.get_data(as_text=True)
    with app.app_context():
        merged = db.session.get(Person, old_id)
        assert merged.phone == "13500000000" and merged.id_number == eighteen
        assert db.session.scalar(select(func.count()).select_from(Person).where(Person.name == "郑同")) == 2
        assert db.session.scalar(select(func.count()).select_from(Residence).where(
            Residence.person_id == old_id, Residence.end_date.is_(None))) == 1
        actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.id > last_event)))
        assert {"import_review_merged", "import_review_kept_apart", "update", "create"} <= actions
    assert admin_client.post(f"/imports/review/{reviews['upgraded_15'][0]}/merged").status_code == 404
    # Decided rows stay decided: the same file again changes nothing.
    code, summary, _ = run(runner, path)
    assert summary["persons_created"] == 0 and summary["review"] == 0 and count(app, Person) == 4


def test_round_trip_the_register_export_imports_unchanged(app, admin_client, runner, tmp_path):
    from app.models import Person

    rows = [person_row(i, f"陈{i}", idn(900 + i), room=f"{200 + i}", category=("户籍", "人户分离", "来沪")[i % 3])
            for i in range(1, 7)]
    code, summary, _ = run(runner, workbook(tmp_path / "first.xlsx", rows))
    assert code == 0 and summary["persons_created"] == 6
    response = admin_client.get("/imports/export")
    assert response.status_code == 200
    exported = tmp_path / "exported.xlsx"
    exported.write_bytes(response.data)
    assert [c.value for c in load_workbook(exported).active[1]][:3] == ["居委", "地址", "室号"]
    code, summary, _ = run(runner, exported)
    assert code == 0 and summary["rows"] == 6 and summary["unchanged"] == 6 and count(app, Person) == 6


def test_the_person_list_export_is_refused_with_a_message_and_the_page_names_the_export_to_use(
        app, admin_client, runner, tmp_path):
    code, summary, _ = run(runner, workbook(tmp_path / "first.xlsx", [person_row(1, "陈一", idn(951))]))
    assert code == 0 and summary["persons_created"] == 1
    response = admin_client.get("/persons/export/")
    assert response.status_code == 200
    exported = tmp_path / "persons.xlsx"
    exported.write_bytes(response.data)
    code, summary, lines = run(runner, exported)
    assert code == 2 and summary["error"] == "no_header"
    assert summary["message"] == "未找到表头行或缺少列：地址、室号、入住日期"
    page = admin_client.get("/imports/").get_data(as_text=True)
    assert "请使用上方的“按此格式导出登记表”" in page


def test_template_has_headers_an_example_and_a_comment_on_each_header(admin_client):
    response = admin_client.get("/imports/template")
    sheet = load_workbook(io.BytesIO(response.data)).active
    headers = [c.value for c in sheet[1]]
    assert headers == ["居委", "地址", "室号", "姓名", "证件类型", "证件号码", "人员类别", "户籍地址", "联系电话", "入住日期"]
    assert all(c.comment is not None and c.comment.text for c in sheet[1])
    assert sheet["A2"].value == "钢一"


def test_an_id_number_typed_into_a_number_cell_says_to_format_the_column_as_text(app, runner, tmp_path):
    from app.models import Person

    number = idn(11, born=dt.date(1982, 2, 2))
    rows = [person_row(1, "数一", int(number)),  # a number cell: Excel keeps 15 digits, the last three are lost
            person_row(2, "数二", "3.10115E+17"),  # what Excel shows for it, typed back as text
            person_row(3, "数三", number[:6] + number[8:17])]  # a 15-digit old number fits in a number cell
    rows[2][6] = int(rows[2][6])
    code, summary, lines = run(runner, workbook(tmp_path / "numeric.xlsx", rows), "--skip-invalid")
    assert code == 0 and summary["errors"] == 2 and summary["persons_created"] == 1
    assert lines == [
        "第2行 [证件号码] 证件号码被存成了数字（Excel 显示为 3.10115E+17），末几位已丢失：请将该列设置为“文本”格式后重新输入证件号码。",
        "第3行 [证件号码] 证件号码被存成了数字（Excel 显示为 3.10115E+17），末几位已丢失：请将该列设置为“文本”格式后重新输入证件号码。",
    ]
    assert count(app, Person) == 1


def _duplicates_file(tmp_path, name="dupfile.xlsx"):
    """Seven rows in batches of two: possible duplicates inside one batch and across batches, a number repeated
    with the same name in a later batch, and its 15-digit form in yet another."""
    born = dt.date(1966, 6, 6)
    eighteen = make_id_number("310115", dt.date(1958, 4, 9), 31)
    rows = [
        person_row(1, "韩同", make_id_number("310115", born, 1)),
        person_row(2, "韩同", make_id_number("310115", born, 3)),  # same batch: name + birth date, other number
        person_row(3, "许旧", eighteen, room="102"),
        person_row(4, "韩同", make_id_number("310115", born, 5), room="103"),  # next batch: the same again
        person_row(5, "许旧", eighteen, room="102"),  # the same person again, two batches later
        person_row(6, "许旧", eighteen[:6] + eighteen[8:17], room="102"),  # the 15-digit form of row 4's number
        person_row(7, "曹独", idn(12, born=dt.date(1982, 2, 2)), room="104"),
    ]
    return workbook(tmp_path / name, rows)


def test_the_check_counts_possible_duplicates_as_the_import_does_across_batches(app, runner, tmp_path):
    from app.audit.models import AuditEvent
    from app.extensions import db
    from app.importing.models import ImportReview
    from app.models import Person, Residence

    app.config["IMPORT_BATCH_ROWS"] = 2
    path = _duplicates_file(tmp_path)
    code, checked, _ = run(runner, path, "--dry-run")
    assert code == 0 and count(app, Person) == 0
    with app.app_context():
        last_event = db.session.scalar(select(func.max(AuditEvent.id))) or 0
    code, imported, _ = run(runner, path)
    assert code == 0 and imported["imported"] is True
    for key in ("rows", "valid", "errors", "persons_created", "houses_created", "residences_created", "review",
                "unchanged"):
        assert checked[key] == imported[key], key
    assert (imported["persons_created"], imported["review"], imported["unchanged"]) == (3, 2, 2)
    assert count(app, Person) == 3 and count(app, Residence) == 3 and count(app, ImportReview) == 2
    with app.app_context():
        first = db.session.execute(select(Person).filter_by(id_number=make_id_number(
            "310115", dt.date(1966, 6, 6), 1))).scalar_one()
        held = db.session.scalars(select(ImportReview)).all()
        assert {r.person_id for r in held} == {first.id} and {r.reason for r in held} == {"same_name_birth"}
        assert sorted(r.row["row_no"] for r in held) == [3, 5]
        # Bulk-written rows read back through the ORM as any other, each with its "create" audit row.
        assert first.created_at is not None and first.residences[0].start_date == dt.date(2020, 5, 1)
        created = db.session.execute(select(AuditEvent).where(
            AuditEvent.id > last_event, AuditEvent.model == "Person", AuditEvent.action == "create",
            AuditEvent.record_id == first.id)).scalar_one()
        assert created.after["id_number"] == first.id_number and created.actor_name == "import-register"
    code, again, _ = run(runner, path)
    assert code == 0 and again["unchanged"] == 7 and again["persons_created"] == again["review"] == 0
    with app.app_context():  # the ids the import took are the table's own: the next form-made person gets a new one
        db.session.add(Person(name="表单", id_number=idn(14, born=dt.date(1985, 5, 5)), category="migrant"))
        db.session.commit()
    assert count(app, Person) == 4


def test_a_number_twice_with_another_name_is_caught_across_batches_and_a_late_bad_row_imports_nothing(
        app, runner, tmp_path):
    from app.models import House, Person

    app.config["IMPORT_BATCH_ROWS"] = 2
    rows = [person_row(i, f"冯{i}", idn(i, born=dt.date(1983, 3, 3)), room=f"{300 + i}") for i in range(1, 6)]
    rows.append(person_row(6, "冯另", idn(1, born=dt.date(1983, 3, 3))))  # row 7 of the sheet, the number of row 2, two batches later
    path = workbook(tmp_path / "late.xlsx", rows)
    code, summary, lines = run(runner, path)
    assert code == 1 and summary["imported"] is False and summary["errors"] == 1
    assert lines == ["第7行 [证件号码] 证件号码与第2行相同，但姓名不同"]
    assert count(app, Person) == 0 and count(app, House) == 0  # the first batches were written, then rolled back
    code, summary, _ = run(runner, path, "--skip-invalid")
    assert code == 0 and summary["persons_created"] == 5 and count(app, Person) == 5


def test_a_damaged_workbook_is_a_message(app, runner, tmp_path):
    good = workbook(tmp_path / "good.xlsx", [person_row(1, "损一", idn(13, born=dt.date(1984, 4, 4)))])
    damaged = tmp_path / "damaged.xlsx"
    damaged.write_bytes(good.read_bytes()[:400])  # a zip cut short
    code, summary, _ = run(runner, damaged)
    assert code == 2 and summary["message"] == "文件不是可读取的 Excel 工作簿（.xlsx）"


def test_a_transfer_between_new_persons_of_one_batch_leaves_their_ids_apart(app, runner, tmp_path, users, places):
    from app.changes.models import TransferRequest
    from app.models import Person

    _register(app, places, "严迁", idn(15, born=dt.date(1986, 6, 6)), committee="钢二")
    rows = [person_row(1, "严一", idn(16, born=dt.date(1986, 6, 6)), room="501"),
            person_row(2, "严迁", idn(15, born=dt.date(1986, 6, 6)), room="502"),  # asks 钢二 for a transfer
            person_row(3, "严三", idn(17, born=dt.date(1986, 6, 6)), room="503")]
    code, summary, lines = run(runner, workbook(tmp_path / "mixed-transfer.xlsx", rows), "--as", "sw_gang1")
    assert code == 0 and lines == [], lines
    assert (summary["persons_created"], summary["transfers"], summary["errors"]) == (2, 1, 0)
    assert count(app, Person) == 3 and count(app, TransferRequest) == 1


def test_a_move_within_the_committee_ends_the_old_residence_and_opens_a_new_one(app, runner, tmp_path):
    from app.extensions import db
    from app.models import Person, Residence

    number = idn(18, born=dt.date(1987, 7, 7))
    run(runner, workbook(tmp_path / "before.xlsx", [person_row(1, "潘搬", number, room="601")]))
    moved = workbook(tmp_path / "after.xlsx", [person_row(1, "潘搬", number, room="602", start="2023-03-01")])
    code, checked, _ = run(runner, moved, "--dry-run")
    code, summary, _ = run(runner, moved)
    assert code == 0 and summary["updated"] == 1 and summary["residences_created"] == 1
    assert (checked["updated"], checked["residences_created"], checked["houses_created"]) == (1, 1, 1)
    with app.app_context():
        person = db.session.execute(select(Person).filter_by(id_number=number)).scalar_one()
        spans = sorted((r.house.room, r.start_date, r.end_date) for r in person.residences)
        assert spans == [("601", dt.date(2020, 5, 1), dt.date(2023, 3, 1)), ("602", dt.date(2023, 3, 1), None)]
        assert db.session.scalar(select(func.count()).select_from(Residence)) == 2
