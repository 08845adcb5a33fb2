"""``bench``: sequential baseline vs the batching service with N concurrent clients.

Package ``playground.cli``: may import every package below it; never streamlit or ``ui``.
"""

from __future__ import annotations

from playground.cli import print_json, say
from playground.cli.common import add_model_argument, load_model
from playground.room.loadtest import run_bench


def register(sub) -> None:
    p = sub.add_parser("bench", help="measure batching: sequential vs N concurrent sessions")
    p.add_argument("--sessions", type=int, default=16)
    p.add_argument("--new-tokens", type=int, default=64)
    add_model_argument(p)
    p.add_argument("--peer", metavar="URL", help="also run the sessions against this "
                   "OpenAI-compatible engine (e.g. http://127.0.0.1:8081/v1), one core each")
    p.add_argument("--peer-model", default="default", help="the model id the peer serves")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def run(args) -> int:
    if args.peer:
        return run_peer_cli(args)
    report = run_bench(load_model(args.model), args.sessions, args.new_tokens, progress=say)
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
