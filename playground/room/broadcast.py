"""The instructor's current step for the whole room: one link and a short note.

It lives in the room database (table ``broadcast``, one row), so it survives a server restart.
Every change bumps the ``broadcast`` counter: an idle tab polls ``version()`` (one indexed
read of one row) and fetches the step only when the number moved.

Package ``playground.room``: may import the feature packages, ``serving``, ``config``,
``errors``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from playground.room.links import LinkError, decode_link
from playground.room.store import RoomStore

MAX_NOTE = 300  # characters: a banner, not an essay
NAME = "broadcast"


@dataclass(frozen=True)
class Broadcast:
    version: int   # the counter's value when it was shared (a new one is always higher)
    link: str      # path + query, as ``links.encode_link`` makes it
    note: str
    created: float  # Unix time, seconds

    @property
    def page(self) -> str:
        return decode_link(self.link)[0]


def publish(store: RoomStore, link: str, note: str = "") -> Broadcast:
    """Replace the room's step with ``link`` + ``note``. Raises ``LinkError`` for a link that
    opens no page, or a note over ``MAX_NOTE`` characters."""
    decode_link(link)  # raises for a link to no page
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise LinkError(f"the note is {len(note)} characters; at most {MAX_NOTE}",
                        key="errors.note_too_long", params={"n": len(note), "most": MAX_NOTE})
    store.transaction([
        ("INSERT INTO meta (name, value) VALUES (?, 1) "
         "ON CONFLICT(name) DO UPDATE SET value = value + 1", (NAME,)),
        ("INSERT INTO broadcast (id, version, link, note, created) "
         "VALUES (1, (SELECT value FROM meta WHERE name = ?), ?, ?, ?) "
         "ON CONFLICT(id) DO UPDATE SET version = excluded.version, link = excluded.link, "
         "note = excluded.note, created = excluded.created", (NAME, link, note, time.time())),
    ])
    return current(store)


def clear(store: RoomStore) -> None:
    """No step for the room any more; every tab's banner goes away."""
    store.transaction([
        ("DELETE FROM broadcast", ()),
        ("INSERT INTO meta (name, value) VALUES (?, 1) "
         "ON CONFLICT(name) DO UPDATE SET value = value + 1", (NAME,)),
    ])


def current(store: RoomStore) -> Broadcast | None:
    row = store.one("SELECT version, link, note, created FROM broadcast WHERE id = 1")
    return Broadcast(**row) if row else None


def version(store: RoomStore) -> int:
    """The cheap number idle tabs poll."""
    return store.version(NAME)
