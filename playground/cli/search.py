"""``search``: one web search through the same provider, cache and queue as the RAG page.

Package ``playground.cli``: may import every package below it; never streamlit or ``ui``.
"""

from __future__ import annotations

import time

from playground.cli import print_json, say
from playground.config import load_config
from playground.errors import SearchError
from playground.rag.gate import web_search
from playground.rag.search import PROVIDERS, REGIONS, TIME_RANGES, SearchOptions, make_provider


def add_search_arguments(p, config) -> None:
    g = p.add_argument_group("web search")
    g.add_argument("--n", type=int, default=config.max_results,
                   help=f"number of results, 1-10 (default {config.max_results})")
    g.add_argument("--region", default=config.region,
                   help=f"DuckDuckGo region, e.g. {', '.join(list(REGIONS)[:4])} "
                        f"(default {config.region})")
    g.add_argument("--time", default=config.time, choices=list(TIME_RANGES),
                   help="any, or results from the past d(ay), w(eek), m(onth), y(ear)")
    g.add_argument("--provider", default=config.provider, choices=PROVIDERS,
                   help=f"langchain-community's tool or ddgs directly (default {config.provider})")


def options_from_args(args) -> SearchOptions:
    return SearchOptions(region=args.region, time=args.time, max_results=args.n)


def register(sub) -> None:
    config = load_config().search
    p = sub.add_parser("search", help="search the web (DuckDuckGo) like the RAG page does",
                       description="Exit code 3 when search is unavailable or gives nothing.")
    p.add_argument("query", help="what to search for")
    add_search_arguments(p, config)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args) -> int:
    options = options_from_args(args)  # bad options fail before any search
    start = time.monotonic()
    try:
        outcome = web_search(args.query, options, provider=make_provider(args.provider))
    except SearchError:
        say(f"search failed after {time.monotonic() - start:.2f} s")
        raise
    if args.json:
        print_json({"query": args.query, "provider": args.provider, "options": vars(options),
                    "cached": outcome.cached, "elapsed_s": round(outcome.elapsed_s, 3),
                    "results": [s.to_dict() for s in outcome.sources]})
        return 0
    for i, s in enumerate(outcome.sources, start=1):
        print(f"[{i}] {s.title}\n    {s.url or '-'}\n    {s.snippet}\n")
    say(f"{len(outcome.sources)} results in {outcome.elapsed_s:.2f} s"
        + (" (from the cache)" if outcome.cached else ""))
    return 0
