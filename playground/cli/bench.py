"""``bench``: sequential baseline vs the batching service with N concurrent clients.

Package ``playground.cli``: may import every package below it; never streamlit or ``ui``.
"""

from __future__ import annotations

from playground.cli import print_json, say
from playground.cli.common import add_model_argument, in_range, load_model, model_name
from playground.config import CPU_DTYPES
from playground.bench.fairbench import run_fairness
from playground.bench.loadtest import run_bench, run_dtype_bench


def register(sub) -> None:
    p = sub.add_parser("bench", help="measure batching: sequential vs N concurrent sessions")
    p.add_argument("--sessions", type=in_range(1, 256), default=16)
    p.add_argument("--new-tokens", type=in_range(1, 512), default=64)
    add_model_argument(p)
    p.add_argument("--dtypes", default="",
                   help="also run the concurrent phase with the model loaded in each of these "
                        "CPU dtypes, comma-separated (e.g. float32,bfloat16), and print the "
                        "ratio to the first")
    p.add_argument("--rounds", type=in_range(1, 20), default=None,
                   help="with --dtypes or --adapters: the phases take turns this many times "
                        "(medians; default 3); with --profile: each pass is timed this many "
                        "times (the best; default 5)")
    g = p.add_argument_group("--fairness: the schedulers side by side (fifo, then fair)")
    g.add_argument("--fairness", action="store_true",
                   help="instead: a newcomer's wait beside three participants at the limits, "
                        "and the spread of tokens served in a busy room, per scheduler")
    g.add_argument("--fair-rows", type=in_range(1, 64), default=16,
                   help="samples each of the three heavy participants asks for")
    g.add_argument("--fair-tokens", type=in_range(1, 512), default=256,
                   help="new tokens of each heavy sample")
    g.add_argument("--fair-sessions", type=in_range(2, 256), default=30,
                   help="participants of the busy room")
    g.add_argument("--fair-seconds", type=in_range(1, 600, float), default=20.0)
    g.add_argument("--fair-wait", type=in_range(1, 270, float), default=120.0,
                   help="seconds the newcomer is watched; a newcomer not done by then is "
                        "reported as waiting at least that long (a busy machine's fifo)")
    p.add_argument("--adapters", type=in_range(1, 64), default=0, metavar="N",
                   help="instead: N random LoRA adapters and the base share the sessions' "
                        "batch; prints adapter_ratio (mixed / base-only tok/s) and identical "
                        "(every row's greedy text = its adapter served alone)")
    p.add_argument("--profile", action="store_true",
                   help="instead: where a room's first token goes (the prefill of the "
                        "sessions' prompts, its arithmetic per second) and one decode step")
    p.add_argument("--peer", metavar="URL", help="also run the sessions against this "
                   "OpenAI-compatible engine (e.g. http://127.0.0.1:8081/v1), one core each")
    p.add_argument("--peer-model", default="default", help="the model id the peer serves")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def run(args) -> int:
    dtypes = [d.strip() for d in args.dtypes.split(",") if d.strip()]
    wrong = [d for d in dtypes if d not in CPU_DTYPES]
    if wrong:
        say(f"error: --dtypes takes {', '.join(CPU_DTYPES)}, got {', '.join(wrong)}")
        return 2
    if args.profile:
        return _profile(args)
    if args.peer:
        return run_peer_cli(args)
    if args.adapters:
        return _adapters(args)
    by_dtype = None
    if dtypes and not args.fairness:  # first, while no other copy is resident in this process
        by_dtype = run_dtype_bench(model_name(args.model), dtypes, args.sessions,
                                   args.new_tokens, progress=say,
                                   rounds=args.rounds or 3)["dtypes"]
    loaded = load_model(args.model)
    if args.fairness:
        return _fairness(loaded, args)
    report = run_bench(loaded, args.sessions, args.new_tokens, progress=say)
    if by_dtype:
        report["by_dtype"] = by_dtype
    if args.json:
        print_json(report)
        return 0
    for phase in ("sequential", "concurrent"):
        r = report[phase]
        print(f"{phase:>10}: {r['new_tokens']} tokens in {r['wall_s']} s = {r['tokens_per_s']} "
              f"tok/s; TTFT p50 {r['ttft_p50_s']} s p95 {r['ttft_p95_s']} s; latency p50 "
              f"{r['latency_p50_s']} s p95 {r['latency_p95_s']} s")
    print(f"ratio (concurrent / sequential tok/s): {report['ratio']}x; identical texts both "
          f"ways: {report['same_text_both_ways']}/{report['sessions']}")
    for dtype, r in report.get("by_dtype", {}).items():
        print(f"{dtype:>10}: concurrent {r['tokens_per_s']} tok/s, median of "
              f"{r['rounds_tokens_per_s']} (loaded as {r['loaded_as']}); {r['ratio_to_first']}x "
              f"the first dtype (each round: {r['round_ratios']})")
    return 0


def _profile(args) -> int:
    from playground.bench.firsttoken import profile_first_token

    r = profile_first_token(load_model(args.model), args.sessions, repeats=args.rounds or 5)
    if args.json:
        print_json(r)
        return 0
    print(f"{r['model']} in {r['dtype']} on {r['device']} ({r['cpu']}; bf16 instructions: "
          f"{'yes' if r['cpu_fast_bf16'] else 'no'}), {r['threads']} thread(s)")
    for label, key in (("the room's prefill", "prefill_room"), ("one prompt", "prefill_one_prompt")):
        p = r[key]
        print(f"{label:>18}: {p['prompts']} distinct prompt(s), {p['prompt_tokens']} tokens "
              f"({p['padded_tokens']} with padding) in {p['ms']} ms = {p['prompt_tokens_per_s']} "
              f"tok/s, {p['gflop_per_s']} GFLOP/s")
    print(f"{'matmul roof':>18}: {r['matmul_gflop_per_s']} GFLOP/s (one 1024x1024 matmul in "
          f"{r['dtype']}); the room's prefill reaches {r['prefill_room']['share_of_matmul_roof']}x "
          f"of it")
    h = r["shared_head"]
    print(f"{'the shared head':>18}: {h['head_tokens']} tokens every prompt begins with, read "
          f"once: the room's prefill in {h['room_head_read_once_ms']} ms "
          f"({h['room_speedup_read_once']}x faster); kept from earlier prompts: "
          f"{h['room_head_kept_ms']} ms ({h['room_speedup_kept']}x), one newcomer's "
          f"{h['one_prompt_head_kept_ms']} ms ({h['one_prompt_speedup_kept']}x)")
    d = r["decode_step"]
    print(f"{'a decode step':>18}: {d['rows']} rows in {d['step_ms']} ms (forward "
          f"{d['forward_ms']}, sampler {d['sampler_ms']}, bookkeeping {d['bookkeeping_ms']}); "
          f"one row alone {d['one_row_step_ms']} ms")
    return 0


def _fairness(loaded, args) -> int:
    report = run_fairness(loaded, args.fair_rows, args.fair_tokens, args.fair_sessions,
                          args.fair_seconds, progress=say, wait_s=args.fair_wait)
    if args.json:
        print_json(report)
        return 0
    for name, r in report["newcomer"].items():
        if not r["finished"]:
            print(f"{name:>5}: newcomer beside 3 x {args.fair_rows} rows x {args.fair_tokens} "
                  f"tokens: not done after {r['waited_s']} s ({r['tokens']} of its 8 tokens; "
                  f"at least that long: a partial figure)")
            continue
        print(f"{name:>5}: newcomer beside 3 x {args.fair_rows} rows x {args.fair_tokens} "
              f"tokens: first token {r['first_token_s']} s, its {r['tokens']} tokens in "
              f"{r['total_s']} s ({r['rows_parked_for_others']} rows parked for it)")
    for name, r in report["spread"].items():
        print(f"{name:>5}: {r['sessions']} participants for {r['seconds']:.0f} s: tokens served "
              f"min {r['tokens_min']}, median {r['tokens_median']}, max {r['tokens_max']} "
              f"(max/min {r['max_over_min']})")
    return 0


def _adapters(args) -> int:
    from playground.bench.adapterbench import run_adapter_bench
    from playground.serving.registry import default_registry

    report = run_adapter_bench(default_registry(), model_name(args.model), args.adapters,
                               args.sessions, args.new_tokens, rounds=args.rounds or 3,
                               progress=say)
    if args.json:
        print_json(report)
        return 0
    print(f"{report['sessions']} sessions over {report['adapters']} adapters and the base "
          f"({report['dtype']}): base only {report['base_only_tokens_per_s']} tok/s, mixed "
          f"{report['mixed_tokens_per_s']} tok/s (medians of {report['rounds']} rounds)")
    print(f"adapter_ratio (mixed / base-only tok/s): {report['adapter_ratio']}x; identical to "
          f"each adapter served alone: {report['identical']} ({report['identical_rows']}/"
          f"{report['sessions']} rows)")
    return 0


def run_peer_cli(args) -> int:
    from playground.cli.bench_peer import run_peer

    report = run_peer(load_model(args.model), args.peer, args.peer_model, args.sessions,
                      args.new_tokens, progress=say)
    if args.json:
        print_json(report)
        return 0
    for side in ("service", "peer"):
        r = report[side]
        print(f"{side:>8}: {r['new_tokens']} tokens in {r['wall_s']} s = {r['tokens_per_s']} "
              f"tok/s; TTFT p50 {r['ttft_p50_s']} s; latency p50 {r['latency_p50_s']} s")
    print(f"ratio (service / peer {report['peer_engine']} tok/s): {report['ratio']}x")
    return 0
