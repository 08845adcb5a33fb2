"""``dataset``: the room's own dataset headless (Admin's review, the Fine-tuning page's form).

    python -m playground dataset add --prompt "元気？" --response "元気やで！"
    python -m playground dataset list --status pending --json
    python -m playground dataset review 3 --status accepted
    python -m playground dataset from-post 12          # a board post as an example
    python -m playground dataset export --jsonl > room.jsonl   # then: finetune --data room.jsonl

Package ``playground.cli``: may import every package below it; never streamlit or ``ui``.
"""

from __future__ import annotations

from dataclasses import asdict

from playground.cli import print_json
from playground.room import examples
from playground.room.store import room_store


def register(sub) -> None:
    p = sub.add_parser("dataset", help="the room's own dataset: add, list, review, export")
    actions = p.add_subparsers(dest="dataset_command", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="add an example (pending until reviewed)")
    add.add_argument("--prompt", required=True)
    add.add_argument("--response", required=True)
    add.add_argument("--name", default="")
    add.add_argument("--session", default="cli", help="counts against this session's limit")
    listing = actions.add_parser("list", help="the examples, oldest first")
    listing.add_argument("--status", choices=examples.STATUSES, default=None)
    review = actions.add_parser("review", help="accept or reject an example")
    review.add_argument("id", type=int)
    review.add_argument("--status", choices=examples.STATUSES, required=True)
    post = actions.add_parser("from-post", help="a board post's prompt and text as an example")
    post.add_argument("id", type=int)
    post.add_argument("--session", default="cli")
    export = actions.add_parser("export", help="the accepted examples (--all: every one)")
    export.add_argument("--csv", action="store_true", help="CSV instead of JSONL")
    export.add_argument("--all", action="store_true")
    for a in (add, listing, review, post, export):
        a.add_argument("--db", default=None, help="the room database (default: [room] db_path)")
        a.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def run(args) -> int:
    store = room_store(args.db)
    command = args.dataset_command
    if command == "add":
        e = examples.add_example(store, session=args.session, prompt=args.prompt,
                                 response=args.response, name=args.name)
        print_json(asdict(e)) if args.json else print(f"example {e.id} added (pending)")
    elif command == "from-post":
        e = examples.example_from_post(store, args.id, args.session)
        print_json(asdict(e)) if args.json else print(f"example {e.id} added (pending)")
    elif command == "review":
        examples.set_status(store, args.id, args.status)
        print(f"example {args.id}: {args.status}")
    elif command == "list":
        rows = [asdict(e) for e in examples.list_examples(store, args.status)]
        if args.json:
            print_json(rows)
        else:
            for r in rows:
                print(f"{r['id']:>4} {r['status']:<9} {r['prompt'][:40]!r} -> {r['response'][:40]!r}")
    else:
        rows = examples.list_examples(store, None if args.all else "accepted")
        print(examples.export_csv(rows) if args.csv else examples.export_jsonl(rows), end="")
    return 0
