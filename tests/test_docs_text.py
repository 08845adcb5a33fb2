"""What a newcomer reads first: how to set the Admin password, gemma-3-270m as setup installs
it, and documents that start (and every paragraph after a heading) with a whole sentence."""

import pathlib
import re

ROOT = pathlib.Path(__file__).parents[1]
DOCS = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]


def test_the_readme_says_how_to_set_the_admin_password():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "PLAYGROUND_ADMIN_PASSWORD=" in readme and "admin_password" in readme


def test_gemma_is_not_called_optional_since_setup_installs_it():
    assert "gemma-3-270m" in (ROOT / "scripts" / "setup.sh").read_text(encoding="utf-8")
    for name in ("instructor-guide.md", "instructor-guide.ja.md", "configuration.md"):
        text = (ROOT / "docs" / name).read_text(encoding="utf-8")
        for line in text.splitlines():
            if "gemma" in line.lower():
                assert "optional" not in line and "追加の" not in line, (name, line)


def test_no_document_starts_a_section_mid_sentence():
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"^#+ .*\n\n(.)", text, re.M):
            first = m.group(1)
            assert not first.islower(), (path.name, text[m.start():m.start() + 120])
