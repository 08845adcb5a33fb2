"""The CLI examples in README.md and docs/ run offline and exit 0.

Each line of a ```bash block that starts with `python -m playground` is one example; a line
ending in `# doc-test: skip <reason>` is skipped with that reason.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SKIP = re.compile(r"#\s*doc-test:\s*skip\s+(?P<reason>.+)$")


def _examples() -> list[tuple[str, str, str | None]]:
    found, seen = [], set()
    files = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    for path in files:
        in_bash = False
        for line in path.read_text(encoding="utf-8").splitlines():
            stripped = line.strip()
            if stripped.startswith("```"):
                in_bash = (not in_bash) and stripped == "```bash"
                continue
            if in_bash and stripped.startswith("python -m playground"):
                command = stripped.split(" #", 1)[0]
                if command in seen:  # the same command in two documents: run once
                    continue
                seen.add(command)
                skip = SKIP.search(stripped)
                found.append((path.name, stripped, skip.group("reason") if skip else None))
    return found


EXAMPLES = _examples()


def test_docs_have_examples():
    assert len([e for e in EXAMPLES if e[2] is None]) >= 3


@pytest.mark.parametrize(("doc", "line", "skip"), EXAMPLES, ids=[f"{d}:{l[20:60]}" for d, l, _ in EXAMPLES])
def test_example_exits_zero(doc, line, skip):
    if skip:
        pytest.skip(f"{doc}: {skip}")
    command = line.split(" #", 1)[0]
    argv = [sys.executable, *shlex.split(command)[1:]]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{doc}: {line}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
