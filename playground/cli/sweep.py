"""``sweep``: Self-BLEU over a grid of top_p x temperature on the real model.

Package ``playground.cli``: may import every package below it; never streamlit or ``ui``.
"""

from __future__ import annotations

from playground.serving.chat import build_messages
from playground.cli import print_json, say
from playground.cli.common import add_model_argument, load_model
from playground.cli.compare import add_self_bleu_argument
from playground.lab.metrics import SELF_BLEU_HELP
from playground.serving.service import Prompt
from playground.lab.sweep import MAX_SWEEP_TOKENS, make_plan, parse_values, run as run_sweep


def register(sub) -> None:
    p = sub.add_parser("sweep", help="Self-BLEU over a top_p x temperature grid",
                       description=f"n samples per cell with the same seed; at most "
                                   f"{MAX_SWEEP_TOKENS:,} tokens (cells x n x new tokens).")
    p.add_argument("--prompt", default="Tell me a story about a dragon.",
                   help="user message (chat template) unless --raw")
    p.add_argument("--raw", action="store_true", help="continue the raw text instead")
    p.add_argument("--top-p", default="0.1,0.5,0.9", help="comma-separated values in (0, 1]")
    p.add_argument("--temperature", default="0.5,1.0,1.5",
                   help="comma-separated values in (0, 10]")
    p.add_argument("--n", type=int, default=4, help="samples per cell (>= 2)")
    p.add_argument("--max-new-tokens", type=int, default=48)
    p.add_argument("--seed", type=int, default=0, help="sample i of every cell uses seed + i")
    add_self_bleu_argument(p)
    add_model_argument(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args) -> int:
    plan = make_plan(parse_values(args.top_p, "top_p"),
                     parse_values(args.temperature, "temperature"),
                     args.n, args.max_new_tokens, args.seed)  # fails before loading a model
    loaded = load_model(args.model)
    prompt = Prompt.raw(args.prompt) if args.raw else Prompt.chat(build_messages(args.prompt))
    last = [-1]

    def progress(fraction: float, message: str) -> None:
        if int(fraction * 10) != last[0]:
            last[0] = int(fraction * 10)
            say(f"[{fraction:4.0%}] {message}")

    cells = run_sweep(loaded, prompt, plan, progress, self_bleu_mode=args.self_bleu)
    if args.json:
        print_json({"model": loaded.name, "n": plan.n, "max_new_tokens": plan.max_new_tokens,
                    "self_bleu_mode": args.self_bleu,
                    "seed": plan.seed, "cells": [c.row() | {"texts": list(c.texts)}
                                                 for c in cells]})
        return 0
    temps = plan.temperature
    print(f"Self-BLEU (0-100, lower = more diverse), {args.self_bleu}: "
          f"{SELF_BLEU_HELP[args.self_bleu]}; rows top_p, columns temperature")
    print(f"{'top_p':>8} " + " ".join(f"T={t:<6g}" for t in temps))
    for i, p in enumerate(plan.top_p):
        row = cells[i * len(temps):(i + 1) * len(temps)]
        print(f"{p:>8g} " + " ".join(f"{c.self_bleu:8.2f}" for c in row))
    return 0
