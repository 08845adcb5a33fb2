"""``lesson``: check a lesson plan file, or list the configured plans and their steps.

Package ``playground.cli``: may import every package below it; never streamlit or ``ui``.
"""

from __future__ import annotations

from playground.cli import print_json
from playground.config import load_config
from playground.room.lessons import check_plan, list_plans, load_plan


def register(sub) -> None:
    p = sub.add_parser("lesson", help="check a lesson plan (TOML), list the plans",
                       description="Lesson plans are TOML files of steps (page, inputs, note) "
                                   "in room.lesson_dir. `check` exits 0 for a good plan and 1 "
                                   "with the line of the first problem.")
    p.add_argument("action", choices=["check", "list", "show"])
    p.add_argument("file", nargs="?", help="the plan file (check, show)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args) -> int:
    if args.action == "list":
        plans = [str(p) for p in list_plans(load_config().room.lesson_dir)]
        print_json({"plans": plans}) if args.json else print("\n".join(plans))
        return 0
    if not args.file:
        from playground.room.lessons import LessonError
        raise LessonError(f"lesson {args.action} needs a FILE")
    if args.action == "check":
        print(check_plan(args.file))
        return 0
    plan = load_plan(args.file)
    if args.json:
        print_json({"title": plan.title, "steps": [
            {"page": s.page, "line": s.line, "title": s.title, "title_ja": s.title_ja,
             "note": s.note, "note_ja": s.note_ja, "link": s.link} for s in plan.steps]})
    else:
        print(plan.title)
        for i, s in enumerate(plan.steps, 1):
            print(f"{i:>2}. {s.title + ': ' if s.title else ''}{s.link}\n    {s.note}")
    return 0
