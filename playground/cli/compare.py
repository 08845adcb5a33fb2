"""``compare``: the Compare page headless: presets side by side with Self-BLEU.

Package ``playground.cli``: may import every package below it; never streamlit or ``ui``.
"""

from __future__ import annotations

from playground.serving.chat import build_messages
from playground.cli import print_json
from playground.cli.common import add_model_argument, load_model
from playground.lab.compare import (DEFAULT_COLUMNS, PRESETS, Column, build_request,
                                    column_settings, preset, run as run_compare)
from playground.lab.metrics import (DEFAULT_SELF_BLEU_MODE, SELF_BLEU_HELP, SELF_BLEU_MODES,
                                    check_mode)
from playground.serving.service import Prompt


def add_self_bleu_argument(p) -> None:
    """``--self-bleu tutorial|all-others`` (shared with ``sweep``)."""
    p.add_argument("--self-bleu", choices=SELF_BLEU_MODES, default=DEFAULT_SELF_BLEU_MODE,
                   help="; ".join(f"{m}: {h}" for m, h in SELF_BLEU_HELP.items()))


def register(sub) -> None:
    p = sub.add_parser("compare", help="decoding presets side by side with Self-BLEU",
                       description="Presets: " + "; ".join(PRESETS))
    p.add_argument("--prompt", default="Tell me a story about a dragon.",
                   help="user message (chat template) unless --raw")
    p.add_argument("--raw", action="store_true", help="continue the raw text instead")
    p.add_argument("--presets", default=",".join(DEFAULT_COLUMNS),
                   help="comma-separated preset names, 2 to 6")
    p.add_argument("--n", type=int, default=3, help="samples per column")
    p.add_argument("--max-new-tokens", type=int, default=48)
    p.add_argument("--seed", type=int, default=0)
    add_self_bleu_argument(p)
    add_model_argument(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def split_presets(text: str) -> list[str]:
    """Comma-separated preset names; a name that itself holds commas ("ancestral (top_k 0,
    top_p 1, T 1)") is put back together from its pieces."""
    names, piece = [], ""
    for part in text.split(","):
        piece = f"{piece},{part}" if piece else part
        if piece.strip() in PRESETS or not any(p.startswith(piece.strip()) for p in PRESETS):
            if piece.strip():
                names.append(piece.strip())
            piece = ""
    if piece.strip():
        names.append(piece.strip())
    return names


def run(args) -> int:
    names = split_presets(args.presets)
    columns = [Column(name, column_settings(preset(name), args.n, args.seed,
                                            args.max_new_tokens)) for name in names]
    prompt = Prompt.raw(args.prompt) if args.raw else Prompt.chat(build_messages(args.prompt))
    build_request(prompt, columns, args.n)  # a bad column count fails before a model loads
    check_mode(args.self_bleu)
    loaded = load_model(args.model)
    results = run_compare(loaded, prompt, columns, args.n, self_bleu_mode=args.self_bleu)
    if args.json:
        print_json({"model": loaded.name, "n": args.n, "seed": args.seed,
                    "self_bleu_mode": args.self_bleu,
                    "columns": [r.summary() | {"self_bleu_each": [round(x, 2) for x in
                                                                  r.self_bleu],
                                               "texts": r.texts} for r in results]})
        return 0
    print(f"Self-BLEU mode: {args.self_bleu} ({SELF_BLEU_HELP[args.self_bleu]})")
    for r in results:
        row = r.summary()
        print(f"{r.label:<36} Self-BLEU {row['Self-BLEU (avg, 0-100)']!s:>6}  "
              f"distinct-2 {row['distinct-2']!s:>5}  {row['mean length (words)']} words")
    return 0
