"""Fixtures built from the application factory, as in Flask's tutorial: ``app``, ``client``, ``runner``.

The database is real: a fresh SQLite file by default, or PostgreSQL when TEST_DATABASE_URL is set (.ci/run runs
the suite both ways). The schema comes from the migrations, as in production, once per session; each test leaves
the organisation seeded and removes what it added.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shutil
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

ADMIN_PASSWORD = "Test-Admin-Pass-2026"
# What every test starts from and no test empties: the seeded organisation, the accounts and roles (made once per
# database by make_user), the migration stamp. audit_event is append-only (triggers): tests read it by id ranges.
KEPT_TABLES = {"alembic_version", "zone", "committee", "audit_event"}


# Every test runs on a clock that starts at this instant (a Wednesday in June, 10:00 in Shanghai) and then moves
# with real elapsed time, so no test depends on the machine's date. ``frozen_clock.set(...)`` stops it at an instant.
DEFAULT_TEST_NOW = dt.datetime(2026, 6, 10, 2, 0, tzinfo=dt.timezone.utc)


class FrozenClock:
    """The test side of app/domain/clock.py's one hook."""

    def __init__(self, start: dt.datetime):
        self.set(start, ticking=True)

    def set(self, moment: dt.datetime, ticking: bool = False) -> None:
        """Move to ``moment`` (aware, or naive UTC); it stays there unless ``ticking``."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.timezone.utc)
        self._moment, self._ticking, self._since = moment, ticking, time.monotonic()

    def advance(self, delta: dt.timedelta) -> None:
        self.set(self.now() + delta, ticking=self._ticking)

    def now(self) -> dt.datetime:
        if self._ticking:
            return self._moment + dt.timedelta(seconds=time.monotonic() - self._since)
        return self._moment


@pytest.fixture(autouse=True)
def frozen_clock():
    """The program's clock for this test: DEFAULT_TEST_NOW, ticking; ``frozen_clock.set(instant)`` to fix it."""
    from app.domain import clock

    fake = FrozenClock(DEFAULT_TEST_NOW)
    clock.set_source(fake.now)
    yield fake
    clock.set_source(None)


def _fresh_postgres(url: str) -> str:
    """Recreate the schema of the PostgreSQL test database, so each run starts from the migrations."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return _fresh_postgres(url)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'portal.db'}"


@pytest.fixture(scope="session")
def app_config(database_url, tmp_path_factory) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "SECRET_KEY": "test-secret",
        "DOCUMENTS_DIR": str(tmp_path_factory.mktemp("documents")),
        "RATELIMIT_ENABLED": False,
    }


def _compile_catalogs() -> None:
    """Tests read the compiled zh catalog: build it from the .po, as ./manage.sh does."""
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in (Path(__file__).resolve().parents[1] / "translations").glob("*/LC_MESSAGES/messages.po"):
        with po.open("rb") as f:
            catalog = read_po(f)
        with po.with_suffix(".mo").open("wb") as f:
            write_mo(f, catalog)


@pytest.fixture(scope="session")
def _session_app(app_config):
    """One application for the whole run (building one costs about a second), on a migrated, seeded database."""
    _compile_catalogs()
    from flask_migrate import upgrade

    from app import create_app
    from app.seeding import seed_admin, seed_organisation, sync_permissions, sync_roles
    from app.unit_of_work import unit_of_work

    app = create_app(app_config)
    with app.app_context():
        upgrade()
        with unit_of_work():
            seed_organisation()
        sync_permissions(app.appbuilder)
        sync_roles(app.appbuilder)
        seed_admin(app.appbuilder, ADMIN_PASSWORD)
    return app


def _tables_to_empty(metadata) -> list[str]:
    """Every table a test may fill, children before parents (derived, so a new feature's tables are included)."""
    from app.models.registry import import_all

    metadata = import_all()  # the whole metadata, whichever models the app happened to import
    return [table.name for table in reversed(metadata.sorted_tables)
            if table.name not in KEPT_TABLES and not table.name.startswith("ab_")]


@pytest.fixture()
def app(_session_app):
    """The session's application; after the test its settings are restored and what the test added is removed."""
    from app.extensions import db

    app = _session_app
    settings = dict(app.config)
    yield app
    app.config.clear()
    app.config.update(settings)
    with app.app_context():
        db.session.rollback()
        for table in _tables_to_empty(db.metadata):
            db.session.execute(text(f"DELETE FROM {table}"))
        db.session.commit()
        db.session.remove()


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def runner(app):
    return app.test_cli_runner()


def login(client, username="admin", password=ADMIN_PASSWORD):
    response = client.post("/login/", data={"username": username, "password": password}, follow_redirects=True)
    assert response.status_code == 200
    return response


@pytest.fixture()
def admin_client(client):
    login(client)
    return client


def flashed_or_errors(html: str) -> str:
    """The visible messages of a page: flash alerts and form errors, tags stripped."""
    parts = re.findall(r'class="alert[^"]*"[^>]*>(.*?)</div>', html, flags=re.S)
    parts += re.findall(r'class="help-block"[^>]*>(.*?)</', html, flags=re.S)
    parts += re.findall(r'<span class="help-block">(.*?)</span>', html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", p) for p in parts)


@pytest.fixture()
def places(app):
    """Two committees with a block, a building and two houses each: 钢一 (seq 1) and 钢二 (seq 2)."""
    from app.extensions import db
    from app.models import Block, Building, Committee, House

    made = {}
    with app.app_context():
        for name in ("钢一", "钢二"):
            committee = db.session.query(Committee).filter_by(name=name).one()
            block = Block(committee_id=committee.id, name="第1区块")
            building = Building(committee_id=committee.id, block=block, name=f"{name}上南路100弄1号")
            houses = [
                House(building=building, room=room, address=f"{name}上南路100弄1号{room}室")
                for room in ("101", "102")
            ]
            db.session.add_all([block, building, *houses])
            db.session.flush()
            made[name] = {
                "committee": committee.id,
                "block": block.id,
                "building": building.id,
                "houses": [h.id for h in houses],
            }
        db.session.commit()
    return made


USER_PASSWORD = "Portal-User-2026xy"


def make_user(app, username: str, role: str, committees=(), zone_code=None):
    """An account with one role and its area (committee names or a zone code); made once per database."""
    from app.extensions import db
    from app.models import Committee, PortalUser, Zone

    with app.app_context():
        sm = app.appbuilder.sm
        user = db.session.query(PortalUser).filter_by(username=username).one_or_none()
        if user is None:
            user = sm.add_user(username, username, "测试", f"{username}@example.test", sm.find_role(role),
                               password=USER_PASSWORD)
            assert user, f"could not create {username}"
            user = db.session.get(PortalUser, user.id)
        user.committees = db.session.query(Committee).filter(Committee.name.in_(committees)).all()
        user.zone_id = db.session.query(Zone.id).filter_by(code=zone_code).scalar() if zone_code else None
        user.active, user.fail_login_count = True, 0
        db.session.commit()
        return user.id


@pytest.fixture()
def users(app):
    return {
        "social_worker": make_user(app, "sw_gang1", "social_worker", committees=["钢一"]),
        "block_leader": make_user(app, "bl_gang1", "block_leader", committees=["钢一"]),
        "zone_leader": make_user(app, "zl_shanggang", "zone_leader", zone_code="shanggang"),
        "street_office": make_user(app, "office", "street_office"),
        "police": make_user(app, "police_gang1", "community_police", committees=["钢一"]),
    }


def client_as(app, username):
    client = app.test_client()
    login(client, username, USER_PASSWORD)
    return client


# -- a real browser ------------------------------------------------------------------------------------------------
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = Path(__file__).parent / "screenshots"  # for a person to look at


@contextlib.contextmanager
def _children_on_the_real_clock():
    """scripts/test_at.sh moves the clock with LD_PRELOAD; Chromium and Playwright's driver hang under it.
    Only LD_PRELOAD goes: the children then never load libfaketime, while this process's copy (FAKETIME_NO_CACHE)
    re-reads FAKETIME on every call and exits the whole run ("failed to parse FAKETIME") once it is unset."""
    saved = {key: os.environ.pop(key) for key in ("LD_PRELOAD",) if key in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


@pytest.fixture()
def live_server(app_config, app):
    """The portal served over HTTP on a free port, with CSRF on as in production."""
    from werkzeug.serving import make_server

    from app import create_app

    live = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    server = make_server("127.0.0.1", 0, live, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def browser_sign_in(page, base: str, username: str, password: str = USER_PASSWORD) -> None:
    """Sign in through the login form, as a person would, and wait for the page it leads to."""
    page.goto(f"{base}/login/")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("[type=submit]")
    page.wait_for_load_state()


@pytest.fixture()
def browser():
    """Debian's headless Chromium driven by Playwright (./manage.sh test installs it)."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed (./manage.sh test installs it)")
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(exist_ok=True)
    with _children_on_the_real_clock(), sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
