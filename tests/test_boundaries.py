"""Architecture rules: playground/ never imports streamlit (except its ui/ glue); pages stay thin."""

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1]


def imported_modules(path: pathlib.Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_playground_logic_never_imports_streamlit():
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "playground").rglob("*.py")
                 if "ui" not in p.relative_to(ROOT / "playground").parts[:1]
                 and "streamlit" in imported_modules(p)]
    assert offenders == []


def test_the_scan_would_notice_a_streamlit_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from streamlit import session_state\n")
    assert "streamlit" in imported_modules(bad)


def test_pages_stay_thin():
    sizes = {p.name: len(p.read_text().splitlines()) for p in (ROOT / "pages").glob("*.py")}
    assert sizes and all(n <= 150 for n in sizes.values()), sizes


def test_every_page_is_registered_in_the_navigation():
    app = (ROOT / "app.py").read_text()
    missing = [p.name for p in (ROOT / "pages").glob("*.py") if f"pages/{p.name}" not in app]
    assert missing == []
