"""The layout's direction: pages and cli on top, ui below them, the feature packages below that,
serving at the bottom beside config and errors. Nothing imports upward and there are no cycles,
between files or between packages. Every import counts, including those inside functions."""

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1]
BOTTOM = {"config", "errors"}           # top-level modules anything may import
FEATURES = {"bench", "inside", "lab", "prompting", "quant", "rag", "room", "tuning"}
# playground/__init__.py's picture: an area may import only areas on a lower level
LEVEL = {"errors": 0, "textfiles": 0.5, "config": 1, "i18n": 1, "serving": 2, "codegen": 3, "diagnostics": 3,
         "inside": 3.5,
         "lab": 4, "prompting": 4, "rag": 4, "tuning": 4, "quant": 5, "room": 6, "bench": 6.5, "ui": 7, "cli": 7,
         "__main__": 8}


def module_name(path: pathlib.Path, root: pathlib.Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(root: pathlib.Path, top: str = "playground") -> dict[str, set[str]]:
    """module -> the modules of ``top`` it imports (a package's ``__init__`` counts as the
    package; ``from pkg import mod`` counts as ``pkg.mod`` when that is a module)."""
    files = {module_name(p, root): p for p in (root / top).rglob("*.py")}
    graph = {}
    for name, path in files.items():
        if name == top:
            continue
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for a in node.names:
                    sub = f"{node.module}.{a.name}"
                    targets.add(sub if sub in files else node.module)
        graph[name] = {t for t in targets if t in files and t not in (name, top)}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan), sorted."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def area(module: str) -> str:
    """``playground.serving.service`` -> ``serving``; ``playground.config`` -> ``config``."""
    return module.split(".")[1]


def package_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for src, targets in graph.items():
        out.setdefault(area(src), set()).update(area(t) for t in targets if area(t) != area(src))
    return out


def test_no_import_cycle_between_files():
    assert cycles(import_graph(ROOT)) == []


def test_no_import_cycle_between_packages():
    assert cycles(package_graph(import_graph(ROOT))) == []


def test_serving_imports_only_itself_config_and_errors():
    upward = {src: sorted(t for t in targets if area(t) not in BOTTOM | {"serving"})
              for src, targets in import_graph(ROOT).items() if area(src) == "serving"}
    assert {src: t for src, t in upward.items() if t} == {}


def test_feature_packages_never_import_ui_or_cli():
    upward = {src: sorted(t for t in targets if area(t) in {"ui", "cli", "__main__"})
              for src, targets in import_graph(ROOT).items() if area(src) in FEATURES}
    assert {src: t for src, t in upward.items() if t} == {}


def test_every_area_imports_only_lower_levels():
    graph = package_graph(import_graph(ROOT))
    assert set(graph) <= set(LEVEL), "a new package or top-level module needs a level"
    upward = {src: sorted(t for t in targets if LEVEL[t] >= LEVEL[src])
              for src, targets in graph.items()}
    assert {src: t for src, t in upward.items() if t} == {}


def test_config_and_errors_import_nothing_above_them():
    graph = package_graph(import_graph(ROOT))
    assert graph.get("errors", set()) == set()
    # config reads playground.toml through the bounded reader, which imports only errors
    assert graph.get("config", set()) <= {"errors", "textfiles"}
    assert graph.get("textfiles", set()) <= {"errors"}


def test_the_scan_finds_a_cycle_hidden_in_a_function(tmp_path):
    pkg = tmp_path / "playground"
    (pkg / "serving").mkdir(parents=True)
    (pkg / "lab").mkdir()
    for p in (pkg, pkg / "serving", pkg / "lab"):
        (p / "__init__.py").write_text("")
    (pkg / "serving" / "service.py").write_text(
        "def f():\n    from playground.lab import lens\n")
    (pkg / "lab" / "lens.py").write_text("from playground.serving.service import f\n")
    graph = import_graph(tmp_path)
    assert cycles(graph) == [["playground.lab.lens", "playground.serving.service"]]
    assert cycles(package_graph(graph)) == [["lab", "serving"]]


def test_tests_mirror_the_packages():
    packages = {p.name for p in (ROOT / "playground").iterdir()
                if p.is_dir() and (p / "__init__.py").exists()}
    mirrored = {p.name for p in (ROOT / "tests").iterdir() if p.is_dir()}
    assert packages - {"ui"} <= mirrored  # ui is tested through the pages (tests/pages)
