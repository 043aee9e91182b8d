"""Documents end to end in the embedded set-up (no broker: Celery runs the tasks in-process, eagerly).

Requesting from the UI, the stored job and file, download rules, scoping (via app.access.scoping, monkeypatched to a
narrower scope), template errors, missing glyphs, a broker that is down, redelivery, stale jobs, /health.
Real workers on Redis are in test_worker.py.
"""
from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import time

import pytest

from app.documents import jobs, service
from app.documents.models import Document

pytestmark = pytest.mark.usefixtures("clean_documents")

KIND = "population_register"


def admin_user(app):
    """The admin user (inside an app context)."""
    return app.appbuilder.sm.find_user(username="admin")


def admin_id(app) -> int:
    with app.app_context():
        return admin_user(app).id


def only_committees(monkeypatch, *ids):
    """Narrow app.access.scoping to the given committees (everything in the portal asks it)."""
    from app.access import scoping

    monkeypatch.setattr(scoping, "visible_committee_ids", lambda user=None: frozenset(ids))


def documents(app):
    from app.extensions import db

    with app.app_context():
        return [(d.id, d.state, d.committee_id) for d in db.session.query(Document).order_by(Document.id)]


def get(app, document_id) -> Document:
    from app.extensions import db

    with app.app_context():
        document = db.session.get(Document, document_id)
        db.session.expunge(document)
        return document


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True, text=True)
    return re.sub(r"\s+", "", out.stdout)


# --------------------------------------------------------------------------------------------------------------

def test_embedded_default_runs_tasks_in_process(app):
    conf = app.extensions["celery"].conf
    assert conf.task_always_eager is True
    assert conf.broker_url == "memory://"


def test_broker_configuration_for_real_workers():
    from app.celery_app import celery_config

    conf = celery_config({"CELERY_BROKER_URL": "redis://127.0.0.1:6379/0", "CELERY_TASK_TIME_LIMIT": 300,
                          "CELERY_TASK_SOFT_TIME_LIMIT": 240})
    assert conf["task_always_eager"] is False
    assert conf["task_acks_late"] is True and conf["task_reject_on_worker_lost"] is True
    assert conf["worker_prefetch_multiplier"] == 1
    assert conf["task_soft_time_limit"] < conf["task_time_limit"] == 300
    assert conf["broker_transport_options"]["visibility_timeout"] > conf["task_time_limit"]
    assert conf["worker_max_memory_per_child"] > 0
    assert conf["task_serializer"] == "json" and conf["accept_content"] == ["json"]
    assert "documents-mark-stale-jobs" in conf["beat_schedule"]


def test_request_from_the_ui_renders_stores_and_downloads(app, admin_client, places, tmp_path):
    committee = places["钢一"]["committee"]
    form = admin_client.get("/documents/request")
    assert form.status_code == 200
    assert f'value="{committee}"' in form.get_data(as_text=True)

    response = admin_client.post("/documents/request", data={"kind": KIND, "committee": str(committee)})
    assert response.status_code == 302
    document_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    document = get(app, document_id)
    assert document.state == "done", (document.error_code, document.error_detail)
    assert document.committee_id == committee
    assert document.requested_by_fk == admin_id(app) and "admin" in document.requested_by
    assert document.requested_at and document.finished_at and document.size_bytes > 1000
    assert document.attempts == 1

    show = admin_client.get(f"/documents/show/{document_id}")
    assert show.status_code == 200
    assert f"/documents/file/{document_id}" in show.get_data(as_text=True)
    listing = admin_client.get("/documents/list/").get_data(as_text=True)
    assert f"/documents/file/{document_id}" in listing
    status = admin_client.get(f"/documents/status/{document_id}").get_json()
    assert status["state"] == "done" and status["finished"] and status["download_url"]

    pdf = admin_client.get(f"/documents/file/{document_id}")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF-") and len(pdf.data) == document.size_bytes
    if shutil.which("pdftotext"):
        text = pdf_text(pdf.data, tmp_path)
        assert "钢一居民区实有人口登记情况" in text
        assert "钢一上南路100弄1号" in text and "第1区块" in text

    # Fetched again later: the same stored file, no new job, no re-render.
    again = admin_client.get(f"/documents/file/{document_id}")
    assert again.data == pdf.data
    assert len(documents(app)) == 1


def test_street_wide_document_for_a_user_who_sees_everything(app, admin_client, places):
    response = admin_client.post("/documents/request", data={"kind": KIND, "committee": "all"})
    assert response.status_code == 302
    (document_id, state, committee_id), = documents(app)
    assert (state, committee_id) == ("done", None)


def test_request_outside_the_scope_is_refused_without_a_job(app, admin_client, places, monkeypatch):
    mine, other = places["钢二"]["committee"], places["钢一"]["committee"]
    only_committees(monkeypatch, mine)
    page = admin_client.get("/documents/request").get_data(as_text=True)
    assert f'value="{mine}"' in page and f'value="{other}"' not in page and 'value="all"' not in page

    assert admin_client.post("/documents/request", data={"kind": KIND, "committee": str(other)}).status_code == 404
    assert admin_client.post("/documents/request", data={"kind": KIND, "committee": "all"}).status_code == 404
    assert admin_client.post("/documents/request", data={"kind": KIND, "committee": "99999"}).status_code == 404
    assert documents(app) == []
    with app.test_request_context():
        with pytest.raises(service.DocumentRefused):
            jobs.request_document(KIND, other, admin_user(app))
        with pytest.raises(service.DocumentRefused):
            jobs.request_document("no_such_kind", mine, admin_user(app))
    assert documents(app) == []


def test_documents_of_other_committees_are_invisible(app, admin_client, places, monkeypatch):
    with app.test_request_context():
        theirs = jobs.request_document(KIND, places["钢一"]["committee"], admin_user(app)).id
        street = jobs.request_document(KIND, None, admin_user(app)).id
        mine = jobs.request_document(KIND, places["钢二"]["committee"], admin_user(app)).id
    only_committees(monkeypatch, places["钢二"]["committee"])
    listing = admin_client.get("/documents/list/").get_data(as_text=True)
    assert f"/documents/file/{mine}" in listing
    assert f"/documents/file/{theirs}" not in listing and f"/documents/file/{street}" not in listing
    for hidden in (theirs, street):
        for url in ("show", "file", "status"):
            assert admin_client.get(f"/documents/{url}/{hidden}").status_code == 404, url
    assert admin_client.get(f"/documents/file/{mine}").status_code == 200


def test_list_has_no_add_edit_delete(admin_client, places):
    assert admin_client.get("/documents/add").status_code == 404
    assert admin_client.get("/documents/edit/1").status_code == 404
    assert admin_client.get("/documents/delete/1").status_code == 404
    assert admin_client.post("/documents/delete/1").status_code == 404


def test_template_error_fails_the_job_with_a_reason_and_no_file(app, admin_client, places, monkeypatch):
    import dataclasses

    broken = dataclasses.replace(service.KINDS[KIND], context=lambda document: {"rows": []})  # no "date" etc.
    monkeypatch.setitem(service.KINDS, KIND, broken)
    response = admin_client.post("/documents/request", data={"kind": KIND, "committee": str(places["钢一"]["committee"])})
    assert response.status_code == 302
    (document_id, state, _), = documents(app)
    document = get(app, document_id)
    assert state == "failed" and document.error_code == "template"
    assert "undefined" in document.error_detail
    assert document.file_path is None
    with app.test_request_context():
        reason = service.failure_reason(document)
    assert reason and "undefined" in reason
    shown = admin_client.get(f"/documents/show/{document_id}").get_data(as_text=True)
    assert reason[:6] in shown
    assert admin_client.get(f"/documents/file/{document_id}").status_code == 404


def test_missing_glyph_fails_the_job_and_names_the_character(app, places):
    from app.extensions import db
    from app.models import Building

    with app.app_context():
        building = db.session.get(Building, places["钢一"]["building"])
        building.name = "钢一上南路100弄\ue000号"
        db.session.commit()
    with app.test_request_context():
        document = jobs.request_document(KIND, places["钢一"]["committee"], admin_user(app))
    assert document.state == "failed" and document.error_code == "missing_glyph"
    assert "U+E000" in document.error_detail


def test_broker_down_marks_the_job_failed_and_the_page_does_not_500(app_config, places, clean_documents):
    from app import create_app
    from tests.conftest import login

    down = create_app({**app_config, "CELERY_BROKER_URL": "redis://127.0.0.1:6390/0",
                       "CELERY_BROKER_CONNECT_TIMEOUT": 0.5, "CELERY_PUBLISH_MAX_RETRIES": 1})
    assert down.extensions["celery"].conf.task_always_eager is False
    client = down.test_client()
    login(client)
    started = time.monotonic()
    response = client.post("/documents/request", data={"kind": KIND, "committee": str(places["钢一"]["committee"])},
                           follow_redirects=True)
    # Not a speed check: a broker that is down must not hang the request (2 s connect timeout × 2 retries).
    assert time.monotonic() - started < 60
    assert response.status_code == 200
    (document_id, state, _), = documents(down)
    document = get(down, document_id)
    assert state == "failed" and document.error_code == "broker_unavailable"
    with down.test_request_context():
        reason = service.failure_reason(document)
    assert reason in response.get_data(as_text=True)
    assert client.get(f"/documents/file/{document_id}").status_code == 404


def test_redelivered_task_does_not_render_again(app, places):
    from app.extensions import db

    with app.test_request_context():
        document = jobs.request_document(KIND, places["钢一"]["committee"], admin_user(app))
        path = service.document_file(document)
        before = path.stat().st_mtime_ns
        assert jobs.render_document(document.id, admin_user(app).id) == document.file_path
        assert path.stat().st_mtime_ns == before
        assert db.session.get(Document, document.id).attempts == 1


def test_a_task_interrupted_too_often_is_given_up(app, places):
    from app.extensions import db

    with app.test_request_context():
        actor = admin_user(app)
        document = Document(kind=KIND, title="t", committee_id=places["钢一"]["committee"], requested_by_fk=actor.id,
                            requested_by="admin", state="rendering", attempts=app.config["DOCUMENT_MAX_ATTEMPTS"])
        db.session.add(document)
        db.session.commit()
        assert jobs.render_document(document.id, actor.id) is None
        db.session.refresh(document)
        assert document.state == "failed" and document.error_code == "attempts"
        assert service.document_file(document) is None


def test_the_task_checks_the_actor_it_is_given(app, places, monkeypatch):
    """No g.user in a worker: the task re-checks the requesting user's scope by id."""
    from app.extensions import db

    with app.test_request_context():
        actor = admin_user(app)
        document = Document(kind=KIND, title="t", committee_id=places["钢一"]["committee"], requested_by_fk=actor.id,
                            requested_by="admin", state="queued")
        db.session.add(document)
        db.session.commit()
        document_id, actor_id = document.id, actor.id
    only_committees(monkeypatch, places["钢二"]["committee"])
    task = app.extensions["celery"].tasks["documents.render"]
    task.apply(args=[document_id, actor_id])
    document = get(app, document_id)
    assert document.state == "failed" and document.error_code == "scope" and document.file_path is None


def test_unfinished_or_missing_files_are_never_served(app, admin_client, places):
    with app.test_request_context():
        document = jobs.request_document(KIND, places["钢一"]["committee"], admin_user(app))
        path = service.document_file(document)
    from app.extensions import db

    with app.app_context():
        row = db.session.get(Document, document.id)
        row.state = "rendering"
        db.session.commit()
    assert admin_client.get(f"/documents/file/{document.id}").status_code == 404
    with app.app_context():
        row = db.session.get(Document, document.id)
        row.state = "done"
        db.session.commit()
    assert admin_client.get(f"/documents/file/{document.id}").status_code == 200
    path.unlink()
    assert admin_client.get(f"/documents/file/{document.id}").status_code == 404
    with app.app_context():
        row = db.session.get(Document, document.id)
        row.file_path = "../../etc/passwd"
        db.session.commit()
    assert admin_client.get(f"/documents/file/{document.id}").status_code == 404


def test_housekeeping_marks_stale_jobs_failed(app, places):
    from app.extensions import db

    now = dt.datetime(2026, 11, 27, 12, 0)
    old, recent = now - dt.timedelta(hours=2), now - dt.timedelta(minutes=5)
    with app.app_context():
        actor = admin_user(app)

        def make(state, requested_at, started_at=None):
            d = Document(kind=KIND, title=state, committee_id=None, requested_by_fk=actor.id, requested_by="admin",
                         state=state, requested_at=requested_at, started_at=started_at)
            db.session.add(d)
            return d

        stuck_queued = make("queued", old)
        stuck_rendering = make("rendering", old, old)
        fresh_queued = make("queued", recent)
        fresh_rendering = make("rendering", old, recent)
        finished = make("done", old)
        db.session.commit()
        ids = [d.id for d in (stuck_queued, stuck_rendering, fresh_queued, fresh_rendering, finished)]
        assert jobs.mark_stale_jobs(minutes=30, now=now) == 2
    states = {d_id: get(app, d_id) for d_id in ids}
    assert [states[i].state for i in ids] == ["failed", "failed", "queued", "rendering", "done"]
    assert states[ids[0]].error_code == "stale"
    with app.test_request_context():
        assert service.failure_reason(states[ids[0]])
    # The beat task itself (the registered one, run in-process) uses DOCUMENT_JOB_STALE_MINUTES.
    assert app.extensions["celery"].tasks["documents.mark_stale_jobs"].apply().get() == 0


def test_schedule_is_one_readable_dict():
    from celery.schedules import crontab

    from app.schedule import BEAT_SCHEDULE

    assert isinstance(BEAT_SCHEDULE, dict)
    entry = BEAT_SCHEDULE["documents-mark-stale-jobs"]
    assert entry["task"] == "documents.mark_stale_jobs" and isinstance(entry["schedule"], crontab)


def test_health(client):
    response = client.get("/health")
    assert response.status_code == 200
    health = response.get_json()
    assert (health["status"], health["database"], health["broker"]) == ("ok", "ok", "in-process")
    assert "documents.mark_stale_jobs" in health["jobs"]  # each scheduled job's last run


def test_health_reports_a_broken_database(app_config, tmp_path):
    from app import create_app

    broken = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/x.db"})
    response = broken.test_client().get("/health")
    assert response.status_code == 503
    health = response.get_json()
    assert (health["status"], health["database"]) == ("error", "error")
