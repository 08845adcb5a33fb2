"""``gpucheck``: residency, batched throughput, seeds, adapters, bitsandbytes and a decode-step
profile on whatever device is there, with random-weight models in real shapes (benchmarks only).

Package ``playground.cli``: may import every package below it; never streamlit or ``ui``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from playground.cli import print_json, say
from playground.bench.gpucheck import CheckPlan, run_gpucheck
from playground.serving.catalog import CATALOG
from playground.serving.registry import Registry, pick_device

TRAVELLING_TOKENIZER = Path(".gpucheck/tokenizer")  # what scripts/gpu_check.sh prepares


def register(sub) -> None:
    p = sub.add_parser("gpucheck", help="measure residency, batching, seeds and bitsandbytes "
                                        "with random-weight models (CUDA or CPU)")
    p.add_argument("--shapes", default=None, help="comma-separated: smollm2-135m, llama-1b, "
                   "llama-7b, tiny (default: llama-1b,llama-7b on CUDA, tiny on a CPU)")
    p.add_argument("--sessions", type=int, default=None, help="concurrent sessions (default "
                   "32 on CUDA, 8 on a CPU)")
    p.add_argument("--new-tokens", type=int, default=None, help="per session (128 / 16)")
    p.add_argument("--sequential", type=int, default=None,
                   help="of the sessions, how many also run one at a time (8 / 4)")
    p.add_argument("--bnb-sessions", type=int, default=None)
    p.add_argument("--bnb-new-tokens", type=int, default=None)
    p.add_argument("--deadline-s", type=float, default=None, help="sections not started by "
                   "then are skipped (default 420 s on CUDA)")
    p.add_argument("--tokenizer", default=None, help="folder of tokenizer files (default: "
                   ".gpucheck/tokenizer if there, else the embedded model's)")
    p.add_argument("--out", default=None, help="also write the JSON document here, after "
                                               "every section")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def default_tokenizer_dir() -> Path:
    if (TRAVELLING_TOKENIZER / "tokenizer.json").is_file():
        return TRAVELLING_TOKENIZER
    where, _ = Registry().source(CATALOG["smollm2-135m-instruct"], progress=say)
    return Path(where)


def run(args) -> int:
    plan = CheckPlan.default(pick_device(), args.shapes, sessions=args.sessions,
                             new_tokens=args.new_tokens, sequential=args.sequential,
                             bnb_sessions=args.bnb_sessions, bnb_new_tokens=args.bnb_new_tokens,
                             deadline_s=args.deadline_s)

    def write(doc: dict) -> None:
        if args.out:
            tmp = f"{args.out}.tmp"
            with open(tmp, "w", encoding="utf-8") as fh:
                json.dump(doc, fh, indent=2)
            os.replace(tmp, args.out)

    doc = run_gpucheck(plan, args.tokenizer or default_tokenizer_dir(), progress=say,
                       on_section=write)
    if args.json:
        print_json(doc)
    else:
        print_table(doc)
    return 0


def _get(d, *keys):
    for k in keys:
        d = d.get(k) if isinstance(d, dict) else None
    return d


def print_table(doc: dict) -> None:
    d = doc["device"]
    print(f"device: {d['device']} {d.get('name', '')} ({d['dtype']}), torch {d['torch']}, "
          f"transformers {d['transformers']}")
    res = doc.get("residency") or {}
    if "start" in res:
        unit = "allocated_mb" if "allocated_mb" in res["start"] else "rss_mb"
        print(f"residency (budget {res['budget_mb']:,.0f} MiB; memory = {unit}):")
        for key in [k for k in res if k.startswith("after_load_")] + ["start", "end"]:
            if key in res:
                print(f"  {key:<28} {res[key][unit]:>10,.1f} MiB   models "
                      f"{res[key]['models_mb']:,.1f} MiB")
        kept = res["busy_model_kept"]
        print(f"  busy model kept: busy {kept['busy_when_asked']}, other load refused "
              f"{kept['load_refused']}, still resident {kept['still_resident']}; evicted "
              f"{res['evicted']}; left by the evicted model {res['left_by_evicted_mb']} MiB")
    else:
        print(f"residency: {res}")
    for shape, t in doc.get("throughput", {}).items():
        if "service_concurrent" not in t:
            print(f"throughput {shape}: {t}")
            continue
        print(f"throughput {shape} ({t['sessions']} sessions x {t['new_tokens']} tokens, "
              f"batch rows {t['max_batch_rows']}):")
        for key in ("service_one_at_a_time", "service_concurrent", "service_concurrent_greedy",
                    "generate_static_batch"):
            r = t[key]
            ttft = (f"  TTFT p50 {r['ttft_p50_s']} s p95 {r['ttft_p95_s']} s"
                    if "ttft_p50_s" in r else "")
            step = f"  {r['ms_per_step']} ms/step" if "ms_per_step" in r else ""
            print(f"  {key:<26} {r['tokens_per_s']:>9,.1f} tok/s{step}{ttft}")
        print(f"  ratios: concurrent/one-at-a-time {t['ratio_concurrent_vs_one_at_a_time']}x, "
              f"concurrent/generate {t['ratio_concurrent_vs_generate']}x, greedy "
              f"concurrent/generate {t['ratio_concurrent_greedy_vs_generate']}x")
    for shape, s in doc.get("seeds", {}).items():
        if "rows_compared" in s:
            print(f"seeds {shape} ({s['dtype']}, batch of {s['batch_rows']}): "
                  f"{s['identical_rows']}/{s['rows_compared']} rows identical alone and in the "
                  f"batch ({s['identical_sampled_rows']}/{s['sampled_rows']} sampled); first "
                  f"divergences {s['first_divergences']}")
    for shape, p in doc.get("profile", {}).items():
        b = _get(p, "batch")
        if b:
            print(f"decode step {shape} ({b['rows']} rows): {b['step_ms']} ms = forward "
                  f"{b['forward_ms']} (kernels {b['forward_kernel_ms']}) + sampler "
                  f"{b['sampler_ms']} + bookkeeping {b['bookkeeping_ms']}; one row: forward "
                  f"{p['one_row']['forward_ms']} ms")
    for shape, a in doc.get("adapters", {}).items():
        if "adapter_ratio" not in a:
            print(f"adapters {shape}: {a}")
            continue
        print(f"adapters {shape} ({a['sessions']} sessions over {a['adapters']} LoRA adapters "
              f"and the base, {a['dtype']}): mixed {a['mixed_tokens_per_s']} tok/s vs base "
              f"alone {a['base_only_tokens_per_s']} tok/s = {a['adapter_ratio']}x; "
              f"{a['identical_rows']}/{a['checked_rows']} rows as served alone")
    bnb = doc.get("bitsandbytes") or {}
    if "rows" in bnb:
        print(f"bitsandbytes {bnb['model']} ({bnb['sessions']} sessions x {bnb['new_tokens']}):")
        for r in bnb["rows"]:
            if r["status"] != "ok":
                print(f"  {r['preset']:<12} {r['status']}: {r.get('reason')}")
                continue
            print(f"  {r['preset']:<12} weights {r['weights_mb']:>9,.1f} MiB  growth "
                  f"{r.get('memory_growth_mb', '-')} MiB  {r['tokens_per_s']:>9,.1f} tok/s "
                  f"({r.get('speed_vs_reference')}x)")
    else:
        print(f"bitsandbytes: {bnb}")
    print(f"targets: {doc.get('targets')}")
    print(f"seconds: {doc.get('seconds')}")
