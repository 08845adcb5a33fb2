"""Lesson plans: TOML files of steps (a page, its inputs, a note) the instructor walks through.

::

    title = "Decoding, one knob at a time"

    [[step]]
    page = "compare"                # a page name or alias (python -m playground link --help)
    note = "Low top_p: the columns look alike."
    note_ja = "…"                   # optional, shown in a Japanese session
    title = "Low top_p"             # optional: the step's short title (Board, banner)
    title_ja = "…"                  # optional, shown in a Japanese session
    [step.inputs]                   # as in `python -m playground link PAGE --set NAME=VALUE`
    columns = 2
    "col1.preset" = "top_p 0.1 / T 0.8"

Plans live in ``room.lesson_dir`` (default: the plans shipped in ``playground/room/lessons``).
A plan is checked whole when it is read: a TOML mistake is reported with tomllib's line and
column, a bad page or input with the line of its ``[[step]]``; never a traceback.

Package ``playground.room``: may import the feature packages, ``serving``, ``config``,
``errors``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from playground.textfiles import TextFileError, check_nesting, read_bytes
from playground.errors import PlaygroundError
from playground.room.links import LinkError, encode_link, page_spec

SHIPPED = Path(__file__).with_name("lessons")
MAX_PLAN_BYTES = 256 * 1024
MAX_STEPS = 100
MAX_TITLE = 80   # characters of a step's title (one line on the Board and the banner)


class LessonError(PlaygroundError):
    """A lesson plan that cannot be used; the message names the file and the line."""


@dataclass(frozen=True)
class Step:
    page: str        # the page's name, e.g. "sampling_compare"
    inputs: dict     # input name -> value (checked)
    note: str
    note_ja: str = ""
    line: int = 0    # where its [[step]] starts in the file (1-based)
    title: str = ""
    title_ja: str = ""

    @property
    def link(self) -> str:
        # only what the step names: a Japanese tab keeps its own model (gemma-3-270m) and
        # defaults through the lesson instead of taking the instructor's English ones
        return encode_link(self.page, self.inputs, given_only=True)

    def note_for(self, lang: str) -> str:
        return self.note_ja if lang == "ja" and self.note_ja else self.note

    def title_for(self, lang: str) -> str:
        return self.title_ja if lang == "ja" and self.title_ja else self.title


@dataclass(frozen=True)
class Plan:
    name: str        # the file's stem
    title: str
    steps: tuple[Step, ...]


def lesson_dir(configured: str = "") -> Path:
    return Path(configured).expanduser() if configured else SHIPPED


def list_plans(configured: str = "") -> list[Path]:
    folder = lesson_dir(configured)
    return sorted(folder.glob("*.toml")) if folder.is_dir() else []


def load_plan(path: str | Path) -> Plan:
    """Read and check a whole plan. Raises ``LessonError`` naming the file and the line."""
    p = Path(path)
    try:  # bounded and regular files only: /dev/zero or a FIFO named as a plan is refused
        raw = read_bytes(p, MAX_PLAN_BYTES, what="lesson plan")
    except TextFileError as err:
        raise LessonError(f"{p.name}: {err}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise LessonError(f"{p.name}: not UTF-8 text (byte {err.start})") from None
    return parse_plan(text, p.stem, p.name)


def parse_plan(text: str, name: str = "plan", shown: str = "plan.toml") -> Plan:
    try:
        check_nesting(text, shown)
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:  # its message ends "(at line N, column M)"
        raise LessonError(f"{shown}: {err}") from None
    except TextFileError as err:
        raise LessonError(str(err)) from None
    lines = [i + 1 for i, line in enumerate(text.splitlines())
             if re.match(r"\s*\[\[\s*step\s*\]\]", line)]
    unknown = sorted(set(data) - {"title", "step"})
    if unknown:
        raise LessonError(f"{shown}: unknown key {', '.join(map(repr, unknown))} at the top "
                          f"(expected title and [[step]] tables)")
    steps = data.get("step")
    if not isinstance(steps, list) or not steps:
        raise LessonError(f"{shown}: no steps: add [[step]] tables with page and note")
    if len(steps) > MAX_STEPS:
        raise LessonError(f"{shown}: {len(steps)} steps; at most {MAX_STEPS}")
    out = []
    for i, table in enumerate(steps):
        line = lines[i] if i < len(lines) else 0
        where = f"{shown}, step {i + 1} (line {line})"
        out.append(_step(table, where, line))
    title = data.get("title", name)
    if not isinstance(title, str):
        raise LessonError(f"{shown}: title must be text")
    return Plan(name, title, tuple(out))


def _step(table: dict, where: str, line: int) -> Step:
    unknown = sorted(set(table) - {"page", "note", "note_ja", "title", "title_ja", "inputs"})
    if unknown:
        raise LessonError(f"{where}: unknown key {', '.join(map(repr, unknown))} (a step has "
                          f"page, note, note_ja, title, title_ja and [step.inputs])")
    page, note = table.get("page"), table.get("note", "")
    if not isinstance(page, str):
        raise LessonError(f"{where}: every step needs page = \"…\"")
    if not isinstance(note, str) or not isinstance(table.get("note_ja", ""), str):
        raise LessonError(f"{where}: note must be text")
    for key in ("title", "title_ja"):
        value = table.get(key, "")
        if not isinstance(value, str) or "\n" in value or len(value) > MAX_TITLE:
            raise LessonError(f"{where}: {key} must be one line of text, at most {MAX_TITLE} "
                              f"characters")
    inputs = table.get("inputs", {})
    if not isinstance(inputs, dict):
        raise LessonError(f"{where}: inputs must be a table ([step.inputs])")
    try:
        spec = page_spec(page)
        encode_link(spec.name, inputs)  # every input checked as a link would be
    except LinkError as err:
        raise LessonError(f"{where}: {err}") from None
    return Step(spec.name, dict(inputs), note.strip(), table.get("note_ja", "").strip(), line,
                table.get("title", "").strip(), table.get("title_ja", "").strip())


def check_plan(path: str | Path) -> str:
    """``lesson check``: a one-line summary of a good plan (raises ``LessonError`` otherwise)."""
    plan = load_plan(path)
    pages = sorted({s.page for s in plan.steps})
    ja = sum(bool(s.note_ja or s.title_ja) for s in plan.steps)
    titled = sum(bool(s.title) for s in plan.steps)
    return (f"{Path(path).name}: {len(plan.steps)} steps on {len(pages)} pages "
            f"({titled} titled, {ja} with Japanese), all good")
