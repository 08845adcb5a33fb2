"""``bench-compare``: the Compare page's request batched vs one request per setting.

Package ``playground.cli``: may import every package below it; never streamlit or ``ui``.
"""

from __future__ import annotations

from playground.bench.batchbench import BENCH_PRESETS, run_bench
from playground.cli import print_json, say
from playground.cli.common import add_model_argument, load_model


def register(sub) -> None:
    p = sub.add_parser("bench-compare",
                       help="time 4 settings x 3 samples as one batched request vs 4 requests",
                       description="Settings: " + "; ".join(BENCH_PRESETS) + ". Both ways run "
                                   "in this process, one after the other; texts must match.")
    p.add_argument("--samples", type=int, default=3, help="samples per setting")
    p.add_argument("--max-new-tokens", type=int, default=48)
    p.add_argument("--repeat", type=int, default=1,
                   help="alternate both ways this many times and keep each one's best time")
    p.add_argument("--dtype", choices=["float32", "bfloat16", "float16"], default=None,
                   help="run on a private copy in this precision (default: the model as "
                        "loaded, float32 on a CPU); bfloat16 uses AMX units where the CPU has "
                        "them")
    add_model_argument(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args) -> int:
    result = run_bench(load_model(args.model), args.samples, args.max_new_tokens,
                       max(1, args.repeat), progress=say, dtype=args.dtype)
    if args.json:
        print_json(result.to_dict())
        return 0
    print(f"{len(result.settings)} settings x {result.samples} samples x "
          f"{result.max_new_tokens} new tokens ({result.new_tokens} tokens generated, "
          f"{result.device}, {result.dtype}, {result.threads} torch threads)")
    print(f"  one batched request:      {result.batched_s:7.2f} s")
    print(f"  {len(result.settings)} separate requests:     {result.separate_s:7.2f} s")
    print(f"  ratio (separate / batched): {result.ratio:.2f}x; identical texts both ways: "
          f"{'yes' if result.identical_texts else 'NO'}")
    return 0
