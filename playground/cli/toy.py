"""``toy``: the tutorial's 10-token distribution through temperature and the filters.

Package ``playground.cli``: may import every package below it; never streamlit or ``ui``.
"""

from __future__ import annotations

from playground.cli import print_json
from playground.lab.toy import summary, toy_distribution, toy_settings


def register(sub) -> None:
    p = sub.add_parser("toy", help="the tutorial's toy next-token distribution, filtered",
                       description="Apply temperature, top-k, top-p, min-p and epsilon to the "
                                   "tutorial's 10 tokens with the sampler's own code.")
    p.add_argument("--temperature", type=float, default=1.0, help="(0, 10]; 1 = unchanged")
    p.add_argument("--top-k", type=int, default=0, help="0 = off")
    p.add_argument("--top-p", type=float, default=1.0, help="1 = off")
    p.add_argument("--min-p", type=float, default=0.0, help="0 = off")
    p.add_argument("--epsilon", type=float, default=0.0, help="epsilon_cutoff; 0 = off")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args) -> int:
    settings = toy_settings(temperature=args.temperature, top_k=args.top_k, top_p=args.top_p,
                            min_p=args.min_p, epsilon_cutoff=args.epsilon)
    rows = toy_distribution(settings)
    if args.json:
        print_json({
            "settings": {k: settings.to_dict()[k] for k in
                         ("temperature", "top_k", "top_p", "min_p", "epsilon_cutoff")},
            "tokens": [{"token": r.token, "original": r.original,
                        "tempered": round(r.tempered, 4), "final": round(r.final, 4),
                        "removed": not r.kept, "removed_by": None if r.kept else r.status}
                       for r in rows],
            "kept": sum(r.kept for r in rows),
        })
        return 0
    print(f"{'token':<10} {'original':>8} {'tempered':>8} {'final':>8}  status")
    for r in rows:
        status = "kept" if r.kept else f"removed by {r.status}"
        print(f"{r.token:<10} {r.original:>8.4f} {r.tempered:>8.4f} {r.final:>8.4f}  {status}")
    print(summary(rows))
    return 0
