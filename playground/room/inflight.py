"""Generations cut off by a server restart, told to the browser that lost them.

While a generation streams, the room's database holds one row for it: the browser's id (its
cookie, ``playground.ui.identity``), the session, the page and this server process's boot id.
The row goes when the stream ends, however it ends. A row written by an earlier boot can only
mean that the server stopped while that generation ran: when the same browser comes back
(Streamlit's page reconnects by itself after a restart), ``take_interrupted`` hands its rows
over once and deletes them, and the page says what was lost instead of showing nothing.

Losing the record is never worse than before: every write here is best effort, and a failed one
is logged, not raised into a generation.

Package ``playground.room``: may import the feature packages, ``serving``, ``config``,
``errors``.
"""

from __future__ import annotations

import logging
import sqlite3
import time
import uuid
from dataclasses import dataclass

from playground.room.store import RoomStore, RoomStoreError

BOOT = uuid.uuid4().hex  # this server process: rows of another boot were cut off
KEEP_S = 24 * 3600       # an older record is dropped, not reported

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Interrupted:
    page: str        # the page's URL path ("" = Generate, the default page)
    started: float   # when the generation began (epoch seconds)


def begin(store: RoomStore, client: str, session: str, page: str) -> None:
    """A generation of ``session`` (browser ``client``) starts streaming on ``page``."""
    _write(store, "INSERT OR REPLACE INTO inflight (client, session, page, started, boot) "
                  "VALUES (?, ?, ?, ?, ?)", (client, session, page, time.time(), BOOT))


def end(store: RoomStore, client: str, session: str) -> None:
    """That generation ended (finished, stopped, failed or left)."""
    _write(store, "DELETE FROM inflight WHERE client = ? AND session = ? AND boot = ?",
           (client, session, BOOT))


def take_interrupted(store: RoomStore, client: str) -> list[Interrupted]:
    """The generations of browser ``client`` that an earlier server process never finished,
    one per page, oldest first; they are deleted, so they are told once."""
    try:
        rows = store.query("SELECT page, MIN(started) AS started FROM inflight "
                           "WHERE client = ? AND boot != ? AND started > ? "
                           "GROUP BY page ORDER BY started", (client, BOOT, time.time() - KEEP_S))
    except sqlite3.Error as err:
        log.warning("in-flight generations unreadable: %s", err)
        return []
    _write(store, "DELETE FROM inflight WHERE (client = ? AND boot != ?) OR started <= ?",
           (client, BOOT, time.time() - KEEP_S))
    return [Interrupted(r["page"], float(r["started"])) for r in rows]


def _write(store: RoomStore, sql: str, params: tuple) -> None:
    try:
        store.execute(sql, params)
    except (sqlite3.Error, RoomStoreError) as err:  # never into a generation
        log.warning("in-flight record not written: %s", err)
