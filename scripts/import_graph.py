"""Print which project packages import which (module level and inside functions), and any import cycle
between packages:  python scripts/import_graph.py [package …]"""
import ast
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEFAULT = ["resources", "links", "app/engine", "app/operations", "app/jobs", "app/policies", "app/services", "schemas"]


def package_of(module, packages):
    path = module.replace(".", "/")
    return max((p for p in packages if path == p or path.startswith(p + "/")), key=len, default=None)


def edges(packages):
    found = {}
    for package in packages:
        for file in sorted((ROOT / package).glob("*.py")):
            tree = ast.parse(file.read_text())
            for node in ast.walk(tree):
                names = []
                if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
                elif isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                for name in names:
                    target = package_of(name, packages)
                    if target and target != package:
                        found.setdefault(package, set()).add(target)
    return found


def cycles(graph):
    result = set()

    def walk(node, path):
        for nxt in graph.get(node, ()):
            if nxt in path:
                cycle = path[path.index(nxt):]
                start = cycle.index(min(cycle))
                result.add(tuple(cycle[start:] + cycle[:start]))
            else:
                walk(nxt, path + [nxt])

    for node in graph:
        walk(node, [node])
    return sorted(result)


if __name__ == "__main__":
    packages = sys.argv[1:] or DEFAULT
    graph = edges(packages)
    for package in packages:
        print(f"{package:16} → {', '.join(sorted(graph.get(package, ()))) or '-'}")
    found = cycles(graph)
    print("cycles:", "; ".join(" → ".join(c + (c[0],)) for c in found) if found else "none")
