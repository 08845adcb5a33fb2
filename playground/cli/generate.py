"""``generate``: one prompt, the Generate page's settings, text or JSON out.

Package ``playground.cli``: may import every package below it; never streamlit or ``ui``.
"""

from __future__ import annotations

import sys

from playground.serving.chat import build_messages
from playground.cli import print_json
from playground.cli.common import (add_model_argument, add_settings_arguments, load_model,
                                   settings_from_args)
from playground.cli.template import few_shot_prompt
from playground.serving.service import GenerationRequest, Prompt


def register(sub) -> None:
    p = sub.add_parser("generate", help="generate text for a prompt",
                       description="Generate with the same service the Generate page uses.")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--prompt", help="the prompt (user message with --chat)")
    what.add_argument("--few-shot", metavar="FILE.json",
                      help="a few-shot prompt as the Prompt lab page downloads it: plain text, "
                           "or chat turns with --chat (same string as `template --few-shot`)")
    p.add_argument("--chat", action="store_true",
                   help="apply the model's chat template (default: continue the raw text)")
    p.add_argument("--system", default=None, help="system prompt (with --chat)")
    p.add_argument("--stop", action="append", default=[], help="stop string (repeatable)")
    add_model_argument(p)
    add_settings_arguments(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args) -> int:
    settings = settings_from_args(args)  # invalid settings fail before any model loads
    loaded = load_model(args.model)
    if args.few_shot:
        few = few_shot_prompt(args.few_shot, None)
        prompt = Prompt.chat(few.as_messages()) if args.chat else Prompt.raw(few.as_text())
    else:
        prompt = (Prompt.chat(build_messages(args.prompt, args.system)) if args.chat
                  else Prompt.raw(args.prompt))
    request = GenerationRequest.single(settings, prompt, tuple(args.stop))
    handle = loaded.service.submit(request)
    if not args.json:
        current = None
        for row, delta in handle.stream():
            if row != current:
                sys.stdout.write(f"\n--- sample {row + 1} (seed {handle.samples[row].seed})\n")
                current = row
            sys.stdout.write(delta)
            sys.stdout.flush()
        sys.stdout.write("\n")
    result = handle.result()
    for warning in result.warnings:  # settings the engine could not honour
        print(f"warning: {warning}", file=sys.stderr)
    if args.json:
        print_json({
            "model": loaded.name,
            "device": loaded.device.type,
            "settings": settings.to_dict(),
            "prompt": result.rendered[0].text,
            "outputs": [{"text": s.text, "tokens": s.n_tokens, "seed": s.seed,
                         "finish_reason": s.finish_reason} for s in result.samples],
            "timings": {"load_s": round(loaded.load_seconds, 3),
                        "prompt_tokens": result.prompt_tokens[0],
                        "queued_s": round(result.queued_s, 4),
                        "ttft_s": None if result.ttft_s is None else round(result.ttft_s, 4),
                        "total_s": round(result.total_s, 4),
                        "new_tokens": result.new_tokens,
                        "tokens_per_s": round(result.tokens_per_s, 2)},
            "warnings": result.warnings,
        })
    else:
        print(f"[{result.new_tokens} tokens, first token after {result.ttft_s or 0:.2f} s, "
              f"{result.tokens_per_s:.1f} tok/s]", file=sys.stderr)
    return 0
