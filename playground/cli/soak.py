"""``soak``: N simulated sessions for a while; exit 1 on any failed, mixed or cut stream.

Package ``playground.cli``: may import every package below it; never streamlit or ``ui``.
"""

from __future__ import annotations

from playground.cli import print_json, say
from playground.cli.common import add_model_argument, in_range, load_model
from playground.bench.loadtest import run_soak


def register(sub) -> None:
    p = sub.add_parser("soak", help="many simulated sessions for minutes; checks every stream")
    p.add_argument("--sessions", type=in_range(1, 256), default=32)
    p.add_argument("--minutes", type=in_range(0.05, 600, float), default=5.0)
    p.add_argument("--new-tokens", type=in_range(1, 512), default=24)
    add_model_argument(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def run(args) -> int:
    r = run_soak(load_model(args.model), args.sessions, args.minutes * 60, args.new_tokens,
                 progress=say)
    data = {**r.__dict__, "ok": r.ok}
    if args.json:
        print_json(data)
    else:
        print(r.summary())
    return 0 if r.ok else 1
