"""The room database: migrations, rows as dicts, threads, restarts. A real file in tmp_path."""

import sqlite3
import threading

import pytest

from playground.room.store import MIGRATIONS, RoomStore, RoomStoreError, room_store


def test_a_new_file_is_migrated_to_the_latest_schema_in_wal_mode(tmp_path):
    store = RoomStore(tmp_path / "room.sqlite3")
    assert store.schema_version == len(MIGRATIONS)
    assert store.one("PRAGMA journal_mode")["journal_mode"] == "wal"
    tables = {r["name"] for r in store.query("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"broadcast", "posts", "results", "meta"} <= tables


def test_rows_survive_reopening_the_file(tmp_path):
    path = tmp_path / "room.sqlite3"
    store = RoomStore(path)
    rowid = store.execute("INSERT INTO posts (created, session, page, text) VALUES (?, ?, ?, ?)",
                          (1.0, "s1", "generate", "once upon a time"))
    store.close()
    again = RoomStore(path)
    assert again.query("SELECT id, text FROM posts") == [{"id": rowid, "text": "once upon a time"}]


def test_counters_start_at_zero_and_rise(tmp_path):
    store = RoomStore(tmp_path / "room.sqlite3")
    assert store.version("board") == 0
    assert [store.bump("board") for _ in range(3)] == [1, 2, 3]
    assert store.version("broadcast") == 0


def test_parameters_are_bound_not_spliced(tmp_path):
    store = RoomStore(tmp_path / "room.sqlite3")
    hostile = "x'); DROP TABLE posts; --"
    store.execute("INSERT INTO posts (created, session, page, text) VALUES (?, ?, ?, ?)",
                  (1.0, "s", "generate", hostile))
    assert store.query("SELECT text FROM posts") == [{"text": hostile}]


def test_a_failed_transaction_writes_nothing(tmp_path):
    store = RoomStore(tmp_path / "room.sqlite3")
    with pytest.raises(sqlite3.IntegrityError):
        store.transaction([
            ("INSERT INTO posts (created, session, page, text) VALUES (1, 's', 'p', 'a')", ()),
            ("INSERT INTO posts (created, session, page, text) VALUES (1, 's', NULL, 'b')", ()),
        ])
    assert store.query("SELECT * FROM posts") == []


def test_threads_write_concurrently_without_losing_rows(tmp_path):
    store = RoomStore(tmp_path / "room.sqlite3")

    def write(n):
        for i in range(25):
            store.execute("INSERT INTO posts (created, session, page, text) VALUES (?, ?, ?, ?)",
                          (float(i), f"s{n}", "generate", f"{n}-{i}"))

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.one("SELECT COUNT(*) AS n FROM posts")["n"] == 100


def test_a_file_from_a_newer_schema_is_refused_with_a_message(tmp_path):
    path = tmp_path / "room.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    conn.close()
    with pytest.raises(RoomStoreError, match="newer version"):
        RoomStore(path)


def test_one_store_per_path_in_the_process(tmp_path):
    assert room_store(tmp_path / "a.sqlite3") is room_store(tmp_path / "a.sqlite3")
    assert room_store(tmp_path / "a.sqlite3") is not room_store(tmp_path / "b.sqlite3")
