"""Security hardening (issue 10 §2 items 8–11, issue 13 items 5 and 9): temporary sign-in locks instead of
deactivation, forwarded headers only from trusted proxies, security headers and logout by POST, the sweep team
check, every role's own account, and the TLS front of the docker stack."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, LoginLock, PortalUser
from app.verification.models import VerificationRecord
from tests.conftest import ADMIN_PASSWORD, USER_PASSWORD, client_as, flashed_or_errors, login, make_user

ROOT = Path(__file__).resolve().parents[1]
JSON = {"X-Requested-With": "fetch", "Accept": "application/json"}


def _sign_in(client, username, password, **kwargs):
    return client.post("/login/", data={"username": username, "password": password}, follow_redirects=True,
                       **kwargs)


def _signed_in(client) -> bool:
    return client.get("/users/userinfo/").status_code == 200


def _fail(client, username, times, **kwargs):
    for _ in range(times):
        _sign_in(client, username, "Wrong-Password-99", **kwargs)


# -- item 8: temporary locks ---------------------------------------------------------------------------------------

def test_failures_lock_an_account_for_a_growing_while_and_it_stays_active(app, users, frozen_clock):
    frozen_clock.set(dt.datetime(2026, 6, 10, 2, 0))
    limit, base = app.config["LOGIN_MAX_FAILURES"], app.config["LOGIN_LOCK_SECONDS"]
    client = app.test_client()
    _fail(client, "sw_gang1", limit)
    page = _sign_in(client, "sw_gang1", USER_PASSWORD).get_data(as_text=True)
    assert not _signed_in(client)
    assert "登录失败次数过多" in flashed_or_errors(page)
    with app.app_context():
        user = db.session.get(PortalUser, users["social_worker"])
        assert user.active  # never deactivated: anyone could otherwise lock anyone out for good
    # The lock ends by itself.
    frozen_clock.advance(dt.timedelta(seconds=base + 1))
    page = _sign_in(client, "sw_gang1", USER_PASSWORD).get_data(as_text=True)
    assert _signed_in(client)
    # The owner is told about the attempts (the five failures and the one refused during the lock).
    notice = flashed_or_errors(page)
    assert "上次登录后有 6 次失败尝试" in notice and "127.0.0.1" in notice
    client.post("/logout/")
    # Told once only.
    assert "失败尝试" not in flashed_or_errors(_sign_in(client, "sw_gang1", USER_PASSWORD).get_data(as_text=True))
    client.post("/logout/")
    # The delay grows: the threshold reached again locks for base; the next failure after it locks for 2 × base
    # (attempts during a lock are refused unchecked and do not count).
    _fail(client, "sw_gang1", limit)
    frozen_clock.advance(dt.timedelta(seconds=base + 1))
    _fail(client, "sw_gang1", 1)
    frozen_clock.advance(dt.timedelta(seconds=base + 1))
    _sign_in(client, "sw_gang1", USER_PASSWORD)
    assert not _signed_in(client)  # 2 × base: still locked
    frozen_clock.advance(dt.timedelta(seconds=base))
    _sign_in(client, "sw_gang1", USER_PASSWORD)
    assert _signed_in(client)


def test_an_unknown_name_locks_like_a_known_one(app, users):
    client = app.test_client()
    _fail(client, "nobody-here", app.config["LOGIN_MAX_FAILURES"])
    page = _sign_in(client, "nobody-here", "whatever").get_data(as_text=True)
    assert "登录失败次数过多" in flashed_or_errors(page)  # the lock does not tell whether the account exists


def test_one_address_trying_many_names_is_locked(app, users):
    address = {"environ_base": {"REMOTE_ADDR": "198.51.100.7"}}
    client = app.test_client()
    per_account = app.config["LOGIN_MAX_FAILURES"] - 1
    for n in range(app.config["LOGIN_ADDRESS_MAX_FAILURES"] // per_account + 1):
        _fail(client, f"guess{n}", per_account, **address)
    _sign_in(client, "sw_gang1", USER_PASSWORD, **address)
    assert not _signed_in(client)
    # Another address is not affected, and the account is not locked.
    other = app.test_client()
    _sign_in(other, "sw_gang1", USER_PASSWORD, environ_base={"REMOTE_ADDR": "198.51.100.8"})
    assert _signed_in(other)


def test_the_api_login_is_locked_too_and_says_why(app, users):
    client = app.test_client()
    body = {"username": "sw_gang1", "password": "Wrong-Password-99", "provider": "db", "refresh": False}
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert client.post("/api/v1/security/login", json=body).status_code == 401
    response = client.post("/api/v1/security/login", json={**body, "password": USER_PASSWORD})
    assert response.status_code == 429
    assert "登录失败次数过多" in response.get_json()["message"]
    # The HTML page is locked as well: one counter per account.
    _sign_in(client, "sw_gang1", USER_PASSWORD)
    assert not _signed_in(client)


def test_admins_see_current_locks_and_lift_them(app, users, admin_client):
    client = app.test_client()
    _fail(client, "bl_gang1", app.config["LOGIN_MAX_FAILURES"])
    page = admin_client.get("/security/locks/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "bl_gang1" in html and "登录锁定" in html
    with app.app_context():
        lock_id = db.session.scalar(select(LoginLock.id).where(LoginLock.kind == "account",
                                                               LoginLock.key == "bl_gang1"))
    admin_client.post(f"/security/locks/{lock_id}/lift")
    assert "bl_gang1" not in admin_client.get("/security/locks/").get_data(as_text=True)
    _sign_in(client, "bl_gang1", USER_PASSWORD)
    assert _signed_in(client)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "lift_login_lock", AuditEvent.record_id == lock_id)) == 1
    # Staff neither see nor lift locks.
    staff = client_as(app, "sw_gang1")
    assert staff.get("/security/locks/").status_code == 403
    assert staff.post(f"/security/locks/{lock_id}/lift").status_code == 403


# -- item 9: forwarded headers ---------------------------------------------------------------------------------------

def _last_login_address(app, username):
    with app.app_context():
        return db.session.scalar(select(AuditEvent.remote_addr).where(
            AuditEvent.action.in_(("login_success", "login_failure")), AuditEvent.detail == username)
            .order_by(AuditEvent.id.desc()).limit(1))


def test_a_client_supplied_forwarded_for_is_not_believed(app, users):
    client = app.test_client()
    _sign_in(client, "sw_gang1", USER_PASSWORD, headers={"X-Forwarded-For": "203.0.113.66"})
    assert _last_login_address(app, "sw_gang1") == "127.0.0.1"


def test_behind_one_trusted_proxy_its_forwarded_for_is_recorded(app_config, _session_app, users):
    from app import create_app

    proxied = create_app({**app_config, "TRUSTED_PROXY_HOPS": 1})
    client = proxied.test_client()
    # The client forged one entry; the proxy appended the real peer: only the proxy's entry is believed.
    _sign_in(client, "sw_gang1", USER_PASSWORD, headers={"X-Forwarded-For": "203.0.113.66, 192.0.2.10",
                                                         "X-Forwarded-Proto": "https"})
    assert _last_login_address(proxied, "sw_gang1") == "192.0.2.10"


# -- item 10: headers and logout --------------------------------------------------------------------------------------

def test_pages_carry_security_headers_and_every_script_has_the_nonce(admin_client):
    for path in ("/login/", "/persons/list/", "/users/userinfo/", "/verification/sweep"):
        response = admin_client.get(path, follow_redirects=True)
        assert response.status_code == 200, path
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'self'" in csp and "'unsafe-inline'" not in \
            csp.split("script-src", 1)[1].split(";", 1)[0]
        nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
        assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        html = response.get_data(as_text=True)
        scripts = re.findall(r"<script\b[^>]*>", html)
        assert scripts, path
        assert all(f'nonce="{nonce}"' in tag for tag in scripts), (path, [t for t in scripts if nonce not in t])
        assert not re.search(r"\son(click|load|change|submit)=", html), path
    other = admin_client.get("/persons/list/").headers["Content-Security-Policy"]
    assert other != csp  # a fresh nonce per response
    api = admin_client.get("/health")
    assert api.headers["X-Content-Type-Options"] == "nosniff"


def test_logout_is_a_post_with_a_csrf_token(app_config, _session_app):
    from app import create_app

    app = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    client = app.test_client()
    page = client.get("/login/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    home = client.post("/login/", data={"username": "admin", "password": ADMIN_PASSWORD, "csrf_token": token},
                       follow_redirects=True).get_data(as_text=True)
    form = re.search(r'<form method="post" action="(/logout/)" class="navbar-logout">'
                     r'<input type="hidden" name="csrf_token" value="([^"]+)">', home)
    assert form, "the navbar's logout is a form"
    assert client.get("/logout/").status_code == 405  # a link or an <img src> cannot sign anyone out
    assert _signed_in(client)
    assert client.post("/logout/").status_code == 400  # no token
    assert _signed_in(client)
    client.post("/logout/", data={"csrf_token": form.group(2)})
    assert not _signed_in(client)


# -- item 11: the sweep's team ----------------------------------------------------------------------------------------

@pytest.fixture()
def team(app, users):
    return {
        "member": make_user(app, "tm_shanggang", "team_member", zone_code="shanggang"),
        "member_jiyang": make_user(app, "tm_jiyang", "team_member", zone_code="jiyang"),
        "police_jiyang": make_user(app, "police_ji1", "community_police", committees=["济一"]),
        **users,
    }


@pytest.fixture()
def resident(app, places):
    import datetime as _dt

    from app.domain.idnumber import make_id_number
    from app.models import Person, Residence

    with app.app_context():
        person = Person(name="钢一住户", id_number=make_id_number("310115", _dt.date(1971, 2, 3), 21),
                        category="shanghai_household")
        db.session.add(person)
        db.session.flush()
        db.session.add(Residence(person_id=person.id, house_id=places["钢一"]["houses"][0],
                                 start_date=_dt.date(2020, 1, 1)))
        db.session.commit()
        return person.id


def _records(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(VerificationRecord))


def test_the_sweep_team_must_be_entitled_to_the_committee(app, places, team, resident):
    member = client_as(app, "tm_shanggang")
    committee = places["钢一"]["committee"]
    # Another committee's officer, a social worker as "member", a team member of another zone: each refused in
    # Chinese when the team is set, and nothing is saved.
    for data, words in (({"police": team["police_jiyang"]}, "社区民警"),
                        ({"police": team["social_worker"]}, "社区民警"),
                        ({"members": [team["social_worker"]]}, "协管队员"),
                        ({"members": [team["member_jiyang"]]}, "tm_jiyang"),
                        ({"police": 99999999999999999999}, "社区民警")):
        page = member.post("/verification/sweep/team", data={"shift": "day", "committee": committee, **data},
                           follow_redirects=True)
        assert page.status_code == 200
        assert words in flashed_or_errors(page.get_data(as_text=True)), data
    # A mark with a forged team in the session is refused too (the service checks, not only the form).
    with member.session_transaction() as session:
        session["verification_team"] = {"shift": "day", "police": team["police_jiyang"], "members": []}
    res = member.post("/verification/sweep/mark", data={"person": resident, "result": "correct"}, headers=JSON)
    assert res.status_code == 400
    assert res.get_json() == {"ok": False, "code": "police_not_here",
                              "message": "同行民警必须是本居民区或本片区的社区民警；未作记录。"}
    assert _records(app) == 0
    # The committee's own officer is accepted and named on the record.
    page = member.post("/verification/sweep/team", data={"shift": "day", "committee": committee,
                                                         "police": team["police"]}, follow_redirects=True)
    assert page.status_code == 200
    assert "本次核查的组员已保存。" in flashed_or_errors(page.get_data(as_text=True))
    res = member.post("/verification/sweep/mark", data={"person": resident, "result": "correct"}, headers=JSON)
    assert res.status_code == 200, res.get_json()
    with app.app_context():
        assert db.session.scalars(select(VerificationRecord)).one().police_user_id == team["police"]


def test_a_member_assigned_to_the_cross_check_may_join(app, places, team, resident, frozen_clock):
    from app.models import Committee
    from app.verification.service import marking, reach
    from app.verification.models import CrossCheckAssignment

    frozen_clock.set(dt.datetime(2026, 3, 4, 2, 0))  # a Wednesday of a cross-check month
    march = dt.date(2026, 3, 4)
    with app.app_context():
        db.session.add(CrossCheckAssignment(user_id=team["member_jiyang"], committee_id=places["钢一"]["committee"],
                                            year=2026, month=3))
        db.session.commit()
        committee = db.session.get(Committee, places["钢一"]["committee"])
        recorder = db.session.get(PortalUser, team["member"])
        marking.check_team(recorder, committee, march, marking.Team(member_ids=[team["member_jiyang"]]))
        with pytest.raises(reach.VerificationRefused):  # not in April
            marking.check_team(recorder, committee, dt.date(2026, 4, 1),
                               marking.Team(member_ids=[team["member_jiyang"]]))


# -- issue 13 item 5: every role's own account ------------------------------------------------------------------------

ROLES = ("street_office", "police_station", "zone_leader", "team_member", "community_police", "committee_director",
         "social_worker", "block_leader", "building_leader", "property_guard")


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reaches_its_profile_and_changes_its_password(app, places, role):
    zone = "shanggang" if role in ("zone_leader", "team_member") else None
    committees = () if zone or role in ("street_office", "police_station") else ("钢一",)
    user_id = make_user(app, f"own_{role}", role, committees=committees, zone_code=zone)
    client = client_as(app, f"own_{role}")
    profile = client.get("/users/userinfo/")
    assert profile.status_code == 200 and f"own_{role}" in profile.get_data(as_text=True)
    form = client.get("/resetmypassword/form")
    assert form.status_code == 200
    assert "至少10位" in form.get_data(as_text=True)  # the rule, not FAB's "this application does not check"
    # Nobody else's account.
    assert client.get("/users/list/").status_code == 403
    # The password rule applies.
    weak = client.post("/resetmypassword/form", data={"password": "abc", "conf_password": "abc"},
                       follow_redirects=True)
    assert weak.status_code == 200 and "密码" in flashed_or_errors(weak.get_data(as_text=True))
    new = "Changed-Pass-2026zz"
    client.post("/resetmypassword/form", data={"password": new, "conf_password": new})
    client.post("/logout/")
    fresh = app.test_client()
    login(fresh, f"own_{role}", new)
    assert _signed_in(fresh)
    with app.app_context():  # back to the shared password for the other tests
        app.appbuilder.sm.reset_password(user_id, USER_PASSWORD)


# -- issue 13 item 9: the TLS front of the docker stack ---------------------------------------------------------------

def test_the_compose_stack_serves_the_portal_only_behind_tls():
    yaml = pytest.importorskip("yaml")
    compose = yaml.safe_load((ROOT / "docker" / "docker-compose.yml").read_text())
    services = compose["services"]
    proxy = services["proxy"]
    assert {str(p).split(":")[-2] if str(p).count(":") > 1 else str(p).split(":")[0]
            for p in proxy["ports"]} >= {"443"}
    assert "healthcheck" in proxy and proxy["depends_on"]["web"]["condition"] == "service_healthy"
    # Nothing but the proxy publishes a port: the portal's plain HTTP is reachable only inside the stack.
    for name, service in services.items():
        if name != "proxy":
            assert not service.get("ports"), name
    env = services["web"]["environment"]
    assert str(env["TRUSTED_PROXY_HOPS"]) == "1"
    assert env["SESSION_COOKIE_SECURE"] == "${SESSION_COOKIE_SECURE:-true}"  # secure unless .env says otherwise
    mounts = {str(v).split(":")[1] for v in proxy["volumes"]}
    assert "/etc/caddy/Caddyfile" in mounts and "/certs" in mounts
    caddyfile = (ROOT / "docker" / "Caddyfile").read_text()
    assert "reverse_proxy web:8080" in caddyfile
    assert "tls /certs/portal.crt /certs/portal.key" in caddyfile and "tls internal" in caddyfile
    readme = (ROOT / "README.md").read_text()
    assert "TRUSTED_PROXY_HOPS" in readme and "docker/certs/portal.crt" in readme
