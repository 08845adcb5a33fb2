"""``link``: a page's share link from ``--set NAME=VALUE``, or what a link opens with.

Package ``playground.cli``: may import every package below it; never streamlit or ``ui``.
"""

from __future__ import annotations

from playground.textfiles import loads_json
from playground.cli import print_json, say
from playground.room.links import (MAX_LINK, PAGES, LinkError, decode_link, default_inputs,
                                   encode_link)


def register(sub) -> None:
    pages = ", ".join(s.alias for s in PAGES.values())
    p = sub.add_parser("link", help="a page's share link, or the inputs a link opens with",
                       description=f"Print the link (path and query) that opens PAGE with the "
                                   f"given inputs, or with --parse what a link opens. Pages: "
                                   f"{pages}. Links stay under {MAX_LINK:,} characters.")
    p.add_argument("page", nargs="?", help="page name or alias, e.g. compare")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="an input by its own name (temperature, top_p, seed, prompt, "
                        "col1.preset, …); repeatable; rows (examples, messages) as JSON")
    p.add_argument("--parse", metavar="LINK", help="print the inputs LINK opens with and each "
                                                   "value it ignored")
    p.add_argument("--list", action="store_true", help="list PAGE's inputs and defaults")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args) -> int:
    if args.parse is not None:
        page, inputs, notes = decode_link(args.parse)
        if args.json:
            print_json({"page": page, "inputs": inputs, "ignored": notes})
        else:
            for name, value in inputs.items():
                print(f"{name} = {value!r}")
            for note in notes:
                say(f"ignored: {note}")
        return 0
    if not args.page:
        raise LinkError("name a page (e.g. `link compare --set seed=3`) or give --parse LINK")
    if args.list:
        from playground.room.pages import page_spec
        spec = page_spec(args.page)
        defaults = default_inputs(spec)
        if args.json:
            print_json([{"name": f.name, "kind": f.kind, "default": defaults[f.name]}
                        for f in spec.fields])
            return 0
        for f in spec.fields:
            print(f"{f.name:<24} {f.kind:<7} default {defaults[f.name]!r}")
        return 0
    inputs = {}
    for item in args.set:
        name, sep, value = item.partition("=")
        if not sep:
            raise LinkError(f"--set {item!r}: write NAME=VALUE, e.g. --set top_p=0.9")
        inputs[name.strip()] = _value(value)
    link = encode_link(args.page, inputs)
    if args.json:
        print_json({"link": link, "length": len(link), "max": MAX_LINK})
    else:
        print(link)
    return 0


def _value(text: str):
    """JSON for tables and lists (``[{"input": …}]``), plain text otherwise."""
    if text.strip().startswith("["):
        import json
        try:
            return loads_json(text, "the value")
        except ValueError:
            raise LinkError(f"{text[:40]!r}: not valid JSON") from None
    return text
