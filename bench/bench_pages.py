"""Size and time of every list, add and edit page of the portal's screens, for one user (not a test).

    .venv/bin/python bench/bench_pages.py --db URL --password PW [--user admin] [--requests 1]
                                          [--paths /houses/list/,/houses/add] [--over 50]

Issue 14 item 8: FAB renders a relation's search filter and form dropdown as every row of the related table (the
house list carried the street's 3,600 buildings, 317 KB). For each ModelView of app/ (a CRUD screen) this opens,
in process (Flask's test client, CSRF off), its list, its add form and the edit form of its first row, and prints
HTTP status, bytes, median and p95 ms over --requests requests, and the related-record dropdowns (FAB's
QuerySelectField) of its search, add and edit forms with the number of rows each offers. Pages over --over KB are
listed again at the end. --paths times only the given paths instead (e.g. 30 requests of /houses/list/).

The database is one bench/bench_lists.py built (flask demo-data --persons 200000 --seed 7; its admin password is
that script's ADMIN_PASSWORD).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from bench_lists import p95  # noqa: E402 - after the path


def timed(client, path: str, n: int) -> tuple[int, int, float, float]:
    client.get(path)  # warm-up (templates, caches)
    samples, status, size = [], 0, 0
    for _ in range(n):
        started = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - started) * 1000)
        status, size = response.status_code, len(response.data)
    return status, size, statistics.median(samples), p95(samples)


def related_dropdowns(view) -> list[str]:
    """FAB's related-record dropdowns of the view's forms, with the rows of their related tables."""
    from flask_appbuilder.fields import QuerySelectField, QuerySelectMultipleField
    from sqlalchemy import func, select

    from app.extensions import db

    found = []
    for kind in ("search_form", "add_form", "edit_form"):
        form = getattr(view, kind, None)
        for name, unbound in (vars(form).items() if form is not None else ()):
            field_class = getattr(unbound, "field_class", None)
            if field_class is None or not issubclass(field_class, (QuerySelectField, QuerySelectMultipleField)):
                continue
            model = view.datamodel.get_related_model(name)
            rows = db.session.scalar(select(func.count()).select_from(model))
            found.append(f"{kind.split('_')[0]}:{name}({rows})")
    return found


def first_pk(view):
    from app.extensions import db

    try:
        _count, items = view.datamodel.query(page=0, page_size=1)
    except Exception:  # noqa: BLE001 - a view whose query needs a request; no edit page then
        db.session.rollback()
        return None
    return view.datamodel.get_pk_value(items[0]) if items else None


def screens(app) -> list[tuple[str, list[str], list[str]]]:
    """(view name, its pages, its dropdowns) for every CRUD screen of app/."""
    from flask_appbuilder.baseviews import BaseCRUDView

    out = []
    with app.test_request_context():
        for view in app.appbuilder.baseviews:
            if not isinstance(view, BaseCRUDView) or not type(view).__module__.startswith("app."):
                continue
            name = type(view).__name__
            pages = [f"{view.route_base}/list/"]
            if f"{name}.add" in app.view_functions:
                pages.append(f"{view.route_base}/add")
            pk = first_pk(view) if f"{name}.edit" in app.view_functions else None
            if pk is not None:
                pages.append(f"{view.route_base}/edit/{pk}")
            out.append((name, pages, related_dropdowns(view)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="SQLAlchemy URL of a demo-data database")
    parser.add_argument("--user", default="admin")
    parser.add_argument("--password", required=True)
    parser.add_argument("--requests", type=int, default=1)
    parser.add_argument("--paths", default="", help="comma-separated paths to time instead of every screen")
    parser.add_argument("--over", type=float, default=50, help="KB above which a page is listed at the end")
    args = parser.parse_args()

    from app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.db, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                      "SECRET_KEY": "bench-only-secret-key"})
    client = app.test_client()
    response = client.post("/login/", data={"username": args.user, "password": args.password})
    if response.status_code != 302:
        sys.exit(f"login of {args.user} failed (HTTP {response.status_code})")
    if args.paths:
        rows = [("", [p for p in args.paths.split(",") if p], [])]
    else:
        rows = screens(app)
    big = []
    print(f"{'view':<24} {'page':<34} {'HTTP':>4} {'KB':>8} {'median':>8} {'p95':>8}  dropdowns (rows)")
    for name, pages, dropdowns in rows:
        for i, path in enumerate(pages):
            status, size, median, high = timed(client, path, args.requests)
            note = " ".join(dropdowns) if i == 0 else ""
            print(f"{name:<24} {path:<34} {status:>4} {size / 1024:8.1f} {median:8.1f} {high:8.1f}  {note}",
                  flush=True)
            if size > args.over * 1024:
                big.append(f"{path} {size / 1024:.1f} KB")
    print(f"\nover {args.over:g} KB: " + (", ".join(big) or "none"))


if __name__ == "__main__":
    main()
