"""``room``: the room board headless: post as a session would, list, export, measure.

Package ``playground.cli``: may import every package below it; never streamlit or ``ui``.
"""

from __future__ import annotations

import json
import sys
import time

from pathlib import Path

from playground.cli.common import in_range
from playground.textfiles import TextFileError, loads_json
from playground.cli import print_json, say
from playground.errors import BoardError
from playground.room import board
from playground.room.pages import page_spec
from playground.room.store import RoomStore, room_store


def register(sub) -> None:
    p = sub.add_parser("room", help="the room board: post, list, export (--db PATH)",
                       description="The Board page without a browser, on the room database.")
    actions = p.add_subparsers(dest="room_command", required=True, metavar="ACTION")
    post = actions.add_parser("post", help="add a post, with the limits a session has")
    post.add_argument("--page", required=True, help="e.g. generate, compare, persona, rag")
    post.add_argument("--text", required=True)
    post.add_argument("--name", default="", help="display name (optional)")
    post.add_argument("--settings", default="{}", help="the exact settings as a JSON object")
    post.add_argument("--inputs", default="{}", help="the page's inputs (for the Open link)")
    post.add_argument("--model", default="")
    post.add_argument("--metric-name", default="", help='e.g. "Self-BLEU" or "distinct-2"')
    post.add_argument("--metric", type=float, default=None)
    post.add_argument("--session", default="cli", help="counts against this session's limit")
    board_cmd = actions.add_parser("board", help="list the posts, newest first")
    board_cmd.add_argument("--page", default=None)
    board_cmd.add_argument("--step", default=None, help="only posts of this lesson step")
    board_cmd.add_argument("--all", action="store_true", help="hidden posts too")
    export = actions.add_parser("export", help="every post as CSV (default) or JSON")
    export.add_argument("--csv", action="store_true")
    bench = actions.add_parser("bench", help="the database size after N posts (a new file)")
    bench.add_argument("--posts", type=in_range(1, 1_000_000), default=10_000)
    for a in (post, board_cmd, export, bench):
        a.add_argument("--db", default=None, help="the room database file (default: "
                                                  "[room] db_path)")
        a.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)


def _object(text: str, what: str) -> dict:
    try:
        value = loads_json(text, f"--{what}")
    except TextFileError as err:
        raise BoardError(str(err)) from None
    except json.JSONDecodeError as err:
        raise BoardError(f"--{what} must be a JSON object: {err.msg}") from None
    if not isinstance(value, dict):
        raise BoardError(f"--{what} must be a JSON object, e.g. '{{\"top_p\": 0.9}}'")
    return value


def run(args) -> int:
    if args.room_command == "bench":
        return _bench(args)
    if args.db and args.room_command in ("board", "export") and not Path(args.db).is_file():
        raise BoardError(f"there is no room database at {args.db}: give the file the server "
                         f"uses ([room] db_path), or leave --db out")
    store = room_store(args.db)
    if args.room_command == "post":
        from playground.config import load_config

        post = board.add_post(store, session=args.session, page=page_spec(args.page).name,
                              text=args.text, name=args.name, model=args.model,
                              settings=_object(args.settings, "settings"),
                              inputs=_object(args.inputs, "inputs"),
                              metric_name=args.metric_name, metric=args.metric,
                              posts_per_minute=load_config().room.posts_per_minute)
        if args.json:
            print_json(post.row())
        else:
            say(f"posted #{post.id} to the room board")
        return 0
    if args.room_command == "board":
        posts = board.list_posts(store, page=page_spec(args.page).name if args.page else None,
                                 step=args.step, include_hidden=args.all)
        if args.json:
            print_json([p.row() for p in posts])
        else:
            for p in posts:
                print(f"#{p.id} {p.row()['created']} {p.page} {p.name or '(anonymous)'}: "
                      f"{p.text[:70]!r}")
        return 0
    posts = board.list_posts(store, include_hidden=True)
    sys.stdout.write(board.export_json(posts) + "\n" if args.json and not args.csv
                     else board.export_csv(posts))
    return 0


def _bench(args) -> int:
    """Insert ``--posts`` posts like the room would (different sessions, ~300-byte texts) into
    a fresh file and print its size, the time per post and the time to list the board."""
    import tempfile
    from pathlib import Path

    path = Path(args.db) if args.db else Path(tempfile.mkdtemp(prefix="room-bench-")) / "r.db"
    if path.exists():
        raise BoardError(f"{path} exists; the benchmark writes a new file")
    store = RoomStore(path)
    text = ("Once upon a time, a small dragon lived in a cave by the sea. Every morning it "
            "counted the boats and sang to the gulls. ") * 2
    settings = {"do_sample": True, "temperature": 1.0, "top_p": 0.9, "top_k": 50, "seed": 0,
                "max_new_tokens": 64, "num_return_sequences": 3}
    start = time.perf_counter()
    for i in range(args.posts):
        board.add_post(store, session=f"s{i % 50}", page="sampling_compare", text=text,
                       name=f"participant {i % 50}", model="smollm2-135m-instruct",
                       settings={**settings, "top_p": (i % 10 + 1) / 10},
                       metric_name="Self-BLEU", metric=float(i % 100), posts_per_minute=0)
    insert_s = time.perf_counter() - start
    store.query("PRAGMA wal_checkpoint(TRUNCATE)")  # what the file holds once at rest
    start = time.perf_counter()
    shown = board.list_posts(store, limit=200)
    list_s = time.perf_counter() - start
    size = board.database_size(store)
    report = {"posts": args.posts, "db_bytes": size, "db_mb": round(size / 2**20, 2),
              "bytes_per_post": round(size / max(args.posts, 1)),
              "ms_per_post": round(insert_s / max(args.posts, 1) * 1000, 3),
              "list_200_newest_ms": round(list_s * 1000, 2), "file": str(path),
              "shown": len(shown)}
    if args.json:
        print_json(report)
    else:
        print(f"{args.posts} posts: {report['db_mb']} MiB ({report['bytes_per_post']} bytes per "
              f"post), {report['ms_per_post']} ms per post, newest 200 listed in "
              f"{report['list_200_newest_ms']} ms ({path})")
    return 0
