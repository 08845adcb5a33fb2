"""``residency``: load models one after another under a memory budget and watch eviction.

For the instructor planning which models fit: each model is loaded (as the instructor, so the
allow-list does not apply), generates a few tokens so its weights are really in memory, and
the command prints what is resident, what was evicted to make room (and the one line the room
sees about it: which model is loaded, which was unloaded, the budget), the registry's count of
model bytes and this process's RSS after every load. A load the budget refuses is printed with
its reason and the command goes on, then exits 1.

Package ``playground.cli``: may import every package below it; never streamlit or ``ui``.
"""

from __future__ import annotations

import dataclasses

from playground.cli import print_json, say
from playground.config import load_config
from playground.errors import SettingsError
from playground.quant.presets import process_rss_mb, release_memory
from playground.serving.registry import Registry
from playground.serving.residency import MemoryBudgetError
from playground.serving.service import GenerationRequest, Prompt
from playground.serving.settings import GenerationSettings


def register(sub) -> None:
    p = sub.add_parser("residency", help="load models in turn under a memory budget; show "
                                         "eviction and memory")
    p.add_argument("models", nargs="+", help="catalog names, Hugging Face ids or local folders, "
                                            "loaded in this order")
    p.add_argument("--budget-mb", type=float, required=True,
                   help="the resident models' memory budget for this run")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def run(args) -> int:
    if not args.budget_mb > 0:  # 0 would mean "the default budget", below 0 means nothing
        raise SettingsError([f"--budget-mb must be above 0 MiB, got {args.budget_mb:g}"])
    config = load_config()
    config = dataclasses.replace(config, models=dataclasses.replace(
        config.models, memory_budget_mb=args.budget_mb))
    registry = Registry(config)
    release_memory()
    steps = [{"loaded": None, "resident": [], "evicted": [], "model_mb": 0.0,
              "rss_mb": round(process_rss_mb(), 1)}]
    for name in args.models:
        notes = len(registry.budget_notes)
        try:
            loaded = registry.load(name, progress=say, instructor=True)  # paths allowed too
        except MemoryBudgetError as err:  # refused: say so, with what is loaded, and go on
            steps.append({"loaded": None, "asked": name, "refused": str(err),
                          "resident": [m.name for m in registry.resident()],
                          "evicted": sorted(registry.evicted),
                          "model_mb": round(registry.used_bytes() / 2**20, 1),
                          "rss_mb": round(process_rss_mb(), 1)})
            continue
        loaded.service.submit(GenerationRequest.single(GenerationSettings(max_new_tokens=4),
                                                       Prompt.raw("Hello"))).result()
        release_memory()
        made_room = [n.text() for n in list(registry.budget_notes)[notes:] if not n.refused]
        steps.append({"loaded": loaded.name, "budget_note": made_room[-1] if made_room else None,
                      "resident": [m.name for m in registry.resident()],
                      "evicted": sorted(registry.evicted),
                      "model_mb": round(registry.used_bytes() / 2**20, 1),
                      "rss_mb": round(process_rss_mb(), 1)})
    report = {"budget_mb": args.budget_mb, "steps": steps}
    code = 1 if any(s.get("refused") for s in steps) else 0  # a refusal is not a success
    if args.json:
        print_json(report)
        return code
    for s in steps:
        what = (f"after loading {s['loaded']}" if s["loaded"] else
                f"after refusing {s['asked']}" if s.get("refused") else "at start")
        print(f"{what}: resident {s['resident'] or 'none'}; evicted so far "
              f"{s['evicted'] or 'none'}; models {s['model_mb']:,.0f} MiB of "
              f"{args.budget_mb:,.0f}; process RSS {s['rss_mb']:,.0f} MiB")
        if s.get("budget_note") or s.get("refused"):
            print(f"  {s.get('budget_note') or s['refused']}")
    return code
