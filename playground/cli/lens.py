"""``lens``: every decoding step of a real generation, candidates and filters.

Package ``playground.cli``: may import every package below it; never streamlit or ``ui``.
"""

from __future__ import annotations

from playground.serving.chat import build_messages
from playground.cli import print_json
from playground.cli.common import (add_model_argument, add_settings_arguments, load_model,
                                   settings_from_args)
from playground.serving.handles import GenerationRequest, Prompt
from playground.serving.steps import MAX_CANDIDATES


def register(sub) -> None:
    p = sub.add_parser("lens", help="show the next-token distribution at each step",
                       description="Generate one sample and print, per step, the top "
                                   "candidates: raw and tempered probability, the filter that "
                                   "removed them (or kept), and the renormalized probability.")
    p.add_argument("--prompt", default="Tell me a story about a dragon.",
                   help="user message (chat template) unless --raw")
    p.add_argument("--raw", action="store_true", help="continue the raw text instead")
    p.add_argument("--top", type=int, default=10,
                   help=f"candidates shown per step (1-{MAX_CANDIDATES})")
    p.add_argument("--step", type=int, default=None, help="show only this step (0 = first)")
    add_model_argument(p)
    add_settings_arguments(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run, max_new_tokens=16)


def run(args) -> int:
    settings = settings_from_args(args).replace(num_return_sequences=1)
    loaded = load_model(args.model)
    prompt = Prompt.raw(args.prompt) if args.raw else Prompt.chat(build_messages(args.prompt))
    result = loaded.service.submit(GenerationRequest((prompt,), (settings,),
                                                     record_steps=args.top)).result()
    sample = result.samples[0]
    steps = sample.steps if args.step is None else [s for s in sample.steps
                                                    if s.step == args.step]
    if args.json:
        print_json({"model": loaded.name, "settings": settings.to_dict(), "text": sample.text,
                    "steps": [{"step": s.step, "chosen": s.chosen_text, "greedy": s.greedy,
                               "kept_tokens": s.kept_tokens, "kept_mass": round(s.kept_mass, 4),
                               "removed": s.removed,
                               "entropy_raw_bits": round(s.entropy_raw_bits, 3),
                               "entropy_final_bits": round(s.entropy_final_bits, 3),
                               "candidates": [{"token": c.text, "id": c.token_id,
                                               "raw": round(c.raw, 4),
                                               "tempered": round(c.tempered, 4),
                                               "status": c.status, "final": round(c.final, 4),
                                               "chosen": c.chosen} for c in s.candidates]}
                              for s in steps]})
        return 0
    print(sample.text)
    for s in steps:
        print(f"\nstep {s.step}: chose {s.chosen_text!r}; {s.kept_tokens} tokens kept holding "
              f"{s.kept_mass:.1%}; entropy {s.entropy_raw_bits:.2f} -> "
              f"{s.entropy_final_bits:.2f} bits")
        for c in s.candidates:
            mark = "*" if c.chosen else " "
            print(f" {mark} {c.text:<16} raw {c.raw:6.3f}  tempered {c.tempered:6.3f}  "
                  f"{c.status:<8} final {c.final:6.3f}")
    return 0
