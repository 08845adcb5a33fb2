"""The room database: one SQLite file (stdlib ``sqlite3``, WAL mode) that needs no server.

It holds what the room shares and what must survive a server restart: the instructor's current
broadcast, the room board's posts, and finished heavy results (quantization comparisons,
sweeps) keyed by everything that decides them.

Access goes through ``RoomStore`` only: a connection per thread (SQLite connections must not be
shared between threads), rows as dicts, parameters always bound (never SQL built with f-strings
from values), and the schema as numbered migrations recorded in ``PRAGMA user_version``. A room
that outgrows one machine can put PostgreSQL behind the same methods: the SQL is plain, and the
only SQLite-specific parts are the pragmas in ``_connect`` and ``user_version``.

Package ``playground.room``: may import the feature packages, ``serving``, ``config``,
``errors``.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any, Iterable

from playground.errors import PlaygroundError

# Each entry moves the schema from version i to i + 1. Append; never edit a released one.
MIGRATIONS: tuple[str, ...] = (
    # 1: the current broadcast (one row), the board, finished heavy results
    """
    CREATE TABLE broadcast (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        version INTEGER NOT NULL,
        link TEXT NOT NULL,
        note TEXT NOT NULL,
        created REAL NOT NULL
    );
    CREATE TABLE posts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created REAL NOT NULL,
        session TEXT NOT NULL,
        name TEXT NOT NULL DEFAULT '',
        page TEXT NOT NULL,
        model TEXT NOT NULL DEFAULT '',
        text TEXT NOT NULL,
        settings TEXT NOT NULL DEFAULT '{}',
        metric_name TEXT NOT NULL DEFAULT '',
        metric REAL,
        link TEXT NOT NULL DEFAULT '',
        step TEXT NOT NULL DEFAULT '',
        pinned INTEGER NOT NULL DEFAULT 0,
        hidden INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX posts_created ON posts (created);
    CREATE TABLE results (
        key TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        created REAL NOT NULL,
        result TEXT NOT NULL
    );
    CREATE TABLE meta (
        name TEXT PRIMARY KEY,
        value INTEGER NOT NULL
    );
    """,
    # 2: the board's posts keep the page's inputs (the "Open" link is built from them), and
    # the posts-per-minute limit looks posts up by session
    """
    ALTER TABLE posts ADD COLUMN inputs TEXT NOT NULL DEFAULT '{}';
    CREATE INDEX posts_session ON posts (session, created);
    """,
    # 3: who posted across reloads (a browser's cookie id): the per-participant post limit
    """
    ALTER TABLE posts ADD COLUMN client TEXT NOT NULL DEFAULT '';
    CREATE INDEX posts_client ON posts (client, created);
    """,
    # 4: the room's own dataset: examples participants contribute for the room's adapter
    """
    CREATE TABLE examples (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created REAL NOT NULL,
        session TEXT NOT NULL,
        name TEXT NOT NULL DEFAULT '',
        prompt TEXT NOT NULL,
        response TEXT NOT NULL,
        source TEXT NOT NULL DEFAULT 'form',
        status TEXT NOT NULL DEFAULT 'pending'
    );
    CREATE INDEX examples_session ON examples (session, created);
    """,
    # 5: generations that were streaming, per browser and session, so that a server restart
    # can be told to the browser that lost one (playground.room.inflight)
    """
    CREATE TABLE inflight (
        client TEXT NOT NULL,
        session TEXT NOT NULL,
        page TEXT NOT NULL,
        started REAL NOT NULL,
        boot TEXT NOT NULL,
        PRIMARY KEY (client, session)
    );
    """,
)


class RoomStoreError(PlaygroundError):
    """The room database cannot be opened or read."""


class RoomStore:
    """One SQLite file; safe to share between threads (each thread gets its own connection)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._local = threading.local()
        self._write_lock = threading.Lock()  # one writer at a time in this process
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._migrate(self._connection())
        except (OSError, sqlite3.Error) as err:
            raise RoomStoreError(f"the room database {self.path.name} cannot be opened: "
                                 f"{err}") from None

    # -- connections -----------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=10, isolation_level=None,
                               check_same_thread=True)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable at checkpoints
        conn.execute("PRAGMA busy_timeout=10000")
        return conn

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        return conn

    def _migrate(self, conn: sqlite3.Connection) -> None:
        with self._write_lock:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > len(MIGRATIONS):
                raise RoomStoreError(f"the room database {self.path.name} was written by a newer "
                                     f"version of the playground (schema {version})")
            for i in range(version, len(MIGRATIONS)):
                conn.executescript("BEGIN;" + MIGRATIONS[i] + f"PRAGMA user_version = {i + 1};"
                                   "COMMIT;")

    @property
    def schema_version(self) -> int:
        return self._connection().execute("PRAGMA user_version").fetchone()[0]

    # -- queries ---------------------------------------------------------------------------
    def query(self, sql: str, params: Iterable[Any] | dict = ()) -> list[dict]:
        """Rows as dicts."""
        return [dict(r) for r in self._connection().execute(sql, params).fetchall()]

    def one(self, sql: str, params: Iterable[Any] | dict = ()) -> dict | None:
        row = self._connection().execute(sql, params).fetchone()
        return dict(row) if row is not None else None

    def execute(self, sql: str, params: Iterable[Any] | dict = ()) -> int:
        """One write in its own transaction; returns ``lastrowid``."""
        with self._write_lock:
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            try:
                cur = conn.execute(sql, params)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            return cur.lastrowid

    def transaction(self, statements: Iterable[tuple[str, Iterable[Any] | dict]]) -> None:
        """Several writes, all or none."""
        with self._write_lock:
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            try:
                for sql, params in statements:
                    conn.execute(sql, params)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    # -- a change counter, so that idle tabs poll one cheap number ------------------------
    def bump(self, name: str) -> int:
        """Increase the counter ``name`` (e.g. "broadcast", "board") and return its new value."""
        self.execute("INSERT INTO meta (name, value) VALUES (?, 1) "
                     "ON CONFLICT(name) DO UPDATE SET value = value + 1", (name,))
        return self.version(name)

    def version(self, name: str) -> int:
        row = self.one("SELECT value FROM meta WHERE name = ?", (name,))
        return int(row["value"]) if row else 0

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


_stores: dict[Path, RoomStore] = {}
_stores_lock = threading.Lock()


def room_store(path: str | Path | None = None) -> RoomStore:
    """The process-wide store for ``path`` (default: the configured ``room_db_path``)."""
    if path is None:
        from playground.config import load_config
        path = load_config().room_db_path
    key = Path(path).expanduser().resolve()
    with _stores_lock:
        store = _stores.get(key)
        if store is None:
            store = _stores[key] = RoomStore(key)
        return store
