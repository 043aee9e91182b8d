"""Count the import cycle among app/ modules and the imports written inside functions.

Re-runnable measure for issue 11: ``python scripts/import_graph.py`` prints the largest strongly connected group
of modules (counting imports inside functions too, since they form the cycle at run time) and how many imports sit
inside functions, with ``-v`` listing them. Static (ast), so it runs without importing the app.
"""
import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def collect():
    modules = {module_name(p): p for p in (ROOT / "app").rglob("*.py")}
    edges, inner = {m: set() for m in modules}, []

    def resolve(name):
        # "from app.x import y" may name the module app.x.y or an attribute of app.x
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    for mod, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        is_pkg = path.name == "__init__.py"

        def visit(node, in_function):
            for child in ast.iter_child_nodes(node):
                nested = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
                if isinstance(child, (ast.Import, ast.ImportFrom)):
                    targets = []
                    if isinstance(child, ast.Import):
                        targets = [a.name for a in child.names]
                    else:
                        base = child.module or ""
                        if child.level:
                            pkg = mod.split(".") if is_pkg else mod.split(".")[:-1]
                            pkg = pkg[: len(pkg) - child.level + 1]
                            base = ".".join(pkg + ([base] if base else []))
                        # "from app.access import scoping" runs app/__init__.py, which imports nothing at its top: the
                        # edge goes to the module named, or to the base when the name is an attribute of it.
                        targets = [f"{base}.{a.name}" for a in child.names]
                    found = {resolve(t) for t in targets if t.startswith("app")} - {None, mod}
                    edges[mod] |= found
                    if in_function and found:
                        inner.append((mod, child.lineno, ", ".join(sorted(found))))
                visit(child, nested)

        visit(tree, False)
    return edges, inner


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
    edges, inner = collect()
    groups = sccs(edges)
    top = groups[0] if groups else []
    print(f"modules in the largest import cycle: {len(top)}")
    print(f"imports inside functions (of app modules): {len(inner)}")
    if "-v" in sys.argv:
        for g in groups:
            print("cycle:", " ".join(g))
        for mod, line, target in inner:
            print(f"  {mod}:{line} -> {target}")


if __name__ == "__main__":
    main()
