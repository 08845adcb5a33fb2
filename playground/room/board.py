"""The room board: participants post a result (a sample, a Compare column, a persona reply, a
RAG answer) and everyone sees it.

A post keeps the text, the page, the model, the exact settings (seed included), the metric
where there is one (Self-BLEU, distinct-n), an optional display name, the time, the lesson step
under which the result was made, and the page's inputs that made it (captured when the result
was asked for, ``playground.room.madewith``), from which the board builds its "Open" link
(``playground.room.links``). Limits: ``MAX_POST_BYTES`` per post (text, settings and inputs
together, UTF-8) and ``[room] posts_per_minute`` per session, counted in the database so that
they hold across tabs of one session, restarts and the CLI. Posts are data: whoever shows them
shows them as text (never HTML or Markdown).

Package ``playground.room``: may import the feature packages (``lab``, ``prompting``, ``quant``,
``rag``), ``serving``, ``config``, ``errors``.
"""

from __future__ import annotations

import csv
import io
import json
import math
import time
from dataclasses import asdict, dataclass, field

from playground.textfiles import visible
from playground.errors import BoardError
from playground.room.fields import LinkError
from playground.room.links import encode_link
from playground.room.store import RoomStore

MAX_POST_BYTES = 8 * 1024   # text + settings + inputs of one post, UTF-8
MAX_NAME = 40               # characters of a display name
WINDOW_S = 60.0             # posts_per_minute counts the posts of the last WINDOW_S seconds
PAGES = ("generate", "sampling_compare", "persona_chat", "rag")  # pages with "Post to the room"
COLUMNS = ("id", "created", "name", "page", "model", "text", "settings", "metric_name",
           "metric", "step", "pinned", "hidden", "link")


@dataclass(frozen=True)
class Post:
    id: int
    created: float          # epoch seconds
    session: str            # the poster's anonymous session id (never shown in full)
    name: str
    page: str
    model: str
    text: str
    settings: dict = field(default_factory=dict)
    metric_name: str = ""
    metric: float | None = None
    step: str = ""
    pinned: bool = False
    hidden: bool = False
    inputs: dict = field(default_factory=dict)

    @property
    def prompt(self) -> str:
        """What the post's text answers: the prompt (or question) the page had ("" if none)."""
        for name in ("prompt", "question", "prompts", "content"):
            value = self.inputs.get(name)
            if isinstance(value, str) and value.strip():
                return value
        return ""

    @property
    def link(self) -> str:
        """The page with this post's inputs ("" when the page has no share link for them)."""
        if not self.inputs and self.page not in PAGES:
            return ""
        try:
            return encode_link(self.page, self.inputs)
        except LinkError:
            try:  # inputs this version of the page no longer has: the page alone
                return encode_link(self.page, {})
            except LinkError:
                return ""

    def row(self) -> dict:
        """For exports and ``room board --json``: every column, settings as an object."""
        out = {k: getattr(self, k) for k in COLUMNS if k != "link"}
        out["created"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.created))
        out["link"] = self.link
        return out


def _post(row: dict) -> Post:
    return Post(id=row["id"], created=row["created"], session=row["session"], name=row["name"],
                page=row["page"], model=row["model"], text=row["text"],
                settings=json.loads(row["settings"] or "{}"), metric_name=row["metric_name"],
                metric=row["metric"], step=row["step"], pinned=bool(row["pinned"]),
                hidden=bool(row["hidden"]), inputs=json.loads(row.get("inputs") or "{}"))


def current_step(store: RoomStore) -> str:
    """The lesson step of the current broadcast ("" when none is being broadcast)."""
    row = store.one("SELECT note, link FROM broadcast WHERE id = 1")
    return (row["note"] or row["link"]) if row else ""


def add_post(store: RoomStore, *, session: str, page: str, text: str, name: str = "",
             model: str = "", settings: dict | None = None, metric_name: str = "",
             metric: float | None = None, inputs: dict | None = None,
             posts_per_minute: int = 4, now: float | None = None, client: str = "",
             room_posts_per_minute: int = 0, step: str | None = None) -> Post:
    """Check the limits and store one post; raises ``BoardError`` with the reason.

    ``posts_per_minute`` counts the posts of one participant: those with the same ``client``
    (a browser's id, which a reload keeps) or, without one, of the same ``session``.
    ``room_posts_per_minute`` counts every post of the room (0 = no cap). ``step``: the lesson
    step the result was made under (``playground.ui.made_with`` captures it with the inputs);
    None = the room's current step (the command line)."""
    now = time.time() if now is None else now
    text = str(text or "")
    name = " ".join(str(name or "").split())[:MAX_NAME]  # one line, no control characters
    if not text.strip():
        raise BoardError("there is nothing to post: the text is empty", key="errors.board_empty")
    try:
        settings_json = json.dumps(settings or {}, ensure_ascii=False, sort_keys=True)
        inputs_json = json.dumps(inputs or {}, ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError):
        raise BoardError("the settings of this post cannot be stored (not plain values)",
                         key="errors.board_settings") from None
    size = len((text + settings_json + inputs_json).encode("utf-8"))
    if size > MAX_POST_BYTES:
        raise BoardError(f"a post may be at most {MAX_POST_BYTES // 1024} kB; this one is "
                         f"{size / 1024:.1f} kB. Post a shorter part of the text",
                         key="errors.board_too_long",
                         params={"most": MAX_POST_BYTES // 1024, "size": f"{size / 1024:.1f}"})
    if metric is not None and not math.isfinite(float(metric)):
        metric = None
    if room_posts_per_minute > 0:
        n = store.query("SELECT COUNT(*) AS n FROM posts WHERE created > ?",
                        (now - WINDOW_S,))[0]["n"]
        if n >= room_posts_per_minute:
            raise BoardError(f"the room board takes {room_posts_per_minute} posts a minute from "
                             f"everyone together and is full for now; try again in a minute",
                             key="errors.board_room_full", params={"n": room_posts_per_minute})
    if posts_per_minute > 0:
        column, who = ("client", client) if client else ("session", session)
        recent = store.query(f"SELECT created FROM posts WHERE {column} = ? AND created > ? "
                             "ORDER BY created", (who, now - WINDOW_S))
        if len(recent) >= posts_per_minute:
            wait = recent[len(recent) - posts_per_minute]["created"] + WINDOW_S - now
            raise BoardError(f"you can post {posts_per_minute} times a minute to the room "
                             f"board; try again in {max(1, math.ceil(wait))} s",
                             key="errors.board_too_often",
                             params={"n": posts_per_minute, "wait": max(1, math.ceil(wait))})
    step = current_step(store) if step is None else str(step)
    rowid = store.execute(
        "INSERT INTO posts (created, session, name, page, model, text, settings, metric_name, "
        "metric, step, inputs, client) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (now, session, name, page, model, text, settings_json, metric_name,
         None if metric is None else float(metric), step, inputs_json, client))
    store.bump("board")
    return get_post(store, rowid)


def get_post(store: RoomStore, post_id: int) -> Post:
    row = store.one("SELECT * FROM posts WHERE id = ?", (post_id,))
    if row is None:
        raise BoardError(f"post {post_id} is not on the board (cleared, perhaps)",
                         key="errors.board_no_post", params={"id": post_id})
    return _post(row)


def list_posts(store: RoomStore, page: str | None = None, step: str | None = None,
               include_hidden: bool = False, limit: int | None = None) -> list[Post]:
    """Pinned first, then newest first; filters by page and lesson step (None = all)."""
    sql, params = "SELECT * FROM posts WHERE 1 = 1", []
    if not include_hidden:
        sql += " AND hidden = 0"
    if page:
        sql += " AND page = ?"
        params.append(page)
    if step is not None:
        sql += " AND step = ?"
        params.append(step)
    sql += " ORDER BY pinned DESC, created DESC, id DESC"
    if limit:
        sql += " LIMIT ?"
        params.append(int(limit))
    return [_post(r) for r in store.query(sql, params)]


def steps(store: RoomStore) -> list[str]:
    """Lesson steps that have posts, most recent first."""
    return [r["step"] for r in store.query(
        "SELECT step, MAX(created) AS last FROM posts WHERE step != '' GROUP BY step "
        "ORDER BY last DESC")]


def set_flag(store: RoomStore, post_id: int, flag: str, value: bool) -> None:
    """The instructor pins or hides a post."""
    if flag not in ("pinned", "hidden"):
        raise ValueError(flag)
    get_post(store, post_id)
    store.execute(f"UPDATE posts SET {flag} = ? WHERE id = ?", (int(bool(value)), post_id))
    store.bump("board")


def clear(store: RoomStore) -> int:
    """The instructor empties the board; returns how many posts were removed."""
    n = store.one("SELECT COUNT(*) AS n FROM posts")["n"]
    store.execute("DELETE FROM posts")
    store.bump("board")
    return n


def _shown(row: dict) -> dict:
    """A post's row as exports show it: control characters and bidi overrides in what the
    participant typed (name, text) made visible (``textfiles.visible``)."""
    return {**row, "name": visible(row["name"]), "text": visible(row["text"])}


def export_json(posts: list[Post]) -> str:
    return json.dumps([_shown(p.row()) for p in posts], ensure_ascii=False, indent=2)


def export_csv(posts: list[Post]) -> str:
    """One row per post; settings as JSON in one cell. Cells that a spreadsheet would run as
    a formula (starting with = + - @) get a leading apostrophe (OWASP's CSV injection advice)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS))
    writer.writeheader()
    for p in posts:
        row = _shown(p.row())
        row["settings"] = json.dumps(row["settings"], ensure_ascii=False, sort_keys=True)
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return out.getvalue()


def _cell(value):
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def room_sweep(posts: list[Post]) -> list[dict]:
    """Compare posts as points of the room's sweep: Self-BLEU by top_p and temperature
    (averaged over the posts of each cell; greedy columns are left out)."""
    cells: dict[tuple[float, float], list[float]] = {}
    for p in posts:
        s = p.settings
        if p.page != "sampling_compare" or p.metric_name != "Self-BLEU" or p.metric is None:
            continue
        if not s.get("do_sample", True) or "top_p" not in s or "temperature" not in s:
            continue
        cells.setdefault((float(s["top_p"]), float(s["temperature"])), []).append(p.metric)
    return [{"top_p": tp, "temperature": t, "Self-BLEU": round(sum(v) / len(v), 2),
             "posts": len(v)} for (tp, t), v in sorted(cells.items())]


def settings_dict(settings) -> dict:
    """A frozen ``GenerationSettings`` (or a dict) as the plain dict a post stores."""
    return dict(settings) if isinstance(settings, dict) else asdict(settings)


def database_size(store: RoomStore) -> int:
    """Bytes on disk: the file plus its write-ahead log."""
    total = 0
    for suffix in ("", "-wal"):
        path = store.path.with_name(store.path.name + suffix)
        if path.exists():
            total += path.stat().st_size
    return total
