"""The room's own dataset: examples participants contribute, the instructor reviews, and the
room's adapter is trained on.

A participant adds a question and the answer the room's model should give, from the
Fine-tuning page's form or by marking a board post as an example (the post's prompt and the
model's text). Every example starts ``pending``; the instructor accepts or rejects it on Admin,
trains once on the accepted ones through the training queue, and broadcasts the adapter.
Examples are text, bounded in size, rate-limited per participant, and exported as JSONL or CSV.

Package ``playground.room``: may import the feature packages, ``serving``, ``config``,
``errors``.
"""

from __future__ import annotations

import csv
import io
import json
import time
from dataclasses import asdict, dataclass

from playground.errors import PlaygroundError
from playground.room import board
from playground.room.store import RoomStore
from playground.tuning.data import MAX_FIELD_CHARS, Record

STATUSES = ("pending", "accepted", "rejected")
PER_MINUTE = 6        # examples one participant may add in a minute
MAX_EXAMPLES = 2000   # the room's dataset, all statuses


class ExampleError(PlaygroundError):
    """An example that cannot be added (empty, too long, too many)."""


@dataclass(frozen=True)
class Example:
    id: int
    created: float
    session: str
    name: str
    prompt: str
    response: str
    source: str
    status: str


def add_example(store: RoomStore, *, session: str, prompt: str, response: str, name: str = "",
                source: str = "form", now: float | None = None) -> Example:
    prompt, response = (prompt or "").strip(), (response or "").strip()
    if not prompt or not response:
        raise ExampleError("an example needs both a question and an answer",
                           key="errors.example_empty")
    if len(prompt) > MAX_FIELD_CHARS or len(response) > MAX_FIELD_CHARS:
        raise ExampleError(f"a question or answer may be at most {MAX_FIELD_CHARS:,} characters",
                           key="errors.example_long", params={"most": f"{MAX_FIELD_CHARS:,}"})
    now = time.time() if now is None else now
    recent = store.one("SELECT COUNT(*) AS n FROM examples WHERE session = ? AND created > ?",
                       (session, now - 60))["n"]
    if recent >= PER_MINUTE:
        raise ExampleError(f"at most {PER_MINUTE} examples a minute; wait a moment",
                           key="errors.example_rate", params={"most": PER_MINUTE})
    if store.one("SELECT COUNT(*) AS n FROM examples")["n"] >= MAX_EXAMPLES:
        raise ExampleError(f"the room's dataset is full ({MAX_EXAMPLES} examples)",
                           key="errors.example_full", params={"most": MAX_EXAMPLES})
    new_id = store.execute("INSERT INTO examples (created, session, name, prompt, response, "
                           "source) VALUES (?, ?, ?, ?, ?, ?)",
                           (now, session, name[:60], prompt, response, source))
    return Example(**store.one("SELECT * FROM examples WHERE id = ?", (new_id,)))


def example_from_post(store: RoomStore, post_id: int, session: str) -> Example:
    """A board post as an example: the prompt it was made with, and the text it shows."""
    post = board.get_post(store, post_id)
    prompt = str((post.inputs or {}).get("prompt") or "").strip()
    if not prompt:
        raise ExampleError("this post has no prompt to learn from (only posts made from a "
                           "prompt can become examples)", key="errors.example_no_prompt")
    return add_example(store, session=session, prompt=prompt, response=post.text,
                       name=post.name, source=f"post:{post_id}")


def list_examples(store: RoomStore, status: str | None = None) -> list[Example]:
    if status is None:
        rows = store.query("SELECT * FROM examples ORDER BY id")
    else:
        rows = store.query("SELECT * FROM examples WHERE status = ? ORDER BY id", (status,))
    return [Example(**r) for r in rows]


def set_status(store: RoomStore, example_id: int, status: str) -> None:
    if status not in STATUSES:
        raise ExampleError(f"status must be one of {', '.join(STATUSES)}")
    store.execute("UPDATE examples SET status = ? WHERE id = ?", (status, int(example_id)))


def accepted_records(store: RoomStore) -> list[Record]:
    return [Record(e.prompt, e.response) for e in list_examples(store, "accepted")]


def export_jsonl(examples: list[Example]) -> str:
    return "".join(json.dumps({"prompt": e.prompt, "response": e.response}, ensure_ascii=False)
                   + "\n" for e in examples)


def export_csv(examples: list[Example]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=["id", "prompt", "response", "status", "name",
                                             "source"])
    writer.writeheader()
    for e in examples:
        row = asdict(e)
        writer.writerow({k: board._cell(row[k]) if isinstance(row[k], str) else row[k]
                         for k in writer.fieldnames})
    return buf.getvalue()
