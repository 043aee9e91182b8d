"""Count the import cycle among app/ modules and the imports written inside functions, each with its reason.

Re-runnable measure for issue 11: ``python scripts/import_graph.py`` prints the largest strongly connected group
of modules (counting imports inside functions too, since they form the cycle at run time), how many imports of app
modules sit inside functions, and how many of them have a reason, per reason. With ``-v`` it lists them.

An import stays inside a function for one of these reasons, derived in this order:

- registration: it is in the app factory or a feature's ``init_app`` (create_app, init_app, celery_init_app,
  register_views, _register_refusals): the factory binds features late, by design;
- cycle: written at the module's top it would close an import cycle; the path is computed from the top-level
  imports, including the implicit ones (importing ``app.a.b`` first runs ``app/a/__init__.py``);
- comment: the import line, or the comment lines right above it, say why in a comment that starts with
  ``late:`` (``# late: upward call to the views layer for …``, ``# late: start-up cost (openpyxl)``).

Anything else is "unexplained" (tests/test_structure.py keeps that at zero). Static (ast), so it runs without
importing the app.
"""
from __future__ import annotations

import ast
import io
import sys
import tokenize
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Functions of the app factory that wire features in: an import there is late by design.
REGISTRATION_FUNCTIONS = frozenset({"create_app", "init_app", "celery_init_app", "register_views",
                                    "_register_refusals"})


def module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@dataclass
class InnerImport:
    """One import statement of app modules written inside a function."""
    module: str
    path: Path
    line: int
    end_line: int
    functions: tuple  # enclosing functions, outermost first
    targets: frozenset  # the app modules it names
    comment: str = ""  # the comment on its lines or right above them
    reason: str = ""  # "registration", "cycle" or "comment"; "" when unexplained
    why: str = ""

    @property
    def where(self):
        return f"{self.module}:{self.line} ({'.'.join(self.functions)})"


@dataclass
class Graph:
    modules: dict
    edges: dict  # every import, inside functions too
    top: dict  # imports that run when the module is imported, with the implicit package __init__ edges
    inner: list = field(default_factory=list)


def _ancestors(name):
    """The packages whose __init__ runs before ``name``: app.a.b → app, app.a."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def _runs(importer, target):
    """The modules that ``importer`` importing ``target`` may run: target and its packages, less those that are
    already imported whenever ``importer`` runs (its own packages) and itself."""
    before = {importer, *_ancestors(importer)}
    return {target, *_ancestors(target)} - before


def _comments(source):
    """Line number → comment text (without '#'), for every comment of the file."""
    out = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                out[tok.start[0]] = tok.string.lstrip("#").strip()
    except (tokenize.TokenError, IndentationError):
        pass
    return out


def _comment_for(node, comments, lines):
    """The ``late: <why>`` comment on the import's lines or in the comment lines right above it, else ''."""
    said = [comments[n] for n in range(node.lineno, node.end_lineno + 1) if n in comments]
    n = node.lineno - 1
    while n >= 1 and lines[n - 1].strip().startswith("#"):
        said.insert(0, comments.get(n, ""))
        n -= 1
    # a comment about the code below ("# issue 7: …") is no reason: only one that starts with "late:" counts
    late = [text for text in said if text.lower().startswith("late:")]
    return late[-1][len("late:"):].strip() if late else ""


def _is_type_checking(node):
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def collect():
    modules = {module_name(p): p for p in (ROOT / "app").rglob("*.py")}
    edges = {m: set() for m in modules}
    top = {m: set() for m in modules}
    inner = []

    def resolve(name):
        # "from app.x import y" may name the module app.x.y or an attribute of app.x
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    for mod, path in modules.items():
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        comments, lines = _comments(source), source.splitlines()
        is_pkg = path.name == "__init__.py"

        def visit(node, functions, typing_only):
            for child in ast.iter_child_nodes(node):
                inside = functions
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    inside = functions + (child.name,)
                elif isinstance(child, ast.Lambda):
                    inside = functions + ("<lambda>",)
                if isinstance(child, (ast.Import, ast.ImportFrom)):
                    if isinstance(child, ast.Import):
                        targets = [a.name for a in child.names]
                    else:
                        base = child.module or ""
                        if child.level:
                            pkg = mod.split(".") if is_pkg else mod.split(".")[:-1]
                            pkg = pkg[: len(pkg) - child.level + 1]
                            base = ".".join(pkg + ([base] if base else []))
                        # the edge goes to the module named, or to the base when the name is an attribute of it
                        targets = [f"{base}.{a.name}" for a in child.names]
                    found = {resolve(t) for t in targets if t == "app" or t.startswith("app.")} - {None, mod}
                    edges[mod] |= found
                    if functions:
                        if found:
                            inner.append(InnerImport(mod, path, child.lineno, child.end_lineno, functions,
                                                     frozenset(found), _comment_for(child, comments, lines)))
                    elif not typing_only:
                        for target in found:
                            # importing app.a.b runs app/__init__.py and app/a/__init__.py first
                            top[mod] |= _runs(mod, target)
                visit(child, inside, typing_only or (isinstance(child, ast.If) and _is_type_checking(child)))

        visit(tree, (), False)
    graph = Graph(modules, edges, top, inner)
    explain(graph)
    return graph


def path_back(top, start, goal):
    """The shortest chain of top-level imports from ``start`` to ``goal``, or None."""
    previous, queue = {start: None}, deque([start])
    while queue:
        here = queue.popleft()
        if here == goal:
            chain = []
            while here is not None:
                chain.append(here)
                here = previous[here]
            return chain[::-1]
        for there in sorted(top.get(here, ())):
            if there not in previous:
                previous[there] = here
                queue.append(there)
    return None


def closing_cycle(top, module, targets):
    """The cycle that ``module`` importing ``targets`` at its top would close: [module, ..., module], or None."""
    best = None
    for target in sorted(targets):
        for first in sorted(_runs(module, target)):
            chain = path_back(top, first, module)
            if chain and (best is None or len(chain) + 1 < len(best)):
                best = [module, *chain]
    return best


def explain(graph):
    for imp in graph.inner:
        cycle = closing_cycle(graph.top, imp.module, imp.targets)
        registering = [f for f in imp.functions if f in REGISTRATION_FUNCTIONS]
        if registering:
            imp.reason, imp.why = "registration", f"registration in {registering[0]}"
        elif cycle:
            imp.reason, imp.why = "cycle", "would close a cycle: " + " → ".join(cycle)
        elif imp.comment:
            imp.reason, imp.why = "comment", imp.comment
        if imp.comment and imp.reason != "comment":
            imp.why += f" (late: {imp.comment})"


def unexplained(graph=None):
    return [imp for imp in (graph or collect()).inner if not imp.reason]


def sccs(edges):
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(10000)

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            out.append(sorted(group))

    for v in edges:
        if v not in index:
            strong(v)
    return sorted((g for g in out if len(g) > 1), key=len, reverse=True)


def main():
    graph = collect()
    groups = sccs(graph.edges)
    top = groups[0] if groups else []
    print(f"modules in the largest import cycle: {len(top)}")
    print(f"imports inside functions (of app modules): {len(graph.inner)}")
    counts = Counter(imp.reason for imp in graph.inner)
    for reason in ("registration", "cycle", "comment"):
        print(f"  {reason}: {counts[reason]}")
    print(f"  unexplained: {counts['']}")
    if "-v" in sys.argv:
        for g in groups:
            print("cycle:", " ".join(g))
        for imp in graph.inner:
            print(f"  {imp.where} -> {', '.join(sorted(imp.targets))}: {imp.why or 'UNEXPLAINED'}")


if __name__ == "__main__":
    main()
