"""The structure holds (issue 11): every module imports alone, and the dependency direction is enforced."""
from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _modules() -> list[str]:
    names = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names.append(".".join(parts))
    return names


# Run in a fresh interpreter: import every app module once, then name the third-party modules that pulled in.
_THIRD_PARTY = r"""
import sys
for name in sys.argv[1:]:
    __import__(name)
print("\n".join(sorted(m for m in sys.modules if m != "app" and not m.startswith(("app.", "__main__")))))
"""

# Preload those third-party modules, then fork one child per app module: each child starts with no app module
# imported, as `python -c "import app.x"` would, without paying for Flask/SQLAlchemy/WeasyPrint each time.
_FORK_EACH = r"""
import os, sys, traceback
preload, names = sys.argv[1].split(","), sys.argv[2:]
for module in preload:
    try:
        __import__(module)
    except Exception:
        pass  # a submodule that cannot import on its own here: the child imports what it needs
assert not [m for m in sys.modules if m == "app" or m.startswith("app.")], "preloading imported the app"
failed = []
for name in names:
    pid = os.fork()
    if pid == 0:
        try:
            __import__(name)
        except BaseException:
            sys.stderr.write("%s\n%s\n" % (name, traceback.format_exc(limit=4)))
            sys.stderr.flush()
            os._exit(1)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    if status:
        failed.append(name)
print("\n".join(failed))
"""


def _run(script: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", script, *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def _import_alone(preload: str, names: list[str]) -> list[tuple[str, str]]:
    result = _run(_FORK_EACH, preload, *names)
    assert result.returncode == 0, result.stderr[-2000:]
    return [(name, result.stderr) for name in result.stdout.split() if name]


def test_every_module_under_app_imports_alone():
    names = _modules()
    assert "app.monthly.service" in names
    third_party = _run(_THIRD_PARTY, *names)
    assert third_party.returncode == 0, third_party.stderr[-2000:]
    preload = ",".join(third_party.stdout.split())
    batches = [names[i::2] for i in range(2)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        failures = [f for batch in pool.map(lambda b: _import_alone(preload, b), batches) for f in batch]
    assert not failures, "\n".join(f"{name}: {err[-1500:]}" for name, err in failures)


def test_the_monthly_service_imports_in_a_fresh_interpreter():
    """The crash of the issue: importing the monthly service first failed on a half-initialised module."""
    result = subprocess.run([sys.executable, "-c", "import app.monthly.service"], cwd=ROOT, capture_output=True,
                            text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr[-2000:]


def test_app_models_exports_only_the_core():
    import app.models

    assert "ChangeCase" not in app.models.__all__ and not hasattr(app.models, "ChangeCase")
    assert {"Person", "Residence", "House", "Committee", "PortalUser", "AuditEvent"} <= set(app.models.__all__)


def test_import_all_gives_every_table():
    from app.models.registry import import_all

    tables = import_all().tables
    for name in ("person", "change_case", "verification_record", "month_close", "import_job", "document",
                 "notification", "job_run"):
        assert name in tables


def test_the_dependency_direction_holds():
    """domain → models → services → views/API → app factory: the contracts in .importlinter (import-linter)."""
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache", "--config", str(ROOT / ".importlinter")], cwd=ROOT,
                            capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-1000:]
    assert "0 broken" in result.stdout


def _import_graph():
    """scripts/import_graph.py, the measure of issue 11 (not a package: loaded from its file)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("import_graph", ROOT / "scripts" / "import_graph.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module




def test_every_import_inside_a_function_says_why():
    """An app module imported inside a function is registration by the factory, or would close an import cycle
    at the module's top, or carries a ``# late: <why>`` comment; anything else belongs at the top."""
    graph = _import_graph().collect()
    assert len(graph.inner) > 50 and any(imp.reason == "cycle" for imp in graph.inner)
    unexplained = [imp for imp in graph.inner if not imp.reason]
    assert not unexplained, "in-function imports with no reason (hoist them, or say `# late: <why>`):\n" + "\n".join(
        f"{imp.where} -> {', '.join(sorted(imp.targets))}" for imp in unexplained)


def test_a_cycle_is_found_through_a_package_init():
    """Importing app.a.b runs app/a/__init__.py first: an import the package's __init__ makes counts as an edge."""
    graph = _import_graph()
    top = {"app.x": set(), "app.p": {"app.x"}, "app.p.q": set()}
    assert graph.closing_cycle(top, "app.x", {"app.p.q"}) == ["app.x", "app.p", "app.x"]
    assert graph.closing_cycle(top, "app.p.q", {"app.x"}) is None


# -- who commits (issue 11 item 3): services never commit; one helper commits for tasks/CLI and one for views ------

# Every `.commit()` call under app/, by (file, function): the one commit of app/unit_of_work.py, which
# app/views/transaction.py's committing() builds on. A new commit anywhere else fails test_who_commits: end the work
# with `with unit_of_work():` (tasks, CLI, jobs) or `with committing(...)` (views) instead, or add it here with
# the reason it cannot.
COMMITS_ALLOWED = {
    ("app/unit_of_work.py", "unit_of_work"): "the one commit outside FAB: tasks, CLI, job steps and committing()",
}

# Every `except …: ….rollback()` under app/. Views roll back through committing() / committing_quietly(); what
# stays cleans up after FAB's own commits or after a failed read, where there is nothing of ours to commit.
ROLLBACKS_ALLOWED = {
    ("app/unit_of_work.py", "unit_of_work"): "the one unit of work: a failure rolls the whole unit back",
    ("app/views/base.py", "PortalInterface._write"): "FAB's datamodel.add/edit commit themselves; a failure "
        "becomes a sentence (UserFacingError) with the session clean again",
    ("app/views/base.py", "PortalModelView._add"): "FAB's add form (its datamodel commits): re-render the form with "
        "the user's input and the reason, for any failure (a 500 otherwise)",
    ("app/views/base.py", "PortalModelView.export"): "a read: a filter value the column cannot take is a 400",
    ("app/views/base.py", "PortalModelView._list"): "a read: a filter value the column cannot take is a 400",
    ("app/views/api_base.py", "PortalModelRestApi.put_headless"): "FAB's REST write (its datamodel commits): the "
        "schema changed the item in place before refusing it",
    ("app/views/api_base.py", "PortalModelRestApi._save"): "FAB's REST write (its datamodel commits): each refusal "
        "answers its own status (403/404/422)",
    ("app/views/api_base.py", "PortalModelRestApi.get_list_headless"): "a read: a bad filter value is a 400",
    ("app/notifications/views.py", "init_app._unread_notifications.count"): "a read: the navbar badge never breaks "
        "a page (an error page after a database failure)",
    ("app/health.py", "health"): "a read: /health reports a broken database instead of failing",
    ("app/health.py", "scheduled_jobs"): "a read: before the migration that adds job_run",
}


def _calls_under_app(method: str) -> dict[tuple[str, str], list[int]]:
    """(file, enclosing function) → lines of every ``<anything>.<method>(...)`` call under app/; for rollbacks
    only those inside an ``except`` clause (a hand-written try/rollback)."""
    import ast

    found: dict[tuple[str, str], list[int]] = {}
    for path in sorted((ROOT / "app").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=relative)

        def visit(node, names: tuple[str, ...], in_except: bool) -> None:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names = (*names, node.name)
            if isinstance(node, ast.ExceptHandler):
                in_except = True
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == method
                    and (method == "commit" or in_except)):
                found.setdefault((relative, ".".join(names)), []).append(node.lineno)
            for child in ast.iter_child_nodes(node):
                visit(child, names, in_except)

        visit(tree, (), False)
    return found


def _assert_explained(method: str, allowed: dict, hint: str) -> None:
    found = _calls_under_app(method)
    unexplained = {key: lines for key, lines in found.items() if key not in allowed}
    assert not unexplained, f"{method}() {hint}: {unexplained}"
    assert set(allowed) <= set(found), f"allowed but gone (drop them): {set(allowed) - set(found)}"


def test_who_commits():
    """Services never commit: `.commit()` appears under app/ only where COMMITS_ALLOWED says why."""
    _assert_explained("commit", COMMITS_ALLOWED, "outside the one helper (use app.unit_of_work.unit_of_work() in "
                      "tasks/CLI/jobs, app.views.transaction.committing() in views)")


def test_no_hand_written_rollbacks():
    """No `except …: db.session.rollback()` copies: views roll back through committing(); ROLLBACKS_ALLOWED lists
    the rest with their reason."""
    _assert_explained("rollback", ROLLBACKS_ALLOWED, "in an except clause (use committing() / unit_of_work())")
