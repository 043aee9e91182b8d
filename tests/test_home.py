"""The home page as a to-do list per role (issue 13 item 1): each role sees its own work and nothing of another
committee, overdue first, counts that match the records, two queries, and a page that fits 360 px."""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from app.changes import service
from app.domain.idnumber import make_id_number
from app.extensions import db
from app.models import PortalUser
from tests.conftest import SHOTS, USER_PASSWORD, client_as, make_user

SH = ZoneInfo("Asia/Shanghai")


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH).astimezone(dt.timezone.utc).replace(tzinfo=None)


def _user(username):
    return db.session.query(PortalUser).filter_by(username=username).one()


def _case(places, name, actor, reported_at, collected_at=None):
    case = service.open_case(places[name]["committee"], places[name]["houses"][0], "move_in", actor=actor,
                             source="report", reported_at=reported_at)
    db.session.flush()
    if collected_at is not None:
        service.advance(case, "collect", actor, when=collected_at)
    db.session.commit()
    return case.id


@pytest.fixture()
def world(app, places, users):
    """钢一: two collected cases held by its social worker (one overdue, one due on the 12th), one form still out,
    two self-declarations, one window applicant; 钢二: one collected case, one declaration, one pending transfer
    (from 钢二), its own social worker. A team member of the zone with a cross check and a talk."""
    from app.verification.models import CrossCheckAssignment, SelfDeclaration, WindowApplicant
    from app.monthly.models import Talk

    sw2 = make_user(app, "sw_gang2", "social_worker", committees=["钢二"])
    member = make_user(app, "tm_shanggang", "team_member", zone_code="shanggang")
    with app.app_context():
        sw1, admin = _user("sw_gang1"), _user("admin")
        out = {
            # made first, so a list in id order would put it first: it is not overdue
            "due_later": _case(places, "钢一", sw1, utc(2026, 6, 10, 9, 0), utc(2026, 6, 10, 9, 30)),
            "overdue": _case(places, "钢一", sw1, utc(2026, 6, 1, 9, 0), utc(2026, 6, 2, 9, 0)),
            "form_out": _case(places, "钢一", sw1, utc(2026, 6, 10, 8, 0)),
            "gang2": _case(places, "钢二", admin, utc(2026, 6, 9, 9, 0), utc(2026, 6, 9, 10, 0)),
        }
        for n, name in enumerate(("钢一", "钢一", "钢二")):
            house = places[name]["houses"][0]
            db.session.add(SelfDeclaration(committee_id=places[name]["committee"], house_id=house,
                                           address=f"{name}申报地址", address_key=f"house:{house}",
                                           name=f"{name}申报人{n}",
                                           id_number=make_id_number("310115", dt.date(1991, 3, 3 + n), 31)))
        db.session.add(WindowApplicant(committee_id=places["钢一"]["committee"], house_id=places["钢一"]["houses"][1],
                                       name="钢一窗口申请人", address="钢一窗口地址",
                                       id_number=make_id_number("310115", dt.date(1992, 4, 4), 41)))
        db.session.add(CrossCheckAssignment(user_id=member, committee_id=places["钢二"]["committee"], year=2026,
                                            month=6))
        db.session.add(Talk(year=2026, month=5, target="member", member_user_id=member, member_name="tm",
                            times_last=1, rung=1, rung_code="member-1", kind="约谈", who_talks="街道",
                            to_whom="队员约谈对象", reason="排名末位"))
        db.session.commit()
    out.update(sw2=sw2, member=member)
    return out


def _count(html, kind):
    match = re.search(rf'data-count="{kind}">\s*<span class="badge">(\d+)</span>', html)
    assert match, f"no {kind} count on the page"
    return int(match.group(1))


def test_social_worker_sees_own_cases_overdue_first_and_nothing_of_another_committee(app, world):
    html = client_as(app, "sw_gang1").get("/").get_data(as_text=True)
    cases = re.findall(r'href="/changes/show/(\d+)"', html)
    assert cases == [str(world["overdue"]), str(world["due_later"])]  # overdue first; the form out is not mine
    assert "超期" in html and "2026-06-12 23:59" in html  # due times in Shanghai, to the minute
    assert f"/changes/show/{world['gang2']}" not in html
    assert "钢二" not in html  # neither 钢二's case, nor its declarations, nor its quota line
    assert _count(html, "declarations") == 2 and _count(html, "window") == 1
    assert _count(html, "overdue") == 1 and _count(html, "collect") == 1 and _count(html, "entry") == 2
    assert _count(html, "transfers") == 0
    assert 'data-committee="钢一"' in html and "0 / 80" in html  # this month's checks against the quota


def test_the_other_committee_sees_its_own_case_only(app, world):
    html = client_as(app, "sw_gang2").get("/").get_data(as_text=True)
    assert re.findall(r'href="/changes/show/(\d+)"', html) == [str(world["gang2"])]
    assert "钢一" not in html
    assert _count(html, "declarations") == 1 and _count(html, "window") == 0


def test_zone_leader_sees_the_zone_and_holds_no_case(app, world):
    html = client_as(app, "zl_shanggang").get("/").get_data(as_text=True)
    assert "/changes/show/" not in html
    assert _count(html, "declarations") == 3 and _count(html, "entry") == 3 and _count(html, "overdue") == 1
    assert 'data-committee="钢一"' in html and 'data-committee="钢二"' in html
    # May's close: not drafted yet, nothing submitted
    assert re.search(r'id="home-close-state">\s*(.*?)\s*</a>', html, re.S).group(1) == "尚未生成"


def test_team_member_sees_the_cross_check_and_the_talk(app, world):
    html = client_as(app, "tm_shanggang").get("/").get_data(as_text=True)
    assert "队员约谈对象" in html and "/talks/show/" in html
    assert "/verification/cross/" in html


def test_office_sees_the_street_and_a_scheduler_that_never_ran(app, world):
    from app.monthly.models import MonthClose, ZoneSubmission

    with app.app_context():
        zone_id = _user("zl_shanggang").zone_id
        db.session.add(MonthClose(year=2026, month=5, state="draft"))
        db.session.add(ZoneSubmission(year=2026, month=5, zone_id=zone_id, submitted_by="zl", on_time=True))
        db.session.commit()
    html = client_as(app, "office").get("/").get_data(as_text=True)
    assert _count(html, "declarations") == 3 and _count(html, "transfers") == 0
    assert 'id="home-scheduler-warning"' in html  # no job has run in the test database
    assert re.search(r'id="home-submissions"><span class="badge">1</span>', html)
    assert "/monthly/month/2026-05" in html


def test_the_home_page_is_two_queries(app, world):
    from flask import g

    from app.home.service import home_for

    for username in ("sw_gang1", "office"):
        with app.test_request_context("/"):
            user = _user(username)
            g.user = user
            home_for(user)  # loads the user's roles and committees
            statements = []

            def count(*args):
                statements.append(args[2])

            event.listen(db.engine, "before_cursor_execute", count)
            try:
                home = home_for(user)
            finally:
                event.remove(db.engine, "before_cursor_execute", count)
            assert len(statements) == 2, statements
            assert home.totals["declarations"] == 3 if username == "office" else 2


@pytest.mark.browser
def test_home_fits_360_px_for_every_role(live_server, browser, app, world):
    for username in ("sw_gang1", "zl_shanggang", "office", "tm_shanggang"):
        for width in (360, 1366):
            page = browser.new_page(viewport={"width": width, "height": 800})
            page.goto(f"{live_server}/login/")
            page.fill("#username", username)
            page.fill("#password", USER_PASSWORD)
            page.click("[type=submit]")
            page.wait_for_load_state()
            page.goto(f"{live_server}/")
            page.screenshot(path=str(SHOTS / f"home_{username}_{width}.png"), full_page=True)
            # The home page's own content (the shared navbar is issue 14's 360 px work).
            wide = page.evaluate("Array.from(document.querySelectorAll('.portal-home, .portal-home *'))"
                                 ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)"
                                 ".map(e => e.tagName + '.' + e.className).slice(0, 5)")
            assert not wide, f"{username} at {width}px: wider than the screen: {wide}"
            page.close()
