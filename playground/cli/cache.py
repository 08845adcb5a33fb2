"""``cache``: the admin page's Hugging Face cache manager, headless (list, then delete).

Package ``playground.cli``: may import every package below it; never streamlit or ``ui``.
"""

from __future__ import annotations

from playground.room.admin import (cache_report, cache_table, default_cache_dir, delete_revisions,
                                   freed_bytes, human_size)
from playground.cli import print_json, say


def register(sub) -> None:
    p = sub.add_parser("cache", help="list the Hugging Face cache; delete revisions",
                       description="Scan the Hugging Face cache (HF_HUB_CACHE by default) and "
                                   "optionally delete revisions, as on the Admin page.")
    p.add_argument("--dir", default=None, help="cache folder (default: HF_HUB_CACHE)")
    p.add_argument("--delete", nargs="+", metavar="HASH", default=[],
                   help="full revision hashes to delete (see the listing)")
    p.add_argument("--yes", action="store_true", help="delete without asking")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args) -> int:
    folder = args.dir or default_cache_dir()
    freed = None
    if args.delete:
        expected = freed_bytes(folder, args.delete)
        if not args.yes and input(f"Delete {len(args.delete)} revision(s), freeing "
                                  f"{human_size(expected)}? [y/N] ").strip().lower() != "y":
            say("nothing deleted")
            return 0
        freed = delete_revisions(folder, args.delete)
        say(f"deleted {len(args.delete)} revision(s), freed {human_size(freed)}")
    report = cache_report(folder)
    if args.json:
        print_json({"folder": report.folder, "size_bytes": report.size_bytes,
                    "freed_bytes": freed, "warnings": report.warnings,
                    "revisions": [{"repo": r.repo_id, "type": r.repo_type,
                                   "revision": r.commit_hash, "refs": list(r.refs),
                                   "size_bytes": r.size_bytes, "files": r.files,
                                   "last_modified": r.last_modified} for r in report.rows]})
        return 0
    print(f"{report.folder}: {report.repos} repos, {len(report.rows)} revisions, "
          f"{human_size(report.size_bytes)}")
    for row, full in zip(cache_table(report), report.rows):
        print(f"  {row['repo']:<40} {full.commit_hash}  {row['refs']:<12} {row['size']:>9}  "
              f"modified {row['modified']}")
    return 0
