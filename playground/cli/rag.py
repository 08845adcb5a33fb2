"""``rag``: answer a question from web search results or local documents, with citations.

Package ``playground.cli``: may import every package below it; never streamlit or ``ui``.
"""

from __future__ import annotations


from playground.cli import print_json, say
from playground.cli.common import add_model_argument, load_model
from playground.cli.search import add_search_arguments, options_from_args
from playground.config import load_config
from playground.rag.documents import document_search, load_folder, read_document_file
from playground.rag.gate import web_search
from playground.rag.prompt import BUDGET, build_prompt, cited
from playground.rag.search import make_provider
from playground.serving.service import generate
from playground.serving.settings import GenerationSettings


def register(sub) -> None:
    config = load_config().search
    p = sub.add_parser("rag", help="answer from web search results or local documents",
                       description="Retrieve (web search, or --docs/--doc), build the cited "
                                   "prompt, and answer with and without the sources. Exit "
                                   "code 3 when web search is unavailable.")
    p.add_argument("--question", required=True)
    p.add_argument("--docs", default=None, metavar="DIR",
                   help="answer from the .txt/.md files in DIR instead of the web")
    p.add_argument("--doc", action="append", default=[], metavar="FILE",
                   help="a .txt/.md file to answer from (repeatable; instead of the web)")
    p.add_argument("--budget", type=int, default=1024,
                   help=f"prompt token budget, {BUDGET.describe()} (default 1024)")
    add_search_arguments(p, config)
    add_model_argument(p)
    g = p.add_argument_group("decoding (greedy unless --sample: answers should stick to the "
                             "sources)")
    g.add_argument("--sample", action="store_true", help="sample instead of greedy decoding")
    g.add_argument("--temperature", type=float, default=0.7, help="with --sample")
    g.add_argument("--top-p", type=float, default=0.9, help="with --sample; 1 = off")
    g.add_argument("--max-new-tokens", type=int, default=96)
    g.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args) -> int:
    settings = GenerationSettings(do_sample=args.sample, temperature=args.temperature,
                                  top_p=args.top_p, max_new_tokens=args.max_new_tokens,
                                  seed=args.seed)
    options = options_from_args(args)
    if args.docs or args.doc:
        documents = load_folder(args.docs) if args.docs else []
        documents += [read_document_file(f) for f in args.doc]
        sources = document_search(args.question, documents, args.n)
        origin, cached = "documents", False
    else:
        outcome = web_search(args.question, options, provider=make_provider(args.provider))
        sources, origin, cached = outcome.sources, "web", outcome.cached
    loaded = load_model(args.model)
    rag = build_prompt(loaded, args.question, sources, settings.max_new_tokens, args.budget)
    say(f"{len(rag.sources)} of {rag.offered} sources in a {rag.prompt_tokens}-token prompt "
        f"(budget {rag.budget_tokens}, context {rag.context_length}); generating…")
    result = generate(loaded, rag.request(settings))
    answer, plain = result.samples[0].text, result.samples[-1].text
    if args.json:
        print_json({
            "question": args.question, "model": loaded.name, "retrieval": origin,
            "cached": cached, "settings": settings.to_dict(),
            "sources": [dict(s.to_dict(), n=i) for i, s in enumerate(rag.sources, start=1)],
            "dropped_sources": rag.dropped, "trimmed": rag.trimmed,
            "prompt": rag.rendered.text, "prompt_tokens": rag.prompt_tokens,
            "budget_tokens": rag.budget_tokens, "context_length": rag.context_length,
            "answer": answer, "citations": cited(answer),
            "without_retrieval": plain,
        })
        return 0
    print(f"Answer with {len(rag.sources)} sources:\n{answer}\n")
    for i, s in enumerate(rag.sources, start=1):
        print(f"[{i}] {s.title} — {s.url or s.location}")
    print(f"\nWithout retrieval:\n{plain}")
    return 0
