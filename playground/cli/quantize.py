"""``quantize``: the Quantization page headless: one row per load preset.

Package ``playground.cli``: may import every package below it; never streamlit or ``ui``.
"""

from __future__ import annotations

from playground.cli import print_json, say
from playground.quant.compare import DEFAULT_PROMPT, MAX_NEW_TOKENS, ComparisonRequest
from playground.quant.presets import (DEFAULT_PRESETS, PRESETS, QUICK_MAX_NEW_TOKENS,
                                      QUICK_PRESETS)
from playground.quant.worker import run_isolated
from playground.serving.registry import default_registry


def register(sub) -> None:
    p = sub.add_parser(
        "quantize", help="the same model in fp32/fp16/bf16/8-bit/4-bit: memory, speed, agreement",
        description="Presets: " + "; ".join(f"{p.name} ({p.summary})" for p in PRESETS.values()))
    p.add_argument("--model", default=None,
                   help="catalog name, Hugging Face id or local folder (default: the configured "
                        "default, smollm2-135m-instruct)")
    p.add_argument("--presets", default=",".join(DEFAULT_PRESETS),
                   help=f"comma-separated, from: {', '.join(PRESETS)}")
    p.add_argument("--prompt", default=DEFAULT_PROMPT,
                   help="user message (chat template when the model has one) unless --raw")
    p.add_argument("--raw", action="store_true", help="continue the raw text instead")
    p.add_argument("--max-new-tokens", type=int, default=32,
                   help=f"greedy tokens per preset, {MAX_NEW_TOKENS.describe()}")
    p.add_argument("--quick", action="store_true",
                   help=f"the page's quick mode: presets {','.join(QUICK_PRESETS)} and "
                        f"{QUICK_MAX_NEW_TOKENS} tokens (instead of --presets/--max-new-tokens)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def _cell(value, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def run(args) -> int:
    registry = default_registry()
    request = ComparisonRequest(  # bad presets or settings fail before anything loads
        model=args.model or registry.config.models.default,
        presets=QUICK_PRESETS if args.quick else args.presets, prompt=args.prompt,
        max_new_tokens=QUICK_MAX_NEW_TOKENS if args.quick else args.max_new_tokens,
        chat=False if args.raw else None, instructor=True)  # the CLI is the instructor's
    last = [""]

    def progress(_fraction: float, message: str) -> None:
        if message.split("(")[0] != last[0]:  # one line per stage, not per token
            last[0] = message.split("(")[0]
            say(message)

    result = run_isolated(request, registry, progress)
    if args.json:
        print_json(result.to_dict())
        return 0
    memory = "GPU MiB" if result.device == "cuda" else "RSS MiB"
    print(f"{result.model} on {result.device}; agreement vs {result.reference}; "
          f"perplexity of a fixed {len(result.reference_text.split())}-word text")
    print(f"{'preset':<12} {'weights MiB':>10} {memory:>8} {'load s':>7} {'TTFT s':>7} "
          f"{'tok/s':>6} {'chrF':>6} {'BLEU':>6} {'same':>5} {'diverge':>7} {'ppl':>7}")
    for r in result.rows:
        if r.status != "ok":
            print(f"{r.preset:<12} {r.status}: {r.reason}")
            continue
        mem = r.gpu_allocated_mb if result.device == "cuda" else r.rss_growth_mb
        print(f"{r.preset:<12} {_cell(r.footprint_mb):>10} {_cell(mem):>8} "
              f"{_cell(r.load_s, 2):>7} {_cell(r.ttft_s, 2):>7} {_cell(r.tokens_per_s):>6} "
              f"{_cell(r.chrf):>6} {_cell(r.bleu):>6} {_cell(r.identical):>5} "
              f"{_cell(r.first_divergence):>7} {_cell(r.perplexity, 2):>7}")
    for r in result.ok_rows():
        print(f"\n--- {r.preset}\n{r.text}")
    what = ("GPU memory in use" if result.device == "cuda"
            else "this process's memory (RSS; the copies were loaded in a child process)")
    print(f"\n{what}: {result.memory_before_mb:.0f} MiB before, "
          f"{result.memory_after_mb:.0f} MiB after ({result.seconds:.0f} s in all)")
    return 0
